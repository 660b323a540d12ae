/**
 * `estate env destroy`: delete environments' stacks in reverse dependency order (a stack only
 * after every stack that depends on it is gone), never the shared estate-bedrock-logging stack.
 * Protection and confirmation come first, for each environment, before anything is deleted;
 * dev-profile buckets are emptied before their stack's delete; what CloudFormation keeps
 * (DeletionPolicy Retain) is listed at the end. A failed delete keeps the stacks it depends on
 * (they are still in use), and a re-run starts from the stacks that still exist.
 */
import type { EstateConfig } from '../../config/schema.js';
import { isProtected } from '../../blueprints/environment.js';
import { mapConcurrent } from '../concurrency.js';
import { ioMessage, ioRequest, type Task } from '../io.js';
import { describeError, newExecutionState } from '../plan/execute.js';
import type { Change } from '../plan/types.js';
import {
  assemblyStacks,
  deploymentSettings,
  identityProblems,
  resolveTargets,
  type AssemblyStack,
  type EnvTarget,
} from './common.js';
import {
  perAccountPools,
  runUntilAborted,
  settleStack,
  stackAddress,
  stackFailed,
  stackRef,
  unsettled,
} from './stack-run.js';
import { awsExecutorAccounts, syncLifecycle, type LifecycleSyncResult } from './lifecycle-sync.js';
import { ENV_IO, stackTaskTitle, type DestroyConfirmData, type StackRef } from './io.js';
import type { DeployedStack, RecordsPort, StackResource, ToolkitPort } from './ports.js';
import type {
  DestroyOptions,
  DestroyResult,
  EnvDestroyStatus,
  EnvRun,
  EnvServiceDeps,
  EnvironmentDestroyResult,
  RetainedResource,
  StackDestroyOutcome,
} from './service.js';
import { synthEnvironment } from './synth.js';

const READ_CONCURRENCY = 8;
const RETAIN_POLICIES = new Set(['Retain', 'RetainExceptOnCreate']);

interface Candidate {
  readonly target: EnvTarget;
  readonly assemblyDir: string;
  readonly stacks: readonly AssemblyStack[];
  readonly live: ReadonlyMap<string, DeployedStack | undefined>;
}

type Settled = Omit<StackDestroyOutcome, keyof StackRef | 'blueprint'>;

type Refuse = (target: EnvTarget, status: 'refused' | 'declined' | 'failed', reason: string) => Promise<void>;

/** A stack to delete and the environment it belongs to. */
interface RunStack {
  readonly c: Candidate;
  readonly stack: AssemblyStack;
}

/** What the phases of one destroy run share. */
interface DestroyRun {
  readonly deps: EnvServiceDeps;
  readonly options: DestroyOptions;
  readonly run: EnvRun;
  /** The outcome of each stack that has one, by executor address. */
  readonly settled: Map<string, Settled>;
  readonly retained: Map<string, RetainedResource[]>;
  readonly emptied: Map<string, { bucket: string; stack: string; objects: number }[]>;
  readonly started: Set<string>;
}

