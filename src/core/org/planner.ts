/**
 * The organisation and policy planners: a pure function from (desired, snapshot) to the
 * changes that make AWS match the config, each with the changes it depends on. Creations
 * run top-down (organisation → OUs by depth → accounts → placement, policies →
 * attachments); prune deletions run bottom-up. What estate will not fix on its own
 * (accounts or OUs the config does not name, closed accounts) is reported as drift.
 */
import type { EstateConfig } from '../../config/schema.js';
import { EstateError } from '../../errors.js';
import { DENY_POLICY_NAME, effectiveBudgetPolicy } from '../budgets/desired.js';
import type { Change } from '../plan/types.js';
import {
  ADDRESS,
  SECTION_ORGANIZATION,
  SECTION_POLICIES,
  type AccountCreatePayload,
  type AccountMovePayload,
  type AttachmentPayload,
  type DriftPayload,
  type OuCreatePayload,
  type OuDeletePayload,
  type PolicyCreatePayload,
  type PolicyDeletePayload,
  type PolicyTypePayload,
  type PolicyUpdatePayload,
  type Ref,
  type TagsPayload,
  type TrustedAccessPayload,
  type UnmanagedPayload,
  UNMANAGED_LISTED,
} from './changes.js';
import {
  type DesiredOrganization,
  type DesiredTarget,
  desiredOrganization,
  isManagedTagKey,
} from './desired.js';
import type { PolicySources } from './policies.js';
import { type PolicyDocumentDiff, diffPolicyDocuments, isForeignPolicy, sameDocument } from './policies.js';
import type { PolicyType, Tags } from './ports.js';
import { FULL_AWS_ACCESS, type OrgSnapshot, type SnapshotAccount, type SnapshotOu } from './snapshot.js';

export interface PlanOrganizationOptions {
  /** Produce delete changes for OUs not in the config that are (or will be) empty. @default false */
  readonly prune?: boolean;
  /**
   * Accounts (config names) whose budget action attaches the deny-new-resources SCP when it
   * fires: each needs a free SCP slot. planOrganization derives them from the config.
   */
  readonly budgetScpAccounts?: readonly string[];
}

/** SCPs attached directly to one root, OU or account, FullAWSAccess included (AWS Organizations quotas). */
export const MAX_SCPS_PER_TARGET = 5;

export interface OrganizationPlan {
  /** Sections 'organization' and 'policies', in a valid order (dependsOn is authoritative). */
  readonly changes: Change[];
  readonly notes: string[];
}

/** Plans from estate.yaml: renders the policies from `policySources` (see loadPolicySources). */
export function planOrganization(
  config: EstateConfig,
  snapshot: OrgSnapshot,
  options: PlanOrganizationOptions & { readonly policySources: PolicySources },
): OrganizationPlan {
  const budgetScpAccounts =
    config.budgets && config.budgets.placement !== 'member'
      ? config.accounts
          .filter((a) => effectiveBudgetPolicy(config, a).enforce === 'deny-new-resources')
          .map((a) => a.name)
      : [];
  return planFromDesired(desiredOrganization(config, options.policySources), snapshot, {
    budgetScpAccounts,
    ...options,
  });
}

/**
 * Fails the plan when a root, OU or account would carry more SCPs than AWS allows: the
 * config's SCPs for it, FullAWSAccess (which enabling SCPs attaches everywhere), SCPs estate
 * does not manage, and the budgets' deny SCP where a budget action may attach it.
 */
