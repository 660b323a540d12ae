/**
 * Keeps the `estate-lifecycle` stack of each account and region in step with the estate: one
 * where the account has environments whose schedule and expiry AWS runs (`executor: aws`),
 * holding their schedules and expiry as the live stacks' tags say; none where it has no such
 * environment any more. `env deploy` calls {@link syncLifecycle} at its end for the accounts it
 * deployed aws-executor environments into; `env schedule`, `env extend` and `env destroy` after
 * they change tags or stacks.
 *
 * The stack is synthesised offline into its own assembly folder, compared with the live
 * template like deploy does (unchanged: no change set), and deployed or destroyed through the
 * toolkit.
 */
import { join, resolve } from 'node:path';
import type { LifecycleEnvironment } from '../../blueprints/lifecycle.js';
import { LIFECYCLE_STACK as LIFECYCLE_STACK_NAME } from '../../blueprints/lifecycle-handler.js';
import { EDGE_REGION, accountTags, isProtected } from '../../blueprints/environment.js';
import type { EnvironmentConfig, EstateConfig } from '../../config/schema.js';
import { mapConcurrent } from '../concurrency.js';
import { ioMessage, startTask } from '../io.js';
import { describeError } from '../plan/execute.js';
import {
  DEPLOYED_AT,
  DEPLOYED_BY,
  EXECUTOR_TAG,
  PROFILE_TAG,
  EXPIRES_AT,
  PROTECTED_TAG,
  SCHEDULE_TAG,
  assemblyStacks,
  deploymentSettings,
  environmentRegions,
  isUnchanged,
} from './common.js';
import {
  READ_CONCURRENCY,
  discoverEnvironments,
  discoveryRegions,
  type FoundEnvironment,
} from './discover.js';
import { ENV_IO } from './io.js';
import {
  environmentWindow,
  nextTransition,
  parseScheduleTag,
  schedulerExpressions,
  type UpWindow,
} from './lifetime.js';
import type { StackLocation } from './ports.js';
import type { EnvRun, EnvServiceDeps } from './service.js';
import { sharedStackResult, type SynthResult } from './synth.js';

/** A one-time schedule is never placed closer than this to now (EventBridge must still see it ahead). */
const AT_LEAD_MS = 5 * 60_000;
const DEFAULT_WARN_BEFORE_HOURS = 24;

/** The lifetime fields of an environment and the lifecycle block (the config schema's, read loosely). */
interface LifetimeConfig {
  readonly executor?: 'aws' | 'ci';
  readonly expires?: string;
  readonly schedule?: { readonly hours?: string; readonly timezone: string };
}
interface LifecycleConfig {
  readonly warnBeforeHours?: number;
  readonly warnTopicArn?: string;
}
const lifetimeOf = (env: EnvironmentConfig): LifetimeConfig => env as unknown as LifetimeConfig;
const lifecycleOf = (config: EstateConfig): LifecycleConfig =>
  (config as unknown as { lifecycle?: LifecycleConfig }).lifecycle ?? {};

/** Whether the config puts this environment's schedule and expiry in AWS's hands. */
export function configExecutor(env: EnvironmentConfig): 'aws' | 'ci' {
  return lifetimeOf(env).executor ?? 'ci';
}

function configWindow(env: EnvironmentConfig): UpWindow | undefined {
  const s = lifetimeOf(env).schedule;
  return s?.hours ? environmentWindow({ schedule: { hours: s.hours, timezone: s.timezone } }) : undefined;
}

/** The lifecycle stack of one account and region, and the environments it runs. */
export interface LifecycleEntry {
  readonly accountName: string;
  readonly accountId: string;
  /** Where the stack and the environments' records are. */
  readonly region: string;
  /** Regions the environments' stacks are in (their own, us-east-1 for edge). */
  readonly stackRegions: readonly string[];
  readonly environments: readonly LifecycleEnvironment[];
}

/**
 * Which environments of which account and region need the lifecycle stack: those whose
 * `estate:executor` tag (else the config's `executor`) is `aws`, with their window from the
 * `estate:schedule` tag (else the config's), their expiry from the earliest live
 * `estate:expires-at` tag and the warning `lifecycle.warnBeforeHours` before it when
 * `lifecycle.warnTopicArn` is set. A protected environment is never taken down or expired, so
 * it gets no schedules (and no entry). An expiry already past is placed a few minutes ahead
 * (the stack would otherwise hold a schedule that never fires); a warning already past is dropped.
 */
