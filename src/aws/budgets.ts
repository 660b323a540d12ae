/**
 * BudgetsPort over SDK v3 Budgets clients, one per account a budget lives in (the
 * management account, or a member account through the assumed role). Every list call
 * follows NextToken; errors become EstateErrors naming the action, the budget, the
 * account and the IAM permission; DuplicateRecordException on create and
 * NotFoundException on delete count as "already so", which makes apply repeatable.
 *
 * Filters are written as FilterExpression with Metrics (CostFilters and CostTypes are
 * deprecated) and read with ShowFilterExpression, so planning compares like with like;
 * budgets written the old way (CostFilters, `user:<key>$<value>` tags) are read too and
 * flagged `legacyFilters`, so the planner rewrites them. CreateBudget carries at most 5
 * notifications; the rest are added with CreateNotification.
 *
 * Retries and rate limits are not here: clients come wrapped by `AwsClients`.
 */
import {
  BudgetsClient,
  CreateBudgetActionCommand,
  CreateBudgetCommand,
  CreateNotificationCommand,
  CreateSubscriberCommand,
  DeleteBudgetActionCommand,
  DeleteBudgetCommand,
  DeleteNotificationCommand,
  DeleteSubscriberCommand,
  paginateDescribeBudgetActionsForAccount,
  paginateDescribeBudgetActionsForBudget,
  paginateDescribeBudgetNotificationsForAccount,
  paginateDescribeBudgets,
  paginateDescribeNotificationsForBudget,
  paginateDescribeSubscribersForNotification,
  UpdateBudgetActionCommand,
  UpdateBudgetCommand,
  type Action,
  type Budget,
  type Expression,
  type Notification,
  type Subscriber,
} from '@aws-sdk/client-budgets';
import type {
  BudgetDetails,
  BudgetFilter,
  BudgetNotification,
  BudgetSummary,
  BudgetsPort,
  LiveBudgetAction,
  NewBudget,
  ScpActionSpec,
  Subscribers,
} from '../core/budgets/ports.js';
import type { AwsClients } from './clients.js';
import { mapAwsError } from './errors.js';
import { collectPages, errorName, pagesOf } from './paginate.js';
import type { SendLike } from './send.js';

const MODIFY = 'budgets:ModifyBudget';
/** NotificationsWithSubscribers takes at most this many (AWS Budgets API reference). */
export const CREATE_BUDGET_NOTIFICATIONS = 5;
const VIEW = 'budgets:ViewBudget';

// ---------------------------------------------------------------- wire ↔ domain

/** The cost metric estate's budgets count (what CostTypes' defaults meant: unblended cost). */
export const BUDGET_METRICS = ['UnblendedCost'] as const;

/**
 * The FilterExpression for a domain filter: LINKED_ACCOUNT and the `user:<key>` tag, each
 * an exact match, joined by And when both are set; undefined for "all spend".
 */
export function toFilterExpression(filter: BudgetFilter): Expression | undefined {
  const parts: Expression[] = [
    ...(filter.linkedAccount
      ? [
          {
            Dimensions: {
              Key: 'LINKED_ACCOUNT' as const,
              Values: [filter.linkedAccount],
              MatchOptions: ['EQUALS' as const],
            },
          },
        ]
      : []),
    ...(filter.tag
      ? [
          {
            Tags: {
              Key: `user:${filter.tag.key}`,
              Values: [filter.tag.value],
              MatchOptions: ['EQUALS' as const],
            },
          },
        ]
      : []),
  ];
  if (parts.length === 0) return undefined;
  return parts.length === 1 ? parts[0] : { And: parts };
}

const exactMatch = (options: readonly string[] | undefined) =>
  !options || options.length === 0 || (options.length === 1 && options[0] === 'EQUALS');

/** `user:<key>$<value>` (CostFilters TagKeyValue) → key and value. */
function parseTagKeyValue(raw: string): BudgetFilter['tag'] {
  const body = raw.slice('user:'.length);
  const at = body.lastIndexOf('$');
  return { key: body.slice(0, at), value: body.slice(at + 1) };
}

