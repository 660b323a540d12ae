/**
 * A behavioural in-memory AWS Budgets at the SDK command level: `send(command)` answers
 * the commands estate uses like the service does — per-account budgets, notifications
 * keyed by (type, operator, threshold, threshold type), subscribers, budget actions,
 * paginated lists, filters as AWS keeps them (FilterExpression needs Metrics and cannot
 * sit beside CostFilters; DescribeBudgets shows FilterExpression only with
 * ShowFilterExpression: true), at most 5 NotificationsWithSubscribers in CreateBudget,
 * and the real exception classes: NotFoundException for what is not
 * there (including DescribeBudgets on an account with no budget), DuplicateRecordException
 * for what already is, CreationLimitExceededException past 10 notifications per budget or
 * 10 e-mail / 1 SNS subscribers per notification, InvalidParameterException for a budget
 * action whose execution role does not exist (with `roleExists`).
 *
 * Put the real adapter on top (`new AwsBudgets(() => fake)`), so pagination and error
 * mapping run end to end.
 */
import {
  CreationLimitExceededException,
  DuplicateRecordException,
  InvalidParameterException,
  NotFoundException,
  ResourceLockedException,
  type Action,
  type Budget,
  type Notification,
  type Subscriber,
} from '@aws-sdk/client-budgets';
import { cloneState, refill } from './state.js';

type Input = Record<string, any>;

interface StoredNotification {
  notification: Notification;
  subscribers: Subscriber[];
}

/** What FakeBudgets keeps across a restart: every account's budgets, notifications, subscribers and actions. */
export interface BudgetsState {
  readonly accounts: Map<string, Map<string, StoredBudget>>;
  readonly seq: number;
}

interface StoredBudget {
  budget: Budget;
  notifications: Map<string, StoredNotification>;
  actions: Map<string, Action>;
}

export interface FakeBudgetsOptions {
  /** Page size when MaxResults is absent or larger. @default 100 */
  readonly pageSize?: number;
  /**
   * Whether an execution role exists (e.g. a FakeIam lookup). When given, CreateBudgetAction
   * and UpdateBudgetAction refuse a role that does not, as AWS does. @default every role exists
   */
  readonly roleExists?: (arn: string) => boolean;
}

const meta = { $metadata: {} };
const err = <E>(Ctor: new (o: any) => E, message: string): E =>
  new Ctor({ message, ...meta, Message: message });

const notificationKey = (n: Notification | undefined) =>
  [
    n?.NotificationType,
    n?.ComparisonOperator ?? 'GREATER_THAN',
    n?.Threshold,
    n?.ThresholdType ?? 'PERCENTAGE',
  ].join('|');

export class FakeBudgets {
  /** Calls per operation. */
  readonly calls: Record<string, number> = {};
  /** Every call in order: operation and input. */
  readonly log: { op: string; input: Input }[] = [];
  /** accountId → budget name → budget. */
  readonly accounts = new Map<string, Map<string, StoredBudget>>();
  private seq = 0;
  private readonly failNextQueue: { operation: string; error: Error }[] = [];

  constructor(readonly options: FakeBudgetsOptions = {}) {}

  /** The next call to `operation` throws `error` (before any effect). */
  failNext(operation: string, error: Error): this {
    this.failNextQueue.push({ operation, error });
    return this;
  }

  /** Budgets (with notifications, subscribers, actions and their status) and the action id counter; not the call log. */
  snapshot(): BudgetsState {
    return cloneState({ accounts: this.accounts, seq: this.seq });
  }

  restore(state: BudgetsState): void {
    const s = cloneState(state);
    refill(this.accounts, s.accounts);
    this.seq = s.seq;
  }

  /** Mutating calls, in order, as "Operation BudgetName". */
  mutations(): string[] {
    return this.log
      .filter((l) => !/^Describe/.test(l.op))
      .map(
        (l) => `${l.op} ${l.input.BudgetName ?? l.input.Budget?.BudgetName ?? l.input.NewBudget?.BudgetName}`,
      );
  }

  budget(account: string, name: string): StoredBudget | undefined {
    return this.accounts.get(account)?.get(name);
  }

  /** Seeds a budget as if someone created it (the console, another tool, an earlier run). */
  seed(
    account: string,
    budget: Partial<Budget> & { BudgetName: string },
    notifications: { notification: Notification; subscribers: Subscriber[] }[] = [],
  ): StoredBudget {
    const stored: StoredBudget = {
      budget: { ...budget, TimeUnit: budget.TimeUnit ?? 'MONTHLY', BudgetType: budget.BudgetType ?? 'COST' },
      notifications: new Map(notifications.map((n) => [notificationKey(n.notification), structuredClone(n)])),
      actions: new Map(),
    };
    this.home(account).set(budget.BudgetName!, stored);
    return stored;
  }

  /** Sets an action's status (e.g. EXECUTION_SUCCESS once it fired). */
  setActionStatus(account: string, budgetName: string, actionId: string, status: Action['Status']): void {
    this.budget(account, budgetName)!.actions.get(actionId)!.Status = status;
  }

