/**
 * A behavioural in-memory AWS Organizations at the SDK command level: an object with
 * `send(command)` that answers the commands estate uses like the service does (paginated
 * lists, asynchronous CreateAccount, the real exception classes), with injectable faults.
 * The spec is in organizations.md; its own tests in test/emulator/organizations.test.ts.
 *
 * Wrap it like a real client (`withRetries`, or `AwsClients.wrap(fake, 'ORGANIZATIONS')`) and
 * put the real adapter on top, so pagination, retries and error mapping run end to end.
 */
import {
  AccessDeniedException,
  AccountAlreadyClosedException,
  AccountNotFoundException,
  AlreadyInOrganizationException,
  AWSOrganizationsNotInUseException,
  ConcurrentModificationException,
  ConstraintViolationException,
  CreateAccountStatusNotFoundException,
  DestinationParentNotFoundException,
  DuplicateAccountException,
  DuplicateOrganizationalUnitException,
  DuplicatePolicyAttachmentException,
  DuplicatePolicyException,
  FinalizingOrganizationException,
  InvalidInputException,
  MalformedPolicyDocumentException,
  OrganizationalUnitNotEmptyException,
  OrganizationalUnitNotFoundException,
  ParentNotFoundException,
  PolicyInUseException,
  PolicyNotAttachedException,
  PolicyNotFoundException,
  PolicyTypeAlreadyEnabledException,
  PolicyTypeNotAvailableForOrganizationException,
  PolicyTypeNotEnabledException,
  RootNotFoundException,
  ServiceException,
  SourceParentNotFoundException,
  TargetNotFoundException,
  TooManyRequestsException,
} from '@aws-sdk/client-organizations';
import { cloneState, refill, refillArray } from './state.js';

type Input = Record<string, any>;
type Tags = Record<string, string>;

export interface FakeOrganizationsOptions {
  /** The account the caller's credentials belong to. @default '111111111111' */
  readonly callerAccountId?: string;
  /** Start inside an organisation (all features) whose management account is the caller. @default false */
  readonly withOrganization?: boolean;
  /** DescribeCreateAccountStatus polls a request answers IN_PROGRESS before it completes. @default 2 */
  readonly createAccountPolls?: number;
  /** Page size when MaxResults is absent (AWS: up to 20). @default 20 */
  readonly pageSize?: number;
  /** Every list answers its first page empty (with a NextToken), as AWS may. @default false */
  readonly emptyFirstPages?: boolean;
  /** Seed of the fault generator. @default 1 */
  readonly seed?: number;
  /** Fraction of calls answered TooManyRequestsException, before any effect. @default 0 */
  readonly throttleRate?: number;
  /** Fraction of mutating calls answered ConcurrentModificationException, before any effect. @default 0 */
  readonly concurrentModificationRate?: number;
  /** Fraction of calls to `lostResponseOps` whose effect happens but whose answer is a ServiceException. @default 0 */
  readonly lostResponseRate?: number;
  /** @default operations AWS answers idempotently or with a Duplicate* error on a repeat */
  readonly lostResponseOps?: readonly string[];
  /** Latency per call (ms), constant or by operation; waits with `sleep`. @default 0 (no wait) */
  readonly latencyMs?: number | ((operation: string, random: () => number) => number);
  readonly sleep?: (ms: number) => Promise<void>;
  /** CreateAccount for these e-mails (lower case) ends FAILED with the reason given. */
  readonly failEmails?: Readonly<Record<string, string>>;
  /** E-mails that belong to AWS accounts outside the organisation: EMAIL_ALREADY_EXISTS. */
  readonly externalEmails?: readonly string[];
  /** Accounts the organisation may hold (ACCOUNT_LIMIT_EXCEEDED beyond). @default 10000 */
  readonly maxAccounts?: number;
  /**
   * Calls to the fake (of any operation) after EnablePolicyType during which the type is
   * PENDING_ENABLE on the root; the call after that sees it ENABLED. @default 2
   */
  readonly policyTypeEnableCalls?: number;
  /** CreateAccount requests the organisation may make per 24 hours (ACCOUNT_CREATION_RATE_LIMIT_EXCEEDED beyond). @default unlimited */
  readonly maxCreationsPerDay?: number;
  /** For this long after CreateOrganization, CreateAccount answers FinalizingOrganizationException. @default 0 */
  readonly finalizingForMs?: number;
  /** For this long after CreateOrganization, CreateAccount answers ConstraintViolationException ACCOUNT_NUMBER_LIMIT_EXCEEDED. @default 0 */
  readonly initialLimitForMs?: number;
  /** The fake's clock (request and join timestamps, the windows above). @default Date.now */
  readonly now?: () => number;
}

export interface FakeOu {
  id: string;
  name: string;
  parentId: string;
}
export interface FakeAccount {
  id: string;
  name: string;
  email: string;
  parentId: string;
  status: 'ACTIVE' | 'SUSPENDED' | 'PENDING_CLOSURE';
  /** JoinedTimestamp. @default the epoch */
  joinedAt?: Date;
}
export interface FakePolicy {
  id: string;
  name: string;
  description: string;
  type: string;
  content: string;
  awsManaged: boolean;
}
export interface FakeCreateRequest {
  id: string;
  accountName: string;
  email: string;
  tags: Tags;
  state: 'IN_PROGRESS' | 'SUCCEEDED' | 'FAILED';
  pollsLeft: number;
  accountId?: string;
  failureReason?: string;
  requestedAt: Date;
}