/**
 * Reads a budget's filter from FilterExpression (DescribeBudgets with ShowFilterExpression)
 * or, for budgets written the deprecated way, from CostFilters. `other` when it holds
 * anything estate does not write; `legacy` when it is written with CostFilters or CostTypes
 * (no Metrics),
 * which estate rewrites as FilterExpression and Metrics.
 */
export function fromBudgetFilters(
  budget: Pick<Budget, 'CostFilters' | 'FilterExpression' | 'CostTypes' | 'Metrics'>,
): { filter: BudgetFilter; other: boolean; legacy: boolean } {
  const costFilters = Object.entries(budget.CostFilters ?? {}).filter(([, values]) => values.length > 0);
  const metrics = budget.Metrics ?? [];
  // Written the old way: CostFilters, or CostTypes without Metrics.
  const legacy = costFilters.length > 0 || metrics.length === 0;
  let other = false;
  let linkedAccount: string | undefined;
  let tag: BudgetFilter['tag'];
  if (budget.FilterExpression) {
    const expression = budget.FilterExpression;
    const parts = expression.And ?? [expression];
    if (expression.And && (expression.Or || expression.Not || expression.Dimensions || expression.Tags))
      other = true;
    for (const part of parts) {
      const dim = part.Dimensions;
      const tags = part.Tags;
      const alone = !part.And && !part.Or && !part.Not && !part.CostCategories;
      if (
        alone &&
        dim &&
        !tags &&
        dim.Key === 'LINKED_ACCOUNT' &&
        dim.Values?.length === 1 &&
        exactMatch(dim.MatchOptions)
      )
        linkedAccount = dim.Values[0];
      else if (
        alone &&
        tags &&
        !dim &&
        tags.Key &&
        tags.Values?.length === 1 &&
        exactMatch(tags.MatchOptions)
      )
        tag = { key: tags.Key.replace(/^user:/, ''), value: tags.Values[0]! };
      else other = true;
    }
  } else {
    for (const [key, values] of costFilters) {
      if (key === 'LinkedAccount' && values.length === 1) linkedAccount = values[0];
      else if (key === 'TagKeyValue' && values.length === 1 && /^user:.+\$/.test(values[0]!))
        tag = parseTagKeyValue(values[0]!);
      else other = true;
    }
  }
  if (metrics.length > 0 && !(metrics.length === 1 && metrics[0] === BUDGET_METRICS[0])) other = true;
  return {
    filter: { ...(linkedAccount ? { linkedAccount } : {}), ...(tag ? { tag } : {}) },
    other,
    legacy,
  };
}

const amountOf = (spend: { Amount?: string | undefined } | undefined): number | undefined =>
  spend?.Amount !== undefined && spend.Amount !== '' ? Number(spend.Amount) : undefined;

export function toSummary(b: Budget): BudgetSummary {
  const { filter, other, legacy } = fromBudgetFilters(b);
  const actual = amountOf(b.CalculatedSpend?.ActualSpend);
  const forecast = amountOf(b.CalculatedSpend?.ForecastedSpend);
  return {
    name: b.BudgetName ?? '',
    amountUsd: amountOf(b.BudgetLimit) ?? 0,
    timeUnit: b.TimeUnit ?? '',
    budgetType: b.BudgetType ?? '',
    filter,
    otherFilters: other,
    ...(legacy ? { legacyFilters: true } : {}),
    ...(actual !== undefined ? { actualUsd: actual } : {}),
    ...(forecast !== undefined ? { forecastUsd: forecast } : {}),
  };
}

/** The notification as AWS identifies it: estate writes GREATER_THAN a PERCENTAGE. */
export function toNotification(
  n: Pick<BudgetNotification, 'type' | 'thresholdPercent' | 'foreignShape'>,
): Notification {
  const [operator, thresholdType] = (n.foreignShape ?? 'GREATER_THAN/PERCENTAGE').split('/');
  return {
    NotificationType: n.type,
    ComparisonOperator: operator as Notification['ComparisonOperator'],
    Threshold: n.thresholdPercent,
    ThresholdType: thresholdType as Notification['ThresholdType'],
  };
}

