/**
 * The Control Tower section's test estate: the organisation harness's estate.yaml with a
 * controlTower block, the ids the organisation section would provide, and live state built
 * from what the stacks really hold.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EstateConfig } from '../../../src/config/schema.js';
import {
  desiredControlTower,
  ouArn,
  type DesiredControlTower,
} from '../../../src/core/controltower/desired.js';
import type { ControlTowerSnapshot, LiveStack } from '../../../src/core/controltower/snapshot.js';
import { cdkPlatformSynth } from '../../../src/core/controltower/synth.js';
import { Outputs } from '../../../src/core/plan/outputs.js';
import { orgConfig } from '../../_helpers/org-harness.js';

export const MGMT = '111111111111';
export const ORG = 'o-abcd1234ef';
export const ACCOUNT_IDS: Record<string, string> = {
  logs: '222222222222',
  audit: '333333333333',
  'shop-prod': '444444444444',
  'dev-alice': '555555555555',
  'dev-bob': '666666666666',
};
export const OU_IDS: Record<string, string> = {
  Security: 'ou-ab12-security1',
  Workloads: 'ou-ab12-workload1',
  'Workloads/Production': 'ou-ab12-product01',
  'Workloads/Development': 'ou-ab12-develop01',
  Sandbox: 'ou-ab12-sandbox01',
};
export const LANDING_ZONE_ARN = 'arn:aws:controltower:eu-west-2:111111111111:landingzone/1A2B3C4D5E6F7G8H';

export function ctConfig(
  patch: (ct: Record<string, any>, raw: Record<string, any>) => void = () => {},
): EstateConfig {
  return orgConfig((raw) => {
    raw.controlTower = {
      logArchiveAccount: 'logs',
      auditAccount: 'audit',
      accessManagement: false,
      baseline: { regions: ['eu-west-2', 'eu-west-1'] },
    };
    raw.deployments = { executionPolicies: ['arn:aws:iam::aws:policy/AdministratorAccess'] };
    patch(raw.controlTower, raw);
  });
}

/** What the organisation section provides once everything exists (minus `without`). */
export function outputsFor(
  config: EstateConfig,
  without: { accounts?: string[]; ous?: string[]; organization?: boolean } = {},
): Outputs {
  const outputs = new Outputs(config);
  outputs.merge({
    accountIds: new Map(Object.entries(ACCOUNT_IDS).filter(([n]) => !without.accounts?.includes(n))),
    ouIds: new Map(Object.entries(OU_IDS).filter(([p]) => !without.ous?.includes(p))),
    ...(without.organization ? {} : { organization: { id: ORG, managementAccountId: MGMT } }),
  });
  return outputs;
}

export function desiredFor(config: EstateConfig, outputs = outputsFor(config)): DesiredControlTower {
  return desiredControlTower(config, outputs)!;
}

export const emptySnapshot = (): ControlTowerSnapshot => ({
  version: 1,
  read: true,
  existingRoles: [],
  landingZones: [],
  instances: [],
  bootstrap: {},
});

function live(template: unknown, outputs: Record<string, string> = {}): LiveStack {
  return { status: 'CREATE_COMPLETE', outputs, tags: {}, parameters: {}, template, physicalIds: {} };
}

/** The governance template the real stack synthesises for this config. */
export async function governanceTemplate(
  config: EstateConfig,
  dir: string,
  options: { prerequisiteRolesExist?: boolean } = {},
): Promise<unknown> {
  const d = desiredFor(config);
  const synth = await cdkPlatformSynth(dir).governance({
    config,
    at: { accountId: MGMT, region: d.homeRegion },
    accountIds: ACCOUNT_IDS,
    ouArns: Object.fromEntries(d.ous.map((o) => [o.path, ouArn('aws', MGMT, ORG, o.id!)])),
    prerequisiteRolesExist: options.prerequisiteRolesExist ?? false,
  });
  return JSON.parse(readFileSync(join(synth.assemblyDir, synth.stacks[0]!.templateFile), 'utf8'));
}

async function templateOf(
  synth: Promise<{ assemblyDir: string; stacks: readonly { templateFile: string }[] }>,
) {
  const s = await synth;
  return JSON.parse(readFileSync(join(s.assemblyDir, s.stacks[0]!.templateFile), 'utf8')) as unknown;
}

/** The monitoring and baseline templates the real stacks synthesise for this config. */
export async function platformTemplates(config: EstateConfig, dir: string) {
  const d = desiredFor(config);
  const synth = cdkPlatformSynth(dir);
  const [monitoring, baseline] = await Promise.all([
    templateOf(
      synth.monitoring({
        config,
        at: { accountId: ACCOUNT_IDS.audit!, region: d.homeRegion },
        organizationId: ORG,
        accountIds: ACCOUNT_IDS,
      }),
    ),
    templateOf(
      synth.baseline({
        config,
        at: { accountId: MGMT, region: d.homeRegion },
        managementAccountId: MGMT,
        ouIds: Object.fromEntries(d.workloadOus.map((o) => [o.path, o.id!])),
        ...(d.observability ? { sinkArn: SINK_ARN } : {}),
      }),
    ),
  ]);
  return { monitoring, baseline };
}

export const SINK_ARN = 'arn:aws:oam:eu-west-2:333333333333:sink/abcd-1234';

/** The estate after a finished apply: every stack deployed, every instance CURRENT. */
export async function appliedSnapshot(config: EstateConfig, dir: string): Promise<ControlTowerSnapshot> {
  const d = desiredFor(config);
  const instances = config.accounts
    .filter((a) => d.workloadOus.some((o) => o.path === a.ou))
    .flatMap((a) =>
      d.baseline!.regions.map((region) => ({ accountId: ACCOUNT_IDS[a.name]!, region, status: 'CURRENT' })),
    );
  const templates = await platformTemplates(config, dir);
  return {
    version: 1,
    read: true,
    governance: live(await governanceTemplate(config, dir), { LandingZoneArn: LANDING_ZONE_ARN }),
    monitoring: live(templates.monitoring, { ObservabilitySinkArn: SINK_ARN }),
    baselineStack: live(templates.baseline),
    existingRoles: [
      'AWSControlTowerAdmin',
      'AWSControlTowerCloudTrailRole',
      'AWSControlTowerStackSetRole',
      'AWSControlTowerConfigAggregatorRoleForOrganizations',
    ],
    landingZones: [LANDING_ZONE_ARN],
    organizationsAccess: 'ENABLED',
    stackSet: {
      name: 'estate-baseline',
      status: 'ACTIVE',
      organizationalUnitIds: d.workloadOus.map((o) => o.id!),
    },
    instances,
    bootstrap: { [`${MGMT}/eu-west-2`]: 30, [`${ACCOUNT_IDS.audit}/eu-west-2`]: 30 },
  };
}
