/**
 * IdentityCenterPort over SDK v3 SSO Admin and Identity Store clients (real, mocked or the
 * behavioural fake), both in the Identity Center instance's home region (the organisation's
 * home region): every list follows NextToken to the end; every asynchronous operation
 * (ProvisionPermissionSet, CreateAccountAssignment, DeleteAccountAssignment) is polled with
 * backoff to SUCCEEDED or FAILED, within an overall timeout; FAILED becomes an EstateError that
 * names the account, the permission set, the principal, AWS's FailureReason and the fix.
 *
 * Retries: throttling (ThrottlingException) and 5xx answers are the send layer's (clients come
 * wrapped by `AwsClients`). ConflictException is retried here: the API reference says it
 * "generally occurs when the previous write did not have time to propagate ... A retry (with
 * appropriate backoff logic) is the recommended response", and Identity Center updates one
 * permission set per account at a time, so concurrent operations on one account meet it;
 * the SDK models it as a non-retryable 409. CreatePermissionSet answers ConflictException
 * also when the name is taken ("PermissionSet with name X already exists"): then the existing
 * set is used. GetUserId/GetGroupId answer ResourceNotFoundException when no one matches.
 */
import {
  AttachManagedPolicyToPermissionSetCommand,
  CreateAccountAssignmentCommand,
  CreatePermissionSetCommand,
  DeleteAccountAssignmentCommand,
  DescribeAccountAssignmentCreationStatusCommand,
  DescribeAccountAssignmentDeletionStatusCommand,
  DescribePermissionSetCommand,
  DescribePermissionSetProvisioningStatusCommand,
  paginateListAccountAssignments,
  paginateListInstances,
  paginateListManagedPoliciesInPermissionSet,
  paginateListPermissionSets,
  paginateListPermissionSetsProvisionedToAccount,
  ProvisionPermissionSetCommand,
  SSOAdminClient,
  type AccountAssignmentOperationStatus,
  type InstanceMetadata,
  type PermissionSetProvisioningStatus,
} from '@aws-sdk/client-sso-admin';
import { GetGroupIdCommand, GetUserIdCommand, IdentitystoreClient } from '@aws-sdk/client-identitystore';
import type {
  AccountAssignment,
  IdentityCenterInstance,
  IdentityCenterPort,
  PermissionSetSpec,
  PermissionSetSummary,
  Principal,
} from '../core/onboard/ports.js';
import { EstateError } from '../errors.js';
import type { AwsClients } from './clients.js';
import { mapAwsError, type ErrorContext } from './errors.js';
import { collectPages, errorName, pagesOf } from './paginate.js';
import { sleep as realSleep, type SendLike } from './send.js';

export interface IdentityCenterOptions {
  /** Waits between polls and between ConflictException retries. @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  /** First wait before polling an operation's status; grows ×1.5 per poll. @default 1000 */
  readonly pollMs?: number;
  /** The longest wait between two polls. @default 15 s */
  readonly maxPollIntervalMs?: number;
  /** An operation still IN_PROGRESS after this long fails (it goes on in AWS). @default 10 minutes */
  readonly timeoutMs?: number;
  /** Attempts of a call that meets ConflictException, the first included. @default 8 */
  readonly conflictAttempts?: number;
  /** First wait after a ConflictException; doubles up to 20 s. @default 1000 */
  readonly conflictDelayMs?: number;
  /** DescribePermissionSet calls in flight while listing permission sets. @default 5 */
  readonly concurrency?: number;
}

export const IDENTITY_CENTER_ERRORS = {
  /** An asynchronous operation ended FAILED; details.failureReason has AWS's reason. */
  failed: 'IdentityCenterOperationFailed',
  /** An asynchronous operation was still IN_PROGRESS at the timeout. */
  timeout: 'IdentityCenterWaitTimeout',
} as const;

const ADMIN_FIX =
  'Identity Center administration runs from the management account or the Identity Center delegated administrator account';
const RERUN = 'run the command again: estate checks what is already done before it asks again';

type OperationKind = 'provision' | 'create' | 'delete';

const VERB: Record<OperationKind, string> = {
  provision: 'provisioning permission set',
  create: 'assigning permission set',
  delete: 'removing the assignment of permission set',
};

