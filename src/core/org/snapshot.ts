/**
 * The live organisation, read through the port into plain serialisable data. The tree is
 * walked breadth-first with one ListOrganizationalUnitsForParent and one
 * ListAccountsForParent per parent (pages of 20), which gives every account with its
 * placement: O(accounts/20 + OUs) list calls and no per-account describe. Tags need one
 * ListTagsForResource per account and OU; they start as soon as a page of accounts arrives.
 * Everything runs through one bounded pool; the client's rate limiter paces each operation.
 */
import { createHash } from 'node:crypto';
import { EstateError } from '../../errors.js';
import type { Progress } from '../progress.js';
import { limiter } from '../concurrency.js';
import type { CreateAccountRequestInfo, OrganizationsPort, PolicyType } from './ports.js';
import { POLICY_PREFIX, canonicalJson } from './policies.js';
import { checkManagementAccount } from './safety.js';

export interface SnapshotOu {
  readonly id: string;
  readonly name: string;
  /** "Workloads/Production". */
  readonly path: string;
  readonly parentId: string;
  readonly depth: number;
  readonly tags: Readonly<Record<string, string>>;
}

export interface SnapshotAccount {
  readonly id: string;
  readonly name: string;
  readonly email: string;
  /** ACTIVE, SUSPENDED, PENDING_CLOSURE. */
  readonly status: string;
  readonly parentId: string;
  /** The OU path it sits in; '' for the root. */
  readonly ouPath: string;
  readonly tags: Readonly<Record<string, string>>;
}

export interface SnapshotPolicy {
  readonly id: string;
  readonly name: string;
  readonly type: PolicyType;
  readonly description: string;
  readonly content: string;
  /** Ids of the roots, OUs and accounts it is attached to, sorted. */
  readonly targets: readonly string[];
}

export interface OrgSnapshot {
  readonly version: 1;
  /** Absent when the caller's account is not in an organisation. */
  readonly organization?: {
    readonly id: string;
    readonly managementAccountId: string;
    readonly featureSet: string;
  };
  readonly root?: {
    readonly id: string;
    /** Types ENABLED or PENDING_ENABLE on the root. */
    readonly policyTypes: readonly string[];
  };
  readonly trustedServices: readonly string[];
  /** Parents before children, then by path. */
  readonly ous: readonly SnapshotOu[];
  readonly accounts: readonly SnapshotAccount[];
  /** Only policies estate owns (AWS name starts with POLICY_PREFIX). */
  readonly policies: readonly SnapshotPolicy[];
  /** CreateAccount requests still IN_PROGRESS (from this or an interrupted run). */
  readonly accountCreations: readonly CreateAccountRequestInfo[];
}

export const EMPTY_SNAPSHOT: OrgSnapshot = {
  version: 1,
  trustedServices: [],
  ous: [],
  accounts: [],
  policies: [],
  accountCreations: [],
};

export interface ReadSnapshotOptions {
  /** Calls in flight at once, for the tree and for tag reads each. @default 16 */
  readonly concurrency?: number;
  readonly progress?: Progress;
  /** Read tags of accounts and OUs. @default true */
  readonly tags?: boolean;
  /**
   * When given, a run whose caller is not the organisation's management account (or not
   * `expectedManagementAccountId`) stops after DescribeOrganization, before anything else.
   */
  readonly callerAccountId?: string;
  readonly expectedManagementAccountId?: string;
}

const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Reads the organisation. Safe to call from any account: a non-member gets an empty snapshot. */
export async function readSnapshot(
  port: OrganizationsPort,
  options: ReadSnapshotOptions = {},
): Promise<OrgSnapshot> {
  const progress = options.progress;
  const id = 'org:snapshot';
  progress?.({ type: 'start', id, title: 'Reading the organisation' });
  try {
    const snapshot = await read(port, options);
    progress?.({
      type: 'done',
      id,
      message: snapshot.organization
        ? `${snapshot.accounts.length} accounts in ${snapshot.ous.length} OUs`
        : 'no organisation yet',
    });
    return snapshot;
  } catch (error) {
    progress?.({ type: 'fail', id, message: (error as Error).message });
    throw error;
  }
}

