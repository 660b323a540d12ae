import { describe, expect, it } from 'vitest';
import { desiredOrganization, TRUSTED_ACCESS } from '../../../src/core/org/desired.js';
import type { EstateError } from '../../../src/errors.js';
import { orgConfig, sourcesFor } from '../../_helpers/org-harness.js';

describe('desiredOrganization', () => {
  it('merges account tags: mandatory defaults < tags.byKind < account tags, plus estate:kind and estate:owner', async () => {
    const config = orgConfig((raw) => {
      raw.accounts[3].tags = { CostCenter: 'alice-lab' };
      raw.tags.byKind.developer = { CostCenter: 'dev-pool', Environment: 'dev' };
    });
    const desired = desiredOrganization(config, await sourcesFor(config));
    const alice = desired.accounts.find((a) => a.name === 'dev-alice')!;
    expect(alice.tags).toEqual({
      CostCenter: 'alice-lab',
      Environment: 'dev',
      'estate:kind': 'developer',
      'estate:owner': 'alice@acme.example.com',
    });
    expect(desired.accounts.find((a) => a.name === 'logs')!.tags).toEqual({
      CostCenter: 'shared',
      Environment: 'shared',
      'estate:kind': 'logs',
    });
  });

  it('derives e-mails from the pattern unless the account sets one', async () => {
    const config = orgConfig((raw) => {
      raw.accounts[0].email = 'Logs@Acme.Example.com';
    });
    const desired = desiredOrganization(config, await sourcesFor(config));
    expect(desired.accounts.map((a) => a.email)).toEqual([
      'Logs@Acme.Example.com',
      'aws+audit@acme.example.com',
      'aws+shop-prod@acme.example.com',
      'aws+dev-alice@acme.example.com',
    ]);
  });

  it('lists OUs parents first with their paths', async () => {
    const config = orgConfig();
    const desired = desiredOrganization(config, await sourcesFor(config));
    expect(desired.ous.map((o) => [o.path, o.parentPath, o.depth])).toEqual([
      ['Sandbox', '', 1],
      ['Security', '', 1],
      ['Workloads', '', 1],
      ['Workloads/Development', 'Workloads', 2],
      ['Workloads/Production', 'Workloads', 2],
    ]);
  });

  it('manages the tag keys the config uses, and no others', async () => {
    const config = orgConfig();
    const desired = desiredOrganization(config, await sourcesFor(config));
    expect(desired.managedAccountTagKeys).toEqual([
      'CostCenter',
      'Environment',
      'estate:kind',
      'estate:owner',
      'team',
    ]);
    expect(desired.managedOuTagKeys).toEqual(['estate:purpose', 'tier']);
  });

  it('names policies estate-<name>, resolves targets and enables only the policy types in use', async () => {
    const config = orgConfig((raw) => {
      raw.policies = raw.policies.filter((p: { type: string }) => p.type === 'scp');
    });
    const desired = desiredOrganization(config, await sourcesFor(config));
    expect(desired.policies.map((p) => p.name)).toEqual([
      'estate-deny-leave-organization',
      'estate-deny-root-user',
      'estate-deny-outside-governed-regions',
    ]);
    expect(desired.policies[2]!.targets).toEqual([
      { kind: 'ou', path: 'Workloads/Production', label: 'Workloads/Production' },
      { kind: 'account', name: 'dev-alice', label: 'dev-alice' },
    ]);
    expect(desired.policyTypes).toEqual(['SERVICE_CONTROL_POLICY']);
    expect(desired.policies[0]!.description).toBe('estate: member accounts cannot leave the organisation');
  });

  it('Given a policy file that renders over 5,120 characters, Then planning fails with the policy named', async () => {
    const config = orgConfig((raw) => {
      raw.policies = [{ name: 'huge', type: 'scp', file: 'huge.json', targets: ['Root'] }];
    });
    const huge = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Deny', Action: Array(400).fill('s3:GetObject') }],
    });
    const error = (() => {
      try {
        desiredOrganization(config, { builtins: {}, files: { 'huge.json': huge } });
      } catch (e) {
        return e as EstateError;
      }
      return undefined;
    })();
    expect(error?.code).toBe('PolicyTooLarge');
    expect(error?.message).toMatch(/^policies.0 \(huge\): policy estate-huge is [\d,]+ characters/);
  });

  it('Given a config policy named budget-*, Then it is refused: the budgets section owns estate-budget-*', async () => {
    const config = orgConfig((raw) => {
      raw.policies = [{ name: 'budget-guard', type: 'scp', builtin: 'deny-root-user', targets: ['Root'] }];
    });
    expect(() => desiredOrganization(config, { builtins: { 'deny-root-user': '{}' }, files: {} })).toThrow(
      /policies.0 \(budget-guard\): policy names starting with "budget-" are reserved/,
    );
  });
});

describe('desiredOrganization policy types', () => {
  it('enables service control policies when a budget enforces deny-new-resources, even with no SCP in the config', async () => {
    const config = orgConfig((raw) => {
      raw.policies = [];
      raw.budgets = {
        alertEmails: ['finops@acme.example.com'],
        byKind: { developer: { monthlyUsd: 50, enforce: 'deny-new-resources' } },
      };
    });
    expect(desiredOrganization(config, await sourcesFor(config)).policyTypes).toEqual([
      'SERVICE_CONTROL_POLICY',
    ]);
  });

  it('enables trusted access for no service: StackSets and Control Tower are not used yet, and take their own call when they are', async () => {
    const config = orgConfig((raw) => {
      raw.controlTower = { logArchiveAccount: 'logs', auditAccount: 'audit' };
    });
    expect(config.controlTower?.enabled).toBe(true);
    const desired = desiredOrganization(config, await sourcesFor(config));
    expect(desired.trustedServices).toEqual([]);
    expect(TRUSTED_ACCESS).toEqual([]);
  });

  it('enables no policy type when nothing needs one', async () => {
    const config = orgConfig((raw) => {
      raw.policies = [];
      delete raw.budgets;
    });
    expect(desiredOrganization(config, await sourcesFor(config)).policyTypes).toEqual([]);
  });
});
