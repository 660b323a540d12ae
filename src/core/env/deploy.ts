/**
 * `estate env deploy`: synthesise each environment bound to its account, decide per stack
 * whether anything changed (before the toolkit is loaded), bootstrap the accounts and regions
 * that need it, then deploy every changed stack of every environment on the one executor:
 * a stack after the stacks it depends on, independent stacks and accounts at once, a failure
 * skipping only its dependants. Ctrl-C (the signal) stops starting stacks and reports what is
 * still running in CloudFormation and what never started.
 */
import { partitionOf } from '../../config/rules.js';
import type { EstateConfig } from '../../config/schema.js';
import { userError } from '../../errors.js';
import { limiter, mapConcurrent } from '../concurrency.js';
import { ioMessage, ioRequest, type Task } from '../io.js';
import { describeError, newExecutionState } from '../plan/execute.js';
import type { Change, ChangeStatus } from '../plan/types.js';
import {
  DEPLOYED_AT,
  DEPLOYED_BY,
  EXECUTOR_TAG,
  EXPIRES_AT,
  SCHEDULE_TAG,
  assemblyStacks,
  checkBlueprintNames,
  deploymentSettings,
  endpointsOf,
  identityProblems,
  isUnchanged,
  resolveTargets,
  selectStacks,
  type AssemblyStack,
  type EnvTarget,
} from './common.js';
import {
  ENV_IO,
  stackTaskId,
  stackTaskTitle,
  type ApproveData,
  type BootstrapData,
  type InterruptedData,
  type StackRef,
} from './io.js';
import { configuredExpiry, parseWindow, scheduleTag } from './lifetime.js';
import type {
  DeployedStack,
  PermissionChange,
  RecordsPort,
  StackLocation,
  StackRecord,
  ToolkitPort,
} from './ports.js';
import type {
  ApprovalPolicy,
  DeployOptions,
  DeployResult,
  EnvDeployStatus,
  EnvRun,
  EnvServiceDeps,
  EnvironmentDeployResult,
  StackDeployOutcome,
} from './service.js';
import {
  perAccountPools,
  runUntilAborted,
  settleStack,
  stackAddress,
  stackFailed,
  stackRef,
  unsettled,
} from './stack-run.js';
import { synthEnvironment } from './synth.js';
import { syncAfterDeploy } from './lifecycle-sync.js';

/** Reads of the live estate at once (DescribeStacks, GetTemplate, SSM). */
const READ_CONCURRENCY = 8;

/** What CreateStack needs to re-create a stack the toolkit deployed (CDK's own set). */
export const RECORD_CAPABILITIES: readonly string[] = [
  'CAPABILITY_IAM',
  'CAPABILITY_NAMED_IAM',
  'CAPABILITY_AUTO_EXPAND',
];

/** Deploy's dependencies: the engine's, and where stack records go (absent: none are written). */
export type DeployDeps = EnvServiceDeps & { readonly records?: RecordsPort };

interface PreparedEnv {
  readonly target: EnvTarget;
  readonly stacks: readonly AssemblyStack[];
  readonly assemblyDir: string;
}

type Settled = Omit<StackDeployOutcome, keyof StackRef | 'blueprint'>;

/** A stack of the run and the environment it came with. */
interface RunStack {
  readonly p: PreparedEnv;
  readonly stack: AssemblyStack;
}

/** What the phases of one deploy run share. */
interface DeployRun {
  readonly deps: DeployDeps;
  readonly options: DeployOptions;
  readonly run: EnvRun;
  readonly now: () => Date;
  readonly caller: { account: string; arn: string };
  /** The outcome of each stack that has one, by executor address. */
  readonly settled: Map<string, Settled>;
  readonly state: ReturnType<typeof newExecutionState>;
  /** Why a change blocks its dependants, where "<x> failed" would mislead. */
  readonly blockerReasons: Map<string, string>;
  readonly started: Set<string>;
  readonly stackByAddress: ReadonlyMap<string, RunStack>;
  /** Per environment: the lifecycle tags its (non-shared) stacks get. */
  readonly lifecycleOf: ReadonlyMap<string, Readonly<Record<string, string>>>;
  readonly loadToolkit: () => Promise<ToolkitPort>;
}

