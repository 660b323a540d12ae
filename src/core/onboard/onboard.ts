/**
 * `estate account onboard <name>`: a new developer's account, budget, access and first
 * environment in one run that is safe to repeat. The steps run in order; each first looks at
 * what is already there and reports `already` instead of doing it again, so a run that failed
 * at step N leaves steps 1..N-1 in place and the next run continues from N.
 *
 * 1. config       the account and its environment in estate.yaml (comments kept)
 * 2. account      the organisation engine, scoped to this account: create, place in its OU, tag
 * 3. enrolment    Control Tower enrolment (auto-enrolment of a registered OU), polled
 * 4. budget       the budgets engine, scoped to this account
 * 5. access       Identity Center: principal, permission set (created, provisioned), assignment
 * 6. bootstrap    CDK bootstrap: the baseline StackSet's instance, or directly by the deploy
 * 7. environment  the first environment, deployed with its TTL
 *
 * With `recycle` (`--recycle <old>`), an account offboarded earlier (in the suspended OU,
 * tagged estate:recycled, in AWS and in estate.yaml) is handed to the developer instead of a
 * new one being created. AWS Organizations cannot rename an account or change its root
 * e-mail, so the account keeps both in AWS; estate.yaml's entry changes hands (the new name,
 * owner and OU, `id` the account's id: see handOverText in src/config/write-back.ts), and the
 * organisation engine, which matches accounts by id (else root e-mail), moves the account back
 * to the developer OU and retags it (owner; estate:recycled gone) instead of creating one. The
 * old name's budget goes with the budget step; the other steps run as for a new account.
 *
 * The engine knows only ports: the composition root hands it the config store, the sections of
 * plan/apply, Identity Center, enrolment, the bootstrap reader and the environment deployer.
 */
import type { EstateConfig } from '../../config/schema.js';
import { EstateError, userError } from '../../errors.js';
import { ioMessage, type IoHost, type Task } from '../io.js';
import type { PlanSection } from '../plan/section.js';
import type { Change } from '../plan/types.js';
import type { EnrolmentState } from '../controltower/enrolment.js';
import type { IdentityCenterPort, PermissionSetSpec, Principal } from './ports.js';
import { RECYCLED_FROM_TAG, RECYCLED_TAG } from '../../config/onboarding.js';
import { accountBudgetName } from '../budgets/desired.js';
import { workloadOus } from '../../config/workload-ous.js';
import type { OrgSectionSnapshot } from '../org/section.js';
import { planEstate } from '../plan/engine.js';
import {
  applyScoped as applySectionsScoped,
  newRun,
  scopedOf,
  notReached,
  runStep,
  type StepOutcome,
  type StepRun,
} from './scoped.js';

export const ONBOARD_STEPS = [
  'config',
  'account',
  'enrolment',
  'budget',
  'access',
  'bootstrap',
  'environment',
] as const;
export type OnboardStep = (typeof ONBOARD_STEPS)[number];

/**
 * done: this run did it; already: it was in place; planned: a dry run would do it; skipped: it
 * does not apply (no landing zone, --no-config-write); failed; not-reached: after a failure.
 */
export type StepStatus = 'done' | 'already' | 'planned' | 'skipped' | 'failed' | 'not-reached';

export interface StepReport {
  readonly step: OnboardStep;
  readonly status: StepStatus;
  readonly detail: string;
  readonly elapsedMs: number;
}

export const ONBOARD_IO = {
  STEP: 'ESTATE_I0800',
  WAITING: 'ESTATE_I0801',
  FAILED: 'ESTATE_E0802',
} as const;

