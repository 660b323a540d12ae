/**
 * Control Tower planner: (desired, live snapshot) → typed changes and notes. Pure.
 *
 * Changes, in the order apply runs them:
 * - `bootstrap:<account>/<region>`: the management and audit accounts, CDK-bootstrapped
 *   directly (service-managed StackSets never deploy to the management account, and the audit
 *   account is not in a workload OU) when their SSM version parameter is absent or too old.
 * - `stacksets:organizations-access`: ActivateOrganizationsAccess, before the baseline StackSet.
 * - `stack:estate-governance`: prerequisite roles, landing zone, OU baselines, controls.
 * - `stack:estate-monitoring`: the OAM sink and the overview dashboard (audit account).
 * - `stack:estate-baseline`: the estate-baseline StackSet, after the monitoring stack (its
 *   links point at the sink) and the organisations access.
 * Drift lines (never applied): a platform stack still in progress, a landing zone estate did
 * not create, baseline instances missing or OUTDATED/INOPERABLE per account.
 *
 * A stack is compared with the live one by what it holds (its deployed template's resources),
 * which is also what the summary says changes. The apply synthesises each stack with the ids
 * known at that moment (an OU the organisation section just created) and skips a deploy whose
 * template is unchanged.
 */
import { BASELINE_STACK, GOVERNANCE_STACK, MONITORING_STACK } from '../../blueprints/platform.js';
import type { EstateConfig } from '../../config/schema.js';
import { isSettled } from '../env/common.js';
import type { Change } from '../plan/types.js';
import {
  PLATFORM_BOOTSTRAP_VERSION,
  GOVERNANCE_WITHOUT_CONTROL_TOWER,
  PREREQUISITE_ROLES,
  SECTION_CONTROLTOWER,
  baselinePending,
  governancePending,
  monitoringPending,
  ouIdOf,
  type AccountTarget,
  type DesiredControlTower,
} from './desired.js';
import { placeKey, type ControlTowerSnapshot, type LiveStack } from './snapshot.js';

export const ADDRESS = {
  bootstrap: (account: AccountTarget, region: string) => `bootstrap:${account.id ?? account.name}/${region}`,
  organizationsAccess: 'stacksets:organizations-access',
  stack: (name: string) => `stack:${name}`,
  instances: (account: string) => `baseline-instances:${account}`,
} as const;

export type PlatformStackKind = 'governance' | 'monitoring' | 'baseline';

export const STACK_NAMES: Readonly<Record<PlatformStackKind, string>> = {
  governance: GOVERNANCE_STACK,
  monitoring: MONITORING_STACK,
  baseline: BASELINE_STACK,
};

export interface BootstrapPayload {
  readonly account: AccountTarget;
  readonly region: string;
  readonly qualifier: string;
  /** Account ids (or estate names, resolved at apply) trusted to deploy. */
  readonly trustedAccounts: readonly string[];
  readonly executionPolicies: readonly string[];
}

export interface StackPayload {
  readonly kind: PlatformStackKind;
  readonly stack: string;
  readonly account: AccountTarget;
  readonly region: string;
  /** What did not exist at plan time: the apply synthesises once the organisation section made it. */
  readonly pending: readonly string[];
  /** governance: the four service roles exist outside the stack, so it must not create them. */
  readonly prerequisiteRolesExist?: boolean;
  /** governance: the landing zone first, then the OU baselines (they need its Identity Center baseline). */
  readonly landingZoneFirst?: boolean;
}

export interface ControlTowerPlan {
  readonly changes: Change[];
  readonly notes: string[];
}

// ---------------------------------------------------------------- what a template holds

interface Resource {
  readonly Type?: string;
  readonly Properties?: Record<string, unknown>;
}

function resourcesOf(template: unknown, type: string): [string, Resource][] {
  const resources = ((template ?? {}) as { Resources?: Record<string, Resource> }).Resources ?? {};
  return Object.entries(resources).filter(([, r]) => r.Type === type);
}

const prop = (r: Resource, key: string): unknown => r.Properties?.[key];
const str = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v ?? ''));

/** What the governance stack holds (live or wanted). */
export interface GovernanceModel {
  readonly landingZone?: LandingZoneModel;
  readonly roles: readonly string[];
  /** OU ids with an AWSControlTowerBaseline. */
  readonly baselines: readonly string[];
  /** `<ou id> <control identifier>`. */
  readonly controls: readonly string[];
}