export async function runDeploy(
  deps: DeployDeps,
  config: EstateConfig,
  options: DeployOptions,
  run: EnvRun,
): Promise<DeployResult> {
  const now = run.now ?? (() => new Date());
  if (options.blueprints?.length) checkBlueprintNames(options.blueprints);
  const concurrency = checkedConcurrency(options.concurrency ?? deploymentSettings(config).concurrency);

  // 1. Targets (user errors before anything runs), identities, synthesis.
  const targets = await resolveTargets(deps, config, options.environments);
  const results = new Map<string, EnvironmentDeployResult>();
  const prepared = await prepareEnvironments(deps, config, options, run, targets, results);

  // 2. What changed, read from CloudFormation before the toolkit is loaded.
  const runAt = now();
  const { all, settled, state, lifecycleOf } = await readLive(deps, prepared, run, runAt);
  const toDeploy = all.filter(({ stack }) => !settled.has(stackAddress(stack)));

  // 3. Bootstrap where a changed stack goes and the account and region lack it.
  const caller = await deps.caller();
  const bootstraps = await bootstrapChanges(
    deps,
    config,
    toDeploy.map((d) => d.stack),
    caller.account,
    run,
  );
  for (const address of bootstraps.unreadable.keys()) state.statuses.set(address, 'failed');

  // 4. Deploy on the one executor.
  let toolkit: Promise<ToolkitPort> | undefined;
  const ctx: DeployRun = {
    deps,
    options,
    run,
    now,
    caller,
    settled,
    state,
    blockerReasons: new Map(bootstraps.unreadable),
    started: new Set(),
    stackByAddress: new Map(toDeploy.map((d) => [stackAddress(d.stack), d])),
    lifecycleOf,
    loadToolkit: () => (toolkit ??= deps.toolkit()),
  };
  const changes: Change[] = [...bootstraps.changes, ...toDeploy.map(stackChange)];
  await runUntilAborted(
    changes,
    {
      io: run.io,
      handlers: deployHandlers(ctx),
      ...perAccountPools(concurrency, changes),
      state,
      ...(run.signal ? { signal: run.signal } : {}),
      skipMessage: (blocker, status: ChangeStatus) =>
        `skipped: ${ctx.blockerReasons.get(blocker) ?? `${ctx.stackByAddress.get(blocker)?.stack.name ?? blocker} ${status === 'failed' ? 'failed' : 'was skipped'}`}`,
    },
    (address, status, reason) => {
      if (ctx.stackByAddress.has(address) && !settled.has(address)) settled.set(address, { status, reason });
    },
  );

  // 5. What down and up need of every stack that is now as deployed.
  await writeRecords(ctx, config, prepared, runAt);

  // 6. The outcome of every environment, every stack; then the lifecycle stacks of aws-executor accounts.
  const deployed = deployResult(ctx, targets, prepared, results, bootstraps.changes);
  const lifecycle = await syncAfterDeploy(
    deps,
    config,
    prepared.map((p) => p.target.env.name),
    run,
    options.cwd,
  );
  const result = lifecycle ? { ...deployed, ok: deployed.ok && lifecycle.ok, lifecycle } : deployed;
  await reportDeploy(run, result);
  return result;
}

function checkedConcurrency(concurrency: number): number {
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw userError('BadConcurrency', `--concurrency ${concurrency}: must be a whole number of at least 1`, [
      'pass --concurrency 4, or set deployments.concurrency',
    ]);
  return concurrency;
}

/**
 * Each environment whose account's credentials check out, synthesised bound to that account
 * and cut to `--blueprint`; the others get their result (refused, failed) in `results` now.
 */