export function toSubscribers(s: Subscribers): Subscriber[] {
  return [
    ...s.emails.map((Address) => ({ SubscriptionType: 'EMAIL' as const, Address })),
    ...(s.snsTopicArn ? [{ SubscriptionType: 'SNS' as const, Address: s.snsTopicArn }] : []),
  ];
}

export function fromSubscribers(list: readonly Subscriber[]): Subscribers {
  const emails = list
    .filter((s) => s.SubscriptionType === 'EMAIL' && s.Address)
    .map((s) => s.Address!)
    .sort();
  const sns = list.find((s) => s.SubscriptionType === 'SNS' && s.Address)?.Address;
  return { emails, ...(sns ? { snsTopicArn: sns } : {}) };
}

function fromNotification(n: Notification, subscribers: readonly Subscriber[]): BudgetNotification {
  const operator = n.ComparisonOperator ?? 'GREATER_THAN';
  const thresholdType = n.ThresholdType ?? 'PERCENTAGE';
  const shape = `${operator}/${thresholdType}`;
  return {
    type: n.NotificationType as BudgetNotification['type'],
    thresholdPercent: n.Threshold ?? 0,
    ...fromSubscribers(subscribers),
    ...(shape === 'GREATER_THAN/PERCENTAGE' ? {} : { foreignShape: shape }),
  };
}

function fromAction(a: Action): LiveBudgetAction {
  const threshold = a.ActionThreshold;
  const scp = a.Definition?.ScpActionDefinition;
  return {
    id: a.ActionId ?? '',
    actionType: a.ActionType ?? '',
    notificationType: (a.NotificationType ?? 'ACTUAL') as LiveBudgetAction['notificationType'],
    // An absolute-value threshold never equals a percentage estate wants: -1 forces an update.
    thresholdPercent:
      threshold?.ActionThresholdType === 'PERCENTAGE' ? (threshold.ActionThresholdValue ?? 0) : -1,
    ...(scp?.PolicyId ? { policyId: scp.PolicyId } : {}),
    targetIds: [...(scp?.TargetIds ?? [])].sort(),
    executionRoleArn: a.ExecutionRoleArn ?? '',
    approvalModel: (a.ApprovalModel ?? 'AUTOMATIC') as LiveBudgetAction['approvalModel'],
    subscribers: fromSubscribers(a.Subscribers ?? []),
    status: a.Status ?? '',
  };
}

function actionInput(action: ScpActionSpec) {
  return {
    NotificationType: action.notificationType,
    ActionThreshold: {
      ActionThresholdValue: action.thresholdPercent,
      ActionThresholdType: 'PERCENTAGE' as const,
    },
    Definition: { ScpActionDefinition: { PolicyId: action.policyId, TargetIds: [...action.targetIds] } },
    ExecutionRoleArn: action.executionRoleArn,
    ApprovalModel: action.approvalModel,
    Subscribers: toSubscribers(action.subscribers),
  };
}

/** A monthly cost budget, written the current way: FilterExpression and Metrics, never CostFilters. */
function budgetInput(budget: Omit<NewBudget, 'notifications'>): Budget {
  const expression = toFilterExpression(budget.filter);
  return {
    BudgetName: budget.name,
    BudgetLimit: { Amount: String(budget.amountUsd), Unit: 'USD' },
    TimeUnit: 'MONTHLY',
    BudgetType: 'COST',
    ...(expression ? { FilterExpression: expression } : {}),
    Metrics: [...BUDGET_METRICS],
  };
}

const TOLERATED = Symbol('tolerated');

const label = (n: Pick<BudgetNotification, 'type' | 'thresholdPercent'>) =>
  `${n.type} ${n.thresholdPercent} %`;

// ---------------------------------------------------------------- adapter