export interface LandingZoneModel {
  readonly version: string;
  readonly governedRegions: readonly string[];
  readonly logArchiveAccount?: string;
  readonly auditAccount?: string;
  readonly logRetentionDays?: number;
  readonly accessLogRetentionDays?: number;
  readonly accessManagement?: boolean;
}

function landingZoneModelOf(version: string, manifest: Record<string, unknown>): LandingZoneModel {
  const m = manifest as {
    governedRegions?: string[];
    centralizedLogging?: {
      accountId?: string;
      configurations?: {
        loggingBucket?: { retentionDays?: number };
        accessLoggingBucket?: { retentionDays?: number };
      };
    };
    securityRoles?: { accountId?: string };
    accessManagement?: { enabled?: boolean };
  };
  const logging = m.centralizedLogging;
  return {
    version,
    governedRegions: [...(m.governedRegions ?? [])].sort(),
    ...(logging?.accountId ? { logArchiveAccount: logging.accountId } : {}),
    ...(m.securityRoles?.accountId ? { auditAccount: m.securityRoles.accountId } : {}),
    ...(logging?.configurations?.loggingBucket?.retentionDays !== undefined
      ? { logRetentionDays: logging.configurations.loggingBucket.retentionDays }
      : {}),
    ...(logging?.configurations?.accessLoggingBucket?.retentionDays !== undefined
      ? { accessLogRetentionDays: logging.configurations.accessLoggingBucket.retentionDays }
      : {}),
    ...(m.accessManagement?.enabled !== undefined ? { accessManagement: m.accessManagement.enabled } : {}),
  };
}

/** The live governance stack's resources. */
export function liveGovernance(stack: LiveStack | undefined): GovernanceModel {
  const template = stack?.template;
  const [lz] = resourcesOf(template, 'AWS::ControlTower::LandingZone');
  return {
    ...(lz
      ? {
          landingZone: landingZoneModelOf(
            str(prop(lz[1], 'Version')),
            (prop(lz[1], 'Manifest') ?? {}) as Record<string, unknown>,
          ),
        }
      : {}),
    roles: resourcesOf(template, 'AWS::IAM::Role')
      .map(([, r]) => prop(r, 'RoleName'))
      .filter((n): n is string => typeof n === 'string')
      .sort(),
    baselines: resourcesOf(template, 'AWS::ControlTower::EnabledBaseline')
      .map(([, r]) => ouIdOf(str(prop(r, 'TargetIdentifier'))))
      .sort(),
    controls: resourcesOf(template, 'AWS::ControlTower::EnabledControl')
      .map(([, r]) => `${ouIdOf(str(prop(r, 'TargetIdentifier')))} ${str(prop(r, 'ControlIdentifier'))}`)
      .sort(),
  };
}

/** What the governance stack should hold; OUs without an id yet are left out (pending). */
export function wantedGovernance(
  config: EstateConfig,
  d: DesiredControlTower,
  prerequisiteRolesExist: boolean,
): GovernanceModel {
  const ct = config.controlTower!;
  const id = (path: string) => d.ous.find((o) => o.path === path)?.id;
  return {
    landingZone: {
      version: d.version,
      governedRegions: [...d.governedRegions].sort(),
      ...(d.logs.id ? { logArchiveAccount: d.logs.id } : {}),
      ...(d.audit.id && (d.version === '3.3' || ct.securityRoles !== false)
        ? { auditAccount: d.audit.id }
        : {}),
      logRetentionDays: ct.logRetentionDays,
      accessLogRetentionDays: ct.accessLogRetentionDays,
      accessManagement: ct.accessManagement,
    },
    roles: prerequisiteRolesExist ? [] : [...PREREQUISITE_ROLES].sort(),
    baselines: d.workloadOus
      .map((o) => o.id)
      .filter((i): i is string => !!i)
      .sort(),
    controls: d.controls
      .flatMap((c) => {
        const ou = id(c.ou);
        return ou ? [`${ou} ${c.identifier}`] : [];
      })
      .sort(),
  };
}

/** What the baseline stack's StackSet holds. */
export interface BaselineModel {
  readonly ous: readonly string[];
  readonly regions: readonly string[];
  readonly maxConcurrentPercentage?: number;
  readonly failureTolerancePercentage?: number;
  readonly regionConcurrency?: string;
  readonly link: boolean;
}

