/**
 * The organisation estate.yaml asks for, normalised: OU paths top-down, accounts with their
 * root e-mail and merged tags, rendered policy documents with resolved targets, and the
 * trusted services (see TRUSTED_ACCESS) and policy types estate relies on.
 */
import { effectiveBudgetPolicy } from '../budgets/desired.js';
import { emailFromPattern } from '../../config/rules.js';
import type { EstateConfig, OuConfig } from '../../config/schema.js';
import type { PolicyType, Tags } from './ports.js';
import {
  BUILTIN_DESCRIPTIONS,
  POLICY_PREFIX,
  type PolicySources,
  type PolicyVars,
  checkPolicySize,
  isForeignPolicy,
  policyTypeOf,
  renderPolicy,
} from './policies.js';
import { EstateError } from '../../errors.js';

/** A service estate gives trusted access to, and why (the plan says it). */
export interface TrustedAccess {
  readonly principal: string;
  /** What estate does with it, in the plan's words. */
  readonly reason: string;
}

/**
 * Trusted access estate enables through Organizations (EnableAWSServiceAccess): only for a
 * service estate uses now, and only where AWS does not ask for the service's own call.
 * Today there is none:
 *
 * - CloudFormation StackSets (member.org.stacksets.cloudformation.amazonaws.com): estate
 *   deploys no service-managed StackSet yet. When it does, trusted access goes through
 *   CloudFormation's ActivateOrganizationsAccess, which AWS recommends over
 *   EnableAWSServiceAccess because the service then sets up what it needs.
 * - AWS Control Tower (controltower.amazonaws.com): estate does not apply the controlTower
 *   block yet. Setting up a landing zone enables the trusted access Control Tower needs
 *   through Control Tower itself.
 * - IAM Identity Center: not used by estate; it is enabled from Identity Center.
 * - Budgets and Cost Explorer need none: estate uses them from the management account,
 *   which sees every member's costs.
 *
 * Trusted access enabled earlier (by hand, or by an older estate) is left as it is.
 */
export const TRUSTED_ACCESS: readonly TrustedAccess[] = [];

/** Tags estate sets on every account; always managed (added, changed and removed by estate). */
export const ESTATE_TAG_PREFIX = 'estate:';
export const KIND_TAG = 'estate:kind';
export const OWNER_TAG = 'estate:owner';

export interface DesiredOu {
  /** "Workloads/Production". */
  readonly path: string;
  readonly name: string;
  /** '' for the root. */
  readonly parentPath: string;
  /** 1 for top-level OUs. */
  readonly depth: number;
  readonly tags: Tags;
}

export interface DesiredAccount {
  readonly name: string;
  readonly kind: string;
  readonly ouPath: string;
  readonly email: string;
  /** Adopt this existing account (accounts[].id); never created. */
  readonly id?: string;
  readonly tags: Tags;
}

export type DesiredTarget =
  | { readonly kind: 'root'; readonly label: 'Root' }
  | { readonly kind: 'ou'; readonly path: string; readonly label: string }
  | { readonly kind: 'account'; readonly name: string; readonly label: string };

export interface DesiredPolicy {
  /** The config's name (policies[].name). */
  readonly configName: string;
  /** The AWS name: POLICY_PREFIX + configName. */
  readonly name: string;
  readonly type: PolicyType;
  readonly description: string;
  /** Rendered, minified JSON. */
  readonly content: string;
  readonly targets: readonly DesiredTarget[];
}

export interface DesiredOrganization {
  readonly name: string;
  readonly managementAccountId?: string;
  readonly accessRoleName: string;
  readonly trustedServices: readonly string[];
  readonly policyTypes: readonly PolicyType[];
  /** Parents before children. */
  readonly ous: readonly DesiredOu[];
  readonly accounts: readonly DesiredAccount[];
  readonly policies: readonly DesiredPolicy[];
  /**
   * Account tag keys estate removes when the config no longer gives them to an account:
   * every `estate:` key, the mandatory keys, every key under tags.byKind and every key any
   * account in the config sets. Other keys (set by people or other tools) are never touched;
   * a key dropped from the whole config becomes unmanaged and stays where it is.
   */
  readonly managedAccountTagKeys: readonly string[];
  /** OU tag keys estate removes: every `estate:` key and every key any OU in the config sets. */
  readonly managedOuTagKeys: readonly string[];
}

