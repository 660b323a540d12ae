/**
 * What deploy, destroy, diff, list and status share: the environments' targets (account id,
 * region), the identity check, the `deployments` settings, the synthesised assembly's stacks
 * as the engine needs them, the "unchanged" decision, protection, and the outputs a person needs.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BLUEPRINT_NAMES } from '../../blueprints/catalog.js';
import { EDGE_REGION } from '../../blueprints/environment.js';
import {
  DEFAULT_DEPLOY_CONCURRENCY,
  DEFAULT_QUALIFIER,
  type EnvironmentConfig,
  type EstateConfig,
} from '../../config/schema.js';
import { EstateError, userError } from '../../errors.js';
import { canonicalJson } from '../plan/canonical.js';
import type { DeployedStack, StackLocation } from './ports.js';
import type { Endpoints, EnvServiceDeps } from './service.js';
import { findEnvironment, type StackSummary, type SynthResult } from './synth.js';

/** Stack tags estate writes at deploy time only (never in the template). */
export const DEPLOYED_BY = 'estate:deployed-by';
export const DEPLOYED_AT = 'estate:deployed-at';
export const EXPIRES_AT = 'estate:expires-at';
/** The up window: `<normalised hours> <IANA zone>`, e.g. `Mon-Fri 08:00-19:00 Europe/London`. */
export const SCHEDULE_TAG = 'estate:schedule';
/** Who acts on the schedule and expiry: `ci` (env reap / env up --due) or `aws` (the estate-lifecycle stack). */
export const EXECUTOR_TAG = 'estate:executor';
/** The lifecycle tags: set by deploy from config or kept from the live stacks, changed by env schedule/extend. */
export const LIFECYCLE_TAGS: readonly string[] = [EXPIRES_AT, SCHEDULE_TAG, EXECUTOR_TAG];
export const DEPLOY_TIME_TAGS: readonly string[] = [DEPLOYED_BY, DEPLOYED_AT, ...LIFECYCLE_TAGS];

export const ENV_TAG = 'estate:env';
export const BLUEPRINT_TAG = 'estate:blueprint';
export const OWNER_TAG = 'estate:owner';
export const PROTECTED_TAG = 'estate:protected';
/** The size profile the stacks were synthesised with: dev or prod. */
export const PROFILE_TAG = 'estate:profile';

/** The config's `deployments` block with its defaults (the block itself is optional). */
export type DeploymentSettings = NonNullable<EstateConfig['deployments']>;

export function deploymentSettings(config: EstateConfig): DeploymentSettings {
  return config.deployments ?? { qualifier: DEFAULT_QUALIFIER, concurrency: DEFAULT_DEPLOY_CONCURRENCY };
}

/** One environment and where it goes. */
export interface EnvTarget {
  readonly env: EnvironmentConfig;
  readonly accountName: string;
  readonly accountId: string;
  /** The environment's own region (its edge stacks are in us-east-1). */
  readonly region: string;
}

/**
 * The environments by name with their account ids, or a user error before anything runs:
 * an unknown environment, an account not in estate.yaml, an account not created yet.
 */
export async function resolveTargets(
  deps: Pick<EnvServiceDeps, 'accounts'>,
  config: EstateConfig,
  names: readonly string[],
): Promise<EnvTarget[]> {
  if (names.length === 0)
    throw userError('NoEnvironment', 'name at least one environment', [
      `environments: ${config.environments.map((e) => e.name).join(', ') || '(none in estate.yaml)'}`,
    ]);
  const envs = [...new Set(names)].map((n) => findEnvironment(config, n));
  for (const env of envs)
    if (!config.accounts.some((a) => a.name === env.account))
      throw userError(
        'UnknownAccount',
        `environment "${env.name}" names account "${env.account}", which is not in estate.yaml's accounts`,
        [`declare account ${env.account} under accounts, or point environments[].account at one that is`],
      );
  const ids = await deps.accounts.accountIds([...new Set(envs.map((e) => e.account))]);
  const missing = envs.filter((e) => !ids.has(e.account));
  if (missing.length)
    throw new EstateError(
      `${missing.map((e) => `environment "${e.name}"`).join(', ')}: account ${[...new Set(missing.map((e) => e.account))].join(', ')} does not exist in the organisation yet`,
      {
        code: 'AccountsNotCreated',
        source: 'user',
        suggestions: ['run `estate apply` to create it, or set accounts[].id to adopt an existing account'],
      },
    );
  return envs.map((env) => ({
    env,
    accountName: env.account,
    accountId: ids.get(env.account)!,
    region: env.region ?? config.organization.homeRegion,
  }));
}

/**
 * Per account id: undefined when estate's credentials for it resolve to it, else why not.
 * Each account is asked once, all at once.
 */
