/**
 * The read side of the environment engine: `env diff` (synthesis against the live stacks,
 * the toolkit only for stacks that changed), `env list` (environments discovered from stack
 * tags in every configured account, orphans included) and `env status` (one environment's
 * stacks, outputs, deployer and drift). list and status never load the toolkit.
 */
import { isProtected } from '../../blueprints/environment.js';
import type { EstateConfig } from '../../config/schema.js';
import { EstateError } from '../../errors.js';
import { mapConcurrent } from '../concurrency.js';
import { ioMessage, startTask } from '../io.js';
import { describeError } from '../plan/execute.js';
import {
  BLUEPRINT_TAG,
  DEPLOYED_AT,
  DEPLOYED_BY,
  ENV_TAG,
  EXPIRES_AT,
  OWNER_TAG,
  PROTECTED_TAG,
  assemblyStacks,
  deploymentSettings,
  endpointsOf,
  environmentRegions,
  identityProblems,
  isUnchanged,
  resolveTargets,
  worstStatus,
} from './common.js';
import { ENV_IO, stackTaskId, stackTaskTitle } from './io.js';
import type { DeployedStack, StackLocation, ToolkitPort } from './ports.js';
import type {
  DiffOptions,
  DiffResult,
  EnvRun,
  EnvServiceDeps,
  ListOptions,
  ListResult,
  ListedEnvironment,
  StackDiffOutcome,
  StackStatus,
  StatusOptions,
  StatusResult,
} from './service.js';
import { synthEnvironment } from './synth.js';
import { READ_CONCURRENCY, discoverEnvironments, type FoundEnvironment } from './discover.js';
import { nextAction } from './lifecycle-sync.js';

/** The next lifecycle action as the optional field of a listed environment. */
function nextOf(...args: Parameters<typeof nextAction>): Pick<ListedEnvironment, 'next'> {
  const next = nextAction(...args);
  return next ? { next } : {};
}

export async function runDiff(
  deps: EnvServiceDeps,
  config: EstateConfig,
  options: DiffOptions,
  run: EnvRun,
): Promise<DiffResult> {
  const [target] = await resolveTargets(deps, config, [options.environment]);
  const { env, accountId } = target!;
  await assertIdentity(deps, accountId);
  const synthesised = await (deps.synth ?? synthEnvironment)(config, env.name, {
    configDir: options.configDir,
    accountIds: { [target!.accountName]: accountId },
    io: run.io,
    ...(options.cwd ? { cwd: options.cwd } : {}),
  });
  const stacks = assemblyStacks(synthesised, accountId);
  let toolkit: Promise<ToolkitPort> | undefined;
  const outcomes = await mapConcurrent(
    stacks,
    deploymentSettings(config).concurrency,
    async (stack): Promise<StackDiffOutcome> => {
      const ref = { stack: stack.name, environment: env.name, accountId, region: stack.at.region };
      const base = { ...ref, blueprint: stack.blueprint };
      const current = await deps.stacks.describeStack(stack.at, stack.name);
      if (!current || current.status === 'ROLLBACK_COMPLETE') return { ...base, status: 'new' };
      const template = await deps.stacks.deployedTemplate(stack.at, stack.name);
      if (isUnchanged(stack, current, template, Boolean(env.ttl))) return { ...base, status: 'unchanged' };
      const task = await startTask(run.io, stackTaskId(ref), stackTaskTitle(ref));
      try {
        const diff = await (
          await (toolkit ??= deps.toolkit())
        ).diff({
          assemblyDir: synthesised.assemblyDir,
          artifactId: stack.artifactId,
          stackName: stack.name,
          at: stack.at,
          task,
        });
        await task.done(`${diff.resources.length} resource change(s)`);
        return { ...base, status: 'changed', diff };
      } catch (error) {
        await task.fail(describeError(error));
        throw error;
      }
    },
  );
  return {
    environment: env.name,
    accountId,
    region: target!.region,
    changes: outcomes.some((o) => o.status !== 'unchanged'),
    stacks: outcomes,
  };
}

async function assertIdentity(deps: Pick<EnvServiceDeps, 'identity'>, accountId: string): Promise<void> {
  const problem = (await identityProblems(deps, [accountId])).get(accountId);
  if (problem) throw new EstateError(problem, { code: 'IdentityMismatch', source: 'aws' });
}

type ReadDeps = Omit<EnvServiceDeps, 'toolkit' | 'synth'>;

/** Every environment discovery finds, with what its stacks' tags say; orphans warned about. */
export async function runList(
  deps: ReadDeps,
  config: EstateConfig,
  options: ListOptions,
  run: EnvRun,
): Promise<ListResult> {
  const now = (run.now ?? (() => new Date()))();
  const { environments: found, unreadable } = await discoverEnvironments(deps, config, options, run);
  const environments: ListedEnvironment[] = [];
  for (const found1 of found) {
    const listed = listedEnvironment(found1, now);
    environments.push(listed);
    if (listed.orphan)
      await run.io.notify(
        ioMessage(
          'warn',
          ENV_IO.ORPHAN_ENVIRONMENT,
          `${listed.environment} in ${found1.account.name} (${found1.account.id}) is not in estate.yaml`,
          { environment: listed.environment, accountId: found1.account.id },
        ),
      );
  }
  return { environments, unreadable: [...unreadable] };
}

