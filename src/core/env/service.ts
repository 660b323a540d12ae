/**
 * The environment engine's services: deploy, destroy, diff, list and status of environments,
 * over the ports in ports.ts. Commands call one of these and render the typed result.
 */
import type { EstateConfig } from '../../config/schema.js';
import type { AccountDirectory } from '../finops/account-ids.js';
import type { IoHost } from '../io.js';
import type { EnvDeps, RecordsPort, StackDiff, StackDrift, StackFailure } from './ports.js';
import { costSummary, estimateCost, listedCost, type CostSummary, type PriceTable } from './cost.js';
import type { StackRef } from './io.js';
import type { synthEnvironment } from './synth.js';
import type { LifecycleSyncResult, NextAction } from './lifecycle-sync.js';
import { runDeploy } from './deploy.js';
import { runDestroy } from './destroy.js';
import { runDiff, runList, runStatus } from './inspect.js';

export interface EnvServiceDeps extends EnvDeps {
  readonly accounts: AccountDirectory;
  /** The identity estate runs as (STS GetCallerIdentity with the base credentials). */
  readonly caller: () => Promise<{ account: string; arn: string }>;
  /** @default synthEnvironment */
  readonly synth?: typeof synthEnvironment;
}

/** How a service talks and stops. */
export interface EnvRun {
  readonly io: IoHost;
  /** Aborted (Ctrl-C): no new stack starts; what runs finishes. */
  readonly signal?: AbortSignal;
  /** A person can answer questions (TTY, not CI, not --json). */
  readonly interactive: boolean;
  /** @default () => new Date() */
  readonly now?: () => Date;
}

/** Which stack changes need a person's approval (like cdk's --require-approval). */
export type ApprovalPolicy = 'broadening' | 'any' | 'never';

/** The outputs a person needs after a deploy, picked from the stacks' outputs. */
export interface Endpoints {
  readonly siteUrl?: string;
  readonly apiUrl?: string;
  readonly userPoolId?: string;
  readonly userPoolClientId?: string;
  readonly dashboardUrl?: string;
}

// ---------------------------------------------------------------------------------------------
// deploy

export interface DeployOptions {
  readonly environments: readonly string[];
  /** Only these blueprints' stacks, plus the stacks they depend on. */
  readonly blueprints?: readonly string[];
  /** Stacks deployed at once in each account (accounts side by side). @default config deployments.concurrency, else 4 */
  readonly concurrency?: number;
  readonly approve: ApprovalPolicy;
  /** Approve what the policy would ask about without asking. */
  readonly yes: boolean;
  /** Folder of estate.yaml. */
  readonly configDir: string;
  /** @default process.cwd() */
  readonly cwd?: string;
  /** The price table: each environment's result then carries its estimated monthly cost. */
  readonly prices?: PriceTable;
}

export type StackDeployStatus =
  | 'deployed'
  | 'unchanged'
  | 'failed'
  | 'declined'
  /** Not attempted: a stack it depends on failed or was declined. */
  | 'skipped'
  /** Not started because the run was interrupted. */
  | 'interrupted'
  /** Still running in CloudFormation when the run was interrupted. */
  | 'in-flight';

export interface StackDeployOutcome extends StackRef {
  readonly blueprint: string;
  readonly status: StackDeployStatus;
  readonly reason?: string;
  readonly failure?: StackFailure;
  readonly outputs?: Readonly<Record<string, string>>;
}

export type EnvDeployStatus = 'deployed' | 'unchanged' | 'failed' | 'partial' | 'refused' | 'interrupted';

export interface EnvironmentDeployResult {
  readonly environment: string;
  readonly account: string;
  /** Undefined when the environment was refused before its account id was known. */
  readonly accountId?: string;
  readonly region: string;
  readonly status: EnvDeployStatus;
  /** Why it was refused or failed before its stacks ran. */
  readonly reason?: string;
  readonly stacks: readonly StackDeployOutcome[];
  readonly endpoints: Endpoints;
  /** Estimated monthly cost, always on and with its schedule (when DeployOptions.prices is given). */
  readonly cost?: CostSummary;
}

