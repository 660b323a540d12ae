/**
 * The calls the organisation engine makes to AWS Organizations, in domain shapes. The
 * adapter (src/aws/organizations.ts) implements it over an SDK client: it paginates every
 * list, maps errors to EstateErrors that name the action and the fix, and turns the
 * Duplicate..., AlreadyEnabled and NotAttached answers of retried or repeated calls into
 * "already there". Nothing here knows about the SDK.
 */

export type PolicyType = 'SERVICE_CONTROL_POLICY' | 'TAG_POLICY';

/**
 * EstateError codes the port gives CreateAccount refusals the applier acts on. None of them
 * is retried by sending again in the same run.
 */
export const CREATE_ACCOUNT_ERRORS = {
  /**
   * ConstraintViolationException ACCOUNT_CREATION_RATE_LIMIT_EXCEEDED: the organisation
   * reached the number of accounts AWS lets it create in one day (not "five in flight").
   */
  dailyLimit: 'AccountCreationDailyLimit',
  /**
   * ConstraintViolationException ACCOUNT_NUMBER_LIMIT_EXCEEDED: the account quota, or a new
   * organisation that AWS is still finishing (up to an hour after CreateOrganization).
   */
  numberLimit: 'AccountNumberLimit',
  /** FinalizingOrganizationException: a new organisation is still initialising (up to an hour). */
  finalizing: 'OrganizationFinalizing',
  /**
   * Anything else that is not a documented refusal (a timeout, a dropped connection, a 5xx,
   * or the send layer's "lost answer"): the request may have been accepted. Look for it
   * before sending again.
   */
  outcomeUnknown: 'CreateAccountOutcomeUnknown',
} as const;

/** EstateError code of AttachPolicy before the policy type is ENABLED on the root. */
export const POLICY_TYPE_NOT_ENABLED = 'PolicyTypeNotEnabled';

/** AWS allows five CreateAccount requests in progress at once (across every caller). */
export const MAX_CREATIONS_IN_PROGRESS = 5;
export type Tags = Readonly<Record<string, string>>;

export interface OrganizationInfo {
  readonly id: string;
  readonly arn: string;
  /** AWS still calls it the master account in DescribeOrganization. */
  readonly managementAccountId: string;
  readonly featureSet: 'ALL' | 'CONSOLIDATED_BILLING' | string;
}

export interface RootInfo {
  readonly id: string;
  readonly arn: string;
  readonly name: string;
  /** Policy types with their status on the root: ENABLED, PENDING_ENABLE, PENDING_DISABLE. */
  readonly policyTypes: readonly { readonly type: string; readonly status: string }[];
}

export interface OuInfo {
  readonly id: string;
  readonly arn: string;
  readonly name: string;
}

export interface AccountInfo {
  readonly id: string;
  readonly arn: string;
  readonly name: string;
  readonly email: string;
  /** ACTIVE, SUSPENDED, PENDING_CLOSURE. */
  readonly status: string;
  /** When it joined the organisation (ISO 8601); for the management account, when the organisation was created. */
  readonly joinedAt?: string;
}

export interface PolicyInfo {
  readonly id: string;
  readonly arn: string;
  readonly name: string;
  readonly description: string;
  readonly type: PolicyType;
  readonly awsManaged: boolean;
}

export interface PolicyTargetInfo {
  readonly targetId: string;
  readonly type: 'ROOT' | 'ORGANIZATIONAL_UNIT' | 'ACCOUNT' | string;
  readonly name: string;
}

export type CreateAccountState = 'IN_PROGRESS' | 'SUCCEEDED' | 'FAILED';

export interface CreateAccountRequestInfo {
  /** The request id (car-...). */
  readonly id: string;
  readonly accountName: string;
  readonly state: CreateAccountState;
  readonly accountId?: string;
  /** EMAIL_ALREADY_EXISTS, ACCOUNT_LIMIT_EXCEEDED, ... when FAILED. */
  readonly failureReason?: string;
  readonly requestedAt?: string;
}

