import { configSchema, type EstateConfig } from '../../src/config/schema.js';

/** The management account of the Control Tower fixtures. */
export const MANAGEMENT = '999999999999';

/**
 * An estate for the platform stacks: log-archive, audit and backup accounts in Security,
 * workloads in Workloads/Production and Sandbox, three governed regions (Given).
 */
export function controlTowerEstate(
  ct: Record<string, unknown> = {},
  extra: Record<string, unknown> = {},
): EstateConfig {
  return configSchema.parse({
    version: 1,
    organization: {
      name: 'acme',
      managementAccountId: MANAGEMENT,
      homeRegion: 'eu-west-2',
      governedRegions: ['eu-west-2', 'us-east-1', 'eu-west-1'],
      emailPattern: 'aws+{account}@acme.example.com',
    },
    organizationalUnits: [
      { name: 'Security' },
      { name: 'Workloads', children: [{ name: 'Production' }] },
      { name: 'Sandbox' },
    ],
    accounts: [
      { name: 'logs', kind: 'logs', ou: 'Security' },
      { name: 'audit', kind: 'monitoring', ou: 'Security' },
      { name: 'backup', kind: 'integration', ou: 'Security' },
      { name: 'prod', kind: 'prod-multi-tenant', ou: 'Workloads/Production' },
      { name: 'dev-alice', kind: 'developer', ou: 'Sandbox' },
    ],
    controlTower: { logArchiveAccount: 'logs', auditAccount: 'audit', ...ct },
    ...extra,
  });
}
