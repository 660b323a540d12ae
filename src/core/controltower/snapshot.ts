/**
 * The live side of the Control Tower section, as plain serialisable data: the three platform
 * stacks (status, outputs, the resources their deployed templates hold), the landing-zone
 * prerequisite roles, the organisation's landing zones, StackSets' organisations access, the
 * estate-baseline StackSet and its instances, and the CDK bootstrap version of the management
 * and audit accounts. Read through the env engine's StacksPort and BootstrapPort and the
 * Control Tower ports; nothing here synthesises or changes anything.
 */
import {
  BASELINE_STACK,
  BASELINE_STACK_SET,
  GOVERNANCE_STACK,
  MONITORING_STACK,
  PLATFORM_OUTPUTS,
} from '../../blueprints/platform.js';
import type { BootstrapPort, StackLocation, StacksPort } from '../env/ports.js';
import type { ControlTowerDeps, LandingZoneState, StackSetInstance, StackSetState } from './ports.js';
import {
  IDENTITY_CENTER_BASELINE_ID,
  PREREQUISITE_ROLES,
  SERVICE_ROLE_PATH,
  type DesiredControlTower,
} from './desired.js';

/** A platform stack as CloudFormation shows it, and what its deployed template holds. */
export interface LiveStack {
  readonly status: string;
  readonly statusReason?: string;
  readonly outputs: Readonly<Record<string, string>>;
  readonly tags: Readonly<Record<string, string>>;
  readonly parameters: Readonly<Record<string, string>>;
  /** The deployed template (GetTemplate, Original). */
  readonly template: unknown;
  /** Logical id → physical id of the stack's resources (ListStackResources). */
  readonly physicalIds: Readonly<Record<string, string>>;
}

export interface ControlTowerSnapshot {
  readonly version: 1;
  /** False offline: nothing was read, the estate is assumed empty. */
  readonly read: boolean;
  readonly governance?: LiveStack;
  readonly monitoring?: LiveStack;
  readonly baselineStack?: LiveStack;
  /** The prerequisite roles that exist under /service-role/ in the management account. */
  readonly existingRoles: readonly string[];
  /** ListLandingZones: the organisation's landing zones (0 or 1). */
  readonly landingZones: readonly string[];
  readonly landingZone?: LandingZoneState;
  /** The IdentityCenterBaseline enabled on the landing zone, when access management is on. */
  readonly identityCenterBaselineArn?: string;
  readonly organizationsAccess?: 'ENABLED' | 'DISABLED';
  readonly stackSet?: StackSetState;
  readonly instances: readonly StackSetInstance[];
  /** `account/region` → the SSM bootstrap version (null: not bootstrapped). */
  readonly bootstrap: Readonly<Record<string, number | null>>;
  /**
   * Per platform stack, whether the stack synthesised now (with the ids known at read time)
   * equals the live one; absent where it could not be synthesised yet or was not compared.
   */
  readonly templatesCurrent?: Readonly<Partial<Record<'governance' | 'monitoring' | 'baseline', boolean>>>;
}

export const EMPTY_CT_SNAPSHOT: ControlTowerSnapshot = {
  version: 1,
  read: false,
  existingRoles: [],
  landingZones: [],
  instances: [],
  bootstrap: {},
};

export interface SnapshotDeps {
  readonly ct: Pick<ControlTowerDeps, 'landingZones' | 'baselines' | 'stackSets' | 'roles'>;
  readonly stacks: Pick<StacksPort, 'describeStack' | 'deployedTemplate' | 'stackResources'>;
  readonly bootstrap: BootstrapPort;
}

export const placeKey = (at: StackLocation): string => `${at.accountId}/${at.region}`;

