/**
 * `estate env reap`: what the scheduled CI job runs so that no idle environment keeps costing
 * money. Across every configured account at once:
 *
 * 1. discovery (the same as `env list`), then one candidate per environment: its merged stack
 *    tags, records, account kind, DELETE_FAILED blockers with their resource (StacksPort.failures),
 *    and, when idle detection is on, the requests its API, functions and distributions served
 *    over --idle-for, read with one batched GetMetricData per account and region;
 * 2. the pure selector (select.ts) decides: expired → destroy, orphan → destroy,
 *    outside-window → down, idle → down; protected and production never, whatever the flags;
 * 3. teardown (teardown.ts) of the selection in its order, with failure isolation, at most
 *    `concurrency` environments at once per account; teardown refuses protected ones again;
 * 4. owners warned before expiry (SNS and/or SES), once per expiry (the `warned` record);
 * 5. a typed result: reaped, kept with why, deferred (--max), blocked, failed, warnings and
 *    the monthly saving from the price table.
 */
import { BLUEPRINT_CATALOG, type BlueprintName } from '../../blueprints/catalog.js';
import { EDGE_REGION, isProtected } from '../../blueprints/environment.js';
import {
  DEFAULT_ORPHANS_AFTER,
  DEFAULT_WARN_BEFORE_HOURS,
  type EnvironmentConfig,
  type EstateConfig,
  type LifecycleSettings,
} from '../../config/schema.js';
import { limiter, mapConcurrent, type Limit } from '../concurrency.js';
import { ioMessage } from '../io.js';
import { describeError } from '../plan/execute.js';
import {
  BLUEPRINT_TAG,
  DEPLOYED_AT,
  EXECUTOR_TAG,
  EXPIRES_AT,
  OWNER_TAG,
  PROFILE_TAG,
  PROTECTED_TAG,
  SCHEDULE_TAG,
  deploymentSettings,
} from './common.js';
import { monthlySaving, type CostTarget, type PriceTable } from './cost.js';
import {
  discoverEnvironments,
  READ_CONCURRENCY,
  type FoundEnvironment,
  type Unreadable,
} from './discover.js';
import { environmentWindow, parseScheduleTag, type UpWindow } from './lifetime.js';
import type { LifecycleDeps, MetricQuery, StackLocation, StackRecord } from './ports.js';
import {
  selectForReap,
  isUntouchable,
  type ReapCandidate,
  type ReapReason,
  type ReapSelected,
  type ReapSelection,
} from './select.js';
import type { EnvRun, EnvServiceDeps } from './service.js';
import { recordsLocation, tearDown, type TeardownResult } from './teardown.js';

/** The reaper's messages (stable codes; see ENV_IO for the engine's). */
export const REAP_IO = {
  /** An environment was selected: reason and action. data: { environment, accountId, reason, action } */
  SELECTED: 'ESTATE_I0560',
  /** Metrics of an account and region could not be read: nothing there is treated as idle. data: { accountId, region, reason } */
  METRICS_UNREADABLE: 'ESTATE_W0561',
  /** Tearing down a selected environment failed. data: { environment, accountId, reason } */
  REAP_FAILED: 'ESTATE_E0562',
  /** An owner was warned of an expiry. data: ReapWarning */
  WARNED: 'ESTATE_I0563',
  /** A stack of a due environment is DELETE_FAILED: not retried. data: ReapBlocked */
  BLOCKED: 'ESTATE_W0564',
  /** Warning an owner failed. data: ReapWarning */
  WARN_FAILED: 'ESTATE_E0565',
} as const;

export interface ReapOptions {
  /** Account names; @default every account in estate.yaml */
  readonly accounts?: readonly string[];
  /** Say what would be reaped and warned; change nothing. */
  readonly dryRun: boolean;
  /** Idle detection: no requests over this long. Absent: off. */
  readonly idleForMs?: number;
  /** An environment not in estate.yaml is reaped once its last deploy is this old. */
  readonly orphansAfterMs: number;
  /** At most this many selections per run (oldest first); the rest are deferred. */
  readonly max?: number;
  /** Try again environments whose delete failed before (DELETE_FAILED stacks). */
  readonly retryBlocked?: boolean;
  /** Environments torn down at once per account. @default deployments.concurrency */
  readonly concurrency?: number;
  /** The price table (templates/prices.json) the savings come from. */
  readonly prices: PriceTable;
}