export interface OnboardRequest {
  readonly name: string;
  readonly email: string;
  readonly owner: string;
  /** Monthly USD; default: the onboarding settings' (the developer kind's). */
  readonly budgetUsd?: number;
  /** Who the budget alerts go to: the developer and the platform team. */
  readonly alertEmails?: readonly string[];
  readonly principal:
    { readonly kind: 'user'; readonly email: string } | { readonly kind: 'group'; readonly name: string };
  /** The permission set, with its spec (created when absent). */
  readonly permissionSet: PermissionSetSpec;
  /** The OU path the account goes to. */
  readonly ou: string;
  readonly environment: {
    readonly name: string;
    readonly blueprints: readonly string[];
    readonly ttl: string;
  };
  /** False: estate.yaml must already declare the account and environment. */
  readonly configWrite: boolean;
  readonly dryRun: boolean;
  /** Hand this offboarded account (its estate.yaml name) to the developer instead of creating one. */
  readonly recycle?: { readonly from: string; readonly suspendedOu: string };
}

/** Writes (or, on a dry run, only checks) the account and environment into estate.yaml. */
export interface ConfigStore {
  /** The config as last read. */
  current(): EstateConfig;
  /** Adds what is missing; returns whether the file changed, and the config read back. */
  addDeveloper(request: OnboardRequest, write: boolean): Promise<{ changed: boolean; config: EstateConfig }>;
  /**
   * onboard --recycle: the offboarded account's entry handed to the developer (handOverText),
   * with the account's id; the environment added. Absent: this store cannot recycle.
   */
  handOver?(
    request: OnboardRequest,
    accountId: string,
    write: boolean,
  ): Promise<{ changed: boolean; config: EstateConfig }>;
}

/** What the first environment's deploy reports back. */
export interface DeployedEnvironment {
  readonly status: 'deployed' | 'unchanged' | 'failed';
  readonly reason?: string;
  /** Site, API, user pool... as `env deploy` prints them. */
  readonly endpoints: Readonly<Record<string, string>>;
  readonly expiresAt?: string;
}

export type { EnrolmentState } from '../controltower/enrolment.js';

/** What of the Control Tower section exists in AWS. */
export interface Governance {
  /** ListLandingZones has one. */
  readonly landingZone: boolean;
  /** DescribeStackSet estate-baseline is ACTIVE. */
  readonly baselineStackSet: boolean;
}

export interface OnboardDeps {
  readonly config: ConfigStore;
  /** The plan/apply sections (organization, policies, budgets, ...) for a config. */
  readonly sections: (config: EstateConfig) => Promise<readonly PlanSection<unknown>[]>;
  readonly identityCenter: IdentityCenterPort;
  /** Control Tower enrolment of an account (ListEnabledBaselines' child baseline). */
  readonly enrolment?: (accountId: string) => Promise<{ state: EnrolmentState; reason?: string }>;
  /**
   * Whether the landing zone and the estate-baseline StackSet exist yet. Without it the
   * enrolment and StackSet bootstrap waits assume they do; with it, onboarding before
   * `estate apply --section controltower` skips both waits instead of waiting out their timeouts.
   */
  readonly governance?: () => Promise<Governance>;
  /** SSM /cdk-bootstrap/<qualifier>/version in the account's home region; undefined when absent. */
  readonly bootstrapVersion: (accountId: string) => Promise<number | undefined>;
  /** Deploys the environment; `unchanged` when it already matched. */
  readonly deployEnvironment: (config: EstateConfig, environment: string) => Promise<DeployedEnvironment>;
  readonly io: IoHost;
  readonly now?: () => Date;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Waits for enrolment and a StackSet bootstrap. @default 60 min and 30 min */
  readonly enrolmentTimeoutMs?: number;
  readonly bootstrapTimeoutMs?: number;
  readonly pollMs?: number;
}

export interface Welcome {
  readonly accountId: string;
  readonly accountName: string;
  /** onboard --recycle: the account's old name, which AWS still shows (Organizations cannot rename it). */
  readonly recycledFrom?: string;
  readonly portalUrl?: string;
  /** An ~/.aws/config profile for the developer (IAM Identity Center sign-in). */
  readonly profileSnippet?: string;
  readonly environment: string;
  readonly endpoints: Readonly<Record<string, string>>;
  readonly budgetUsd?: number;
  readonly expiresAt?: string;
  readonly commands: readonly string[];
}

