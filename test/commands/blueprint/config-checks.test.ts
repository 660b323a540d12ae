import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { EXAMPLE, estate, tempDir } from '../../_helpers/cli.js';

// Given the bundled example copied into a fresh folder, as a new user starts.
let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ dir, cleanup } = await tempDir('estate-copied-example-')));
afterAll(async () => cleanup());

/** Writes the example with edits into the folder and returns its path. */
function copy(name: string, edit: (doc: ReturnType<typeof parseDocument>) => void = () => {}): string {
  const doc = parseDocument(readFileSync(EXAMPLE, 'utf8'));
  edit(doc);
  const file = join(dir, name);
  writeFileSync(file, doc.toString());
  return file;
}

/** The example as the old one read: a codePath relative to the bundled folder, and a prod pool with no callback URL. */
const broken = (doc: ReturnType<typeof parseDocument>) => {
  doc.setIn(['blueprints', 'api-lambda', 'codePath'], '../../app/api');
  doc.setIn(['environments', 2, 'settings', 'auth', 'callbackUrls'], doc.createNode([]));
};

/** The 1-based line of the first line containing `text` in the file. */
const lineOf = (file: string, text: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .findIndex((l) => l.includes(text)) + 1;

describe('blueprint settings checks on a copied example', () => {
  it('config validate passes the copied example as it is', async () => {
    const r = await estate(['config', 'validate', '--config', copy('estate.yaml'), '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ valid: true, environments: 3 });
  });

  it('config validate rejects what synth rejects, each problem at file:line with the key to set', async () => {
    const file = copy('broken.yaml', broken);
    const r = await estate(['config', 'validate', '--config', file, '--json']);
    expect(r.code).toBe(2);
    const issues: string[] = JSON.parse(r.stdout).error.details.issues;
    const codePathLine = lineOf(file, 'codePath: ../../app/api');
    expect(issues).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `^broken\\.yaml:${codePathLine}: blueprints\\.api-lambda\\.codePath: codePath "\\.\\./\\.\\./app/api" is .*, which is not a folder; set blueprints\\.api-lambda\\.codePath \\(or settings`,
        ),
      ),
    );
    const callbackLine = lineOf(file, 'callbackUrls: []');
    expect(issues).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `^broken\\.yaml:${callbackLine}: environments\\[2\\]\\.settings\\.auth\\.callbackUrls: callbackUrls is empty.*set settings\\.auth\\.callbackUrls of environment production`,
        ),
      ),
    );
  });

  it('blueprint synth and plan report the same problems before doing anything', async () => {
    const file = copy('codepath.yaml', (doc) => doc.setIn(['blueprints', 'api-lambda', 'codePath'], 'api'));
    for (const args of [
      ['blueprint', 'synth', 'alice'],
      ['plan', '--offline'],
    ]) {
      const r = await estate([...args, '--config', file, '--json'], { cwd: dir });
      expect(r.code, args.join(' ')).toBe(2);
      expect(JSON.parse(r.stdout).error.details.issues).toEqual([
        expect.stringMatching(/^codepath\.yaml:\d+: blueprints\.api-lambda\.codePath: codePath "api" is /),
      ]);
    }
  });

  it('names a folder problem inside an environment by the same path form as every other problem', async () => {
    const file = copy('env-codepath.yaml', (doc) =>
      doc.setIn(['environments', 0, 'settings', 'api-lambda', 'codePath'], 'no-such-folder'),
    );
    const r = await estate(['config', 'validate', '--config', file, '--json']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout).error.details.issues).toContainEqual(
      expect.stringMatching(/^env-codepath\.yaml:\d+: environments\[0\]\.settings\.api-lambda\.codePath: /),
    );
  });
});
