/**
 * What `estate init` writes must be usable as written: every environment of both templates
 * passes `config validate` and synthesises with `estate blueprint synth`, through the CLI.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/loader.js';
import { estate, tempDir } from '../_helpers/cli.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ dir, cleanup } = await tempDir('estate-init-synth-')));
afterAll(async () => cleanup());

const common = [
  '--email-domain',
  'example.com',
  '--home-region',
  'eu-west-2',
  '--developer',
  'alice',
  '--yes',
];

async function initAndSynth(name: string, args: string[]): Promise<string[]> {
  const file = join(dir, `${name}.yaml`);
  const init = await estate(['init', '--out', file, ...args], { cwd: dir });
  expect(init.code, init.stderr).toBe(0);
  const validate = await estate(['config', 'validate', '--config', file], { cwd: dir });
  expect(validate.code, validate.stderr).toBe(0);
  const config = parseConfig(await readFile(file, 'utf8'));
  for (const env of config.environments) {
    const synth = await estate(
      ['blueprint', 'synth', env.name, '--config', file, '--out', join(dir, name, env.name)],
      {
        cwd: dir,
      },
    );
    expect(synth.code, `${env.name}: ${synth.stderr}`).toBe(0);
  }
  return config.environments.map((e) => e.name);
}

describe('estate init writes environments that synthesise', () => {
  it('recall: the production environment serves the given domain and the login returns there', async () => {
    const envs = await initAndSynth('recall', [
      '--template',
      'recall',
      ...common,
      '--app-domain',
      'www.example.com',
      '--hosted-zone-id',
      'Z0123456789ABC',
    ]);
    expect(envs).toEqual(['alice', 'integration', 'production']);
    const production = parseConfig(await readFile(join(dir, 'recall.yaml'), 'utf8')).environments.find(
      (e) => e.name === 'production',
    )!;
    expect(production.settings).toMatchObject({
      edge: { domainName: 'www.example.com', hostedZoneId: 'Z0123456789ABC', hostedZoneName: 'example.com' },
      auth: { callbackUrls: ['https://www.example.com/'] },
    });
  }, 240_000);

  it('minimal: the developer environment', async () => {
    expect(await initAndSynth('minimal', ['--template', 'minimal', ...common])).toEqual(['alice']);
  }, 120_000);

  it('rejects a domain outside its hosted zone, naming both', async () => {
    const r = await estate(
      [
        'init',
        '--out',
        join(dir, 'outside.yaml'),
        '--template',
        'recall',
        ...common,
        '--app-domain',
        'app.other.org',
        '--hosted-zone-id',
        'Z0123456789ABC',
        '--hosted-zone-name',
        'example.com',
      ],
      { cwd: dir },
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--app-domain app\.other\.org is not inside the hosted zone example\.com/);
  });
});
