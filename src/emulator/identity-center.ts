/**
 * A behavioural in-memory IAM Identity Center at the SDK command level: SSO Admin and the
 * Identity Store behind one `send(command)` (dispatched on the command class name), answering
 * the commands estate uses like the services do: paginated lists, asynchronous provisioning and
 * assignments that go IN_PROGRESS → SUCCEEDED (or FAILED) over status polls, the real exception
 * names, injectable failures. The spec is in identity-center.md; its tests in
 * test/emulator/identity-center.test.ts. On the loopback emulator it serves both JSON services
 * (`services`: X-Amz-Target prefixes SWBExternalService and AWSIdentityStore).
 *
 * Wrap it like a real client (`withRetries`, or `AwsClients.wrap(fake, 'SSO_ADMIN')`) under
 * the real adapter (src/aws/identity-center.ts).
 */
import {
  AccessDeniedException,
  ConflictException,
  InternalServerException,
  ResourceNotFoundException,
  ThrottlingException,
  ValidationException,
} from '@aws-sdk/client-sso-admin';
import type { JsonService, ServiceCommand } from './server.js';
import { cloneState, refill } from './state.js';

type Input = Record<string, any>;
const meta = { $metadata: {} };

export type AsyncOperation = 'ProvisionPermissionSet' | 'CreateAccountAssignment' | 'DeleteAccountAssignment';
export type RejectableError =
  | 'ThrottlingException'
  | 'ConflictException'
  | 'AccessDeniedException'
  | 'InternalServerException'
  | 'ValidationException';

export interface FakeIdentityCenterOptions {
  /** Identity Center is enabled in the organisation (ListInstances answers its instance). @default true */
  readonly enabled?: boolean;
  /** The account that owns the instance (the management account). @default '111111111111' */
  readonly ownerAccountId?: string;
  /** @default 'd-1234567890' */
  readonly identityStoreId?: string;
  /** Status polls an asynchronous operation answers IN_PROGRESS before it completes. @default 1 */
  readonly operationPolls?: number;
  /** Page size when MaxResults is absent. @default 10 */
  readonly pageSize?: number;
}

interface PermissionSet {
  readonly arn: string;
  readonly name: string;
  readonly description?: string;
  readonly sessionDuration: string;
  readonly createdDate: Date;
  readonly policies: Map<string, string>;
  /** Bumped by every change: provisioned copies of an older version are outdated. */
  version: number;
}

interface Operation {
  readonly kind: AsyncOperation;
  readonly requestId: string;
  readonly accountId: string;
  readonly permissionSetArn: string;
  readonly principal?: { type: 'USER' | 'GROUP'; id: string };
  readonly createdDate: Date;
  status: 'IN_PROGRESS' | 'FAILED' | 'SUCCEEDED';
  pollsLeft: number;
  failureReason?: string;
  /** A failure injected with failNext: the operation ends FAILED with it. */
  readonly injectedFailure?: string;
}

/**
 * Identity Center's state across a restart: whether it is enabled, users, groups, permission
 * sets (policies, version), what is provisioned and assigned, the asynchronous operations as
 * they are (one IN_PROGRESS keeps its polls left and completes after the restart), the id
 * counter. Not kept: call log, injected failures and rejections.
 */
export interface IdentityCenterState {
  readonly enabled: boolean;
  readonly users: Map<string, { userName: string; emails: string[] }>;
  readonly groups: Map<string, string>;
  readonly sets: Map<string, PermissionSet>;
  readonly provisioned: Map<string, number>;
  readonly assigned: Set<string>;
  readonly operations: Map<string, Operation>;
  readonly seq: number;
}

const INSTANCE_ID = 'ssoins-fake000000000001';
const ERRORS: Record<RejectableError, new (o: { message: string; $metadata: object }) => Error> = {
  ThrottlingException,
  ConflictException,
  AccessDeniedException,
  InternalServerException,
  ValidationException,
};

function fail(Kind: new (o: { message: string; $metadata: object }) => Error, message: string): never {
  throw new Kind({ message, ...meta });
}

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');

