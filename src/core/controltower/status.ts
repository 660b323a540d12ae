/**
 * `estate ct status`: the governance of the organisation as Control Tower and CloudFormation
 * report it now. The landing zone (status, version, drift), the estate-governance stack and
 * any operation in flight, the registered OUs and their controls, which accounts are
 * enrolled, control operations in flight, the estate-baseline StackSet's instances per OU,
 * and where each kind of log lands.
 *
 * Every read is independent: one that fails is reported as unreadable with its reason and
 * the rest is still shown (the command exits 1). Reads run at once under one bound.
 * `ctStatus` folds what was read into the result; it is pure, so rendering tests build
 * results without a fake.
 */
import {
  BASELINE_STACK_SET,
  GOVERNANCE_STACK,
  MONITORING_STACK,
  PLATFORM_OUTPUTS,
} from '../../blueprints/platform.js';
import { CONTROL_TOWER_BASELINE_ID } from '../../config/controltower.js';
import { partitionOfRegion } from '../../config/regions.js';
import { GOVERNANCE_WITHOUT_CONTROL_TOWER } from './desired.js';
import { accountIdOfArn } from './enrolment.js';
import type { EstateConfig } from '../../config/schema.js';
import { workloadOus } from '../../config/workload-ous.js';
import { isEstateError } from '../../errors.js';
import { limiter, type Limit } from '../concurrency.js';
import type { DeployedStack, StacksPort, StackLocation } from '../env/ports.js';
import { resolveAccountIds } from '../finops/account-ids.js';
import type { OrganizationsPort } from '../org/ports.js';
import { checkManagementAccount } from '../org/safety.js';
import { readSnapshot, type OrgSnapshot } from '../org/snapshot.js';
import { describeError } from '../plan/execute.js';
import type {
  ControlOperationSummary,
  ControlTowerDeps,
  EnabledBaseline,
  EnabledControl,
  LandingZoneState,
  StackSetInstance,
  StackSetOperation,
  StackSetState,
} from './ports.js';

/** A part of the status that could not be read, and why (in place of its data). */
export interface Unreadable {
  readonly unreadable: string;
}

export type Read<T> = T | Unreadable;

export function isUnreadable(value: unknown): value is Unreadable {
  return typeof value === 'object' && value !== null && 'unreadable' in value;
}

/** A CloudFormation stack of the platform, with the operation in flight when there is one. */
export interface StackView {
  readonly name: string;
  readonly accountId: string;
  readonly region: string;
  readonly status: string;
  readonly statusReason?: string;
  /** ISO time of the last update (the creation when never updated). */
  readonly since: string;
  /** An operation is in flight (*_IN_PROGRESS). */
  readonly inProgress: boolean;
  /** Since the last update, while in progress. */
  readonly elapsedMs?: number;
  /** A failed or rolled-back state. */
  readonly failed: boolean;
  readonly outputs: Readonly<Record<string, string>>;
}

export interface LandingZoneView {
  readonly arn: string;
  /** The ARN came from the estate-governance stack's output, or from ListLandingZones (created elsewhere). */
  readonly source: 'governance-stack' | 'organization';
  /** ACTIVE | PROCESSING | FAILED. */
  readonly status: string;
  readonly version: string;
  readonly latestAvailableVersion?: string;
  /** latestAvailableVersion is newer than version. */
  readonly updateAvailable: boolean;
  /** DRIFTED | IN_SYNC. */
  readonly driftStatus?: string;
  readonly governedRegions: readonly string[];
}

/** The AWSControlTowerBaseline enabled on an OU: the OU is registered. */
export interface OuRegistration {
  readonly enabledBaselineArn: string;
  /** SUCCEEDED | FAILED | UNDER_CHANGE. */
  readonly status: string;
  readonly baselineVersion?: string;
  /** IN_SYNC | DRIFTED: whether every account of the OU matches the OU's baseline. */
  readonly inheritanceDrift?: string;
}

export interface ControlView {
  /** The last part of the identifier: AWS-GR_ENCRYPTED_VOLUMES, or a catalog id. */
  readonly name: string;
  readonly identifier: string;
  readonly arn?: string;
  /** SUCCEEDED | FAILED | UNDER_CHANGE. */
  readonly status?: string;
  /** DRIFTED | IN_SYNC | NOT_CHECKING | UNKNOWN. */
  readonly driftStatus?: string;
}

export interface OuView {
  /** The OU path; absent when the OU is not in the organisation as read. */
  readonly path?: string;
  /** ou-xxxx-yyyyyyyy; absent for a workload OU that does not exist yet. */
  readonly id?: string;
  readonly arn?: string;
  /** A workload OU of estate.yaml (controlTower.workloadOus, or the default). */
  readonly workload: boolean;
  /** null: not registered. */
  readonly registration: Read<OuRegistration | null>;
  /**
   * Accounts in the OU (absent when the organisation was not read) and how many of them are
   * enrolled (absent when the enabled baselines were not read).
   */
  readonly accounts?: { readonly total: number; readonly enrolled?: number };
  /** ListEnabledControls on the OU; absent when the OU does not exist. */
  readonly controls?: Read<readonly ControlView[]>;
}

export type Enrolment = 'enrolled' | 'enrolling' | 'failed' | 'not-enrolled' | 'shared' | 'ungoverned';