async function prepareEnvironments(
  deps: EnvServiceDeps,
  config: EstateConfig,
  options: DeployOptions,
  run: EnvRun,
  targets: readonly EnvTarget[],
  results: Map<string, EnvironmentDeployResult>,
): Promise<PreparedEnv[]> {
  const identity = await identityProblems(
    deps,
    targets.map((t) => t.accountId),
  );
  const prepared: PreparedEnv[] = [];
  const synth = deps.synth ?? synthEnvironment;
  for (const target of targets) {
    const refusal = identity.get(target.accountId);
    if (refusal) {
      results.set(target.env.name, envResult(target, 'refused', [], refusal));
      await run.io.notify(
        ioMessage('error', ENV_IO.ENV_REFUSED, `${target.env.name}: ${refusal}`, {
          environment: target.env.name,
          reason: refusal,
        }),
      );
      continue;
    }
    let synthesised;
    try {
      synthesised = await synth(config, target.env.name, {
        configDir: options.configDir,
        accountIds: { [target.accountName]: target.accountId },
        io: run.io,
        ...(options.cwd ? { cwd: options.cwd } : {}),
      });
    } catch (error) {
      results.set(
        target.env.name,
        envResult(target, 'failed', [], `synthesis failed: ${describeError(error)}`),
      );
      continue;
    }
    const stacks = selectStacks(assemblyStacks(synthesised, target.accountId), options.blueprints);
    if (stacks.length === 0) {
      const reason = `none of its blueprints (${target.env.blueprints.join(', ')}) is in --blueprint ${options.blueprints!.join(', ')}`;
      results.set(target.env.name, envResult(target, 'refused', [], reason));
      continue;
    }
    prepared.push({ target, stacks, assemblyDir: synthesised.assemblyDir });
  }
  return prepared;
}

/**
 * Every stack of the run once (the shared stack of an account and region comes with each of
 * its environments), its live state, and the unchanged ones (and unreadable ones) settled.
 */
async function readLive(
  deps: EnvServiceDeps,
  prepared: readonly PreparedEnv[],
  run: EnvRun,
  runAt: Date,
): Promise<{
  all: RunStack[];
  live: Map<string, DeployedStack | undefined>;
  settled: Map<string, Settled>;
  state: ReturnType<typeof newExecutionState>;
  lifecycleOf: Map<string, Readonly<Record<string, string>>>;
}> {
  const all = [
    ...new Map(
      prepared.flatMap((p) => p.stacks.map((stack) => [stackAddress(stack), { p, stack }] as const)),
    ).values(),
  ];
  const live = new Map<string, DeployedStack | undefined>();
  const templates = new Map<string, unknown>();
  const settled = new Map<string, Settled>();
  const state = newExecutionState();
  await mapConcurrent(all, READ_CONCURRENCY, async ({ stack }) => {
    const address = stackAddress(stack);
    try {
      const current = await deps.stacks.describeStack(stack.at, stack.name);
      live.set(address, current);
      if (current) templates.set(address, await deps.stacks.deployedTemplate(stack.at, stack.name));
    } catch (error) {
      settled.set(address, { status: 'failed', reason: `cannot read the stack: ${describeError(error)}` });
      state.statuses.set(address, 'failed');
    }
  });
  const lifecycleOf = new Map(prepared.map((p) => [p.target.env.name, lifecycleTags(p, live, runAt)]));
  for (const { p, stack } of all) {
    const address = stackAddress(stack);
    if (settled.has(address)) continue;
    const current = live.get(address);
    if (isUnchanged(stack, current, templates.get(address), lifecycleOf.get(p.target.env.name)!)) {
      settled.set(address, { status: 'unchanged', outputs: current!.outputs });
      state.statuses.set(address, 'applied');
      await run.io.notify(
        ioMessage(
          'info',
          ENV_IO.STACK_UNCHANGED,
          `${stack.name}: unchanged, not deployed`,
          stackRef(stack, p.target.env.name),
        ),
      );
    }
  }
  return { all, live, settled, state, lifecycleOf };
}

/** A changed stack as an executor change: after its bootstrap and the stacks it depends on. */
function stackChange({ p, stack }: RunStack): Change {
  return {
    section: 'env',
    action: 'update',
    resourceType: 'stack',
    address: stackAddress(stack),
    summary: stackTaskTitle(stackRef(stack, '')),
    payload: {},
    dependsOn: [
      bootstrapAddress(stack.at),
      ...stack.dependsOn.map((d) =>
        stackTaskId({ stack: d, accountId: stack.at.accountId, region: regionOf(p, d) }),
      ),
    ],
  };
}

