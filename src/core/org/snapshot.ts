/**
 * The live organisation, read through the port into plain serialisable data. The tree is
 * walked breadth-first with one ListOrganizationalUnitsForParent and one
 * ListAccountsForParent per parent (pages of 20), which gives every account with its
 * placement: O(accounts/20 + OUs) list calls and no per-account describe. Tags need one
 * ListTagsForResource per account and OU (Organizations has no bulk tag read), so a plan
 * reads them only for the accounts and OUs estate.yaml manages (`managedTagSelection`);
 * `org status` reads them all. Each starts as soon as its resource is seen. Calls run in
 * bounded pools; the client's rate limiter paces each operation.
 */
import { EstateError } from '../../errors.js';
import { type IoHost, silentIoHost, startTask } from '../io.js';
import { type Limit, limiter } from '../concurrency.js';
import type { DesiredOrganization } from './desired.js';
import type {
  AccountInfo,
  CreateAccountRequestInfo,
  OrganizationsPort,
  PolicyInfo,
  PolicyType,
  RootInfo,
} from './ports.js';
import { POLICY_PREFIX } from './policies.js';
import { checkManagementAccount } from './safety.js';

export interface SnapshotOu {
  readonly id: string;
  readonly name: string;
  /** "Workloads/Production". */
  readonly path: string;
  readonly parentId: string;
  readonly depth: number;
  /** {} when its tags were not read (ReadSnapshotOptions.tags). */
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
  /** {} when its tags were not read (ReadSnapshotOptions.tags). */
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
  /**
   * Every other SCP (not estate's, not the AWS-managed FullAWSAccess) with its targets, read
   * so the plan can count SCPs per target against AWS's limit. Absent in older snapshots.
   */
  readonly otherScps?: readonly {
    readonly id: string;
    readonly name: string;
    readonly targets: readonly string[];
  }[];
  /** CreateAccount requests still IN_PROGRESS (from this or an interrupted run). */
  readonly accountCreations: readonly CreateAccountRequestInfo[];
}

export const EMPTY_SNAPSHOT: OrgSnapshot = {
  version: 1,
  trustedServices: [],
  ous: [],
  accounts: [],
  policies: [],
  otherScps: [],
  accountCreations: [],
};

export interface ReadSnapshotOptions {
  /** Calls in flight at once, for the tree and for tag reads each. @default 16 */
  readonly concurrency?: number;
  /** Where the read reports itself (one task). @default silent */
  readonly io?: IoHost;
  /**
   * Whose tags to read: every account and OU (true), none (false), or those a selection
   * picks (a plan: the ones estate.yaml manages, see managedTagSelection). @default true
   */
  readonly tags?: boolean | TagSelection;
  /**
   * When given, a run whose caller is not the organisation's management account (or not
   * `expectedManagementAccountId`) stops after DescribeOrganization, before anything else.
   */
  readonly callerAccountId?: string;
  readonly expectedManagementAccountId?: string;
}

/** Picks the accounts and OUs whose tags readSnapshot reads. */
export interface TagSelection {
  readonly account: (account: { readonly id: string; readonly email: string }) => boolean;
  readonly ou: (ou: { readonly path: string }) => boolean;
}

/**
 * The accounts and OUs whose tags a plan compares: the config's OUs by path, its accounts by
 * id (accounts[].id) or else by root e-mail, exactly as the planner matches them.
 */
export function managedTagSelection(desired: Pick<DesiredOrganization, 'accounts' | 'ous'>): TagSelection {
  const ids = new Set<string>();
  const emails = new Set<string>();
  for (const a of desired.accounts) {
    if (a.id) ids.add(a.id);
    else emails.add(a.email.toLowerCase());
  }
  const paths = new Set(desired.ous.map((o) => o.path));
  return {
    account: (a) => ids.has(a.id) || emails.has(a.email.toLowerCase()),
    ou: (o) => paths.has(o.path),
  };
}

/**
 * The AWS-managed SCP that enabling SCPs attaches to the root, every OU and every account
 * (estate leaves it in place). Its target list is the whole organisation, so it is not read:
 * the plan counts it as attached to every target.
 */
export const FULL_AWS_ACCESS = 'FullAWSAccess';
const isFullAwsAccess = (p: { name: string; awsManaged: boolean }) =>
  p.awsManaged && p.name === FULL_AWS_ACCESS;