export type ReapAction = 'destroy' | 'down';

export interface ReapStack {
  readonly stack: string;
  readonly region: string;
  readonly status: string;
  readonly reason?: string;
  readonly failure?: {
    readonly logicalId: string;
    readonly resourceType?: string;
    readonly status: string;
    readonly reason: string;
  };
}

export interface ReapedEnvironment {
  readonly environment: string;
  readonly account?: string;
  readonly accountId: string;
  readonly reason: ReapReason;
  readonly action: ReapAction;
  /** Dry run: what would happen; `nothing`: the stacks were gone already. */
  readonly status: 'done' | 'dry-run' | 'nothing';
  /** When it became due: expired at, idle since, orphaned since (last deploy), window closed. */
  readonly since?: string;
  readonly expiredAt?: string;
  readonly idleSince?: string;
  readonly stacks: readonly ReapStack[];
  /** Estimated from the price table; undefined when no price is known for its blueprints. */
  readonly monthlySavingUsd?: number;
}

export interface KeptEnvironment {
  readonly environment: string;
  readonly account?: string;
  readonly accountId: string;
  readonly why: string;
}

export interface DeferredEnvironment {
  readonly environment: string;
  readonly account?: string;
  readonly accountId: string;
  readonly reason: ReapReason;
}

export interface ReapBlocked {
  readonly environment: string;
  readonly account?: string;
  readonly accountId: string;
  /** The resource that keeps the stack from going, as CloudFormation said. */
  readonly blocker: string;
}

export interface ReapFailed {
  readonly environment: string;
  readonly account?: string;
  readonly accountId: string;
  readonly reason: string;
  readonly action?: ReapAction;
  readonly stacks: readonly ReapStack[];
}

export interface ReapWarning {
  readonly environment: string;
  readonly accountId: string;
  readonly owner?: string;
  readonly expiresAt: string;
  readonly via: readonly ('sns' | 'email')[];
  readonly status: 'sent' | 'would-send' | 'failed';
  readonly error?: string;
}

export interface ReapResult {
  /** false when a teardown, a warning or an account's discovery failed. */
  readonly ok: boolean;
  readonly dryRun: boolean;
  /** Ctrl-C: no new teardown started; what ran finished. */
  readonly interrupted: boolean;
  readonly at: string;
  readonly reaped: readonly ReapedEnvironment[];
  readonly kept: readonly KeptEnvironment[];
  readonly deferred: readonly DeferredEnvironment[];
  readonly blocked: readonly ReapBlocked[];
  readonly failed: readonly ReapFailed[];
  readonly warnings: readonly ReapWarning[];
  readonly unreadable: readonly Unreadable[];
  readonly saving: {
    readonly monthlyUsd: number;
    readonly prices: { readonly date: string; readonly region: string; readonly currency: string };
  };
}

/** The `lifecycle` block of estate.yaml with its defaults (the block itself is optional). */
export type LifecycleDefaults = Omit<LifecycleSettings, 'warnBeforeHours' | 'orphansAfter'> &
  Required<Pick<LifecycleSettings, 'warnBeforeHours' | 'orphansAfter'>>;

export function lifecycleSettings(config: EstateConfig): LifecycleDefaults {
  const block: Partial<LifecycleSettings> = config.lifecycle ?? {};
  return {
    ...block,
    warnBeforeHours: block.warnBeforeHours ?? DEFAULT_WARN_BEFORE_HOURS,
    orphansAfter: block.orphansAfter ?? DEFAULT_ORPHANS_AFTER,
  };
}

type Declared = NonNullable<FoundEnvironment['declared']>;

const keyOf = (accountId: string, environment: string) => `${accountId}\0${environment}`;

function parseTime(value: string | undefined): Date | undefined {
  if (!value) return undefined;
  const t = Date.parse(value);
  return Number.isNaN(t) ? undefined : new Date(t);
}