/** The approval policy as the toolkit's deploy confirmation asks it, one question at a time. */
function approver(
  options: DeployOptions,
  run: EnvRun,
): (r: StackRef, change: PermissionChange) => Promise<{ ok: true } | { ok: false; reason: string }> {
  const ask = limiter(1);
  return async (r, change) => {
    if (!needsApproval(options.approve, change)) return { ok: true };
    if (options.yes) return { ok: true };
    const what = change === 'broadening' ? 'broadens IAM or security-group permissions' : 'changes the stack';
    if (!run.interactive)
      return {
        ok: false,
        reason: `${r.stack} ${what} and needs approval (--approve ${options.approve}), but nobody can answer here; pass --approve never (or --yes) to deploy it`,
      };
    const data: ApproveData = {
      ...r,
      kind: 'confirm',
      flag: '--approve never',
      what: `approval to deploy ${r.stack}`,
      permissionChange: change,
    };
    const ok = await ask(() =>
      run.io.requestResponse(
        ioRequest<ApproveData, boolean>(
          ENV_IO.APPROVE_CHANGE,
          `${r.stack} (${r.accountId}, ${r.region}) ${what}. Deploy it?`,
          data,
          false,
        ),
      ),
    );
    return ok ? { ok: true } : { ok: false, reason: `${r.stack}: not approved; nothing was changed` };
  };
}

/** The executor's handlers: bootstrap an account and region, deploy one stack. */
function deployHandlers(ctx: DeployRun) {
  const approval = approver(ctx.options, ctx.run);
  return {
    'bootstrap/create': async (change: Change, task: Task) => {
      ctx.started.add(change.address);
      await toolkitBootstrap(await ctx.loadToolkit(), change, task);
      return undefined;
    },
    'stack/update': async (change: Change, task: Task) => {
      ctx.started.add(change.address);
      const { p, stack } = ctx.stackByAddress.get(change.address)!;
      const r = stackRef(stack, p.target.env.name);
      const since = ctx.now();
      const lifecycle = stack.shared ? {} : (ctx.lifecycleOf.get(p.target.env.name) ?? {});
      let declined: string | undefined;
      return settleStack(ctx.settled, change.address, async () => {
        const outcome = await (
          await ctx.loadToolkit()
        ).deploy({
          assemblyDir: p.assemblyDir,
          artifactId: stack.artifactId,
          stackName: stack.name,
          at: stack.at,
          task,
          tags: {
            ...stack.tags,
            [DEPLOYED_BY]: ctx.caller.arn,
            [DEPLOYED_AT]: since.toISOString(),
            ...lifecycle,
          },
          approve: async (c) => {
            const answer = await approval(r, c);
            if (!answer.ok) declined = answer.reason;
            return answer.ok;
          },
        });
        if (outcome.status === 'deployed' || outcome.status === 'unchanged') {
          // unchanged: the change set had nothing to do.
          ctx.settled.set(change.address, { status: outcome.status, outputs: outcome.outputs });
          return outcome.outputs;
        }
        if (outcome.status === 'declined') {
          const reason = declined ?? outcome.reason;
          ctx.settled.set(change.address, { status: 'declined', reason });
          ctx.blockerReasons.set(change.address, `${stack.name} was not approved`);
          throw new Error(reason);
        }
        const failed = await stackFailed(ctx.deps.stacks, ctx.run.io, r, outcome, since, 'failed');
        ctx.settled.set(change.address, failed.settled);
        throw failed.error;
      });
    },
  };
}

