/**
 * Wiring for organisation-engine tests: the fake Organizations behind the real retry
 * wrapper (zero-delay sleeps) and the real adapter, plus a realistic estate.yaml.
 */
import { withRetries } from '../../src/aws/send.js';
import { organizationsPort } from '../../src/aws/organizations.js';
import { configSchema, type EstateConfig } from '../../src/config/schema.js';
import { applyOrganizationPlan, type ApplyOrganizationOptions } from '../../src/core/org/apply.js';
import { planOrganization, type OrganizationPlan } from '../../src/core/org/planner.js';
import { loadPolicySources, type PolicySources } from '../../src/core/org/policies.js';
import type { OrganizationsPort } from '../../src/core/org/ports.js';
import { readSnapshot, type OrgSnapshot } from '../../src/core/org/snapshot.js';
import type { ApplyResult } from '../../src/core/plan/types.js';
import { FakeOrganizations, seeded } from '../../src/emulator/organizations.js';

export const noSleep = async (_ms: number): Promise<void> => {};

/** The port over the fake, with estate's retry policy and no real waiting. */
export function portOver(fake: FakeOrganizations, seed = 7): OrganizationsPort {
  return organizationsPort(withRetries(fake, { sleep: noSleep, maxAttempts: 15, random: seeded(seed) }));
}

export function orgConfig(patch: (raw: Record<string, any>) => void = () => {}): EstateConfig {
  const raw: Record<string, any> = {
    version: 1,
    organization: {
      name: 'acme',
      managementAccountId: '111111111111',
      homeRegion: 'eu-west-2',
      governedRegions: ['eu-west-2', 'eu-west-1'],
      emailPattern: 'aws+{account}@acme.example.com',
    },
    organizationalUnits: [
      { name: 'Security', tags: { 'estate:purpose': 'security' } },
      {
        name: 'Workloads',
        children: [{ name: 'Production', tags: { tier: 'prod' } }, { name: 'Development' }],
      },
      { name: 'Sandbox' },
    ],
    accounts: [
      { name: 'logs', kind: 'logs', ou: 'Security' },
      { name: 'audit', kind: 'monitoring', ou: 'Security' },
      { name: 'shop-prod', kind: 'prod-single-tenant', ou: 'Workloads/Production', tags: { team: 'shop' } },
      { name: 'dev-alice', kind: 'developer', ou: 'Sandbox', owner: 'alice@acme.example.com' },
    ],
    tags: {
      mandatory: [
        { key: 'CostCenter', default: 'shared' },
        { key: 'Environment', default: 'dev', allowed: ['dev', 'prod', 'shared'] },
      ],
      byKind: { 'prod-single-tenant': { Environment: 'prod' }, logs: { Environment: 'shared' } },
    },
    policies: [
      { name: 'deny-leave-organization', type: 'scp', builtin: 'deny-leave-organization', targets: ['Root'] },
      { name: 'deny-root-user', type: 'scp', builtin: 'deny-root-user', targets: ['Workloads', 'Sandbox'] },
      {
        name: 'deny-outside-governed-regions',
        type: 'scp',
        builtin: 'deny-outside-governed-regions',
        targets: ['Workloads/Production', 'dev-alice'],
      },
      { name: 'require-mandatory-tags', type: 'tag', builtin: 'require-mandatory-tags', targets: ['Root'] },
    ],
  };
  patch(raw);
  return configSchema.parse(raw);
}

export function sourcesFor(config: EstateConfig): Promise<PolicySources> {
  return loadPolicySources(config, { configDir: process.cwd() });
}

export interface Round {
  readonly snapshot: OrgSnapshot;
  readonly plan: OrganizationPlan;
  readonly result: ApplyResult;
}

/** One `estate apply`: read, plan, apply. */
export async function applyOnce(
  port: OrganizationsPort,
  config: EstateConfig,
  sources: PolicySources,
  options: { prune?: boolean; apply?: ApplyOrganizationOptions } = {},
): Promise<Round> {
  const snapshot = await readSnapshot(port);
  const plan = planOrganization(config, snapshot, { prune: options.prune ?? false, policySources: sources });
  const result = await applyOrganizationPlan(plan, port, {
    sleep: noSleep,
    pollIntervalMs: 1,
    ...options.apply,
  });
  return { snapshot, plan, result };
}

export function actionable(plan: OrganizationPlan) {
  return plan.changes.filter((c) => c.action !== 'drift');
}

export { FakeOrganizations };