export function lifecycleEntries(
  config: EstateConfig,
  found: readonly FoundEnvironment[],
  now: Date,
): LifecycleEntry[] {
  const lifecycle = lifecycleOf(config);
  const warnBeforeMs = (lifecycle.warnBeforeHours ?? DEFAULT_WARN_BEFORE_HOURS) * 3_600_000;
  const entries = new Map<
    string,
    LifecycleEntry & { environments: LifecycleEnvironment[]; stackRegions: string[] }
  >();
  for (const f of found) {
    const tag = (k: string) => f.stacks.map(({ s }) => s.tags[k]).find((v) => v !== undefined);
    const executor = tag(EXECUTOR_TAG) ?? (f.declared ? configExecutor(f.declared) : 'ci');
    if (executor !== 'aws') continue;
    const kind = config.accounts.find((a) => a.name === f.account.name)?.kind;
    const protectedEnv =
      (f.declared && isProtected(config, f.declared)) ||
      tag(PROTECTED_TAG) === 'true' ||
      tag(PROFILE_TAG) === 'prod' ||
      kind === 'prod-multi-tenant' ||
      kind === 'prod-single-tenant';
    if (protectedEnv) continue;
    const scheduleTag = tag(SCHEDULE_TAG);
    const window =
      (scheduleTag ? parseScheduleTag(scheduleTag) : undefined) ?? (f.declared && configWindow(f.declared));
    const expiry = f.stacks
      .map(({ s }) => s.tags[EXPIRES_AT])
      .filter((v): v is string => v !== undefined && !Number.isNaN(Date.parse(v)))
      .sort()[0];
    const env: LifecycleEnvironment = {
      name: f.environment,
      ...(window
        ? {
            downExpressions: schedulerExpressions(window).down,
            upExpressions: schedulerExpressions(window).up,
            timezone: window.timezone,
          }
        : {}),
      ...(expiry ? lifetimeTimes(expiry, warnBeforeMs, lifecycle.warnTopicArn, now) : {}),
    };
    if (!env.downExpressions?.length && !env.upExpressions?.length && !env.expiresAt) continue;
    const region = f.declared
      ? (f.declared.region ?? config.organization.homeRegion)
      : (f.stacks.map(({ at }) => at.region).find((r) => r !== EDGE_REGION) ?? EDGE_REGION);
    const key = `${f.account.id}/${region}`;
    const entry = entries.get(key) ?? {
      accountName: f.account.name,
      accountId: f.account.id,
      region,
      stackRegions: [],
      environments: [],
    };
    entry.environments.push(env);
    entry.stackRegions.push(
      ...f.stacks.map(({ at }) => at.region),
      ...(f.declared ? environmentRegions(f.declared, region) : [region]),
    );
    entries.set(key, entry);
  }
  return [...entries.values()]
    .map((e) => ({
      ...e,
      stackRegions: [...new Set(e.stackRegions)].sort(),
      environments: [...e.environments].sort((a, b) => a.name.localeCompare(b.name)),
    }))
    .sort((a, b) => `${a.accountId}/${a.region}`.localeCompare(`${b.accountId}/${b.region}`));
}

function lifetimeTimes(
  expiresAt: string,
  warnBeforeMs: number,
  topic: string | undefined,
  now: Date,
): Pick<LifecycleEnvironment, 'expiresAt' | 'warnAt' | 'warnTopicArn'> {
  const earliest = Math.ceil((now.getTime() + AT_LEAD_MS) / 60_000) * 60_000;
  const expires = Math.max(Date.parse(expiresAt), earliest);
  const warn = expires - warnBeforeMs;
  return {
    expiresAt: new Date(expires).toISOString(),
    ...(topic && warn >= earliest ? { warnAt: new Date(warn).toISOString(), warnTopicArn: topic } : {}),
  };
}

export type LifecycleSyncStatus = 'deployed' | 'unchanged' | 'destroyed' | 'failed';