export interface DeployResult {
  /** false when any environment or stack failed, was refused, declined or interrupted. */
  readonly ok: boolean;
  readonly interrupted: boolean;
  readonly environments: readonly EnvironmentDeployResult[];
  /** Interrupted: stacks whose CloudFormation operation keeps running in AWS. */
  readonly inFlight: readonly StackRef[];
  /** Interrupted: stacks never started. */
  readonly notStarted: readonly StackRef[];
  /** The accounts and regions bootstrapped by this run. */
  readonly bootstrapped: readonly { accountId: string; region: string }[];
  /** The estate-lifecycle stacks synchronised after the deploy (aws-executor environments only). */
  readonly lifecycle?: LifecycleSyncResult;
}

/** With `records`, deploy writes each deployed stack's record (what `env up` re-creates it from). */
export async function deployEnvironments(
  deps: EnvServiceDeps & { readonly records?: RecordsPort },
  config: EstateConfig,
  options: DeployOptions,
  run: EnvRun,
): Promise<DeployResult> {
  const result = await runDeploy(deps, config, options, run);
  const prices = options.prices;
  if (!prices) return result;
  const envs = new Map(config.environments.map((e) => [e.name, e]));
  return {
    ...result,
    environments: result.environments.map((e) => {
      const env = envs.get(e.environment);
      return env ? { ...e, cost: costSummary(estimateCost(prices, config, env)) } : e;
    }),
  };
}

// ---------------------------------------------------------------------------------------------
// destroy

export interface DestroyOptions {
  readonly environments: readonly string[];
  /** List what would be deleted; change nothing. */
  readonly dryRun: boolean;
  /** Allows destroying a protected environment (protected: true, or a prod account kind). */
  readonly forceProtected: boolean;
  /** Skip the yes/no confirmation of an unprotected environment. */
  readonly yes: boolean;
  readonly configDir: string;
  readonly cwd?: string;
}

export type StackDestroyStatus =
  | 'destroyed'
  /** Already gone (a re-run after a partial destroy). */
  | 'absent'
  /** Dry run. */
  | 'would-delete'
  /** Shared by the account's environments (estate-bedrock-logging): never deleted. */
  | 'kept'
  | 'failed'
  | 'declined'
  /** Not attempted: a stack that depends on it failed to delete. */
  | 'skipped'
  | 'interrupted'
  | 'in-flight';

export interface StackDestroyOutcome extends StackRef {
  readonly blueprint: string;
  readonly status: StackDestroyStatus;
  readonly reason?: string;
  readonly failure?: StackFailure;
}

export interface RetainedResource extends StackRef {
  readonly logicalId: string;
  readonly type: string;
  readonly physicalId?: string;
}

export type EnvDestroyStatus =
  'destroyed' | 'absent' | 'dry-run' | 'failed' | 'partial' | 'refused' | 'declined' | 'interrupted';

export interface EnvironmentDestroyResult {
  readonly environment: string;
  readonly account: string;
  readonly accountId?: string;
  readonly region: string;
  readonly protected: boolean;
  readonly status: EnvDestroyStatus;
  readonly reason?: string;
  readonly stacks: readonly StackDestroyOutcome[];
  /** What CloudFormation left in place (DeletionPolicy Retain), for a person to clean up or keep. */
  readonly retained: readonly RetainedResource[];
  readonly emptiedBuckets: readonly { bucket: string; stack: string; objects: number }[];
}

export interface DestroyResult {
  readonly ok: boolean;
  /** The estate-lifecycle stacks synchronised after destroying aws-executor environments. */
  readonly lifecycle?: LifecycleSyncResult;
  readonly dryRun: boolean;
  readonly interrupted: boolean;
  readonly environments: readonly EnvironmentDestroyResult[];
  readonly inFlight: readonly StackRef[];
  readonly notStarted: readonly StackRef[];
}

/** With `records`, a destroyed environment's stack records are deleted too. */
export async function destroyEnvironments(
  deps: EnvServiceDeps & { readonly records?: RecordsPort },
  config: EstateConfig,
  options: DestroyOptions,
  run: EnvRun,
): Promise<DestroyResult> {
  return runDestroy(deps, config, options, run);
}

// ---------------------------------------------------------------------------------------------
// diff

export interface DiffOptions {
  readonly environment: string;
  readonly configDir: string;
  readonly cwd?: string;
}

export interface StackDiffOutcome extends StackRef {
  readonly blueprint: string;
  /** new: not deployed yet; unchanged: decided without the toolkit (see deploy). */
  readonly status: 'new' | 'changed' | 'unchanged';
  readonly diff?: StackDiff;
}

