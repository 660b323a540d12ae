/**
 * `estate account offboard <name>`: a developer leaves; their account is emptied, locked and
 * parked for the next developer (`estate account onboard <new> --recycle <name>` looks for the
 * estate:recycled tag and the suspended OU). Same shape
 * as onboarding: each step first looks at what is in place, so a re-run does nothing and a run
 * that failed at step N continues from N.
 *
 * 1. environments  the account's environments destroyed by the env engine (protected ones refused),
 *                  then any left whose stacks are in the account but not declared there (found
 *                  by their estate:env tag, as the reaper finds orphans; reap-undeclared.ts)
 * 2. access        every IAM Identity Center assignment in the account deleted
 * 3. config        the account recycled in estate.yaml: tag estate:recycled, `ou` the suspended
 *                  OU (declared with a deny-all SCP), its environments taken out
 * 4. budget        the budgets engine, scoped to the account: the deny action goes (a recycled
 *                  account keeps its budget, not its action); before the move, because the
 *                  deny-all SCP would stop a budget that lives in the member account
 * 5. organisation  the organisation engine, scoped to the account: the suspended OU, its deny-all
 *                  SCP, the move and the tag
 * 6. close         only when asked: CloseAccount, polled until SUSPENDED
 */
import type { EstateConfig } from '../../config/schema.js';
import { EstateError, userError } from '../../errors.js';
import { ioMessage, type IoHost, type Task } from '../io.js';
import { planEstate } from '../plan/engine.js';
import type { PlanSection } from '../plan/section.js';
import type { StepReport as OnboardStepReport } from './onboard.js';
import type { AccountClosurePort, IdentityCenterPort } from './ports.js';
import {
  applyScoped,
  newRun,
  notReached,
  scopedOf,
  runStep,
  type StepOutcome,
  type StepRun,
} from './scoped.js';

export const OFFBOARD_STEPS = [
  'environments',
  'access',
  'config',
  'budget',
  'organisation',
  'close',
] as const;
export type OffboardStep = (typeof OFFBOARD_STEPS)[number];

export type OffboardStepReport = Omit<OnboardStepReport, 'step'> & { readonly step: OffboardStep };

export const OFFBOARD_IO = {
  STEP: 'ESTATE_I0810',
  WAITING: 'ESTATE_I0811',
  CLOSE_WARNING: 'ESTATE_W0812',
  FAILED: 'ESTATE_E0813',
} as const;

/** What AWS says about closing accounts (CloseAccount API reference), shown before a closure. */
export const CLOSE_WARNINGS: readonly string[] = [
  'AWS Organizations lets you close only 10% of the member accounts (at least 10, at most 1000) in a rolling 30-day period',
  'a closed account stays SUSPENDED for 90 days: AWS Support can reopen it then; after that it is gone for good and its resources are deleted',
];

export interface OffboardRequest {
  readonly name: string;
  /** Where offboarded accounts go (onboarding.suspendedOu). */
  readonly suspendedOu: string;
  /** False: estate.yaml must already mark the account recycled. */
  readonly configWrite: boolean;
  /** Close the account after it is parked (the command has the typed confirmation). */
  readonly close: boolean;
  readonly dryRun: boolean;
}

/** The env engine's destroy, as offboarding needs it. */
export interface DestroyedEnvironments {
  readonly environments: readonly {
    readonly environment: string;
    /** destroyed | absent | dry-run | refused (protected) | failed | partial | ... */
    readonly status: string;
    readonly reason?: string;
  }[];
}

export interface OffboardConfigStore {
  current(): EstateConfig;
  /** Marks the account recycled (recycleAccount); on `write: false` only says what would change. */
  recycle(request: OffboardRequest, write: boolean): Promise<{ changed: boolean; config: EstateConfig }>;
}