/** What an operation is about, for messages. */
interface Subject {
  readonly accountId: string;
  readonly permissionSetArn: string;
  readonly principal?: Principal;
}

function describeSubject(kind: OperationKind, s: Subject): string {
  const who = s.principal
    ? ` ${kind === 'delete' ? 'from' : 'to'} ${s.principal.type} ${s.principal.id}`
    : '';
  const where = kind === 'provision' ? ` to account ${s.accountId}` : ` in account ${s.accountId}`;
  return `${VERB[kind]} ${s.permissionSetArn}${who}${where}`;
}

/** What to do about a FailureReason, as far as its words tell. */
function fixFor(kind: OperationKind, reason: string): string {
  if (/polic/i.test(reason))
    return 'check the permission set\'s managed policies: each must exist in the account\'s partition (AWS managed: arn:aws:iam::aws:policy/<name>), at most 10 per role unless the IAM quota "Managed policies per role" was raised in the account';
  if (/quota|limit|exceed/i.test(reason))
    return 'the account reached an Identity Center or IAM quota (250 provisioned permission sets per account by default): remove unused permission sets from it or ask for more in Service Quotas';
  if (/principal|user|group/i.test(reason))
    return 'check that the user or group still exists in the identity store (a directory sync may have removed it)';
  if (kind === 'delete') return `check the assignment in the IAM Identity Center console, then ${RERUN}`;
  return `check the account is ACTIVE in the organisation and the permission set is valid, then ${RERUN}`;
}

function portalUrlOf(identityStoreId: string, region: string): string {
  return `https://${identityStoreId}.awsapps.${region.startsWith('cn-') ? 'cn' : 'com'}/start`;
}

interface OperationStatus {
  readonly status: string;
  readonly requestId?: string;
  readonly failureReason?: string;
}

const fromAssignmentStatus = (s: AccountAssignmentOperationStatus | undefined): OperationStatus => ({
  status: s?.Status ?? 'IN_PROGRESS',
  ...(s?.RequestId ? { requestId: s.RequestId } : {}),
  ...(s?.FailureReason ? { failureReason: s.FailureReason } : {}),
});

const fromProvisioningStatus = (s: PermissionSetProvisioningStatus | undefined): OperationStatus => ({
  status: s?.Status ?? 'IN_PROGRESS',
  ...(s?.RequestId ? { requestId: s.RequestId } : {}),
  ...(s?.FailureReason ? { failureReason: s.FailureReason } : {}),
});