export async function runDestroy(
  deps: EnvServiceDeps & { readonly records?: RecordsPort },
  config: EstateConfig,
  options: DestroyOptions,
  run: EnvRun,
): Promise<DestroyResult> {
  const targets = await resolveTargets(deps, config, options.environments);
  const results = new Map<string, EnvironmentDestroyResult>();
  const refuse: Refuse = async (target, status, reason) => {
    results.set(target.env.name, envResult(config, target, status, [], reason));
    await run.io.notify(
      ioMessage('error', ENV_IO.ENV_REFUSED, `${target.env.name}: ${reason}`, {
        environment: target.env.name,
        reason,
      }),
    );
  };
  const ctx: DestroyRun = {
    deps,
    options,
    run,
    settled: new Map(),
    retained: new Map(),
    emptied: new Map(),
    started: new Set(),
  };

  // 1. Per environment: protection, identity, what exists, confirmation. Nothing deleted yet.
  const candidates = await destroyCandidates(deps, config, options, run, targets, refuse);

  // 2. Shared and absent stacks settle now; a dry run says what would go, what would stay. No toolkit.
  await settleKeptAndAbsent(ctx, candidates);
  if (options.dryRun) await dryRun(ctx, candidates);

  // 3. Delete on the one executor: a stack after every stack of its environment that depends on it.
  const toDelete = options.dryRun
    ? []
    : candidates.flatMap((c) =>
        c.stacks.filter((s) => !ctx.settled.has(stackAddress(s))).map((stack) => ({ c, stack })),
      );
  const byAddress = new Map(toDelete.map((d) => [stackAddress(d.stack), d]));
  const changes: Change[] = toDelete.map(({ c, stack }) => ({
    section: 'env',
    action: 'delete',
    resourceType: 'stack',
    address: stackAddress(stack),
    summary: stackTaskTitle(stackRef(stack, '')),
    payload: {},
    dependsOn: c.stacks
      .filter((other) => other.dependsOn.includes(stack.name) && byAddress.has(stackAddress(other)))
      .map(stackAddress),
  }));
  await runUntilAborted(
    changes,
    {
      io: run.io,
      handlers: { 'stack/delete': deleteHandler(ctx, byAddress) },
      ...perAccountPools(deploymentSettings(config).concurrency, changes),
      state: newExecutionState(),
      ...(run.signal ? { signal: run.signal } : {}),
      skipMessage: (blocker) =>
        `kept: ${byAddress.get(blocker)?.stack.name ?? blocker}, which depends on it, was not deleted`,
    },
    (address, status, reason) => {
      if (!ctx.settled.has(address)) ctx.settled.set(address, { status, reason });
    },
  );

  // 4. Every environment's outcome; a destroyed one's stack records go too (else `env up` would re-create it).
  const destroyed = destroyResult(ctx, config, targets, candidates, results);
  await forgetDestroyed(deps, destroyed, run);
  // 5. The schedules of aws-run environments that are gone leave their account's estate-lifecycle stack.
  const lifecycle = await syncAfterDestroy(deps, config, destroyed, run, options.cwd);
  const result = lifecycle ? { ...destroyed, ok: destroyed.ok && lifecycle.ok, lifecycle } : destroyed;
  await reportDestroy(run, result);
  return result;
}

async function syncAfterDestroy(
  deps: EnvServiceDeps,
  config: EstateConfig,
  result: DestroyResult,
  run: EnvRun,
  cwd?: string,
): Promise<LifecycleSyncResult | undefined> {
  if (result.dryRun || run.signal?.aborted) return undefined;
  const gone = result.environments.filter((e) => e.status === 'destroyed').map((e) => e.environment);
  const accounts = awsExecutorAccounts(config, gone);
  if (accounts.length === 0) return undefined;
  return syncLifecycle(deps, config, accounts, run, cwd ? { cwd } : {});
}

/**
 * The environments that may be destroyed: protection first (from estate.yaml alone, so a
 * refusal needs no AWS call), then the account's identity, what exists, and the confirmation.
 * The others are refused or declined through `refuse`.
 */
async function destroyCandidates(
  deps: EnvServiceDeps,
  config: EstateConfig,
  options: DestroyOptions,
  run: EnvRun,
  targets: readonly EnvTarget[],
  refuse: Refuse,
): Promise<Candidate[]> {
  const allowed: EnvTarget[] = [];
  for (const target of targets) {
    if (isProtected(config, target.env) && !options.forceProtected && !options.dryRun)
      await refuse(
        target,
        'refused',
        `environment "${target.env.name}" is protected (${protection(config, target)}); pass --force-protected${run.interactive ? ' and type its name when asked' : ''} to destroy it`,
      );
    else allowed.push(target);
  }
  const identity = await identityProblems(
    deps,
    allowed.map((t) => t.accountId),
  );
  const candidates: Candidate[] = [];
  for (const target of allowed) {
    const problem = identity.get(target.accountId);
    if (problem) {
      await refuse(target, 'refused', problem);
      continue;
    }
    let candidate: Candidate;
    try {
      candidate = await readCandidate(deps, config, options, run, target);
    } catch (error) {
      await refuse(target, 'failed', `cannot tell what to delete: ${describeError(error)}`);
      continue;
    }
    const existing = candidate.stacks.filter((s) => candidate.live.get(s.name));
    if (existing.length === 0 || options.dryRun) {
      candidates.push(candidate);
      continue;
    }
    const no = await confirmDestroy(config, options, run, target, existing);
    if (no) await refuse(target, 'declined', no);
    else candidates.push(candidate);
  }
  return candidates;
}