export interface OnboardResult {
  readonly ok: boolean;
  readonly dryRun: boolean;
  readonly steps: readonly StepReport[];
  /** Present when every step reached its end. */
  readonly welcome?: Welcome;
}

/** What the steps share. */
interface OnboardRun extends StepRun<OnboardDeps, OnboardRequest> {
  governance?: Promise<Governance>;
  portalUrl?: string;
  endpoints: Readonly<Record<string, string>>;
  expiresAt?: string;
}

type StepRunner = (run: OnboardRun, task: Task) => Promise<StepOutcome>;

const RUNNERS: Readonly<Record<OnboardStep, StepRunner>> = {
  config: configStep,
  account: accountStep,
  enrolment: enrolmentStep,
  budget: budgetStep,
  access: accessStep,
  bootstrap: bootstrapStep,
  environment: environmentStep,
};

const TITLES: Readonly<Record<OnboardStep, string>> = {
  config: 'estate.yaml',
  account: 'account',
  enrolment: 'Control Tower enrolment',
  budget: 'budget and alerts',
  access: 'IAM Identity Center access',
  bootstrap: 'CDK bootstrap',
  environment: 'first environment',
};

export async function onboardDeveloper(deps: OnboardDeps, request: OnboardRequest): Promise<OnboardResult> {
  const run: OnboardRun = { ...newRun(deps, request), endpoints: {} };
  const steps: StepReport[] = [];
  let failed = false;
  for (const step of ONBOARD_STEPS) {
    if (failed) {
      steps.push(notReached(step));
      continue;
    }
    const report = await runOnboardStep(run, step);
    steps.push(report);
    failed = report.status === 'failed';
    // A dry run cannot look past a step that would create what later steps read (a recycled
    // account exists: its move is planned against the config the hand-over would write).
    const creates = step === 'account' || (step === 'config' && !request.recycle);
    if (request.dryRun && report.status === 'planned' && creates) {
      for (const rest of ONBOARD_STEPS.slice(ONBOARD_STEPS.indexOf(step) + 1))
        steps.push({ step: rest, status: 'planned', detail: plannedDetail(run, rest), elapsedMs: 0 });
      break;
    }
  }
  const ok = steps.every((s) => s.status !== 'failed');
  return {
    ok,
    dryRun: request.dryRun,
    steps,
    ...(ok && !request.dryRun && run.accountId ? { welcome: welcomeOf(run) } : {}),
  };
}

function runOnboardStep(run: OnboardRun, step: OnboardStep): Promise<StepReport> {
  const id = { id: step, prefix: 'onboard', title: TITLES[step], failedCode: ONBOARD_IO.FAILED };
  return runStep(run, id, (task) => RUNNERS[step](run, task));
}

// ---------------------------------------------------------------- 1. config

async function configStep(run: OnboardRun): Promise<StepOutcome> {
  const { request } = run;
  if (request.recycle) return recycleConfigStep(run, request.recycle);
  if (!request.configWrite) {
    const account = run.config.accounts.find((a) => a.name === request.name);
    const env = run.config.environments.find((e) => e.name === request.environment.name);
    if (!account || !env)
      throw userError(
        'NotInConfig',
        `--no-config-write: estate.yaml does not declare ${!account ? `the account ${request.name}` : `the environment ${request.environment.name}`}`,
        ['add it to estate.yaml, or run without --no-config-write to let estate add it'],
      );
    return { status: 'skipped', detail: 'not written (--no-config-write); estate.yaml declares both' };
  }
  const { changed, config } = await run.deps.config.addDeveloper(request, !request.dryRun);
  run.config = config;
  const what = `account ${request.name} (OU ${request.ou}) and environment ${request.environment.name}`;
  if (!changed) return { status: 'already', detail: `estate.yaml already declares the ${what}` };
  return request.dryRun
    ? { status: 'planned', detail: `would add the ${what} to estate.yaml` }
    : { status: 'done', detail: `added the ${what} to estate.yaml` };
}

