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
  it('names environment deployment, schedules and TTLs, and plans the controlTower block instead of naming it', async () => {
    const r = await estate(['plan', '--offline', '--config', EXAMPLE, '--json']);
    expect(r.code).toBe(0);
    const notes: string[] = JSON.parse(r.stdout).notes;
    expect(notes).toEqual(
      expect.arrayContaining([
        'environments are not deployed by plan/apply (alice, integration, production): `estate env deploy <env>` deploys one into its account (`estate env diff <env>` shows what would change).',
        // Schedules and expiry are acted on, by the reaper from CI or the lifecycle stack: the
        // note says which, so nobody expects plan/apply to do it.
        'environments[].schedule is acted on outside plan/apply (alice): `estate env reap` takes an environment down outside its window and `estate env up --due` brings it back, run from CI (templates/ci) (executor ci: alice).',
        'environments[].ttl and expires are enforced outside plan/apply (alice): `estate env reap` destroys an expired environment, run from CI (templates/ci) (executor ci: alice).',
      ]),
    );
    expect(notes.filter((n) => n.startsWith('controlTower is not applied'))).toEqual([]);
    const changes: { section: string; address: string }[] = JSON.parse(r.stdout).changes;
    expect(changes.filter((c) => c.section === 'controltower').map((c) => c.address)).toEqual(
      expect.arrayContaining(['stack:estate-governance', 'stack:estate-monitoring', 'stack:estate-baseline']),
    );
    const text = await estate(['plan', '--offline', '--config', EXAMPLE]);
    expect(text.stdout).toMatch(/^controltower \(\d+\)$/m);
  });

  it('names the lifecycle stack for environments with executor: aws', async () => {
    const config = minimalConfig();
    config.environments = [
      {
        name: 'bob',
        account: 'dev-alice',
        blueprints: ['data'],
        executor: 'aws',
        expires: '2026-12-24T18:00Z',
      },
      { name: 'carol', account: 'dev-alice', blueprints: ['data'], ttl: '24h' },
    ];
    const file = join(dir, 'aws-executor.yaml');
    await writeFile(file, stringify(config));
    const r = await estate(['plan', '--offline', '--config', file, '--json']);
    expect(r.code).toBe(0);
    const notes: string[] = JSON.parse(r.stdout).notes;
    expect(notes).toContain(
      'environments[].ttl and expires are enforced outside plan/apply (bob, carol): `estate env reap` destroys an expired environment, run from CI (templates/ci) (executor ci: carol); the estate-lifecycle stack in its account destroys it at its expiry (executor aws: bob).',
    );
  });

  it('says nothing of them when the config has none', async () => {
    const file = join(dir, 'plain.yaml');
    await writeFile(file, stringify(minimalConfig()));
    const r = await estate(['plan', '--offline', '--config', file, '--json']);
    expect(r.code).toBe(0);
    const notes: string[] = JSON.parse(r.stdout).notes;
    expect(notes.filter((n) => /not applied|not deployed|acted on|enforced/.test(n))).toEqual([]);
  });
});