function checkScpsPerTarget(
  desired: DesiredOrganization,
  snapshot: OrgSnapshot,
  liveIdOf: (t: DesiredTarget) => string | undefined,
  budgetScpAccounts: readonly string[],
): void {
  const targets = new Map<string, { target: DesiredTarget; names: Set<string> }>();
  const entry = (t: DesiredTarget) => {
    const key = `${t.kind}:${t.label}`;
    let e = targets.get(key);
    if (!e) targets.set(key, (e = { target: t, names: new Set([FULL_AWS_ACCESS]) }));
    return e;
  };
  for (const p of desired.policies)
    if (p.type === 'SERVICE_CONTROL_POLICY') for (const t of p.targets) entry(t).names.add(p.name);
  for (const name of budgetScpAccounts)
    entry({ kind: 'account', name, label: name }).names.add(DENY_POLICY_NAME);
  const problems: string[] = [];
  for (const { target, names } of targets.values()) {
    const id = liveIdOf(target);
    if (id) {
      for (const p of snapshot.otherScps ?? []) if (p.targets.includes(id)) names.add(p.name);
      for (const p of snapshot.policies)
        if (p.type === 'SERVICE_CONTROL_POLICY' && isForeignPolicy(p.name) && p.targets.includes(id))
          names.add(p.name);
    }
    if (names.size <= MAX_SCPS_PER_TARGET) continue;
    const label =
      target.kind === 'root'
        ? 'the root'
        : target.kind === 'ou'
          ? `OU ${target.label}`
          : `account ${target.label}`;
    const budget =
      target.kind === 'account' && budgetScpAccounts.includes(target.name)
        ? ` (its budget action attaches ${DENY_POLICY_NAME} when it fires)`
        : '';
    problems.push(`${label} would carry ${names.size} SCPs: ${[...names].join(', ')}${budget}`);
  }
  if (!problems.length) return;
  throw new EstateError(
    `too many service control policies: ${problems.join('; ')}. AWS allows at most ${MAX_SCPS_PER_TARGET} SCPs attached directly to a root, OU or account, FullAWSAccess included`,
    {
      code: 'TooManyScps',
      source: 'user',
      details: { problems },
      suggestions: [
        'merge statements into fewer policies (each document up to 5,120 characters)',
        'attach some policies to a parent OU or the root instead: an SCP applies to everything below its target',
        'or detach an SCP that estate does not manage from that target',
      ],
    },
  );
}

const POLICY_KIND: Record<PolicyType, string> = { SERVICE_CONTROL_POLICY: 'SCP', TAG_POLICY: 'tag policy' };

export interface TagDiff {
  readonly set: Record<string, string>;
  readonly remove: string[];
  readonly diff: { field: string; before?: string; after?: string }[];
}

/** What to set and remove so `live` carries `desired`; removes only keys estate manages. */
export function diffTags(live: Tags, desired: Tags, managedKeys: readonly string[]): TagDiff {
  const set: Record<string, string> = {};
  const remove: string[] = [];
  const diff: TagDiff['diff'] = [];
  for (const [key, value] of Object.entries(desired).sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (live[key] === value) continue;
    set[key] = value;
    diff.push({ field: `tags.${key}`, ...(key in live ? { before: live[key] } : {}), after: value });
  }
  for (const key of Object.keys(live).sort()) {
    if (key in desired || !isManagedTagKey(managedKeys, key)) continue;
    remove.push(key);
    diff.push({ field: `tags.${key}`, before: live[key] });
  }
  return { set, remove, diff };
}

/** The tag update of one OU or account (`label` as the plan names it). */
function tagsChange(address: string, label: string, id: string, d: TagDiff): Change {
  return {
    section: SECTION_ORGANIZATION,
    action: 'update',
    resourceType: 'tags',
    address,
    summary: `update tags of ${label}: ${describeTagDiff(d)}`,
    diff: d.diff,
    payload: { resource: { id }, label, set: d.set, remove: d.remove } satisfies TagsPayload,
  };
}

function describeTagDiff(d: TagDiff): string {
  return d.diff
    .map((x) =>
      x.after === undefined
        ? `-${x.field.slice(5)}`
        : x.before === undefined
          ? `+${x.field.slice(5)}=${x.after}`
          : `~${x.field.slice(5)}: ${x.before} → ${x.after}`,
    )
    .join(', ');
}

/** "DenyOutsideGovernedRegions changed, DenyRootUser added" (statements first, then other fields). */
function describeDocumentDiff(d: PolicyDocumentDiff): string {
  const parts = d.statements.map((st) => `${st.statement} ${st.change}`);
  if (d.fields.length) parts.push(d.fields.map((f) => f.path || 'the whole document').join(', '));
  return parts.join(', ');
}

const count = (n: number, one: string, many: string) =>
  `${n.toLocaleString('en-GB')} ${n === 1 ? one : many}`;

/**
 * One drift line for every account and OU in AWS that estate.yaml does not name (a large
 * organisation has hundreds): their count, and the first UNMANAGED_LISTED of each in the data.
 */