/** Tags over every stack; protection counts when any stack says so. */
function mergedTags(found: FoundEnvironment): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const { s } of found.stacks) Object.assign(tags, s.tags);
  if (found.stacks.some(({ s }) => s.tags[PROTECTED_TAG] === 'true')) tags[PROTECTED_TAG] = 'true';
  if (found.stacks.some(({ s }) => s.tags[PROFILE_TAG] === 'prod')) tags[PROFILE_TAG] = 'prod';
  return tags;
}

function roleOf(stack: string, tags: Readonly<Record<string, string>>, records: readonly StackRecord[]) {
  const record = records.find((r) => r.name === stack);
  if (record) return record.role;
  return BLUEPRINT_CATALOG[tags[BLUEPRINT_TAG] as BlueprintName]?.role ?? 'stateful';
}

interface Prepared {
  readonly found: FoundEnvironment;
  readonly records: readonly StackRecord[];
  readonly candidate: Omit<ReapCandidate, 'idle'>;
}

async function prepare(
  deps: EnvServiceDeps & LifecycleDeps,
  config: EstateConfig,
  found: FoundEnvironment,
): Promise<Prepared> {
  const declared = found.declared as Declared | undefined;
  const home = recordsLocation(config, found);
  const records = await deps.records.stackRecords(home, found.environment).catch(() => [] as StackRecord[]);
  const tags = mergedTags(found);
  const times = found.stacks.map(({ s }) => s.createdAt.getTime());
  const deployed = found.stacks
    .map(({ s }) => parseTime(s.tags[DEPLOYED_AT])?.getTime())
    .filter((t): t is number => t !== undefined);
  const expiries = found.stacks
    .map(({ s }) => parseTime(s.tags[EXPIRES_AT])?.getTime())
    .filter((t): t is number => t !== undefined);
  const expiresAt = expiries.length ? new Date(Math.min(...expiries)) : parseTime(declared?.expires);
  const scheduleTag = found.stacks.map(({ s }) => s.tags[SCHEDULE_TAG]).find((v) => v);
  let window: UpWindow | undefined;
  try {
    window =
      (scheduleTag ? parseScheduleTag(scheduleTag) : undefined) ??
      (declared ? environmentWindow(declared) : undefined);
  } catch {
    window = undefined;
  }
  const executorTag = tags[EXECUTOR_TAG];
  const executor = executorTag === 'aws' || executorTag === 'ci' ? executorTag : (declared?.executor ?? 'ci');
  const blocked = found.stacks.filter(({ s }) => s.status === 'DELETE_FAILED');
  let deleteBlocked: string | undefined;
  const first = blocked[0];
  if (first) {
    const { s, at } = first;
    const failure = (await deps.stacks.failures(at, s.name).catch(() => []))[0];
    deleteBlocked = failure
      ? `${s.name}: ${failure.logicalId}${failure.resourceType ? ` (${failure.resourceType})` : ''} ${failure.status}: ${failure.reason}`
      : `${s.name}: DELETE_FAILED${s.statusReason ? `: ${s.statusReason}` : ''}`;
  }
  const kind = config.accounts.find((a) => a.name === found.account.name)?.kind;
  const candidate: Omit<ReapCandidate, 'idle'> = {
    environment: found.environment,
    accountId: found.account.id,
    account: found.account.name,
    ...(kind ? { accountKind: kind } : {}),
    declared: Boolean(declared),
    protectedConfig: declared ? isProtected(config, declared) : false,
    tags,
    createdAt: new Date(times.length ? Math.min(...times) : 0),
    ...(deployed.length ? { lastDeployedAt: new Date(Math.max(...deployed)) } : {}),
    ...(expiresAt ? { expiresAt } : {}),
    ...(window ? { window } : {}),
    executor,
    statelessLive: found.stacks.some(
      ({ s }) => roleOf(s.name, s.tags, records) === 'stateless' && s.status !== 'DELETE_COMPLETE',
    ),
    ...(deleteBlocked ? { deleteBlocked } : {}),
  };
  return { found, records, candidate };
}