/**
 * onboard --recycle: while estate.yaml still names the old account, the account must be
 * offboarded in AWS too (in the suspended OU, tagged estate:recycled), then its entry is
 * handed over; once handed over (the old name gone), the step only adds what is missing.
 */
async function recycleConfigStep(
  run: OnboardRun,
  recycle: NonNullable<OnboardRequest['recycle']>,
): Promise<StepOutcome> {
  const { request } = run;
  const { from } = recycle;
  const declared = run.config.accounts.find((a) => a.name === from);
  const handed = run.config.accounts.find((a) => a.name === request.name);
  let accountId = handed?.tags?.[RECYCLED_FROM_TAG] === from ? handed.id : undefined;
  if (declared) accountId = (await offboardedAccount(run, recycle)).id;
  if (!accountId)
    throw userError(
      'RecycleUnknownAccount',
      `--recycle ${from}: estate.yaml declares no account "${from}"${handed ? ` and ${request.name} was not handed over from it` : ''}`,
      ['pass the estate.yaml name of an offboarded account (estate account offboard <name> parks one)'],
    );
  if (!request.configWrite) {
    if (declared || !run.config.environments.some((e) => e.name === request.environment.name))
      throw userError(
        'NotInConfig',
        `--no-config-write with --recycle ${from}: estate.yaml does not hand ${from} to ${request.name} yet (accounts[].name ${request.name}, id ${accountId}, tag ${RECYCLED_FROM_TAG}: ${from}) with the environment ${request.environment.name}`,
        ['run without --no-config-write to let estate write it'],
      );
    run.accountId = accountId;
    return { status: 'skipped', detail: 'not written (--no-config-write); estate.yaml hands it over' };
  }
  const store = run.deps.config;
  if (!store.handOver)
    throw new EstateError('this estate.yaml store cannot hand accounts over (--recycle)', {
      code: 'RecycleUnsupported',
      source: 'internal',
    });
  const { changed, config } = await store.handOver(request, accountId, !request.dryRun);
  run.config = config;
  run.accountId = accountId;
  const what = `account ${from} (${accountId}) to ${request.name} (OU ${request.ou}, owner ${request.owner}) with environment ${request.environment.name}`;
  if (!changed) return { status: 'already', detail: `estate.yaml already hands ${what}` };
  return request.dryRun
    ? { status: 'planned', detail: `would hand ${what} in estate.yaml` }
    : { status: 'done', detail: `handed ${what} in estate.yaml` };
}

/** The old account as the organisation has it, refused unless offboarded (suspended OU, tag). */
async function offboardedAccount(
  run: OnboardRun,
  { from, suspendedOu }: NonNullable<OnboardRequest['recycle']>,
): Promise<{ id: string }> {
  const sections = await run.deps.sections(run.config);
  const planned = await planEstate(run.config, sections, {
    offline: false,
    scope: { sections: ['organization'], accounts: [from] },
    now: run.now,
  });
  const id = planned.outputs.accountIds.get(from);
  const snapshot = planned.snapshots.get('organization') as OrgSectionSnapshot | undefined;
  const live = id ? snapshot?.org.accounts.find((a) => a.id === id) : undefined;
  const offboard = `offboard it first: estate account offboard ${from} (then run this again)`;
  if (!id || !live)
    throw userError(
      'RecycleNotInOrganization',
      `--recycle ${from}: the organisation has no account for ${from} (matched by accounts[].id, else its root e-mail)`,
      ['check the name, or onboard without --recycle to create a new account'],
    );
  if (live.status !== 'ACTIVE')
    throw userError(
      'RecycleClosed',
      `--recycle ${from}: account ${id} is ${live.status}; a closed account cannot be handed on`,
      ['onboard without --recycle to create a new account'],
    );
  const problems = [
    ...(live.ouPath === suspendedOu ? [] : [`it is in ${live.ouPath || 'Root'}, not in ${suspendedOu}`]),
    ...(live.tags[RECYCLED_TAG] !== undefined ? [] : [`it is not tagged ${RECYCLED_TAG}`]),
  ];
  if (problems.length)
    throw userError(
      'RecycleNotOffboarded',
      `--recycle ${from}: account ${id} is not offboarded: ${problems.join(' and ')}`,
      [offboard, 'or onboard without --recycle to create a new account'],
    );
  return { id };
}