export function liveBaseline(stack: LiveStack | undefined): BaselineModel | undefined {
  const [set] = resourcesOf(stack?.template, 'AWS::CloudFormation::StackSet');
  if (!set) return undefined;
  const groups = (prop(set[1], 'StackInstancesGroup') ?? []) as {
    DeploymentTargets?: { OrganizationalUnitIds?: string[] };
    Regions?: string[];
  }[];
  const prefs = (prop(set[1], 'OperationPreferences') ?? {}) as {
    MaxConcurrentPercentage?: number;
    FailureTolerancePercentage?: number;
    RegionConcurrencyType?: string;
  };
  return {
    ous: [...new Set(groups.flatMap((g) => g.DeploymentTargets?.OrganizationalUnitIds ?? []))].sort(),
    regions: [...new Set(groups.flatMap((g) => g.Regions ?? []))].sort(),
    ...(prefs.MaxConcurrentPercentage !== undefined
      ? { maxConcurrentPercentage: prefs.MaxConcurrentPercentage }
      : {}),
    ...(prefs.FailureTolerancePercentage !== undefined
      ? { failureTolerancePercentage: prefs.FailureTolerancePercentage }
      : {}),
    ...(prefs.RegionConcurrencyType ? { regionConcurrency: prefs.RegionConcurrencyType } : {}),
    link: str(prop(set[1], 'TemplateBody')).includes('AWS::Oam::Link'),
  };
}

export function wantedBaseline(d: DesiredControlTower): BaselineModel {
  const b = d.baseline!;
  return {
    ous: d.workloadOus
      .map((o) => o.id)
      .filter((i): i is string => !!i)
      .sort(),
    regions: [...b.regions].sort(),
    maxConcurrentPercentage: b.maxConcurrentPercentage,
    failureTolerancePercentage: b.failureTolerancePercentage,
    regionConcurrency: b.regionConcurrency,
    link: d.observability !== undefined,
  };
}

export function liveMonitoring(stack: LiveStack | undefined): { sink: boolean; dashboard: boolean } {
  return {
    sink: resourcesOf(stack?.template, 'AWS::Oam::Sink').length > 0,
    dashboard: resourcesOf(stack?.template, 'AWS::CloudWatch::Dashboard').length > 0,
  };
}

// ---------------------------------------------------------------- differences in words

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function added<T>(before: readonly T[], after: readonly T[]): T[] {
  const b = new Set(before);
  return after.filter((x) => !b.has(x));
}

/** One phrase per difference between two governance models ([] when equal). */
export function governanceDifferences(
  live: GovernanceModel,
  wanted: GovernanceModel,
  ouName: (id: string) => string,
): string[] {
  const out: string[] = [];
  const lz = live.landingZone;
  const w = wanted.landingZone!;
  if (!lz) out.push(`landing zone ${w.version} created (30–45 min)`);
  else {
    if (lz.version !== w.version) out.push(`landing zone ${lz.version} → ${w.version} (30–45 min)`);
    const regionsAdded = added(lz.governedRegions, w.governedRegions);
    const regionsRemoved = added(w.governedRegions, lz.governedRegions);
    if (regionsAdded.length) out.push(`governed regions + ${regionsAdded.join(', ')}`);
    if (regionsRemoved.length) out.push(`governed regions - ${regionsRemoved.join(', ')}`);
    for (const [key, label] of [
      ['logArchiveAccount', 'log archive account'],
      ['auditAccount', 'audit account'],
      ['logRetentionDays', 'log retention days'],
      ['accessLogRetentionDays', 'access-log retention days'],
      ['accessManagement', 'access management'],
    ] as const)
      if (w[key] !== undefined && lz[key] !== w[key])
        out.push(`${label} ${String(lz[key])} → ${String(w[key])}`);
  }
  const rolesAdded = added(live.roles, wanted.roles);
  const rolesRemoved = added(wanted.roles, live.roles);
  if (rolesAdded.length) out.push(`${plural(rolesAdded.length, 'prerequisite role')} created`);
  if (rolesRemoved.length)
    out.push(`${plural(rolesRemoved.length, 'prerequisite role')} removed (${rolesRemoved.join(', ')})`);
  const baselinesAdded = added(live.baselines, wanted.baselines);
  const baselinesRemoved = added(wanted.baselines, live.baselines);
  if (baselinesAdded.length) out.push(`OU baseline added on ${baselinesAdded.map(ouName).join(', ')}`);
  if (baselinesRemoved.length)
    out.push(`OU baseline removed from ${baselinesRemoved.map(ouName).join(', ')}`);
  const control = (entry: string) => {
    const [ou = '', id = ''] = entry.split(' ');
    return `${id.split('/').at(-1)} on ${ouName(ou)}`;
  };
  const controlsAdded = added(live.controls, wanted.controls);
  const controlsRemoved = added(wanted.controls, live.controls);
  const listed = (entries: string[]) => (entries.length <= 3 ? `: ${entries.map(control).join(', ')}` : '');
  if (controlsAdded.length)
    out.push(`${plural(controlsAdded.length, 'control')} added${listed(controlsAdded)}`);
  if (controlsRemoved.length)
    out.push(`${plural(controlsRemoved.length, 'control')} removed${listed(controlsRemoved)}`);
  return out;
}

