/**
 * Parked accounts (offboarded: in the suspended OU, tagged estate:recycled): what estate does to
 * "every workload OU" or "every account" by default leaves them out, and offboarding's second
 * look at an account finds the environments estate.yaml no longer declares there.
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/loader.js';
import type { EstateConfig } from '../../../src/config/schema.js';
import { workloadOus } from '../../../src/config/workload-ous.js';
import { discoverEnvironments } from '../../../src/core/env/discover.js';
import { reapUndeclared } from '../../../src/core/onboard/reap-undeclared.js';
import { A, deployedHarness, env } from '../env/harness.js';
import { minimalConfig } from '../../_helpers/config.js';
import { stringify } from 'yaml';

const RECYCLED = { 'estate:recycled': '2026-12-02' };

/** dev-a offboarded by hand: in Suspended, tagged, its environments out of estate.yaml. */
const parkedA = (config: EstateConfig, keep: string[] = []): EstateConfig => ({
  ...config,
  organizationalUnits: [...config.organizationalUnits, { name: 'Suspended' }],
  accounts: config.accounts.map((a) => (a.name === 'dev-a' ? { ...a, ou: 'Suspended', tags: RECYCLED } : a)),
  environments: config.environments.filter((e) => keep.includes(e.name)),
});

describe('workloadOus', () => {
  const withCt = (over: Record<string, unknown> = {}) => {
    const raw = minimalConfig();
    raw.organizationalUnits.push({ name: 'Suspended' }, { name: 'Audit' });
    raw.accounts.push(
      { name: 'audit', kind: 'monitoring', ou: 'Audit' },
      { name: 'dev-old', kind: 'developer', ou: 'Suspended', tags: RECYCLED },
    );
    raw.controlTower = { logArchiveAccount: 'logs', auditAccount: 'audit', ...over };
    return parseConfig(stringify(raw));
  };

  it('leaves the suspended OU out of the default workload OUs (no baseline, StackSet instances or enrolment there)', () => {
    const config = withCt();
    expect(config.accounts.some((a) => a.ou === 'Suspended')).toBe(true);
    expect(workloadOus(config)).not.toContain('Suspended');
    expect(workloadOus(config)).toContain('Sandbox');
  });

  it('follows onboarding.suspendedOu when it names another OU', () => {
    const raw = minimalConfig();
    raw.organizationalUnits.push({ name: 'Parked' }, { name: 'Audit' });
    raw.accounts.push(
      { name: 'audit', kind: 'monitoring', ou: 'Audit' },
      { name: 'dev-old', kind: 'developer', ou: 'Parked', tags: RECYCLED },
    );
    raw.onboarding = { suspendedOu: 'Parked', developerOu: 'Sandbox' };
    raw.controlTower = { logArchiveAccount: 'logs', auditAccount: 'audit' };
    expect(workloadOus(parseConfig(stringify(raw)))).toEqual(['Sandbox']);
  });

  it('keeps an explicit controlTower.workloadOus as written', () => {
    expect(workloadOus(withCt({ workloadOus: ['Sandbox', 'Suspended'] }))).toEqual(['Sandbox', 'Suspended']);
  });
});

describe('discovery of every account', () => {
  it('leaves parked accounts out by default and reads one that is named', async () => {
    const { config, h } = await deployedHarness([env('alice', 'dev-a'), env('bob', 'dev-b')], {
      alice: [{ blueprint: 'data' }],
      bob: [{ blueprint: 'data' }],
    });
    const parked = parkedA(config, ['bob']);
    const all = await discoverEnvironments(h.deps, parked, {}, h.run());
    expect(all.environments.map((e) => e.environment)).toEqual(['bob']);
    const named = await discoverEnvironments(h.deps, parked, { accounts: ['dev-a'] }, h.run());
    expect(named.environments.map((e) => [e.environment, e.declared === undefined])).toEqual([
      ['alice', true],
    ]);
  });
});

describe('reapUndeclared', () => {
  it('destroys the environments left in the account that estate.yaml no longer declares; a re-run finds none', async () => {
    const { config, h } = await deployedHarness([env('alice', 'dev-a'), env('bob', 'dev-b')], {
      alice: [{ blueprint: 'data' }],
      bob: [{ blueprint: 'data' }],
    });
    const parked = parkedA(config, ['bob']);
    const dry = await reapUndeclared(
      { ...h.deps, records: h.cloud, stackOps: h.cloud },
      parked,
      'dev-a',
      true,
      h.run(),
    );
    expect(dry.environments).toEqual([{ environment: 'alice', status: 'dry-run' }]);
    expect(await h.cloud.describeStack({ accountId: A, region: 'eu-west-2' }, 'alice-data')).toBeDefined();

    const result = await reapUndeclared(
      { ...h.deps, records: h.cloud, stackOps: h.cloud },
      parked,
      'dev-a',
      false,
      h.run(),
    );
    expect(result.environments).toEqual([{ environment: 'alice', status: 'destroyed' }]);
    expect(await h.cloud.describeStack({ accountId: A, region: 'eu-west-2' }, 'alice-data')).toBeUndefined();
    expect(
      (
        await reapUndeclared(
          { ...h.deps, records: h.cloud, stackOps: h.cloud },
          parked,
          'dev-a',
          false,
          h.run(),
        )
      ).environments,
    ).toEqual([]);
    // dev-b's environment, declared and in another account, stays.
    const bob = await discoverEnvironments(h.deps, parked, { accounts: ['dev-b'] }, h.run());
    expect(bob.environments.map((e) => e.environment)).toEqual(['bob']);
  });

  it('leaves a declared environment of the account to the env engine', async () => {
    const { config, h } = await deployedHarness([env('alice', 'dev-a')], { alice: [{ blueprint: 'data' }] });
    const result = await reapUndeclared(
      { ...h.deps, records: h.cloud, stackOps: h.cloud },
      config,
      'dev-a',
      false,
      h.run(),
    );
    expect(result.environments).toEqual([]);
    expect(await h.cloud.describeStack({ accountId: A, region: 'eu-west-2' }, 'alice-data')).toBeDefined();
  });
});