function unmanagedDrift(
  accounts: readonly SnapshotAccount[],
  ous: readonly SnapshotOu[],
  prune: boolean,
): Change {
  const parts = [
    accounts.length ? count(accounts.length, 'account', 'accounts') : '',
    ous.length ? count(ous.length, 'OU', 'OUs') : '',
  ].filter(Boolean);
  const order = (a: { path: string; name: string }, b: { path: string; name: string }) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
  const listedAccounts = accounts
    .map((a) => ({ id: a.id, name: a.name, path: a.ouPath }))
    .sort(order)
    .slice(0, UNMANAGED_LISTED);
  const listedOus = ous
    .map((o) => ({ id: o.id, name: o.name, path: o.path }))
    .sort(order)
    .slice(0, UNMANAGED_LISTED);
  const sample = [...listedAccounts.map((a) => a.name), ...listedOus.map((o) => `${o.path}/`)].slice(0, 3);
  const more = accounts.length + ous.length - sample.length;
  return {
    section: SECTION_ORGANIZATION,
    action: 'drift',
    resourceType: 'unmanaged',
    address: ADDRESS.unmanaged,
    summary:
      `${parts.join(' and ')} in AWS ${accounts.length + ous.length === 1 ? 'is' : 'are'} not in estate.yaml ` +
      `(${sample.join(', ')}${more > 0 ? `, and ${more.toLocaleString('en-GB')} more` : ''}); estate leaves them alone` +
      (prune && ous.length
        ? ' (OUs are not pruned while they hold accounts or OUs estate.yaml does not place elsewhere)'
        : ''),
    payload: {
      accounts: accounts.length,
      ous: ous.length,
      listedAccounts,
      listedOus,
      reason: prune
        ? 'add them to estate.yaml (accounts with id) to manage them; `estate org status` lists every one; estate never closes accounts'
        : 'add them to estate.yaml (accounts with id) to manage them, or run apply with --prune to delete empty OUs; `estate org status` lists every one',
    } satisfies UnmanagedPayload,
  };
}

/** What every section of the plan adds to, and how a change names what it waits for. */
interface PlanDraft {
  readonly desired: DesiredOrganization;
  readonly snapshot: OrgSnapshot;
  readonly options: PlanOrganizationOptions;
  readonly changes: Change[];
  readonly drift: Change[];
  readonly notes: string[];
  /** Addresses planned so far: a change depends only on those. */
  readonly planned: Set<string>;
  add(change: Change): void;
  deps(...addresses: (string | undefined)[]): { dependsOn?: string[] };
  driftChange(
    section: string,
    resourceType: string,
    address: string,
    summary: string,
    payload: DriftPayload,
  ): void;
}

function newDraft(
  desired: DesiredOrganization,
  snapshot: OrgSnapshot,
  options: PlanOrganizationOptions,
): PlanDraft {
  const changes: Change[] = [];
  const drift: Change[] = [];
  const planned = new Set<string>();
  return {
    desired,
    snapshot,
    options,
    changes,
    drift,
    notes: [],
    planned,
    add(change) {
      changes.push(change);
      planned.add(change.address);
    },
    deps(...addresses) {
      const list = addresses.filter((a): a is string => a !== undefined && planned.has(a));
      return list.length ? { dependsOn: [...new Set(list)] } : {};
    },
    driftChange(section, resourceType, address, summary, payload) {
      drift.push({ section, action: 'drift', resourceType, address, summary, payload: { ...payload } });
    },
  };
}

/** Where changes point: the root and OUs, live or still to be created. */
interface PlanRefs {
  readonly rootRef: Ref;
  readonly ouRef: (path: string) => Ref;
  readonly liveOuByPath: ReadonlyMap<string, SnapshotOu>;
}

/** What planning the accounts found, for the sections after it. */
interface AccountMatches {
  /** desired name → live account */
  readonly matched: Map<string, SnapshotAccount>;
  /** desired name → ref for attachments (undefined: not usable) */
  readonly accountTarget: Map<string, Ref | undefined>;
  /** live ids the plan moves */
  readonly movingOut: Set<string>;
  readonly unmanagedAccounts: readonly SnapshotAccount[];
}

