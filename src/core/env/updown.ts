/**
 * The lifecycle services over live stacks: `env down` (delete the stateless stacks, keep the
 * data), `env up` (re-create them from the stack records; `--due`: every ci-executor
 * environment whose window is open and that is down), `env schedule` (expiry and up window as
 * live tags) and `env extend` (push the expiry, its owner only unless forced). They find the
 * environments with discoverEnvironments, so they act on what exists, and change tags with
 * UpdateStack (previous template) rather than a deploy.
 */
import { isProtected } from '../../blueprints/environment.js';
import { parseDuration } from '../../config/rules.js';
import type { EnvironmentConfig, EstateConfig } from '../../config/schema.js';
import { userError } from '../../errors.js';
import { mapConcurrent } from '../concurrency.js';
import { ioMessage, ioRequest, type ConfirmData } from '../io.js';
import { describeError } from '../plan/execute.js';
import {
  EXECUTOR_TAG,
  EXPIRES_AT,
  OWNER_TAG,
  SCHEDULE_TAG,
  deploymentSettings,
  identityProblems,
  resolveTargets,
  type EnvTarget,
} from './common.js';
import { discoverEnvironments, type FoundEnvironment } from './discover.js';
import { ENV_IO } from './io.js';
import { syncLifecycle, type LifecycleSyncResult } from './lifecycle-sync.js';
import {
  extendExpiry,
  isUp,
  parseScheduleTag,
  parseWindow,
  scheduleTag,
  windowProblem,
  type UpWindow,
} from './lifetime.js';
import type { StackRecord } from './ports.js';
import type { EnvRun, EnvServiceDeps } from './service.js';
import { findEnvironment } from './synth.js';
import {
  bringUp,
  isShared,
  protectionOf,
  recordsLocation,
  roleOf,
  tearDown,
  type TeardownDeps,
  type TeardownResult,
  type UpResult,
} from './teardown.js';

export type UpDownDeps = TeardownDeps & Pick<EnvServiceDeps, 'accounts' | 'identity' | 'caller' | 'toolkit'>;

const PROD_KINDS = new Set(['prod-multi-tenant', 'prod-single-tenant']);

/** The environment as found live, or with no stacks when nothing of it exists. */
async function findTargets(
  deps: UpDownDeps,
  config: EstateConfig,
  targets: readonly EnvTarget[],
  run: EnvRun,
): Promise<FoundEnvironment[]> {
  const discovery = await discoverEnvironments(
    deps,
    config,
    { accounts: [...new Set(targets.map((t) => t.accountName))] },
    run,
  );
  const unreadable = discovery.unreadable.filter((u) => targets.some((t) => t.accountId === u.accountId));
  if (unreadable.length)
    throw userError(
      'AccountUnreadable',
      `cannot read ${unreadable.map((u) => `${u.accountId} ${u.region}`).join(', ')}: ${unreadable[0]!.reason}`,
      ['check the credentials and the access role of that account'],
    );
  return targets.map(
    (t) =>
      discovery.environments.find((e) => e.environment === t.env.name && e.account.id === t.accountId) ?? {
        environment: t.env.name,
        account: { name: t.accountName, id: t.accountId },
        declared: t.env,
        stacks: [],
      },
  );
}

// ---------------------------------------------------------------------------------------------
// down

export interface DownOptions {
  readonly environments: readonly string[];
  readonly dryRun: boolean;
  /** Skip the yes/no confirmation. */
  readonly yes: boolean;
}

export interface DownEnvironmentResult extends TeardownResult {
  readonly account: string;
}

export interface DownResult {
  readonly ok: boolean;
  readonly dryRun: boolean;
  readonly interrupted: boolean;
  readonly environments: readonly DownEnvironmentResult[];
}

/** Resolve → find the live environments → take each down in turn → say how each went → result. */
export async function downEnvironments(
  deps: UpDownDeps,
  config: EstateConfig,
  options: DownOptions,
  run: EnvRun,
): Promise<DownResult> {
  const targets = await resolveTargets(deps, config, options.environments);
  const found = await findTargets(deps, config, targets, run);
  const environments: DownEnvironmentResult[] = [];
  for (const f of found) environments.push(await downOne(deps, config, f, options, run));
  for (const e of environments)
    await run.io.notify(
      ioMessage(
        ['done', 'nothing', 'dry-run'].includes(e.status) ? 'info' : 'error',
        ENV_IO.DESTROY_ENV_DONE,
        `${e.environment}: ${e.status}${e.reason ? ` (${e.reason})` : ''}`,
        { environment: e.environment, status: e.status },
      ),
    );
  return {
    ok: environments.every((e) => ['done', 'nothing', 'dry-run'].includes(e.status)),
    dryRun: options.dryRun,
    interrupted: run.signal?.aborted === true,
    environments,
  };
}