export interface AccountView {
  readonly id: string;
  readonly name: string;
  /** '' for the root. */
  readonly ouPath: string;
  /**
   * enrolled/enrolling/failed: its account-level enabled baselines SUCCEEDED / UNDER_CHANGE /
   * FAILED; not-enrolled: in a registered OU without one; shared: the landing zone's
   * log-archive or audit account without an enabled baseline of its own (the landing zone
   * governs it); ungoverned: in an OU Control Tower does not govern.
   */
  readonly enrolment: Enrolment;
  /** Its baseline no longer matches its OU's (inheritance drift). */
  readonly drifted: boolean;
  /** Why it is not enrolled cleanly, when known. */
  readonly reason?: string;
}

export interface ControlOperationView {
  readonly id: string;
  /** ENABLE_CONTROL | DISABLE_CONTROL | UPDATE_ENABLED_CONTROL. */
  readonly type?: string;
  readonly status: string;
  readonly control?: string;
  /** The target OU's path when known, else its ARN. */
  readonly target?: string;
  readonly startedAt?: string;
  readonly elapsedMs?: number;
}

/** The estate-baseline StackSet's instances through one deployment target (an OU). */
export interface BaselineOuSummary {
  readonly ouId: string;
  readonly path?: string;
  readonly current: number;
  readonly outdated: number;
  readonly inoperable: number;
  /** Accounts × regions the target reaches without an instance; absent when the organisation was not read. */
  readonly missing?: number;
}

export interface BaselineInstanceProblem {
  readonly accountId: string;
  readonly accountName?: string;
  readonly region: string;
  /** OUTDATED | INOPERABLE | MISSING. */
  readonly status: string;
  readonly detailedStatus?: string;
  readonly reason?: string;
}

export interface BaselineStackSetView {
  readonly name: string;
  readonly region: string;
  /** false: the StackSet does not exist (yet). */
  readonly exists: boolean;
  readonly autoDeployment?: boolean;
  /** The regions the instances should be in (controlTower.baseline.regions, else the governed regions). */
  readonly regions: readonly string[];
  readonly byOu: readonly BaselineOuSummary[];
  /** Outdated, inoperable and missing instances, first 50. */
  readonly problems: readonly BaselineInstanceProblem[];
  readonly problemCount: number;
  /** RUNNING, QUEUED or STOPPING operations. */
  readonly operationsInFlight: readonly {
    readonly id: string;
    readonly action: string;
    readonly status: string;
    readonly startedAt?: string;
    readonly elapsedMs?: number;
  }[];
}

export interface MonitoringView {
  readonly accountId: string;
  readonly accountName: string;
  /** null: the estate-monitoring stack is not deployed. */
  readonly stack: StackView | null;
  readonly sinkArn?: string;
  readonly dashboardName?: string;
}

/** Where one kind of log (or telemetry) lands. */
export interface LogDestination {
  readonly kind: string;
  readonly accountId?: string;
  readonly accountName?: string;
  readonly where: string;
  readonly retention?: string;
}

export interface CtUnreadablePart {
  /** What could not be read: "landing zone", "controls of Workloads/Production", ... */
  readonly part: string;
  readonly reason: string;
}

export interface CtStatusEnabled {
  readonly enabled: true;
  readonly homeRegion: string;
  readonly managementAccountId: string;
  readonly organizationId?: string;
  /** ISO time of the read. */
  readonly readAt: string;
  /** null: no landing zone. */
  readonly landingZone: Read<LandingZoneView | null>;
  /** null: the estate-governance stack does not exist. */
  readonly governanceStack: Read<StackView | null>;
  /** Registered OUs, then workload OUs not registered. */
  readonly ous: readonly OuView[];
  readonly accounts: Read<readonly AccountView[]>;
  readonly controlOperations: Read<readonly ControlOperationView[]>;
  /** Absent when controlTower.baseline is off. */
  readonly baseline?: Read<BaselineStackSetView>;
  /** Absent when controlTower.observability is off; null while the audit account does not exist. */
  readonly monitoring?: Read<MonitoringView | null>;
  /** null: no landing zone, so no central logs. */
  readonly logs: Read<readonly LogDestination[] | null>;
  /** What needs a person's attention, one line each. */
  readonly attention: readonly string[];
  /** Every part that could not be read (each is also marked in place). */
  readonly unreadable: readonly CtUnreadablePart[];
}

export interface CtStatusDisabled {
  readonly enabled: false;
  /** Whether estate.yaml has a controlTower block at all (it says enabled: false). */
  readonly configured: boolean;
  /** The governance the organisation does without, one line each. */
  readonly missing: readonly string[];
}

export type CtStatus = CtStatusEnabled | CtStatusDisabled;

export interface CtStatusDeps {
  readonly controlTower: Pick<ControlTowerDeps, 'controls' | 'landingZones' | 'baselines' | 'stackSets'>;
  readonly stacks: Pick<StacksPort, 'describeStack'>;
  readonly organizations: OrganizationsPort;
  /** The account the credentials belong to. */
  readonly callerAccountId: () => Promise<string>;
  readonly now?: () => Date;
}

export interface CtStatusOptions {
  /** Calls in flight at once. @default 8 */
  readonly concurrency?: number;
}

