/**
 * The budgets estate.yaml asks for, as plain data: one monthly cost budget per account
 * (kind defaults, account overrides), one per environment with budgetUsd (filtered by the
 * estate:env cost allocation tag), their notifications and subscribers, and the
 * deny-new-resources budget action where enforcement is on. Pure.
 */
import { RECYCLED_TAG } from '../../config/onboarding.js';
import { partitionOf } from '../../config/rules.js';
import type { AccountConfig, EstateConfig } from '../../config/schema.js';
import type { BudgetNotification, NotificationType, Subscribers } from './ports.js';

/** estate creates, updates and deletes only budgets whose name starts with this. */
export const BUDGET_PREFIX = 'estate-';
/** The cost allocation tag estate puts on every environment's resources. */
export const ENV_TAG_KEY = 'estate:env';
/** The SCP a fired deny-new-resources budget action attaches to the account. */
export const DENY_POLICY_NAME = 'estate-budget-deny-new-resources';
export const DENY_POLICY_DESCRIPTION =
  'estate: attached by an AWS Budgets action when an account reaches 100 % of its monthly budget';
/** Role name used for budget actions when budgets.actionRoleArn is not set. */
export const DEFAULT_ACTION_ROLE_NAME = 'estate-budgets-action';
/** The action fires at this share of actual spend. */
export const ENFORCE_THRESHOLD_PERCENT = 100;

export const accountBudgetName = (account: string): string => `${BUDGET_PREFIX}${account}-monthly`;
/** `_` never appears in account names, so an environment's budget cannot collide with an account's. */
export const envBudgetName = (env: string): string => `${BUDGET_PREFIX}env_${env}-monthly`;
export const isOwnedBudget = (name: string): boolean => name.startsWith(BUDGET_PREFIX);

/** An account by estate name; `id` once it exists (resolved at apply time otherwise). */
export interface AccountRef {
  readonly name: string;
  readonly id?: string;
}

export type BudgetHome =
  { readonly placement: 'management' } | { readonly placement: 'member'; readonly account: AccountRef };

export interface DesiredFilter {
  readonly linkedAccount?: AccountRef;
  readonly tag?: { readonly key: string; readonly value: string };
}

export interface DesiredEnforcement {
  readonly target: AccountRef;
  readonly subscribers: Subscribers;
}

export interface DesiredBudget {
  readonly name: string;
  readonly subject:
    | { readonly type: 'account'; readonly account: string }
    | { readonly type: 'environment'; readonly environment: string; readonly account: string };
  readonly home: BudgetHome;
  readonly amountUsd: number;
  readonly filter: DesiredFilter;
  /** Sorted by type, then threshold. Empty when nobody would receive them. */
  readonly notifications: readonly BudgetNotification[];
  readonly enforce?: DesiredEnforcement;
}

export interface DesiredBudgets {
  readonly budgets: readonly DesiredBudget[];
  /** Cost allocation tag keys estate activates. */
  readonly costAllocationTags: readonly string[];
  /** Accounts with no amount anywhere in the config: nothing watches their spend. */
  readonly unbudgetedAccounts: readonly string[];
  /** Budgets whose alerts would reach nobody (no e-mail, no SNS topic). */
  readonly withoutSubscribers: readonly string[];
  readonly actionRoleArn: string;
}

export interface EffectiveBudgetPolicy {
  readonly monthlyUsd?: number;
  readonly notifications: readonly { type: NotificationType; thresholdPercent: number }[];
  readonly subscribers: Subscribers;
  readonly enforce: 'none' | 'deny-new-resources';
}

const DEFAULT_NOTIFICATIONS = [
  { type: 'ACTUAL', thresholdPercent: 80 },
  { type: 'ACTUAL', thresholdPercent: 100 },
  { type: 'FORECASTED', thresholdPercent: 100 },
] as const;

const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export function subscribersOf(emails: readonly string[], snsTopicArn: string | undefined): Subscribers {
  return {
    emails: [...new Set(emails)].sort(byString),
    ...(snsTopicArn ? { snsTopicArn } : {}),
  };
}

export const hasSubscribers = (s: Subscribers): boolean => s.emails.length > 0 || Boolean(s.snsTopicArn);

/** An account's budget: its override, else its kind's defaults, else the estate-wide defaults. */
export function effectiveBudgetPolicy(config: EstateConfig, account: AccountConfig): EffectiveBudgetPolicy {
  const budgets = config.budgets;
  const kind = budgets?.byKind[account.kind];
  const own = account.budget;
  const monthlyUsd = own?.monthlyUsd ?? kind?.monthlyUsd;
  return {
    ...(monthlyUsd !== undefined ? { monthlyUsd } : {}),
    notifications:
      own?.notifications ?? kind?.notifications ?? budgets?.notifications ?? DEFAULT_NOTIFICATIONS,
    subscribers: subscribersOf(
      own?.emails ?? kind?.emails ?? budgets?.alertEmails ?? [],
      own?.snsTopicArn ?? kind?.snsTopicArn ?? budgets?.snsTopicArn,
    ),
    enforce: own?.enforce ?? kind?.enforce ?? 'none',
  };
}

/** budgets.actionRoleArn, or the conventional role in the management account. */
export function actionRoleArn(config: EstateConfig, managementAccountId: string | undefined): string {
  if (config.budgets?.actionRoleArn) return config.budgets.actionRoleArn;
  const partition = partitionOf(config.organization.homeRegion);
  return `arn:${partition}:iam::${managementAccountId || '<management-account-id>'}:role/${DEFAULT_ACTION_ROLE_NAME}`;
}

