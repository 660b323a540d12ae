/**
 * The teardown and bring-up engine of the lifecycle services (`env down|up`, the reaper's
 * expiry and orphan cleanup): it works from an environment's live stacks (discovery) and its
 * stack records (SSM), never from a synthesis, so it runs for orphans that estate.yaml no longer
 * names and loads no toolkit.
 *
 * - tearDown deletes the stateless stacks (scope `stateless`: down) or every stack (scope
 *   `all`: expire) in reverse dependency order, level by level, the stacks of one level at once.
 *   The order comes from the records' dependsOn; stacks without a record go by role (stateless
 *   before stateful) and then newest first. The shared estate-bedrock-logging stack is never
 *   deleted. Buckets of dev-profile stacks are emptied first. A DELETE_FAILED stack is
 *   reported with its blocking resource, and what it depends on stays. A protected environment
 *   (config, `estate:protected=true`, `estate:profile=prod`, a prod account kind) is refused.
 * - bringUp re-creates every recorded stack that is absent, in dependency order, from the
 *   template object the last deploy left in the bootstrap bucket, with the record's tags and the
 *   deploy-time tags of a live stack of the environment, waiting for CREATE_COMPLETE.
 */
import { BLUEPRINT_CATALOG, type BlueprintName } from '../../blueprints/catalog.js';
import { BEDROCK_LOGGING_STACK, EDGE_REGION, isProtected } from '../../blueprints/environment.js';
import type { EstateConfig } from '../../config/schema.js';
import { mapConcurrent } from '../concurrency.js';
import { ioMessage, startTask, type Task } from '../io.js';
import { describeError } from '../plan/execute.js';
import {
  BLUEPRINT_TAG,
  DEPLOYED_AT,
  DEPLOY_TIME_TAGS,
  PROFILE_TAG,
  PROTECTED_TAG,
  deploymentSettings,
  endpointsOf,
} from './common.js';
import type { FoundEnvironment, FoundStack } from './discover.js';
import { ENV_IO, stackTaskId, stackTaskTitle } from './io.js';
import type { DeployedStack, LifecycleDeps, StackFailure, StackLocation, StackRecord } from './ports.js';
import type { Endpoints, EnvRun, EnvServiceDeps } from './service.js';

/** The account's shared stack: never deleted with one environment. */
export const SHARED_STACK = BEDROCK_LOGGING_STACK;
export const SHARED_TAG = 'estate:shared';

/** What tearDown and bringUp use. */
export type TeardownDeps = Pick<EnvServiceDeps, 'stacks' | 'buckets'> &
  Pick<LifecycleDeps, 'stackOps' | 'records'> & {
    /**
     * The S3 endpoint CloudFormation should fetch templates from (AWS_ENDPOINT_URL_S3_FOR_CLOUDFORMATION);
     * absent: the bucket's regional virtual-hosted URL.
     */
    readonly templateEndpoint?: string;
  };

export interface TeardownOptions {
  readonly scope: 'stateless' | 'all';
  readonly dryRun: boolean;
  /** Try again a stack already in DELETE_FAILED (else it is reported `blocked`). @default false */
  readonly retryBlocked?: boolean;
  /** The environment's stack records when the caller has read them already. @default read here */
  readonly records?: readonly StackRecord[];
}

export type TeardownStackStatus =
  | 'deleted'
  | 'absent'
  | 'would-delete'
  /** Stays: stateful under down, the shared stack, or a kept stack depends on it. */
  | 'kept'
  | 'failed'
  /** Not attempted: a stack that depends on it was not deleted. */
  | 'skipped'
  /** Already DELETE_FAILED and not retried. */
  | 'blocked'
  | 'interrupted';

export interface TeardownStack {
  readonly stack: string;
  readonly region: string;
  readonly blueprint?: string;
  readonly role: 'stateful' | 'stateless';
  readonly status: TeardownStackStatus;
  readonly reason?: string;
  readonly failure?: StackFailure;
}

export type TeardownStatus =
  'done' | 'partial' | 'failed' | 'nothing' | 'dry-run' | 'refused' | 'interrupted';

export interface TeardownResult {
  readonly environment: string;
  readonly accountId: string;
  readonly scope: TeardownOptions['scope'];
  readonly status: TeardownStatus;
  readonly reason?: string;
  readonly stacks: readonly TeardownStack[];
  readonly emptiedBuckets: readonly { bucket: string; stack: string; objects: number }[];
  /** Scope all, everything gone: the environment's records were deleted. */
  readonly recordsDeleted: boolean;
}