/** Everything `ctStatus` folds: each read settled, a failure as its reason. */
export interface CtReads {
  readonly managementAccountId: string;
  readonly now: Date;
  readonly snapshot: Read<OrgSnapshot>;
  readonly governanceStack: Read<DeployedStack | undefined>;
  readonly landingZone: Read<{ state: LandingZoneState; source: LandingZoneView['source'] } | undefined>;
  readonly baselines: Read<readonly EnabledBaseline[]>;
  /** By OU id; absent for OUs not read. */
  readonly controls: ReadonlyMap<string, Read<readonly EnabledControl[]>>;
  readonly controlOperations: Read<readonly ControlOperationSummary[]>;
  readonly stackSet?: Read<{
    readonly state: StackSetState | undefined;
    readonly instances: readonly StackSetInstance[];
    readonly operations: readonly StackSetOperation[];
  }>;
  /** null: the audit account is not in the organisation yet. */
  readonly monitoringStack?: Read<{ accountId: string; stack: DeployedStack | undefined } | null>;
}

/** What an organisation without Control Tower does without, from estate.yaml alone (no AWS call). */
export function disabledStatus(config: EstateConfig): CtStatusDisabled {
  return {
    enabled: false,
    configured: config.controlTower !== undefined,
    missing: [...GOVERNANCE_WITHOUT_CONTROL_TOWER],
  };
}

const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const lastPart = (arn: string) => arn.split('/').at(-1) ?? arn;
const IN_FLIGHT_STACK_SET = new Set(['RUNNING', 'QUEUED', 'STOPPING']);
const isOuArn = (arn: string) => /:ou\/o-[^/]+\/ou-/.test(arn);
const isControlTowerBaseline = (b: EnabledBaseline) =>
  b.baselineIdentifier.endsWith(`::baseline/${CONTROL_TOWER_BASELINE_ID}`);

/** Reads everything the status shows and folds it. Throws only when the credentials are not the management account's. */
export async function ctStatusService(
  config: EstateConfig,
  options: CtStatusOptions,
  deps: CtStatusDeps,
): Promise<CtStatus> {
  if (!config.controlTower?.enabled) return disabledStatus(config);
  const reads = await readCtStatus(config, options, deps);
  return ctStatus(config, reads);
}

/** Every read of the status, at once under one bound; a read that fails is kept as its reason. */
export async function readCtStatus(
  config: EstateConfig,
  options: CtStatusOptions,
  deps: CtStatusDeps,
): Promise<CtReads> {
  const ct = config.controlTower!;
  const home = config.organization.homeRegion;
  const caller = await deps.callerAccountId();
  checkManagementAccount({
    callerAccountId: caller,
    expectedManagementAccountId: config.organization.managementAccountId,
  });
  const management = config.organization.managementAccountId ?? caller;
  const at: StackLocation = { accountId: management, region: home };
  const concurrency = options.concurrency ?? 8;
  const limit = limiter(concurrency);
  const { stackSets, baselines, landingZones, controls } = deps.controlTower;

  const snapshotP = settle(
    readSnapshot(bounded(deps.organizations, limit), { concurrency, tags: false, callerAccountId: caller }),
    true,
  );
  const stackP = settle(limit(() => deps.stacks.describeStack(at, GOVERNANCE_STACK)));
  const baselinesP = settle(limit(() => baselines.enabledBaselines()));
  const operationsP = settle(limit(() => baselines.controlOperationsInFlight()));
  const landingZoneP = stackP.then((stack) => settle(readLandingZone(stack, limit, landingZones)));
  const stackSetP = ct.baseline.enabled ? settle(readStackSet(home, limit, stackSets)) : undefined;
  const monitoringP = ct.observability.enabled
    ? snapshotP.then((snapshot) => settle(readMonitoring(config, snapshot, limit, deps.stacks)))
    : undefined;
  const controlsP = Promise.all([snapshotP, baselinesP]).then(([snapshot, enabled]) =>
    readControls(config, management, snapshot, enabled, limit, controls),
  );

  const [snapshot, governanceStack, landingZone, enabled, controlOperations, stackSet, monitoringStack] =
    await Promise.all([snapshotP, stackP, landingZoneP, baselinesP, operationsP, stackSetP, monitoringP]);
  return {
    managementAccountId: management,
    now: (deps.now ?? (() => new Date()))(),
    snapshot,
    governanceStack,
    landingZone,
    baselines: enabled,
    controls: await controlsP,
    controlOperations,
    ...(stackSet ? { stackSet } : {}),
    ...(monitoringStack !== undefined ? { monitoringStack } : {}),
  };
}

/** The landing zone the governance stack names (its LandingZoneArn output), else the organisation's. */
async function readLandingZone(
  stack: Read<DeployedStack | undefined>,
  limit: Limit,
  landingZones: CtStatusDeps['controlTower']['landingZones'],
): Promise<Exclude<CtReads['landingZone'], Unreadable>> {
  const fromStack = isUnreadable(stack) ? undefined : stack?.outputs[PLATFORM_OUTPUTS.landingZoneArn];
  const arn = fromStack ?? (await limit(() => landingZones.landingZones()))[0];
  if (!arn) return undefined;
  const state = await limit(() => landingZones.landingZone(arn));
  return state && { state, source: fromStack ? 'governance-stack' : 'organization' };
}

async function readStackSet(
  home: string,
  limit: Limit,
  stackSets: CtStatusDeps['controlTower']['stackSets'],
): Promise<Exclude<NonNullable<CtReads['stackSet']>, Unreadable>> {
  const [state, instances, operations] = await Promise.all([
    limit(() => stackSets.stackSet(home, BASELINE_STACK_SET)),
    limit(() => stackSets.instances(home, BASELINE_STACK_SET)),
    limit(() => stackSets.operations(home, BASELINE_STACK_SET)),
  ]);
  return { state, instances, operations };
}

