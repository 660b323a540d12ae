/**
 * What the budgets section needs from AWS, in domain shapes. The adapters
 * (src/aws/budgets.ts, src/aws/cost-explorer.ts, src/aws/budget-policy.ts) implement these
 * over SDK clients: they paginate every list call, map errors to EstateErrors that name
 * the action and the permission, and turn the answers AWS gives to a repeated call
 * (DuplicateRecordException on create, NotFoundException on delete) into "already so".
 *
 * `home` is always the 12-digit id of the account a budget lives in: the management
 * account, or a member account when budgets.placement is member (the adapter assumes
 * the access role there).
 */

export type NotificationType = 'ACTUAL' | 'FORECASTED';

/** What a budget counts: one linked account, one value of a cost allocation tag, or both. */
export interface BudgetFilter {
  readonly linkedAccount?: string;
  readonly tag?: { readonly key: string; readonly value: string };
}

export interface Subscribers {
  /** Sorted. At most 10 (AWS Budgets). */
  readonly emails: readonly string[];
  readonly snsTopicArn?: string;
}

export interface BudgetNotification extends Subscribers {
  readonly type: NotificationType;
  readonly thresholdPercent: number;
  /**
   * Present on live notifications that estate does not write in this shape (an absolute
   * threshold, LESS_THAN): they never match a desired one, so they are replaced.
   */
  readonly foreignShape?: string;
}

/** A budget as DescribeBudgets returns it (no notifications: they cost more calls). */
export interface BudgetSummary {
  readonly name: string;
  readonly amountUsd: number;
  /** 'MONTHLY' for estate's budgets. */
  readonly timeUnit: string;
  /** 'COST' for estate's budgets. */
  readonly budgetType: string;
  readonly filter: BudgetFilter;
  /** Filters estate does not write (service, region, ...) — an owned budget with them is updated. */
  readonly otherFilters: boolean;
  /** Written with the deprecated CostFilters / CostTypes: estate rewrites it as FilterExpression. */
  readonly legacyFilters?: boolean;
  /** CalculatedSpend, when AWS reports it. */
  readonly actualUsd?: number;
  readonly forecastUsd?: number;
}

export type BudgetActionStatus =
  | 'STANDBY'
  | 'PENDING'
  | 'EXECUTION_IN_PROGRESS'
  | 'EXECUTION_SUCCESS'
  | 'EXECUTION_FAILURE'
  | 'REVERSE_IN_PROGRESS'
  | 'REVERSE_SUCCESS'
  | 'REVERSE_FAILURE'
  | 'RESET_IN_PROGRESS'
  | 'RESET_FAILURE'
  | string;

/** The fields of an APPLY_SCP_POLICY budget action estate writes. */
export interface ScpActionSpec {
  readonly notificationType: NotificationType;
  readonly thresholdPercent: number;
  readonly policyId: string;
  readonly targetIds: readonly string[];
  readonly executionRoleArn: string;
  readonly approvalModel: 'AUTOMATIC' | 'MANUAL';
  readonly subscribers: Subscribers;
}

export interface LiveBudgetAction extends Omit<ScpActionSpec, 'policyId' | 'targetIds'> {
  readonly id: string;
  /** APPLY_SCP_POLICY for estate's; anything else is removed from an owned budget. */
  readonly actionType: string;
  readonly policyId?: string;
  readonly targetIds: readonly string[];
  readonly status: BudgetActionStatus;
}

export interface BudgetDetails {
  readonly notifications: readonly BudgetNotification[];
  readonly actions: readonly LiveBudgetAction[];
}

export interface NewBudget {
  readonly name: string;
  readonly amountUsd: number;
  readonly filter: BudgetFilter;
  readonly notifications: readonly BudgetNotification[];
}

export interface BudgetsPort {
  /** Every budget in the account (DescribeBudgets, paginated). */
  listBudgets(home: string): Promise<BudgetSummary[]>;
  /**
   * Notifications with their subscribers, and budget actions, of the named budgets: the
   * account-wide calls (DescribeBudgetNotificationsForAccount, DescribeBudgetActionsForAccount)
   * plus one DescribeSubscribersForNotification per notification, all paginated.
   */
  describeBudgets(home: string, names: readonly string[]): Promise<Map<string, BudgetDetails>>;

