/**
 * What the Control Tower section wants, from estate.yaml and what earlier sections provide
 * (account and OU ids, the organisation): where each platform stack goes, which OUs and
 * controls the governance stack registers, where the baseline StackSet deploys. Pure; no AWS
 * call, no synthesis. An id that does not exist yet (an OU or account the organisation section
 * creates in this apply) is left out and named in `pending`: the stack waits for it.
 */
import { controlArn, CONTROL_TOWER_BASELINE_ID } from '../../config/controltower.js';
import { readDefaultControls, resolveDefaultControls } from '../../config/default-controls.js';
import { partitionOfRegion } from '../../config/regions.js';
import type { EstateConfig } from '../../config/schema.js';
import { workloadOus } from '../../config/workload-ous.js';
import { deploymentSettings } from '../env/common.js';
import type { StackLocation } from '../env/ports.js';
import type { EstateOutputs } from '../plan/outputs.js';

export const SECTION_CONTROLTOWER = 'controltower';

export { PREREQUISITE_ROLES } from '../../blueprints/platform.js';
export const SERVICE_ROLE_PATH = '/service-role/';

/** What an organisation without Control Tower does without: the plan's note and `estate ct status` say it alike. */
export const GOVERNANCE_WITHOUT_CONTROL_TOWER: readonly string[] = [
  'no landing zone: no organisation CloudTrail or AWS Config history in a log-archive account, no audit account with cross-account security roles',
  'no registered OUs: accounts are not enrolled, and an account moved into an OU gets no Control Tower baseline',
  'no Control Tower controls on the OUs: only the service control policies under policies apply',
  'no estate-baseline StackSet: a new account is not bootstrapped for CDK or given the estate deployment role until `estate env deploy` does it',
  'no observability sink: metrics, logs and traces stay in each account',
];

/** The landing-zone baseline that sets up IAM Identity Center (access management). */
export const IDENTITY_CENTER_BASELINE_ID = 'LN25R72TTG6IGPTQ';

/** The CDK bootstrap version the platform stacks need (the DefaultStackSynthesizer's deploy role). */
export const PLATFORM_BOOTSTRAP_VERSION = 6;

/** An account the section deploys to: its estate name and, once it exists, its id. */
export interface AccountTarget {
  readonly name: string;
  readonly id?: string;
}

export interface DesiredOu {
  readonly path: string;
  readonly id?: string;
}

export interface DesiredControl {
  readonly ou: string;
  /** As EnableControl takes it (guardrail names written as controltower ARNs). */
  readonly identifier: string;
}

export interface DesiredControlTower {
  readonly homeRegion: string;
  readonly partition: string;
  readonly management: AccountTarget;
  readonly organizationId?: string;
  readonly logs: AccountTarget;
  readonly audit: AccountTarget;
  readonly version: string;
  readonly governedRegions: readonly string[];
  readonly accessManagement: boolean;
  /** The OUs registered with AWSControlTowerBaseline (and targeted by the baseline StackSet). */
  readonly workloadOus: readonly DesiredOu[];
  /** Every OU the governance stack names (workload OUs and those with controls). */
  readonly ous: readonly DesiredOu[];
  readonly controls: readonly DesiredControl[];
  readonly baseline?: {
    readonly regions: readonly string[];
    readonly maxConcurrentPercentage: number;
    readonly failureTolerancePercentage: number;
    readonly regionConcurrency: string;
    readonly deploymentRoleName: string;
  };
  readonly observability?: { readonly resourceTypes: readonly string[]; readonly dashboard: boolean };
  readonly qualifier: string;
  readonly executionPolicies?: readonly string[];
  /** Account name → id, for the accounts that exist. */
  readonly accountIds: Readonly<Record<string, string>>;
}

/** The controlTower block when Control Tower is on; undefined when absent or disabled. */
export function enabledControlTower(
  config: EstateConfig,
): NonNullable<EstateConfig['controlTower']> | undefined {
  const ct = config.controlTower;
  return ct?.enabled ? ct : undefined;
}

/** The management account: estate.yaml's id, else the organisation's. */
export function managementAccountOf(config: EstateConfig, outputs: EstateOutputs): string | undefined {
  return config.organization.managementAccountId ?? outputs.organization?.managementAccountId;
}