export class FakeIdentityCenter {
  readonly instanceArn = `arn:aws:sso:::instance/${INSTANCE_ID}`;
  readonly identityStoreId: string;
  readonly ownerAccountId: string;
  /** Every operation received, in order (both services). */
  readonly calls: string[] = [];
  private enabled: boolean;
  private readonly polls: number;
  private readonly pageSize: number;
  private readonly users = new Map<string, { userName: string; emails: string[] }>();
  private readonly groups = new Map<string, string>();
  private readonly sets = new Map<string, PermissionSet>();
  /** `${account}|${permission set arn}` → the version provisioned there. */
  private readonly provisioned = new Map<string, number>();
  private readonly assigned = new Set<string>();
  private readonly operations = new Map<string, Operation>();
  private readonly failures = new Map<AsyncOperation, string[]>();
  private readonly rejections = new Map<string, RejectableError[]>();
  private seq = 0;

  constructor(options: FakeIdentityCenterOptions = {}) {
    this.enabled = options.enabled ?? true;
    this.ownerAccountId = options.ownerAccountId ?? '111111111111';
    this.identityStoreId = options.identityStoreId ?? 'd-1234567890';
    this.polls = options.operationPolls ?? 1;
    this.pageSize = options.pageSize ?? 10;
  }

  /** The two JSON services for the loopback emulator. */
  get services(): JsonService[] {
    return [
      { targetPrefix: 'SWBExternalService', send: (c) => this.send(c) },
      { targetPrefix: 'AWSIdentityStore', send: (c) => this.send(c) },
    ];
  }

  // ---------------------------------------------------------------- state

  snapshot(): IdentityCenterState {
    return cloneState({
      enabled: this.enabled,
      users: this.users,
      groups: this.groups,
      sets: this.sets,
      provisioned: this.provisioned,
      assigned: this.assigned,
      operations: this.operations,
      seq: this.seq,
    });
  }

  restore(state: IdentityCenterState): void {
    const s = cloneState(state);
    this.enabled = s.enabled;
    refill(this.users, s.users);
    refill(this.groups, s.groups);
    refill(this.sets, s.sets);
    refill(this.provisioned, s.provisioned);
    refill(this.assigned, s.assigned);
    refill(this.operations, s.operations);
    this.seq = s.seq;
  }

  /** The users (id, user name, e-mails) and groups (id, display name), for seeding checks and status. */
  directory(): {
    users: { id: string; userName: string; emails: string[] }[];
    groups: { id: string; displayName: string }[];
  } {
    return {
      users: [...this.users].map(([id, u]) => ({ id, userName: u.userName, emails: [...u.emails] })),
      groups: [...this.groups].map(([id, displayName]) => ({ id, displayName })),
    };
  }

  // ---------------------------------------------------------------- seeding and faults

  /** Identity Center not (or no longer) enabled: ListInstances answers none. */
  disable(): void {
    this.enabled = false;
  }

  addUser(email: string, userName = email.split('@')[0]!): string {
    const id = `9067${hex(++this.seq, 6)}-0000-0000-0000-000000000000`;
    this.users.set(id, { userName, emails: [email] });
    return id;
  }

  addGroup(displayName: string): string {
    const id = `9067${hex(++this.seq, 6)}-1111-1111-1111-111111111111`;
    this.groups.set(id, displayName);
    return id;
  }

  /** A principal deleted (a directory sync): assignments to it fail from now on. */
  removePrincipal(id: string): void {
    this.users.delete(id);
    this.groups.delete(id);
  }

  /** The next `kind` operation(s) end FAILED with this reason, one per call. */
  failNext(kind: AsyncOperation, reason: string, times = 1): void {
    const list = this.failures.get(kind) ?? [];
    for (let i = 0; i < times; i++) list.push(reason);
    this.failures.set(kind, list);
  }

  /** The next `times` calls of `operation` throw `error` before they do anything. */
  rejectNext(operation: string, error: RejectableError, times = 1): void {
    const list = this.rejections.get(operation) ?? [];
    for (let i = 0; i < times; i++) list.push(error);
    this.rejections.set(operation, list);
  }