/** Every environment's outcome, stack by stack, and what an interruption left running or unstarted. */
function deployResult(
  ctx: DeployRun,
  targets: readonly EnvTarget[],
  prepared: readonly PreparedEnv[],
  results: Map<string, EnvironmentDeployResult>,
  bootstraps: readonly Change[],
): DeployResult {
  const { settled, started, state } = ctx;
  const inFlight: StackRef[] = [];
  const notStarted: StackRef[] = [];
  for (const c of bootstraps)
    if (started.has(c.address) && !state.statuses.has(c.address)) {
      const at = c.payload as unknown as StackLocation;
      inFlight.push({ stack: 'CDKToolkit', environment: '', accountId: at.accountId, region: at.region });
    }
  for (const p of prepared) {
    const outcomes: StackDeployOutcome[] = p.stacks.map((stack) => {
      const address = stackAddress(stack);
      const r = stackRef(stack, p.target.env.name);
      const s = settled.get(address) ?? unsettled(started.has(address), 'running');
      if (s.status === 'in-flight') inFlight.push(r);
      if (s.status === 'interrupted') notStarted.push(r);
      return { ...r, blueprint: stack.blueprint, ...s };
    });
    results.set(p.target.env.name, envResult(p.target, envStatus(outcomes), outcomes));
  }
  const environments = targets.map((t) => results.get(t.env.name)!);
  return {
    ok: environments.every((e) => e.status === 'deployed' || e.status === 'unchanged'),
    interrupted: ctx.run.signal?.aborted === true,
    environments,
    inFlight,
    notStarted,
    bootstrapped: bootstraps
      .filter((c) => state.statuses.get(c.address) === 'applied')
      .map((c) => c.payload as unknown as StackLocation)
      .map((at) => ({ accountId: at.accountId, region: at.region })),
  };
}

/** Each environment's outcome and endpoints, then what an interruption left, through the host. */
async function reportDeploy(run: EnvRun, result: DeployResult): Promise<void> {
  for (const e of result.environments) {
    await run.io.notify(
      ioMessage(
        e.status === 'deployed' || e.status === 'unchanged' ? 'info' : 'error',
        ENV_IO.DEPLOY_ENV_DONE,
        `${e.environment}: ${e.status}${e.reason ? ` (${e.reason})` : ''}`,
        { environment: e.environment, status: e.status },
      ),
    );
    if (Object.keys(e.endpoints).length)
      await run.io.notify(
        ioMessage(
          'info',
          ENV_IO.ENDPOINTS,
          `${e.environment}: ${Object.entries(e.endpoints)
            .map(([k, v]) => `${k} ${v}`)
            .join(', ')}`,
          { environment: e.environment, endpoints: e.endpoints },
        ),
      );
  }
  if (result.interrupted) {
    const { inFlight, notStarted } = result;
    const data: InterruptedData = { inFlight, notStarted };
    await run.io.notify(
      ioMessage(
        'warn',
        ENV_IO.INTERRUPTED,
        `interrupted: ${inFlight.length} stack operation(s) still running in CloudFormation (${inFlight.map((s) => s.stack).join(', ') || 'none'}), ${notStarted.length} not started; re-run to continue`,
        data,
      ),
    );
  }
}

/** The region of a stack of the environment's assembly (dependencies cross into us-east-1). */
function regionOf(p: PreparedEnv, name: string): string {
  return p.stacks.find((s) => s.name === name)?.at.region ?? p.target.region;
}

function needsApproval(policy: ApprovalPolicy, change: PermissionChange): boolean {
  if (policy === 'never') return false;
  if (policy === 'any') return true;
  return change === 'broadening';
}

/**
 * The lifecycle tags of an environment's stacks. Expiry: kept from its live stacks (the
 * earliest), else the config's `expires`, else this deploy + ttl. Schedule and executor: the
 * config's when it has them, else kept from the live stacks (set by `env schedule`).
 */
export function lifecycleTags(
  p: PreparedEnv,
  live: ReadonlyMap<string, DeployedStack | undefined>,
  runAt: Date,
): Record<string, string> {
  const env = p.target.env;
  const liveTags = p.stacks
    .filter((s) => !s.shared)
    .map(
      (s) => live.get(stackTaskId({ stack: s.name, accountId: s.at.accountId, region: s.at.region }))?.tags,
    )
    .filter((t): t is Readonly<Record<string, string>> => t !== undefined);
  const first = (key: string) =>
    liveTags
      .map((t) => t[key])
      .filter((v): v is string => v !== undefined)
      .sort()[0];
  const expires = first(EXPIRES_AT) ?? configuredExpiry(env, runAt);
  const schedule = env.schedule
    ? scheduleTag(parseWindow(env.schedule.hours, env.schedule.timezone))
    : first(SCHEDULE_TAG);
  const executor = env.executor ?? first(EXECUTOR_TAG);
  return {
    ...(expires ? { [EXPIRES_AT]: expires } : {}),
    ...(schedule ? { [SCHEDULE_TAG]: schedule } : {}),
    ...(executor ? { [EXECUTOR_TAG]: executor } : {}),
  };
}

