/**
 * Config that validates but that nothing applies yet is named in the plan's notes, so a
 * clean plan is never read as "Control Tower and the schedules are in place".
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { EXAMPLE, estate, tempDir } from '../_helpers/cli.js';
import { minimalConfig } from '../_helpers/config.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ dir, cleanup } = await tempDir()));
afterAll(async () => cleanup());

describe('estate plan notes what it does not apply', () => {
  it('names the controlTower block, environment deployment, schedules and TTLs', async () => {
    const r = await estate(['plan', '--offline', '--config', EXAMPLE, '--json']);
    expect(r.code).toBe(0);
    const notes: string[] = JSON.parse(r.stdout).notes;
    expect(notes).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^controlTower is not applied: .*landing zone \(version 3\.3\).*the 3 controls listed/,
        ),
        expect.stringMatching(
          /^environments are not deployed by plan\/apply \(alice, integration, production\)/,
        ),
        expect.stringMatching(/^environments\[\]\.schedule is not acted on \(alice\)/),
        expect.stringMatching(/^environments\[\]\.ttl is not enforced \(alice\)/),
      ]),
    );
    const text = await estate(['plan', '--offline', '--config', EXAMPLE]);
    expect(text.stdout).toMatch(/^note: controlTower is not applied/m);
  });

  it('says nothing of them when the config has none', async () => {
    const file = join(dir, 'plain.yaml');
    await writeFile(file, stringify(minimalConfig()));
    const r = await estate(['plan', '--offline', '--config', file, '--json']);
    expect(r.code).toBe(0);
    const notes: string[] = JSON.parse(r.stdout).notes;
    expect(notes.filter((n) => /not applied|not deployed|not acted on|not enforced/.test(n))).toEqual([]);
  });
});