/** What the stacks of one discovered environment say: blueprints, worst status, age, owner, expiry. */
function listedEnvironment(
  { environment, account, declared, stacks }: FoundEnvironment,
  now: Date,
): ListedEnvironment {
  const tag = (k: string) => stacks.map(({ s }) => s.tags[k]).find((v) => v !== undefined);
  const created = stacks.map(({ s }) => s.createdAt).sort((a, b) => a.getTime() - b.getTime())[0]!;
  const expiresAt = stacks
    .map(({ s }) => s.tags[EXPIRES_AT])
    .filter((v): v is string => v !== undefined)
    .sort()[0];
  const owner = tag(OWNER_TAG);
  return {
    environment,
    account: account.name,
    accountId: account.id,
    regions: [...new Set(stacks.map(({ at }) => at.region))].sort(),
    blueprints: [
      ...new Set(stacks.map(({ s }) => s.tags[BLUEPRINT_TAG]).filter((b): b is string => !!b)),
    ].sort(),
    status: worstStatus(stacks.map(({ s }) => s.status)),
    createdAt: created.toISOString(),
    ageMs: now.getTime() - created.getTime(),
    ...(owner ? { owner } : {}),
    ...(expiresAt ? { expiresAt } : {}),
    expired: expiresAt !== undefined && Date.parse(expiresAt) <= now.getTime(),
    protected: stacks.some(({ s }) => s.tags[PROTECTED_TAG] === 'true'),
    ...nextOf(
      tag,
      declared,
      expiresAt,
      stacks.some(({ s }) => s.tags[PROTECTED_TAG] === 'true'),
      now,
    ),
    ...latestDeploy(stacks.map(({ s }) => s)),
    orphan: !declared,
    ...(tag('estate:profile') ? { profile: tag('estate:profile')! } : {}),
    ...(tag('estate:schedule') ? { schedule: tag('estate:schedule')! } : {}),
    stacks: stacks
      .map(({ s, at }) => ({
        name: s.name,
        region: at.region,
        ...(s.tags[BLUEPRINT_TAG] ? { blueprint: s.tags[BLUEPRINT_TAG] } : {}),
        status: s.status,
      }))
      .sort((a, b) => a.name.localeCompare(b.name)),
  };
}

function latestDeploy(stacks: readonly DeployedStack[]): { deployedBy?: string; deployedAt?: string } {
  const last = stacks
    .filter((s) => s.tags[DEPLOYED_AT])
    .sort((a, b) => b.tags[DEPLOYED_AT]!.localeCompare(a.tags[DEPLOYED_AT]!))[0];
  if (!last) return {};
  return {
    deployedAt: last.tags[DEPLOYED_AT]!,
    ...(last.tags[DEPLOYED_BY] ? { deployedBy: last.tags[DEPLOYED_BY] } : {}),
  };
}

export async function runStatus(
  deps: ReadDeps,
  config: EstateConfig,
  options: StatusOptions,
  run: EnvRun,
): Promise<StatusResult> {
  const [target] = await resolveTargets(deps, config, [options.environment]);
  const { env, accountId } = target!;
  await assertIdentity(deps, accountId);
  const regions = environmentRegions(env, target!.region);
  const listed = await mapConcurrent(regions, READ_CONCURRENCY, async (region) => {
    const at = { accountId, region };
    return (await deps.stacks.listStacks(at))
      .filter((s) => s.tags[ENV_TAG] === env.name)
      .map((s) => ({ s, at }));
  });
  const found = listed.flat().sort((a, b) => a.s.name.localeCompare(b.s.name));
  const stacks: StackStatus[] = await mapConcurrent(found, READ_CONCURRENCY, async ({ s, at }) => {
    const drift = options.drift ? await detectDrift(deps, run, at, s.name, env.name) : undefined;
    return {
      name: s.name,
      region: at.region,
      ...(s.tags[BLUEPRINT_TAG] ? { blueprint: s.tags[BLUEPRINT_TAG] } : {}),
      status: s.status,
      ...(s.statusReason ? { statusReason: s.statusReason } : {}),
      createdAt: s.createdAt.toISOString(),
      ...(s.updatedAt ? { updatedAt: s.updatedAt.toISOString() } : {}),
      outputs: s.outputs,
      ...(s.tags[DEPLOYED_BY] ? { deployedBy: s.tags[DEPLOYED_BY] } : {}),
      ...(s.tags[DEPLOYED_AT] ? { deployedAt: s.tags[DEPLOYED_AT] } : {}),
      ...(drift ? { drift } : {}),
    };
  });
  const expiresAt = found
    .map(({ s }) => s.tags[EXPIRES_AT])
    .filter((v): v is string => v !== undefined)
    .sort()[0];
  return {
    environment: env.name,
    account: target!.accountName,
    accountId,
    region: target!.region,
    deployed: stacks.length > 0,
    stacks,
    endpoints: endpointsOf(stacks),
    ...latestDeploy(found.map(({ s }) => s)),
    ...(expiresAt ? { expiresAt } : {}),
    protected: isProtected(config, env),
  };
}

/** Drift detection takes a while: a task per stack. */
async function detectDrift(
  deps: ReadDeps,
  run: EnvRun,
  at: StackLocation,
  stack: string,
  environment: string,
) {
  const ref = { stack, environment, accountId: at.accountId, region: at.region };
  const task = await startTask(run.io, `drift:${stackTaskId(ref)}`, `drift of ${stackTaskTitle(ref)}`);
  try {
    const drift = await deps.stacks.detectDrift(at, stack);
    await task.done(drift.drifted.length ? `${drift.drifted.length} resource(s) drifted` : drift.status);
    return drift;
  } catch (error) {
    await task.fail(describeError(error));
    throw error;
  }
}