/** What FakeOrganizations keeps across a restart (see snapshot()). */
export interface OrganizationsState {
  readonly org?: FakeOrganizations['org'];
  readonly rootId?: string;
  readonly policyTypes: Set<string>;
  readonly pendingPolicyTypes: Map<string, number>;
  readonly services: Set<string>;
  readonly ous: Map<string, FakeOu>;
  readonly accounts: Map<string, FakeAccount>;
  readonly tags: Map<string, Tags>;
  readonly policies: Map<string, FakePolicy>;
  readonly attachments: Map<string, Set<string>>;
  readonly requests: FakeCreateRequest[];
  readonly seq: number;
  readonly accountSeq: number;
}

/** Thrown for every call once the fake "process" was killed (see killAfterMutations). */
export class FakeProcessKilled extends Error {
  override readonly name = 'FakeProcessKilled';
}

const DEFAULT_LOST_RESPONSE_OPS = [
  'CreateOrganizationalUnit',
  'MoveAccount',
  'AttachPolicy',
  'DetachPolicy',
  'CreatePolicy',
  'TagResource',
  'EnablePolicyType',
  'EnableAWSServiceAccess',
];

const MUTATING = /^(Create|Update|Delete|Attach|Detach|Move|Tag|Untag|Enable|Disable|Close)/;
const SIZE_LIMITS: Record<string, number> = { SERVICE_CONTROL_POLICY: 5_120, TAG_POLICY: 10_000 };

/** Deterministic PRNG (mulberry32). */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const meta = { $metadata: {} };
const err = <E>(Ctor: new (o: any) => E, message: string, extra: Record<string, unknown> = {}): E =>
  new Ctor({ message, ...meta, Message: message, ...extra });

export class FakeOrganizations {
  /** Calls per operation, throttled attempts included. */
  readonly calls: Record<string, number> = {};
  /** Mutating calls that took effect. */
  mutations = 0;
  inFlight = 0;
  maxInFlight = 0;
  /** Most CreateAccount requests IN_PROGRESS at once. */
  maxCreationsInProgress = 0;
  /** CreateAccount calls refused because five requests were already in progress. */
  creationsRefusedInProgress = 0;

  callerAccountId: string;
  org?: {
    id: string;
    featureSet: 'ALL' | 'CONSOLIDATED_BILLING';
    managementAccountId: string;
    createdAt: Date;
  };
  rootId?: string;
  /** Policy types ENABLED on the root. */
  readonly policyTypes = new Set<string>();
  /** Policy types PENDING_ENABLE → calls left before they are ENABLED. */
  readonly pendingPolicyTypes = new Map<string, number>();
  readonly services = new Set<string>();
  readonly ous = new Map<string, FakeOu>();
  readonly accounts = new Map<string, FakeAccount>();
  readonly tags = new Map<string, Tags>();
  readonly policies = new Map<string, FakePolicy>();
  /** policyId → target ids. */
  readonly attachments = new Map<string, Set<string>>();
  readonly requests: FakeCreateRequest[] = [];

  /** Called after an account arrives in or moves to a parent (StackSets' auto-deployment follows it). */
  private readonly placementListeners: ((accountId: string) => void)[] = [];

  private readonly random: () => number;
  private readonly failNextQueue: { operation: string; error: Error }[] = [];
  private killAt: number | undefined;
  private killed = false;
  private seq = 0;
  private accountSeq = 200_000_000_000;