function flattenOus(nodes: readonly OuConfig[], parentPath: string, depth: number, out: DesiredOu[]): void {
  for (const ou of nodes) {
    const path = parentPath ? `${parentPath}/${ou.name}` : ou.name;
    out.push({ path, name: ou.name, parentPath, depth, tags: { ...(ou.tags ?? {}) } });
  }
  for (const ou of nodes) {
    if (ou.children?.length)
      flattenOus(ou.children, parentPath ? `${parentPath}/${ou.name}` : ou.name, depth + 1, out);
  }
}

/** Account tags: mandatory defaults < tags.byKind[kind] < accounts[].tags, then estate's own. */
export function accountTags(
  config: EstateConfig,
  account: EstateConfig['accounts'][number],
): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const m of config.tags?.mandatory ?? []) if (m.default !== undefined) tags[m.key] = m.default;
  Object.assign(tags, config.tags?.byKind?.[account.kind] ?? {}, account.tags ?? {});
  tags[KIND_TAG] = account.kind;
  if (account.owner) tags[OWNER_TAG] = account.owner;
  return tags;
}

export function desiredOrganization(config: EstateConfig, sources: PolicySources): DesiredOrganization {
  const ous = desiredOus(config);
  const accounts = desiredAccounts(config);
  const policies = desiredPolicies(config, sources, ous, accounts);
  return {
    name: config.organization.name,
    ...(config.organization.managementAccountId
      ? { managementAccountId: config.organization.managementAccountId }
      : {}),
    accessRoleName: config.organization.accessRoleName,
    trustedServices: TRUSTED_ACCESS.map((t) => t.principal).sort(),
    policyTypes: desiredPolicyTypes(config, policies),
    ous,
    accounts,
    policies,
    managedAccountTagKeys: managedAccountTagKeys(config),
    managedOuTagKeys: managedOuTagKeys(ous),
  };
}