export async function identityProblems(
  deps: Pick<EnvServiceDeps, 'identity'>,
  accountIds: readonly string[],
): Promise<Map<string, string | undefined>> {
  const unique = [...new Set(accountIds)];
  const answers = await Promise.all(
    unique.map(async (id): Promise<string | undefined> => {
      try {
        const actual = await deps.identity.accountOf(id);
        return actual === id
          ? undefined
          : `the credentials for account ${id} resolve to account ${actual}; refusing to act there`;
      } catch (error) {
        return `cannot confirm the credentials for account ${id}: ${(error as Error).message}`;
      }
    }),
  );
  return new Map(unique.map((id, i) => [id, answers[i]]));
}

/** A stack of a synthesised environment, with what deploy, diff and destroy read of it. */
export interface AssemblyStack {
  readonly name: string;
  readonly blueprint: string;
  readonly artifactId: string;
  readonly at: StackLocation;
  /** Names of the stacks of the same assembly it depends on. */
  readonly dependsOn: readonly string[];
  readonly shared: boolean;
  readonly template: Record<string, unknown>;
  /** Template-level stack tags (the assembly's). */
  readonly tags: Readonly<Record<string, string>>;
  /** Template parameters with their defaults (estate passes none). */
  readonly parameters: Readonly<Record<string, string>>;
  /** The bootstrap version the stack needs (0 when it needs none). */
  readonly bootstrapVersion: number;
  /** What off-hours down does with it. */
  readonly role: 'stateful' | 'stateless';
  /** The template object the toolkit uploads to the bootstrap bucket (stackTemplateAssetObjectUrl, resolved). */
  readonly templateObject?: { readonly bucket: string; readonly key: string };
}

interface ManifestArtifact {
  readonly properties?: {
    readonly tags?: Readonly<Record<string, string>>;
    readonly requiresBootstrapStackVersion?: number;
    readonly stackTemplateAssetObjectUrl?: string;
  };
}

/** `s3://cdk-<q>-assets-${AWS::AccountId}-${AWS::Region}/<hash>.json` with the placeholders resolved. */
export function templateObjectOf(
  url: string | undefined,
  at: StackLocation,
): { bucket: string; key: string } | undefined {
  if (!url) return undefined;
  const resolved = url
    .replaceAll('${AWS::AccountId}', at.accountId)
    .replaceAll('${AWS::Region}', at.region)
    .replaceAll('${AWS::Partition}', 'aws');
  const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(resolved);
  return m ? { bucket: m[1]!, key: m[2]! } : undefined;
}

/**
 * The stacks of a synthesised environment, in the synthesis's order, with their templates and
 * the stack tags of the assembly's manifest. Every stack must be bound to `accountId`: a stack
 * bound elsewhere (or to no account) is an internal error, so nothing is deployed into an
 * account the config does not name.
 */
export function assemblyStacks(synth: SynthResult, accountId: string): AssemblyStack[] {
  const manifest = JSON.parse(readFileSync(join(synth.assemblyDir, 'manifest.json'), 'utf8')) as {
    artifacts?: Record<string, ManifestArtifact>;
  };
  const artifacts = manifest.artifacts ?? {};
  return synth.stacks.map((s: StackSummary) => {
    const artifact = artifacts[s.artifactId];
    if (!artifact)
      throw new EstateError(`stack ${s.name} is not in the assembly ${synth.assemblyDir}`, {
        code: 'AssemblyStackMissing',
        source: 'internal',
      });
    if (s.account !== accountId)
      throw new EstateError(
        `stack ${s.name} is bound to account ${s.account ?? 'unknown-account'}, not ${accountId}; refusing to deploy it`,
        { code: 'StackAccountMismatch', source: 'internal' },
      );
    const template = JSON.parse(readFileSync(join(synth.assemblyDir, s.templateFile), 'utf8')) as Record<
      string,
      unknown
    >;
    return {
      name: s.name,
      blueprint: s.blueprint,
      artifactId: s.artifactId,
      at: { accountId, region: s.region },
      dependsOn: s.dependsOn,
      shared: s.shared === true,
      template,
      tags: artifact.properties?.tags ?? {},
      parameters: parameterDefaults(template),
      bootstrapVersion: artifact.properties?.requiresBootstrapStackVersion ?? 0,
      role: s.role,
      ...withTemplateObject(artifact.properties?.stackTemplateAssetObjectUrl, {
        accountId,
        region: s.region,
      }),
    };
  });
}

function withTemplateObject(url: string | undefined, at: StackLocation) {
  const templateObject = templateObjectOf(url, at);
  return templateObject ? { templateObject } : {};
}

function parameterDefaults(template: Record<string, unknown>): Record<string, string> {
  const params = (template.Parameters ?? {}) as Record<string, { Default?: unknown }>;
  const out: Record<string, string> = {};
  for (const [key, p] of Object.entries(params))
    if (p.Default !== undefined)
      out[key] = Array.isArray(p.Default) ? p.Default.join(',') : String(p.Default);
  return out;
}

/** A stable state in which the stack exists as its template says (not ROLLBACK_COMPLETE: nothing exists). */
export function isSettled(status: string): boolean {
  return status.endsWith('_COMPLETE') && status !== 'ROLLBACK_COMPLETE' && status !== 'DELETE_COMPLETE';
}