  async send(command: { constructor: { name: string }; input?: Input }): Promise<any> {
    const op = command.constructor.name.replace(/Command$/, '');
    const input = structuredClone(command.input ?? {});
    this.calls[op] = (this.calls[op] ?? 0) + 1;
    this.log.push({ op, input });
    const fault = this.failNextQueue.findIndex((f) => f.operation === op);
    if (fault >= 0) throw this.failNextQueue.splice(fault, 1)[0]!.error;
    const handler = (this as unknown as Record<string, (i: Input) => unknown>)[`on${op}`];
    if (!handler) throw new Error(`FakeBudgets does not implement ${op}`);
    return { ...meta, ...(handler.call(this, input) as object) };
  }

  // ---------------------------------------------------------------- helpers

  private home(account: string): Map<string, StoredBudget> {
    let home = this.accounts.get(account);
    if (!home) {
      home = new Map();
      this.accounts.set(account, home);
    }
    return home;
  }

  private need(input: Input): StoredBudget {
    const b = this.accounts.get(input.AccountId)?.get(input.BudgetName);
    if (!b)
      throw err(NotFoundException, `Unable to get budget: ${input.BudgetName} - the budget doesn't exist.`);
    return b;
  }

  private needNotification(b: StoredBudget, n: Notification): StoredNotification {
    const found = b.notifications.get(notificationKey(n));
    if (!found) throw err(NotFoundException, 'Unable to find notification');
    return found;
  }

  private page<T>(items: T[], input: Input): { items: T[]; NextToken?: string } {
    const size = Math.min(input.MaxResults ?? 100, this.options.pageSize ?? 100);
    const start = input.NextToken ? Number(input.NextToken) : 0;
    const slice = items.slice(start, start + size);
    return start + size < items.length ? { items: slice, NextToken: String(start + size) } : { items: slice };
  }

  private checkSubscribers(subscribers: Subscriber[]): void {
    if (subscribers.length === 0)
      throw err(InvalidParameterException, 'A notification needs at least one subscriber');
    const emails = subscribers.filter((s) => s.SubscriptionType === 'EMAIL').length;
    const sns = subscribers.filter((s) => s.SubscriptionType === 'SNS').length;
    if (emails > 10 || sns > 1)
      throw err(
        CreationLimitExceededException,
        'You can have at most 10 email subscribers and 1 SNS subscriber',
      );
  }

  private addNotification(b: StoredBudget, n: Notification, subscribers: Subscriber[]): void {
    const key = notificationKey(n);
    if (b.notifications.has(key)) throw err(DuplicateRecordException, 'Notification already exists');
    if (b.notifications.size >= 10)
      throw err(CreationLimitExceededException, 'You can create at most 10 notifications per budget');
    this.checkSubscribers(subscribers);
    b.notifications.set(key, { notification: n, subscribers });
  }

  // ---------------------------------------------------------------- budgets

  /** What CreateBudget and UpdateBudget refuse about a budget's filters. */
  private checkBudget(budget: Budget): void {
    const costFilters = Object.values(budget.CostFilters ?? {}).some((v) => v.length > 0);
    if (budget.FilterExpression && costFilters)
      throw err(InvalidParameterException, 'CostFilters and FilterExpression cannot be used together');
    if (budget.FilterExpression && !budget.Metrics?.length)
      throw err(InvalidParameterException, 'FilterExpression requires Metrics');
    if (budget.Metrics?.length && budget.CostTypes)
      throw err(InvalidParameterException, 'Metrics and CostTypes cannot be used together');
  }

  onDescribeBudgets(input: Input) {
    const all = [...(this.accounts.get(input.AccountId)?.values() ?? [])].map((b) => {
      if (input.ShowFilterExpression) return b.budget;
      const { FilterExpression: _hidden, ...rest } = b.budget;
      return rest;
    });
    if (all.length === 0) throw err(NotFoundException, `Account ${input.AccountId} has no budgets`);
    const { items, NextToken } = this.page(all, input);
    return { Budgets: items, ...(NextToken ? { NextToken } : {}) };
  }

  onCreateBudget(input: Input) {
    const home = this.home(input.AccountId);
    const name = input.Budget.BudgetName;
    if (home.has(name)) throw err(DuplicateRecordException, `the budget ${name} already exists`);
    this.checkBudget(input.Budget);
    if ((input.NotificationsWithSubscribers ?? []).length > 5)
      throw err(
        InvalidParameterException,
        'NotificationsWithSubscribers: member must have length less than or equal to 5',
      );
    const stored: StoredBudget = { budget: input.Budget, notifications: new Map(), actions: new Map() };
    for (const n of input.NotificationsWithSubscribers ?? [])
      this.addNotification(stored, n.Notification, n.Subscribers);
    home.set(name, stored);
    return {};
  }

  onUpdateBudget(input: Input) {
    const b = this.need({ AccountId: input.AccountId, BudgetName: input.NewBudget.BudgetName });
    this.checkBudget(input.NewBudget);
    b.budget = { ...input.NewBudget, CalculatedSpend: b.budget.CalculatedSpend };
    return {};
  }

  onDeleteBudget(input: Input) {
    this.need(input);
    this.accounts.get(input.AccountId)!.delete(input.BudgetName);
    return {};
  }