function baselineDifferences(
  live: BaselineModel,
  wanted: BaselineModel,
  ouName: (id: string) => string,
): string[] {
  const out: string[] = [];
  const ousAdded = added(live.ous, wanted.ous);
  const ousRemoved = added(wanted.ous, live.ous);
  if (ousAdded.length) out.push(`targets + ${ousAdded.map(ouName).join(', ')}`);
  if (ousRemoved.length) out.push(`targets - ${ousRemoved.map(ouName).join(', ')}`);
  const regionsAdded = added(live.regions, wanted.regions);
  const regionsRemoved = added(wanted.regions, live.regions);
  if (regionsAdded.length) out.push(`regions + ${regionsAdded.join(', ')}`);
  if (regionsRemoved.length) out.push(`regions - ${regionsRemoved.join(', ')}`);
  if (
    live.maxConcurrentPercentage !== wanted.maxConcurrentPercentage ||
    live.failureTolerancePercentage !== wanted.failureTolerancePercentage ||
    live.regionConcurrency !== wanted.regionConcurrency
  )
    out.push(
      `operation preferences ${wanted.maxConcurrentPercentage}% at once, ${wanted.failureTolerancePercentage}% may fail, regions ${wanted.regionConcurrency?.toLowerCase()}`,
    );
  if (live.link !== wanted.link)
    out.push(wanted.link ? 'observability link added' : 'observability link removed');
  return out;
}

// ---------------------------------------------------------------- the plan

const IN_PROGRESS = /_IN_PROGRESS$/;

/** A platform stack: created, updated (with what changes), in progress (drift) or nothing. */
function stackChange(
  kind: PlatformStackKind,
  live: LiveStack | undefined,
  payload: Omit<StackPayload, 'kind' | 'stack'>,
  describe: { create: string; differences: () => string[] },
  dependsOn: readonly string[],
  /** Whether the stack synthesised at read time equals the live one (undefined: not compared). */
  current?: boolean,
): Change | undefined {
  const stack = STACK_NAMES[kind];
  const where = `${payload.account.id ?? payload.account.name}, ${payload.region}`;
  const base = {
    section: SECTION_CONTROLTOWER,
    resourceType: 'stack',
    address: ADDRESS.stack(stack),
    payload: { kind, stack, ...payload } satisfies StackPayload,
    ...(dependsOn.length ? { dependsOn: [...dependsOn] } : {}),
  };
  const waits = payload.pending.length
    ? ` (waits for the organization section: ${payload.pending.join(', ')})`
    : '';
  if (!live)
    return { ...base, action: 'create', summary: `create ${stack} (${where}): ${describe.create}${waits}` };
  if (IN_PROGRESS.test(live.status))
    return {
      ...base,
      action: 'drift',
      summary: `${stack} (${where}) is ${live.status}: estate leaves it to finish; follow with \`estate ct status\``,
    };
  const differences = describe.differences();
  if (!isSettled(live.status))
    return {
      ...base,
      action: 'update',
      summary: `redeploy ${stack} (${where}), now ${live.status}${live.statusReason ? ` (${live.statusReason})` : ''}${differences.length ? `: ${differences.join('; ')}` : ''}${waits}`,
    };
  // The synthesised template is the truth when it was compared; what the plan itemises is the summary.
  if (current === true || (differences.length === 0 && payload.pending.length === 0 && current !== false))
    return undefined;
  if (differences.length === 0 && payload.pending.length === 0)
    differences.push(
      'its template changes in what the plan does not itemise (estate version, dashboard, policies)',
    );
  return {
    ...base,
    action: 'update',
    summary: `update ${stack} (${where}): ${differences.join('; ') || 'register what the organization section creates'}${waits}`,
  };
}

