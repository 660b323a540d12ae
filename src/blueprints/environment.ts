/**
 * Pure helpers about an environment's blueprints, without aws-cdk-lib: the synth engine uses
 * them to compute its cache key before deciding whether to load the CDK at all.
 */
import type { BlueprintSettings } from '../config/blueprint-settings.js';
import type { EnvironmentConfig, EstateConfig } from '../config/schema.js';
import { mandatoryValues } from '../config/tags.js';
import { EstateError } from '../errors.js';
import { BLUEPRINT_CATALOG, type StackRole } from './catalog.js';

/** CloudFront's certificate and WebACL live in us-east-1, so the edge stack always does. */
export const EDGE_REGION = 'us-east-1';

/** Estate-wide blueprint settings with the environment's settings merged over them, per blueprint. */
export function mergedSettings(config: EstateConfig, env: EnvironmentConfig): BlueprintSettings {
  const out: Record<string, unknown> = {};
  const base = (config.blueprints ?? {}) as Record<string, object | undefined>;
  const over = (env.settings ?? {}) as Record<string, object | undefined>;
  for (const name of new Set([...Object.keys(base), ...Object.keys(over)])) {
    out[name] = { ...(base[name] ?? {}), ...(over[name] ?? {}) };
  }
  return out as BlueprintSettings;
}

/** Where an environment is deployed: its region and, when known, its account id. */
export function environmentTarget(
  config: EstateConfig,
  env: EnvironmentConfig,
  accountIds?: Readonly<Record<string, string>>,
): { region: string; account?: string } {
  const account = accountIds?.[env.account] ?? config.accounts.find((a) => a.name === env.account)?.id;
  return { region: env.region ?? config.organization.homeRegion, ...(account ? { account } : {}) };
}

/** Managed-login domain prefix from the organisation and environment names. */
export function defaultDomainPrefix(orgName: string, envName: string): string {
  return `${orgName}-${envName}`
    .toLowerCase()
    .replace(/aws|amazon|cognito/g, 'x')
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 63)
    .replace(/-$/, '');
}

/** `<env>-<blueprint>`: the stack (and CloudFormation stack) name of a blueprint. */
export function stackName(envName: string, blueprint: string): string {
  return `${envName}-${blueprint}`;
}

/** Account kinds whose environments are protected whatever their `protected` says. */
const PRODUCTION_KINDS: readonly string[] = ['prod-multi-tenant', 'prod-single-tenant'];

/**
 * Protected: `protected: true`, or deployed into a production account kind. Destroying a
 * protected environment needs explicit intent (`--force-protected`).
 */
export function isProtected(config: EstateConfig, env: EnvironmentConfig): boolean {
  const kind = config.accounts.find((a) => a.name === env.account)?.kind;
  return env.protected || (kind !== undefined && PRODUCTION_KINDS.includes(kind));
}

/**
 * The tags every stack (and so every taggable resource) of the environment carries: each
 * mandatory tag of tags.mandatory with the value its account gets (accounts[].tags, then
 * tags.byKind, then the tag's default), the environment's own tags over them, then estate's:
 * `estate:env`, `estate:profile` (the size: dev or prod), `estate:blueprint`,
 * `estate:protected` (true or false) and `estate:owner` when the environment has one.
 * So blueprint resources pass `estate tags audit --strict` like the account itself, and the
 * stacks' tags alone tell `env list` what an environment is. Nothing here changes from one
 * deploy to the next (who deployed when is added at deploy time, outside the template).
 */
export function environmentTags(
  config: EstateConfig,
  env: EnvironmentConfig,
  blueprint: string,
): Record<string, string> {
  const tags = accountTags(config, env.account);
  Object.assign(tags, env.tags ?? {});
  tags['estate:env'] = env.name;
  tags['estate:profile'] = env.size;
  tags['estate:blueprint'] = blueprint;
  tags['estate:protected'] = String(isProtected(config, env));
  if (env.owner) tags['estate:owner'] = env.owner;
  return tags;
}

/** The mandatory tags with the values estate.yaml gives them in this account. */
export function accountTags(config: EstateConfig, accountName: string): Record<string, string> {
  const account = config.accounts.find((a) => a.name === accountName);
  const tags: Record<string, string> = {};
  for (const [key, value] of Object.entries(account ? mandatoryValues(config, account) : {}))
    if (value !== undefined) tags[key] = value;
  return tags;
}

/** Name of the stack that holds Bedrock invocation logging in each account and region. */
export const BEDROCK_LOGGING_STACK = 'estate-bedrock-logging';

export type { StackRole } from './catalog.js';

/**
 * The blueprints whose role is fixed: those without a `statelessWhen` in the catalog, and the
 * shared Bedrock logging stack. The others (edge, observability) are stateful unless they
 * depend on a stateless stack (edge fronting the API, alarms watching it).
 */
const FIXED_ROLE: Readonly<Record<string, StackRole>> = {
  ...Object.fromEntries(
    Object.values(BLUEPRINT_CATALOG)
      .filter((b) => !b.statelessWhen)
      .map((b) => [b.name, b.role]),
  ),
  'bedrock-logging': 'stateful',
};

/**
 * The role of each stack of one assembly, by stack name, from its blueprint and the stacks it
 * depends on (`dependsOn`: names of stacks in the same list). A stack depending on a stateless
 * one is stateless, since it cannot outlive what it references; a stack that must keep its
 * state (data, auth, ai, Bedrock logging) depending on a stateless one is a composition defect:
 * deleting the API would then need that stack gone first, so this fails instead of answering.
 */
export function stackRoles(
  stacks: readonly {
    readonly name: string;
    readonly blueprint: string;
    readonly dependsOn: readonly string[];
  }[],
): Map<string, StackRole> {
  const byName = new Map(stacks.map((s) => [s.name, s]));
  const roles = new Map<string, StackRole>();
  const visiting = new Set<string>();
  const roleOf = (name: string): StackRole => {
    const known = roles.get(name);
    if (known) return known;
    const s = byName.get(name);
    if (!s) throw internal(`stack ${name} is not in the assembly`);
    if (visiting.has(name)) throw internal(`stacks depend on each other in a cycle through ${name}`);
    visiting.add(name);
    const statelessDeps = s.dependsOn.filter((d) => roleOf(d) === 'stateless');
    visiting.delete(name);
    const fixed = FIXED_ROLE[s.blueprint];
    if (fixed === 'stateful' && statelessDeps.length > 0)
      throw internal(
        `stateful stack ${name} (${s.blueprint}) depends on stateless ${statelessDeps.join(', ')}: ` +
          'off-hours shutdown could not delete the stateless stack without it',
      );
    const role: StackRole = fixed ?? (statelessDeps.length > 0 ? 'stateless' : 'stateful');
    roles.set(name, role);
    return role;
  };
  for (const s of stacks) roleOf(s.name);
  return roles;
}

function internal(message: string): EstateError {
  return new EstateError(`environment composition: ${message}`, {
    code: 'StackRoles',
    source: 'internal',
    suggestions: ["this is a defect in estate's blueprints: report it with the environment's blueprints"],
  });
}