/** The estate-monitoring stack in the audit account; null while that account does not exist. */
async function readMonitoring(
  config: EstateConfig,
  snapshot: Read<OrgSnapshot>,
  limit: Limit,
  stacks: CtStatusDeps['stacks'],
): Promise<Exclude<Exclude<CtReads['monitoringStack'], undefined>, Unreadable>> {
  const audit = config.controlTower!.auditAccount;
  if (isUnreadable(snapshot)) throw new Error(`the audit account's id is unknown: ${snapshot.unreadable}`);
  const accountId = resolveAccountIds(config, snapshot.accounts, [audit]).get(audit);
  if (!accountId) return null;
  const region = config.organization.homeRegion;
  return {
    accountId,
    stack: await limit(() => stacks.describeStack({ accountId, region }, MONITORING_STACK)),
  };
}

/** The port with each call under the status's one bound (the snapshot has pools of its own). */
function bounded<T extends object>(port: T, limit: Limit): T {
  return new Proxy(port, {
    get: (target, prop, receiver) => {
      const value = Reflect.get(target, prop, receiver) as unknown;
      return typeof value === 'function'
        ? (...args: unknown[]) =>
            limit(() => (value as (...a: unknown[]) => Promise<unknown>).apply(target, args))
        : value;
    },
  });
}

/** A read's value, or its failure as a reason. A user error (wrong account) still stops the command when `rethrowUser`. */
async function settle<T>(work: Promise<T>, rethrowUser = false): Promise<Read<T>> {
  try {
    return await work;
  } catch (error) {
    if (rethrowUser && isEstateError(error) && error.source === 'user') throw error;
    // One line: an SDK's deserialisation error spans several.
    return { unreadable: describeError(error).replace(/\s*\n\s*/g, ' ') };
  }
}

/** The OUs whose controls are read: every registered OU, every workload OU and every OU the config lists controls for. */
async function readControls(
  config: EstateConfig,
  management: string,
  snapshot: Read<OrgSnapshot>,
  enabled: Read<readonly EnabledBaseline[]>,
  limit: Limit,
  controls: CtStatusDeps['controlTower']['controls'],
): Promise<Map<string, Read<readonly EnabledControl[]>>> {
  const arns = new Map<string, string>();
  if (!isUnreadable(enabled))
    for (const b of enabled)
      if (isOuArn(b.targetIdentifier) && isControlTowerBaseline(b))
        arns.set(lastPart(b.targetIdentifier), b.targetIdentifier);
  if (!isUnreadable(snapshot) && snapshot.organization) {
    const partition = partitionOfRegion(config.organization.homeRegion);
    const org = snapshot.organization;
    const wanted = new Set([...workloadOus(config), ...config.controlTower!.controls.map((c) => c.ou)]);
    for (const ou of snapshot.ous)
      if (wanted.has(ou.path) && !arns.has(ou.id))
        arns.set(
          ou.id,
          `arn:${partition}:organizations::${org.managementAccountId || management}:ou/${org.id}/${ou.id}`,
        );
  }
  const out = new Map<string, Read<readonly EnabledControl[]>>();
  await Promise.all(
    [...arns].map(async ([id, arn]) =>
      out.set(id, await settle(limit(() => controls.listEnabledControls(arn)))),
    ),
  );
  return out;
}

/** The status from what was read. Pure. */
export function ctStatus(config: EstateConfig, reads: CtReads): CtStatusEnabled {
  const ct = config.controlTower!;
  const home = config.organization.homeRegion;
  const unreadable: CtUnreadablePart[] = [];
  const note = <T>(part: string, value: Read<T>): Read<T> => {
    if (isUnreadable(value)) unreadable.push({ part, reason: value.unreadable });
    return value;
  };
  const snapshot = note('organisation', reads.snapshot);
  const org = isUnreadable(snapshot) ? undefined : snapshot;
  const ouById = new Map(org?.ous.map((o) => [o.id, o]) ?? []);
  const accountName = new Map(org?.accounts.map((a) => [a.id, a.name]) ?? []);
  const pathOfArn = (arn: string) => ouById.get(lastPart(arn))?.path;

  const governanceStack = mapRead(note('governance stack', reads.governanceStack), (s) =>
    s ? stackView(s, reads.managementAccountId, home, reads.now) : null,
  );
  const landingZone = mapRead(note('landing zone', reads.landingZone), (lz) =>
    lz ? landingZoneView(lz.state, lz.source) : null,
  );
  const enabled = note('enabled baselines', reads.baselines);
  const ous = ouViews(config, org, enabled, reads.controls, unreadable);
  const accounts = accountViews(config, org, enabled, reads.managementAccountId);
  const controlOperations = mapRead(note('control operations', reads.controlOperations), (ops) =>
    ops
      .map((op) => ({
        id: op.operationIdentifier,
        ...(op.operationType ? { type: op.operationType } : {}),
        status: op.status,
        ...(op.controlIdentifier ? { control: lastPart(op.controlIdentifier) } : {}),
        ...(op.targetIdentifier ? { target: pathOfArn(op.targetIdentifier) ?? op.targetIdentifier } : {}),
        ...(op.startTime
          ? { startedAt: op.startTime.toISOString(), elapsedMs: reads.now.getTime() - op.startTime.getTime() }
          : {}),
      }))
      .sort((a, b) => byString(a.startedAt ?? '', b.startedAt ?? '') || byString(a.id, b.id)),
  );
  const baseline = reads.stackSet
    ? mapRead(note('baseline StackSet', reads.stackSet), (s) => stackSetView(config, org, s, reads.now))
    : undefined;
  const monitoring =
    reads.monitoringStack !== undefined
      ? mapRead(note('monitoring stack', reads.monitoringStack), (m) => {
          if (!m) return null;
          const stack = m.stack ? stackView(m.stack, m.accountId, home, reads.now) : null;
          const sinkArn = m.stack?.outputs[PLATFORM_OUTPUTS.sinkArn];
          const dashboardName = m.stack?.outputs[PLATFORM_OUTPUTS.dashboardName];
          return {
            accountId: m.accountId,
            accountName: ct.auditAccount,
            stack,
            ...(sinkArn ? { sinkArn } : {}),
            ...(dashboardName ? { dashboardName } : {}),
          };
        })
      : undefined;
  const logs = isUnreadable(reads.landingZone)
    ? { unreadable: `the landing zone could not be read: ${reads.landingZone.unreadable}` }
    : reads.landingZone
      ? logDestinations(reads.landingZone.state, home, reads.managementAccountId, accountName, monitoring)
      : null;

  const status = {
    enabled: true as const,
    homeRegion: home,
    managementAccountId: reads.managementAccountId,
    ...(org?.organization ? { organizationId: org.organization.id } : {}),
    readAt: reads.now.toISOString(),
    landingZone,
    governanceStack,
    ous,
    accounts,
    controlOperations,
    ...(baseline ? { baseline } : {}),
    ...(monitoring !== undefined ? { monitoring } : {}),
    logs,
    unreadable,
  };
  return { ...status, attention: attention(status) };
}