/** The metrics that say an environment is in use, by the resource types of its stacks. */
async function metricQueriesOf(
  deps: EnvServiceDeps,
  found: FoundEnvironment,
): Promise<{ at: StackLocation; query: Omit<MetricQuery, 'id'> }[]> {
  const out: { at: StackLocation; query: Omit<MetricQuery, 'id'> }[] = [];
  for (const { s, at } of found.stacks) {
    const resources = await deps.stacks.stackResources(at, s.name);
    let template: { Resources?: Record<string, { Properties?: { Name?: unknown } }> } | undefined;
    for (const r of resources) {
      if (!r.physicalId) continue;
      if (r.type === 'AWS::ApiGatewayV2::Api')
        out.push({
          at,
          query: { namespace: 'AWS/ApiGateway', metricName: 'Count', dimensions: { ApiId: r.physicalId } },
        });
      else if (r.type === 'AWS::Lambda::Function')
        out.push({
          at,
          query: {
            namespace: 'AWS/Lambda',
            metricName: 'Invocations',
            dimensions: { FunctionName: r.physicalId },
          },
        });
      else if (r.type === 'AWS::CloudFront::Distribution')
        out.push({
          at: { accountId: at.accountId, region: EDGE_REGION },
          query: {
            namespace: 'AWS/CloudFront',
            metricName: 'Requests',
            dimensions: { DistributionId: r.physicalId, Region: 'Global' },
          },
        });
      else if (r.type === 'AWS::ApiGateway::RestApi') {
        // REST APIs are measured by name (ApiName), which the template gives.
        template ??= (await deps.stacks
          .deployedTemplate(at, s.name)
          .catch(() => undefined)) as typeof template;
        const name = template?.Resources?.[r.logicalId]?.Properties?.Name;
        if (typeof name === 'string')
          out.push({
            at,
            query: { namespace: 'AWS/ApiGateway', metricName: 'Count', dimensions: { ApiName: name } },
          });
      }
    }
  }
  return out;
}

/**
 * Requests served over the idle window per candidate: every query of one account and region
 * in one `sums` call (the adapter batches by 500). A location that cannot be read makes its
 * candidates unmeasurable, so none of them is called idle.
 */
async function measureIdle(
  deps: EnvServiceDeps & LifecycleDeps,
  prepared: readonly Prepared[],
  start: Date,
  end: Date,
  run: Pick<EnvRun, 'io'>,
): Promise<Map<string, { measurable: boolean; requests: number }>> {
  const perCandidate = await mapConcurrent(prepared, READ_CONCURRENCY, async (p) => {
    try {
      return await metricQueriesOf(deps, p.found);
    } catch {
      return undefined;
    }
  });
  const byLocation = new Map<string, { at: StackLocation; queries: MetricQuery[]; owners: string[] }>();
  let n = 0;
  perCandidate.forEach((queries, i) => {
    for (const { at, query } of queries ?? []) {
      const loc = `${at.accountId}/${at.region}`;
      const entry = byLocation.get(loc) ?? { at, queries: [], owners: [] };
      entry.queries.push({ ...query, id: `m${n++}` });
      entry.owners.push(keyOf(prepared[i]!.candidate.accountId, prepared[i]!.candidate.environment));
      byLocation.set(loc, entry);
    }
  });
  const sums = new Map<string, number>();
  const unmeasurable = new Set<string>();
  await mapConcurrent([...byLocation.values()], READ_CONCURRENCY, async ({ at, queries, owners }) => {
    try {
      const got = await deps.metrics.sums(at, queries, start, end);
      queries.forEach((q, i) => sums.set(owners[i]!, (sums.get(owners[i]!) ?? 0) + (got.get(q.id) ?? 0)));
    } catch (error) {
      for (const o of owners) unmeasurable.add(o);
      await run.io.notify(
        ioMessage(
          'warn',
          REAP_IO.METRICS_UNREADABLE,
          `cannot read metrics in ${at.accountId} ${at.region}: ${describeError(error)}; nothing there is treated as idle`,
          { ...at, reason: describeError(error) },
        ),
      );
    }
  });
  const idle = new Map<string, { measurable: boolean; requests: number }>();
  prepared.forEach((p, i) => {
    const key = keyOf(p.candidate.accountId, p.candidate.environment);
    const queries = perCandidate[i];
    idle.set(key, {
      measurable: queries !== undefined && queries.length > 0 && !unmeasurable.has(key),
      requests: sums.get(key) ?? 0,
    });
  });
  return idle;
}