/**
 * One environment: protected → tearDown, which refuses it and says so; no stateless stack up →
 * nothing to do; otherwise confirmed (unless --yes or a dry run), then its stateless stacks
 * deleted, blocked ones retried (someone asked for this one by name), with the records read here.
 */
async function downOne(
  deps: UpDownDeps,
  config: EstateConfig,
  f: FoundEnvironment,
  options: DownOptions,
  run: EnvRun,
): Promise<DownEnvironmentResult> {
  const account = f.account.name;
  if (protectionOf(config, f))
    // tearDown refuses it (and says so): the second guard is the only one needed here.
    return {
      ...(await tearDown(deps, config, f, { scope: 'stateless', dryRun: options.dryRun }, run)),
      account,
    };
  const records = await deps.records.stackRecords(recordsLocation(config, f), f.environment);
  const recordOf = new Map(records.map((r) => [r.name, r]));
  const stateless = f.stacks.filter(
    (x) => !isShared(x.s) && roleOf(x.s, recordOf.get(x.s.name)) === 'stateless',
  );
  if (stateless.length === 0) return notTakenDown(f, nothingToTakeDown(f, records), 'nothing');
  if (!options.dryRun && !options.yes) {
    const no = await confirm(
      run,
      `Take ${f.environment} down: delete ${stateless.map((x) => x.s.name).join(', ')} in ${f.account.id} (its data stays)?`,
      f.environment,
    );
    if (no) return notTakenDown(f, no, 'refused');
  }
  return {
    ...(await tearDown(
      deps,
      config,
      f,
      { scope: 'stateless', dryRun: options.dryRun, retryBlocked: true, records },
      run,
    )),
    account,
  };
}

/** The result of an environment down did not touch: nothing to do, or not confirmed. */
function notTakenDown(
  f: FoundEnvironment,
  reason: string,
  status: TeardownResult['status'],
): DownEnvironmentResult {
  return {
    environment: f.environment,
    accountId: f.account.id,
    account: f.account.name,
    scope: 'stateless',
    status,
    reason,
    stacks: [],
    emptiedBuckets: [],
    recordsDeleted: false,
  };
}

/** Why an environment without a live stateless stack has nothing to take down. */
function nothingToTakeDown(f: FoundEnvironment, records: readonly StackRecord[]): string {
  const known = records.filter((r) => r.role === 'stateless').map((r) => r.name);
  return f.stacks.length === 0
    ? `${f.environment} has no stacks in ${f.account.id}: nothing to take down`
    : known.length
      ? `${f.environment} is already down: its stateless stacks (${known.join(', ')}) are not deployed`
      : `${f.environment} has no stateless stacks: ${f.stacks.map((x) => x.s.name).join(', ')} ${f.stacks.length === 1 ? 'is' : 'are'} stateful and stay`;
}

async function confirm(run: EnvRun, question: string, environment: string): Promise<string | undefined> {
  const data: ConfirmData & { environments: string[] } = {
    kind: 'confirm',
    flag: '--yes',
    what: `confirmation to take ${environment} down`,
    environments: [environment],
  };
  const ok = await run.io.requestResponse(ioRequest(ENV_IO.CONFIRM_DESTROY, question, data, false));
  if (ok) return undefined;
  return run.interactive
    ? `not confirmed; ${environment} was not taken down`
    : `taking ${environment} down needs confirmation and nobody can answer here; pass --yes`;
}

// ---------------------------------------------------------------------------------------------
// up

export interface UpOptions {
  /** Named environments (ignored with `due`). */
  readonly environments: readonly string[];
  /** Every ci-executor environment whose window is open now and that is down. */
  readonly due: boolean;
  readonly dryRun: boolean;
}

export interface UpEnvironmentResult extends UpResult {
  readonly account: string;
}

export interface UpEnvResult {
  readonly ok: boolean;
  readonly dryRun: boolean;
  readonly interrupted: boolean;
  readonly environments: readonly UpEnvironmentResult[];
  /** With `due`: the environments looked at and not brought up, and why. */
  readonly notDue: readonly { environment: string; why: string }[];
}