const RETAIN_POLICIES = new Set(['Retain', 'RetainExceptOnCreate']);

/** Why the environment must never be taken down or expired, or undefined. */
export function protectionOf(config: EstateConfig, found: FoundEnvironment): string | undefined {
  if (found.declared && isProtected(config, found.declared))
    return found.declared.protected
      ? 'protected: true in estate.yaml'
      : `account ${found.account.name} is a production account`;
  const kind = config.accounts.find((a) => a.name === found.account.name)?.kind;
  if (kind === 'prod-multi-tenant' || kind === 'prod-single-tenant')
    return `account ${found.account.name} is of kind ${kind}`;
  for (const { s } of found.stacks) {
    if (s.tags[PROTECTED_TAG] === 'true') return `stack ${s.name} is tagged ${PROTECTED_TAG}=true`;
    if (s.tags[PROFILE_TAG] === 'prod') return `stack ${s.name} is tagged ${PROFILE_TAG}=prod`;
  }
  return undefined;
}

/** Where the environment's records are: its own region (edge's record too). */
export function recordsLocation(config: EstateConfig, found: FoundEnvironment): StackLocation {
  const region =
    found.declared?.region ??
    (found.declared
      ? config.organization.homeRegion
      : (found.stacks.find((x) => x.at.region !== EDGE_REGION)?.at.region ?? config.organization.homeRegion));
  return { accountId: found.account.id, region };
}

export const isShared = (s: DeployedStack): boolean => s.name === SHARED_STACK || SHARED_TAG in s.tags;

/** A stack's role: its record's, else its blueprint's in the catalog, else stateful (never deleted by down). */
export function roleOf(s: DeployedStack, record: StackRecord | undefined): 'stateful' | 'stateless' {
  if (record) return record.role;
  const info = BLUEPRINT_CATALOG[s.tags[BLUEPRINT_TAG] as BlueprintName] as
    (typeof BLUEPRINT_CATALOG)[BlueprintName] | undefined;
  return info?.role ?? 'stateful';
}

/**
 * What each stack depends on: its record's dependsOn; for a stack without one, the unrecorded
 * stacks it must outlive by role (stateless before stateful) and then by age (newest first).
 */
export function dependencies(
  stacks: readonly FoundStack[],
  records: ReadonlyMap<string, StackRecord>,
): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const unrecorded = stacks.filter((x) => !records.has(x.s.name));
  const rank = (x: FoundStack) => (roleOf(x.s, undefined) === 'stateful' ? 0 : 1);
  for (const x of stacks) {
    const record = records.get(x.s.name);
    if (record) {
      out.set(x.s.name, [...record.dependsOn]);
      continue;
    }
    out.set(
      x.s.name,
      unrecorded
        .filter(
          (o) =>
            o !== x &&
            (rank(o) < rank(x) ||
              (rank(o) === rank(x) && o.s.createdAt.getTime() < x.s.createdAt.getTime()) ||
              (rank(o) === rank(x) &&
                o.s.createdAt.getTime() === x.s.createdAt.getTime() &&
                o.s.name < x.s.name)),
        )
        .map((o) => o.s.name),
    );
  }
  return out;
}

/** What the phases of one teardown or bring-up share. */
interface EngineRun {
  readonly deps: TeardownDeps;
  readonly config: EstateConfig;
  readonly found: FoundEnvironment;
  readonly run: EnvRun;
  readonly environment: string;
}

/** What the phases of one teardown share: the order, and each stack's outcome as it comes. */
interface TeardownRun extends EngineRun {
  readonly options: TeardownOptions;
  /** Where the environment's records are (deleted after a complete expiry). */
  readonly recordsAt: StackLocation;
  /** The stack records by stack name; empty when they could not be read. */
  readonly records: ReadonlyMap<string, StackRecord>;
  readonly byName: ReadonlyMap<string, FoundStack>;
  /** What each stack depends on (dependencies()). */
  readonly depends: ReadonlyMap<string, string[]>;
  /** Each stack's outcome once it has one. */
  readonly outcome: Map<string, TeardownStack>;
  /** Stacks of the environment still standing (not deleted). */
  readonly standing: Set<string>;
  readonly emptied: { bucket: string; stack: string; objects: number }[];
}

/**
 * Protection → records → what stays (kept, blocked) → dry run, or delete level by level →
 * what was not reached → status → the records forgotten after a complete expiry.
 */