export interface NewAccount {
  readonly name: string;
  readonly email: string;
  readonly roleName: string;
  readonly iamUserAccessToBilling: boolean;
  readonly tags: Tags;
}

export interface NewPolicy {
  readonly name: string;
  readonly description: string;
  readonly type: PolicyType;
  readonly content: string;
}

/** A person-readable label for error messages: "account 111122223333 (dev-alice) to OU Sandbox". */
export interface Labelled {
  readonly label?: string;
}

export interface OrganizationsPort {
  // ---- reads ----
  /** undefined when the caller's account is not in an organisation. */
  describeOrganization(): Promise<OrganizationInfo | undefined>;
  listRoots(): Promise<RootInfo[]>;
  listOrganizationalUnits(parentId: string): Promise<OuInfo[]>;
  listAccountsForParent(parentId: string): Promise<AccountInfo[]>;
  listAccounts(): Promise<AccountInfo[]>;
  describeAccount(accountId: string): Promise<AccountInfo>;
  listTags(resourceId: string): Promise<Record<string, string>>;
  /** Service principals with trusted access. */
  listServiceAccess(): Promise<string[]>;
  listPolicies(type: PolicyType): Promise<PolicyInfo[]>;
  describePolicy(policyId: string): Promise<{ policy: PolicyInfo; content: string }>;
  listPolicyTargets(policyId: string): Promise<PolicyTargetInfo[]>;
  listCreateAccountRequests(states: readonly CreateAccountState[]): Promise<CreateAccountRequestInfo[]>;
  describeCreateAccountRequest(requestId: string): Promise<CreateAccountRequestInfo>;

  // ---- changes ----
  /** Creates an organisation with all features; returns the existing one when already in one. */
  createOrganization(): Promise<OrganizationInfo>;
  /** Already enabled is success. */
  enableServiceAccess(principal: string): Promise<void>;
  /**
   * Already enabled (or being enabled) is success. AWS enables the type in the background:
   * ListRoots shows it PENDING_ENABLE, then ENABLED.
   */
  enablePolicyType(rootId: string, type: PolicyType): Promise<void>;
  /** A duplicate name under the parent returns the existing OU with `existed: true`. */
  createOrganizationalUnit(
    input: { parentId: string; name: string; tags: Tags } & Labelled,
  ): Promise<OuInfo & { existed: boolean }>;
  /** An OU already gone is success. */
  deleteOrganizationalUnit(input: { ouId: string } & Labelled): Promise<void>;
  /**
   * Not idempotent: a repeat is a second request. Refusals the applier acts on carry a
   * CREATE_ACCOUNT_ERRORS code; `outcomeUnknown` means the request may have been accepted.
   */
  createAccount(input: NewAccount): Promise<CreateAccountRequestInfo>;
  /** Already in the destination is success. */
  moveAccount(
    input: { accountId: string; fromParentId: string; toParentId: string } & Labelled,
  ): Promise<void>;
  tagResource(input: { resourceId: string; tags: Tags } & Labelled): Promise<void>;
  untagResource(input: { resourceId: string; keys: readonly string[] } & Labelled): Promise<void>;
  /** A duplicate name returns the existing policy with `existed: true` (its content is not changed). */
  createPolicy(input: NewPolicy): Promise<PolicyInfo & { existed: boolean }>;
  updatePolicy(input: { policyId: string; content?: string; description?: string } & Labelled): Promise<void>;
  /** A policy already gone is success. */
  deletePolicy(input: { policyId: string } & Labelled): Promise<void>;
  /** Already attached is success; POLICY_TYPE_NOT_ENABLED while the type is not ENABLED yet. */
  attachPolicy(input: { policyId: string; targetId: string } & Labelled): Promise<void>;
  /** Not attached is success. */
  detachPolicy(input: { policyId: string; targetId: string } & Labelled): Promise<void>;
}