/** The live tags without the deploy-time ones: what the template-level tags are compared with. */
export function templateLevelTags(tags: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(tags).filter(([k]) => !DEPLOY_TIME_TAGS.includes(k)));
}

/**
 * Unchanged: the live stack is settled, its template deep-equals the synthesised one, its
 * parameters equal the template's defaults, its template-level tags equal the assembly's, and
 * its lifecycle tags are what the deploy would write: given as the wanted values of
 * estate:expires-at, estate:schedule and estate:executor (a shared stack has none), or, as
 * `hasTtl`, only whether the expiry tag is there. Then no change set is made.
 */
export function isUnchanged(
  stack: AssemblyStack,
  live: DeployedStack | undefined,
  liveTemplate: unknown,
  lifecycle: boolean | Readonly<Record<string, string>>,
): boolean {
  if (!live || !isSettled(live.status)) return false;
  if (canonicalJson(liveTemplate) !== canonicalJson(stack.template)) return false;
  if (canonicalJson(live.parameters) !== canonicalJson(stack.parameters)) return false;
  if (canonicalJson(templateLevelTags(live.tags)) !== canonicalJson(stack.tags)) return false;
  if (typeof lifecycle === 'boolean') return EXPIRES_AT in live.tags === (lifecycle && !stack.shared);
  const wanted = stack.shared ? {} : lifecycle;
  return LIFECYCLE_TAGS.every((k) => live.tags[k] === wanted[k]);
}

/** `--blueprint` names, checked: a name no blueprint has is a user error naming the flag. */
export function checkBlueprintNames(names: readonly string[]): void {
  const unknown = names.filter((n) => !(BLUEPRINT_NAMES as readonly string[]).includes(n));
  if (unknown.length)
    throw userError('UnknownBlueprint', `--blueprint ${unknown.join(', ')}: no such blueprint`, [
      `blueprints: ${BLUEPRINT_NAMES.join(', ')}`,
    ]);
}

/** The stacks of the named blueprints (observability includes observability-edge) and what they depend on. */
export function selectStacks(
  stacks: readonly AssemblyStack[],
  blueprints?: readonly string[],
): AssemblyStack[] {
  if (!blueprints?.length) return [...stacks];
  const byName = new Map(stacks.map((s) => [s.name, s]));
  const chosen = new Set<string>();
  const add = (s: AssemblyStack) => {
    if (chosen.has(s.name)) return;
    chosen.add(s.name);
    for (const d of s.dependsOn) if (byName.has(d)) add(byName.get(d)!);
  };
  for (const s of stacks)
    if (blueprints.some((b) => s.blueprint === b || s.blueprint.startsWith(`${b}-`))) add(s);
  return stacks.filter((s) => chosen.has(s.name));
}

/**
 * The stack outputs a person needs, by the blueprint of the stack that has them. A construct
 * nested in the stack gets a hash after its output's logical id, so a key matches by prefix.
 */
export const ENDPOINT_OUTPUTS: Readonly<
  Record<keyof Endpoints, { blueprints: readonly string[]; key: string }>
> = {
  siteUrl: { blueprints: ['edge'], key: 'SiteUrl' },
  apiUrl: { blueprints: ['api-lambda', 'api-eks'], key: 'ApiUrl' },
  userPoolId: { blueprints: ['auth'], key: 'UserPoolId' },
  userPoolClientId: { blueprints: ['auth'], key: 'UserPoolClientId' },
  dashboardUrl: { blueprints: ['observability'], key: 'DashboardUrl' },
};

export function endpointsOf(
  stacks: readonly { blueprint?: string; outputs?: Readonly<Record<string, string>> }[],
): Endpoints {
  const out: Record<string, string> = {};
  for (const [field, { blueprints, key }] of Object.entries(ENDPOINT_OUTPUTS)) {
    for (const s of stacks) {
      if (!s.blueprint || !blueprints.includes(s.blueprint) || !s.outputs) continue;
      const hit = Object.keys(s.outputs)
        .sort()
        .find((k) => k === key || (k.startsWith(key) && /^[0-9A-F]{8}$/.test(k.slice(key.length))));
      if (hit) {
        out[field] = s.outputs[hit]!;
        break;
      }
    }
  }
  return out as Endpoints;
}

/** The regions an environment's stacks can be in: its own, and us-east-1 for edge. */
export function environmentRegions(env: EnvironmentConfig, region: string): string[] {
  return [...new Set([region, ...(env.blueprints.includes('edge') ? [EDGE_REGION] : [])])];
}

/** How bad a stack status is, for the worst status of an environment. */
export function statusRank(status: string): number {
  if (status.includes('FAILED')) return 4;
  if (status.includes('ROLLBACK')) return 3;
  if (status.endsWith('_IN_PROGRESS')) return 2;
  return 1;
}

export function worstStatus(statuses: readonly string[]): string {
  return statuses.reduce((worst, s) => (statusRank(s) > statusRank(worst) ? s : worst), statuses[0] ?? '');
}