  // ---------------------------------------------------------------- inspection

  permissionSetNamed(name: string): { arn: string; policies: string[]; sessionDuration: string } | undefined {
    const set = [...this.sets.values()].find((s) => s.name === name);
    return set && { arn: set.arn, policies: [...set.policies.keys()], sessionDuration: set.sessionDuration };
  }

  /** Whether the latest version of the permission set is provisioned to the account. */
  isProvisioned(accountId: string, permissionSetArn: string): boolean {
    return (
      this.provisioned.get(`${accountId}|${permissionSetArn}`) === this.sets.get(permissionSetArn)?.version
    );
  }

  assignmentsOf(accountId: string): { permissionSetArn: string; type: string; id: string }[] {
    return [...this.assigned]
      .map((k) => k.split('|'))
      .filter(([account]) => account === accountId)
      .map(([, permissionSetArn, type, id]) => ({
        permissionSetArn: permissionSetArn!,
        type: type!,
        id: id!,
      }));
  }

  /** Operations still IN_PROGRESS (as a run that stopped polling leaves them). */
  get inProgress(): number {
    return [...this.operations.values()].filter((o) => o.status === 'IN_PROGRESS').length;
  }

  // ---------------------------------------------------------------- dispatch

  async send(command: ServiceCommand | { input: Input; constructor: { name: string } }): Promise<any> {
    const name = command.constructor.name;
    const operation = name.endsWith('Command') ? name.slice(0, -'Command'.length) : name;
    const input = (command.input ?? {}) as Input;
    this.calls.push(operation);
    const rejected = this.rejections.get(operation)?.shift();
    if (rejected) fail(ERRORS[rejected], `${operation}: injected ${rejected}`);
    const account = (command as ServiceCommand).account;
    if (account !== undefined && account !== this.ownerAccountId)
      fail(
        AccessDeniedException,
        `User is not authorized to perform: sso:${operation}; Identity Center is administered from ${this.ownerAccountId}`,
      );
    const handler = (this as unknown as Record<string, ((input: Input) => unknown) | undefined>)[
      `op${operation}`
    ];
    if (!handler) fail(ValidationException, `${operation} is not supported by the fake`);
    return handler.call(this, input);
  }

  private page<T>(
    operation: string,
    items: readonly T[],
    input: Input,
    key: string,
  ): Record<string, unknown> {
    const size = input.MaxResults ?? this.pageSize;
    if (!Number.isInteger(size) || size < 1 || size > 100)
      fail(ValidationException, 'MaxResults must be between 1 and 100');
    let start = 0;
    if (input.NextToken) {
      const token = JSON.parse(Buffer.from(String(input.NextToken), 'base64').toString('utf8')) as {
        op?: string;
        at?: number;
      };
      if (token.op !== operation || typeof token.at !== 'number')
        fail(ValidationException, 'invalid NextToken');
      start = token.at;
    }
    const end = start + size;
    return {
      [key]: items.slice(start, end),
      ...(end < items.length
        ? { NextToken: Buffer.from(JSON.stringify({ op: operation, at: end })).toString('base64') }
        : {}),
    };
  }

  private instance(input: Input): void {
    if (!this.enabled || input.InstanceArn !== this.instanceArn)
      fail(ResourceNotFoundException, `Instance ${String(input.InstanceArn)} not found`);
  }

  private set(input: Input): PermissionSet {
    this.instance(input);
    const set = this.sets.get(String(input.PermissionSetArn));
    if (!set) fail(ResourceNotFoundException, `PermissionSet ${String(input.PermissionSetArn)} not found`);
    return set;
  }

  private account(input: Input, key = 'AccountId'): string {
    const id = String(input[key] ?? '');
    if (!/^\d{12}$/.test(id)) fail(ValidationException, `${key} must be 12 digits`);
    return id;
  }

  // ---------------------------------------------------------------- Identity Store

  private store(input: Input): void {
    if (!this.enabled || input.IdentityStoreId !== this.identityStoreId)
      fail(ResourceNotFoundException, `Identity store ${String(input.IdentityStoreId)} not found`);
  }