// ---------------------------------------------------------------- 2. account and 4. budget

/** Plans the sections, scoped to this account, and applies what they would change. */
async function applyScoped(
  run: OnboardRun,
  sectionNames: readonly string[],
  also?: (change: Change) => boolean,
): Promise<{ changes: Change[]; accountId?: string }> {
  const { changes, accountId, results } = await applySectionsScoped(
    scopedOf(run, 'OnboardApplyFailed'),
    sectionNames,
    also,
  );
  // The organisation engine's account change (address account:<name>) outputs the new id.
  const id = accountId ?? results.find((r) => r.address === `account:${run.request.name}`)?.outputs?.id;
  return { changes, ...(id ? { accountId: id } : {}) };
}

const listed = (changes: readonly Change[]) => changes.map((c) => c.summary).join('; ');

async function accountStep(run: OnboardRun): Promise<StepOutcome> {
  const { changes, accountId } = await applyScoped(run, ['organization', 'policies']);
  if (accountId) run.accountId = accountId;
  if (changes.length === 0)
    return { status: 'already', detail: `account ${run.request.name} exists (${accountId})` };
  if (run.request.dryRun) return { status: 'planned', detail: listed(changes) };
  if (!run.accountId)
    throw new EstateError(`the organisation engine did not report the id of ${run.request.name}`, {
      code: 'OnboardNoAccountId',
      source: 'internal',
    });
  return { status: 'done', detail: `${listed(changes)} (${run.accountId})` };
}

async function budgetStep(run: OnboardRun): Promise<StepOutcome> {
  // A recycled account's budget under its old name goes: it would alert the developer who left.
  const from = run.request.recycle?.from;
  const oldBudget = from ? accountBudgetName(from) : undefined;
  const { changes } = await applyScoped(
    run,
    ['budgets'],
    oldBudget
      ? (c) => c.action === 'delete' && c.resourceType === 'budget' && c.payload.name === oldBudget
      : undefined,
  );
  if (changes.length === 0) return { status: 'already', detail: 'the budget and its alerts are in place' };
  return run.request.dryRun
    ? { status: 'planned', detail: listed(changes) }
    : { status: 'done', detail: listed(changes) };
}

// ---------------------------------------------------------------- 3. enrolment

/** Registered with the landing zone's baseline, as the Control Tower section registers OUs. */
const isWorkloadOu = (config: EstateConfig, ou: string): boolean =>
  Boolean(config.controlTower?.enabled) && workloadOus(config).includes(ou);