/** The changes that make AWS match the desired organisation, section by section. */
export function planFromDesired(
  desired: DesiredOrganization,
  snapshot: OrgSnapshot,
  options: PlanOrganizationOptions = {},
): OrganizationPlan {
  const draft = newDraft(desired, snapshot, options);
  const refs = planOus(draft, planOrganizationRoot(draft));
  const accounts = planAccounts(draft, refs);
  const deletions = planUnknownOus(draft, accounts);
  const { attachments, detachments, policyDeletes } = planPolicies(draft, refs, accounts);
  const { liveOuByPath } = refs;
  const { matched } = accounts;
  checkScpsPerTarget(
    desired,
    snapshot,
    (t) =>
      t.kind === 'root'
        ? snapshot.root?.id
        : t.kind === 'ou'
          ? liveOuByPath.get(t.path)?.id
          : matched.get(t.name)?.id,
    options.budgetScpAccounts ?? [],
  );

  return {
    changes: [
      ...draft.changes,
      ...attachments,
      ...detachments,
      ...policyDeletes,
      ...deletions,
      ...draft.drift,
    ],
    notes: draft.notes,
  };
}

/** The organisation itself, trusted access and policy types; returns the root's ref. */
function planOrganizationRoot(draft: PlanDraft): Ref {
  const { desired, snapshot, notes, add, deps, driftChange } = draft;
  const org = snapshot.organization;
  if (!org) {
    add({
      section: SECTION_ORGANIZATION,
      action: 'create',
      resourceType: 'organization',
      address: ADDRESS.organization,
      summary: 'create the organisation with all features (this account becomes its management account)',
      payload: { featureSet: 'ALL' },
    });
  } else if (org.featureSet !== 'ALL') {
    driftChange(
      SECTION_ORGANIZATION,
      'organization',
      ADDRESS.organization,
      `the organisation ${org.id} has only consolidated billing; estate needs all features`,
      {
        id: org.id,
        reason:
          'enable all features in the Organizations console (Settings); every invited member account must approve the request',
      },
    );
  }
  const rootRef: Ref = snapshot.root
    ? { id: snapshot.root.id }
    : { ref: ADDRESS.organization, key: 'rootId' };

  for (const principal of desired.trustedServices) {
    if (snapshot.trustedServices.includes(principal)) continue;
    add({
      section: SECTION_ORGANIZATION,
      action: 'create',
      resourceType: 'trusted-access',
      address: ADDRESS.trustedAccess(principal),
      summary: `enable trusted access for ${principal}`,
      payload: { principal } satisfies TrustedAccessPayload,
      ...deps(ADDRESS.organization),
    });
  }

  for (const type of desired.policyTypes) {
    if (snapshot.root?.policyTypes.includes(type)) continue;
    add({
      section: SECTION_POLICIES,
      action: 'create',
      resourceType: 'policy-type',
      address: ADDRESS.policyType(type),
      summary: `enable ${type} on the root`,
      payload: { root: rootRef, policyType: type } satisfies PolicyTypePayload,
      ...deps(ADDRESS.organization),
    });
    if (type === 'SERVICE_CONTROL_POLICY')
      notes.push(
        'Enabling service control policies attaches the AWS-managed FullAWSAccess policy everywhere; estate leaves it in place.',
      );
  }

  return rootRef;
}

/** OUs to create and OU tags to update. */
function planOus(draft: PlanDraft, rootRef: Ref): PlanRefs {
  const { desired, snapshot, add, deps } = draft;
  const liveOuByPath = new Map(snapshot.ous.map((o) => [o.path, o]));
  const ouRef = (path: string): Ref => {
    if (path === '') return rootRef;
    const live = liveOuByPath.get(path);
    return live ? { id: live.id } : { ref: ADDRESS.ou(path), key: 'id' };
  };
  for (const ou of desired.ous) {
    const live = liveOuByPath.get(ou.path);
    if (!live) {
      add({
        section: SECTION_ORGANIZATION,
        action: 'create',
        resourceType: 'ou',
        address: ADDRESS.ou(ou.path),
        summary: `create OU ${ou.path}`,
        payload: {
          name: ou.name,
          path: ou.path,
          parent: ouRef(ou.parentPath),
          tags: ou.tags,
        } satisfies OuCreatePayload,
        ...deps(ADDRESS.organization, ou.parentPath ? ADDRESS.ou(ou.parentPath) : undefined),
      });
      continue;
    }
    const d = diffTags(live.tags, ou.tags, desired.managedOuTagKeys);
    if (d.diff.length) add(tagsChange(ADDRESS.ouTags(ou.path), `OU ${ou.path}`, live.id, d));
  }
  return { rootRef, ouRef, liveOuByPath };
}