  /**
   * Creates the budget with its notifications and subscribers (5 with CreateBudget, the
   * rest with CreateNotification); `existed` when the name was taken.
   */
  createBudget(home: string, budget: NewBudget): Promise<{ existed: boolean }>;
  /** Rewrites amount, filter and time unit (a monthly COST budget). */
  updateBudget(home: string, budget: Omit<NewBudget, 'notifications'>): Promise<void>;
  /** Gone already is success. Deletes the budget's notifications, subscribers and actions with it. */
  deleteBudget(home: string, name: string): Promise<void>;

  /** Already there is success (`existed`). */
  createNotification(
    home: string,
    budget: string,
    notification: BudgetNotification,
  ): Promise<{ existed: boolean }>;
  /** Gone already is success. */
  deleteNotification(home: string, budget: string, notification: BudgetNotification): Promise<void>;
  /** Already subscribed is success. */
  addSubscriber(
    home: string,
    budget: string,
    notification: BudgetNotification,
    subscriber: { kind: 'EMAIL' | 'SNS'; address: string },
  ): Promise<void>;
  /** Not subscribed is success. */
  removeSubscriber(
    home: string,
    budget: string,
    notification: BudgetNotification,
    subscriber: { kind: 'EMAIL' | 'SNS'; address: string },
  ): Promise<void>;

  /** Returns the new action id. */
  createScpAction(home: string, budget: string, action: ScpActionSpec): Promise<string>;
  updateScpAction(home: string, budget: string, actionId: string, action: ScpActionSpec): Promise<void>;
  /** Gone already is success. */
  deleteAction(home: string, budget: string, actionId: string): Promise<void>;
}

export interface CostAllocationTagInfo {
  readonly key: string;
  /** Active | Inactive */
  readonly status: string;
  /** UserDefined | AWSGenerated */
  readonly type: string;
}

export interface CostAllocationTagsPort {
  /** Only keys that appeared in billing data are listed; others are simply absent. */
  listCostAllocationTags(keys: readonly string[]): Promise<CostAllocationTagInfo[]>;
  /** Returns the keys AWS refused, with its reason. */
  activateCostAllocationTags(keys: readonly string[]): Promise<{ key: string; reason: string }[]>;
  /** Cost Explorer requests sent so far (each is billed $0.01), when the adapter counts them. */
  requestCount?(): number;
}

export interface ScpInfo {
  readonly id: string;
  readonly content: string;
  /** Targets it is attached to (a fired budget action attaches it to the account). */
  readonly targetIds: readonly string[];
}

/** The few Organizations calls the deny-new-resources enforcement needs. */
export interface EnforcementPolicyPort {
  /** The customer-managed SCP with this exact name, if any. */
  findPolicy(name: string): Promise<ScpInfo | undefined>;
  /** A duplicate name returns the existing policy's id. */
  createPolicy(name: string, description: string, content: string): Promise<string>;
  updatePolicy(policyId: string, content: string): Promise<void>;
  /** Not attached is success. */
  detachPolicy(policyId: string, targetId: string): Promise<void>;
  /** Gone already is success. */
  deletePolicy(policyId: string): Promise<void>;
}

/** The IAM role AWS Budgets assumes to run estate's budget action, as IAM reports it. */
export interface LiveActionRole {
  readonly name: string;
  readonly arn: string;
  /** The trust policy (decoded JSON). */
  readonly trustPolicy: string;
  /** The inline permissions policy estate writes (decoded JSON), if the role has it. */
  readonly permissions?: string;
}

/**
 * The few IAM calls the budget action's execution role needs, in the account that owns
 * the budget (the management account). IAM answers policy documents URL-encoded; the
 * adapter decodes them.
 */
export interface ActionRolePort {
  /** The role and its inline policy `policyName`; undefined when there is no such role. */
  describeRole(name: string, policyName: string): Promise<LiveActionRole | undefined>;
  /** A role of that name already there is success (`existed`). */
  createRole(name: string, trustPolicy: string, description: string): Promise<{ existed: boolean }>;
  updateTrustPolicy(name: string, trustPolicy: string): Promise<void>;
  /** Creates or replaces the inline policy. */
  putRolePolicy(name: string, policyName: string, document: string): Promise<void>;
}