export class AwsBudgets implements BudgetsPort {
  private readonly clients = new Map<string, SendLike>();

  /** `clientFor(accountId)` returns a (wrapped) Budgets client acting in that account. */
  constructor(private readonly clientFor: (accountId: string) => SendLike) {}

  private client(home: string): SendLike {
    let client = this.clients.get(home);
    if (!client) {
      client = this.clientFor(home);
      this.clients.set(home, client);
    }
    return client;
  }

  /** Sends; an error named `tolerate` resolves to TOLERATED, any other becomes an EstateError. */
  private async call<T = Record<string, never>>(
    home: string,
    command: unknown,
    context: { action: string; target: string; permission: string; fix?: string },
    tolerate?: string,
  ): Promise<T | typeof TOLERATED> {
    try {
      return (await this.client(home).send(command)) as T;
    } catch (error) {
      if (tolerate && errorName(error) === tolerate) return TOLERATED;
      throw mapAwsError(error, { ...context, account: home });
    }
  }

  /**
   * Every page of a list call, through the SDK's paginator over this account's client;
   * NotFoundException (what Budgets answers for "none") ends the list.
   */
  private async list<P, T>(
    home: string,
    pages: (config: ReturnType<typeof pagesOf<BudgetsClient>>) => AsyncIterable<P>,
    items: (page: P) => readonly T[] | undefined,
    context: { action: string; target: string; permission: string },
  ): Promise<T[]> {
    try {
      return await collectPages(
        context.action,
        pages(pagesOf(BudgetsClient, this.client(home))),
        items,
        (error) => errorName(error) === 'NotFoundException',
      );
    } catch (error) {
      throw mapAwsError(error, { ...context, account: home });
    }
  }

  async listBudgets(home: string): Promise<BudgetSummary[]> {
    const budgets = await this.list(
      home,
      (pages) =>
        paginateDescribeBudgets(pages, {
          AccountId: home,
          MaxResults: 100,
          // Without it AWS leaves FilterExpression out, and every budget would look unfiltered.
          ShowFilterExpression: true,
        }),
      (page) => page.Budgets,
      { action: 'DescribeBudgets', target: 'budgets', permission: VIEW },
    );
    return budgets.map(toSummary);
  }

  async describeBudget(home: string, name: string): Promise<BudgetDetails> {
    const target = `budget ${name}`;
    const [notifications, actions] = await Promise.all([
      this.list(
        home,
        (pages) =>
          paginateDescribeNotificationsForBudget(pages, {
            AccountId: home,
            BudgetName: name,
            MaxResults: 100,
          }),
        (page) => page.Notifications,
        { action: 'DescribeNotificationsForBudget', target, permission: VIEW },
      ),
      this.list(
        home,
        (pages) =>
          paginateDescribeBudgetActionsForBudget(pages, {
            AccountId: home,
            BudgetName: name,
            MaxResults: 100,
          }),
        (page) => page.Actions,
        {
          action: 'DescribeBudgetActionsForBudget',
          target,
          permission: 'budgets:DescribeBudgetActionsForBudget',
        },
      ),
    ]);
    return {
      notifications: await this.withSubscribers(home, name, notifications),
      actions: actions.map(fromAction),
    };
  }

  async describeBudgets(home: string, names: readonly string[]): Promise<Map<string, BudgetDetails>> {
    const wanted = new Set(names);
    const [perBudget, actions] = await Promise.all([
      this.list(
        home,
        (pages) => paginateDescribeBudgetNotificationsForAccount(pages, { AccountId: home, MaxResults: 100 }),
        (page) => page.BudgetNotificationsForAccount,
        {
          action: 'DescribeBudgetNotificationsForAccount',
          target: 'budget notifications',
          permission: VIEW,
        },
      ),
      this.list(
        home,
        (pages) => paginateDescribeBudgetActionsForAccount(pages, { AccountId: home, MaxResults: 100 }),
        (page) => page.Actions,
        {
          action: 'DescribeBudgetActionsForAccount',
          target: 'budget actions',
          permission: 'budgets:DescribeBudgetActionsForAccount',
        },
      ),
    ]);
    const notificationsOf = new Map<string, Notification[]>();
    for (const entry of perBudget)
      if (entry.BudgetName && wanted.has(entry.BudgetName))
        notificationsOf.set(entry.BudgetName, [
          ...(notificationsOf.get(entry.BudgetName) ?? []),
          ...(entry.Notifications ?? []),
        ]);
    const details = await Promise.all(
      names.map(async (name): Promise<[string, BudgetDetails]> => [
        name,
        {
          notifications: await this.withSubscribers(home, name, notificationsOf.get(name) ?? []),
          actions: actions.filter((a) => a.BudgetName === name).map(fromAction),
        },
      ]),
    );
    return new Map(details);
  }