function notificationsFor(policy: EffectiveBudgetPolicy): BudgetNotification[] {
  if (!hasSubscribers(policy.subscribers)) return [];
  return policy.notifications
    .map((n) => ({ type: n.type, thresholdPercent: n.thresholdPercent, ...policy.subscribers }))
    .sort(compareNotifications);
}

export function compareNotifications(
  a: Pick<BudgetNotification, 'type' | 'thresholdPercent'>,
  b: Pick<BudgetNotification, 'type' | 'thresholdPercent'>,
): number {
  return byString(a.type, b.type) || a.thresholdPercent - b.thresholdPercent;
}

/** The cost allocation tags estate activates: estate:env and the mandatory tag keys. */
export function costAllocationTagKeys(config: EstateConfig): string[] {
  return [...new Set([ENV_TAG_KEY, ...(config.tags?.mandatory ?? []).map((m) => m.key)])];
}

export function desiredBudgets(
  config: EstateConfig,
  accountIds: ReadonlyMap<string, string>,
  managementAccountId: string | undefined,
): DesiredBudgets {
  const budgets: DesiredBudget[] = [];
  const unbudgetedAccounts: string[] = [];
  const withoutSubscribers: string[] = [];
  const member = config.budgets?.placement === 'member';
  const ref = (account: AccountConfig): AccountRef => {
    const id = account.id ?? accountIds.get(account.name);
    return id ? { name: account.name, id } : { name: account.name };
  };
  const homeOf = (account: AccountConfig): BudgetHome =>
    member ? { placement: 'member', account: ref(account) } : { placement: 'management' };

  const policies = new Map<string, EffectiveBudgetPolicy>();
  for (const account of config.accounts) {
    const policy = effectiveBudgetPolicy(config, account);
    policies.set(account.name, policy);
    if (policy.monthlyUsd === undefined) {
      unbudgetedAccounts.push(account.name);
      continue;
    }
    const name = accountBudgetName(account.name);
    const notifications = notificationsFor(policy);
    if (notifications.length === 0) withoutSubscribers.push(name);
    // An offboarded account (tagged for recycling) keeps its budget, so what it still costs
    // stays visible, but loses the deny action: nobody works there, and the suspended OU's
    // deny-all SCP already stops everything.
    const recycled = account.tags?.[RECYCLED_TAG] !== undefined;
    const enforce =
      policy.enforce === 'deny-new-resources' && hasSubscribers(policy.subscribers) && !member && !recycled
        ? { target: ref(account), subscribers: policy.subscribers }
        : undefined;
    budgets.push({
      name,
      subject: { type: 'account', account: account.name },
      home: homeOf(account),
      amountUsd: policy.monthlyUsd,
      // In a member account the budget sees only that account's spend already.
      filter: member ? {} : { linkedAccount: ref(account) },
      notifications,
      ...(enforce ? { enforce } : {}),
    });
  }

  for (const env of config.environments) {
    if (env.budgetUsd === undefined) continue;
    const account = config.accounts.find((a) => a.name === env.account);
    if (!account) continue;
    const name = envBudgetName(env.name);
    const notifications = notificationsFor(policies.get(account.name)!);
    if (notifications.length === 0) withoutSubscribers.push(name);
    budgets.push({
      name,
      subject: { type: 'environment', environment: env.name, account: account.name },
      home: homeOf(account),
      amountUsd: env.budgetUsd,
      filter: {
        ...(member ? {} : { linkedAccount: ref(account) }),
        tag: { key: ENV_TAG_KEY, value: env.name },
      },
      notifications,
    });
  }

  return {
    budgets,
    costAllocationTags: costAllocationTagKeys(config),
    unbudgetedAccounts,
    withoutSubscribers,
    actionRoleArn: actionRoleArn(config, managementAccountId),
  };
}

// ---------------------------------------------------------------- the action's execution role

/** The inline policy estate writes on its execution role. */
export const ACTION_ROLE_POLICY_NAME = 'estate-attach-budget-deny-scp';
/** Stands for the deny SCP's id in a role policy planned before the SCP exists. */
export const POLICY_ID_AT_APPLY = '<id of estate-budget-deny-new-resources at apply>';

/** True when estate owns the role (budgets.actionRoleArn unset): it creates and updates it. */
export const actionRoleManaged = (config: EstateConfig): boolean => !config.budgets?.actionRoleArn;

/** 'arn:aws:iam::1:role/path/name' → 'name'. */
export const roleNameOf = (arn: string): string => arn.slice(arn.lastIndexOf('/') + 1);

/** Only AWS Budgets, acting for this account, may assume the role. */
export function actionRoleTrustPolicy(managementAccountId: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Service: 'budgets.amazonaws.com' },
        Action: 'sts:AssumeRole',
        Condition: {
          StringEquals: { 'aws:SourceAccount': managementAccountId || '<management-account-id>' },
        },
      },
    ],
  });
}

/**
 * Least privilege for an APPLY_SCP_POLICY action: attach and detach the one deny SCP
 * (AttachPolicy and DetachPolicy authorise against the policy and the target account).
 */
export function actionRolePermissions(
  config: EstateConfig,
  managementAccountId: string,
  policyId: string,
): string {
  const partition = partitionOf(config.organization.homeRegion);
  const mgmt = managementAccountId || '<management-account-id>';
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'AttachEstateBudgetDenyScp',
        Effect: 'Allow',
        Action: ['organizations:AttachPolicy', 'organizations:DetachPolicy'],
        Resource: [
          `arn:${partition}:organizations::${mgmt}:policy/o-*/service_control_policy/${policyId}`,
          `arn:${partition}:organizations::${mgmt}:account/o-*/*`,
        ],
      },
    ],
  });
}