const stackOutcomes = (t: TeardownResult): ReapStack[] =>
  t.stacks.map((s) => ({
    stack: s.stack,
    region: s.region,
    status: s.status,
    ...(s.reason ? { reason: s.reason } : {}),
    ...(s.failure ? { failure: s.failure } : {}),
  }));

/** What the phases of one reap share, and where each environment ends up. */
interface ReapRun {
  readonly deps: EnvServiceDeps & LifecycleDeps;
  readonly config: EstateConfig;
  readonly options: ReapOptions;
  readonly run: EnvRun;
  readonly now: Date;
  readonly reaped: ReapedEnvironment[];
  readonly kept: KeptEnvironment[];
  readonly blocked: ReapBlocked[];
  readonly failed: ReapFailed[];
}

/** What the teardown of one selected environment came to: its result, or why there is none. */
interface ReapOutcome {
  readonly selected: ReapSelected;
  readonly p: Prepared;
  readonly t?: TeardownResult;
  readonly error?: string;
}

/**
 * Discover → prepare candidates → measure idleness → select → tear the selection down → file
 * each outcome (reaped, kept, blocked, failed) → warn owners of what is not destroyed → result.
 */
export async function reapEnvironments(
  deps: EnvServiceDeps & LifecycleDeps,
  config: EstateConfig,
  options: ReapOptions,
  run: EnvRun,
): Promise<ReapResult> {
  const ctx: ReapRun = {
    deps,
    config,
    options,
    run,
    now: (run.now ?? (() => new Date()))(),
    reaped: [],
    kept: [],
    blocked: [],
    failed: [],
  };
  const discovery = await discoverEnvironments(
    deps,
    config,
    options.accounts ? { accounts: options.accounts } : {},
    run,
  );
  const prepared = await mapConcurrent(discovery.environments, READ_CONCURRENCY, (found) =>
    prepare(deps, config, found),
  );
  const selection = selectionOf(ctx, prepared, await idleOf(ctx, prepared));
  fileKept(ctx, selection.kept);
  const outcomes = await tearDownSelected(ctx, prepared, selection.selected);
  let savingUsd = 0;
  for (const o of outcomes) {
    const saving = await fileOutcome(ctx, o);
    if (saving !== undefined) savingUsd += saving;
  }
  await reportBlocked(ctx);
  const warnings = await warnOwners(
    deps,
    config,
    notDestroyed(prepared, selection),
    ctx.now,
    options.dryRun,
    run,
  );
  return reapResult(ctx, {
    unreadable: discovery.unreadable,
    deferred: selection.deferred,
    warnings,
    savingUsd,
  });
}

/** Each blocked environment as a warning: its delete failed before and is not retried. */
async function reportBlocked(ctx: ReapRun): Promise<void> {
  for (const b of ctx.blocked)
    await ctx.run.io.notify(
      ioMessage(
        'warn',
        REAP_IO.BLOCKED,
        `${b.environment} (${b.accountId}) is blocked, not retried: ${b.blocker}`,
        b,
      ),
    );
}

/** The candidates not destroyed by this run: only they can still need an expiry warning. */
function notDestroyed(prepared: readonly Prepared[], selection: ReapSelection): Prepared[] {
  const destroyed = new Set(
    selection.selected
      .filter((s) => s.action === 'destroy')
      .map((s) => keyOf(s.candidate.accountId, s.candidate.environment)),
  );
  return prepared.filter((p) => !destroyed.has(keyOf(p.candidate.accountId, p.candidate.environment)));
}

/**
 * With --idle-for, the requests each candidate served over that window; measured only where
 * idleness could take an environment down: declared (orphans go by age), not expired
 * (destroyed anyway), not protected, with stateless stacks up.
 */
async function idleOf(
  ctx: ReapRun,
  prepared: readonly Prepared[],
): Promise<Map<string, { measurable: boolean; requests: number }> | undefined> {
  const { now, options } = ctx;
  if (options.idleForMs === undefined) return undefined;
  return measureIdle(
    ctx.deps,
    prepared.filter(
      ({ candidate: c }) =>
        c.declared &&
        c.statelessLive &&
        !(c.expiresAt && c.expiresAt <= now) &&
        !isUntouchable(c as ReapCandidate),
    ),
    new Date(now.getTime() - options.idleForMs),
    now,
    ctx.run,
  );
}

