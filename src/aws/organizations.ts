/**
 * OrganizationsPort over an SDK v3 client (real, mocked or the in-memory fake): every list
 * call follows NextToken to the end, errors become EstateErrors naming the action, the
 * target and the fix, and the answers AWS gives to a repeated call (Duplicate*,
 * PolicyTypeAlreadyEnabled, PolicyNotAttached, ...) count as "already there".
 *
 * Retries and rate limits are not here: pass a client wrapped by `AwsClients.wrap` (or
 * `withRetries`), so an error reaching this file has already been retried.
 */
import {
  OrganizationsClient,
  AttachPolicyCommand,
  CloseAccountCommand,
  CreateAccountCommand,
  CreateOrganizationalUnitCommand,
  CreateOrganizationCommand,
  CreatePolicyCommand,
  DeleteOrganizationalUnitCommand,
  DeletePolicyCommand,
  DescribeAccountCommand,
  DescribeCreateAccountStatusCommand,
  DescribeOrganizationCommand,
  DescribePolicyCommand,
  DetachPolicyCommand,
  EnableAWSServiceAccessCommand,
  EnablePolicyTypeCommand,
  paginateListAccounts,
  paginateListAccountsForParent,
  paginateListAWSServiceAccessForOrganization,
  paginateListCreateAccountStatus,
  paginateListOrganizationalUnitsForParent,
  paginateListPolicies,
  paginateListRoots,
  paginateListTagsForResource,
  paginateListTargetsForPolicy,
  MoveAccountCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdatePolicyCommand,
  type Account,
  type CreateAccountStatus,
  type Organization,
  type PolicySummary,
} from '@aws-sdk/client-organizations';
import type {
  AccountInfo,
  CreateAccountRequestInfo,
  CreateAccountState,
  NewAccount,
  NewPolicy,
  OrganizationInfo,
  OrganizationsPort,
  OuInfo,
  PolicyInfo,
  PolicyTargetInfo,
  PolicyType,
  RootInfo,
  Tags,
} from '../core/org/ports.js';
import { CREATE_ACCOUNT_ERRORS, POLICY_TYPE_NOT_ENABLED } from '../core/org/ports.js';
import type { AccountClosurePort } from '../core/onboard/ports.js';
import { EstateError, isEstateError } from '../errors.js';
import { collectPages, pagesOf } from './paginate.js';
import { type ErrorContext, mapAwsError } from './errors.js';
import type { AwsClients } from './clients.js';
import { isThrottle, type SendLike } from './send.js';

const nameOf = (error: unknown): string => (error as { name?: string } | undefined)?.name ?? '';