  constructor(readonly options: FakeOrganizationsOptions = {}) {
    this.callerAccountId = options.callerAccountId ?? '111111111111';
    this.random = seeded(options.seed ?? 1);
    if (options.withOrganization) this.createOrganizationNow();
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  // ------------------------------------------------------------------ fault injection

  /** The next call to `operation` throws `error` (before any effect). */
  failNext(operation: string, error: Error): this {
    this.failNextQueue.push({ operation, error });
    return this;
  }

  /**
   * After `n` more mutating calls take effect, the process "dies": the n-th call's answer is
   * lost and every later call throws FakeProcessKilled, until `revive()`.
   */
  killAfterMutations(n: number): this {
    this.killAt = this.mutations + n;
    return this;
  }

  revive(): this {
    this.killed = false;
    this.killAt = undefined;
    return this;
  }

  get isKilled(): boolean {
    return this.killed;
  }

  totalCalls(): number {
    return Object.values(this.calls).reduce((a, b) => a + b, 0);
  }

  mutatingCalls(): number {
    return Object.entries(this.calls)
      .filter(([op]) => MUTATING.test(op))
      .reduce((a, [, n]) => a + n, 0);
  }

  resetCounters(): void {
    for (const key of Object.keys(this.calls)) delete this.calls[key];
    this.maxInFlight = 0;
  }

  // ------------------------------------------------------------------ state

  /**
   * Everything AWS would show of this organisation, detached (a deep copy), for the sandbox's
   * state file: the tree, accounts, tags, policies and their targets, enabled services and
   * policy types (pending ones with their calls left), CreateAccount requests as they are
   * (one IN_PROGRESS keeps its polls left and completes after the restart) and the id
   * counters. Not kept: call counters, injected faults, options.
   */
  snapshot(): OrganizationsState {
    return cloneState({
      ...(this.org ? { org: this.org } : {}),
      ...(this.rootId ? { rootId: this.rootId } : {}),
      policyTypes: this.policyTypes,
      pendingPolicyTypes: this.pendingPolicyTypes,
      services: this.services,
      ous: this.ous,
      accounts: this.accounts,
      tags: this.tags,
      policies: this.policies,
      attachments: this.attachments,
      requests: this.requests,
      seq: this.seq,
      accountSeq: this.accountSeq,
    });
  }

  /** Replaces the state with a snapshot's (the callerAccountId and options stay). */
  restore(state: OrganizationsState): void {
    const s = cloneState(state);
    this.org = s.org;
    this.rootId = s.rootId;
    refill(this.policyTypes, s.policyTypes);
    refill(this.pendingPolicyTypes, s.pendingPolicyTypes);
    refill(this.services, s.services);
    refill(this.ous, s.ous);
    refill(this.accounts, s.accounts);
    refill(this.tags, s.tags);
    refill(this.policies, s.policies);
    refill(this.attachments, s.attachments);
    refillArray(this.requests, s.requests);
    this.seq = s.seq;
    this.accountSeq = s.accountSeq;
  }

  /** `listener(accountId)` after an account is created, added or moved (not on drift by hand). */
  onAccountPlaced(listener: (accountId: string) => void): void {
    this.placementListeners.push(listener);
  }

  private placed(accountId: string): void {
    for (const listener of this.placementListeners) listener(accountId);
  }

  // ------------------------------------------------------------------ seeding and inspection

  private nextId(prefix: string, width = 8): string {
    this.seq++;
    return `${prefix}${this.seq.toString(36).padStart(width, '0')}`;
  }

  /** Seeds an organisation; `createdAt` (its management account's JoinedTimestamp) defaults to long ago. */
  createOrganizationNow(featureSet: 'ALL' | 'CONSOLIDATED_BILLING' = 'ALL', createdAt = new Date(0)): void {
    this.org = { id: 'o-fake000001', featureSet, managementAccountId: this.callerAccountId, createdAt };
    this.rootId = 'r-root';
    this.tags.set(this.rootId, {});
    this.accounts.set(this.callerAccountId, {
      id: this.callerAccountId,
      name: 'management',
      email: 'management@example.com',
      parentId: this.rootId,
      status: 'ACTIVE',
      joinedAt: createdAt,
    });
    this.tags.set(this.callerAccountId, {});
    this.policies.set('p-FullAWSAccess', {
      id: 'p-FullAWSAccess',
      name: 'FullAWSAccess',
      description: 'Allows access to every operation',
      type: 'SERVICE_CONTROL_POLICY',
      content: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}',
      awsManaged: true,
    });
    this.attachments.set('p-FullAWSAccess', new Set());
  }

  /** Adds an OU under a parent given by path ('' = root) and returns its id. */
  addOu(parentPath: string, name: string, tags: Tags = {}): string {
    const parentId = this.idOfPath(parentPath);
    const id = this.nextId(`ou-${this.rootId!.slice(2, 6)}-`);
    this.ous.set(id, { id, name, parentId });
    this.tags.set(id, { ...tags });
    return id;
  }

  /** Adds an ACTIVE account under an OU path and returns its id. */
  addAccount(a: {
    name: string;
    email: string;
    ouPath?: string;
    tags?: Tags;
    status?: FakeAccount['status'];
  }): string {
    const id = String(this.accountSeq++);
    this.accounts.set(id, {
      id,
      name: a.name,
      email: a.email,
      parentId: this.idOfPath(a.ouPath ?? ''),
      status: a.status ?? 'ACTIVE',
      joinedAt: new Date(this.now()),
    });
    this.tags.set(id, { ...(a.tags ?? {}) });
    this.placed(id);
    return id;
  }

  /** Moves an account by hand (drift). */
  moveByHand(accountId: string, ouPath: string): void {
    this.accounts.get(accountId)!.parentId = this.idOfPath(ouPath);
  }

  idOfPath(path: string): string {
    if (!this.rootId) throw new Error('the fake has no organisation');
    if (path === '' || path === 'Root') return this.rootId;
    let parent = this.rootId;
    for (const name of path.split('/')) {
      const ou = [...this.ous.values()].find((o) => o.parentId === parent && o.name === name);
      if (!ou) throw new Error(`no OU at ${path}`);
      parent = ou.id;
    }
    return parent;
  }

  pathOf(parentId: string): string {
    if (parentId === this.rootId) return '';
    const ou = this.ous.get(parentId);
    if (!ou) return `?${parentId}`;
    const up = this.pathOf(ou.parentId);
    return up ? `${up}/${ou.name}` : ou.name;
  }

  accountByName(name: string): FakeAccount | undefined {
    return [...this.accounts.values()].find((a) => a.name === name);
  }

  requestsFor(accountName: string): FakeCreateRequest[] {
    return this.requests.filter((r) => r.accountName === accountName);
  }

  private labelOf(id: string): string {
    if (id === this.rootId) return 'Root';
    if (this.ous.has(id)) return `ou:${this.pathOf(id)}`;
    const a = this.accounts.get(id);
    return a ? `account:${a.name}` : id;
  }