/** The pure selector over the candidates, each with its idleness where it was measured. */
function selectionOf(
  ctx: ReapRun,
  prepared: readonly Prepared[],
  idle: ReadonlyMap<string, { measurable: boolean; requests: number }> | undefined,
): ReapSelection {
  const { options } = ctx;
  const candidates: ReapCandidate[] = prepared.map((p) => {
    const measured = idle?.get(keyOf(p.candidate.accountId, p.candidate.environment));
    return { ...p.candidate, ...(measured ? { idle: measured } : {}) };
  });
  return selectForReap(candidates, ctx.now, {
    ...(options.idleForMs !== undefined ? { idleForMs: options.idleForMs } : {}),
    orphansAfterMs: options.orphansAfterMs,
    ...(options.max !== undefined ? { max: options.max } : {}),
    ...(options.retryBlocked ? { retryBlocked: true } : {}),
  });
}

/** What the selector keeps: blocked when a delete failed before and is not retried, else kept with its why. */
function fileKept(ctx: ReapRun, kept: ReapSelection['kept']): void {
  for (const k of kept) {
    const c = k.candidate;
    if (c.deleteBlocked && !ctx.options.retryBlocked && !isUntouchable(c))
      ctx.blocked.push({
        environment: c.environment,
        account: c.account,
        accountId: c.accountId,
        blocker: c.deleteBlocked,
      });
    else
      ctx.kept.push({ environment: c.environment, account: c.account, accountId: c.accountId, why: k.why });
  }
}

/**
 * Tears the selection down in its order, `perAccount` at once in each account, accounts side
 * by side; each environment is announced as it is queued.
 */
async function tearDownSelected(
  ctx: ReapRun,
  prepared: readonly Prepared[],
  selected: readonly ReapSelected[],
): Promise<ReapOutcome[]> {
  const byKey = new Map(prepared.map((p) => [keyOf(p.candidate.accountId, p.candidate.environment), p]));
  const perAccount = ctx.options.concurrency ?? deploymentSettings(ctx.config).concurrency;
  const pools = new Map<string, Limit>();
  return Promise.all(
    selected.map(async (s) => {
      const { candidate: c, reason, action, since } = s;
      const pool = pools.get(c.accountId) ?? limiter(perAccount);
      pools.set(c.accountId, pool);
      const p = byKey.get(keyOf(c.accountId, c.environment))!;
      await ctx.run.io.notify(
        ioMessage(
          'info',
          REAP_IO.SELECTED,
          `${c.environment} (${c.accountId}): ${reason} → ${action}${since ? ` (since ${since.toISOString()})` : ''}`,
          { environment: c.environment, accountId: c.accountId, reason, action },
        ),
      );
      return pool(() => reapOne(ctx, s, p));
    }),
  );
}

/**
 * One environment's teardown (destroy: every stack; down: the stateless ones) with the records
 * already read; one that throws is an outcome like any other, so it cannot stop the rest.
 */
async function reapOne(ctx: ReapRun, selected: ReapSelected, p: Prepared): Promise<ReapOutcome> {
  const { options } = ctx;
  if (ctx.run.signal?.aborted) return { selected, p, error: 'interrupted: not started' };
  try {
    const t = await tearDown(
      ctx.deps,
      ctx.config,
      p.found,
      {
        scope: selected.action === 'destroy' ? 'all' : 'stateless',
        dryRun: options.dryRun,
        records: p.records,
        ...(options.retryBlocked ? { retryBlocked: true } : {}),
      },
      ctx.run,
    );
    return { selected, p, t };
  } catch (error) {
    return { selected, p, error: describeError(error) };
  }
}