export async function tearDown(
  deps: TeardownDeps,
  config: EstateConfig,
  found: FoundEnvironment,
  options: TeardownOptions,
  run: EnvRun,
): Promise<TeardownResult> {
  const environment = found.environment;
  const base = { environment, accountId: found.account.id, scope: options.scope };
  const refusal = protectionOf(config, found);
  if (refusal) return refuse(base, refusal, run);

  const recordsAt = recordsLocation(config, found);
  const records = options.records ?? (await readRecords(deps, environment, recordsAt, run));
  const recordOf = new Map(records.map((r) => [r.name, r]));
  const ctx: TeardownRun = {
    deps,
    config,
    found,
    options,
    run,
    environment,
    recordsAt,
    records: recordOf,
    byName: new Map(found.stacks.map((x) => [x.s.name, x])),
    depends: dependencies(found.stacks, recordOf),
    outcome: new Map(),
    standing: new Set(found.stacks.map((x) => x.s.name)),
    emptied: [],
  };
  settleKept(ctx);
  await settleBlocked(ctx);
  const toDelete = found.stacks.filter((x) => !ctx.outcome.has(x.s.name));
  if (options.dryRun) {
    await reportWouldDelete(ctx, toDelete);
    return result(base, found, ctx.outcome, toDelete.length ? 'dry-run' : 'nothing', [], false);
  }

  const remaining = new Set(toDelete.map((x) => x.s.name));
  await inLevels(
    { remaining, byName: ctx.byName, concurrency: deploymentSettings(config).concurrency, run },
    (x) => !standingDependant(ctx, x.s.name),
    (x) => deleteOne(ctx, x),
  );
  settleUnreached(ctx, remaining);
  const status = teardownStatus([...ctx.outcome.values()]);
  const recordsDeleted = await forgetRecords(ctx, status);
  return result(base, found, ctx.outcome, status, ctx.emptied, recordsDeleted);
}

/** A protected environment: said once as an error, and nothing of it touched. */
async function refuse(
  base: Pick<TeardownResult, 'environment' | 'accountId' | 'scope'>,
  refusal: string,
  run: EnvRun,
): Promise<TeardownResult> {
  const { environment } = base;
  const reason = `environment "${environment}" is protected (${refusal}); it is never ${base.scope === 'all' ? 'expired' : 'taken down'}`;
  await run.io.notify(
    ioMessage('error', ENV_IO.ENV_REFUSED, `${environment}: ${reason}`, { environment, reason }),
  );
  return { ...base, status: 'refused', reason, stacks: [], emptiedBuckets: [], recordsDeleted: false };
}

/**
 * The environment's stack records. Without readable records (a warning) the order and roles
 * come from the stacks themselves (tags, age), so an unreadable SSM does not stop a teardown.
 */
async function readRecords(
  deps: TeardownDeps,
  environment: string,
  recordsAt: StackLocation,
  run: EnvRun,
): Promise<readonly StackRecord[]> {
  return deps.records.stackRecords(recordsAt, environment).catch(async (error: unknown) => {
    await run.io.notify(
      ioMessage(
        'warn',
        ENV_IO.REGION_UNREADABLE,
        `${environment}: cannot read its stack records in ${recordsAt.accountId} ${recordsAt.region} (${describeError(error)}); ordering by role and age`,
        recordsAt,
      ),
    );
    return [];
  });
}

/** Records a stack's outcome, with its region, blueprint and role. */
function settle(
  ctx: TeardownRun,
  x: FoundStack,
  status: TeardownStackStatus,
  extra: Partial<TeardownStack> = {},
): void {
  ctx.outcome.set(x.s.name, {
    stack: x.s.name,
    region: x.at.region,
    ...(x.s.tags[BLUEPRINT_TAG] ? { blueprint: x.s.tags[BLUEPRINT_TAG] } : {}),
    role: roleOf(x.s, ctx.records.get(x.s.name)),
    status,
    ...extra,
  });
}

/**
 * What stays: the shared stack, stateful stacks under down, and (until nothing changes) every
 * stack a kept stack depends on, since deleting it would break the kept one.
 */
