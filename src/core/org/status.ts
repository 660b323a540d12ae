/**
 * `estate org status`: the live tree as rows, each with how it differs from estate.yaml.
 * orgStatus is pure (snapshot + desired state in, rows out); orgStatusService reads both.
 */
import type { EstateConfig } from '../../config/schema.js';
import { KIND_TAG, OWNER_TAG, desiredOrganization, type DesiredOrganization } from './desired.js';
import { loadPolicySources } from './policies.js';
import type { OrganizationsPort } from './ports.js';
import { managementCheckOptions } from './safety.js';
import { readSnapshot, type OrgSnapshot } from './snapshot.js';

export interface StatusRow {
  readonly type: 'root' | 'ou' | 'account';
  /** OU path, or the account's OU path + name. */
  readonly path: string;
  readonly name: string;
  readonly id: string;
  readonly status?: string;
  readonly kind?: string;
  readonly owner?: string;
  readonly email?: string;
  readonly tags: Readonly<Record<string, string>>;
  /** How the live item differs from the config; empty when it matches. */
  readonly differences: readonly string[];
}

export interface OrgStatus {
  readonly organizationId?: string;
  readonly managementAccountId?: string;
  readonly rows: readonly StatusRow[];
  /** Config items AWS does not have yet. */
  readonly missing: readonly string[];
  readonly inSync: boolean;
}

function tagDifferences(
  live: Readonly<Record<string, string>>,
  want: Readonly<Record<string, string>>,
): string[] {
  const out: string[] = [];
  for (const [key, value] of Object.entries(want)) {
    if (live[key] === undefined) out.push(`tag ${key} missing (want ${value})`);
    else if (live[key] !== value) out.push(`tag ${key}=${live[key]} (want ${value})`);
  }
  return out;
}

export function orgStatus(snapshot: OrgSnapshot, desired: DesiredOrganization): OrgStatus {
  const rows: StatusRow[] = [];
  if (snapshot.root)
    rows.push({ type: 'root', path: '', name: 'Root', id: snapshot.root.id, tags: {}, differences: [] });
  const wantOus = new Map(desired.ous.map((o) => [o.path, o]));
  for (const ou of snapshot.ous) {
    const want = wantOus.get(ou.path);
    rows.push({
      type: 'ou',
      path: ou.path,
      name: ou.name,
      id: ou.id,
      tags: ou.tags,
      differences: want ? tagDifferences(ou.tags, want.tags) : ['not in estate.yaml'],
    });
  }
  const byEmail = new Map(desired.accounts.map((a) => [a.email.toLowerCase(), a]));
  const byId = new Map(desired.accounts.filter((a) => a.id).map((a) => [a.id!, a]));
  const seen = new Set<string>();
  for (const account of snapshot.accounts) {
    const want = byId.get(account.id) ?? byEmail.get(account.email.toLowerCase());
    const differences: string[] = [];
    if (!want) {
      if (account.id !== snapshot.organization?.managementAccountId) differences.push('not in estate.yaml');
    } else {
      seen.add(want.name);
      if (want.ouPath !== account.ouPath)
        differences.push(`in ${account.ouPath || 'Root'} (want ${want.ouPath})`);
      differences.push(...tagDifferences(account.tags, want.tags));
    }
    if (account.status !== 'ACTIVE') differences.push(`status ${account.status}`);
    rows.push({
      type: 'account',
      path: account.ouPath ? `${account.ouPath}/${account.name}` : account.name,
      name: want?.name ?? account.name,
      id: account.id,
      status: account.status,
      kind: account.tags[KIND_TAG] ?? want?.kind,
      owner: account.tags[OWNER_TAG],
      email: account.email,
      tags: account.tags,
      differences,
    });
  }
  const liveOuPaths = new Set(snapshot.ous.map((o) => o.path));
  const missing = [
    ...desired.ous.filter((o) => !liveOuPaths.has(o.path)).map((o) => `OU ${o.path}`),
    ...desired.accounts.filter((a) => !seen.has(a.name)).map((a) => `account ${a.name}`),
  ];
  return {
    organizationId: snapshot.organization?.id,
    managementAccountId: snapshot.organization?.managementAccountId,
    rows,
    missing,
    inSync: missing.length === 0 && rows.every((r) => r.differences.length === 0),
  };
}

export interface OrgStatusDeps {
  readonly organizations: OrganizationsPort;
  /** The account the credentials belong to (checked against the management account). */
  readonly callerAccountId: () => Promise<string>;
}

/** The status and the snapshot it came from (a tree drawing needs each item's parent). */
export interface OrgStatusView {
  readonly status: OrgStatus;
  readonly snapshot: OrgSnapshot;
}

/** `estate org status` as a service: read the live organisation, compare it with estate.yaml. */
export async function orgStatusService(
  config: EstateConfig,
  options: { readonly configDir: string; readonly concurrency: number },
  deps: OrgStatusDeps,
): Promise<OrgStatusView> {
  const sources = await loadPolicySources(config, { configDir: options.configDir });
  const snapshot = await readSnapshot(deps.organizations, {
    concurrency: options.concurrency,
    ...managementCheckOptions(config, await deps.callerAccountId()),
  });
  return { status: orgStatus(snapshot, desiredOrganization(config, sources)), snapshot };
}
