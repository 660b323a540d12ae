import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLE, estate, tempDir } from '../../_helpers/cli.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ dir, cleanup } = await tempDir('estate-synth-cmd-')));
afterAll(async () => cleanup());

const run = (args: string[]) => estate(['blueprint', 'synth', '--config', EXAMPLE, ...args], { cwd: dir });

/** Modification times of every file in an assembly: unchanged means nothing was re-synthesised. */
const mtimes = (assembly: string) =>
  Object.fromEntries(readdirSync(assembly).map((f) => [f, statSync(join(assembly, f)).mtimeMs]));

describe('estate blueprint synth', () => {
  it('synthesises the example dev environment offline, then reuses the assembly without rewriting it', async () => {
    const first = await run(['alice', '--json']);
    expect(first.code, first.stderr).toBe(0);
    const a = JSON.parse(first.stdout);
    expect(a).toMatchObject({
      environment: 'alice',
      cached: false,
      assemblyDir: join(dir, 'cdk.out', 'alice'),
    });
    expect(a.stacks.map((s: { name: string }) => s.name).sort()).toEqual([
      'alice-ai',
      'alice-api-lambda',
      'alice-auth',
      'alice-data',
      'alice-edge',
      'alice-observability',
    ]);
    expect(existsSync(join(a.assemblyDir, 'manifest.json'))).toBe(true);

    const before = mtimes(a.assemblyDir);
    const second = await run(['alice', '--json']);
    expect(second.code).toBe(0);
    const b = JSON.parse(second.stdout);
    expect(b.cached).toBe(true);
    expect(b.stacks).toEqual(a.stacks);
    // Timing is measured by bench/synth; here: the cached run wrote nothing.
    expect(mtimes(a.assemblyDir)).toEqual(before);
  });

  it('prints one line per stack and where the assembly is', async () => {
    const r = await run(['alice', '--out', 'assembly']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^alice-edge\s+us-east-1\s+\d+ resources\s+[\d.]+ KB$/m);
    expect(r.stdout).toContain(`wrote ${join(dir, 'assembly')} (6 stacks`);
    expect(r.stderr).toMatch(/synthesise alice/);
  });

  it('validates with the CloudFormation validator and cdk-nag (--validate)', async () => {
    const r = await run(['production', '--validate', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result.validation).toMatchObject({ ok: true, findings: [] });
    expect(result.validation.acknowledged.length).toBeGreaterThan(0);
    expect(existsSync(result.validation.reportFile)).toBe(true);
  });

  it('exits 2 naming the environments when the environment is unknown', async () => {
    const r = await run(['staging', '--json']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toMatchObject({
      ok: false,
      error: {
        code: 'UnknownEnvironment',
        message: expect.stringMatching(/environments: alice, integration, production/),
      },
    });
  });

  it('refuses to write into a folder that is not a cloud assembly', async () => {
    mkdirSync(join(dir, 'notes'));
    writeFileSync(join(dir, 'notes', 'todo.txt'), 'keep me');
    const r = await run(['alice', '--out', 'notes']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/refusing to overwrite/);
    expect(existsSync(join(dir, 'notes', 'todo.txt'))).toBe(true);
  });
});