/** The CDK bootstrap's CloudFormation execution role in the stack's account and region. */
export function executionRoleArn(qualifier: string, at: StackLocation): string {
  return `arn:${partitionOf(at.region)}:iam::${at.accountId}:role/cdk-${qualifier}-cfn-exec-role-${at.accountId}-${at.region}`;
}

/**
 * Writes the stack record of every non-shared stack that is now as deployed (deployed or
 * unchanged) in the environment's region. A record that cannot be written is warned about:
 * the deploy stands, only `env up` of that stack will not work until the next deploy.
 */
async function writeRecords(
  ctx: DeployRun,
  config: EstateConfig,
  prepared: readonly PreparedEnv[],
  runAt: Date,
): Promise<void> {
  const records = ctx.deps.records;
  if (!records) return;
  const { qualifier } = deploymentSettings(config);
  const work = prepared.flatMap((p) =>
    p.stacks
      .filter((s) => !s.shared)
      .filter((s) => {
        const status = ctx.settled.get(stackAddress(s))?.status;
        return status === 'deployed' || status === 'unchanged';
      })
      .map((stack) => ({ p, stack })),
  );
  await mapConcurrent(work, READ_CONCURRENCY, async ({ p, stack }) => {
    const at = { accountId: p.target.accountId, region: p.target.region };
    const r = stackRef(stack, p.target.env.name);
    if (!stack.templateObject) {
      await ctx.run.io.notify(
        ioMessage(
          'warn',
          ENV_IO.RECORD_UNWRITTEN,
          `${stack.name}: no template object in the assembly (stackTemplateAssetObjectUrl); \`env up\` cannot re-create it`,
          r,
        ),
      );
      return;
    }
    const record: StackRecord = {
      version: 1,
      name: stack.name,
      environment: p.target.env.name,
      blueprint: stack.blueprint,
      region: stack.at.region,
      role: stack.role,
      dependsOn: stack.dependsOn,
      template: stack.templateObject,
      tags: stack.tags,
      parameters: stack.parameters,
      roleArn: executionRoleArn(qualifier, stack.at),
      capabilities: RECORD_CAPABILITIES,
      deployedAt: runAt.toISOString(),
    };
    try {
      await records.putStackRecord(at, record);
    } catch (error) {
      await ctx.run.io.notify(
        ioMessage(
          'warn',
          ENV_IO.RECORD_UNWRITTEN,
          `${stack.name}: its stack record could not be written (${describeError(error)}); \`env up\` cannot re-create it until the next deploy`,
          r,
        ),
      );
    }
  });
}

function envStatus(stacks: readonly StackDeployOutcome[]): EnvDeployStatus {
  if (stacks.some((s) => s.status === 'in-flight' || s.status === 'interrupted')) return 'interrupted';
  const good = stacks.filter((s) => s.status === 'deployed' || s.status === 'unchanged');
  if (good.length === stacks.length)
    return stacks.every((s) => s.status === 'unchanged') ? 'unchanged' : 'deployed';
  return good.length ? 'partial' : 'failed';
}

function envResult(
  target: EnvTarget,
  status: EnvDeployStatus,
  stacks: readonly StackDeployOutcome[],
  reason?: string,
): EnvironmentDeployResult {
  return {
    environment: target.env.name,
    account: target.accountName,
    accountId: target.accountId,
    region: target.region,
    status,
    ...(reason ? { reason } : {}),
    stacks,
    endpoints: endpointsOf(stacks),
  };
}

export const bootstrapAddress = (at: StackLocation): string => `bootstrap:${at.accountId}/${at.region}`;

/**
 * A bootstrap change per account and region that a changed stack goes to and whose SSM
 * version parameter is absent or older than the stacks need. Without
 * `deployments.executionPolicies` that is a user error, before anything runs.
 */