export interface LifecycleSyncOutcome {
  readonly accountId: string;
  readonly region: string;
  readonly status: LifecycleSyncStatus;
  /** The environments the stack runs (empty when destroyed). */
  readonly environments: readonly string[];
  readonly reason?: string;
}

export interface LifecycleSyncResult {
  readonly ok: boolean;
  readonly stacks: readonly LifecycleSyncOutcome[];
}

export interface LifecycleSyncOptions {
  /** Where the assemblies go (`cdk.out/estate-lifecycle-<account id>-<region>`). @default process.cwd() */
  readonly cwd?: string;
}

type SyncDeps = Pick<EnvServiceDeps, 'accounts' | 'identity' | 'stacks' | 'toolkit' | 'caller'>;

/**
 * The lifecycle stack of every region of the named accounts, brought in line with
 * {@link lifecycleEntries}: deployed where it is needed and differs, left alone where it is
 * unchanged, destroyed where no aws-executor environment is left. An account with a region
 * that could not be read is not touched (its entries would be incomplete); it is reported failed.
 */
export async function syncLifecycle(
  deps: SyncDeps,
  config: EstateConfig,
  accountNames: readonly string[],
  run: EnvRun,
  options: LifecycleSyncOptions = {},
): Promise<LifecycleSyncResult> {
  if (accountNames.length === 0) return { ok: true, stacks: [] };
  const now = (run.now ?? (() => new Date()))();
  const { environments, unreadable } = await discoverEnvironments(
    deps,
    config,
    { accounts: accountNames },
    run,
  );
  const entries = lifecycleEntries(config, environments, now);
  const ids = await deps.accounts.accountIds(accountNames);
  const regions = discoveryRegions(config);
  const places: { accountName: string; at: StackLocation; entry?: LifecycleEntry }[] = [];
  const outcomes: LifecycleSyncOutcome[] = [];
  for (const name of [...new Set(accountNames)]) {
    const accountId = ids.get(name);
    if (!accountId) continue;
    const problem = unreadable.find((u) => u.accountId === accountId);
    if (problem) {
      outcomes.push({
        accountId,
        region: problem.region,
        status: 'failed',
        environments: [],
        reason: `not synchronised: ${problem.reason}`,
      });
      continue;
    }
    const own = entries.filter((e) => e.accountId === accountId);
    for (const region of [...new Set([...regions, ...own.map((e) => e.region)])])
      places.push({
        accountName: name,
        at: { accountId, region },
        entry: own.find((e) => e.region === region),
      });
  }
  let toolkit: ReturnType<SyncDeps['toolkit']> | undefined;
  const loadToolkit = () => (toolkit ??= deps.toolkit());
  const settled = await mapConcurrent(places, READ_CONCURRENCY, async (p) => {
    try {
      return await syncOne(deps, config, p, run, now, loadToolkit, options);
    } catch (error) {
      return {
        accountId: p.at.accountId,
        region: p.at.region,
        status: 'failed' as const,
        environments: p.entry?.environments.map((e) => e.name) ?? [],
        reason: describeError(error),
      };
    }
  });
  outcomes.push(...settled.filter((o): o is LifecycleSyncOutcome => o !== undefined));
  for (const o of outcomes.filter((x) => x.status === 'failed'))
    await run.io.notify(
      ioMessage(
        'error',
        ENV_IO.STACK_FAILED,
        `${LIFECYCLE_STACK_NAME} (${o.accountId}, ${o.region}): ${o.reason}`,
        {
          stack: LIFECYCLE_STACK_NAME,
          environment: '',
          accountId: o.accountId,
          region: o.region,
          reason: o.reason,
        },
      ),
    );
  return { ok: outcomes.every((o) => o.status !== 'failed'), stacks: outcomes };
}