export class IdentityCenterAdapter implements IdentityCenterPort {
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly admin: SendLike,
    private readonly store: SendLike,
    /** The region both clients are in (the access portal's domain depends on its partition). */
    private readonly region: string,
    private readonly options: IdentityCenterOptions = {},
  ) {
    this.sleep = options.sleep ?? realSleep;
  }

  // ---------------------------------------------------------------- helpers

  private async call<T>(context: ErrorContext, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw mapAwsError(error, { service: 'sso', ...context });
    }
  }

  private list<P, T>(
    context: ErrorContext,
    pages: (config: ReturnType<typeof pagesOf<SSOAdminClient>>) => AsyncIterable<P>,
    items: (page: P) => readonly T[] | undefined,
  ): Promise<T[]> {
    return this.call(context, () =>
      collectPages(
        `IAM Identity Center ${context.action}`,
        pages(pagesOf(SSOAdminClient, this.admin)),
        items,
      ),
    );
  }

  /**
   * Sends again after ConflictException, with backoff; `settled` may find that the conflicting
   * write was this very change (then the call counts as done).
   */
  private async retryConflicts<T>(
    context: ErrorContext,
    run: () => Promise<T>,
    settled?: () => Promise<T | undefined>,
  ): Promise<T> {
    const attempts = this.options.conflictAttempts ?? 8;
    let delay = this.options.conflictDelayMs ?? 1000;
    for (let attempt = 1; ; attempt++) {
      try {
        return await run();
      } catch (error) {
        if (errorName(error) !== 'ConflictException')
          throw mapAwsError(error, { service: 'sso', ...context });
        const done = settled ? await settled() : undefined;
        if (done !== undefined) return done;
        if (attempt >= attempts)
          throw mapAwsError(error, {
            service: 'sso',
            ...context,
            fix: `another Identity Center operation on the same account or permission set was still in progress after ${attempts} attempts (Identity Center updates one permission set per account at a time): ${RERUN}`,
          });
        await this.sleep(delay);
        delay = Math.min(20_000, delay * 2);
      }
    }
  }

  /** Polls `describe` until the operation leaves IN_PROGRESS; FAILED and the timeout throw. */
  private async waitFor(
    kind: OperationKind,
    subject: Subject,
    first: OperationStatus,
    describe: (requestId: string) => Promise<OperationStatus>,
  ): Promise<void> {
    const timeoutMs = this.options.timeoutMs ?? 10 * 60_000;
    const maxInterval = this.options.maxPollIntervalMs ?? 15_000;
    let interval = this.options.pollMs ?? 1000;
    let status = first;
    const requestId = first.requestId;
    for (let waited = 0; ;) {
      if (status.status === 'SUCCEEDED') return;
      if (status.status === 'FAILED') {
        const reason = status.failureReason ?? 'AWS gave no reason';
        throw new EstateError(`${describeSubject(kind, subject)} failed: ${reason}`, {
          code: IDENTITY_CENTER_ERRORS.failed,
          source: 'aws',
          details: {
            accountId: subject.accountId,
            permissionSetArn: subject.permissionSetArn,
            ...(subject.principal ? { principal: subject.principal } : {}),
            failureReason: reason,
            ...(requestId ? { requestId } : {}),
          },
          suggestions: [fixFor(kind, reason)],
        });
      }
      if (!requestId)
        throw new EstateError(`${describeSubject(kind, subject)}: AWS returned no request id to follow`, {
          code: IDENTITY_CENTER_ERRORS.failed,
          source: 'aws',
          suggestions: [RERUN],
        });
      if (waited >= timeoutMs)
        throw new EstateError(
          `${describeSubject(kind, subject)} was still ${status.status} after ${Math.round(timeoutMs / 1000)} s (request ${requestId})`,
          {
            code: IDENTITY_CENTER_ERRORS.timeout,
            source: 'aws',
            details: { accountId: subject.accountId, permissionSetArn: subject.permissionSetArn, requestId },
            suggestions: [`Identity Center goes on with it: ${RERUN}`],
          },
        );
      const pause = Math.min(interval, timeoutMs - waited);
      await this.sleep(pause);
      waited += pause;
      interval = Math.min(maxInterval, Math.ceil(interval * 1.5));
      status = await describe(requestId);
    }
  }

  // ---------------------------------------------------------------- reads

  async instance(): Promise<IdentityCenterInstance | undefined> {
    const instances = await this.list(
      { action: 'ListInstances', fix: ADMIN_FIX },
      (pages) => paginateListInstances(pages, {}),
      (page) => page.Instances,
    );
    // The organisation instance is ACTIVE; one being created or deleted is a last resort.
    const chosen: InstanceMetadata | undefined =
      instances.find((i) => i.Status === undefined || i.Status === 'ACTIVE') ?? instances[0];
    if (!chosen?.InstanceArn || !chosen.IdentityStoreId) return undefined;
    return {
      instanceArn: chosen.InstanceArn,
      identityStoreId: chosen.IdentityStoreId,
      ...(chosen.Status ? { status: chosen.Status } : {}),
      portalUrl: portalUrlOf(chosen.IdentityStoreId, this.region),
    };
  }

  userByEmail(identityStoreId: string, email: string): Promise<string | undefined> {
    return this.principalId('GetUserId', identityStoreId, 'emails.value', email, `user ${email}`);
  }

  groupByName(identityStoreId: string, displayName: string): Promise<string | undefined> {
    return this.principalId(
      'GetGroupId',
      identityStoreId,
      'displayName',
      displayName,
      `group ${displayName}`,
    );
  }

  private async principalId(
    action: 'GetUserId' | 'GetGroupId',
    identityStoreId: string,
    attributePath: string,
    value: string,
    target: string,
  ): Promise<string | undefined> {
    const input = {
      IdentityStoreId: identityStoreId,
      AlternateIdentifier: { UniqueAttribute: { AttributePath: attributePath, AttributeValue: value } },
    };
    try {
      if (action === 'GetUserId') {
        const out = (await this.store.send(new GetUserIdCommand(input))) as { UserId?: string };
        return out.UserId || undefined;
      }
      const out = (await this.store.send(new GetGroupIdCommand(input))) as { GroupId?: string };
      return out.GroupId || undefined;
    } catch (error) {
      if (errorName(error) === 'ResourceNotFoundException') return undefined;
      throw mapAwsError(error, {
        action,
        service: 'identitystore',
        target: `${target} in identity store ${identityStoreId}`,
        fix: ADMIN_FIX,
      });
    }
  }

  async permissionSets(instanceArn: string): Promise<readonly PermissionSetSummary[]> {
    const arns = await this.list(
      { action: 'ListPermissionSets', target: `of ${instanceArn}`, fix: ADMIN_FIX },
      (pages) => paginateListPermissionSets(pages, { InstanceArn: instanceArn }),
      (page) => page.PermissionSets,
    );
    const out: PermissionSetSummary[] = new Array(arns.length);
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < arns.length; i = next++)
        out[i] = await this.describePermissionSet(instanceArn, arns[i]!);
    };
    await Promise.all(Array.from({ length: Math.min(this.options.concurrency ?? 5, arns.length) }, worker));
    return out;
  }

  private describePermissionSet(instanceArn: string, arn: string): Promise<PermissionSetSummary> {
    return this.call({ action: 'DescribePermissionSet', target: arn }, async () => {
      const out = await this.admin.send(
        new DescribePermissionSetCommand({ InstanceArn: instanceArn, PermissionSetArn: arn }),
      );
      return { arn, name: (out as { PermissionSet?: { Name?: string } }).PermissionSet?.Name ?? '' };
    });
  }

  async isProvisioned(instanceArn: string, permissionSetArn: string, accountId: string): Promise<boolean> {
    // LATEST_PERMISSION_SET_PROVISIONED: a set changed since it was provisioned is not, so
    // onboarding provisions it again and the account's role carries the current policies.
    const provisioned = await this.provisionedTo(instanceArn, accountId, 'LATEST_PERMISSION_SET_PROVISIONED');
    return provisioned.includes(permissionSetArn);
  }

  private provisionedTo(
    instanceArn: string,
    accountId: string,
    status?: 'LATEST_PERMISSION_SET_PROVISIONED',
  ): Promise<string[]> {
    return this.list(
      { action: 'ListPermissionSetsProvisionedToAccount', account: accountId, fix: ADMIN_FIX },
      (pages) =>
        paginateListPermissionSetsProvisionedToAccount(pages, {
          InstanceArn: instanceArn,
          AccountId: accountId,
          ...(status ? { ProvisioningStatus: status } : {}),
        }),
      (page) => page.PermissionSets,
    );
  }

  assignments(
    instanceArn: string,
    accountId: string,
    permissionSetArn: string,
  ): Promise<readonly AccountAssignment[]> {
    return this.list(
      {
        action: 'ListAccountAssignments',
        account: accountId,
        target: `of permission set ${permissionSetArn}`,
        fix: ADMIN_FIX,
      },
      (pages) =>
        paginateListAccountAssignments(pages, {
          InstanceArn: instanceArn,
          AccountId: accountId,
          PermissionSetArn: permissionSetArn,
        }),
      (page) =>
        (page.AccountAssignments ?? [])
          .filter((a) => a.PrincipalId && (a.PrincipalType === 'USER' || a.PrincipalType === 'GROUP'))
          .map((a) => ({
            accountId: a.AccountId ?? accountId,
            permissionSetArn: a.PermissionSetArn ?? permissionSetArn,
            principal: { type: a.PrincipalType as Principal['type'], id: a.PrincipalId! },
          })),
    );
  }

  async accountAssignments(instanceArn: string, accountId: string): Promise<readonly AccountAssignment[]> {
    const sets = await this.provisionedTo(instanceArn, accountId);
    const out: AccountAssignment[] = [];
    for (const arn of sets) out.push(...(await this.assignments(instanceArn, accountId, arn)));
    return out;
  }

  // ---------------------------------------------------------------- changes

  async createPermissionSet(instanceArn: string, spec: PermissionSetSpec): Promise<string> {
    const context: ErrorContext = {
      action: 'CreatePermissionSet',
      target: spec.name,
      fix: ADMIN_FIX,
    };
    const existing = async () =>
      (await this.permissionSets(instanceArn)).find((p) => p.name === spec.name)?.arn;
    const arn = await this.retryConflicts(
      context,
      async () => {
        const out = (await this.admin.send(
          new CreatePermissionSetCommand({
            InstanceArn: instanceArn,
            Name: spec.name,
            SessionDuration: spec.sessionDuration,
            ...(spec.description ? { Description: spec.description } : {}),
          }),
        )) as { PermissionSet?: { PermissionSetArn?: string } };
        const created = out.PermissionSet?.PermissionSetArn;
        if (!created)
          throw new EstateError(`CreatePermissionSet ${spec.name} returned no permission set ARN`, {
            code: 'IdentityCenterEmptyAnswer',
            source: 'aws',
            suggestions: [RERUN],
          });
        return created;
      },
      // "PermissionSet with name X already exists": a retried create, or one made meanwhile.
      existing,
    );
    await this.attachManagedPolicies(instanceArn, arn, spec);
    return arn;
  }

  /** Attaches the spec's managed policies the permission set lacks (a re-run attaches only those). */
  private async attachManagedPolicies(
    instanceArn: string,
    arn: string,
    spec: PermissionSetSpec,
  ): Promise<void> {
    const attached = async () =>
      new Set(
        await this.list(
          { action: 'ListManagedPoliciesInPermissionSet', target: spec.name },
          (pages) =>
            paginateListManagedPoliciesInPermissionSet(pages, {
              InstanceArn: instanceArn,
              PermissionSetArn: arn,
            }),
          (page) => (page.AttachedManagedPolicies ?? []).map((p) => p.Arn ?? ''),
        ),
      );
    const present = await attached();
    for (const policy of spec.managedPolicyArns) {
      if (present.has(policy)) continue;
      await this.retryConflicts(
        {
          action: 'AttachManagedPolicyToPermissionSet',
          target: `${policy} to ${spec.name}`,
          fix: 'the policy must be an AWS managed policy of this partition (arn:aws:iam::aws:policy/<name>)',
        },
        async () => {
          await this.admin.send(
            new AttachManagedPolicyToPermissionSetCommand({
              InstanceArn: instanceArn,
              PermissionSetArn: arn,
              ManagedPolicyArn: policy,
            }),
          );
          return true;
        },
        async () => ((await attached()).has(policy) ? true : undefined),
      );
    }
  }

  async provisionPermissionSet(
    instanceArn: string,
    permissionSetArn: string,
    accountId: string,
  ): Promise<void> {
    const subject: Subject = { accountId, permissionSetArn };
    const context: ErrorContext = {
      action: 'ProvisionPermissionSet',
      account: accountId,
      target: permissionSetArn,
      fix: ADMIN_FIX,
    };
    const first = await this.retryConflicts(context, async () => {
      const out = (await this.admin.send(
        new ProvisionPermissionSetCommand({
          InstanceArn: instanceArn,
          PermissionSetArn: permissionSetArn,
          TargetType: 'AWS_ACCOUNT',
          TargetId: accountId,
        }),
      )) as { PermissionSetProvisioningStatus?: PermissionSetProvisioningStatus };
      return fromProvisioningStatus(out.PermissionSetProvisioningStatus);
    });
    await this.waitFor('provision', subject, first, (requestId) =>
      this.call(
        { action: 'DescribePermissionSetProvisioningStatus', account: accountId, target: requestId },
        async () => {
          const out = (await this.admin.send(
            new DescribePermissionSetProvisioningStatusCommand({
              InstanceArn: instanceArn,
              ProvisionPermissionSetRequestId: requestId,
            }),
          )) as { PermissionSetProvisioningStatus?: PermissionSetProvisioningStatus };
          return fromProvisioningStatus(out.PermissionSetProvisioningStatus);
        },
      ),
    );
  }

  createAssignment(instanceArn: string, assignment: AccountAssignment): Promise<void> {
    return this.assignmentOperation(instanceArn, assignment, ASSIGNMENT_OPERATIONS.create);
  }

  async deleteAssignment(instanceArn: string, assignment: AccountAssignment): Promise<void> {
    try {
      await this.assignmentOperation(instanceArn, assignment, ASSIGNMENT_OPERATIONS.delete);
    } catch (error) {
      // Nothing to delete: the assignment (or its permission set) is gone already.
      if (errorName((error as { cause?: unknown }).cause) === 'ResourceNotFoundException') return;
      throw error;
    }
  }

  /** CreateAccountAssignment or DeleteAccountAssignment, then its status polled to the end. */
  private async assignmentOperation(
    instanceArn: string,
    assignment: AccountAssignment,
    op: AssignmentOperation,
  ): Promise<void> {
    const { accountId, permissionSetArn, principal } = assignment;
    const first = await this.retryConflicts(
      {
        action: op.action,
        account: accountId,
        target: `of ${permissionSetArn} ${op.kind === 'delete' ? 'from' : 'to'} ${principal.type} ${principal.id}`,
        fix: ADMIN_FIX,
      },
      async () => {
        const out = (await this.admin.send(
          op.start({
            InstanceArn: instanceArn,
            TargetId: accountId,
            TargetType: 'AWS_ACCOUNT',
            PermissionSetArn: permissionSetArn,
            PrincipalType: principal.type,
            PrincipalId: principal.id,
          }),
        )) as Record<string, AccountAssignmentOperationStatus | undefined>;
        return fromAssignmentStatus(out[op.statusKey]);
      },
    );
    await this.waitFor(op.kind, assignment, first, (requestId) =>
      this.call({ action: op.describeAction, account: accountId, target: requestId }, async () => {
        const out = (await this.admin.send(op.describe(instanceArn, requestId))) as Record<
          string,
          AccountAssignmentOperationStatus | undefined
        >;
        return fromAssignmentStatus(out[op.statusKey]);
      }),
    );
  }
}