/** One stack: undefined when it does not exist. */
export async function readStack(
  stacks: SnapshotDeps['stacks'],
  at: StackLocation,
  name: string,
): Promise<LiveStack | undefined> {
  const live = await stacks.describeStack(at, name);
  if (!live) return undefined;
  const [template, resources] = await Promise.all([
    stacks.deployedTemplate(at, name),
    stacks.stackResources(at, name),
  ]);
  return {
    status: live.status,
    ...(live.statusReason ? { statusReason: live.statusReason } : {}),
    outputs: { ...live.outputs },
    tags: { ...live.tags },
    parameters: { ...live.parameters },
    template,
    physicalIds: Object.fromEntries(
      resources.filter((r) => r.physicalId).map((r) => [r.logicalId, r.physicalId!]),
    ),
  };
}

/**
 * Reads what the desired Control Tower estate is compared with. Accounts that do not exist
 * yet are not read (their stacks are to be created). Every read is independent: they run at
 * once.
 */
export async function readControlTowerSnapshot(
  deps: SnapshotDeps,
  desired: DesiredControlTower,
): Promise<ControlTowerSnapshot> {
  const home = desired.homeRegion;
  const mgmt = desired.management.id;
  const audit = desired.audit.id;
  const mgmtAt = mgmt ? { accountId: mgmt, region: home } : undefined;
  const auditAt = audit && desired.observability ? { accountId: audit, region: home } : undefined;
  const bootstrapOf = async (place: StackLocation | undefined) =>
    place
      ? ([
          placeKey(place),
          (await deps.bootstrap.bootstrapVersion(place, desired.qualifier)) ?? null,
        ] as const)
      : undefined;
  const [governance, monitoring, baselineStack, roles, landingZones, access, stackSet, ...boots] =
    await Promise.all([
      mgmtAt ? readStack(deps.stacks, mgmtAt, GOVERNANCE_STACK) : undefined,
      auditAt ? readStack(deps.stacks, auditAt, MONITORING_STACK) : undefined,
      mgmtAt && desired.baseline ? readStack(deps.stacks, mgmtAt, BASELINE_STACK) : undefined,
      deps.ct.roles.existingRoles(PREREQUISITE_ROLES, SERVICE_ROLE_PATH),
      deps.ct.landingZones.landingZones(),
      desired.baseline ? deps.ct.stackSets.organizationsAccess(home) : undefined,
      desired.baseline ? deps.ct.stackSets.stackSet(home, BASELINE_STACK_SET) : undefined,
      bootstrapOf(mgmtAt),
      bootstrapOf(auditAt),
    ]);
  const [landingZone, identityCenterBaselineArn, instances] = await Promise.all([
    landingZones[0] ? deps.ct.landingZones.landingZone(landingZones[0]) : undefined,
    landingZones[0] && desired.accessManagement ? identityCenterBaseline(deps) : undefined,
    stackSet ? deps.ct.stackSets.instances(home, BASELINE_STACK_SET) : [],
  ]);
  return {
    version: 1,
    read: true,
    ...(governance ? { governance } : {}),
    ...(monitoring ? { monitoring } : {}),
    ...(baselineStack ? { baselineStack } : {}),
    existingRoles: PREREQUISITE_ROLES.filter((r) => roles.has(r)),
    landingZones: [...landingZones],
    ...(landingZone ? { landingZone } : {}),
    ...(identityCenterBaselineArn ? { identityCenterBaselineArn } : {}),
    ...(access ? { organizationsAccess: access } : {}),
    ...(stackSet ? { stackSet } : {}),
    instances: [...instances].sort((a, b) =>
      `${a.accountId}/${a.region}`.localeCompare(`${b.accountId}/${b.region}`),
    ),
    bootstrap: Object.fromEntries(boots.filter((b) => b !== undefined)),
  };
}

/** The ARN of the IdentityCenterBaseline enabled on the landing zone, if any. */
export async function identityCenterBaseline(deps: Pick<SnapshotDeps, 'ct'>): Promise<string | undefined> {
  const enabled = await deps.ct.baselines.enabledBaselines();
  return enabled.find((b) => b.baselineIdentifier.endsWith(`/${IDENTITY_CENTER_BASELINE_ID}`))?.arn;
}

/** The sink ARN the live monitoring stack reports. */
export const sinkArnOf = (monitoring: LiveStack | undefined): string | undefined =>
  monitoring?.outputs[PLATFORM_OUTPUTS.sinkArn];