  /** The whole organisation by names and paths (no ids), copied: compare end states across runs. */
  view(): unknown {
    const sortBy = <T>(items: T[], key: (t: T) => string) => items.sort((a, b) => (key(a) < key(b) ? -1 : 1));
    return {
      organization: this.org ? { featureSet: this.org.featureSet } : null,
      services: [...this.services].sort(),
      policyTypes: [...this.policyTypes].sort(),
      ous: sortBy(
        [...this.ous.values()].map((o) => ({ path: this.pathOf(o.id), tags: { ...this.tags.get(o.id) } })),
        (o) => o.path,
      ),
      accounts: sortBy(
        [...this.accounts.values()].map((a) => ({
          name: a.name,
          email: a.email,
          ou: this.pathOf(a.parentId),
          status: a.status,
          tags: { ...this.tags.get(a.id) },
        })),
        (a) => a.name,
      ),
      policies: sortBy(
        [...this.policies.values()]
          .filter((p) => !p.awsManaged)
          .map((p) => ({
            name: p.name,
            type: p.type,
            description: p.description,
            content: JSON.parse(p.content),
            targets: [...(this.attachments.get(p.id) ?? [])].map((t) => this.labelOf(t)).sort(),
          })),
        (p) => `${p.type}/${p.name}`,
      ),
    };
  }

  // ------------------------------------------------------------------ the client