/** Accounts to create, place, move and retag; drift for those estate cannot use. */
function planAccounts(draft: PlanDraft, refs: PlanRefs): AccountMatches {
  const { desired, snapshot, notes } = draft;
  const org = snapshot.organization;
  const liveById = new Map(snapshot.accounts.map((a) => [a.id, a]));
  const liveByEmail = new Map(snapshot.accounts.map((a) => [a.email.toLowerCase(), a]));
  const inProgress = new Map(snapshot.accountCreations.map((r) => [r.accountName, r]));
  const matched = new Map<string, SnapshotAccount>(); // desired name → live account
  const accountTarget = new Map<string, Ref | undefined>(); // desired name → ref for attachments
  const movingOut = new Set<string>(); // live ids the plan moves
  const claimedRequests = new Set<string>();
  const found: Omit<AccountMatches, 'unmanagedAccounts'> = { matched, accountTarget, movingOut };
  for (const account of desired.accounts) {
    const live = account.id ? liveById.get(account.id) : liveByEmail.get(account.email.toLowerCase());
    if (live) planLiveAccount(draft, refs, found, account, live);
    else if (account.id) planAccountNotInOrganization(draft, found, account);
    else {
      const request = inProgress.get(account.name);
      if (request) claimedRequests.add(request.id);
      planAccountCreation(draft, refs, account, request);
      accountTarget.set(account.name, { ref: ADDRESS.account(account.name), key: 'id' });
    }
  }

  const matchedIds = new Set([...matched.values()].map((a) => a.id));
  const unmanagedAccounts = snapshot.accounts.filter(
    (a) => !matchedIds.has(a.id) && a.id !== org?.managementAccountId,
  );
  for (const request of snapshot.accountCreations) {
    if (!claimedRequests.has(request.id))
      notes.push(
        `A CreateAccount request for "${request.accountName}" (${request.id}) is in progress but estate.yaml does not name that account.`,
      );
  }
  return { ...found, unmanagedAccounts };
}

type DesiredAccount = DesiredOrganization['accounts'][number];

function planAccountNotInOrganization(
  draft: PlanDraft,
  { accountTarget }: Omit<AccountMatches, 'unmanagedAccounts'>,
  account: DesiredAccount,
): void {
  const { driftChange } = draft;
  driftChange(
    SECTION_ORGANIZATION,
    'account',
    ADDRESS.account(account.name),
    `account ${account.name} (${account.id}) is not in the organisation`,
    {
      id: account.id,
      reason:
        'invite it to the organisation and accept the invitation, or remove accounts[].id to create a new account',
    },
  );
  accountTarget.set(account.name, undefined);
}

/** A new account: create it (or finish an in-progress request), then place it in its OU. */
function planAccountCreation(
  draft: PlanDraft,
  { rootRef, ouRef }: PlanRefs,
  account: DesiredAccount,
  request: OrgSnapshot['accountCreations'][number] | undefined,
): void {
  const { desired, add, deps } = draft;
  add({
    section: SECTION_ORGANIZATION,
    action: 'create',
    resourceType: 'account',
    address: ADDRESS.account(account.name),
    summary: request
      ? `finish creating account ${account.name} <${account.email}> (request ${request.id} already in progress)`
      : `create account ${account.name} <${account.email}>`,
    payload: {
      name: account.name,
      email: account.email,
      roleName: desired.accessRoleName,
      iamUserAccessToBilling: true,
      tags: account.tags,
      ouPath: account.ouPath,
      ...(request ? { requestId: request.id } : {}),
    } satisfies AccountCreatePayload,
    ...deps(ADDRESS.organization),
  });
  add({
    section: SECTION_ORGANIZATION,
    action: 'move',
    resourceType: 'account',
    address: ADDRESS.accountPlacement(account.name),
    summary: `place account ${account.name} in ${account.ouPath}`,
    payload: {
      name: account.name,
      account: { ref: ADDRESS.account(account.name), key: 'id' },
      from: rootRef,
      fromPath: '',
      to: ouRef(account.ouPath),
      ouPath: account.ouPath,
    } satisfies AccountMovePayload,
    ...deps(ADDRESS.account(account.name), ADDRESS.ou(account.ouPath)),
  });
}