/** The environment synthesised bound to its account, and which of its own stacks exist. */
async function readCandidate(
  deps: EnvServiceDeps,
  config: EstateConfig,
  options: DestroyOptions,
  run: EnvRun,
  target: EnvTarget,
): Promise<Candidate> {
  const synthesised = await (deps.synth ?? synthEnvironment)(config, target.env.name, {
    configDir: options.configDir,
    accountIds: { [target.accountName]: target.accountId },
    io: run.io,
    ...(options.cwd ? { cwd: options.cwd } : {}),
  });
  const stacks = assemblyStacks(synthesised, target.accountId);
  const live = new Map<string, DeployedStack | undefined>();
  await mapConcurrent(
    stacks.filter((s) => !s.shared),
    READ_CONCURRENCY,
    async (s) => void live.set(s.name, await deps.stacks.describeStack(s.at, s.name)),
  );
  return { target, assemblyDir: synthesised.assemblyDir, stacks, live };
}

/**
 * Asks before anything is deleted: a protected environment's name typed (on a terminal; in
 * CI --force-protected alone), an unprotected one yes/no unless --yes. Returns why not, or
 * undefined to go ahead.
 */
async function confirmDestroy(
  config: EstateConfig,
  options: DestroyOptions,
  run: EnvRun,
  target: EnvTarget,
  existing: readonly AssemblyStack[],
): Promise<string | undefined> {
  const { env } = target;
  const guarded = isProtected(config, env);
  const data: DestroyConfirmData = {
    kind: guarded ? 'text' : 'confirm',
    flag: guarded ? '--force-protected' : '--yes',
    what: guarded ? `the name of protected environment ${env.name}` : `confirmation to destroy ${env.name}`,
    environments: [env.name],
    stacks: existing.map((s) => s.name),
  };
  const list = `${existing.map((s) => s.name).join(', ')} in ${target.accountId}`;
  if (guarded && run.interactive) {
    const typed = await run.io.requestResponse(
      ioRequest<DestroyConfirmData, string | undefined>(
        ENV_IO.CONFIRM_PROTECTED,
        `${env.name} is protected (${protection(config, target)}). Destroying deletes ${list}. Type ${env.name} to confirm`,
        data,
        undefined,
      ),
    );
    if (typed === env.name) return undefined;
    return typed === undefined
      ? `no name typed; ${env.name} was not destroyed`
      : `"${typed}" is not the environment's name (${env.name}); nothing was deleted`;
  }
  if (guarded || options.yes) return undefined;
  const ok = await run.io.requestResponse(
    ioRequest<DestroyConfirmData, boolean>(
      ENV_IO.CONFIRM_DESTROY,
      `Destroy ${env.name}: delete ${list}?`,
      data,
      false,
    ),
  );
  if (ok) return undefined;
  return run.interactive
    ? `not confirmed; ${env.name} was not destroyed`
    : `destroying ${env.name} needs confirmation and nobody can answer here; pass --yes`;
}

/** The shared logging stack is kept (never deleted with one environment); a stack already gone is absent. */
async function settleKeptAndAbsent(ctx: DestroyRun, candidates: readonly Candidate[]): Promise<void> {
  for (const c of candidates)
    for (const s of c.stacks) {
      if (s.shared) {
        ctx.settled.set(stackAddress(s), {
          status: 'kept',
          reason: `${s.name} is shared by the environments of ${s.at.accountId} in ${s.at.region}; never deleted with one`,
        });
        await ctx.run.io.notify(
          ioMessage(
            'warn',
            ENV_IO.SHARED_KEPT,
            `${s.name}: shared, left in place`,
            stackRef(s, c.target.env.name),
          ),
        );
      } else if (!c.live.get(s.name))
        ctx.settled.set(stackAddress(s), { status: 'absent', reason: 'already deleted' });
    }
}

/** Every stack left would be deleted: say so, with what CloudFormation would keep. */
async function dryRun(ctx: DestroyRun, candidates: readonly Candidate[]): Promise<void> {
  for (const c of candidates)
    for (const s of c.stacks.filter((x) => !ctx.settled.has(stackAddress(x)))) {
      ctx.settled.set(stackAddress(s), { status: 'would-delete' });
      const keeps = await retainedOf(ctx.deps, s, c.target.env.name).catch(() => []);
      if (keeps.length) ctx.retained.set(stackAddress(s), keeps);
      await ctx.run.io.notify(
        ioMessage(
          'info',
          ENV_IO.WOULD_DELETE,
          `would delete ${stackTaskTitle(stackRef(s, ''))}`,
          stackRef(s, c.target.env.name),
        ),
      );
    }
}