export interface OffboardDeps {
  readonly config: OffboardConfigStore;
  readonly sections: (config: EstateConfig) => Promise<readonly PlanSection<unknown>[]>;
  readonly identityCenter: IdentityCenterPort;
  /** Destroys environments; never forces a protected one (the engine refuses it). */
  readonly destroyEnvironments: (
    config: EstateConfig,
    names: readonly string[],
    dryRun: boolean,
  ) => Promise<DestroyedEnvironments>;
  /**
   * Tears down the environments whose stacks are in the account but which estate.yaml does not
   * declare there (reapUndeclared). Absent: only the declared ones are destroyed.
   */
  readonly reapUndeclared?: (
    config: EstateConfig,
    account: string,
    dryRun: boolean,
  ) => Promise<DestroyedEnvironments>;
  readonly closure: AccountClosurePort;
  readonly io: IoHost;
  readonly now?: () => Date;
  readonly sleep?: (ms: number) => Promise<void>;
  /** @default 30 min */
  readonly closeTimeoutMs?: number;
  readonly pollMs?: number;
}

export interface OffboardResult {
  readonly ok: boolean;
  readonly dryRun: boolean;
  readonly account: string;
  readonly accountId?: string;
  readonly steps: readonly OffboardStepReport[];
  /** With --close: what AWS says about closing (the quota, the 90 days), for --json readers too. */
  readonly warnings?: readonly string[];
}

type OffboardRun = StepRun<OffboardDeps, OffboardRequest>;

const RUNNERS: Readonly<Record<OffboardStep, (run: OffboardRun, task: Task) => Promise<StepOutcome>>> = {
  environments: environmentsStep,
  access: accessStep,
  config: configStep,
  budget: (run) => sectionsStep(run, ['budgets'], 'the budget has no deny action'),
  organisation: (run) =>
    sectionsStep(
      run,
      ['organization', 'policies'],
      `in ${run.request.suspendedOu}, tagged, deny-all attached`,
    ),
  close: closeStep,
};

const TITLES: Readonly<Record<OffboardStep, string>> = {
  environments: 'environments',
  access: 'IAM Identity Center access',
  config: 'estate.yaml',
  budget: 'budget action',
  organisation: 'suspended OU',
  close: 'account closure',
};

export async function offboardDeveloper(
  deps: OffboardDeps,
  request: OffboardRequest,
): Promise<OffboardResult> {
  const run: OffboardRun = newRun(deps, request);
  const steps: OffboardStepReport[] = [];
  for (const step of OFFBOARD_STEPS) {
    if (steps.some((s) => s.status === 'failed')) {
      steps.push(notReached(step));
      continue;
    }
    const id = { id: step, prefix: 'offboard', title: TITLES[step], failedCode: OFFBOARD_IO.FAILED };
    steps.push(await runStep(run, id, (task) => RUNNERS[step](run, task)));
  }
  return {
    ok: steps.every((s) => s.status !== 'failed'),
    dryRun: request.dryRun,
    account: request.name,
    ...(run.accountId ? { accountId: run.accountId } : {}),
    steps,
    ...(request.close ? { warnings: CLOSE_WARNINGS } : {}),
  };
}

// ---------------------------------------------------------------- 1. environments