function settleKept(ctx: TeardownRun): void {
  const { found, outcome } = ctx;
  for (const x of found.stacks) {
    if (isShared(x.s))
      settle(ctx, x, 'kept', {
        reason: `${x.s.name} is shared by the account's environments; never deleted`,
      });
    else if (ctx.options.scope === 'stateless' && roleOf(x.s, ctx.records.get(x.s.name)) === 'stateful')
      settle(ctx, x, 'kept', { reason: 'stateful: kept while the environment is down' });
  }
  for (let changed = true; changed;) {
    changed = false;
    for (const x of found.stacks) {
      if (outcome.has(x.s.name)) continue;
      const keeper = found.stacks.find(
        (o) =>
          outcome.get(o.s.name)?.status === 'kept' &&
          !isShared(o.s) &&
          ctx.depends.get(o.s.name)?.includes(x.s.name),
      );
      if (keeper) {
        settle(ctx, x, 'kept', { reason: `${keeper.s.name}, which is kept, depends on it` });
        changed = true;
      }
    }
  }
}

/**
 * A stack already DELETE_FAILED is not tried again unless asked (retryBlocked): it is reported
 * blocked with the resource that failed, so a scheduled run does not fail on it every time.
 */
async function settleBlocked(ctx: TeardownRun): Promise<void> {
  for (const x of ctx.found.stacks)
    if (!ctx.outcome.has(x.s.name) && x.s.status === 'DELETE_FAILED' && !ctx.options.retryBlocked) {
      const failure = await firstFailure(ctx.deps, x.at, x.s.name);
      settle(ctx, x, 'blocked', {
        reason: `already DELETE_FAILED${failure ? `: ${failure.logicalId} ${failure.reason}` : ''}; not retried`,
        ...(failure ? { failure } : {}),
      });
      await ctx.run.io.notify(
        ioMessage(
          'error',
          ENV_IO.STACK_FAILED,
          `${x.s.name} (${x.at.accountId}, ${x.at.region}) is blocked: ${failure ? `${failure.logicalId}: ${failure.reason}` : 'DELETE_FAILED'}`,
          {
            stack: x.s.name,
            environment: ctx.environment,
            accountId: x.at.accountId,
            region: x.at.region,
            reason: 'DELETE_FAILED',
            ...(failure ? { failure } : {}),
          },
        ),
      );
    }
}

/** A dry run: says what would go, and deletes nothing. */
async function reportWouldDelete(ctx: TeardownRun, toDelete: readonly FoundStack[]): Promise<void> {
  for (const x of toDelete) {
    settle(ctx, x, 'would-delete');
    await ctx.run.io.notify(
      ioMessage('info', ENV_IO.WOULD_DELETE, `would delete ${stackTaskTitle({ stack: x.s.name, ...x.at })}`, {
        stack: x.s.name,
        environment: ctx.environment,
        ...x.at,
      }),
    );
  }
}

/** A stack of the environment still standing that depends on `name`, if any: `name` must wait for it. */
function standingDependant(ctx: TeardownRun, name: string): string | undefined {
  return [...ctx.standing].find((o) => o !== name && ctx.depends.get(o)?.includes(name));
}

/** Whether the stack is of the dev profile, whose buckets are emptied so that it can go. */
function isDev(ctx: TeardownRun, x: FoundStack): boolean {
  return ctx.found.declared ? ctx.found.declared.size === 'dev' : x.s.tags[PROFILE_TAG] === 'dev';
}

/**
 * Deletes one stack (its buckets emptied first when dev) and waits until it is gone; a
 * DELETE_FAILED stays standing, so what it depends on is not deleted.
 */
async function deleteOne(ctx: TeardownRun, x: FoundStack): Promise<void> {
  const { deps, run } = ctx;
  if (run.signal?.aborted) {
    settle(ctx, x, 'interrupted', { reason: 'interrupted: not started' });
    return;
  }
  const task = await startTask(
    run.io,
    stackTaskId({ stack: x.s.name, ...x.at }),
    stackTaskTitle({ stack: x.s.name, ...x.at }),
  );
  try {
    if (x.s.terminationProtection)
      throw new Error(
        `termination protection is on; turn it off (or use \`estate env destroy\`) to delete ${x.s.name}`,
      );
    if (isDev(ctx, x)) await emptyBuckets(ctx, x, task);
    await deps.stackOps.deleteStack(x.at, x.s.name, ctx.records.get(x.s.name)?.roleArn);
    const after = await deps.stackOps.waitForStack(x.at, x.s.id || x.s.name, {
      ...(run.signal ? { signal: run.signal } : {}),
    });
    if (!after) {
      ctx.standing.delete(x.s.name);
      settle(ctx, x, 'deleted');
      await task.done(`${x.s.name}: deleted`);
      return;
    }
    const failed = await failureOf(
      deps,
      x.at,
      x.s.name,
      `${after.status}${after.statusReason ? `: ${after.statusReason}` : ''}`,
    );
    settle(ctx, x, 'failed', failed);
    await reportFailed(ctx, { stack: x.s.name, at: x.at, verb: 'delete' }, failed, task);
  } catch (error) {
    if (run.signal?.aborted) {
      settle(ctx, x, 'interrupted', { reason: 'still deleting in CloudFormation when interrupted' });
      await task.skip(`${x.s.name}: interrupted`);
      return;
    }
    settle(ctx, x, 'failed', { reason: describeError(error) });
    await task.fail(`${x.s.name}: ${describeError(error)}`);
  }
}