/** The roles decision (the prerequisite-roles trap) and, when it cannot be made, why. */
export function prerequisiteRoles(snapshot: ControlTowerSnapshot): { exist: boolean; problem?: string } {
  const held = new Set(liveGovernance(snapshot.governance).roles);
  const outside = snapshot.existingRoles.filter((r) => !held.has(r));
  // Roles the stack created exist too: only roles outside the stack count, or the next deploy deletes them.
  if (outside.length === PREREQUISITE_ROLES.length) return { exist: true };
  if (outside.length === 0) return { exist: false };
  const missing = PREREQUISITE_ROLES.filter((r) => !snapshot.existingRoles.includes(r));
  return {
    exist: false,
    problem: `the Control Tower service roles ${outside.join(', ')} exist outside ${GOVERNANCE_STACK} but ${missing.join(', ')} ${missing.length === 1 ? 'does' : 'do'} not: estate creates all four or none; create the missing ones under /service-role/ (or delete the others) and plan again`,
  };
}

/** What the phases of one plan share: the desired state, the snapshot, the notes they add. */
interface PlanRun {
  readonly config: EstateConfig;
  readonly d: DesiredControlTower;
  readonly snapshot: ControlTowerSnapshot;
  readonly notes: string[];
  readonly ouName: (id: string) => string;
}

const DISABLED_NOTE = `controlTower.enabled is false: the accounts are governed by the SCPs in policies only. Missing: ${GOVERNANCE_WITHOUT_CONTROL_TOWER.join('; ')}.`;

/**
 * The section's plan: the governance, monitoring and baseline stacks (each compared with the
 * live one), then the bootstraps their accounts need, placed before them.
 */
export function planControlTower(
  config: EstateConfig,
  d: DesiredControlTower | undefined,
  snapshot: ControlTowerSnapshot,
): ControlTowerPlan {
  if (!d)
    return { changes: [], notes: config.controlTower && !config.controlTower.enabled ? [DISABLED_NOTE] : [] };
  const run: PlanRun = {
    config,
    d,
    snapshot,
    notes: [],
    ouName: (id) => d.ous.find((o) => o.id === id)?.path ?? id,
  };
  const governance = planGovernance(run);
  const monitoring = planMonitoring(run);
  const baseline = planBaseline(run, monitoring);
  let changes = [governance, monitoring, ...baseline.changes].filter((c): c is Change => c !== undefined);
  const boots: Change[] = [];
  for (const [account, stacks] of [
    [d.management, [governance, baseline.stack]],
    [d.audit, [monitoring]],
  ] as const) {
    const boot = bootstrapChange(run, account, stacks);
    if (!boot) continue;
    boots.push(boot.change);
    changes = changes.map((c) =>
      boot.before.includes(c) ? { ...c, dependsOn: [boot.change.address, ...(c.dependsOn ?? [])] } : c,
    );
  }
  if (boots.length && !d.executionPolicies?.length)
    run.notes.push(
      `deployments.executionPolicies is not set: bootstrapping ${boots
        .map((b) => (b.payload as unknown as BootstrapPayload).account)
        .map((a) => a.id ?? a.name)
        .join(
          ' and ',
        )} will fail; set it to the managed policy ARNs the CloudFormation execution role may use.`,
    );
  if (
    [governance, monitoring, baseline.stack].some(
      (c) => c && (c.payload as Partial<StackPayload>).pending?.length,
    )
  )
    run.notes.push(
      'Control Tower stacks that name accounts or OUs the organization section creates in this apply are synthesised when those exist, with their ids.',
    );
  return { changes: [...boots, ...changes], notes: run.notes };
}

/** A governance line that is reported, never deployed. */
const governanceDrift = (summary: string, payload: Record<string, unknown>): Change => ({
  section: SECTION_CONTROLTOWER,
  action: 'drift',
  resourceType: 'stack',
  address: ADDRESS.stack(GOVERNANCE_STACK),
  summary,
  payload,
});

/**
 * estate-governance: refused beside a landing zone it does not hold, or when only some of the
 * prerequisite roles exist outside it; else compared with the live stack.
 */