  private unique(input: Input): { path: string; value: string } {
    const attribute = input.AlternateIdentifier?.UniqueAttribute;
    if (!attribute) fail(ValidationException, 'AlternateIdentifier.UniqueAttribute is required');
    return { path: String(attribute.AttributePath), value: String(attribute.AttributeValue) };
  }

  opGetUserId(input: Input) {
    this.store(input);
    const { path, value } = this.unique(input);
    if (path !== 'emails.value' && path !== 'userName')
      fail(ValidationException, `AttributePath ${path} is not a unique attribute of users`);
    const match = [...this.users].find(([, u]) =>
      path === 'userName'
        ? u.userName === value
        : u.emails.some((e) => e.toLowerCase() === value.toLowerCase()),
    );
    if (!match) fail(ResourceNotFoundException, 'USER not found.');
    return { IdentityStoreId: this.identityStoreId, UserId: match[0] };
  }

  opGetGroupId(input: Input) {
    this.store(input);
    const { path, value } = this.unique(input);
    if (path !== 'displayName')
      fail(ValidationException, `AttributePath ${path} is not a unique attribute of groups`);
    const match = [...this.groups].find(([, name]) => name === value);
    if (!match) fail(ResourceNotFoundException, 'GROUP not found.');
    return { IdentityStoreId: this.identityStoreId, GroupId: match[0] };
  }

  // ---------------------------------------------------------------- SSO Admin: reads

  opListInstances(input: Input) {
    const instances = this.enabled
      ? [
          {
            InstanceArn: this.instanceArn,
            IdentityStoreId: this.identityStoreId,
            OwnerAccountId: this.ownerAccountId,
            Status: 'ACTIVE',
          },
        ]
      : [];
    return this.page('ListInstances', instances, input, 'Instances');
  }

  opListPermissionSets(input: Input) {
    this.instance(input);
    return this.page('ListPermissionSets', [...this.sets.keys()], input, 'PermissionSets');
  }

  opDescribePermissionSet(input: Input) {
    const set = this.set(input);
    return {
      PermissionSet: {
        Name: set.name,
        PermissionSetArn: set.arn,
        SessionDuration: set.sessionDuration,
        CreatedDate: set.createdDate,
        ...(set.description ? { Description: set.description } : {}),
      },
    };
  }

  opListManagedPoliciesInPermissionSet(input: Input) {
    const set = this.set(input);
    const policies = [...set.policies].map(([Arn, Name]) => ({ Arn, Name }));
    return this.page('ListManagedPoliciesInPermissionSet', policies, input, 'AttachedManagedPolicies');
  }

  opListPermissionSetsProvisionedToAccount(input: Input) {
    this.instance(input);
    const account = this.account(input);
    const filter = input.ProvisioningStatus as string | undefined;
    const arns = [...this.provisioned]
      .filter(([key]) => key.startsWith(`${account}|`))
      .map(([key, version]) => ({
        arn: key.split('|')[1]!,
        latest: this.sets.get(key.split('|')[1]!)?.version === version,
      }))
      .filter((p) =>
        filter === 'LATEST_PERMISSION_SET_PROVISIONED'
          ? p.latest
          : filter === 'LATEST_PERMISSION_SET_NOT_PROVISIONED'
            ? !p.latest
            : true,
      )
      .map((p) => p.arn);
    return this.page('ListPermissionSetsProvisionedToAccount', arns, input, 'PermissionSets');
  }

  opListAccountAssignments(input: Input) {
    const set = this.set(input);
    const account = this.account(input);
    const items = [...this.assigned]
      .map((k) => k.split('|'))
      .filter(([a, arn]) => a === account && arn === set.arn)
      .map(([AccountId, PermissionSetArn, PrincipalType, PrincipalId]) => ({
        AccountId,
        PermissionSetArn,
        PrincipalType,
        PrincipalId,
      }));
    return this.page('ListAccountAssignments', items, input, 'AccountAssignments');
  }

  // ---------------------------------------------------------------- SSO Admin: changes