/** OU paths top-down: by depth, then by path. */
function desiredOus(config: EstateConfig): DesiredOu[] {
  const ous: DesiredOu[] = [];
  flattenOus(config.organizationalUnits, '', 1, ous);
  ous.sort((a, b) => a.depth - b.depth || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return ous;
}

/** Accounts with their root e-mail (given or from the pattern) and merged tags. */
function desiredAccounts(config: EstateConfig): DesiredAccount[] {
  return config.accounts.map((a) => ({
    name: a.name,
    kind: a.kind,
    ouPath: a.ou,
    email: a.email ?? emailFromPattern(config.organization.emailPattern, a.name),
    ...(a.id ? { id: a.id } : {}),
    tags: accountTags(config, a),
  }));
}

/** What a policy document may refer to when it is rendered. */
function policyVars(config: EstateConfig): PolicyVars {
  return {
    governedRegions: config.organization.governedRegions,
    homeRegion: config.organization.homeRegion,
    accessRoleName: config.organization.accessRoleName,
    organizationName: config.organization.name,
    mandatoryTags: (config.tags?.mandatory ?? []).map((m) => ({
      key: m.key,
      ...(m.allowed ? { allowed: m.allowed } : {}),
    })),
  };
}

/** Every policy rendered, size-checked and with its targets resolved, in config order. */
function desiredPolicies(
  config: EstateConfig,
  sources: PolicySources,
  ous: readonly DesiredOu[],
  accounts: readonly DesiredAccount[],
): DesiredPolicy[] {
  const ouSet = new Set(ous.map((o) => o.path));
  const accountSet = new Set(accounts.map((a) => a.name));
  const vars = policyVars(config);
  return config.policies.map((p, i) => {
    const where = `policies.${i} (${p.name})`;
    const type = policyTypeOf(p.type);
    const source = policySource(p, sources, where);
    const name = `${POLICY_PREFIX}${p.name}`;
    if (isForeignPolicy(name)) {
      throw new EstateError(
        `${where}: policy names starting with "budget-" are reserved for estate's budgets`,
        {
          code: 'PolicyNameReserved',
          source: 'user',
          suggestions: [`rename policies.${i}.name`],
        },
      );
    }
    const content = renderPolicy(source, vars, where);
    checkPolicySize(name, type, content, where);
    const targets = p.targets.map((t) => policyTarget(t, ouSet, accountSet, where));
    const description = p.description ?? (p.builtin ? BUILTIN_DESCRIPTIONS[p.builtin] : `estate: ${p.name}`);
    return { configName: p.name, name, type, description, content, targets };
  });
}

/** The loaded document of a built-in or file policy; missing means the caller skipped loading. */
function policySource(p: EstateConfig['policies'][number], sources: PolicySources, where: string): string {
  const source = p.builtin
    ? sources.builtins[p.builtin]
    : p.file !== undefined
      ? sources.files[p.file]
      : undefined;
  if (source === undefined) {
    throw new EstateError(`${where}: the policy document was not loaded`, {
      code: 'PolicySourceMissing',
      source: 'internal',
      suggestions: ['load it with loadPolicySources(config, { configDir }) before planning'],
    });
  }
  return source;
}

function policyTarget(
  t: string,
  ouSet: ReadonlySet<string>,
  accountSet: ReadonlySet<string>,
  where: string,
): DesiredTarget {
  if (t === 'Root') return { kind: 'root', label: 'Root' };
  if (ouSet.has(t)) return { kind: 'ou', path: t, label: t };
  if (accountSet.has(t)) return { kind: 'account', name: t, label: t };
  throw new EstateError(`${where}: target "${t}" is neither Root, an OU path nor an account name`, {
    code: 'PolicyTarget',
    source: 'user',
  });
}

/** Policy types to enable: those the policies use, plus SCPs when a budget action attaches one. */
function desiredPolicyTypes(config: EstateConfig, policies: readonly DesiredPolicy[]): PolicyType[] {
  // A deny-new-resources budget action attaches an SCP when it fires: the type must be on.
  const enforcing =
    config.budgets?.placement !== 'member' &&
    config.accounts.some((a) => effectiveBudgetPolicy(config, a).enforce === 'deny-new-resources');
  return [
    ...new Set([...policies.map((p) => p.type), ...(enforcing ? (['SERVICE_CONTROL_POLICY'] as const) : [])]),
  ].sort();
}

/** Account tag keys the config sets anywhere, plus estate's own: the ones estate may remove. */
function managedAccountTagKeys(config: EstateConfig): string[] {
  const managed = new Set<string>([KIND_TAG, OWNER_TAG]);
  for (const m of config.tags?.mandatory ?? []) managed.add(m.key);
  for (const tags of Object.values(config.tags?.byKind ?? {}))
    for (const k of Object.keys(tags ?? {})) managed.add(k);
  for (const a of config.accounts) for (const k of Object.keys(a.tags ?? {})) managed.add(k);
  return [...managed].sort();
}

/** OU tag keys the config sets on any OU. */
function managedOuTagKeys(ous: readonly DesiredOu[]): string[] {
  const managedOu = new Set<string>();
  for (const o of ous) for (const k of Object.keys(o.tags)) managedOu.add(k);
  return [...managedOu].sort();
}

/** True when estate may remove `key` from a resource that the config no longer gives it to. */
export function isManagedTagKey(managedKeys: readonly string[], key: string): boolean {
  return key.startsWith(ESTATE_TAG_PREFIX) || managedKeys.includes(key);
}