function planGovernance(run: PlanRun): Change | undefined {
  const { config, d, snapshot, notes } = run;
  const roles = prerequisiteRoles(snapshot);
  const liveGov = liveGovernance(snapshot.governance);
  const foreign = snapshot.landingZones[0];
  if (foreign && !liveGov.landingZone) {
    notes.push(
      `The organisation already has a landing zone (${foreign}) that ${GOVERNANCE_STACK} does not hold; an organisation has one landing zone, so estate does not create another. Import it into ${GOVERNANCE_STACK} to let estate manage it, or set controlTower.enabled: false.`,
    );
    return governanceDrift(
      `refusing to create a second landing zone: ${foreign} exists and ${GOVERNANCE_STACK} did not create it`,
      { reason: 'foreign landing zone', landingZone: foreign },
    );
  }
  if (roles.problem)
    return governanceDrift(`${GOVERNANCE_STACK} is not deployed: ${roles.problem}`, {
      reason: 'prerequisite roles',
    });
  const landingZoneFirst =
    d.accessManagement && !snapshot.identityCenterBaselineArn && d.workloadOus.length > 0;
  const wanted = wantedGovernance(config, d, roles.exist);
  const governance = stackChange(
    'governance',
    snapshot.governance,
    {
      account: d.management,
      region: d.homeRegion,
      pending: governancePending(d),
      prerequisiteRolesExist: roles.exist,
      ...(landingZoneFirst ? { landingZoneFirst } : {}),
    },
    {
      create: [
        `landing zone ${d.version} (30–45 min)`,
        roles.exist
          ? 'the existing prerequisite roles'
          : `the ${PREREQUISITE_ROLES.length} prerequisite roles`,
        plural(d.workloadOus.length, 'OU baseline'),
        plural(d.controls.length, 'control'),
      ].join(', '),
      differences: () => governanceDifferences(liveGov, wanted, run.ouName),
    },
    [],
    snapshot.templatesCurrent?.governance,
  );
  if (governance && !snapshot.governance)
    notes.push(
      `Creating the landing zone takes 30–45 minutes; \`estate apply --no-wait\` starts it and returns, and \`estate ct status\` follows it.`,
    );
  if (governance && landingZoneFirst)
    notes.push(
      `Access management is on: ${GOVERNANCE_STACK} is deployed twice in this apply, the landing zone first, then the OU baselines with the Identity Center baseline it enables.`,
    );
  return governance;
}

/** estate-monitoring in the audit account, when observability is on. */
function planMonitoring(run: PlanRun): Change | undefined {
  const { d, snapshot } = run;
  const observability = d.observability;
  if (!observability) return undefined;
  const live = liveMonitoring(snapshot.monitoring);
  return stackChange(
    'monitoring',
    snapshot.monitoring,
    { account: d.audit, region: d.homeRegion, pending: monitoringPending(d) },
    {
      create: `observability sink for ${observability.resourceTypes.join(', ')}${observability.dashboard ? ', overview dashboard' : ''}`,
      differences: () => [
        ...(live.sink ? [] : ['observability sink added']),
        ...(live.dashboard === observability.dashboard
          ? []
          : [observability.dashboard ? 'overview dashboard added' : 'overview dashboard removed']),
      ],
    },
    [],
    snapshot.templatesCurrent?.monitoring,
  );
}

/**
 * estate-baseline, after StackSets' organisations access and the monitoring stack (its links
 * point at the sink); when the stack is unchanged, the drift of its instances instead.
 */
function planBaseline(run: PlanRun, monitoring: Change | undefined): { stack?: Change; changes: Change[] } {
  const { config, d, snapshot } = run;
  const b = d.baseline;
  if (!b) return { changes: [] };
  const access: Change | undefined =
    snapshot.organizationsAccess === 'ENABLED'
      ? undefined
      : {
          section: SECTION_CONTROLTOWER,
          action: 'create',
          resourceType: 'stacksets-access',
          address: ADDRESS.organizationsAccess,
          summary: `activate StackSets organisations access (${d.homeRegion}): service-managed StackSets deploy through Organizations`,
          payload: { region: d.homeRegion },
        };
  const liveSet = liveBaseline(snapshot.baselineStack);
  const wanted = wantedBaseline(d);
  const stack = stackChange(
    'baseline',
    snapshot.baselineStack,
    { account: d.management, region: d.homeRegion, pending: baselinePending(d) },
    {
      create: `StackSet estate-baseline on ${plural(d.workloadOus.length, 'workload OU')} in ${b.regions.join(', ')} (CDK bootstrap, ${b.deploymentRoleName} role${d.observability ? ', observability link' : ''}; ${b.maxConcurrentPercentage}% of accounts at once)`,
      differences: () =>
        liveSet ? baselineDifferences(liveSet, wanted, run.ouName) : ['the estate-baseline StackSet added'],
    },
    [
      ...(access ? [access.address] : []),
      ...(monitoring && monitoring.action !== 'drift' ? [monitoring.address] : []),
    ],
    snapshot.templatesCurrent?.baseline,
  );
  const changes = [
    ...(access && (stack || !snapshot.stackSet) ? [access] : []),
    ...(stack ? [stack] : []),
    ...(!stack && snapshot.stackSet ? instanceDrift(config, d, snapshot) : []),
  ];
  return { ...(stack ? { stack } : {}), changes };
}