function mapRead<T, U>(value: Read<T>, fn: (v: T) => U): Read<U> {
  return isUnreadable(value) ? value : fn(value);
}

function stackView(stack: DeployedStack, accountId: string, region: string, now: Date): StackView {
  const since = stack.updatedAt ?? stack.createdAt;
  const inProgress = stack.status.endsWith('_IN_PROGRESS');
  return {
    name: stack.name,
    accountId,
    region,
    status: stack.status,
    ...(stack.statusReason ? { statusReason: stack.statusReason } : {}),
    since: since.toISOString(),
    inProgress,
    ...(inProgress ? { elapsedMs: Math.max(0, now.getTime() - since.getTime()) } : {}),
    failed: /FAILED|ROLLBACK/.test(stack.status),
    outputs: stack.outputs,
  };
}

/** "3.3" < "3.10" < "4.0". */
function newerVersion(latest: string | undefined, current: string): boolean {
  if (!latest) return false;
  const [a, b] = [latest, current].map((v) => v.split('.').map(Number));
  for (let i = 0; i < Math.max(a!.length, b!.length); i++) {
    const d = (a![i] ?? 0) - (b![i] ?? 0);
    if (d) return d > 0;
  }
  return false;
}

function landingZoneView(state: LandingZoneState, source: LandingZoneView['source']): LandingZoneView {
  const regions = state.manifest.governedRegions;
  return {
    arn: state.arn,
    source,
    status: state.status,
    version: state.version,
    ...(state.latestAvailableVersion ? { latestAvailableVersion: state.latestAvailableVersion } : {}),
    updateAvailable: newerVersion(state.latestAvailableVersion, state.version),
    ...(state.driftStatus ? { driftStatus: state.driftStatus } : {}),
    governedRegions: Array.isArray(regions) ? regions.map(String) : [],
  };
}

function ouViews(
  config: EstateConfig,
  org: OrgSnapshot | undefined,
  enabled: Read<readonly EnabledBaseline[]>,
  controls: CtReads['controls'],
  unreadable: CtUnreadablePart[],
): OuView[] {
  const workload = new Set(workloadOus(config));
  const registrations = new Map<string, EnabledBaseline>();
  if (!isUnreadable(enabled))
    for (const b of enabled)
      if (isOuArn(b.targetIdentifier) && isControlTowerBaseline(b))
        registrations.set(lastPart(b.targetIdentifier), b);
  const enrolled = isUnreadable(enabled)
    ? undefined
    : new Set(enabled.flatMap((b) => accountIdOfArn(b.targetIdentifier) ?? []));
  const byPath = new Map(org?.ous.map((o) => [o.path, o]) ?? []);
  const byId = new Map(org?.ous.map((o) => [o.id, o]) ?? []);

  const ids = new Set<string>([...registrations.keys()]);
  const unplaced: string[] = [];
  for (const path of workload) {
    const ou = byPath.get(path);
    if (ou) ids.add(ou.id);
    else if (org) unplaced.push(path);
  }
  for (const id of controls.keys()) ids.add(id);

  const views: OuView[] = [...ids].map((id) => {
    const ou = byId.get(id);
    const b = registrations.get(id);
    const inOu = org?.accounts.filter((a) => a.parentId === id);
    const read = controls.get(id);
    return {
      ...(ou ? { path: ou.path } : {}),
      id,
      ...(b ? { arn: b.targetIdentifier } : {}),
      workload: ou ? workload.has(ou.path) : false,
      registration: isUnreadable(enabled)
        ? enabled
        : b
          ? {
              enabledBaselineArn: b.arn,
              status: b.status,
              ...(b.baselineVersion ? { baselineVersion: b.baselineVersion } : {}),
              ...(b.inheritanceDrift ? { inheritanceDrift: b.inheritanceDrift } : {}),
            }
          : null,
      ...(inOu
        ? {
            accounts: {
              total: inOu.length,
              ...(enrolled ? { enrolled: inOu.filter((a) => enrolled.has(a.id)).length } : {}),
            },
          }
        : {}),
      ...(read ? { controls: mapRead(read, (list) => list.map(controlView)) } : {}),
    };
  });
  for (const path of unplaced)
    views.push({ path, workload: true, registration: isUnreadable(enabled) ? enabled : null });
  views.sort((a, b) => byString(a.path ?? a.id ?? '', b.path ?? b.id ?? ''));
  for (const v of views)
    if (v.controls && isUnreadable(v.controls))
      unreadable.push({ part: `controls of ${v.path ?? v.id}`, reason: v.controls.unreadable });
  return views;
}

