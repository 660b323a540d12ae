/**
 * What onboarding and offboarding need from IAM Identity Center (issue 13), as domain shapes:
 * `src/aws/identity-center.ts` implements it over `@aws-sdk/client-sso-admin` and
 * `@aws-sdk/client-identitystore`. Every asynchronous call (ProvisionPermissionSet,
 * CreateAccountAssignment, DeleteAccountAssignment) is polled by the adapter to its end state
 * (SUCCEEDED, or FAILED with its FailureReason as an estate error); every list follows every page.
 */

/** ListInstances: the organisation's Identity Center instance. */
export interface IdentityCenterInstance {
  readonly instanceArn: string;
  readonly identityStoreId: string;
  /** CREATE_IN_PROGRESS | DELETE_IN_PROGRESS | ACTIVE. */
  readonly status?: string;
  /** The AWS access portal, `https://<identity store id>.awsapps.com/start` unless an alias is known. */
  readonly portalUrl: string;
}

export type PrincipalType = 'USER' | 'GROUP';

export interface Principal {
  readonly type: PrincipalType;
  readonly id: string;
}

export interface PermissionSetSummary {
  readonly arn: string;
  readonly name: string;
}

/** CreatePermissionSet and the policies estate attaches to a permission set it creates. */
export interface PermissionSetSpec {
  readonly name: string;
  readonly description?: string;
  /** ISO 8601 duration, e.g. PT8H. */
  readonly sessionDuration: string;
  /** AWS managed policy ARNs (AttachManagedPolicyToPermissionSet). */
  readonly managedPolicyArns: readonly string[];
}

/** An account assignment: this principal gets this permission set in this account. */
export interface AccountAssignment {
  readonly accountId: string;
  readonly permissionSetArn: string;
  readonly principal: Principal;
}

export interface IdentityCenterPort {
  /** Undefined when Identity Center is not enabled in the organisation. */
  instance(): Promise<IdentityCenterInstance | undefined>;
  /** GetUserId by e-mail (AttributePath emails.value); undefined when no user has it. */
  userByEmail(identityStoreId: string, email: string): Promise<string | undefined>;
  /** GetGroupId by display name; undefined when no group has it. */
  groupByName(identityStoreId: string, displayName: string): Promise<string | undefined>;
  /** ListPermissionSets + DescribePermissionSet. */
  permissionSets(instanceArn: string): Promise<readonly PermissionSetSummary[]>;
  /** CreatePermissionSet, then its managed policies; returns the ARN. */
  createPermissionSet(instanceArn: string, spec: PermissionSetSpec): Promise<string>;
  /** ListPermissionSetsProvisionedToAccount contains it. */
  isProvisioned(instanceArn: string, permissionSetArn: string, accountId: string): Promise<boolean>;
  /** ProvisionPermissionSet to the account, polled (DescribePermissionSetProvisioningStatus). */
  provisionPermissionSet(instanceArn: string, permissionSetArn: string, accountId: string): Promise<void>;
  /** ListAccountAssignments of the account for the permission set (every page). */
  assignments(
    instanceArn: string,
    accountId: string,
    permissionSetArn: string,
  ): Promise<readonly AccountAssignment[]>;
  /** Every assignment of the account, across its provisioned permission sets (offboarding). */
  accountAssignments(instanceArn: string, accountId: string): Promise<readonly AccountAssignment[]>;
  /** CreateAccountAssignment, polled (DescribeAccountAssignmentCreationStatus). */
  createAssignment(instanceArn: string, assignment: AccountAssignment): Promise<void>;
  /** DeleteAccountAssignment, polled (DescribeAccountAssignmentDeletionStatus). */
  deleteAssignment(instanceArn: string, assignment: AccountAssignment): Promise<void>;
}

/**
 * Closing a member account (offboarding with --close), over AWS Organizations: CloseAccount is
 * asynchronous; DescribeAccount shows PENDING_CLOSURE while it runs, then SUSPENDED.
 */
export interface AccountClosurePort {
  /** CloseAccount; an account already closed is success. */
  closeAccount(input: { accountId: string; label?: string }): Promise<void>;
  /** DescribeAccount's state: ACTIVE, PENDING_CLOSURE, SUSPENDED... */
  accountStatus(accountId: string): Promise<string>;
}