/** Files a teardown's outcome: reaped (returning its saving), or kept, blocked or failed. */
async function fileOutcome(ctx: ReapRun, o: ReapOutcome): Promise<number | undefined> {
  const { candidate: c, reason, action, since } = o.selected;
  const { t } = o;
  if (!t || !['done', 'nothing', 'dry-run'].includes(t.status)) {
    await fileNotReaped(ctx, o);
    return undefined;
  }
  const saving =
    t.status === 'nothing' ? undefined : savingOf(ctx.options.prices, ctx.config, o.p, reason, action);
  ctx.reaped.push({
    environment: c.environment,
    account: c.account,
    accountId: c.accountId,
    reason,
    action,
    status: t.status as ReapedEnvironment['status'],
    ...(since ? { since: since.toISOString() } : {}),
    ...(reason === 'expired' && c.expiresAt ? { expiredAt: c.expiresAt.toISOString() } : {}),
    ...(reason === 'idle' && since ? { idleSince: since.toISOString() } : {}),
    stacks: stackOutcomes(t),
    ...(saving !== undefined ? { monthlySavingUsd: saving } : {}),
  });
  return saving;
}

/**
 * An environment not reaped: kept when teardown refused it (protected after all), blocked when
 * teardown found a stack already DELETE_FAILED and did not retry it (not a new failure), else
 * failed, with the resource that failed, and said as an error.
 */
async function fileNotReaped(ctx: ReapRun, o: ReapOutcome): Promise<void> {
  const { candidate: c, action } = o.selected;
  const { t } = o;
  const base = { environment: c.environment, account: c.account, accountId: c.accountId };
  const why = t ? `${t.status}${t.reason ? `: ${t.reason}` : ''}` : (o.error ?? 'failed');
  if (t?.status === 'refused') {
    ctx.kept.push({ ...base, why: `refused by teardown: ${t.reason ?? 'protected'}` });
    return;
  }
  const stacks = t ? stackOutcomes(t) : [];
  const stuck = stacks.find((s) => s.status === 'blocked');
  if (stuck && !stacks.some((s) => s.status === 'failed' || s.status === 'interrupted')) {
    const f = stuck.failure;
    ctx.blocked.push({
      ...base,
      blocker: f
        ? `${stuck.stack}: ${f.logicalId}${f.resourceType ? ` (${f.resourceType})` : ''} ${f.status}: ${f.reason}`
        : `${stuck.stack}: ${stuck.reason ?? 'DELETE_FAILED'}`,
    });
    return;
  }
  const blocker = stacks.find((s) => s.failure)?.failure;
  ctx.failed.push({
    ...base,
    reason: blocker ? `${why}; ${blocker.logicalId} ${blocker.status}: ${blocker.reason}` : why,
    action,
    stacks,
  });
  await ctx.run.io.notify(
    ioMessage('error', REAP_IO.REAP_FAILED, `${c.environment} (${c.accountId}): ${action} failed: ${why}`, {
      ...base,
      reason: why,
    }),
  );
}

/** The typed result: ok unless a teardown, a warning or an account's discovery failed, or the run was interrupted. */
function reapResult(
  ctx: ReapRun,
  rest: {
    readonly unreadable: readonly Unreadable[];
    readonly deferred: ReapSelection['deferred'];
    readonly warnings: readonly ReapWarning[];
    readonly savingUsd: number;
  },
): ReapResult {
  const { run, failed } = ctx;
  const { date, region, currency } = ctx.options.prices;
  const prices = { date, region, currency };
  return {
    ok:
      failed.length === 0 &&
      rest.unreadable.length === 0 &&
      rest.warnings.every((w) => w.status !== 'failed') &&
      !(run.signal?.aborted ?? false),
    dryRun: ctx.options.dryRun,
    interrupted: run.signal?.aborted ?? false,
    at: ctx.now.toISOString(),
    reaped: ctx.reaped,
    kept: ctx.kept,
    deferred: rest.deferred.map(({ candidate: c, reason }) => ({
      environment: c.environment,
      account: c.account,
      accountId: c.accountId,
      reason,
    })),
    blocked: ctx.blocked,
    failed,
    warnings: rest.warnings,
    unreadable: rest.unreadable,
    saving: { monthlyUsd: Math.round(rest.savingUsd * 100) / 100, prices },
  };
}

/**
 * The monthly saving of one reaped environment from the price table: its estate.yaml entry,
 * or for an orphan its stacks' blueprint and profile tags with the records' roles. An idle
 * environment is priced at the idle figures (that is what it was costing).
 */