async function enrolmentStep(run: OnboardRun, task: Task): Promise<StepOutcome> {
  const { config, request } = run;
  if (!config.controlTower?.enabled)
    return { status: 'skipped', detail: 'no Control Tower landing zone in estate.yaml' };
  if (!isWorkloadOu(config, request.ou))
    return { status: 'skipped', detail: `OU ${request.ou} is not registered with Control Tower` };
  if (!run.deps.enrolment) return { status: 'skipped', detail: 'enrolment cannot be read here' };
  if (request.dryRun && !run.accountId)
    return { status: 'planned', detail: 'wait for Control Tower enrolment' };
  const accountId = requireAccount(run);
  if (!(await governanceOf(run)).landingZone)
    return {
      status: request.dryRun ? 'planned' : 'skipped',
      detail: `no landing zone yet: \`${CREATE_LANDING_ZONE}\` creates it and enrols the account's OU`,
    };
  const enrolled = async () => {
    const { state, reason } = await run.deps.enrolment!(accountId);
    if (state === 'failed')
      throw new EstateError(`Control Tower could not enrol ${accountId}: ${reason ?? 'no reason given'}`, {
        code: 'EnrolmentFailed',
        source: 'aws',
        suggestions: [
          'see `estate ct status`; fix the cause, then re-register the OU or move the account again',
        ],
      });
    return state === 'enrolled';
  };
  // A dry run looks once and never waits.
  if (request.dryRun)
    return (await enrolled())
      ? { status: 'already', detail: 'enrolled in Control Tower' }
      : { status: 'planned', detail: 'wait for Control Tower enrolment' };
  return waitFor(run, task, {
    what: `enrolment of ${accountId} in Control Tower`,
    timeoutMs: run.deps.enrolmentTimeoutMs ?? 60 * 60_000,
    check: enrolled,
    already: 'enrolled in Control Tower',
    done: 'enrolled in Control Tower',
  });
}

// ---------------------------------------------------------------- 5. access

async function accessStep(run: OnboardRun): Promise<StepOutcome> {
  const ic = run.deps.identityCenter;
  const { request } = run;
  const instance = await ic.instance();
  if (!instance)
    throw userError('NoIdentityCenter', 'IAM Identity Center is not enabled in this organisation', [
      'enable it (Control Tower does when controlTower.accessManagement is on), then run onboard again',
    ]);
  run.portalUrl = instance.portalUrl;
  const principal = await principalOf(ic, instance.identityStoreId, request);
  const accountId = run.accountId;
  const existing = (await ic.permissionSets(instance.instanceArn)).find(
    (p) => p.name === request.permissionSet.name,
  );
  if (request.dryRun && !accountId)
    return { status: 'planned', detail: `assign ${request.permissionSet.name} to ${principalText(request)}` };
  const steps: string[] = [];
  let arn = existing?.arn;
  if (!arn) {
    if (request.dryRun)
      return {
        status: 'planned',
        detail: `create permission set ${request.permissionSet.name} and assign it to ${principalText(request)}`,
      };
    arn = await ic.createPermissionSet(instance.instanceArn, request.permissionSet);
    steps.push(`created permission set ${request.permissionSet.name}`);
  }
  const target = requireAccount(run);
  const assigned = (await ic.assignments(instance.instanceArn, target, arn)).some(
    (a) => a.principal.type === principal.type && a.principal.id === principal.id,
  );
  if (assigned && steps.length === 0)
    return {
      status: 'already',
      detail: `${principalText(request)} has ${request.permissionSet.name} in ${target}`,
    };
  if (request.dryRun)
    return {
      status: 'planned',
      detail: `assign ${request.permissionSet.name} to ${principalText(request)} in ${target}`,
    };
  if (!(await ic.isProvisioned(instance.instanceArn, arn, target))) {
    await ic.provisionPermissionSet(instance.instanceArn, arn, target);
    steps.push(`provisioned it to ${target}`);
  }
  if (!assigned) {
    await ic.createAssignment(instance.instanceArn, { accountId: target, permissionSetArn: arn, principal });
    steps.push(`assigned it to ${principalText(request)}`);
  }
  return { status: 'done', detail: steps.join(', ') };
}