/** A live account: drift when not active, else its move and tag changes. */
function planLiveAccount(
  draft: PlanDraft,
  { ouRef }: PlanRefs,
  { matched, accountTarget, movingOut }: Omit<AccountMatches, 'unmanagedAccounts'>,
  account: DesiredAccount,
  live: SnapshotAccount,
): void {
  const { desired, add, deps, driftChange } = draft;
  matched.set(account.name, live);
  const label = `account ${account.name} (${live.id})`;
  if (live.status !== 'ACTIVE') {
    driftChange(
      SECTION_ORGANIZATION,
      'account',
      ADDRESS.account(account.name),
      `${label} is ${live.status}; estate leaves closed and suspended accounts alone`,
      { id: live.id, reason: 'remove the account from estate.yaml, or reopen it with AWS Support' },
    );
    accountTarget.set(account.name, undefined);
    return;
  }
  accountTarget.set(account.name, { id: live.id });
  if (live.ouPath !== account.ouPath) {
    movingOut.add(live.id);
    add({
      section: SECTION_ORGANIZATION,
      action: 'move',
      resourceType: 'account',
      address: ADDRESS.accountPlacement(account.name),
      summary: `move ${label} from ${live.ouPath || 'Root'} to ${account.ouPath}`,
      diff: [{ field: 'ou', before: live.ouPath || 'Root', after: account.ouPath }],
      payload: {
        name: account.name,
        account: { id: live.id },
        from: { id: live.parentId },
        fromPath: live.ouPath,
        to: ouRef(account.ouPath),
        ouPath: account.ouPath,
      } satisfies AccountMovePayload,
      ...deps(ADDRESS.ou(account.ouPath)),
    });
  }
  const d = diffTags(live.tags, account.tags, desired.managedAccountTagKeys);
  if (d.diff.length) add(tagsChange(ADDRESS.accountTags(account.name), label, live.id, d));
}

/** OUs estate.yaml does not name: deleted under --prune when they empty, else reported. */
function planUnknownOus(
  draft: PlanDraft,
  { matched, movingOut, unmanagedAccounts }: AccountMatches,
): Change[] {
  const { desired, snapshot, options, planned, drift } = draft;
  const desiredPaths = new Set(desired.ous.map((o) => o.path));
  const prunable = new Map<string, boolean>();
  const isPrunable = (ou: SnapshotOu): boolean => {
    const known = prunable.get(ou.path);
    if (known !== undefined) return known;
    const accountsInside = snapshot.accounts.filter((a) => a.parentId === ou.id);
    const childOus = snapshot.ous.filter((o) => o.parentId === ou.id);
    const result =
      accountsInside.every((a) => movingOut.has(a.id)) &&
      childOus.every((c) => !desiredPaths.has(c.path) && isPrunable(c));
    prunable.set(ou.path, result);
    return result;
  };
  const unknownOus = snapshot.ous.filter((o) => !desiredPaths.has(o.path));
  const deletions: Change[] = [];
  const unmanagedOus: SnapshotOu[] = [];
  // Deepest first, so a parent's delete can depend on its children's.
  for (const ou of [...unknownOus].sort((a, b) => b.depth - a.depth || (a.path < b.path ? -1 : 1))) {
    const accountsInside = snapshot.accounts.filter((a) => a.parentId === ou.id);
    if (options.prune && isPrunable(ou)) {
      const moves = accountsInside
        .map((a) => [...matched.entries()].find(([, m]) => m.id === a.id)?.[0])
        .filter((n): n is string => n !== undefined)
        .map((n) => ADDRESS.accountPlacement(n));
      const children = snapshot.ous.filter((o) => o.parentId === ou.id).map((o) => ADDRESS.ou(o.path));
      const change: Change = {
        section: SECTION_ORGANIZATION,
        action: 'delete',
        resourceType: 'ou',
        address: ADDRESS.ou(ou.path),
        summary: `delete OU ${ou.path} (not in estate.yaml${accountsInside.length ? ', emptied by the moves above' : ', empty'})`,
        payload: { ouId: ou.id, path: ou.path } satisfies OuDeletePayload,
        ...(moves.length + children.length ? { dependsOn: [...moves, ...children] } : {}),
      };
      deletions.push(change);
      planned.add(change.address);
      continue;
    }
    unmanagedOus.push(ou);
  }
  if (unmanagedAccounts.length || unmanagedOus.length)
    drift.push(unmanagedDrift(unmanagedAccounts, unmanagedOus, options.prune ?? false));
  return deletions;
}