  onDescribeBudgetNotificationsForAccount(input: Input) {
    const all = [...(this.accounts.get(input.AccountId)?.values() ?? [])]
      .filter((b) => b.notifications.size > 0)
      .map((b) => ({
        BudgetName: b.budget.BudgetName,
        Notifications: [...b.notifications.values()].map((n) => n.notification),
      }));
    if (all.length === 0)
      throw err(NotFoundException, `Account ${input.AccountId} has no budget notifications`);
    const { items, NextToken } = this.page(all, input);
    return { BudgetNotificationsForAccount: items, ...(NextToken ? { NextToken } : {}) };
  }

  onDescribeBudgetActionsForAccount(input: Input) {
    const all = [...(this.accounts.get(input.AccountId)?.values() ?? [])].flatMap((b) => [
      ...b.actions.values(),
    ]);
    const { items, NextToken } = this.page(all, input);
    return { Actions: items, ...(NextToken ? { NextToken } : {}) };
  }

  // ---------------------------------------------------------------- notifications

  onDescribeNotificationsForBudget(input: Input) {
    const b = this.need(input);
    const { items, NextToken } = this.page(
      [...b.notifications.values()].map((n) => n.notification),
      input,
    );
    return { Notifications: items, ...(NextToken ? { NextToken } : {}) };
  }

  onCreateNotification(input: Input) {
    this.addNotification(this.need(input), input.Notification, input.Subscribers);
    return {};
  }

  onDeleteNotification(input: Input) {
    const b = this.need(input);
    this.needNotification(b, input.Notification);
    b.notifications.delete(notificationKey(input.Notification));
    return {};
  }

  onDescribeSubscribersForNotification(input: Input) {
    const n = this.needNotification(this.need(input), input.Notification);
    const { items, NextToken } = this.page(n.subscribers, input);
    return { Subscribers: items, ...(NextToken ? { NextToken } : {}) };
  }

  onCreateSubscriber(input: Input) {
    const n = this.needNotification(this.need(input), input.Notification);
    const s: Subscriber = input.Subscriber;
    if (n.subscribers.some((x) => x.SubscriptionType === s.SubscriptionType && x.Address === s.Address))
      throw err(DuplicateRecordException, 'Subscriber already exists');
    this.checkSubscribers([...n.subscribers, s]);
    n.subscribers.push(s);
    return {};
  }

  onDeleteSubscriber(input: Input) {
    const n = this.needNotification(this.need(input), input.Notification);
    const s: Subscriber = input.Subscriber;
    const i = n.subscribers.findIndex(
      (x) => x.SubscriptionType === s.SubscriptionType && x.Address === s.Address,
    );
    if (i < 0) throw err(NotFoundException, 'Subscriber not found');
    if (n.subscribers.length === 1)
      throw err(InvalidParameterException, 'A notification must keep at least one subscriber');
    n.subscribers.splice(i, 1);
    return {};
  }

  // ---------------------------------------------------------------- actions

  onDescribeBudgetActionsForBudget(input: Input) {
    const b = this.need(input);
    const { items, NextToken } = this.page([...b.actions.values()], input);
    return { Actions: items, ...(NextToken ? { NextToken } : {}) };
  }

  private checkRole(arn: string | undefined): void {
    if (this.options.roleExists && !this.options.roleExists(arn ?? ''))
      throw err(InvalidParameterException, `The execution role ${arn} cannot be assumed by AWS Budgets`);
  }

  onCreateBudgetAction(input: Input) {
    const b = this.need(input);
    this.checkSubscribers(input.Subscribers ?? []);
    this.checkRole(input.ExecutionRoleArn);
    const id = `00000000-0000-4000-8000-${String(++this.seq).padStart(12, '0')}`;
    const { AccountId: _a, ...rest } = input;
    b.actions.set(id, { ...rest, BudgetName: input.BudgetName, ActionId: id, Status: 'STANDBY' } as Action);
    return { AccountId: input.AccountId, BudgetName: input.BudgetName, ActionId: id };
  }

  onUpdateBudgetAction(input: Input) {
    const b = this.need(input);
    const a = b.actions.get(input.ActionId);
    if (!a) throw err(NotFoundException, `Action ${input.ActionId} not found`);
    if (a.Status === 'EXECUTION_IN_PROGRESS' || a.Status === 'REVERSE_IN_PROGRESS')
      throw err(ResourceLockedException, 'The action is being executed');
    if (input.ExecutionRoleArn) this.checkRole(input.ExecutionRoleArn);
    const { AccountId: _a, ...rest } = input;
    b.actions.set(input.ActionId, { ...a, ...rest });
    return {};
  }

  onDeleteBudgetAction(input: Input) {
    const b = this.need(input);
    const a = b.actions.get(input.ActionId);
    if (!a) throw err(NotFoundException, `Action ${input.ActionId} not found`);
    if (a.Status === 'EXECUTION_IN_PROGRESS' || a.Status === 'REVERSE_IN_PROGRESS')
      throw err(ResourceLockedException, 'The action is being executed');
    b.actions.delete(input.ActionId);
    return {};
  }
}