/** The stacks never started: interrupted, or kept because a stack that depends on them still stands. */
function settleUnreached(ctx: TeardownRun, remaining: ReadonlySet<string>): void {
  for (const name of remaining) {
    const x = ctx.byName.get(name)!;
    if (ctx.run.signal?.aborted) settle(ctx, x, 'interrupted', { reason: 'interrupted: not started' });
    else {
      const blocker = standingDependant(ctx, name);
      settle(ctx, x, 'skipped', {
        reason: `kept: ${blocker ?? 'a stack'}, which depends on it, was not deleted`,
      });
    }
  }
}

/** The teardown's status from what was attempted (kept stacks were not). */
function teardownStatus(stacks: readonly TeardownStack[]): TeardownStatus {
  const attempted = stacks.filter((s) =>
    ['deleted', 'failed', 'skipped', 'interrupted', 'blocked'].includes(s.status),
  );
  return stacks.some((s) => s.status === 'interrupted')
    ? 'interrupted'
    : attempted.length === 0
      ? 'nothing'
      : attempted.every((s) => s.status === 'deleted')
        ? 'done'
        : attempted.some((s) => s.status === 'deleted')
          ? 'partial'
          : 'failed';
}

/**
 * After an expiry that left nothing but the shared stack, the environment's records go too,
 * so that `env up` cannot bring it back; a records delete that fails is a warning only.
 */
async function forgetRecords(ctx: TeardownRun, status: TeardownStatus): Promise<boolean> {
  const { environment, recordsAt } = ctx;
  const complete =
    ctx.options.scope === 'all' &&
    (status === 'done' || status === 'nothing') &&
    [...ctx.outcome.values()].every((s) => s.status !== 'kept' || isShared(ctx.byName.get(s.stack)!.s));
  if (!complete) return false;
  try {
    await ctx.deps.records.deleteEnvironmentRecords(recordsAt, environment);
    return true;
  } catch (error) {
    await ctx.run.io.notify(
      ioMessage(
        'warn',
        ENV_IO.RECORD_UNWRITTEN,
        `${environment}: its stacks are gone but its records under /estate/env/${environment}/ could not be deleted (${describeError(error)})`,
        recordsAt,
      ),
    );
    return false;
  }
}

function result(
  base: Pick<TeardownResult, 'environment' | 'accountId' | 'scope'>,
  found: FoundEnvironment,
  outcome: ReadonlyMap<string, TeardownStack>,
  status: TeardownStatus,
  emptiedBuckets: TeardownResult['emptiedBuckets'],
  recordsDeleted: boolean,
): TeardownResult {
  return {
    ...base,
    status,
    stacks: found.stacks.map((x) => outcome.get(x.s.name)!).filter(Boolean),
    emptiedBuckets,
    recordsDeleted,
  };
}

/** Empties the stack's buckets that CloudFormation will delete (not DeletionPolicy Retain ones). */
async function emptyBuckets(ctx: TeardownRun, x: FoundStack, task: Pick<Task, 'update'>): Promise<void> {
  const { deps } = ctx;
  const resources = await deps.stacks.stackResources(x.at, x.s.name);
  const buckets = resources.filter((r) => r.type === 'AWS::S3::Bucket' && r.physicalId);
  if (buckets.length === 0) return;
  const template = (await deps.stacks.deployedTemplate(x.at, x.s.name)) as
    { Resources?: Record<string, { DeletionPolicy?: string }> } | undefined;
  for (const b of buckets) {
    if (RETAIN_POLICIES.has(template?.Resources?.[b.logicalId]?.DeletionPolicy ?? '')) continue;
    await task.update(`emptying bucket ${b.physicalId}`);
    const objects = await deps.buckets.emptyBucket(x.at, b.physicalId!);
    const entry = { bucket: b.physicalId!, stack: x.s.name, objects };
    ctx.emptied.push(entry);
    await ctx.run.io.notify(
      ioMessage('info', ENV_IO.BUCKET_EMPTIED, `emptied ${b.physicalId} (${objects} objects)`, {
        stack: x.s.name,
        environment: ctx.environment,
        ...x.at,
        bucket: b.physicalId!,
        objects,
      }),
    );
  }
}