interface PolicyTargets {
  readonly labelOf: ReadonlyMap<string, string>;
  readonly targetRef: (t: DesiredTarget) => { ref: Ref; creator?: string } | undefined;
  readonly attachments: Change[];
  readonly detachments: Change[];
}

/** Policies to create or update, their attachments, and estate-owned policies to drop. */
function planPolicies(
  draft: PlanDraft,
  { rootRef, ouRef }: PlanRefs,
  { matched, accountTarget }: AccountMatches,
): { attachments: Change[]; detachments: Change[]; policyDeletes: Change[] } {
  const { desired, snapshot, planned } = draft;
  const labelOf = new Map<string, string>();
  if (snapshot.root) labelOf.set(snapshot.root.id, 'Root');
  for (const o of snapshot.ous) labelOf.set(o.id, o.path);
  for (const a of snapshot.accounts) labelOf.set(a.id, `${a.name} (${a.id})`);
  for (const [name, a] of matched) labelOf.set(a.id, name);

  const targetRef = (t: DesiredTarget): { ref: Ref; creator?: string } | undefined => {
    if (t.kind === 'root') return { ref: rootRef, creator: ADDRESS.organization };
    if (t.kind === 'ou') return { ref: ouRef(t.path), creator: ADDRESS.ou(t.path) };
    const ref = accountTarget.get(t.name);
    return ref ? { ref, creator: ADDRESS.account(t.name) } : undefined;
  };

  const desiredKeys = new Set(desired.policies.map((p) => `${p.type}/${p.name}`));
  const attachments: Change[] = [];
  const detachments: Change[] = [];
  const policyDeletes: Change[] = [];
  const targets: PolicyTargets = { labelOf, targetRef, attachments, detachments };
  for (const policy of desired.policies) {
    const { kind, live, address } = planPolicyDocument(draft, policy);
    planPolicyTargets(draft, targets, policy, kind, live, address);
  }

  // estate-owned policies the config dropped: detach everywhere, then delete.
  for (const live of snapshot.policies) {
    if (desiredKeys.has(`${live.type}/${live.name}`) || isForeignPolicy(live.name)) continue;
    const kind = POLICY_KIND[live.type];
    const address = planned.has(ADDRESS.policy(live.name))
      ? `${ADDRESS.policy(live.name)}#${live.type}`
      : ADDRESS.policy(live.name);
    const detaches = live.targets.map((targetId) => {
      const targetLabel = labelOf.get(targetId) ?? targetId;
      const change: Change = {
        section: SECTION_POLICIES,
        action: 'detach',
        resourceType: 'policy-attachment',
        address: `${ADDRESS.attachment(live.name, targetLabel)}${address === ADDRESS.policy(live.name) ? '' : `#${live.type}`}`,
        summary: `detach ${kind} ${live.name} from ${targetLabel} (the policy is no longer in estate.yaml)`,
        payload: {
          policy: { id: live.id },
          policyName: live.name,
          target: { id: targetId },
          targetLabel,
        } satisfies AttachmentPayload,
      };
      planned.add(change.address);
      return change;
    });
    detachments.push(...detaches);
    const del: Change = {
      section: SECTION_POLICIES,
      action: 'delete',
      resourceType: 'policy',
      address,
      summary: `delete ${kind} ${live.name} (estate created it; estate.yaml no longer names it)`,
      payload: { policyId: live.id, name: live.name } satisfies PolicyDeletePayload,
      ...(detaches.length ? { dependsOn: detaches.map((d) => d.address) } : {}),
    };
    policyDeletes.push(del);
    planned.add(address);
  }
  return { attachments, detachments, policyDeletes };
}

type DesiredPolicy = DesiredOrganization['policies'][number];
type LivePolicy = OrgSnapshot['policies'][number];