  opCreatePermissionSet(input: Input) {
    this.instance(input);
    const name = String(input.Name ?? '');
    if (!/^[\w+=,.@-]{1,32}$/.test(name))
      fail(ValidationException, `Name ${name} does not match [\\w+=,.@-]{1,32}`);
    const duration = String(input.SessionDuration ?? 'PT1H');
    if (!/^PT(\d+H)?(\d+M)?$/.test(duration) || duration === 'PT')
      fail(ValidationException, `SessionDuration ${duration} is not an ISO 8601 duration`);
    if ([...this.sets.values()].some((s) => s.name === name))
      fail(ConflictException, `PermissionSet with name ${name} already exists.`);
    const arn = `arn:aws:sso:::permissionSet/${INSTANCE_ID}/ps-${hex(++this.seq, 16)}`;
    const set: PermissionSet = {
      arn,
      name,
      sessionDuration: duration,
      createdDate: new Date(),
      policies: new Map(),
      version: 1,
      ...(input.Description ? { description: String(input.Description) } : {}),
    };
    this.sets.set(arn, set);
    return {
      PermissionSet: {
        Name: name,
        PermissionSetArn: arn,
        SessionDuration: duration,
        CreatedDate: set.createdDate,
      },
    };
  }

  opAttachManagedPolicyToPermissionSet(input: Input) {
    const set = this.set(input);
    const arn = String(input.ManagedPolicyArn ?? '');
    const m = /^arn:aws[a-z-]*:iam::aws:policy\/(?:.*\/)?([\w+=,.@-]+)$/.exec(arn);
    if (!m) fail(ValidationException, `ManagedPolicyArn ${arn} is not an AWS managed policy`);
    if (set.policies.has(arn)) fail(ConflictException, `Policy ${arn} is already attached to ${set.name}`);
    set.policies.set(arn, m[1]!);
    set.version++;
    return {};
  }

  /** Identity Center updates one permission set per account at a time. */
  private busy(accountId: string): void {
    if ([...this.operations.values()].some((o) => o.status === 'IN_PROGRESS' && o.accountId === accountId))
      fail(
        ConflictException,
        `Another operation is in progress for account ${accountId}; retry after it completes`,
      );
  }

  private start(
    kind: AsyncOperation,
    accountId: string,
    permissionSetArn: string,
    principal?: Operation['principal'],
  ): Operation {
    this.busy(accountId);
    const requestId = `${hex(++this.seq, 8)}-0000-4000-8000-${hex(this.seq, 12)}`;
    const injected = this.failures.get(kind)?.shift();
    const op: Operation = {
      kind,
      requestId,
      accountId,
      permissionSetArn,
      createdDate: new Date(),
      status: 'IN_PROGRESS',
      pollsLeft: this.polls,
      ...(injected === undefined ? {} : { injectedFailure: injected }),
      ...(principal ? { principal } : {}),
    };
    this.operations.set(requestId, op);
    return op;
  }

  /** One status poll: IN_PROGRESS while polls are left, then the outcome, decided then. */
  private poll(input: Input, key: string, kind: AsyncOperation): Operation {
    this.instance(input);
    const op = this.operations.get(String(input[key]));
    if (!op || op.kind !== kind) fail(ResourceNotFoundException, `Request ${String(input[key])} not found`);
    if (op.status === 'IN_PROGRESS') {
      if (op.pollsLeft > 0) op.pollsLeft--;
      else {
        const reason = op.injectedFailure ?? this.complete(op);
        op.status = reason === undefined ? 'SUCCEEDED' : 'FAILED';
        if (reason !== undefined) op.failureReason = reason;
      }
    }
    return op;
  }