function controlView(c: EnabledControl): ControlView {
  return {
    name: lastPart(c.controlIdentifier),
    identifier: c.controlIdentifier,
    ...(c.arn ? { arn: c.arn } : {}),
    ...(c.status ? { status: c.status } : {}),
    ...(c.driftStatus ? { driftStatus: c.driftStatus } : {}),
  };
}

const ENROLMENT_ORDER: Record<Enrolment, number> = {
  failed: 0,
  'not-enrolled': 1,
  enrolling: 2,
  enrolled: 3,
  shared: 4,
  ungoverned: 5,
};

/**
 * Each account but the management account: enrolled by its account-level enabled baselines
 * (the children of its OU's), not enrolled when its OU is registered and it has none,
 * ungoverned when its OU is not registered.
 */
function accountViews(
  config: EstateConfig,
  org: OrgSnapshot | undefined,
  enabled: Read<readonly EnabledBaseline[]>,
  management: string,
): Read<readonly AccountView[]> {
  if (isUnreadable(enabled))
    return { unreadable: `the enabled baselines could not be read: ${enabled.unreadable}` };
  if (!org) return { unreadable: 'the organisation could not be read' };
  const registered = new Map<string, EnabledBaseline>();
  const byAccount = new Map<string, EnabledBaseline[]>();
  for (const b of enabled) {
    if (isOuArn(b.targetIdentifier) && isControlTowerBaseline(b))
      registered.set(lastPart(b.targetIdentifier), b);
    const id = accountIdOfArn(b.targetIdentifier);
    if (id) byAccount.set(id, [...(byAccount.get(id) ?? []), b]);
  }
  const names = new Map(
    [...resolveAccountIds(config, org.accounts)].map(([name, id]) => [id, name] as const),
  );
  const ct = config.controlTower!;
  const shared = new Map([
    [ct.logArchiveAccount, 'log-archive'],
    [ct.auditAccount, 'audit'],
  ]);
  const views = org.accounts
    .filter((a) => a.id !== management && a.id !== org.organization?.managementAccountId)
    .map((a): AccountView => {
      const own = byAccount.get(a.id) ?? [];
      const ou = registered.get(a.parentId);
      const drifted = own.some((b) => b.inheritanceDrift === 'DRIFTED');
      const base = { id: a.id, name: names.get(a.id) ?? a.name, ouPath: a.ouPath, drifted };
      const inactive = a.status !== 'ACTIVE' ? `account is ${a.status}` : undefined;
      const driftReason = drifted
        ? "its baseline no longer matches its OU's (moved or changed outside Control Tower): reset the enabled baseline, or re-register the OU"
        : undefined;
      if (own.some((b) => b.status === 'FAILED'))
        return {
          ...base,
          enrolment: 'failed',
          reason:
            inactive ??
            `enabled baseline ${own.find((b) => b.status === 'FAILED')!.arn} FAILED; its operation in the Control Tower console says why`,
        };
      if (own.some((b) => b.status === 'UNDER_CHANGE')) return { ...base, enrolment: 'enrolling' };
      if (own.length)
        return { ...base, enrolment: 'enrolled', ...(driftReason ? { reason: driftReason } : {}) };
      const role = shared.get(base.name);
      if (!ou && role)
        return {
          ...base,
          enrolment: 'shared',
          reason: `the landing zone's ${role} account, governed by the landing zone`,
        };
      if (!ou)
        return { ...base, enrolment: 'ungoverned', reason: `OU ${a.ouPath || 'Root'} is not registered` };
      const why =
        inactive ??
        (ou.status === 'UNDER_CHANGE'
          ? 'its OU is being registered'
          : ou.status === 'FAILED'
            ? "its OU's registration FAILED"
            : 'no enabled baseline for this account: re-register its OU (or reset the OU baseline) to enrol it');
      return { ...base, enrolment: 'not-enrolled', reason: why };
    });
  return views.sort(
    (a, b) =>
      ENROLMENT_ORDER[a.enrolment] - ENROLMENT_ORDER[b.enrolment] ||
      byString(a.ouPath, b.ouPath) ||
      byString(a.name, b.name),
  );
}

const MAX_PROBLEMS = 50;