async function principalOf(
  ic: IdentityCenterPort,
  storeId: string,
  request: OnboardRequest,
): Promise<Principal> {
  const p = request.principal;
  const id =
    p.kind === 'user' ? await ic.userByEmail(storeId, p.email) : await ic.groupByName(storeId, p.name);
  if (!id)
    throw userError(
      'NoSuchPrincipal',
      p.kind === 'user'
        ? `--sso-user ${p.email}: no Identity Center user has this e-mail`
        : `--sso-group ${p.name}: no Identity Center group has this name`,
      [
        'create the user or group in IAM Identity Center first (or in your identity provider, synchronised by SCIM)',
      ],
    );
  return { type: p.kind === 'user' ? 'USER' : 'GROUP', id };
}

const principalText = (request: OnboardRequest) =>
  request.principal.kind === 'user' ? `user ${request.principal.email}` : `group ${request.principal.name}`;

// ---------------------------------------------------------------- 6. bootstrap and 7. environment

async function bootstrapStep(run: OnboardRun, task: Task): Promise<StepOutcome> {
  if (run.request.dryRun && !run.accountId) return { status: 'planned', detail: 'bootstrap the new account' };
  const accountId = requireAccount(run);
  const version = await run.deps.bootstrapVersion(accountId);
  if (version !== undefined) return { status: 'already', detail: `bootstrapped (version ${version})` };
  const baseline = run.config.controlTower?.enabled && run.config.controlTower.baseline.enabled;
  if (!baseline || !isWorkloadOu(run.config, run.request.ou))
    return {
      status: run.request.dryRun ? 'planned' : 'skipped',
      detail: 'not bootstrapped yet: the environment deploy bootstraps it directly',
    };
  if (!(await governanceOf(run)).baselineStackSet)
    return {
      status: run.request.dryRun ? 'planned' : 'skipped',
      detail: `no estate-baseline StackSet yet (\`${CREATE_LANDING_ZONE}\`): the environment deploy bootstraps it directly`,
    };
  if (run.request.dryRun)
    return { status: 'planned', detail: 'wait for the estate-baseline StackSet instance' };
  return waitFor(run, task, {
    what: `the estate-baseline StackSet to bootstrap ${accountId}`,
    timeoutMs: run.deps.bootstrapTimeoutMs ?? 30 * 60_000,
    check: async () => (await run.deps.bootstrapVersion(accountId)) !== undefined,
    already: 'bootstrapped',
    done: 'bootstrapped by the estate-baseline StackSet',
  });
}

async function environmentStep(run: OnboardRun): Promise<StepOutcome> {
  const env = run.request.environment;
  if (run.request.dryRun)
    return { status: 'planned', detail: `deploy ${env.name} (${env.blueprints.join(', ')}; ttl ${env.ttl})` };
  const result = await run.deps.deployEnvironment(run.config, env.name);
  run.endpoints = result.endpoints;
  if (result.expiresAt) run.expiresAt = result.expiresAt;
  if (result.status === 'failed')
    throw new EstateError(`${env.name} did not deploy: ${result.reason ?? 'see the stack report above'}`, {
      code: 'OnboardDeployFailed',
      source: 'aws',
      suggestions: ['fix the cause and run the same command again: it continues from this step'],
    });
  return result.status === 'unchanged'
    ? { status: 'already', detail: `${env.name} is deployed and unchanged` }
    : {
        status: 'done',
        detail: `${env.name} deployed${result.expiresAt ? `, expires ${result.expiresAt}` : ''}`,
      };
}

// ---------------------------------------------------------------- helpers

function requireAccount(run: OnboardRun): string {
  if (run.accountId) return run.accountId;
  const id = run.config.accounts.find((a) => a.name === run.request.name)?.id;
  if (id) return (run.accountId = id);
  throw new EstateError(`the id of account ${run.request.name} is not known yet`, {
    code: 'OnboardNoAccountId',
    source: 'internal',
  });
}

const CREATE_LANDING_ZONE = 'estate apply --section controltower';

/** Read once per run: the landing zone does not appear while onboarding runs. */
function governanceOf(run: OnboardRun): Promise<Governance> {
  run.governance ??=
    run.deps.governance?.() ?? Promise.resolve({ landingZone: true, baselineStackSet: true });
  return run.governance;
}