/** Create the policy, or update its document and description where they changed. */
function planPolicyDocument(
  draft: PlanDraft,
  policy: DesiredPolicy,
): { kind: string; live: LivePolicy | undefined; address: string } {
  const { snapshot, add, deps } = draft;
  const kind = POLICY_KIND[policy.type];
  const live = snapshot.policies.find((p) => p.name === policy.name && p.type === policy.type);
  const address = ADDRESS.policy(policy.name);
  if (!live) {
    add({
      section: SECTION_POLICIES,
      action: 'create',
      resourceType: 'policy',
      address,
      summary: `create ${kind} ${policy.name}`,
      payload: {
        name: policy.name,
        type: policy.type,
        description: policy.description,
        content: policy.content,
      } satisfies PolicyCreatePayload,
      ...deps(ADDRESS.organization, ADDRESS.policyType(policy.type)),
    });
  } else {
    const contentChanged = !sameDocument(live.content, policy.content);
    const descriptionChanged = live.description !== policy.description;
    if (contentChanged || descriptionChanged) {
      const documentDiff = contentChanged ? diffPolicyDocuments(live.content, policy.content) : undefined;
      const what = [
        contentChanged && (documentDiff ? `document (${describeDocumentDiff(documentDiff)})` : 'document'),
        descriptionChanged && 'description',
      ].filter(Boolean);
      add({
        section: SECTION_POLICIES,
        action: 'update',
        resourceType: 'policy',
        address,
        summary: `update ${kind} ${policy.name}: ${what.join(' and ')} changed`,
        diff: [
          // A document that parses is shown statement by statement (payload.documentDiff).
          ...(contentChanged && !documentDiff
            ? [{ field: 'content', before: live.content, after: policy.content }]
            : []),
          ...(descriptionChanged
            ? [{ field: 'description', before: live.description, after: policy.description }]
            : []),
        ],
        payload: {
          policyId: live.id,
          name: policy.name,
          ...(contentChanged ? { content: policy.content } : {}),
          ...(descriptionChanged ? { description: policy.description } : {}),
          ...(documentDiff ? { documentDiff } : {}),
        } satisfies PolicyUpdatePayload,
      });
    }
  }
  return { kind, live, address };
}

const refKey = (r: Ref) => ('id' in r ? r.id : `${r.ref}#${r.key}`);

/** Attach the policy where estate.yaml wants it; detach it where it no longer does. */
function planPolicyTargets(
  draft: PlanDraft,
  { labelOf, targetRef, attachments, detachments }: PolicyTargets,
  policy: DesiredPolicy,
  kind: string,
  live: LivePolicy | undefined,
  address: string,
): void {
  const { notes, planned, deps } = draft;
  const policyRef: Ref = live ? { id: live.id } : { ref: address, key: 'id' };
  const wanted = new Set<string>();
  for (const target of policy.targets) {
    const resolved = targetRef(target);
    if (!resolved) {
      notes.push(
        `${policy.name} is not attached to ${target.label}: that account is not usable (see the drift above).`,
      );
      continue;
    }
    wanted.add(refKey(resolved.ref));
    if (live && 'id' in resolved.ref && live.targets.includes(resolved.ref.id)) continue;
    const change: Change = {
      section: SECTION_POLICIES,
      action: 'attach',
      resourceType: 'policy-attachment',
      address: ADDRESS.attachment(policy.name, target.label),
      summary: `attach ${kind} ${policy.name} to ${target.kind === 'root' ? 'the root' : target.kind === 'ou' ? `OU ${target.label}` : `account ${target.label}`}`,
      payload: {
        policy: policyRef,
        policyName: policy.name,
        target: resolved.ref,
        targetLabel: target.label,
      } satisfies AttachmentPayload,
      ...deps(address, resolved.creator, ADDRESS.policyType(policy.type)),
    };
    attachments.push(change);
    planned.add(change.address);
  }
  for (const targetId of live?.targets ?? []) {
    if (wanted.has(targetId)) continue;
    const targetLabel = labelOf.get(targetId) ?? targetId;
    const change: Change = {
      section: SECTION_POLICIES,
      action: 'detach',
      resourceType: 'policy-attachment',
      address: ADDRESS.attachment(policy.name, targetLabel),
      summary: `detach ${kind} ${policy.name} from ${targetLabel} (no longer a target in estate.yaml)`,
      payload: {
        policy: { id: live!.id },
        policyName: policy.name,
        target: { id: targetId },
        targetLabel,
      } satisfies AttachmentPayload,
    };
    detachments.push(change);
    planned.add(change.address);
  }
}