function stackSetView(
  config: EstateConfig,
  org: OrgSnapshot | undefined,
  read: NonNullable<Exclude<CtReads['stackSet'], Unreadable>>,
  now: Date,
): BaselineStackSetView {
  const ct = config.controlTower!;
  const home = config.organization.homeRegion;
  const regions = [...(ct.baseline.regions ?? config.organization.governedRegions)];
  const { state, instances, operations } = read;
  const accountName = new Map(org?.accounts.map((a) => [a.id, a.name]) ?? []);
  const problems: BaselineInstanceProblem[] = [];
  const problem = (p: BaselineInstanceProblem) => problems.push(p);
  const targets = state?.organizationalUnitIds ?? [];
  // Every OU under a target is reached through it: walk the tree down from each target.
  const targetOf = new Map<string, string>();
  if (org) {
    const children = new Map<string, string[]>();
    for (const ou of org.ous) children.set(ou.parentId, [...(children.get(ou.parentId) ?? []), ou.id]);
    for (const target of targets) {
      const stack = [target];
      while (stack.length) {
        const id = stack.pop()!;
        if (!targetOf.has(id)) targetOf.set(id, target);
        stack.push(...(children.get(id) ?? []));
      }
    }
  }
  const summaries = new Map<
    string,
    { current: number; outdated: number; inoperable: number; missing: number }
  >();
  const summary = (ouId: string) => {
    let s = summaries.get(ouId);
    if (!s) summaries.set(ouId, (s = { current: 0, outdated: 0, inoperable: 0, missing: 0 }));
    return s;
  };
  for (const t of targets) summary(t);
  const seen = new Set<string>();
  for (const i of instances) {
    seen.add(`${i.accountId}/${i.region}`);
    const account = org?.accounts.find((a) => a.id === i.accountId);
    const ouId = (account && targetOf.get(account.parentId)) ?? i.ouId ?? 'unknown';
    const s = summary(ouId);
    if (i.status === 'CURRENT') s.current++;
    else {
      if (i.status === 'INOPERABLE') s.inoperable++;
      else s.outdated++;
      problem({
        accountId: i.accountId,
        ...(accountName.has(i.accountId) ? { accountName: accountName.get(i.accountId)! } : {}),
        region: i.region,
        status: i.status,
        ...(i.detailedStatus ? { detailedStatus: i.detailedStatus } : {}),
        ...(i.statusReason ? { reason: i.statusReason } : {}),
      });
    }
  }
  if (org && state)
    for (const a of org.accounts) {
      const target = targetOf.get(a.parentId);
      if (!target || a.status !== 'ACTIVE' || a.id === org.organization?.managementAccountId) continue;
      for (const region of regions)
        if (!seen.has(`${a.id}/${region}`)) {
          summary(target).missing++;
          problem({ accountId: a.id, accountName: a.name, region, status: 'MISSING' });
        }
    }
  const byOu = [...summaries].map(([ouId, s]) => ({
    ouId,
    ...(org?.ous.find((o) => o.id === ouId) ? { path: org.ous.find((o) => o.id === ouId)!.path } : {}),
    current: s.current,
    outdated: s.outdated,
    inoperable: s.inoperable,
    ...(org ? { missing: s.missing } : {}),
  }));
  return {
    name: BASELINE_STACK_SET,
    region: home,
    exists: state !== undefined,
    ...(state?.autoDeployment ? { autoDeployment: state.autoDeployment.enabled } : {}),
    regions,
    byOu: byOu.sort((a, b) => byString(a.path ?? a.ouId, b.path ?? b.ouId)),
    problems: problems.slice(0, MAX_PROBLEMS),
    problemCount: problems.length,
    operationsInFlight: operations
      .filter((o) => IN_FLIGHT_STACK_SET.has(o.status))
      .map((o) => ({
        id: o.operationId,
        action: o.action,
        status: o.status,
        ...(o.creationTimestamp
          ? {
              startedAt: o.creationTimestamp.toISOString(),
              elapsedMs: now.getTime() - o.creationTimestamp.getTime(),
            }
          : {}),
      })),
  };
}

type Manifest = Readonly<Record<string, unknown>>;
const field = (value: unknown, ...path: string[]): unknown =>
  path.reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Manifest)[k] : undefined), value);

/**
 * Where each kind of log lands, from the live landing-zone manifest and the monitoring stack.
 * 3.x: CloudTrail and AWS Config history go to the log-archive bucket, Config is aggregated
 * and the security roles live in the audit account (securityRoles). 4.0: each integration
 * has its own switch, and Config its own account and bucket retention (config). Bucket,
 * log-group, aggregator and topic names are the ones Control Tower gives them.
 */