async function syncOne(
  deps: SyncDeps,
  config: EstateConfig,
  p: { accountName: string; at: StackLocation; entry?: LifecycleEntry },
  run: EnvRun,
  now: Date,
  loadToolkit: () => ReturnType<SyncDeps['toolkit']>,
  options: LifecycleSyncOptions,
): Promise<LifecycleSyncOutcome | undefined> {
  const { at, entry } = p;
  const live = await deps.stacks.describeStack(at, LIFECYCLE_STACK_NAME);
  const base = { accountId: at.accountId, region: at.region };
  const taskId = `lifecycle:${at.accountId}/${at.region}`;
  const title = `${LIFECYCLE_STACK_NAME} (${at.accountId}, ${at.region})`;
  if (!entry) {
    if (!live) return undefined;
    const synthesised = await synthLifecycle(config, undefined, p, options);
    const task = await startTask(run.io, taskId, `destroy ${title}`);
    const outcome = await (
      await loadToolkit()
    ).destroy({
      assemblyDir: synthesised.assemblyDir,
      artifactId: synthesised.stacks[0]!.artifactId,
      stackName: LIFECYCLE_STACK_NAME,
      at,
      task,
      confirm: async () => true,
    });
    if (outcome.status !== 'destroyed') {
      await task.fail(outcome.reason);
      return { ...base, status: 'failed', environments: [], reason: outcome.reason };
    }
    await task.done('no aws-executor environment left: destroyed');
    return { ...base, status: 'destroyed', environments: [] };
  }
  const names = entry.environments.map((e) => e.name);
  const synthesised = await synthLifecycle(config, entry, p, options);
  const [stack] = assemblyStacks(synthesised, at.accountId);
  const template = live ? await deps.stacks.deployedTemplate(at, LIFECYCLE_STACK_NAME) : undefined;
  if (isUnchanged(stack!, live, template, false)) {
    await run.io.notify(
      ioMessage('info', ENV_IO.STACK_UNCHANGED, `${LIFECYCLE_STACK_NAME}: unchanged, not deployed`, {
        stack: LIFECYCLE_STACK_NAME,
        environment: '',
        ...base,
      }),
    );
    return { ...base, status: 'unchanged', environments: names };
  }
  const caller = await deps.caller();
  const task = await startTask(run.io, taskId, title);
  const outcome = await (
    await loadToolkit()
  ).deploy({
    assemblyDir: synthesised.assemblyDir,
    artifactId: stack!.artifactId,
    stackName: LIFECYCLE_STACK_NAME,
    at,
    task,
    tags: { ...stack!.tags, [DEPLOYED_BY]: caller.arn, [DEPLOYED_AT]: now.toISOString() },
    // estate's own machinery, scoped to the environments being deployed: not a user's change to approve.
    approve: async () => true,
  });
  if (outcome.status === 'deployed' || outcome.status === 'unchanged') {
    await task.done(`schedules of ${names.join(', ')}`);
    return { ...base, status: outcome.status, environments: names };
  }
  await task.fail(outcome.reason);
  return { ...base, status: 'failed', environments: names, reason: outcome.reason };
}

/**
 * The lifecycle stack of one account and region synthesised offline into
 * `cdk.out/estate-lifecycle-<account id>-<region>`. Without an entry (to destroy it), a stack
 * with a placeholder environment: the toolkit needs an assembly naming the stack.
 */
export async function synthLifecycle(
  config: EstateConfig,
  entry: LifecycleEntry | undefined,
  p: { accountName: string; at: StackLocation },
  options: LifecycleSyncOptions = {},
): Promise<SynthResult> {
  const started = performance.now();
  const [{ App, DefaultStackSynthesizer, Tags }, { EstateLifecycleStack }] = await Promise.all([
    import('aws-cdk-lib'),
    import('../../blueprints/lifecycle.js'),
  ]);
  const { at } = p;
  const outDir = resolve(
    options.cwd ?? process.cwd(),
    join('cdk.out', `${LIFECYCLE_STACK_NAME}-${at.accountId}-${at.region}`),
  );
  const qualifier = deploymentSettings(config).qualifier;
  const app = new App({ outdir: outDir, builtinCloudFormationValidation: false });
  const artifactId = `${LIFECYCLE_STACK_NAME}-${p.accountName}-${at.region}`;
  const stack = new EstateLifecycleStack(app, artifactId, {
    env: { account: at.accountId, region: at.region },
    synthesizer: new DefaultStackSynthesizer({ qualifier }),
    description: `estate: schedules and expiry of the aws-executor environments of ${p.accountName} in ${at.region}`,
    qualifier,
    stackRegions: entry?.stackRegions ?? [at.region],
    environments: entry?.environments ?? [{ name: 'none' }],
  });
  for (const [k, v] of Object.entries({
    ...accountTags(config, p.accountName),
    'estate:shared': 'lifecycle',
  }))
    Tags.of(stack).add(k, v);
  const assembly = app.synth();
  const artifact = assembly.getStackArtifact(artifactId);
  return sharedStackResult(
    artifact,
    { name: LIFECYCLE_STACK_NAME, artifactId, blueprint: 'lifecycle', at },
    outDir,
    started,
  );
}