function savingOf(
  prices: PriceTable,
  config: EstateConfig,
  p: Prepared,
  reason: ReapReason,
  action: ReapAction,
): number | undefined {
  const c = p.candidate;
  const env: EnvironmentConfig | CostTarget = p.found.declared ?? {
    environment: c.environment,
    blueprints: [
      ...new Set(p.found.stacks.map(({ s }) => s.tags[BLUEPRINT_TAG]).filter((b): b is string => !!b)),
    ],
    profile: c.tags[PROFILE_TAG] === 'prod' ? 'prod' : 'dev',
    ...(c.window ? { window: c.window } : {}),
    ...(p.records.length ? { roles: Object.fromEntries(p.records.map((r) => [r.blueprint, r.role])) } : {}),
  };
  try {
    return monthlySaving(prices, config, env, action, { idle: reason === 'idle' });
  } catch {
    return undefined;
  }
}

/**
 * Environments expiring within lifecycle.warnBeforeHours, not warned for this expiry yet: an
 * SNS message to lifecycle.warnTopicArn and/or a mail from lifecycle.warnFromEmail to the
 * owner; then `/estate/env/<env>/warned` = the expiry, so the next run does not warn again.
 */
async function warnOwners(
  deps: EnvServiceDeps & LifecycleDeps,
  config: EstateConfig,
  prepared: readonly Prepared[],
  now: Date,
  dryRun: boolean,
  run: EnvRun,
): Promise<ReapWarning[]> {
  const settings = lifecycleSettings(config);
  if (!settings.warnTopicArn && !settings.warnFromEmail) return [];
  const horizon = now.getTime() + settings.warnBeforeHours * 3_600_000;
  const due = prepared.filter((p) => {
    const at = p.candidate.expiresAt?.getTime();
    return (
      at !== undefined && at > now.getTime() && at <= horizon && !isUntouchable(p.candidate as ReapCandidate)
    );
  });
  const out = await mapConcurrent(due, READ_CONCURRENCY, async (p): Promise<ReapWarning | undefined> => {
    const c = p.candidate;
    const expiresAt = c.expiresAt!.toISOString();
    const home = recordsLocation(config, p.found);
    const owner = c.tags[OWNER_TAG] ?? p.found.declared?.owner;
    const via: ('sns' | 'email')[] = [
      ...(settings.warnTopicArn ? (['sns'] as const) : []),
      ...(settings.warnFromEmail && owner ? (['email'] as const) : []),
    ];
    if (via.length === 0) return undefined;
    const base = {
      environment: c.environment,
      accountId: c.accountId,
      ...(owner ? { owner } : {}),
      expiresAt,
      via,
    };
    try {
      if ((await deps.records.value(home, c.environment, 'warned')) === expiresAt) return undefined;
      if (dryRun) return { ...base, status: 'would-send' };
      const hours = Math.max(1, Math.round((c.expiresAt!.getTime() - now.getTime()) / 3_600_000));
      const subject = `estate: ${c.environment} expires in ${hours} h`;
      const body = [
        `Environment ${c.environment} in account ${c.account ?? c.accountId} expires at ${expiresAt} (in about ${hours} hours).`,
        'Then `estate env reap` destroys all of its stacks, data included.',
        `To keep it longer: estate env extend ${c.environment} --by 24h`,
        ...(owner ? [`Owner: ${owner}`] : []),
      ].join('\n');
      if (settings.warnTopicArn) await deps.notify.publish(settings.warnTopicArn, subject, body);
      if (settings.warnFromEmail && owner)
        await deps.notify.email(settings.warnFromEmail, owner, subject, body);
      await deps.records.putValue(home, c.environment, 'warned', expiresAt);
      const w: ReapWarning = { ...base, status: 'sent' };
      await run.io.notify(
        ioMessage(
          'info',
          REAP_IO.WARNED,
          `${c.environment}: warned ${owner ?? settings.warnTopicArn} of expiry at ${expiresAt}`,
          w,
        ),
      );
      return w;
    } catch (error) {
      const w: ReapWarning = { ...base, status: 'failed', error: describeError(error) };
      await run.io.notify(
        ioMessage('error', REAP_IO.WARN_FAILED, `${c.environment}: could not warn of expiry: ${w.error}`, w),
      );
      return w;
    }
  });
  return out.filter((w): w is ReapWarning => w !== undefined);
}