function logDestinations(
  state: LandingZoneState,
  home: string,
  management: string,
  names: ReadonlyMap<string, string>,
  monitoring: Read<MonitoringView | null> | undefined,
): LogDestination[] {
  const m = state.manifest;
  const account = (id: unknown) =>
    typeof id === 'string'
      ? { accountId: id, ...(names.has(id) ? { accountName: names.get(id)! } : {}) }
      : {};
  const retention = (block: unknown, bucket: string) => {
    const d = field(block, 'configurations', bucket, 'retentionDays');
    return typeof d === 'number' ? { retention: `${d} days` } : {};
  };
  const on = (block: unknown) => block !== undefined && field(block, 'enabled') !== false;
  const out: LogDestination[] = [];
  const logging = field(m, 'centralizedLogging');
  const logsId = field(logging, 'accountId');
  const v4Config = field(m, 'config');
  if (on(logging) && typeof logsId === 'string') {
    const kms = field(logging, 'configurations', 'kmsKeyArn');
    const bucket = `S3 aws-controltower-logs-${logsId}-${home}${typeof kms === 'string' ? ` (KMS ${kms})` : ''}`;
    out.push({
      kind: 'CloudTrail organization trail',
      ...account(logsId),
      where: bucket,
      ...retention(logging, 'loggingBucket'),
    });
    if (v4Config === undefined)
      out.push({
        kind: 'AWS Config history',
        ...account(logsId),
        where: bucket,
        ...retention(logging, 'loggingBucket'),
      });
    out.push({
      kind: 'S3 access logs of the log bucket',
      ...account(logsId),
      where: `S3 aws-controltower-s3-access-logs-${logsId}-${home}`,
      ...retention(logging, 'accessLoggingBucket'),
    });
    out.push({
      kind: 'CloudTrail events (CloudWatch Logs)',
      ...account(management),
      where: 'log group aws-controltower/CloudTrailLogs',
    });
  }
  const roles = field(m, 'securityRoles');
  const auditId = field(roles, 'accountId');
  if (v4Config === undefined) {
    if (typeof auditId === 'string')
      out.push({
        kind: 'AWS Config aggregation',
        ...account(auditId),
        where: 'aggregator aws-controltower-GuardrailsComplianceAggregator',
      });
  } else if (on(v4Config))
    out.push({
      kind: 'AWS Config aggregation and history',
      ...account(field(v4Config, 'accountId')),
      where:
        "aggregator aws-controltower-GuardrailsComplianceAggregator; history in the Config integration's bucket",
      ...retention(v4Config, 'loggingBucket'),
    });
  if (on(roles) && typeof auditId === 'string')
    out.push({
      kind: 'Security notifications',
      ...account(auditId),
      where: 'SNS aws-controltower-SecurityNotifications, aws-controltower-AllConfigNotifications',
    });
  const backup = field(m, 'backup');
  if (field(backup, 'enabled') === true)
    out.push({
      kind: 'Backups',
      ...account(field(backup, 'configurations', 'centralBackup', 'accountId')),
      where: 'AWS Backup central vault',
    });
  if (monitoring && !isUnreadable(monitoring)) {
    const ids = { accountId: monitoring.accountId, accountName: monitoring.accountName };
    out.push({
      kind: 'Metrics, logs, traces (cross-account)',
      ...ids,
      where: monitoring.sinkArn
        ? `OAM sink ${monitoring.sinkArn}`
        : `no OAM sink yet (${MONITORING_STACK} not deployed)`,
    });
    if (monitoring.dashboardName)
      out.push({
        kind: 'Overview dashboard',
        ...ids,
        where: `CloudWatch dashboard ${monitoring.dashboardName}`,
      });
  }
  return out;
}

/** One line per thing a person should look at. */
function attention(s: Omit<CtStatusEnabled, 'attention'>): string[] {
  const out: string[] = [];
  const lz = s.landingZone;
  if (lz === null) out.push('no landing zone: `estate apply` creates it (30–45 minutes)');
  else if (!isUnreadable(lz)) {
    if (lz.status === 'FAILED') out.push('the landing zone FAILED: see the estate-governance stack events');
    if (lz.driftStatus === 'DRIFTED')
      out.push('the landing zone has drifted: repair it in the Control Tower console, or `estate apply`');
    if (lz.source === 'organization')
      out.push('the landing zone was not created by estate-governance: estate will not manage it');
  }
  const stack = s.governanceStack;
  if (stack && !isUnreadable(stack) && stack.failed)
    out.push(`${stack.name} is ${stack.status}${stack.statusReason ? `: ${stack.statusReason}` : ''}`);
  for (const ou of s.ous) {
    const name = ou.path ?? ou.id ?? '?';
    const r = ou.registration;
    if (r === null && ou.workload) out.push(`workload OU ${name} is not registered`);
    else if (r && !isUnreadable(r)) {
      if (r.status === 'FAILED') out.push(`registration of OU ${name} FAILED`);
      if (r.inheritanceDrift === 'DRIFTED')
        out.push(`OU ${name}: an account does not match the OU's baseline`);
    }
    if (ou.controls && !isUnreadable(ou.controls)) {
      const failed = ou.controls.filter((c) => c.status === 'FAILED').length;
      const drifted = ou.controls.filter((c) => c.driftStatus === 'DRIFTED').length;
      if (failed) out.push(`OU ${name}: ${failed} control${failed === 1 ? '' : 's'} FAILED`);
      if (drifted) out.push(`OU ${name}: ${drifted} control${drifted === 1 ? '' : 's'} drifted`);
    }
  }
  if (!isUnreadable(s.accounts)) {
    const count = (e: Enrolment) =>
      (s.accounts as readonly AccountView[]).filter((a) => a.enrolment === e).length;
    const failed = count('failed');
    const missing = count('not-enrolled');
    const drifted = s.accounts.filter((a) => a.drifted).length;
    if (failed) out.push(`${failed} account${failed === 1 ? '' : 's'} failed to enrol`);
    if (missing) out.push(`${missing} account${missing === 1 ? '' : 's'} in registered OUs not enrolled`);
    if (drifted)
      out.push(`${drifted} enrolled account${drifted === 1 ? '' : 's'} drifted from their OU's baseline`);
  }
  const b = s.baseline;
  if (b && !isUnreadable(b)) {
    if (!b.exists) out.push('the estate-baseline StackSet does not exist: `estate apply` creates it');
    else if (b.problemCount)
      out.push(`${b.problemCount} estate-baseline instance${b.problemCount === 1 ? '' : 's'} not current`);
  }
  const m = s.monitoring;
  if (m === null) out.push('the audit account is not in the organisation yet: `estate apply` creates it');
  if (m && !isUnreadable(m)) {
    if (m.stack === null) out.push(`${MONITORING_STACK} is not deployed in the audit account`);
    else if (m.stack.failed) out.push(`${MONITORING_STACK} is ${m.stack.status}`);
  }
  return out;
}