/**
 * The bootstrap an account needs before the stacks deployed into it (none when none deploys
 * there, or its SSM version is new enough), and the stacks that must then wait for it.
 */
function bootstrapChange(
  run: PlanRun,
  account: AccountTarget,
  stacks: readonly (Change | undefined)[],
): { change: Change; before: readonly Change[] } | undefined {
  const { config, d, snapshot } = run;
  const before = stacks.filter((c): c is Change => !!c && c.action !== 'drift');
  if (before.length === 0) return undefined;
  const home = d.homeRegion;
  const version = account.id
    ? snapshot.bootstrap[placeKey({ accountId: account.id, region: home })]
    : undefined;
  if (version !== undefined && version !== null && version >= PLATFORM_BOOTSTRAP_VERSION) return undefined;
  const payload: BootstrapPayload = {
    account,
    region: home,
    qualifier: d.qualifier,
    trustedAccounts: trustedAccounts(config, d),
    executionPolicies: [...(d.executionPolicies ?? [])],
  };
  return {
    before,
    change: {
      section: SECTION_CONTROLTOWER,
      action: 'create',
      resourceType: 'bootstrap',
      address: ADDRESS.bootstrap(account, home),
      summary: `bootstrap ${account.id ?? account.name} in ${home} (qualifier ${d.qualifier})${version ? `: version ${version} is older than ${PLATFORM_BOOTSTRAP_VERSION}` : ''}`,
      payload: { ...payload },
    },
  };
}

/** The management account and deployments.trustedAccounts (ids, or estate names resolved at apply). */
function trustedAccounts(config: EstateConfig, d: DesiredControlTower): string[] {
  const listed = config.deployments?.trustedAccounts ?? [];
  return [...new Set([...(d.management.id ? [d.management.id] : []), ...listed])];
}

/**
 * Accounts in the workload OUs without a CURRENT instance of the baseline in every baseline
 * region: one drift line per account. The management account never has one (service-managed
 * StackSets do not deploy there).
 */
function instanceDrift(
  config: EstateConfig,
  d: DesiredControlTower,
  snapshot: ControlTowerSnapshot,
): Change[] {
  const ous = new Set(d.workloadOus.map((o) => o.path));
  const byAccount = new Map<string, typeof snapshot.instances>();
  for (const i of snapshot.instances) byAccount.set(i.accountId, [...(byAccount.get(i.accountId) ?? []), i]);
  const out: Change[] = [];
  for (const account of config.accounts) {
    if (!ous.has(account.ou)) continue;
    const accountId = d.accountIds[account.name];
    if (!accountId || accountId === d.management.id) continue;
    const instances = byAccount.get(accountId) ?? [];
    const problems: string[] = [];
    const missing = d.baseline!.regions.filter((r) => !instances.some((i) => i.region === r));
    if (missing.length) problems.push(`no instance in ${missing.join(', ')}`);
    for (const i of instances)
      if (i.status === 'OUTDATED' || i.status === 'INOPERABLE')
        problems.push(
          `${i.status} in ${i.region}${i.detailedStatus ? ` (${i.detailedStatus}${i.statusReason ? `: ${i.statusReason}` : ''})` : ''}`,
        );
    if (problems.length === 0) continue;
    out.push({
      section: SECTION_CONTROLTOWER,
      action: 'drift',
      resourceType: 'baseline-instances',
      address: ADDRESS.instances(account.name),
      summary: `estate-baseline for ${account.name} (${accountId}): ${problems.join('; ')}`,
      payload: { account: account.name, accountId, missing, reason: problems.join('; ') },
    });
  }
  return out;
}