/** The accounts of these environments whose executor is aws in the config: where env deploy syncs. */
export function awsExecutorAccounts(config: EstateConfig, environments: readonly string[]): string[] {
  return [
    ...new Set(
      config.environments
        .filter((e) => environments.includes(e.name) && configExecutor(e) === 'aws')
        .map((e) => e.account),
    ),
  ];
}

/**
 * What `env deploy` runs at its end: the lifecycle stacks of the accounts it deployed
 * aws-executor environments into, and of the accounts where an environment now `ci` still has
 * an estate-lifecycle stack in its region (one DescribeStacks each: it was aws before, so the
 * stack must drop it). Undefined when there are none.
 */
export async function syncAfterDeploy(
  deps: SyncDeps,
  config: EstateConfig,
  environments: readonly string[],
  run: EnvRun,
  cwd?: string,
): Promise<LifecycleSyncResult | undefined> {
  if (run.signal?.aborted) return undefined;
  const aws = awsExecutorAccounts(config, environments);
  const others = config.environments.filter(
    (e) => environments.includes(e.name) && !aws.includes(e.account) && configExecutor(e) !== 'aws',
  );
  const ids = others.length
    ? await deps.accounts.accountIds([...new Set(others.map((e) => e.account))])
    : new Map();
  const stale = await mapConcurrent(others, READ_CONCURRENCY, async (e) => {
    const accountId = ids.get(e.account);
    if (!accountId) return undefined;
    const at = { accountId, region: e.region ?? config.organization.homeRegion };
    return (await deps.stacks.describeStack(at, LIFECYCLE_STACK_NAME)) ? e.account : undefined;
  });
  const accounts = [...new Set([...aws, ...stale.filter((a): a is string => a !== undefined)])];
  if (accounts.length === 0) return undefined;
  return syncLifecycle(deps, config, accounts, run, cwd ? { cwd } : {});
}

/** What happens to an environment next, when, and who does it (`env list`). */
export interface NextAction {
  readonly action: 'down' | 'up' | 'expire';
  /** ISO time; in the past when it is due and has not happened (e.g. expired, not reaped yet). */
  readonly at: string;
  readonly by: 'aws' | 'ci';
}

/**
 * The environment's next lifecycle action from its live tags (`estate:schedule`,
 * `estate:expires-at`, `estate:executor`), else its config: the earlier of its window's next
 * transition and its expiry. A protected environment is never taken down or expired (it has
 * neither). Undefined when nothing is scheduled.
 */
export function nextAction(
  tags: (key: string) => string | undefined,
  declared: EnvironmentConfig | undefined,
  expiresAt: string | undefined,
  protectedEnv: boolean,
  now: Date,
): NextAction | undefined {
  if (protectedEnv) return undefined;
  const by =
    tags(EXECUTOR_TAG) === 'aws' || tags(EXECUTOR_TAG) === 'ci'
      ? (tags(EXECUTOR_TAG) as 'aws' | 'ci')
      : declared
        ? configExecutor(declared)
        : 'ci';
  const scheduleTag = tags(SCHEDULE_TAG);
  const window =
    (scheduleTag ? parseScheduleTag(scheduleTag) : undefined) ?? (declared && configWindow(declared));
  const candidates: { action: NextAction['action']; at: number }[] = [];
  if (window) {
    const t = nextTransition(window, now);
    candidates.push({ action: t.action, at: t.at.getTime() });
  }
  if (expiresAt && !Number.isNaN(Date.parse(expiresAt)))
    candidates.push({ action: 'expire', at: Date.parse(expiresAt) });
  const first = candidates.sort((a, b) => a.at - b.at)[0];
  return first ? { action: first.action, at: new Date(first.at).toISOString(), by } : undefined;
}