// ---------------------------------------------------------------------------------------------
// shared by teardown and bring-up

/**
 * Works through `remaining` a level at a time: each round takes every stack `ready` lets go,
 * at most `concurrency` at once, until none is left, none is ready or the run is interrupted.
 * What it never reached stays in `remaining`.
 */
async function inLevels<T>(
  levels: {
    readonly remaining: Set<string>;
    readonly byName: ReadonlyMap<string, T>;
    readonly concurrency: number;
    readonly run: EnvRun;
  },
  ready: (t: T) => boolean,
  act: (t: T) => Promise<void>,
): Promise<void> {
  const { remaining, byName, concurrency, run } = levels;
  while (remaining.size) {
    const level = [...remaining].filter((n) => ready(byName.get(n)!));
    if (level.length === 0 || run.signal?.aborted) break;
    for (const n of level) remaining.delete(n);
    await mapConcurrent(
      level.map((n) => byName.get(n)!),
      concurrency,
      act,
    );
  }
}

/** The first failed resource CloudFormation reports for the stack, if it can say. */
async function firstFailure(
  deps: TeardownDeps,
  at: StackLocation,
  stack: string,
): Promise<StackFailure | undefined> {
  return (await deps.stacks.failures(at, stack).catch(() => []))[0];
}

/** Why a stack did not settle where it was asked to: its status, and its first failed resource. */
async function failureOf(
  deps: TeardownDeps,
  at: StackLocation,
  stack: string,
  reason: string,
): Promise<{ reason: string; failure?: StackFailure }> {
  const failure = await firstFailure(deps, at, stack);
  return { reason, ...(failure ? { failure } : {}) };
}

/** A stack that failed to delete or create: the task failed and an error naming its resource. */
async function reportFailed(
  ctx: EngineRun,
  s: { readonly stack: string; readonly at: StackLocation; readonly verb: 'delete' | 'create' },
  { reason, failure }: { reason: string; failure?: StackFailure },
  task: Task,
): Promise<void> {
  await task.fail(`${s.stack}: ${failure ? `${failure.logicalId} ${failure.reason}` : reason}`);
  await ctx.run.io.notify(
    ioMessage(
      'error',
      ENV_IO.STACK_FAILED,
      `${s.stack} (${s.at.accountId}, ${s.at.region}) failed to ${s.verb}: ${failure ? `${failure.logicalId} ${failure.status}: ${failure.reason}` : reason}`,
      {
        stack: s.stack,
        environment: ctx.environment,
        ...s.at,
        reason,
        ...(failure ? { failure } : {}),
      },
    ),
  );
}

// ---------------------------------------------------------------------------------------------
// bring-up

export type UpStackStatus = 'created' | 'present' | 'would-create' | 'failed' | 'skipped' | 'interrupted';

export interface UpStack {
  readonly stack: string;
  readonly region: string;
  readonly blueprint: string;
  readonly role: 'stateful' | 'stateless';
  readonly status: UpStackStatus;
  readonly reason?: string;
  readonly failure?: StackFailure;
}

export type UpStatus = 'done' | 'partial' | 'failed' | 'nothing' | 'dry-run' | 'interrupted';

export interface UpResult {
  readonly environment: string;
  readonly accountId: string;
  readonly status: UpStatus;
  readonly reason?: string;
  readonly stacks: readonly UpStack[];
  readonly endpoints: Endpoints;
}

export interface BringUpOptions {
  readonly dryRun: boolean;
}

/** The URL CloudFormation fetches a recorded template from. */
export function templateUrl(
  template: StackRecord['template'],
  region: string,
  endpoint: string | undefined,
): string {
  const key = template.key.split('/').map(encodeURIComponent).join('/');
  if (endpoint) return `${endpoint.replace(/\/+$/, '')}/${template.bucket}/${key}`;
  return `https://${template.bucket}.s3.${region}.amazonaws.com/${key}`;
}

/** The deploy-time tags of the environment's most recently deployed live stack. */
export function deployTimeTags(stacks: readonly FoundStack[]): Record<string, string> {
  const live = stacks
    .filter((x) => !isShared(x.s) && x.s.status !== 'DELETE_FAILED')
    .sort((a, b) => (b.s.tags[DEPLOYED_AT] ?? '').localeCompare(a.s.tags[DEPLOYED_AT] ?? ''))[0];
  if (!live) return {};
  return Object.fromEntries(
    DEPLOY_TIME_TAGS.filter((k) => k in live.s.tags).map((k) => [k, live.s.tags[k]!]),
  );
}