export interface DiffResult {
  readonly environment: string;
  readonly accountId: string;
  readonly region: string;
  /** Some stack is new or changed (`--detailed-exitcode` exits 2). */
  readonly changes: boolean;
  readonly stacks: readonly StackDiffOutcome[];
}

export async function diffEnvironment(
  deps: EnvServiceDeps,
  config: EstateConfig,
  options: DiffOptions,
  run: EnvRun,
): Promise<DiffResult> {
  return runDiff(deps, config, options, run);
}

// ---------------------------------------------------------------------------------------------
// list

export interface ListOptions {
  /** Account names; @default every account in estate.yaml that exists */
  readonly accounts?: readonly string[];
  /** The price table: each environment then carries its estimated monthly cost. */
  readonly prices?: PriceTable;
}

export interface ListedStack {
  readonly name: string;
  readonly region: string;
  readonly blueprint?: string;
  readonly status: string;
}

export interface ListedEnvironment {
  readonly environment: string;
  /** estate account name; undefined when the account id is not in estate.yaml's accounts. */
  readonly account?: string;
  readonly accountId: string;
  readonly regions: readonly string[];
  readonly blueprints: readonly string[];
  /** The worst status of its stacks (failed > in progress > complete). */
  readonly status: string;
  /** The oldest stack's creation time (ISO). */
  readonly createdAt: string;
  readonly ageMs: number;
  readonly owner?: string;
  readonly expiresAt?: string;
  readonly expired: boolean;
  readonly protected: boolean;
  readonly deployedBy?: string;
  readonly deployedAt?: string;
  /** Not in estate.yaml's environments (e.g. left by a PR preview). */
  readonly orphan: boolean;
  /** Its next lifecycle action (window transition or expiry), when it has one. */
  readonly next?: NextAction;
  readonly stacks: readonly ListedStack[];
  /** The estate:profile tag of its stacks (dev or prod). */
  readonly profile?: string;
  /** The estate:schedule tag of its stacks (`Mon-Fri 08:00-19:00 Europe/London`). */
  readonly schedule?: string;
  /** Estimated monthly cost, always on and with its schedule (when ListOptions.prices is given). */
  readonly cost?: CostSummary;
}

export interface ListResult {
  readonly environments: readonly ListedEnvironment[];
  /** Accounts and regions that could not be read; the others are listed. */
  readonly unreadable: readonly { accountId: string; region: string; reason: string }[];
}

export async function listEnvironments(
  deps: Omit<EnvServiceDeps, 'toolkit' | 'synth'>,
  config: EstateConfig,
  options: ListOptions,
  run: EnvRun,
): Promise<ListResult> {
  const result = await runList(deps, config, options, run);
  const prices = options.prices;
  if (!prices) return result;
  return {
    ...result,
    environments: result.environments.map((e) => ({ ...e, cost: listedCost(prices, config, e) })),
  };
}

// ---------------------------------------------------------------------------------------------
// status

export interface StatusOptions {
  readonly environment: string;
  /** Run drift detection on every stack (takes a while). */
  readonly drift: boolean;
}

export interface StackStatus {
  readonly name: string;
  readonly region: string;
  readonly blueprint?: string;
  readonly status: string;
  readonly statusReason?: string;
  readonly createdAt: string;
  readonly updatedAt?: string;
  readonly outputs: Readonly<Record<string, string>>;
  readonly deployedBy?: string;
  readonly deployedAt?: string;
  readonly drift?: StackDrift;
}

export interface StatusResult {
  readonly environment: string;
  readonly account: string;
  readonly accountId: string;
  readonly region: string;
  /** Deployed: at least one stack exists. */
  readonly deployed: boolean;
  readonly stacks: readonly StackStatus[];
  readonly endpoints: Endpoints;
  /** The latest estate:deployed-by / -at over the stacks. */
  readonly deployedBy?: string;
  readonly deployedAt?: string;
  readonly expiresAt?: string;
  readonly protected: boolean;
}

export async function environmentStatus(
  deps: Omit<EnvServiceDeps, 'toolkit' | 'synth'>,
  config: EstateConfig,
  options: StatusOptions,
  run: EnvRun,
): Promise<StatusResult> {
  return runStatus(deps, config, options, run);
}