/** The up window of a found environment: estate.yaml's, else its live estate:schedule tag. */
export function windowOf(f: FoundEnvironment): UpWindow | undefined {
  const cfg = f.declared?.schedule;
  if (cfg?.hours && cfg.timezone) return parseWindow(cfg.hours, cfg.timezone);
  const tag = f.stacks.map((x) => x.s.tags[SCHEDULE_TAG]).find((v) => v !== undefined);
  return tag ? parseScheduleTag(tag) : undefined;
}

export function executorOf(f: FoundEnvironment): 'aws' | 'ci' {
  const cfg = f.declared?.executor;
  const tag = f.stacks.map((x) => x.s.tags[EXECUTOR_TAG]).find((v) => v !== undefined);
  return (cfg ?? tag) === 'aws' ? 'aws' : 'ci';
}

export function expiryOf(f: FoundEnvironment): string | undefined {
  return f.stacks
    .map((x) => x.s.tags[EXPIRES_AT])
    .filter((v): v is string => v !== undefined)
    .sort()[0];
}

export async function upEnvironments(
  deps: UpDownDeps,
  config: EstateConfig,
  options: UpOptions,
  run: EnvRun,
): Promise<UpEnvResult> {
  const now = (run.now ?? (() => new Date()))();
  const notDue: { environment: string; why: string }[] = [];
  let found: FoundEnvironment[];
  if (options.due) {
    const discovery = await discoverEnvironments(deps, config, {}, run);
    found = [];
    for (const f of discovery.environments) {
      if (!f.declared) continue;
      const window = windowOf(f);
      const expiry = expiryOf(f);
      const why =
        executorOf(f) !== 'ci'
          ? 'executor aws: the estate-lifecycle stack brings it up'
          : !window
            ? 'no schedule'
            : !isUp(window, now)
              ? `outside its window (${window.text} ${window.timezone})`
              : expiry && Date.parse(expiry) <= now.getTime()
                ? `expired at ${expiry}`
                : undefined;
      if (why) notDue.push({ environment: f.environment, why });
      else found.push(f);
    }
  } else {
    const targets = await resolveTargets(deps, config, options.environments);
    const identity = await identityProblems(
      deps,
      targets.map((t) => t.accountId),
    );
    const bad = targets.find((t) => identity.get(t.accountId));
    if (bad) throw userError('IdentityMismatch', identity.get(bad.accountId)!);
    found = await findTargets(deps, config, targets, run);
  }
  const environments: UpEnvironmentResult[] = [];
  for (const f of found) {
    const result = await bringUp(deps, config, f, run, { dryRun: options.dryRun });
    if (options.due && result.status === 'nothing') {
      notDue.push({ environment: f.environment, why: result.reason ?? 'already up' });
      continue;
    }
    environments.push({ ...result, account: f.account.name });
    await run.io.notify(
      ioMessage(
        ['done', 'nothing', 'dry-run'].includes(result.status) ? 'info' : 'error',
        ENV_IO.DEPLOY_ENV_DONE,
        `${f.environment}: ${result.status}${result.reason ? ` (${result.reason})` : ''}`,
        { environment: f.environment, status: result.status },
      ),
    );
  }
  return {
    ok: environments.every((e) => ['done', 'nothing', 'dry-run'].includes(e.status)),
    dryRun: options.dryRun,
    interrupted: run.signal?.aborted === true,
    environments,
    notDue,
  };
}

// ---------------------------------------------------------------------------------------------
// schedule and extend

export interface RetagStack {
  readonly stack: string;
  readonly region: string;
  readonly status: 'updated' | 'unchanged' | 'would-update' | 'failed';
  readonly reason?: string;
}

export interface RetagResult {
  readonly ok: boolean;
  readonly environment: string;
  readonly accountId: string;
  readonly dryRun: boolean;
  /** The lifecycle tags as they are now (or would be, in a dry run). */
  readonly expiresAt?: string;
  readonly schedule?: string;
  readonly executor?: string;
  readonly stacks: readonly RetagStack[];
  /** Where estate.yaml says otherwise. */
  readonly warnings: readonly string[];
  /** The account's estate-lifecycle stack, brought in line when the environment is (or was) run by aws. */
  readonly lifecycle?: LifecycleSyncResult;
}