/** Polls `check` until it holds or the time is up; the task shows what it waits for and for how long. */
async function waitFor(
  run: OnboardRun,
  task: Task,
  w: { what: string; timeoutMs: number; check: () => Promise<boolean>; already: string; done: string },
): Promise<StepOutcome> {
  const started = run.now().getTime();
  if (await w.check()) return { status: 'already', detail: w.already };
  const poll = run.deps.pollMs ?? 15_000;
  for (;;) {
    const elapsed = run.now().getTime() - started;
    if (elapsed >= w.timeoutMs)
      throw new EstateError(`gave up waiting for ${w.what} after ${minutes(elapsed)}`, {
        code: 'OnboardWaitTimeout',
        source: 'aws',
        suggestions: ['run the same command again later: it continues from this step'],
      });
    await task.update(`waiting for ${w.what} (${minutes(elapsed)})`);
    await run.deps.io.notify(
      ioMessage('info', ONBOARD_IO.WAITING, `waiting for ${w.what}`, { elapsedMs: elapsed }),
    );
    await run.sleep(poll);
    if (await w.check())
      return { status: 'done', detail: `${w.done} after ${minutes(run.now().getTime() - started)}` };
  }
}

const minutes = (ms: number) =>
  ms < 60_000 ? `${Math.round(ms / 1000)}s` : `${Math.round(ms / 60_000)} min`;

function plannedDetail(run: OnboardRun, step: OnboardStep): string {
  const r = run.request;
  switch (step) {
    case 'account':
      return r.recycle
        ? `move account ${r.recycle.from}${run.accountId ? ` (${run.accountId})` : ''} from ${r.recycle.suspendedOu} to ${r.ou} and retag it for ${r.name}`
        : `create account ${r.name} in OU ${r.ou}`;
    case 'enrolment':
      return isWorkloadOu(run.config, r.ou)
        ? 'wait for Control Tower enrolment'
        : 'no enrolment (OU not registered)';
    case 'budget':
      return `budget ${r.budgetUsd !== undefined ? `${r.budgetUsd} USD a month` : 'from the developer kind'} with alerts`;
    case 'access':
      return `assign ${r.permissionSet.name} to ${principalText(r)}`;
    case 'bootstrap':
      return r.recycle ? 'check the CDK bootstrap of the recycled account' : 'bootstrap the new account';
    case 'environment':
      return `deploy ${r.environment.name} (${r.environment.blueprints.join(', ')}; ttl ${r.environment.ttl})`;
    default:
      return '';
  }
}

function welcomeOf(run: OnboardRun): Welcome {
  const { request, config } = run;
  const accountId = run.accountId!;
  const region = config.organization.homeRegion;
  const budgetUsd = request.budgetUsd;
  return {
    accountId,
    accountName: request.name,
    ...(request.recycle ? { recycledFrom: request.recycle.from } : {}),
    ...(run.portalUrl ? { portalUrl: run.portalUrl } : {}),
    ...(run.portalUrl
      ? {
          profileSnippet: [
            `[profile ${request.name}]`,
            'sso_session = estate',
            `sso_account_id = ${accountId}`,
            `sso_role_name = ${request.permissionSet.name}`,
            `region = ${region}`,
            '',
            '[sso-session estate]',
            `sso_start_url = ${run.portalUrl}`,
            `sso_region = ${region}`,
            'sso_registration_scopes = sso:account:access',
          ].join('\n'),
        }
      : {}),
    environment: request.environment.name,
    endpoints: run.endpoints,
    ...(budgetUsd !== undefined ? { budgetUsd } : {}),
    ...(run.expiresAt ? { expiresAt: run.expiresAt } : {}),
    commands: [
      `estate env extend ${request.environment.name} --by 24h`,
      `estate env destroy ${request.environment.name}`,
      `aws sso login --profile ${request.name}`,
    ],
  };
}