function toTagList(tags: Tags): { Key: string; Value: string }[] {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

function toAccount(a: Account): AccountInfo {
  return {
    id: a.Id ?? '',
    arn: a.Arn ?? '',
    name: a.Name ?? '',
    email: a.Email ?? '',
    status: (a.State as string | undefined) ?? (a.Status as string | undefined) ?? 'ACTIVE',
    ...(a.JoinedTimestamp ? { joinedAt: new Date(a.JoinedTimestamp).toISOString() } : {}),
  };
}

/**
 * CreateAccount answers that AWS documents as refusals: the request was not accepted, so it
 * created nothing. Anything else (a timeout, a reset connection, a 5xx, the send layer's
 * "lost answer" EstateError, Timeout or NetworkError) may have created a request.
 */
const CREATE_ACCOUNT_REFUSALS = new Set([
  'AccessDeniedException',
  'AWSOrganizationsNotInUseException',
  'ConcurrentModificationException',
  'ConstraintViolationException',
  'FinalizingOrganizationException',
  'InvalidInputException',
  'UnsupportedAPIEndpointException',
  'ValidationException',
]);
const REFUSED_ESTATE_CODES = new Set(['NoCredentials', 'ExpiredCredentials', 'AccessDenied', 'Throttled']);

function isRefusal(error: unknown): boolean {
  if (isEstateError(error)) return REFUSED_ESTATE_CODES.has(error.code);
  const name = nameOf(error);
  if (CREATE_ACCOUNT_REFUSALS.has(name) || isThrottle(error)) return true;
  if (/Credential|ExpiredToken|InvalidClientTokenId|UnrecognizedClient/.test(name)) return true;
  const status = (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
  return status !== undefined && status >= 400 && status < 500;
}

function toPolicy(p: PolicySummary): PolicyInfo {
  return {
    id: p.Id ?? '',
    arn: p.Arn ?? '',
    name: p.Name ?? '',
    description: p.Description ?? '',
    type: p.Type as PolicyType,
    awsManaged: p.AwsManaged ?? false,
  };
}

function toOrganization(o: Organization | undefined): OrganizationInfo {
  return {
    id: o?.Id ?? '',
    arn: o?.Arn ?? '',
    managementAccountId: o?.MasterAccountId ?? '',
    featureSet: o?.FeatureSet ?? 'ALL',
  };
}

function toRequest(s: CreateAccountStatus | undefined): CreateAccountRequestInfo {
  return {
    id: s?.Id ?? '',
    accountName: s?.AccountName ?? '',
    state: (s?.State ?? 'IN_PROGRESS') as CreateAccountState,
    ...(s?.AccountId ? { accountId: s.AccountId } : {}),
    ...(s?.FailureReason ? { failureReason: s.FailureReason } : {}),
    ...(s?.RequestedTimestamp ? { requestedAt: new Date(s.RequestedTimestamp).toISOString() } : {}),
  };
}

const POLICY_FILTER: Record<PolicyType, 'SERVICE_CONTROL_POLICY' | 'TAG_POLICY'> = {
  SERVICE_CONTROL_POLICY: 'SERVICE_CONTROL_POLICY',
  TAG_POLICY: 'TAG_POLICY',
};

const RERUN = 'run `estate plan` again: the organisation changed since the plan was made';

export class OrganizationsAdapter implements OrganizationsPort, AccountClosurePort {
  constructor(private readonly client: SendLike) {}

  private async call<T>(context: ErrorContext, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw mapAwsError(error, context);
    }
  }

  /** Every page of a list call, through the SDK's paginator over this client. */
  private list<P, T>(
    context: ErrorContext,
    pages: (config: ReturnType<typeof pagesOf<OrganizationsClient>>) => AsyncIterable<P>,
    items: (page: P) => readonly T[] | undefined,
  ): Promise<T[]> {
    return this.call(context, () =>
      collectPages(
        `AWS Organizations ${context.action}`,
        pages(pagesOf(OrganizationsClient, this.client)),
        items,
      ),
    );
  }

  // ---------------------------------------------------------------- reads

  async describeOrganization(): Promise<OrganizationInfo | undefined> {
    try {
      const out = await this.client.send(new DescribeOrganizationCommand({}));
      return toOrganization(out.Organization);
    } catch (error) {
      if (nameOf(error) === 'AWSOrganizationsNotInUseException') return undefined;
      throw mapAwsError(error, { action: 'DescribeOrganization' });
    }
  }

  listRoots(): Promise<RootInfo[]> {
    return this.list(
      { action: 'ListRoots' },
      (pages) => paginateListRoots(pages, {}),
      (page) =>
        (page.Roots ?? []).map((r) => ({
          id: r.Id ?? '',
          arn: r.Arn ?? '',
          name: r.Name ?? 'Root',
          policyTypes: (r.PolicyTypes ?? []).map((t) => ({ type: t.Type ?? '', status: t.Status ?? '' })),
        })),
    );
  }

  listOrganizationalUnits(parentId: string): Promise<OuInfo[]> {
    return this.list(
      { action: 'ListOrganizationalUnitsForParent', target: `under ${parentId}` },
      (pages) => paginateListOrganizationalUnitsForParent(pages, { ParentId: parentId }),
      (page) =>
        (page.OrganizationalUnits ?? []).map((o) => ({
          id: o.Id ?? '',
          arn: o.Arn ?? '',
          name: o.Name ?? '',
        })),
    );
  }

  listAccountsForParent(parentId: string): Promise<AccountInfo[]> {
    return this.list(
      { action: 'ListAccountsForParent', target: `under ${parentId}` },
      (pages) => paginateListAccountsForParent(pages, { ParentId: parentId }),
      (page) => (page.Accounts ?? []).map(toAccount),
    );
  }

  listAccounts(): Promise<AccountInfo[]> {
    return this.list(
      { action: 'ListAccounts' },
      (pages) => paginateListAccounts(pages, {}),
      (page) => (page.Accounts ?? []).map(toAccount),
    );
  }

  describeAccount(accountId: string): Promise<AccountInfo> {
    return this.call({ action: 'DescribeAccount', target: accountId }, async () => {
      const out = await this.client.send(new DescribeAccountCommand({ AccountId: accountId }));
      return toAccount(out.Account ?? {});
    });
  }

  async listTags(resourceId: string): Promise<Record<string, string>> {
    const tags = await this.list(
      { action: 'ListTagsForResource', target: resourceId },
      (pages) => paginateListTagsForResource(pages, { ResourceId: resourceId }),
      (page) => page.Tags,
    );
    return Object.fromEntries(tags.filter((t) => t.Key !== undefined).map((t) => [t.Key!, t.Value ?? '']));
  }

  listServiceAccess(): Promise<string[]> {
    return this.list(
      { action: 'ListAWSServiceAccessForOrganization' },
      (pages) => paginateListAWSServiceAccessForOrganization(pages, {}),
      (page) => (page.EnabledServicePrincipals ?? []).map((s) => s.ServicePrincipal ?? '').filter(Boolean),
    );
  }

  listPolicies(type: PolicyType): Promise<PolicyInfo[]> {
    return this.list(
      { action: 'ListPolicies', target: `of type ${type}` },
      (pages) => paginateListPolicies(pages, { Filter: POLICY_FILTER[type] }),
      (page) => (page.Policies ?? []).map(toPolicy),
    );
  }

  describePolicy(policyId: string): Promise<{ policy: PolicyInfo; content: string }> {
    return this.call({ action: 'DescribePolicy', target: policyId }, async () => {
      const out = await this.client.send(new DescribePolicyCommand({ PolicyId: policyId }));
      return { policy: toPolicy(out.Policy?.PolicySummary ?? {}), content: out.Policy?.Content ?? '' };
    });
  }

  listPolicyTargets(policyId: string): Promise<PolicyTargetInfo[]> {
    return this.list(
      { action: 'ListTargetsForPolicy', target: policyId },
      (pages) => paginateListTargetsForPolicy(pages, { PolicyId: policyId }),
      (page) =>
        (page.Targets ?? []).map((t) => ({
          targetId: t.TargetId ?? '',
          type: t.Type ?? '',
          name: t.Name ?? '',
        })),
    );
  }

  listCreateAccountRequests(states: readonly CreateAccountState[]): Promise<CreateAccountRequestInfo[]> {
    return this.list(
      { action: 'ListCreateAccountStatus' },
      (pages) => paginateListCreateAccountStatus(pages, { States: [...states] }),
      (page) => (page.CreateAccountStatuses ?? []).map(toRequest),
    );
  }

  describeCreateAccountRequest(requestId: string): Promise<CreateAccountRequestInfo> {
    return this.call({ action: 'DescribeCreateAccountStatus', target: `request ${requestId}` }, async () => {
      const out = await this.client.send(
        new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: requestId }),
      );
      return toRequest(out.CreateAccountStatus);
    });
  }

  // ---------------------------------------------------------------- changes

  async createOrganization(): Promise<OrganizationInfo> {
    try {
      const out = await this.client.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
      return toOrganization(out.Organization);
    } catch (error) {
      if (nameOf(error) === 'AlreadyInOrganizationException') {
        const existing = await this.describeOrganization();
        if (existing) return existing;
      }
      throw mapAwsError(error, {
        action: 'CreateOrganization',
        fix: 'run from the account that should become the management account, with organizations:CreateOrganization',
      });
    }
  }

  async enableServiceAccess(principal: string): Promise<void> {
    await this.call(
      {
        action: 'EnableAWSServiceAccess',
        target: `for ${principal}`,
        permission: 'organizations:EnableAWSServiceAccess',
      },
      () => this.client.send(new EnableAWSServiceAccessCommand({ ServicePrincipal: principal })),
    );
  }

  async enablePolicyType(rootId: string, type: PolicyType): Promise<void> {
    try {
      await this.client.send(new EnablePolicyTypeCommand({ RootId: rootId, PolicyType: type }));
    } catch (error) {
      if (nameOf(error) === 'PolicyTypeAlreadyEnabledException') return;
      throw mapAwsError(error, {
        action: 'EnablePolicyType',
        target: `${type} on root ${rootId}`,
        ...(nameOf(error) === 'PolicyTypeNotAvailableForOrganizationException'
          ? { fix: 'enable all features in the organisation first (Organizations console → Settings)' }
          : {}),
      });
    }
  }

  async createOrganizationalUnit(input: {
    parentId: string;
    name: string;
    tags: Tags;
    label?: string;
  }): Promise<OuInfo & { existed: boolean }> {
    const tags = toTagList(input.tags);
    try {
      const out = await this.client.send(
        new CreateOrganizationalUnitCommand({
          ParentId: input.parentId,
          Name: input.name,
          ...(tags.length ? { Tags: tags } : {}),
        }),
      );
      const ou = out.OrganizationalUnit ?? {};
      return { id: ou.Id ?? '', arn: ou.Arn ?? '', name: ou.Name ?? input.name, existed: false };
    } catch (error) {
      const context: ErrorContext = {
        action: 'CreateOrganizationalUnit',
        target: input.label ?? `${input.name} under ${input.parentId}`,
        ...(nameOf(error) === 'ConstraintViolationException'
          ? { fix: 'AWS allows 2,000 OUs per organisation nested at most 5 levels deep' }
          : {}),
      };
      if (nameOf(error) !== 'DuplicateOrganizationalUnitException') throw mapAwsError(error, context);
      const siblings = await this.listOrganizationalUnits(input.parentId);
      const existing = siblings.find((o) => o.name === input.name);
      if (!existing) throw mapAwsError(error, context);
      return { ...existing, existed: true };
    }
  }

  async deleteOrganizationalUnit(input: { ouId: string; label?: string }): Promise<void> {
    try {
      await this.client.send(new DeleteOrganizationalUnitCommand({ OrganizationalUnitId: input.ouId }));
    } catch (error) {
      if (nameOf(error) === 'OrganizationalUnitNotFoundException') return;
      throw mapAwsError(error, {
        action: 'DeleteOrganizationalUnit',
        target: input.label ?? input.ouId,
        ...(nameOf(error) === 'OrganizationalUnitNotEmptyException'
          ? { fix: 'the OU is no longer empty: move its accounts and child OUs out, or keep it' }
          : {}),
      });
    }
  }

  async createAccount(input: NewAccount): Promise<CreateAccountRequestInfo> {
    const tags = toTagList(input.tags);
    try {
      const out = await this.client.send(
        new CreateAccountCommand({
          AccountName: input.name,
          Email: input.email,
          RoleName: input.roleName,
          IamUserAccessToBilling: input.iamUserAccessToBilling ? 'ALLOW' : 'DENY',
          ...(tags.length ? { Tags: tags } : {}),
        }),
      );
      return toRequest(out.CreateAccountStatus);
    } catch (error) {
      throw createAccountError(error, input);
    }
  }

  async moveAccount(input: {
    accountId: string;
    fromParentId: string;
    toParentId: string;
    label?: string;
  }): Promise<void> {
    try {
      await this.client.send(
        new MoveAccountCommand({
          AccountId: input.accountId,
          SourceParentId: input.fromParentId,
          DestinationParentId: input.toParentId,
        }),
      );
    } catch (error) {
      if (nameOf(error) === 'DuplicateAccountException') return;
      throw mapAwsError(error, {
        action: 'MoveAccount',
        target: input.label ?? `account ${input.accountId} to ${input.toParentId}`,
        ...(/SourceParentNotFound|DestinationParentNotFound|AccountNotFound/.test(nameOf(error))
          ? { fix: RERUN }
          : {}),
      });
    }
  }

  async tagResource(input: { resourceId: string; tags: Tags; label?: string }): Promise<void> {
    await this.call(
      {
        action: 'TagResource',
        target: input.label ?? input.resourceId,
        fix: 'AWS allows 50 tags per account or OU; tag keys and values must match its character rules',
      },
      () =>
        this.client.send(
          new TagResourceCommand({ ResourceId: input.resourceId, Tags: toTagList(input.tags) }),
        ),
    );
  }

  async untagResource(input: { resourceId: string; keys: readonly string[]; label?: string }): Promise<void> {
    await this.call({ action: 'UntagResource', target: input.label ?? input.resourceId }, () =>
      this.client.send(new UntagResourceCommand({ ResourceId: input.resourceId, TagKeys: [...input.keys] })),
    );
  }

  async createPolicy(input: NewPolicy): Promise<PolicyInfo & { existed: boolean }> {
    try {
      const out = await this.client.send(
        new CreatePolicyCommand({
          Name: input.name,
          Description: input.description,
          Type: input.type,
          Content: input.content,
        }),
      );
      return { ...toPolicy(out.Policy?.PolicySummary ?? {}), existed: false };
    } catch (error) {
      const context: ErrorContext = {
        action: 'CreatePolicy',
        target: input.name,
        ...(nameOf(error) === 'MalformedPolicyDocumentException'
          ? { fix: `check the JSON document of ${input.name} against the ${input.type} syntax` }
          : {}),
      };
      if (nameOf(error) !== 'DuplicatePolicyException') throw mapAwsError(error, context);
      const existing = (await this.listPolicies(input.type)).find((p) => p.name === input.name);
      if (!existing) throw mapAwsError(error, context);
      return { ...existing, existed: true };
    }
  }

  async updatePolicy(input: {
    policyId: string;
    content?: string;
    description?: string;
    label?: string;
  }): Promise<void> {
    await this.call({ action: 'UpdatePolicy', target: input.label ?? input.policyId }, () =>
      this.client.send(
        new UpdatePolicyCommand({
          PolicyId: input.policyId,
          ...(input.content !== undefined ? { Content: input.content } : {}),
          ...(input.description !== undefined ? { Description: input.description } : {}),
        }),
      ),
    );
  }

  async deletePolicy(input: { policyId: string; label?: string }): Promise<void> {
    try {
      await this.client.send(new DeletePolicyCommand({ PolicyId: input.policyId }));
    } catch (error) {
      if (nameOf(error) === 'PolicyNotFoundException') return;
      throw mapAwsError(error, { action: 'DeletePolicy', target: input.label ?? input.policyId });
    }
  }

  async attachPolicy(input: { policyId: string; targetId: string; label?: string }): Promise<void> {
    try {
      await this.client.send(new AttachPolicyCommand({ PolicyId: input.policyId, TargetId: input.targetId }));
    } catch (error) {
      if (nameOf(error) === 'DuplicatePolicyAttachmentException') return;
      if (nameOf(error) === 'PolicyTypeNotEnabledException') {
        throw new EstateError(
          `AttachPolicy ${input.label ?? `${input.policyId} to ${input.targetId}`}: the policy type is not enabled on the root yet`,
          {
            code: POLICY_TYPE_NOT_ENABLED,
            source: 'aws',
            cause: error,
            suggestions: ['AWS enables a policy type in the background; run apply again in a minute'],
          },
        );
      }
      throw mapAwsError(error, {
        action: 'AttachPolicy',
        target: input.label ?? `${input.policyId} to ${input.targetId}`,
        ...(nameOf(error) === 'ConstraintViolationException'
          ? { fix: 'AWS allows 10 SCPs and 10 tag policies per root, OU or account' }
          : {}),
      });
    }
  }

  // ---------------------------------------------------------------- closing (offboard --close)

  /**
   * CloseAccount (asynchronous: DescribeAccount shows PENDING_CLOSURE, then SUSPENDED). An
   * account already closed is success; the closure quota and a request already running get
   * their own messages.
   */
  async closeAccount(input: { accountId: string; label?: string }): Promise<void> {
    const target = input.label ?? input.accountId;
    try {
      await this.client.send(new CloseAccountCommand({ AccountId: input.accountId }));
    } catch (error) {
      const name = nameOf(error);
      if (name === 'AccountAlreadyClosedException') return;
      const reason = (error as { Reason?: string }).Reason;
      const refused = (code: string, message: string, suggestion: string) =>
        new EstateError(`CloseAccount ${target}: ${message}`, {
          code,
          source: 'aws',
          cause: error,
          suggestions: [suggestion],
        });
      if (name === 'ConstraintViolationException' && reason === 'CLOSE_ACCOUNT_QUOTA_EXCEEDED')
        throw refused(
          'CloseAccountQuota',
          'the organisation has closed as many accounts as AWS allows in 30 days (10% of its members, between 10 and 1000)',
          'leave it parked in the suspended OU (it is locked by its deny-all SCP) and close it later with the same command',
        );
      if (name === 'ConstraintViolationException' && reason === 'CLOSE_ACCOUNT_REQUESTS_LIMIT_EXCEEDED')
        throw refused(
          'CloseAccountRequests',
          'too many account closures are in progress at once',
          'wait a few minutes and run the same command again',
        );
      if (name === 'ConflictException' || name === 'ConcurrentModificationException')
        throw refused(
          'CloseAccountConflict',
          'another request is changing the account',
          'wait a few minutes and run the same command again',
        );
      throw mapAwsError(error, {
        action: 'CloseAccount',
        target,
        fix: 'accounts are closed from the management account; the management account itself cannot be closed this way',
      });
    }
  }

  async accountStatus(accountId: string): Promise<string> {
    return (await this.describeAccount(accountId)).status;
  }

  async detachPolicy(input: { policyId: string; targetId: string; label?: string }): Promise<void> {
    try {
      await this.client.send(new DetachPolicyCommand({ PolicyId: input.policyId, TargetId: input.targetId }));
    } catch (error) {
      if (nameOf(error) === 'PolicyNotAttachedException') return;
      throw mapAwsError(error, {
        action: 'DetachPolicy',
        target: input.label ?? `${input.policyId} from ${input.targetId}`,
      });
    }
  }
}