/** What the section wants; undefined when Control Tower is off. */
export function desiredControlTower(
  config: EstateConfig,
  outputs: EstateOutputs,
  defaults = readDefaultControls,
): DesiredControlTower | undefined {
  const ct = enabledControlTower(config);
  if (!ct) return undefined;
  const home = config.organization.homeRegion;
  const partition = partitionOfRegion(home);
  const account = (name: string): AccountTarget => {
    const id = outputs.accountIds.get(name);
    return id ? { name, id } : { name };
  };
  const ou = (path: string): DesiredOu => {
    const id = outputs.ouIds.get(path);
    return id ? { path, id } : { path };
  };
  const workload = workloadOus(config);
  const controls = new Map<string, DesiredControl>();
  const add = (c: DesiredControl) => controls.set(`${c.ou}\n${c.identifier}`, c);
  if (ct.defaultControls) {
    const resolved = resolveDefaultControls(defaults(), {
      partition,
      homeRegion: home,
      governedRegions: config.organization.governedRegions,
    });
    for (const path of workload)
      for (const d of resolved) add({ ou: path, identifier: controlArn(d.identifier, partition, home) });
  }
  for (const c of ct.controls)
    for (const id of c.identifiers) add({ ou: c.ou, identifier: controlArn(id, partition, home) });
  const ouPaths = [...new Set([...workload, ...[...controls.values()].map((c) => c.ou)])];
  const management = managementAccountOf(config, outputs);
  const { qualifier, executionPolicies } = deploymentSettings(config);
  const baseline = ct.baseline?.enabled ? ct.baseline : undefined;
  const observability = ct.observability?.enabled ? ct.observability : undefined;
  return {
    homeRegion: home,
    partition,
    management: management ? { name: 'management', id: management } : { name: 'management' },
    ...(outputs.organization ? { organizationId: outputs.organization.id } : {}),
    logs: account(ct.logArchiveAccount),
    audit: account(ct.auditAccount),
    version: ct.landingZoneVersion,
    governedRegions: [...config.organization.governedRegions],
    accessManagement: ct.accessManagement,
    workloadOus: workload.map(ou),
    ous: ouPaths.map(ou),
    controls: [...controls.values()],
    ...(baseline
      ? {
          baseline: {
            regions: [...(baseline.regions ?? config.organization.governedRegions)],
            maxConcurrentPercentage: baseline.maxConcurrentPercentage,
            failureTolerancePercentage: baseline.failureTolerancePercentage,
            regionConcurrency: baseline.regionConcurrency,
            deploymentRoleName: baseline.deploymentRoleName,
          },
        }
      : {}),
    ...(observability
      ? {
          observability: {
            resourceTypes: [...observability.resourceTypes],
            dashboard: observability.dashboard,
          },
        }
      : {}),
    qualifier,
    accountIds: Object.fromEntries(outputs.accountIds),
    ...(executionPolicies ? { executionPolicies: [...executionPolicies] } : {}),
  };
}

/** `arn:<partition>:organizations::<management>:ou/<o-...>/<ou-...>`: the target Control Tower takes. */
export function ouArn(
  partition: string,
  managementAccountId: string,
  organizationId: string,
  ouId: string,
): string {
  return `arn:${partition}:organizations::${managementAccountId}:ou/${organizationId}/${ouId}`;
}

/** The OU id at the end of an OU ARN (or the id itself). */
export function ouIdOf(arnOrId: string): string {
  return arnOrId.split('/').at(-1) ?? arnOrId;
}

/** The AWSControlTowerBaseline identifier in the home region. */
export function controlTowerBaselineArn(partition: string, home: string): string {
  return `arn:${partition}:controltower:${home}::baseline/${CONTROL_TOWER_BASELINE_ID}`;
}

/** What is not there yet for the governance stack: its accounts, OUs and the organisation. */
export function governancePending(d: DesiredControlTower): string[] {
  return [
    ...(d.management.id ? [] : ['the management account id']),
    ...(d.organizationId ? [] : ['the organisation']),
    ...[d.logs, d.audit].filter((a) => !a.id).map((a) => `account ${a.name}`),
    ...d.ous.filter((o) => !o.id).map((o) => `OU ${o.path}`),
  ];
}

export function monitoringPending(d: DesiredControlTower): string[] {
  return [
    ...(d.organizationId ? [] : ['the organisation']),
    ...(d.audit.id ? [] : [`account ${d.audit.name}`]),
  ];
}

export function baselinePending(d: DesiredControlTower): string[] {
  return [
    ...(d.management.id ? [] : ['the management account id']),
    ...d.workloadOus.filter((o) => !o.id).map((o) => `OU ${o.path}`),
  ];
}

export const at = (accountId: string, region: string): StackLocation => ({ accountId, region });