  /** Carries out a finished operation (decided at its last poll, from its data alone); answers a failure reason or undefined. */
  private complete(op: Operation): string | undefined {
    const setKey = `${op.accountId}|${op.permissionSetArn}`;
    const set = this.sets.get(op.permissionSetArn);
    switch (op.kind) {
      case 'ProvisionPermissionSet':
        if (set) this.provisioned.set(setKey, set.version);
        return undefined;
      case 'CreateAccountAssignment': {
        const principal = op.principal!;
        const known =
          principal.type === 'USER' ? this.users.has(principal.id) : this.groups.has(principal.id);
        if (!known)
          return `${principal.type} ${principal.id} does not exist in identity store ${this.identityStoreId}`;
        // An assignment provisions its permission set to the account (the API reference's note).
        if (set) this.provisioned.set(setKey, set.version);
        this.assigned.add(`${setKey}|${principal.type}|${principal.id}`);
        return undefined;
      }
      case 'DeleteAccountAssignment':
        this.assigned.delete(`${setKey}|${op.principal!.type}|${op.principal!.id}`);
        return undefined;
    }
  }

  private provisioningStatus(op: Operation) {
    return {
      Status: op.status,
      RequestId: op.requestId,
      AccountId: op.accountId,
      PermissionSetArn: op.permissionSetArn,
      CreatedDate: op.createdDate,
      ...(op.failureReason ? { FailureReason: op.failureReason } : {}),
    };
  }

  private assignmentStatus(op: Operation) {
    return {
      Status: op.status,
      RequestId: op.requestId,
      TargetId: op.accountId,
      TargetType: 'AWS_ACCOUNT',
      PermissionSetArn: op.permissionSetArn,
      PrincipalType: op.principal?.type,
      PrincipalId: op.principal?.id,
      CreatedDate: op.createdDate,
      ...(op.failureReason ? { FailureReason: op.failureReason } : {}),
    };
  }

  opProvisionPermissionSet(input: Input) {
    const set = this.set(input);
    if (input.TargetType !== 'AWS_ACCOUNT')
      fail(ValidationException, 'the fake provisions to one AWS_ACCOUNT at a time');
    const account = this.account(input, 'TargetId');
    const op = this.start('ProvisionPermissionSet', account, set.arn);
    return { PermissionSetProvisioningStatus: this.provisioningStatus(op) };
  }

  opDescribePermissionSetProvisioningStatus(input: Input) {
    const op = this.poll(input, 'ProvisionPermissionSetRequestId', 'ProvisionPermissionSet');
    return { PermissionSetProvisioningStatus: this.provisioningStatus(op) };
  }

  private assignment(input: Input): {
    key: string;
    account: string;
    set: PermissionSet;
    principal: NonNullable<Operation['principal']>;
  } {
    const set = this.set(input);
    if (input.TargetType !== 'AWS_ACCOUNT') fail(ValidationException, 'TargetType must be AWS_ACCOUNT');
    const account = this.account(input, 'TargetId');
    const type = input.PrincipalType;
    if (type !== 'USER' && type !== 'GROUP') fail(ValidationException, 'PrincipalType must be USER or GROUP');
    const id = String(input.PrincipalId ?? '');
    return { key: `${account}|${set.arn}|${type}|${id}`, account, set, principal: { type, id } };
  }

  opCreateAccountAssignment(input: Input) {
    const { account, set, principal } = this.assignment(input);
    const op = this.start('CreateAccountAssignment', account, set.arn, principal);
    return { AccountAssignmentCreationStatus: this.assignmentStatus(op) };
  }

  opDescribeAccountAssignmentCreationStatus(input: Input) {
    const op = this.poll(input, 'AccountAssignmentCreationRequestId', 'CreateAccountAssignment');
    return { AccountAssignmentCreationStatus: this.assignmentStatus(op) };
  }

  opDeleteAccountAssignment(input: Input) {
    const { key, account, set, principal } = this.assignment(input);
    if (!this.assigned.has(key))
      fail(ResourceNotFoundException, `Assignment of ${set.name} to ${principal.id} not found`);
    const op = this.start('DeleteAccountAssignment', account, set.arn, principal);
    return { AccountAssignmentDeletionStatus: this.assignmentStatus(op) };
  }

  opDescribeAccountAssignmentDeletionStatus(input: Input) {
    const op = this.poll(input, 'AccountAssignmentDeletionRequestId', 'DeleteAccountAssignment');
    return { AccountAssignmentDeletionStatus: this.assignmentStatus(op) };
  }
}