/** Deletes one stack: termination protection off when forced, dev buckets emptied, then the toolkit. */
function deleteHandler(ctx: DestroyRun, byAddress: ReadonlyMap<string, RunStack>) {
  const { deps, run, settled } = ctx;
  let toolkit: Promise<ToolkitPort> | undefined;
  return async (change: Change, task: Task) => {
    ctx.started.add(change.address);
    const { c, stack } = byAddress.get(change.address)!;
    const r = stackRef(stack, c.target.env.name);
    return settleStack(settled, change.address, async () => {
      // Only a protected environment's stacks have it on, and only --force-protected gets here with one.
      if (c.live.get(stack.name)?.terminationProtection) {
        await task.update('turning termination protection off');
        await deps.stacks.setTerminationProtection(stack.at, stack.name, false);
      }
      const keeps = await retainedOf(deps, stack, c.target.env.name);
      if (c.target.env.size === 'dev') await emptyBuckets(ctx, { c, stack }, keeps, task);
      const since = (run.now ?? (() => new Date()))();
      const outcome = await (
        await (toolkit ??= deps.toolkit())
      ).destroy({
        assemblyDir: c.assemblyDir,
        artifactId: stack.artifactId,
        stackName: stack.name,
        at: stack.at,
        task,
        // Protection and confirmation were settled before anything was deleted.
        confirm: async () => true,
      });
      if (outcome.status === 'destroyed') {
        settled.set(change.address, { status: 'destroyed' });
        if (keeps.length) {
          ctx.retained.set(change.address, keeps);
          await run.io.notify(
            ioMessage(
              'warn',
              ENV_IO.RETAINED,
              `${stack.name}: CloudFormation kept ${keeps.map((k) => `${k.type} ${k.physicalId ?? k.logicalId}`).join(', ')}`,
              { ...r, resources: keeps },
            ),
          );
        }
        return undefined;
      }
      if (outcome.status === 'declined') {
        settled.set(change.address, { status: 'declined', reason: outcome.reason });
        throw new Error(outcome.reason);
      }
      const failed = await stackFailed(deps.stacks, run.io, r, outcome, since, 'failed to delete');
      settled.set(change.address, failed.settled);
      throw failed.error;
    });
  };
}

/** Empties the stack's buckets that CloudFormation will delete (not the retained ones). */
async function emptyBuckets(
  ctx: DestroyRun,
  { c, stack }: RunStack,
  keeps: readonly RetainedResource[],
  task: Task,
): Promise<void> {
  const kept = new Set(keeps.map((k) => k.logicalId));
  const buckets = (await ctx.deps.stacks.stackResources(stack.at, stack.name)).filter(
    (res) => res.type === 'AWS::S3::Bucket' && res.physicalId && !kept.has(res.logicalId),
  );
  for (const b of buckets) {
    await task.update(`emptying bucket ${b.physicalId}`);
    const objects = await ctx.deps.buckets.emptyBucket(stack.at, b.physicalId!);
    const entry = { bucket: b.physicalId!, stack: stack.name, objects };
    ctx.emptied.set(c.target.env.name, [...(ctx.emptied.get(c.target.env.name) ?? []), entry]);
    await ctx.run.io.notify(
      ioMessage('info', ENV_IO.BUCKET_EMPTIED, `emptied ${b.physicalId} (${objects} objects)`, {
        ...stackRef(stack, c.target.env.name),
        ...entry,
      }),
    );
  }
}

/** Every environment's outcome, stack by stack, and what an interruption left running or unstarted. */
function destroyResult(
  ctx: DestroyRun,
  config: EstateConfig,
  targets: readonly EnvTarget[],
  candidates: readonly Candidate[],
  results: Map<string, EnvironmentDestroyResult>,
): DestroyResult {
  const { options, settled, started } = ctx;
  const inFlight: StackRef[] = [];
  const notStarted: StackRef[] = [];
  for (const c of candidates) {
    const stacks: StackDestroyOutcome[] = c.stacks.map((s) => {
      const address = stackAddress(s);
      const r = stackRef(s, c.target.env.name);
      const o = settled.get(address) ?? unsettled(started.has(address), 'deleting');
      if (o.status === 'in-flight') inFlight.push(r);
      if (o.status === 'interrupted') notStarted.push(r);
      return { ...r, blueprint: s.blueprint, ...o };
    });
    const status = options.dryRun
      ? stacks.some((s) => s.status === 'would-delete')
        ? 'dry-run'
        : 'absent'
      : envStatus(stacks);
    results.set(c.target.env.name, {
      ...envResult(config, c.target, status, stacks),
      retained: c.stacks.flatMap((s) => ctx.retained.get(stackAddress(s)) ?? []),
      emptiedBuckets: ctx.emptied.get(c.target.env.name) ?? [],
    });
  }
  const environments = targets.map((t) => results.get(t.env.name)!);
  return {
    ok: environments.every((e) => ['destroyed', 'absent', 'dry-run'].includes(e.status)),
    dryRun: options.dryRun,
    interrupted: ctx.run.signal?.aborted === true && !options.dryRun,
    environments,
    inFlight,
    notStarted,
  };
}