  /** DescribeSubscribersForNotification (paginated) for each notification: there is no account-wide call. */
  private withSubscribers(
    home: string,
    name: string,
    notifications: readonly Notification[],
  ): Promise<BudgetNotification[]> {
    const target = `budget ${name}`;
    return Promise.all(
      notifications.map(async (n) => {
        const subscribers = await this.list(
          home,
          (pages) =>
            paginateDescribeSubscribersForNotification(pages, {
              AccountId: home,
              BudgetName: name,
              Notification: n,
              MaxResults: 100,
            }),
          (page) => page.Subscribers,
          {
            action: 'DescribeSubscribersForNotification',
            target: `${target} notification ${n.NotificationType} ${n.Threshold} %`,
            permission: VIEW,
          },
        );
        return fromNotification(n, subscribers);
      }),
    );
  }

  async createBudget(home: string, budget: NewBudget): Promise<{ existed: boolean }> {
    // CreateBudget takes at most 5 notifications; the rest (up to 10) follow one by one.
    const first = budget.notifications.slice(0, CREATE_BUDGET_NOTIFICATIONS);
    const out = await this.call(
      home,
      new CreateBudgetCommand({
        AccountId: home,
        Budget: budgetInput(budget),
        NotificationsWithSubscribers: first.map((n) => ({
          Notification: toNotification(n),
          Subscribers: toSubscribers(n),
        })),
      }),
      { action: 'CreateBudget', target: `budget ${budget.name}`, permission: MODIFY },
      'DuplicateRecordException',
    );
    if (out === TOLERATED) return { existed: true };
    for (const n of budget.notifications.slice(CREATE_BUDGET_NOTIFICATIONS))
      await this.createNotification(home, budget.name, n);
    return { existed: false };
  }

  async updateBudget(home: string, budget: Omit<NewBudget, 'notifications'>): Promise<void> {
    await this.call(home, new UpdateBudgetCommand({ AccountId: home, NewBudget: budgetInput(budget) }), {
      action: 'UpdateBudget',
      target: `budget ${budget.name}`,
      permission: MODIFY,
    });
  }

  async deleteBudget(home: string, name: string): Promise<void> {
    await this.call(
      home,
      new DeleteBudgetCommand({ AccountId: home, BudgetName: name }),
      { action: 'DeleteBudget', target: `budget ${name}`, permission: MODIFY },
      'NotFoundException',
    );
  }

  async createNotification(
    home: string,
    budget: string,
    notification: BudgetNotification,
  ): Promise<{ existed: boolean }> {
    const out = await this.call(
      home,
      new CreateNotificationCommand({
        AccountId: home,
        BudgetName: budget,
        Notification: toNotification(notification),
        Subscribers: toSubscribers(notification),
      }),
      {
        action: 'CreateNotification',
        target: `${label(notification)} on budget ${budget}`,
        permission: MODIFY,
      },
      'DuplicateRecordException',
    );
    return { existed: out === TOLERATED };
  }

  async deleteNotification(home: string, budget: string, notification: BudgetNotification): Promise<void> {
    await this.call(
      home,
      new DeleteNotificationCommand({
        AccountId: home,
        BudgetName: budget,
        Notification: toNotification(notification),
      }),
      {
        action: 'DeleteNotification',
        target: `${label(notification)} on budget ${budget}`,
        permission: MODIFY,
      },
      'NotFoundException',
    );
  }