export interface ScheduleOptions {
  readonly environment: string;
  /** Expire this long from now. */
  readonly ttl?: string;
  /** Expire at this ISO 8601 time. */
  readonly expires?: string;
  /** The up window, e.g. `Mon-Fri 08:00-19:00`. */
  readonly offHours?: string;
  /** IANA zone of the window. @default the config's schedule timezone */
  readonly timezone?: string;
  /** Remove the expiry and the window. */
  readonly clear: boolean;
  readonly dryRun: boolean;
}

/** Why the environment cannot have a TTL or a schedule, or undefined. */
function lifecycleRefusal(
  config: EstateConfig,
  env: EnvironmentConfig,
  f: FoundEnvironment,
): string | undefined {
  const kind = config.accounts.find((a) => a.name === env.account)?.kind;
  if (env.protected) return `environment "${env.name}" is protected (protected: true)`;
  if (kind && PROD_KINDS.has(kind))
    return `environment "${env.name}" is in account ${env.account}, of production kind ${kind}`;
  if (env.size === 'prod') return `environment "${env.name}" is size prod`;
  if (isProtected(config, env)) return `environment "${env.name}" is protected`;
  return protectionOf(config, f);
}

/** Why estate.yaml alone refuses the environment a TTL or a schedule (no AWS call), or undefined. */
function configRefusal(config: EstateConfig, name: string): string | undefined {
  const env = findEnvironment(config, name);
  return lifecycleRefusal(config, env, {
    environment: env.name,
    account: { name: env.account, id: '' },
    stacks: [],
  });
}

/** The lifecycle tags `env schedule` sets: absent where it sets none. */
interface Scheduled {
  readonly expiresAt?: string;
  readonly schedule?: string;
}

/**
 * Flags → expiry → refused from estate.yaml → window → the live environment, refused when
 * protected → the tag change and what estate.yaml says otherwise → retag. Every check that
 * needs no AWS call comes before the first one, so a typo is named before missing credentials.
 */
export async function scheduleEnvironment(
  deps: UpDownDeps,
  config: EstateConfig,
  options: ScheduleOptions,
  run: EnvRun,
): Promise<RetagResult> {
  const now = (run.now ?? (() => new Date()))();
  checkScheduleFlags(options);
  const expiresAt = expiryFrom(options, now);
  // Refused from estate.yaml alone, before any AWS call (the account id is not needed to say no).
  const early = configRefusal(config, options.environment);
  if (early) throw refusal(early);
  // The window is checked from the flags and estate.yaml, before any AWS call.
  const schedule = windowFrom(options, findEnvironment(config, options.environment));
  const wanted: Scheduled = { ...(expiresAt ? { expiresAt } : {}), ...(schedule ? { schedule } : {}) };
  const [target] = await resolveTargets(deps, config, [options.environment]);
  const env = target!.env;
  const [f] = await findTargets(deps, config, [target!], run);
  const late = protectionOf(config, f!);
  if (late) throw refusal(`environment "${env.name}" is protected (${late})`);
  return retag(
    deps,
    config,
    f!,
    scheduleChange(options, env, wanted),
    scheduleWarnings(options, env, wanted),
    options.dryRun,
    run,
  );
}

/** The flags say something to schedule, and nothing contradictory. */
function checkScheduleFlags(options: ScheduleOptions): void {
  const given = [options.ttl, options.expires, options.offHours].filter((v) => v !== undefined).length;
  if (!options.clear && given === 0)
    throw userError('NothingToSchedule', 'say what to schedule', [
      'pass --ttl 72h, --expires 2026-12-24T18:00Z, --off-hours "Mon-Fri 08:00-19:00" --timezone Europe/London, or --clear',
    ]);
  if (options.clear && given > 0)
    throw userError(
      'ClearWithValues',
      '--clear removes the expiry and the window; it takes no --ttl, --expires or --off-hours',
    );
  if (options.ttl !== undefined && options.expires !== undefined)
    throw userError('TtlAndExpires', '--ttl and --expires both set the expiry: pass one');
}

/**
 * The expiry --ttl (from now) or --expires (a future ISO 8601 time, or `now`: due for the next
 * `env reap`) gives, as an ISO time. A past time is refused as a likely typo; `now` says it.
 */