  async send(command: { input?: Input; constructor: { name: string } }): Promise<any> {
    const name = command.constructor.name;
    const operation = name.endsWith('Command') ? name.slice(0, -'Command'.length) : name;
    const input: Input = command.input ?? {};
    this.calls[operation] = (this.calls[operation] ?? 0) + 1;
    // AWS enables a policy type in the background: it turns ENABLED some calls later.
    for (const [type, left] of this.pendingPolicyTypes) {
      if (left > 1) this.pendingPolicyTypes.set(type, left - 1);
      else {
        this.pendingPolicyTypes.delete(type);
        this.policyTypes.add(type);
      }
    }
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      const latency = this.options.latencyMs;
      const ms = typeof latency === 'function' ? latency(operation, this.random) : (latency ?? 0);
      if (ms > 0) await (this.options.sleep ?? ((t: number) => new Promise((r) => setTimeout(r, t))))(ms);
      if (this.killed) throw new FakeProcessKilled(`${operation}: the process was killed`);

      const injected = this.failNextQueue.findIndex((f) => f.operation === operation);
      if (injected >= 0) throw this.failNextQueue.splice(injected, 1)[0]!.error;
      const mutating = MUTATING.test(operation);
      if ((this.options.throttleRate ?? 0) > 0 && this.random() < this.options.throttleRate!)
        throw err(TooManyRequestsException, 'Rate exceeded', { Type: 'Throttling' });
      if (
        mutating &&
        (this.options.concurrentModificationRate ?? 0) > 0 &&
        this.random() < this.options.concurrentModificationRate!
      )
        throw err(
          ConcurrentModificationException,
          'AWS Organizations can’t complete your request because it conflicts with another attempt to modify the same entity. Try again later.',
        );

      const output = { ...this.handle(operation, input), ...meta };

      if (mutating) {
        this.mutations++;
        if (this.killAt !== undefined && this.mutations >= this.killAt) {
          this.killed = true;
          throw new FakeProcessKilled(`${operation}: the process was killed after the call took effect`);
        }
        const lostOps = this.options.lostResponseOps ?? DEFAULT_LOST_RESPONSE_OPS;
        if (
          (this.options.lostResponseRate ?? 0) > 0 &&
          lostOps.includes(operation) &&
          this.random() < this.options.lostResponseRate!
        )
          throw err(ServiceException, 'The answer was lost after the change was made');
      }
      return output;
    } finally {
      this.inFlight--;
    }
  }

  private page<T>(
    operation: string,
    key: string,
    items: T[],
    input: Input,
  ): { items: T[]; NextToken?: string } {
    const max = input.MaxResults ?? this.options.pageSize ?? 20;
    if (max < 1 || max > 20)
      throw err(InvalidInputException, 'MaxResults must be between 1 and 20', { Reason: 'INVALID_INPUT' });
    let offset = 0;
    let emptyServed = false;
    if (input.NextToken !== undefined) {
      try {
        const token = JSON.parse(Buffer.from(String(input.NextToken), 'base64url').toString('utf8'));
        if (token.op !== operation || token.key !== key) throw new Error('mismatch');
        offset = token.offset;
        emptyServed = true;
      } catch {
        throw err(InvalidInputException, 'The NextToken is not valid', {
          Reason: 'INVALID_PAGINATION_TOKEN',
        });
      }
    }
    const make = (next: number) =>
      Buffer.from(JSON.stringify({ op: operation, key, offset: next })).toString('base64url');
    if (this.options.emptyFirstPages && !emptyServed && items.length > 0)
      return { items: [], NextToken: make(0) };
    const slice = items.slice(offset, offset + max);
    const next = offset + max;
    return next < items.length ? { items: slice, NextToken: make(next) } : { items: slice };
  }

  /** The tags of a root, OU, account or policy; TargetNotFound for anything else. */
  private tagsOf(resourceId: string): Tags {
    const tags = this.tags.get(resourceId);
    if (!tags)
      throw err(
        TargetNotFoundException,
        'We can’t find a root, OU, account, or policy with the TargetId that you specified.',
      );
    return tags;
  }

  private requireOrg(): void {
    if (!this.org)
      throw err(AWSOrganizationsNotInUseException, 'Your account is not a member of an organization.');
  }

  private requireManagement(): void {
    this.requireOrg();
    if (this.callerAccountId !== this.org!.managementAccountId)
      throw err(AccessDeniedException, 'You don’t have permissions to access this resource.');
  }

  private depth(parentId: string): number {
    return parentId === this.rootId ? 0 : 1 + this.depth(this.ous.get(parentId)!.parentId);
  }

  private isParent(id: string): boolean {
    return id === this.rootId || this.ous.has(id);
  }

  private toAccount(a: FakeAccount) {
    return {
      Id: a.id,
      Arn: `arn:aws:organizations::${this.org!.managementAccountId}:account/${this.org!.id}/${a.id}`,
      Email: a.email,
      Name: a.name,
      Status: a.status,
      State: a.status,
      JoinedMethod: 'CREATED',
      JoinedTimestamp: a.joinedAt ?? new Date(0),
    };
  }

  private toPolicySummary(p: FakePolicy) {
    return {
      Id: p.id,
      Arn: `arn:aws:organizations::${this.org!.managementAccountId}:policy/${this.org!.id}/${p.type.toLowerCase()}/${p.id}`,
      Name: p.name,
      Description: p.description,
      Type: p.type,
      AwsManaged: p.awsManaged,
    };
  }

  private toRequest(r: FakeCreateRequest) {
    return {
      Id: r.id,
      AccountName: r.accountName,
      State: r.state,
      RequestedTimestamp: r.requestedAt,
      ...(r.accountId ? { AccountId: r.accountId, CompletedTimestamp: new Date(0) } : {}),
      ...(r.failureReason ? { FailureReason: r.failureReason, CompletedTimestamp: new Date(0) } : {}),
    };
  }

  private account(id: string): FakeAccount {
    const a = this.accounts.get(id);
    if (!a)
      throw err(
        AccountNotFoundException,
        'We can’t find an AWS account with the AccountId that you specified.',
      );
    return a;
  }

  private policy(id: string): FakePolicy {
    const p = this.policies.get(id);
    if (!p)
      throw err(PolicyNotFoundException, `We can't find a policy with the PolicyId that you specified.`);
    return p;
  }

  private complete(r: FakeCreateRequest): void {
    const email = r.email.toLowerCase();
    // An earlier request with the same e-mail still in progress: "you already submitted a
    // request with the same information".
    const earlier = this.requests.find(
      (x) =>
        x !== r &&
        x.state === 'IN_PROGRESS' &&
        x.email.toLowerCase() === email &&
        this.requests.indexOf(x) < this.requests.indexOf(r),
    );
    const reason =
      this.options.failEmails?.[email] ??
      ([...this.accounts.values()].some((a) => a.email.toLowerCase() === email) ||
      (this.options.externalEmails ?? []).map((e) => e.toLowerCase()).includes(email)
        ? 'EMAIL_ALREADY_EXISTS'
        : earlier
          ? 'CONCURRENT_ACCOUNT_MODIFICATION'
          : this.accounts.size >= (this.options.maxAccounts ?? 10_000)
            ? 'ACCOUNT_LIMIT_EXCEEDED'
            : undefined);
    if (reason) {
      r.state = 'FAILED';
      r.failureReason = reason;
      return;
    }
    const id = this.addAccount({ name: r.accountName, email: r.email, tags: r.tags });
    r.state = 'SUCCEEDED';
    r.accountId = id;
    // Duplicates still in progress fail once the e-mail is taken (AWS processes them in the background).
    for (const other of this.requests)
      if (other.state === 'IN_PROGRESS' && other.email.toLowerCase() === email) {
        other.state = 'FAILED';
        other.failureReason = 'EMAIL_ALREADY_EXISTS';
      }
  }

  private handle(operation: string, input: Input): Record<string, unknown> {
    switch (operation) {
      // ---------------------------------------------------------------- organisation
      case 'DescribeOrganization': {
        this.requireOrg();
        const o = this.org!;
        return {
          Organization: {
            Id: o.id,
            Arn: `arn:aws:organizations::${o.managementAccountId}:organization/${o.id}`,
            FeatureSet: o.featureSet,
            MasterAccountId: o.managementAccountId,
            MasterAccountArn: `arn:aws:organizations::${o.managementAccountId}:account/${o.id}/${o.managementAccountId}`,
            MasterAccountEmail: this.accounts.get(o.managementAccountId)?.email,
          },
        };
      }
      case 'CreateOrganization': {
        if (this.org)
          throw err(AlreadyInOrganizationException, 'This account is already a member of an organization.');
        this.createOrganizationNow(
          input.FeatureSet === 'CONSOLIDATED_BILLING' ? 'CONSOLIDATED_BILLING' : 'ALL',
          new Date(this.now()),
        );
        return this.handle('DescribeOrganization', {});
      }
      case 'ListRoots': {
        this.requireOrg();
        const roots = [
          {
            Id: this.rootId,
            Arn: `arn:aws:organizations::${this.org!.managementAccountId}:root/${this.org!.id}/${this.rootId}`,
            Name: 'Root',
            PolicyTypes: [
              ...[...this.policyTypes].map((Type) => ({ Type, Status: 'ENABLED' })),
              ...[...this.pendingPolicyTypes.keys()].map((Type) => ({ Type, Status: 'PENDING_ENABLE' })),
            ],
          },
        ];
        const { items, NextToken } = this.page(operation, '', roots, input);
        return { Roots: items, NextToken };
      }
      case 'ListAWSServiceAccessForOrganization': {
        this.requireManagement();
        const list = [...this.services]
          .sort()
          .map((ServicePrincipal) => ({ ServicePrincipal, DateEnabled: new Date(0) }));
        const { items, NextToken } = this.page(operation, '', list, input);
        return { EnabledServicePrincipals: items, NextToken };
      }
      case 'EnableAWSServiceAccess': {
        this.requireManagement();
        this.services.add(String(input.ServicePrincipal));
        return {};
      }
      case 'EnablePolicyType': {
        this.requireManagement();
        if (input.RootId !== this.rootId)
          throw err(RootNotFoundException, 'We can’t find a root with the RootId that you specified.');
        if (this.org!.featureSet !== 'ALL')
          throw err(
            PolicyTypeNotAvailableForOrganizationException,
            'You can use policy types only when all features are enabled.',
          );
        if (this.policyTypes.has(input.PolicyType) || this.pendingPolicyTypes.has(input.PolicyType))
          throw err(PolicyTypeAlreadyEnabledException, 'The specified policy type is already enabled.');
        const calls = this.options.policyTypeEnableCalls ?? 2;
        if (calls > 0) this.pendingPolicyTypes.set(input.PolicyType, calls);
        else this.policyTypes.add(input.PolicyType);
        return { Root: { Id: this.rootId, Name: 'Root' } };
      }

      // ---------------------------------------------------------------- tree
      case 'ListOrganizationalUnitsForParent': {
        this.requireManagement();
        if (!this.isParent(input.ParentId))
          throw err(
            ParentNotFoundException,
            'We can’t find a root or OU with the ParentId that you specified.',
          );
        const list = [...this.ous.values()]
          .filter((o) => o.parentId === input.ParentId)
          .map((o) => ({
            Id: o.id,
            Arn: `arn:aws:organizations::${this.org!.managementAccountId}:ou/${this.org!.id}/${o.id}`,
            Name: o.name,
          }));
        const { items, NextToken } = this.page(operation, input.ParentId, list, input);
        return { OrganizationalUnits: items, NextToken };
      }
      case 'ListAccountsForParent': {
        this.requireManagement();
        if (!this.isParent(input.ParentId))
          throw err(
            ParentNotFoundException,
            'We can’t find a root or OU with the ParentId that you specified.',
          );
        const list = [...this.accounts.values()]
          .filter((a) => a.parentId === input.ParentId)
          .map((a) => this.toAccount(a));
        const { items, NextToken } = this.page(operation, input.ParentId, list, input);
        return { Accounts: items, NextToken };
      }
      case 'ListAccounts': {
        this.requireManagement();
        const { items, NextToken } = this.page(
          operation,
          '',
          [...this.accounts.values()].map((a) => this.toAccount(a)),
          input,
        );
        return { Accounts: items, NextToken };
      }
      case 'CreateOrganizationalUnit': {
        this.requireManagement();
        if (!this.isParent(input.ParentId))
          throw err(
            ParentNotFoundException,
            'We can’t find a root or OU with the ParentId that you specified.',
          );
        if ([...this.ous.values()].some((o) => o.parentId === input.ParentId && o.name === input.Name))
          throw err(DuplicateOrganizationalUnitException, 'An OU with the same name already exists.');
        if (this.depth(input.ParentId) >= 5)
          throw err(ConstraintViolationException, 'You cannot nest OUs more than 5 levels deep.', {
            Reason: 'OU_DEPTH_LIMIT_EXCEEDED',
          });
        const id = this.nextId(`ou-${this.rootId!.slice(2, 6)}-`);
        this.ous.set(id, { id, name: input.Name, parentId: input.ParentId });
        this.tags.set(
          id,
          Object.fromEntries((input.Tags ?? []).map((t: { Key: string; Value: string }) => [t.Key, t.Value])),
        );
        return {
          OrganizationalUnit: {
            Id: id,
            Arn: `arn:aws:organizations::${this.org!.managementAccountId}:ou/${this.org!.id}/${id}`,
            Name: input.Name,
          },
        };
      }
      case 'DeleteOrganizationalUnit': {
        this.requireManagement();
        const id = input.OrganizationalUnitId;
        if (!this.ous.has(id))
          throw err(
            OrganizationalUnitNotFoundException,
            'We can’t find an OU with the OrganizationalUnitId that you specified.',
          );
        if (
          [...this.ous.values()].some((o) => o.parentId === id) ||
          [...this.accounts.values()].some((a) => a.parentId === id)
        )
          throw err(OrganizationalUnitNotEmptyException, 'The specified OU is not empty.');
        this.ous.delete(id);
        this.tags.delete(id);
        for (const targets of this.attachments.values()) targets.delete(id);
        return {};
      }

      // ---------------------------------------------------------------- accounts
      case 'DescribeAccount': {
        this.requireManagement();
        const a = this.account(input.AccountId);
        const seen = this.toAccount(a);
        if (a.status === 'PENDING_CLOSURE') a.status = 'SUSPENDED';
        return { Account: seen };
      }
      case 'CloseAccount': {
        // Asynchronous as in AWS: PENDING_CLOSURE now, SUSPENDED at the next DescribeAccount.
        this.requireManagement();
        const a = this.account(input.AccountId);
        if (a.id === this.org!.managementAccountId)
          throw err(ConstraintViolationException, 'You cannot close the management account.', {
            Reason: 'CANNOT_CLOSE_MANAGEMENT_ACCOUNT',
          });
        if (a.status !== 'ACTIVE')
          throw err(AccountAlreadyClosedException, 'You provided an account that is already closed.');
        a.status = 'PENDING_CLOSURE';
        return {};
      }
      case 'CreateAccount': {
        this.requireManagement();
        const sinceCreated = this.now() - this.org!.createdAt.getTime();
        if (sinceCreated < (this.options.finalizingForMs ?? 0))
          throw err(
            FinalizingOrganizationException,
            'AWS Organizations could not perform the operation because your organization has not finished initializing. This can take up to an hour. Try again later.',
          );
        if (sinceCreated < (this.options.initialLimitForMs ?? 0))
          throw err(ConstraintViolationException, 'You have exceeded the allowed number of AWS accounts.', {
            Reason: 'ACCOUNT_NUMBER_LIMIT_EXCEEDED',
          });
        const today = this.requests.filter((r) => this.now() - r.requestedAt.getTime() < 86_400_000).length;
        if (today >= (this.options.maxCreationsPerDay ?? Infinity))
          throw err(
            ConstraintViolationException,
            'You attempted to exceed the number of accounts that you can create in one day.',
            { Reason: 'ACCOUNT_CREATION_RATE_LIMIT_EXCEEDED' },
          );
        const inProgress = this.requests.filter((r) => r.state === 'IN_PROGRESS').length;
        // AWS allows five requests in progress; it does not document the answer to a sixth.
        // The fake pushes back with a throttle (nothing created), and counts it.
        if (inProgress >= 5) {
          this.creationsRefusedInProgress++;
          throw err(
            TooManyRequestsException,
            'You attempted to exceed the number of accounts that can be in progress at a time.',
            { Type: 'Throttling' },
          );
        }
        const r: FakeCreateRequest = {
          id: this.nextId('car-', 32),
          accountName: input.AccountName,
          email: input.Email,
          tags: Object.fromEntries(
            (input.Tags ?? []).map((t: { Key: string; Value: string }) => [t.Key, t.Value]),
          ),
          state: 'IN_PROGRESS',
          pollsLeft: this.options.createAccountPolls ?? 2,
          requestedAt: new Date(this.now()),
        };
        this.requests.push(r);
        this.maxCreationsInProgress = Math.max(this.maxCreationsInProgress, inProgress + 1);
        return { CreateAccountStatus: this.toRequest(r) };
      }
      case 'DescribeCreateAccountStatus': {
        this.requireManagement();
        const r = this.requests.find((x) => x.id === input.CreateAccountRequestId);
        if (!r)
          throw err(
            CreateAccountStatusNotFoundException,
            'We can’t find a create account request with the CreateAccountRequestId that you specified.',
          );
        if (r.state === 'IN_PROGRESS') {
          if (r.pollsLeft > 0) r.pollsLeft--;
          else this.complete(r);
        }
        return { CreateAccountStatus: this.toRequest(r) };
      }
      case 'ListCreateAccountStatus': {
        this.requireManagement();
        const states: string[] | undefined = input.States;
        const list = this.requests
          .filter((r) => !states?.length || states.includes(r.state))
          .map((r) => this.toRequest(r));
        const { items, NextToken } = this.page(operation, (states ?? []).join(','), list, input);
        return { CreateAccountStatuses: items, NextToken };
      }
      case 'MoveAccount': {
        this.requireManagement();
        const a = this.account(input.AccountId);
        if (!this.isParent(input.DestinationParentId))
          throw err(
            DestinationParentNotFoundException,
            'We can’t find the destination container (a root or OU) with the ParentId that you specified.',
          );
        if (a.parentId === input.DestinationParentId)
          throw err(
            DuplicateAccountException,
            'That account is already present in the specified destination.',
          );
        if (a.parentId !== input.SourceParentId)
          throw err(
            SourceParentNotFoundException,
            'We can’t find a source root or OU with the ParentId that you specified.',
          );
        a.parentId = input.DestinationParentId;
        this.placed(a.id);
        return {};
      }

      // ---------------------------------------------------------------- tags
      case 'ListTagsForResource': {
        this.requireManagement();
        const tags = this.tagsOf(input.ResourceId);
        const list = Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
        const { items, NextToken } = this.page(operation, input.ResourceId, list, input);
        return { Tags: items, NextToken };
      }
      case 'TagResource': {
        this.requireManagement();
        const tags = this.tagsOf(input.ResourceId);
        const next = {
          ...tags,
          ...Object.fromEntries(
            (input.Tags ?? []).map((t: { Key: string; Value: string }) => [t.Key, t.Value]),
          ),
        };
        if (Object.keys(next).length > 50)
          throw err(
            ConstraintViolationException,
            'You have exceeded the maximum number of tags allowed on this resource.',
            { Reason: 'MAX_TAG_LIMIT_EXCEEDED' },
          );
        this.tags.set(input.ResourceId, next);
        return {};
      }
      case 'UntagResource': {
        this.requireManagement();
        const tags = this.tagsOf(input.ResourceId);
        for (const key of input.TagKeys ?? []) delete tags[key];
        return {};
      }

      // ---------------------------------------------------------------- policies
      case 'ListPolicies': {
        this.requireManagement();
        const list = [...this.policies.values()]
          .filter((p) => p.type === input.Filter)
          .map((p) => this.toPolicySummary(p));
        const { items, NextToken } = this.page(operation, input.Filter, list, input);
        return { Policies: items, NextToken };
      }
      case 'DescribePolicy': {
        this.requireManagement();
        const p = this.policy(input.PolicyId);
        return { Policy: { PolicySummary: this.toPolicySummary(p), Content: p.content } };
      }
      case 'CreatePolicy': {
        this.requireManagement();
        if ([...this.policies.values()].some((p) => p.type === input.Type && p.name === input.Name))
          throw err(DuplicatePolicyException, 'A policy with the same name already exists.');
        try {
          JSON.parse(input.Content);
        } catch {
          throw err(
            MalformedPolicyDocumentException,
            'The provided policy document does not meet the requirements of the specified policy type.',
          );
        }
        if (String(input.Content).length > (SIZE_LIMITS[input.Type] ?? 5_120))
          throw err(ConstraintViolationException, 'The policy is too large.', {
            Reason: 'POLICY_CONTENT_LIMIT_EXCEEDED',
          });
        const id = this.nextId('p-');
        const p: FakePolicy = {
          id,
          name: input.Name,
          description: input.Description ?? '',
          type: input.Type,
          content: input.Content,
          awsManaged: false,
        };
        this.policies.set(id, p);
        this.attachments.set(id, new Set());
        return { Policy: { PolicySummary: this.toPolicySummary(p), Content: p.content } };
      }
      case 'UpdatePolicy': {
        this.requireManagement();
        const p = this.policy(input.PolicyId);
        if (input.Content !== undefined) {
          if (String(input.Content).length > (SIZE_LIMITS[p.type] ?? 5_120))
            throw err(ConstraintViolationException, 'The policy is too large.', {
              Reason: 'POLICY_CONTENT_LIMIT_EXCEEDED',
            });
          p.content = input.Content;
        }
        if (input.Description !== undefined) p.description = input.Description;
        if (input.Name !== undefined) p.name = input.Name;
        return { Policy: { PolicySummary: this.toPolicySummary(p), Content: p.content } };
      }
      case 'DeletePolicy': {
        this.requireManagement();
        this.policy(input.PolicyId);
        if ((this.attachments.get(input.PolicyId)?.size ?? 0) > 0)
          throw err(PolicyInUseException, 'The policy is attached to one or more entities.');
        this.policies.delete(input.PolicyId);
        this.attachments.delete(input.PolicyId);
        return {};
      }
      case 'AttachPolicy': {
        this.requireManagement();
        const p = this.policy(input.PolicyId);
        const target = input.TargetId;
        if (!this.isParent(target) && !this.accounts.has(target))
          throw err(
            TargetNotFoundException,
            'We can’t find a root, OU, account, or policy with the TargetId that you specified.',
          );
        if (!this.policyTypes.has(p.type))
          throw err(PolicyTypeNotEnabledException, 'This policy type is not enabled for the root.');
        const attached = this.attachments.get(p.id)!;
        if (attached.has(target))
          throw err(
            DuplicatePolicyAttachmentException,
            'The selected policy is already attached to the specified target.',
          );
        const ofType = [...this.policies.values()].filter(
          (q) => q.type === p.type && this.attachments.get(q.id)?.has(target),
        ).length;
        if (ofType >= 10)
          throw err(
            ConstraintViolationException,
            'You attempted to attach too many policies of this type to the target.',
            {
              Reason: 'MAX_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED',
            },
          );
        attached.add(target);
        return {};
      }
      case 'DetachPolicy': {
        this.requireManagement();
        const p = this.policy(input.PolicyId);
        const attached = this.attachments.get(p.id)!;
        if (!attached.has(input.TargetId))
          throw err(PolicyNotAttachedException, 'The policy isn’t attached to the specified target.');
        attached.delete(input.TargetId);
        return {};
      }
      case 'ListTargetsForPolicy': {
        this.requireManagement();
        const p = this.policy(input.PolicyId);
        const list = [...(this.attachments.get(p.id) ?? [])].sort().map((id) => ({
          TargetId: id,
          Arn: `arn:aws:organizations::${this.org!.managementAccountId}:target/${id}`,
          Name: id === this.rootId ? 'Root' : (this.ous.get(id)?.name ?? this.accounts.get(id)?.name ?? id),
          Type: id === this.rootId ? 'ROOT' : this.ous.has(id) ? 'ORGANIZATIONAL_UNIT' : 'ACCOUNT',
        }));
        const { items, NextToken } = this.page(operation, input.PolicyId, list, input);
        return { Targets: items, NextToken };
      }
      default:
        throw new Error(`FakeOrganizations does not implement ${operation}`);
    }
  }
}