/** What the phases of one bring-up share. */
interface BringUpRun extends EngineRun {
  /** The environment's stack records, sorted by name. */
  readonly records: readonly StackRecord[];
  readonly byName: ReadonlyMap<string, StackRecord>;
  /** Each recorded stack's outcome once it has one. */
  readonly outcome: Map<string, UpStack>;
  /** Recorded stacks that are up (live or created here): what a dependant waits for. */
  readonly present: Set<string>;
  /** The outputs of the stacks created here, for the endpoints. */
  readonly createdOutputs: { blueprint: string; outputs: Readonly<Record<string, string>> }[];
}

/**
 * Records → what is live (present, or failed and in the way) → nothing to do, or dry run, or
 * create level by level → what was not reached → status and endpoints.
 */
export async function bringUp(
  deps: TeardownDeps,
  config: EstateConfig,
  found: FoundEnvironment,
  run: EnvRun,
  options: BringUpOptions = { dryRun: false },
): Promise<UpResult> {
  const environment = found.environment;
  const base = { environment, accountId: found.account.id };
  const recordsAt = recordsLocation(config, found);
  const records = [...(await deps.records.stackRecords(recordsAt, environment))].sort((a, b) =>
    a.name.localeCompare(b.name),
  );
  const ctx: BringUpRun = {
    deps,
    config,
    found,
    run,
    environment,
    records,
    byName: new Map(records.map((r) => [r.name, r])),
    outcome: new Map(),
    present: new Set(),
    createdOutputs: [],
  };
  if (records.length === 0)
    return {
      ...base,
      status: 'nothing',
      reason: `no stack records under /estate/env/${environment}/ in ${recordsAt.accountId} ${recordsAt.region}: deploy it with \`estate env deploy ${environment}\` first`,
      stacks: [],
      endpoints: upEndpoints(ctx),
    };
  settleLive(ctx);
  const absent = records.filter((r) => !ctx.outcome.has(r.name));
  if (absent.length === 0)
    return {
      ...base,
      status: 'nothing',
      reason: 'every recorded stack is up',
      stacks: [...ctx.outcome.values()],
      endpoints: upEndpoints(ctx),
    };
  if (options.dryRun) {
    for (const r of absent) settleUp(ctx, r, 'would-create');
    return {
      ...base,
      status: 'dry-run',
      stacks: records.map((r) => ctx.outcome.get(r.name)!),
      endpoints: upEndpoints(ctx),
    };
  }

  const remaining = await createInLevels(ctx, absent);
  settleNotCreated(ctx, remaining);
  const stacks = records.map((r) => ctx.outcome.get(r.name)!);
  return { ...base, status: upStatus(stacks), stacks, endpoints: upEndpoints(ctx) };
}

/** The environment's endpoints from the outputs of its live stacks and of those created here. */
function upEndpoints(ctx: BringUpRun): Endpoints {
  return endpointsOf(
    ctx.found.stacks
      .map((x) => ({
        ...(x.s.tags[BLUEPRINT_TAG] ? { blueprint: x.s.tags[BLUEPRINT_TAG] } : {}),
        outputs: x.s.outputs,
      }))
      .concat(ctx.createdOutputs),
  );
}

/** Records a recorded stack's outcome, with its region, blueprint and role. */
function settleUp(
  ctx: BringUpRun,
  r: StackRecord,
  status: UpStackStatus,
  extra: Partial<UpStack> = {},
): void {
  ctx.outcome.set(r.name, {
    stack: r.name,
    region: r.region,
    blueprint: r.blueprint,
    role: r.role,
    status,
    ...extra,
  });
}

/**
 * The recorded stacks that are live: present, or failed when CloudFormation cannot create
 * them over what is there (ROLLBACK_COMPLETE, DELETE_FAILED) until someone deletes it.
 */
function settleLive(ctx: BringUpRun): void {
  const liveByName = new Map(ctx.found.stacks.map((x) => [x.s.name, x]));
  for (const r of ctx.records) {
    const live = liveByName.get(r.name)?.s;
    if (!live) continue;
    if (live.status === 'ROLLBACK_COMPLETE' || live.status === 'DELETE_FAILED')
      settleUp(ctx, r, 'failed', {
        reason: `${r.name} is ${live.status}; delete it (\`estate env down ${ctx.environment}\` or the console) before bringing it up`,
      });
    else {
      ctx.present.add(r.name);
      settleUp(ctx, r, 'present');
    }
  }
}