function expiryFrom(options: ScheduleOptions, now: Date): string | undefined {
  let expiresAt: string | undefined;
  if (options.ttl !== undefined) {
    const ms = parseDuration(options.ttl);
    if (!ms)
      throw userError('BadTtl', `--ttl ${options.ttl}: not a duration`, ['write it like 24h, 72h or 7d']);
    expiresAt = new Date(now.getTime() + ms).toISOString();
  }
  if (options.expires === 'now') return now.toISOString();
  if (options.expires !== undefined) {
    const t = Date.parse(options.expires);
    if (Number.isNaN(t) || !/^\d{4}-\d{2}-\d{2}T/.test(options.expires))
      throw userError('BadExpires', `--expires ${options.expires}: not an ISO 8601 time`, [
        'write it like 2026-12-24T18:00Z',
      ]);
    if (t <= now.getTime())
      throw userError('ExpiresInThePast', `--expires ${options.expires} is in the past`, [
        'give a time in the future, or --expires now to have the next `estate env reap` destroy it',
      ]);
    expiresAt = new Date(t).toISOString();
  }
  return expiresAt;
}

/** The estate:schedule tag --off-hours gives, in --timezone or else estate.yaml's schedule zone. */
function windowFrom(options: ScheduleOptions, declared: EnvironmentConfig): string | undefined {
  if (options.offHours === undefined) return undefined;
  const problem = windowProblem(options.offHours);
  if (problem)
    throw userError('BadWindow', `--off-hours "${options.offHours}": ${problem}`, [
      'write it like "Mon-Fri 08:00-19:00"',
    ]);
  const zone = options.timezone ?? declared.schedule?.timezone;
  if (!zone)
    throw userError('NoTimezone', '--off-hours needs --timezone (an IANA zone such as Europe/London)');
  return scheduleTag(parseWindow(options.offHours, zone));
}

/**
 * A stack's tags after the schedule: without the expiry and the window (--clear), or with the
 * new ones; a window comes with its executor (estate.yaml's, the stack's, else ci).
 */
function scheduleChange(
  options: ScheduleOptions,
  env: EnvironmentConfig,
  wanted: Scheduled,
): (tags: Readonly<Record<string, string>>) => Record<string, string> {
  return (tags) => {
    const out: Record<string, string> = { ...tags };
    if (options.clear) {
      delete out[EXPIRES_AT];
      delete out[SCHEDULE_TAG];
      return out;
    }
    if (wanted.expiresAt) out[EXPIRES_AT] = wanted.expiresAt;
    if (wanted.schedule) {
      out[SCHEDULE_TAG] = wanted.schedule;
      out[EXECUTOR_TAG] = env.executor ?? tags[EXECUTOR_TAG] ?? 'ci';
    }
    return out;
  };
}

/** Where estate.yaml gives the environment another expiry or window than the one set here. */
function scheduleWarnings(options: ScheduleOptions, env: EnvironmentConfig, wanted: Scheduled): string[] {
  const warnings: string[] = [];
  if ((wanted.expiresAt || options.clear) && (env.ttl || env.expires))
    warnings.push(
      `estate.yaml gives ${env.name} ${env.ttl ? `ttl ${env.ttl}` : `expires ${env.expires}`}; the live expiry set here is what counts (env deploy keeps it)`,
    );
  if ((wanted.schedule || options.clear) && env.schedule?.hours)
    warnings.push(
      `estate.yaml gives ${env.name} the schedule "${[env.schedule.hours, env.schedule.timezone].filter(Boolean).join(' ')}"; the next env deploy writes that back`,
    );
  return warnings;
}

export interface ExtendOptions {
  readonly environment: string;
  /** How much later, e.g. 24h. */
  readonly by: string;
  /** Extend an environment someone else owns. */
  readonly force: boolean;
  readonly dryRun: boolean;
}

/** The names an identity goes by: the user or role session name, and an e-mail's local part. */
export function callerNames(arn: string): string[] {
  const last = arn.split(':').at(-1) ?? '';
  const parts = last.split('/');
  // assumed-role/<role>/<session>, user/<path>/<name>, federated-user/<name>
  const name = parts.at(-1) ?? '';
  return [...new Set([name, name.split('@')[0]!].filter(Boolean).map((n) => n.toLowerCase()))];
}

export function isOwner(owner: string, arn: string): boolean {
  const names = callerNames(arn);
  const o = owner.toLowerCase();
  return names.includes(o) || names.includes(o.split('@')[0]!);
}