async function read(port: OrganizationsPort, options: ReadSnapshotOptions): Promise<OrgSnapshot> {
  const organization = await port.describeOrganization();
  if (options.callerAccountId) {
    checkManagementAccount({
      callerAccountId: options.callerAccountId,
      expectedManagementAccountId: options.expectedManagementAccountId,
      organization,
    });
  }
  if (!organization) return EMPTY_SNAPSHOT;

  // Two pools: tag reads (one per resource, slow to pace) never starve the tree walk.
  const limit = limiter(options.concurrency ?? 16);
  const tagLimit = limiter(options.concurrency ?? 16);
  const withTags = options.tags ?? true;
  const allFeatures = organization.featureSet === 'ALL';

  const rootsP = limit(() => port.listRoots());
  const servicesP = limit(() => port.listServiceAccess());
  const creationsP = limit(() => port.listCreateAccountRequests(['IN_PROGRESS']));
  const policyTypes: PolicyType[] = ['SERVICE_CONTROL_POLICY', 'TAG_POLICY'];
  const policiesP = allFeatures
    ? Promise.all(policyTypes.map((t) => limit(() => port.listPolicies(t)))).then((lists) => lists.flat())
    : Promise.resolve([]);

  const roots = await rootsP;
  const root = roots[0];
  if (!root) {
    throw new EstateError('the organisation has no root; AWS Organizations returned none', {
      code: 'NoRoot',
      source: 'aws',
    });
  }

  // Breadth-first walk; tag reads are queued as soon as a resource is seen.
  const ous: Omit<SnapshotOu, 'tags'>[] = [];
  const accounts: Omit<SnapshotAccount, 'tags'>[] = [];
  const tagReads = new Map<string, Promise<Record<string, string>>>();
  const readTags = (resourceId: string) => {
    if (withTags && !tagReads.has(resourceId))
      tagReads.set(
        resourceId,
        tagLimit(() => port.listTags(resourceId)),
      );
  };
  const visit = async (parentId: string, path: string, depth: number): Promise<void> => {
    const [children, placed] = await Promise.all([
      limit(() => port.listOrganizationalUnits(parentId)),
      limit(() => port.listAccountsForParent(parentId)),
    ]);
    for (const a of placed) {
      accounts.push({ id: a.id, name: a.name, email: a.email, status: a.status, parentId, ouPath: path });
      readTags(a.id);
    }
    await Promise.all(
      children.map((ou) => {
        const childPath = path ? `${path}/${ou.name}` : ou.name;
        ous.push({ id: ou.id, name: ou.name, path: childPath, parentId, depth: depth + 1 });
        readTags(ou.id);
        return visit(ou.id, childPath, depth + 1);
      }),
    );
  };
  await visit(root.id, '', 0);

  // Only estate's own policies are read in full.
  const owned = (await policiesP).filter((p) => !p.awsManaged && p.name.startsWith(POLICY_PREFIX));
  const policies = await Promise.all(
    owned.map(async (p) => {
      const [described, targets] = await Promise.all([
        limit(() => port.describePolicy(p.id)),
        limit(() => port.listPolicyTargets(p.id)),
      ]);
      return {
        id: p.id,
        name: p.name,
        type: p.type,
        description: described.policy.description || p.description,
        content: described.content,
        targets: targets.map((t) => t.targetId).sort(byString),
      };
    }),
  );

  const tagOf = async (resourceId: string) => (withTags ? await tagReads.get(resourceId)! : {});
  const [ousWithTags, accountsWithTags, trustedServices, creations] = await Promise.all([
    Promise.all(ous.map(async (o) => ({ ...o, tags: await tagOf(o.id) }))),
    Promise.all(accounts.map(async (a) => ({ ...a, tags: await tagOf(a.id) }))),
    servicesP,
    creationsP,
  ]);

  return {
    version: 1,
    organization: {
      id: organization.id,
      managementAccountId: organization.managementAccountId,
      featureSet: organization.featureSet,
    },
    root: {
      id: root.id,
      policyTypes: root.policyTypes
        .filter((t) => t.status === 'ENABLED' || t.status === 'PENDING_ENABLE')
        .map((t) => t.type)
        .sort(byString),
    },
    trustedServices: [...trustedServices].sort(byString),
    ous: ousWithTags.sort((a, b) => a.depth - b.depth || byString(a.path, b.path)),
    accounts: accountsWithTags.sort((a, b) => byString(a.id, b.id)),
    policies: policies.sort((a, b) => byString(a.name, b.name)),
    accountCreations: creations
      .filter((c) => c.state === 'IN_PROGRESS')
      .sort((a, b) => byString(a.accountName, b.accountName) || byString(a.id, b.id)),
  };
}

/** sha256 of the canonical snapshot: a saved plan is applied only while this still matches. */
export function snapshotDigest(snapshot: OrgSnapshot): string {
  return `sha256:${createHash('sha256').update(canonicalJson(snapshot)).digest('hex')}`;
}

/** Stops `apply --plan` when the organisation changed since the plan was computed. */
export function assertSnapshotUnchanged(expectedDigest: string, fresh: OrgSnapshot): void {
  const actual = snapshotDigest(fresh);
  if (actual === expectedDigest) return;
  throw new EstateError(
    'the organisation changed since this plan was made; it would no longer do what it says',
    {
      code: 'PlanStale',
      source: 'user',
      details: { expected: expectedDigest, actual },
      suggestions: [
        'run `estate plan` again and review the new plan',
        'or run `estate apply` without --plan',
      ],
    },
  );
}