async function bootstrapChanges(
  deps: EnvServiceDeps,
  config: EstateConfig,
  stacks: readonly AssemblyStack[],
  callerAccount: string,
  run: EnvRun,
): Promise<{ changes: Change[]; unreadable: Map<string, string> }> {
  const { qualifier, executionPolicies, trustedAccounts } = deploymentSettings(config);
  const places = new Map<string, { at: StackLocation; needs: number }>();
  for (const s of stacks) {
    const key = bootstrapAddress(s.at);
    const place = places.get(key);
    places.set(key, { at: s.at, needs: Math.max(place?.needs ?? 0, s.bootstrapVersion) });
  }
  const unreadable = new Map<string, string>();
  const needed: StackLocation[] = [];
  await mapConcurrent([...places.entries()], READ_CONCURRENCY, async ([key, { at, needs }]) => {
    try {
      const version = await deps.bootstrap.bootstrapVersion(at, qualifier);
      if (version === undefined || version < needs)
        needed.push({ accountId: at.accountId, region: at.region });
    } catch (error) {
      unreadable.set(
        key,
        `cannot read the bootstrap version of ${at.accountId} in ${at.region}: ${describeError(error)}`,
      );
    }
  });
  if (needed.length === 0) return { changes: [], unreadable };
  const where = needed.map((at) => `${at.accountId} in ${at.region}`).join(', ');
  if (!executionPolicies?.length)
    throw userError(
      'NoExecutionPolicies',
      `${where} ${needed.length === 1 ? 'is' : 'are'} not CDK-bootstrapped (qualifier ${qualifier}), and deployments.executionPolicies is not set: estate will not choose the CloudFormation execution role's permissions for you`,
      [
        'set deployments.executionPolicies in estate.yaml to the managed policy ARNs deployments may use (arn:aws:iam::aws:policy/AdministratorAccess only if you mean it)',
      ],
    );
  const trusted = await trustedAccountIds(deps, trustedAccounts, callerAccount);
  const changes: Change[] = [];
  for (const at of needed.sort((a, b) => bootstrapAddress(a).localeCompare(bootstrapAddress(b)))) {
    const data: BootstrapData = { accountId: at.accountId, region: at.region, qualifier };
    await run.io.notify(
      ioMessage(
        'info',
        ENV_IO.BOOTSTRAP_NEEDED,
        `${at.accountId} in ${at.region} is not bootstrapped: bootstrapping`,
        data,
      ),
    );
    changes.push({
      section: 'env',
      action: 'create',
      resourceType: 'bootstrap',
      address: bootstrapAddress(at),
      summary: `bootstrap ${at.accountId} in ${at.region} (qualifier ${qualifier})`,
      payload: { ...at, qualifier, trustedAccounts: trusted, executionPolicies: [...executionPolicies] },
    });
  }
  return { changes, unreadable };
}

async function trustedAccountIds(
  deps: EnvServiceDeps,
  entries: readonly string[] | undefined,
  callerAccount: string,
): Promise<string[]> {
  if (!entries?.length) return [callerAccount];
  const names = entries.filter((e) => !/^\d{12}$/.test(e));
  const ids = names.length ? await deps.accounts.accountIds(names) : new Map<string, string>();
  const missing = names.filter((n) => !ids.has(n));
  if (missing.length)
    throw userError(
      'UnknownTrustedAccount',
      `deployments.trustedAccounts: ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} neither a 12-digit account id nor an account of estate.yaml that exists`,
      ['name an account under accounts that exists, or give its 12-digit id'],
    );
  return [...new Set(entries.map((e) => (/^\d{12}$/.test(e) ? e : ids.get(e)!)))];
}

async function toolkitBootstrap(toolkit: ToolkitPort, change: Change, task: Task): Promise<void> {
  const p = change.payload as {
    accountId: string;
    region: string;
    qualifier: string;
    trustedAccounts: string[];
    executionPolicies: string[];
  };
  await toolkit.bootstrap({
    at: { accountId: p.accountId, region: p.region },
    qualifier: p.qualifier,
    trustedAccounts: p.trustedAccounts,
    executionPolicies: p.executionPolicies,
    task,
  });
}