export async function extendEnvironment(
  deps: UpDownDeps,
  config: EstateConfig,
  options: ExtendOptions,
  run: EnvRun,
): Promise<RetagResult> {
  const ms = parseDuration(options.by);
  if (!ms) throw userError('BadDuration', `--by ${options.by}: not a duration`, ['write it like 24h or 3d']);
  const early = configRefusal(config, options.environment);
  if (early) throw refusal(early);
  const [target] = await resolveTargets(deps, config, [options.environment]);
  const env = target!.env;
  const [f] = await findTargets(deps, config, [target!], run);
  const current = expiryOf(f!);
  if (!current)
    throw userError('NoExpiry', `${env.name} has no expiry to extend (no live stack carries ${EXPIRES_AT})`, [
      `set one with \`estate env schedule ${env.name} --ttl 72h\``,
    ]);
  const owner = f!.stacks.map((x) => x.s.tags[OWNER_TAG]).find(Boolean) ?? env.owner;
  if (owner && !options.force) {
    const caller = await deps.caller();
    if (!isOwner(owner, caller.arn))
      throw userError(
        'NotOwner',
        `${env.name} belongs to ${owner}; you are ${caller.arn}: only its owner extends it`,
        [`pass --force to extend it anyway`],
      );
  }
  const next = extendExpiry(current, ms);
  const warnings: string[] = [];
  const cfg = env;
  if (cfg.expires)
    warnings.push(
      `estate.yaml gives ${env.name} expires ${cfg.expires}; the live expiry set here is what counts (env deploy keeps it)`,
    );
  return retag(deps, config, f!, (tags) => ({ ...tags, [EXPIRES_AT]: next }), warnings, options.dryRun, run);
}

function refusal(why: string) {
  return userError('LifecycleRefused', `${why}: it cannot get a TTL, an expiry or an off-hours schedule`, [
    'protected and production environments run always; remove protected: true or move it to a non-production account to schedule it',
  ]);
}

/** Applies a tag change to every non-shared live stack of the environment, all at once. */
async function retag(
  deps: UpDownDeps,
  config: EstateConfig,
  f: FoundEnvironment,
  change: (tags: Readonly<Record<string, string>>) => Record<string, string>,
  warnings: readonly string[],
  dryRun: boolean,
  run: EnvRun,
): Promise<RetagResult> {
  const stacks = f.stacks.filter((x) => !isShared(x.s));
  if (stacks.length === 0)
    throw userError('NotDeployed', `${f.environment} has no stacks in ${f.account.id}`, [
      `deploy it first: estate env deploy ${f.environment}`,
    ]);
  // The warnings go out once, with the result (its renderer and --json), not also as progress.
  const outcomes = await mapConcurrent(
    stacks,
    deploymentSettings(config).concurrency,
    async (x): Promise<RetagStack> => {
      const base = { stack: x.s.name, region: x.at.region };
      const wanted = change(x.s.tags);
      if (JSON.stringify(Object.entries(wanted).sort()) === JSON.stringify(Object.entries(x.s.tags).sort()))
        return { ...base, status: 'unchanged' };
      if (dryRun) return { ...base, status: 'would-update' };
      try {
        await deps.stackOps.updateStackTags(x.at, x.s.name, wanted);
        return { ...base, status: 'updated' };
      } catch (error) {
        return { ...base, status: 'failed', reason: describeError(error) };
      }
    },
  );
  const after = change(stacks[0]!.s.tags);
  // The schedules in the account read these tags: an aws-run environment's change reaches them now.
  const runByAws = after[EXECUTOR_TAG] === 'aws' || stacks.some((x) => x.s.tags[EXECUTOR_TAG] === 'aws');
  const lifecycle =
    !dryRun && runByAws && outcomes.some((o) => o.status === 'updated')
      ? await syncLifecycle(deps, config, [f.account.name], run)
      : undefined;
  return {
    ok: outcomes.every((o) => o.status !== 'failed') && (lifecycle?.ok ?? true),
    ...(lifecycle ? { lifecycle } : {}),
    environment: f.environment,
    accountId: f.account.id,
    dryRun,
    ...(after[EXPIRES_AT] ? { expiresAt: after[EXPIRES_AT] } : {}),
    ...(after[SCHEDULE_TAG] ? { schedule: after[SCHEDULE_TAG] } : {}),
    ...(after[EXECUTOR_TAG] ? { executor: after[EXECUTOR_TAG] } : {}),
    stacks: outcomes,
    warnings,
  };
}