/** CreateAccount's error as the applier needs it: which refusal, or "may have been accepted". */
function createAccountError(error: unknown, input: NewAccount): EstateError {
  const target = `${input.name} <${input.email}>`;
  const reason = (error as { Reason?: string }).Reason;
  const refusal = (code: string, message: string, suggestion: string) =>
    new EstateError(`CreateAccount ${target}: ${message}`, {
      code,
      source: 'aws',
      cause: error,
      details: { reason: reason ?? nameOf(error) },
      suggestions: [suggestion],
    });
  if (nameOf(error) === 'ConstraintViolationException' && reason === 'ACCOUNT_CREATION_RATE_LIMIT_EXCEEDED')
    return refusal(
      CREATE_ACCOUNT_ERRORS.dailyLimit,
      'the organisation reached the number of accounts AWS lets it create in one day',
      'run `estate apply` again tomorrow: it creates the accounts that are left',
    );
  if (nameOf(error) === 'ConstraintViolationException' && reason === 'ACCOUNT_NUMBER_LIMIT_EXCEEDED')
    return refusal(
      CREATE_ACCOUNT_ERRORS.numberLimit,
      'AWS refused a new account: the organisation is at its account limit',
      'ask for more in Service Quotas (AWS Organizations, "Default maximum number of accounts") from the management account',
    );
  if (nameOf(error) === 'FinalizingOrganizationException')
    return refusal(
      CREATE_ACCOUNT_ERRORS.finalizing,
      'AWS has not finished initialising the new organisation (this takes up to an hour)',
      'wait, then run `estate apply` again: it resumes where it stopped',
    );
  if (!isRefusal(error)) {
    const mapped = mapAwsError(error, { action: 'CreateAccount', target });
    return new EstateError(`CreateAccount ${target}: no answer from AWS (${mapped.message})`, {
      code: CREATE_ACCOUNT_ERRORS.outcomeUnknown,
      source: 'aws',
      cause: error,
      suggestions: [
        'AWS may have accepted the request: run `estate apply` again; it looks for the request and the account before asking again',
      ],
    });
  }
  return mapAwsError(error, {
    action: 'CreateAccount',
    target,
    fix: 'accounts can only be created from the management account',
  });
}

/** The port over a (wrapped) Organizations client. */
export function organizationsPort(client: SendLike): OrganizationsPort {
  return new OrganizationsAdapter(client);
}

/** Organizations as the caller (the management account), through estate's client factory. */
export function organizationsFor(clients: AwsClients): OrganizationsPort {
  return organizationsPort(clients.client(OrganizationsClient, 'ORGANIZATIONS'));
}

/** CloseAccount and the account's state, as offboarding's --close needs them. */
export function accountClosureFor(clients: AwsClients): AccountClosurePort {
  return new OrganizationsAdapter(clients.client(OrganizationsClient, 'ORGANIZATIONS'));
}