const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Reads the organisation. Safe to call from any account: a non-member gets an empty snapshot. */
export async function readSnapshot(
  port: OrganizationsPort,
  options: ReadSnapshotOptions = {},
): Promise<OrgSnapshot> {
  const task = await startTask(options.io ?? silentIoHost, 'org:snapshot', 'Reading the organisation');
  try {
    const snapshot = await read(port, options);
    await task.done(
      snapshot.organization
        ? `${snapshot.accounts.length} accounts in ${snapshot.ous.length} OUs`
        : 'no organisation yet',
    );
    return snapshot;
  } catch (error) {
    await task.fail((error as Error).message);
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
  const tags = tagReads(port, limiter(options.concurrency ?? 16), options.tags ?? true);

  const rootsP = limit(() => port.listRoots());
  const servicesP = limit(() => port.listServiceAccess());
  const creationsP = limit(() => port.listCreateAccountRequests(['IN_PROGRESS']));
  const policyTypes: PolicyType[] = ['SERVICE_CONTROL_POLICY', 'TAG_POLICY'];
  const policiesP =
    organization.featureSet === 'ALL'
      ? Promise.all(policyTypes.map((t) => limit(() => port.listPolicies(t)))).then((lists) => lists.flat())
      : Promise.resolve([]);

  const root = onlyRoot(await rootsP);
  const tree = await readTree(port, limit, tags, root.id);
  const { policies: policiesReadP, otherScps: otherScpsP } = readPolicies(port, limit, await policiesP);
  const policies = await policiesReadP;

  const [ousWithTags, accountsWithTags, trustedServices, creations, otherScps] = await Promise.all([
    Promise.all(tree.ous.map(async (o) => ({ ...o, tags: await tags.of(o.id) }))),
    Promise.all(tree.accounts.map(async (a) => ({ ...a, tags: await tags.of(a.id) }))),
    servicesP,
    creationsP,
    otherScpsP,
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
    otherScps: otherScps.sort((a, b) => byString(a.name, b.name) || byString(a.id, b.id)),
    accountCreations: creations
      .filter((c) => c.state === 'IN_PROGRESS')
      .sort((a, b) => byString(a.accountName, b.accountName) || byString(a.id, b.id)),
  };
}

function onlyRoot(roots: readonly RootInfo[]): RootInfo {
  const root = roots[0];
  if (!root) {
    throw new EstateError('the organisation has no root; AWS Organizations returned none', {
      code: 'NoRoot',
      source: 'aws',
    });
  }
  return root;
}

/** The tag reads of a snapshot, each queued as soon as its resource is seen (in its own pool). */
interface TagReads {
  readonly account: (a: AccountInfo) => void;
  readonly ou: (id: string, path: string) => void;
  /** The resource's tags; {} when they were not read. */
  readonly of: (resourceId: string) => Promise<Record<string, string>>;
}

function tagReads(port: OrganizationsPort, tagLimit: Limit, selection: boolean | TagSelection): TagReads {
  const wantsTags = (pick: (s: TagSelection) => boolean): boolean =>
    typeof selection === 'boolean' ? selection : pick(selection);
  const reads = new Map<string, Promise<Record<string, string>>>();
  const readTags = (resourceId: string, wanted: boolean) => {
    if (wanted && !reads.has(resourceId))
      reads.set(
        resourceId,
        tagLimit(() => port.listTags(resourceId)),
      );
  };
  return {
    account: (a) =>
      readTags(
        a.id,
        wantsTags((s) => s.account(a)),
      ),
    ou: (id, path) =>
      readTags(
        id,
        wantsTags((s) => s.ou({ path })),
      ),
    of: async (resourceId) => (await reads.get(resourceId)) ?? {},
  };
}

/** Breadth-first walk of the OU tree from the root; tag reads are queued as soon as a resource is seen. */
async function readTree(
  port: OrganizationsPort,
  limit: Limit,
  tags: TagReads,
  rootId: string,
): Promise<{ ous: Omit<SnapshotOu, 'tags'>[]; accounts: Omit<SnapshotAccount, 'tags'>[] }> {
  const ous: Omit<SnapshotOu, 'tags'>[] = [];
  const accounts: Omit<SnapshotAccount, 'tags'>[] = [];
  const visit = async (parentId: string, path: string, depth: number): Promise<void> => {
    const [children, placed] = await Promise.all([
      limit(() => port.listOrganizationalUnits(parentId)),
      limit(() => port.listAccountsForParent(parentId)),
    ]);
    for (const a of placed) {
      accounts.push({ id: a.id, name: a.name, email: a.email, status: a.status, parentId, ouPath: path });
      tags.account(a);
    }
    await Promise.all(
      children.map((ou) => {
        const childPath = path ? `${path}/${ou.name}` : ou.name;
        ous.push({ id: ou.id, name: ou.name, path: childPath, parentId, depth: depth + 1 });
        tags.ou(ou.id, childPath);
        return visit(ou.id, childPath, depth + 1);
      }),
    );
  };
  await visit(rootId, '', 0);
  return { ous, accounts };
}

/**
 * Only estate's own policies are read in full; of the other SCPs only their targets. Both
 * reads start here; the other SCPs' targets are awaited with the tags.
 */
function readPolicies(
  port: OrganizationsPort,
  limit: Limit,
  listed: readonly PolicyInfo[],
): {
  policies: Promise<SnapshotPolicy[]>;
  otherScps: Promise<NonNullable<OrgSnapshot['otherScps']>[number][]>;
} {
  const isOwned = (p: PolicyInfo) => !p.awsManaged && p.name.startsWith(POLICY_PREFIX);
  const owned = listed.filter(isOwned);
  const otherScps = Promise.all(
    listed
      .filter((p) => p.type === 'SERVICE_CONTROL_POLICY' && !isOwned(p) && !isFullAwsAccess(p))
      .map(async (p) => ({
        id: p.id,
        name: p.name,
        targets: (await limit(() => port.listPolicyTargets(p.id))).map((t) => t.targetId).sort(byString),
      })),
  );
  const policies = Promise.all(
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
  return { policies, otherScps };
}