async function environmentsStep(run: OffboardRun): Promise<StepOutcome> {
  const { request } = run;
  const names = run.config.environments.filter((e) => e.account === request.name).map((e) => e.name);
  const declared = names.length
    ? await run.deps.destroyEnvironments(run.config, names, request.dryRun)
    : { environments: [] };
  // What is left in the account that estate.yaml does not declare there (taken out by hand).
  const undeclared = (await run.deps.reapUndeclared?.(run.config, request.name, request.dryRun)) ?? {
    environments: [],
  };
  const all = [...declared.environments, ...undeclared.environments];
  if (all.length === 0 && names.length === 0)
    return {
      status: 'already',
      detail: `no environment in ${request.name}: estate.yaml declares none${run.deps.reapUndeclared ? ' and no stack tagged estate:env is left' : ''}`,
    };
  const refused = declared.environments.filter((e) => e.status === 'refused');
  const refusedUndeclared = undeclared.environments.filter((e) => e.status === 'refused');
  if (refused.length || refusedUndeclared.length)
    throw userError(
      'OffboardProtectedEnvironment',
      `protected environments are not destroyed by offboarding: ${[...refused, ...refusedUndeclared]
        .map(
          (e) =>
            `${e.environment}${e.reason && refusedUndeclared.includes(e) ? ` (not in estate.yaml; ${e.reason})` : ''}`,
        )
        .join(', ')}`,
      [
        ...refused.map((e) => `destroy it on purpose: estate env destroy ${e.environment} --force-protected`),
        ...refusedUndeclared.map(
          (e) =>
            `declare ${e.environment} in estate.yaml again (account ${request.name}) and destroy it on purpose: estate env destroy ${e.environment} --force-protected`,
        ),
        'then run the same offboard command again: it continues from this step',
      ],
    );
  const ok = new Set(['destroyed', 'absent', 'dry-run']);
  const bad = all.filter((e) => !ok.has(e.status));
  const missing = names.filter((n) => !declared.environments.some((e) => e.environment === n));
  if (bad.length || missing.length)
    throw new EstateError(
      `environments not destroyed: ${[
        ...bad.map((e) => `${e.environment} (${e.status}${e.reason ? `: ${e.reason}` : ''})`),
        ...missing.map((n) => `${n} (no result)`),
      ].join(', ')}`,
      {
        code: 'OffboardDestroyFailed',
        source: 'aws',
        suggestions: ['fix the cause and run the same command again: it continues from this step'],
      },
    );
  const found = undeclared.environments.map((e) => e.environment);
  const notDeclared = (list: readonly string[]) =>
    list.some((n) => found.includes(n))
      ? ` (not in estate.yaml: ${list.filter((n) => found.includes(n)).join(', ')})`
      : '';
  if (request.dryRun) {
    const would = [
      ...names,
      ...undeclared.environments.filter((e) => e.status === 'dry-run').map((e) => e.environment),
    ];
    return would.length
      ? { status: 'planned', detail: `would destroy ${would.join(', ')}${notDeclared(would)}` }
      : { status: 'already', detail: `${names.join(', ')}: nothing deployed` };
  }
  const destroyed = all.filter((e) => e.status === 'destroyed').map((e) => e.environment);
  return destroyed.length
    ? { status: 'done', detail: `destroyed ${destroyed.join(', ')}${notDeclared(destroyed)}` }
    : { status: 'already', detail: `${names.join(', ')}: nothing deployed` };
}

// ---------------------------------------------------------------- 2. access

async function accessStep(run: OffboardRun): Promise<StepOutcome> {
  const ic = run.deps.identityCenter;
  const instance = await ic.instance();
  if (!instance) return { status: 'skipped', detail: 'IAM Identity Center is not enabled' };
  const accountId = await accountIdOf(run);
  const assignments = await ic.accountAssignments(instance.instanceArn, accountId);
  if (assignments.length === 0) return { status: 'already', detail: `no assignment in ${accountId}` };
  const what = `${assignments.length} assignment${assignments.length === 1 ? '' : 's'} in ${accountId}`;
  if (run.request.dryRun) return { status: 'planned', detail: `would delete ${what}` };
  for (const assignment of assignments) await ic.deleteAssignment(instance.instanceArn, assignment);
  return { status: 'done', detail: `deleted ${what}` };
}

// ---------------------------------------------------------------- 3. config

const isRecycled = (config: EstateConfig, request: OffboardRequest): boolean => {
  const account = config.accounts.find((a) => a.name === request.name);
  return (
    account?.ou === request.suspendedOu &&
    account.tags?.['estate:recycled'] !== undefined &&
    !config.environments.some((e) => e.account === request.name)
  );
};

async function configStep(run: OffboardRun): Promise<StepOutcome> {
  const { request } = run;
  if (!request.configWrite) {
    if (!isRecycled(run.config, request))
      throw userError(
        'NotRecycled',
        `--no-config-write: estate.yaml does not mark ${request.name} recycled (ou ${request.suspendedOu}, tag estate:recycled, no environments)`,
        ['edit estate.yaml so, or run without --no-config-write to let estate do it'],
      );
    return { status: 'skipped', detail: 'not written (--no-config-write); estate.yaml marks it recycled' };
  }
  const { changed, config } = await run.deps.config.recycle(request, !request.dryRun);
  run.config = config;
  if (!changed) return { status: 'already', detail: `estate.yaml marks ${request.name} recycled` };
  const what = `${request.name} recycled (ou ${request.suspendedOu}, tag estate:recycled)`;
  return request.dryRun
    ? { status: 'planned', detail: `would mark ${what}` }
    : { status: 'done', detail: `marked ${what}` };
}