interface AssignmentInput {
  InstanceArn: string;
  TargetId: string;
  TargetType: 'AWS_ACCOUNT';
  PermissionSetArn: string;
  PrincipalType: Principal['type'];
  PrincipalId: string;
}

/** The two assignment operations: the call that starts one, its status call, the answer's key. */
interface AssignmentOperation {
  readonly kind: 'create' | 'delete';
  readonly action: string;
  readonly describeAction: string;
  readonly statusKey: string;
  readonly start: (input: AssignmentInput) => object;
  readonly describe: (instanceArn: string, requestId: string) => object;
}

const ASSIGNMENT_OPERATIONS: Record<'create' | 'delete', AssignmentOperation> = {
  create: {
    kind: 'create',
    action: 'CreateAccountAssignment',
    describeAction: 'DescribeAccountAssignmentCreationStatus',
    statusKey: 'AccountAssignmentCreationStatus',
    start: (input) => new CreateAccountAssignmentCommand(input),
    describe: (InstanceArn, AccountAssignmentCreationRequestId) =>
      new DescribeAccountAssignmentCreationStatusCommand({ InstanceArn, AccountAssignmentCreationRequestId }),
  },
  delete: {
    kind: 'delete',
    action: 'DeleteAccountAssignment',
    describeAction: 'DescribeAccountAssignmentDeletionStatus',
    statusKey: 'AccountAssignmentDeletionStatus',
    start: (input) => new DeleteAccountAssignmentCommand(input),
    describe: (InstanceArn, AccountAssignmentDeletionRequestId) =>
      new DescribeAccountAssignmentDeletionStatusCommand({ InstanceArn, AccountAssignmentDeletionRequestId }),
  },
};

/**
 * The port over real clients, in the Identity Center home region (the organisation's home
 * region), as the caller (the management account or the delegated administrator).
 */
export function identityCenterFor(
  clients: AwsClients,
  homeRegion: string,
  options?: IdentityCenterOptions,
): IdentityCenterPort {
  return new IdentityCenterAdapter(
    clients.client(SSOAdminClient, 'SSO_ADMIN', { region: homeRegion }),
    clients.client(IdentitystoreClient, 'IDENTITYSTORE', { region: homeRegion }),
    homeRegion,
    options,
  );
}