/**
 * Creates the absent stacks a level at a time, each once every recorded stack it depends on is
 * up, with the deploy-time tags of the live stacks; returns the stacks never reached.
 */
async function createInLevels(ctx: BringUpRun, absent: readonly StackRecord[]): Promise<Set<string>> {
  const stackTags = {
    tags: deployTimeTags(ctx.found.stacks),
    terminationProtection: ctx.found.stacks.some((x) => x.s.tags[PROTECTED_TAG] === 'true'),
  };
  const recorded = new Set(ctx.records.map((r) => r.name));
  const remaining = new Set(absent.map((r) => r.name));
  await inLevels(
    {
      remaining,
      byName: ctx.byName,
      concurrency: deploymentSettings(ctx.config).concurrency,
      run: ctx.run,
    },
    // A dependency without a record is not the environment's to create (the shared stack): CloudFormation says if it is missing.
    (r) => r.dependsOn.every((d) => ctx.present.has(d) || !recorded.has(d)),
    (r) => createOne(ctx, r, stackTags),
  );
  return remaining;
}

/** Creates one stack from its record's template object and waits for CREATE_COMPLETE. */
async function createOne(
  ctx: BringUpRun,
  r: StackRecord,
  stackTags: { readonly tags: Readonly<Record<string, string>>; readonly terminationProtection: boolean },
): Promise<void> {
  const { deps, run } = ctx;
  const at = { accountId: ctx.found.account.id, region: r.region };
  const task = await startTask(
    run.io,
    stackTaskId({ stack: r.name, ...at }),
    stackTaskTitle({ stack: r.name, ...at }),
  );
  try {
    const id = await deps.stackOps.createStack(at, {
      name: r.name,
      templateUrl: templateUrl(r.template, r.region, deps.templateEndpoint),
      tags: { ...r.tags, ...stackTags.tags },
      parameters: r.parameters,
      ...(r.roleArn ? { roleArn: r.roleArn } : {}),
      capabilities: r.capabilities,
      terminationProtection: stackTags.terminationProtection,
    });
    const after = await deps.stackOps.waitForStack(at, id, {
      ...(run.signal ? { signal: run.signal } : {}),
    });
    if (after?.status === 'CREATE_COMPLETE') {
      ctx.present.add(r.name);
      ctx.createdOutputs.push({ blueprint: r.blueprint, outputs: after.outputs });
      settleUp(ctx, r, 'created');
      await task.done(`${r.name}: created`);
      return;
    }
    const failed = await failureOf(
      deps,
      at,
      r.name,
      `${after?.status ?? 'DELETE_COMPLETE'}${after?.statusReason ? `: ${after.statusReason}` : ''}`,
    );
    settleUp(ctx, r, 'failed', failed);
    await reportFailed(ctx, { stack: r.name, at, verb: 'create' }, failed, task);
  } catch (error) {
    if (run.signal?.aborted) {
      settleUp(ctx, r, 'interrupted', { reason: 'still creating in CloudFormation when interrupted' });
      return;
    }
    settleUp(ctx, r, 'failed', { reason: describeError(error) });
    await task.fail(`${r.name}: ${describeError(error)}`);
  }
}

/** The stacks never started: interrupted, or skipped because a stack they depend on is not up. */
function settleNotCreated(ctx: BringUpRun, remaining: ReadonlySet<string>): void {
  for (const name of remaining) {
    const r = ctx.byName.get(name)!;
    if (ctx.run.signal?.aborted) settleUp(ctx, r, 'interrupted', { reason: 'interrupted: not started' });
    else {
      const missing = r.dependsOn.filter((d) => !ctx.present.has(d));
      settleUp(ctx, r, 'skipped', {
        reason: `not created: ${missing.join(', ')}, which it depends on, is not up`,
      });
    }
  }
}

/** The bring-up's status from the stacks it tried (present ones it did not). */
function upStatus(stacks: readonly UpStack[]): UpStatus {
  const tried = stacks.filter((s) => s.status !== 'present');
  return stacks.some((s) => s.status === 'interrupted')
    ? 'interrupted'
    : tried.every((s) => s.status === 'created')
      ? 'done'
      : tried.some((s) => s.status === 'created')
        ? 'partial'
        : 'failed';
}