/** Deletes the stack records of each environment now destroyed (or already gone); a failure is warned about. */
async function forgetDestroyed(
  deps: EnvServiceDeps & { readonly records?: RecordsPort },
  result: DestroyResult,
  run: EnvRun,
): Promise<void> {
  if (!deps.records || result.dryRun) return;
  for (const e of result.environments) {
    if ((e.status !== 'destroyed' && e.status !== 'absent') || !e.accountId) continue;
    try {
      await deps.records.deleteEnvironmentRecords(
        { accountId: e.accountId, region: e.region },
        e.environment,
      );
    } catch (error) {
      await run.io.notify(
        ioMessage(
          'warn',
          ENV_IO.RECORD_UNWRITTEN,
          `${e.environment}: its stack records under /estate/env/${e.environment}/ could not be deleted (${describeError(error)}); delete them before an \`env up\``,
          { environment: e.environment },
        ),
      );
    }
  }
}

/** Each environment's outcome, then what an interruption left, through the host. */
async function reportDestroy(run: EnvRun, result: DestroyResult): Promise<void> {
  for (const e of result.environments)
    await run.io.notify(
      ioMessage(
        ['destroyed', 'absent', 'dry-run'].includes(e.status) ? 'info' : 'error',
        ENV_IO.DESTROY_ENV_DONE,
        `${e.environment}: ${e.status}${e.reason ? ` (${e.reason})` : ''}`,
        { environment: e.environment, status: e.status },
      ),
    );
  if (result.interrupted) {
    const { inFlight, notStarted } = result;
    await run.io.notify(
      ioMessage(
        'warn',
        ENV_IO.INTERRUPTED,
        `interrupted: ${inFlight.length} stack deletion(s) still running in CloudFormation (${inFlight.map((s) => s.stack).join(', ') || 'none'}), ${notStarted.length} not started; re-run to continue`,
        { inFlight, notStarted },
      ),
    );
  }
}

function protection(config: EstateConfig, target: EnvTarget): string {
  if (target.env.protected) return 'protected: true';
  const kind = config.accounts.find((a) => a.name === target.accountName)?.kind;
  return `account ${target.accountName} is of kind ${kind}`;
}

/** The resources the deployed template keeps on delete (DeletionPolicy Retain), with their physical ids. */
async function retainedOf(
  deps: EnvServiceDeps,
  stack: AssemblyStack,
  environment: string,
): Promise<RetainedResource[]> {
  const template = (await deps.stacks.deployedTemplate(stack.at, stack.name)) as {
    Resources?: Record<string, { Type?: string; DeletionPolicy?: string }>;
  };
  const kept = Object.entries(template.Resources ?? {}).filter(([, r]) =>
    RETAIN_POLICIES.has(r.DeletionPolicy ?? ''),
  );
  if (kept.length === 0) return [];
  const resources: readonly StackResource[] = await deps.stacks.stackResources(stack.at, stack.name);
  return kept.map(([logicalId, r]) => {
    const physicalId = resources.find((x) => x.logicalId === logicalId)?.physicalId;
    return {
      ...stackRef(stack, environment),
      logicalId,
      type: r.Type ?? 'unknown',
      ...(physicalId ? { physicalId } : {}),
    };
  });
}

function envStatus(stacks: readonly StackDestroyOutcome[]): EnvDestroyStatus {
  if (stacks.some((s) => s.status === 'in-flight' || s.status === 'interrupted')) return 'interrupted';
  const gone = stacks.filter((s) => s.status === 'destroyed' || s.status === 'absent' || s.status === 'kept');
  if (gone.length === stacks.length)
    return stacks.some((s) => s.status === 'destroyed') ? 'destroyed' : 'absent';
  return stacks.some((s) => s.status === 'destroyed') ? 'partial' : 'failed';
}

function envResult(
  config: EstateConfig,
  target: EnvTarget,
  status: EnvDestroyStatus,
  stacks: readonly StackDestroyOutcome[],
  reason?: string,
): EnvironmentDestroyResult {
  return {
    environment: target.env.name,
    account: target.accountName,
    accountId: target.accountId,
    region: target.region,
    protected: isProtected(config, target.env),
    status,
    ...(reason ? { reason } : {}),
    stacks,
    retained: [],
    emptiedBuckets: [],
  };
}