  async addSubscriber(
    home: string,
    budget: string,
    notification: BudgetNotification,
    subscriber: { kind: 'EMAIL' | 'SNS'; address: string },
  ): Promise<void> {
    await this.call(
      home,
      new CreateSubscriberCommand({
        AccountId: home,
        BudgetName: budget,
        Notification: toNotification(notification),
        Subscriber: { SubscriptionType: subscriber.kind, Address: subscriber.address },
      }),
      {
        action: 'CreateSubscriber',
        target: `${subscriber.address} to ${label(notification)} on budget ${budget}`,
        permission: MODIFY,
      },
      'DuplicateRecordException',
    );
  }

  async removeSubscriber(
    home: string,
    budget: string,
    notification: BudgetNotification,
    subscriber: { kind: 'EMAIL' | 'SNS'; address: string },
  ): Promise<void> {
    await this.call(
      home,
      new DeleteSubscriberCommand({
        AccountId: home,
        BudgetName: budget,
        Notification: toNotification(notification),
        Subscriber: { SubscriptionType: subscriber.kind, Address: subscriber.address },
      }),
      {
        action: 'DeleteSubscriber',
        target: `${subscriber.address} from ${label(notification)} on budget ${budget}`,
        permission: MODIFY,
      },
      'NotFoundException',
    );
  }

  async createScpAction(home: string, budget: string, action: ScpActionSpec): Promise<string> {
    const fix = `the execution role ${action.executionRoleArn} must exist, trust budgets.amazonaws.com and allow organizations:AttachPolicy/DetachPolicy; the caller needs iam:PassRole on it`;
    try {
      const out = (await this.client(home).send(
        new CreateBudgetActionCommand({
          AccountId: home,
          BudgetName: budget,
          ActionType: 'APPLY_SCP_POLICY',
          ...actionInput(action),
        }),
      )) as { ActionId?: string };
      return out.ActionId ?? '';
    } catch (error) {
      if (errorName(error) === 'DuplicateRecordException') {
        const existing = (await this.describeBudget(home, budget)).actions.find(
          (a) => a.actionType === 'APPLY_SCP_POLICY',
        );
        if (existing) {
          await this.updateScpAction(home, budget, existing.id, action);
          return existing.id;
        }
      }
      throw mapAwsError(error, {
        action: 'CreateBudgetAction',
        account: home,
        target: `on budget ${budget}`,
        permission: 'budgets:CreateBudgetAction',
        fix,
      });
    }
  }

  async updateScpAction(
    home: string,
    budget: string,
    actionId: string,
    action: ScpActionSpec,
  ): Promise<void> {
    await this.call(
      home,
      new UpdateBudgetActionCommand({
        AccountId: home,
        BudgetName: budget,
        ActionId: actionId,
        ...actionInput(action),
      }),
      {
        action: 'UpdateBudgetAction',
        target: `${actionId} on budget ${budget}`,
        permission: 'budgets:UpdateBudgetAction',
        fix: 'an action that is running cannot change (ResourceLockedException): run estate apply again later',
      },
    );
  }

  async deleteAction(home: string, budget: string, actionId: string): Promise<void> {
    await this.call(
      home,
      new DeleteBudgetActionCommand({ AccountId: home, BudgetName: budget, ActionId: actionId }),
      {
        action: 'DeleteBudgetAction',
        target: `${actionId} on budget ${budget}`,
        permission: 'budgets:DeleteBudgetAction',
        fix: 'an action that is running cannot be deleted (ResourceLockedException): run estate apply again later',
      },
      'NotFoundException',
    );
  }
}

/** The port over real clients: the caller's own account, or a member through the access role. */
export function budgetsPort(clients: AwsClients): AwsBudgets {
  return new AwsBudgets((account) => clients.client(BudgetsClient, 'BUDGETS', { account }));
}