// ---------------------------------------------------------------- 4. budget and 5. organisation

async function sectionsStep(
  run: OffboardRun,
  names: readonly string[],
  inPlace: string,
): Promise<StepOutcome> {
  const { changes, accountId } = await applyScoped(scopedOf(run, 'OffboardApplyFailed'), names);
  run.accountId ??= accountId;
  if (changes.length === 0) return { status: 'already', detail: inPlace };
  const listed = changes.map((c) => c.summary).join('; ');
  return { status: run.request.dryRun ? 'planned' : 'done', detail: listed };
}

// ---------------------------------------------------------------- 6. close

const CLOSED = new Set(['SUSPENDED', 'PENDING_CLOSURE', 'CLOSED']);

async function closeStep(run: OffboardRun, task: Task): Promise<StepOutcome> {
  if (!run.request.close) return { status: 'skipped', detail: 'kept for recycling (--close closes it)' };
  const accountId = await accountIdOf(run);
  const closure = run.deps.closure;
  const before = await closure.accountStatus(accountId);
  if (before === 'SUSPENDED') return { status: 'already', detail: `${accountId} is closed (SUSPENDED)` };
  if (run.request.dryRun && !CLOSED.has(before))
    return { status: 'planned', detail: `would close ${accountId}` };
  for (const warning of CLOSE_WARNINGS)
    await run.deps.io.notify(ioMessage('warn', OFFBOARD_IO.CLOSE_WARNING, warning, { accountId }));
  if (!CLOSED.has(before))
    await closure.closeAccount({ accountId, label: `${accountId} (${run.request.name})` });
  const started = run.now().getTime();
  const timeoutMs = run.deps.closeTimeoutMs ?? 30 * 60_000;
  for (;;) {
    const status = await closure.accountStatus(accountId);
    const elapsed = run.now().getTime() - started;
    if (status === 'SUSPENDED')
      return { status: 'done', detail: `closed ${accountId} (SUSPENDED for 90 days)` };
    if (!CLOSED.has(status))
      throw new EstateError(`CloseAccount ${accountId}: the account is ${status}, not closing`, {
        code: 'OffboardCloseFailed',
        source: 'aws',
        suggestions: ['see the account in the Organizations console; run the same command again to retry'],
      });
    if (elapsed >= timeoutMs)
      return {
        status: 'done',
        detail: `closure of ${accountId} accepted, still ${status} after ${Math.round(elapsed / 60_000)} min: AWS finishes it in the background`,
      };
    await task.update(`waiting for ${accountId} to close (${status})`);
    await run.deps.io.notify(
      ioMessage('info', OFFBOARD_IO.WAITING, `waiting for ${accountId} to close`, {
        status,
        elapsedMs: elapsed,
      }),
    );
    await run.sleep(run.deps.pollMs ?? 15_000);
  }
}

// ---------------------------------------------------------------- helpers

/** The account's id: estate.yaml's, else the organisation engine's (by name). */
async function accountIdOf(run: OffboardRun): Promise<string> {
  if (run.accountId) return run.accountId;
  const declared = run.config.accounts.find((a) => a.name === run.request.name);
  if (!declared)
    throw userError('NoSuchAccount', `estate.yaml declares no account "${run.request.name}"`, [
      `known accounts: ${run.config.accounts.map((a) => a.name).join(', ')}`,
    ]);
  if (declared.id) return (run.accountId = declared.id);
  const sections = await run.deps.sections(run.config);
  const planned = await planEstate(run.config, sections, {
    offline: false,
    scope: { sections: ['organization'], accounts: [run.request.name] },
    now: run.now,
  });
  const id = planned.outputs.accountIds.get(run.request.name);
  if (!id)
    throw userError('AccountNotInOrganization', `the organisation has no account ${run.request.name}`, [
      'check the name; offboarding parks accounts that exist',
    ]);
  return (run.accountId = id);
}
