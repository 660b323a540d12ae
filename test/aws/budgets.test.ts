import {
  AccessDeniedException,
  BudgetsClient,
  CreateBudgetActionCommand,
  CreateBudgetCommand,
  CreateNotificationCommand,
  CreateSubscriberCommand,
  DeleteBudgetCommand,
  DeleteNotificationCommand,
  DescribeBudgetActionsForAccountCommand,
  DescribeBudgetActionsForBudgetCommand,
  DescribeBudgetNotificationsForAccountCommand,
  DescribeBudgetsCommand,
  DescribeNotificationsForBudgetCommand,
  DescribeSubscribersForNotificationCommand,
  DuplicateRecordException,
  NotFoundException,
  ThrottlingException,
  UpdateBudgetCommand,
} from '@aws-sdk/client-budgets';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { AwsBudgets, fromBudgetFilters } from '../../src/aws/budgets.js';
import { withRetries } from '../../src/aws/send.js';
import { EstateError } from '../../src/errors.js';

const meta = { $metadata: {} };
const mock = mockClient(BudgetsClient);
const MGMT = '111111111111';
const homes: string[] = [];
const adapter = () =>
  new AwsBudgets((home) => {
    homes.push(home);
    return new BudgetsClient({
      region: 'us-east-1',
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    });
  });
const budget = (name: string, amount = '100.0', extra: Record<string, unknown> = {}) => ({
  BudgetName: name,
  BudgetLimit: { Amount: amount, Unit: 'USD' },
  TimeUnit: 'MONTHLY' as const,
  BudgetType: 'COST' as const,
  ...extra,
});

beforeEach(() => {
  mock.reset();
  homes.length = 0;
});

describe('AwsBudgets: reading', () => {
  it('Given three pages of budgets, When listing, Then every NextToken is followed and filters and spend are read', async () => {
    mock
      .on(DescribeBudgetsCommand)
      .resolvesOnce({
        Budgets: [
          budget('estate-dev-alice-monthly', '100.0', {
            CostFilters: { LinkedAccount: ['222222222222'] },
            CalculatedSpend: {
              ActualSpend: { Amount: '42.5', Unit: 'USD' },
              ForecastedSpend: { Amount: '120', Unit: 'USD' },
            },
          }),
        ],
        NextToken: 't1',
      })
      .resolvesOnce({ Budgets: [], NextToken: 't2' })
      .resolvesOnce({
        Budgets: [
          budget('estate-env_alice-monthly', '50', {
            FilterExpression: {
              And: [
                { Dimensions: { Key: 'LINKED_ACCOUNT', Values: ['222222222222'], MatchOptions: ['EQUALS'] } },
                { Tags: { Key: 'user:estate:env', Values: ['alice'], MatchOptions: ['EQUALS'] } },
              ],
            },
            Metrics: ['UnblendedCost'],
          }),
          budget('finance-total', '9000', {
            CostFilters: { Service: ['Amazon Elastic Compute Cloud - Compute'] },
          }),
        ],
      });

    const list = await adapter().listBudgets(MGMT);

    expect(mock.commandCalls(DescribeBudgetsCommand).map((c) => c.args[0].input)).toEqual([
      { AccountId: MGMT, MaxResults: 100, ShowFilterExpression: true },
      { AccountId: MGMT, MaxResults: 100, ShowFilterExpression: true, NextToken: 't1' },
      { AccountId: MGMT, MaxResults: 100, ShowFilterExpression: true, NextToken: 't2' },
    ]);
    expect(list).toEqual([
      {
        name: 'estate-dev-alice-monthly',
        amountUsd: 100,
        timeUnit: 'MONTHLY',
        budgetType: 'COST',
        filter: { linkedAccount: '222222222222' },
        otherFilters: false,
        legacyFilters: true,
        actualUsd: 42.5,
        forecastUsd: 120,
      },
      {
        name: 'estate-env_alice-monthly',
        amountUsd: 50,
        timeUnit: 'MONTHLY',
        budgetType: 'COST',
        filter: { linkedAccount: '222222222222', tag: { key: 'estate:env', value: 'alice' } },
        otherFilters: false,
      },
      {
        name: 'finance-total',
        amountUsd: 9000,
        timeUnit: 'MONTHLY',
        budgetType: 'COST',
        filter: {},
        otherFilters: true,
        legacyFilters: true,
      },
    ]);
    expect(homes).toEqual([MGMT]);
  });

  it('Given an account without any budget, When listing, Then the NotFoundException AWS answers is an empty list', async () => {
    mock.on(DescribeBudgetsCommand).rejects(new NotFoundException({ message: 'no budgets', ...meta }));
    expect(await adapter().listBudgets(MGMT)).toEqual([]);
  });

  it('Given the same filter written both ways, When read, Then they compare equal and only the CostFilters one is legacy', () => {
    const expression = fromBudgetFilters({
      FilterExpression: {
        And: [
          { Dimensions: { Key: 'LINKED_ACCOUNT', Values: ['222222222222'] } },
          { Tags: { Key: 'user:estate:env', Values: ['alice'] } },
        ],
      },
      Metrics: ['UnblendedCost'],
    });
    const old = fromBudgetFilters({
      CostFilters: { LinkedAccount: ['222222222222'], TagKeyValue: ['user:estate:env$alice'] },
      CostTypes: { UseBlended: false },
    });
    const filter = { linkedAccount: '222222222222', tag: { key: 'estate:env', value: 'alice' } };
    expect(expression).toEqual({ filter, other: false, legacy: false });
    expect(old).toEqual({ filter, other: false, legacy: true });
    const other = (e: Parameters<typeof fromBudgetFilters>[0]) => fromBudgetFilters(e).other;
    expect(
      other({
        FilterExpression: { Dimensions: { Key: 'REGION', Values: ['eu-west-2'] } },
        Metrics: ['UnblendedCost'],
      }),
    ).toBe(true);
    expect(
      other({
        FilterExpression: { Tags: { Key: 'user:estate:env', Values: ['alice'], MatchOptions: ['CONTAINS'] } },
        Metrics: ['UnblendedCost'],
      }),
    ).toBe(true);
    expect(other({ Metrics: ['AmortizedCost'] })).toBe(true);
  });

  it('Given paged notifications, subscribers and actions, When describing a budget, Then all pages are joined per notification', async () => {
    const actual80 = {
      NotificationType: 'ACTUAL' as const,
      ComparisonOperator: 'GREATER_THAN' as const,
      Threshold: 80,
      ThresholdType: 'PERCENTAGE' as const,
    };
    const absolute = {
      NotificationType: 'ACTUAL' as const,
      ComparisonOperator: 'GREATER_THAN' as const,
      Threshold: 500,
      ThresholdType: 'ABSOLUTE_VALUE' as const,
    };
    mock
      .on(DescribeNotificationsForBudgetCommand)
      .resolvesOnce({ Notifications: [actual80], NextToken: 'n1' })
      .resolvesOnce({ Notifications: [absolute] });
    mock
      .on(DescribeSubscribersForNotificationCommand, { Notification: actual80 })
      .resolvesOnce({
        Subscribers: [{ SubscriptionType: 'EMAIL', Address: 'z@x.example.com' }],
        NextToken: 's1',
      })
      .resolvesOnce({
        Subscribers: [
          { SubscriptionType: 'EMAIL', Address: 'a@x.example.com' },
          { SubscriptionType: 'SNS', Address: 'arn:aws:sns:us-east-1:111111111111:alerts' },
        ],
      });
    mock
      .on(DescribeSubscribersForNotificationCommand, { Notification: absolute })
      .resolves({ Subscribers: [{ SubscriptionType: 'EMAIL', Address: 'cfo@x.example.com' }] });
    mock
      .on(DescribeBudgetActionsForBudgetCommand)
      .resolvesOnce({ Actions: [], NextToken: 'a1' })
      .resolvesOnce({
        Actions: [
          {
            ActionId: 'act-1',
            BudgetName: 'estate-dev-alice-monthly',
            NotificationType: 'ACTUAL',
            ActionType: 'APPLY_SCP_POLICY',
            ActionThreshold: { ActionThresholdValue: 100, ActionThresholdType: 'PERCENTAGE' },
            Definition: { ScpActionDefinition: { PolicyId: 'p-deny', TargetIds: ['222222222222'] } },
            ExecutionRoleArn: 'arn:aws:iam::111111111111:role/estate-budgets-action',
            ApprovalModel: 'AUTOMATIC',
            Status: 'EXECUTION_SUCCESS',
            Subscribers: [{ SubscriptionType: 'EMAIL', Address: 'a@x.example.com' }],
          },
        ],
      });

    const details = await adapter().describeBudget(MGMT, 'estate-dev-alice-monthly');

    expect(details.notifications).toEqual([
      {
        type: 'ACTUAL',
        thresholdPercent: 80,
        emails: ['a@x.example.com', 'z@x.example.com'],
        snsTopicArn: 'arn:aws:sns:us-east-1:111111111111:alerts',
      },
      {
        type: 'ACTUAL',
        thresholdPercent: 500,
        emails: ['cfo@x.example.com'],
        foreignShape: 'GREATER_THAN/ABSOLUTE_VALUE',
      },
    ]);
    expect(details.actions).toEqual([
      {
        id: 'act-1',
        actionType: 'APPLY_SCP_POLICY',
        notificationType: 'ACTUAL',
        thresholdPercent: 100,
        policyId: 'p-deny',
        targetIds: ['222222222222'],
        executionRoleArn: 'arn:aws:iam::111111111111:role/estate-budgets-action',
        approvalModel: 'AUTOMATIC',
        subscribers: { emails: ['a@x.example.com'] },
        status: 'EXECUTION_SUCCESS',
      },
    ]);
    const subscriberCalls = mock
      .commandCalls(DescribeSubscribersForNotificationCommand)
      .map((c) => c.args[0].input);
    expect(subscriberCalls).toHaveLength(3);
    expect(subscriberCalls).toContainEqual(
      expect.objectContaining({
        AccountId: MGMT,
        BudgetName: 'estate-dev-alice-monthly',
        Notification: actual80,
        NextToken: 's1',
      }),
    );
    expect(mock.commandCalls(DescribeBudgetActionsForBudgetCommand)[1]!.args[0].input.NextToken).toBe('a1');
  });
});

describe('AwsBudgets: account-wide reads', () => {
  it('Given paged account-wide notifications and actions, When describing estate budgets, Then only the named ones are read, subscribers per notification', async () => {
    const n = (t: number) => ({
      NotificationType: 'ACTUAL' as const,
      ComparisonOperator: 'GREATER_THAN' as const,
      Threshold: t,
      ThresholdType: 'PERCENTAGE' as const,
    });
    mock
      .on(DescribeBudgetNotificationsForAccountCommand)
      .resolvesOnce({
        BudgetNotificationsForAccount: [{ BudgetName: 'estate-a-monthly', Notifications: [n(80)] }],
        NextToken: 'p2',
      })
      .resolvesOnce({
        BudgetNotificationsForAccount: [
          { BudgetName: 'finance-total', Notifications: [n(50)] },
          { BudgetName: 'estate-b-monthly', Notifications: [n(80), n(100)] },
        ],
      });
    mock
      .on(DescribeBudgetActionsForAccountCommand)
      .rejects(new NotFoundException({ message: 'none', ...meta }));
    mock
      .on(DescribeSubscribersForNotificationCommand)
      .resolves({ Subscribers: [{ SubscriptionType: 'EMAIL', Address: 'f@x.example.com' }] });

    const details = await adapter().describeBudgets(MGMT, [
      'estate-a-monthly',
      'estate-b-monthly',
      'estate-c-monthly',
    ]);

    expect(
      [...details].map(([name, d]) => [name, d.notifications.map((x) => x.thresholdPercent), d.actions]),
    ).toEqual([
      ['estate-a-monthly', [80], []],
      ['estate-b-monthly', [80, 100], []],
      ['estate-c-monthly', [], []],
    ]);
    expect(mock.commandCalls(DescribeBudgetNotificationsForAccountCommand)[1]!.args[0].input).toEqual({
      AccountId: MGMT,
      MaxResults: 100,
      NextToken: 'p2',
    });
    // finance-total is not estate's: its subscribers are never read.
    expect(
      mock.commandCalls(DescribeSubscribersForNotificationCommand).map((c) => c.args[0].input.BudgetName),
    ).not.toContain('finance-total');
    expect(mock.commandCalls(DescribeSubscribersForNotificationCommand)).toHaveLength(3);
  });
});

describe('AwsBudgets: writing', () => {
  it('Given an environment budget, When created, Then the wire input has the tag filter, the notifications and their subscribers', async () => {
    mock.on(CreateBudgetCommand).resolves({});
    const out = await adapter().createBudget('222222222222', {
      name: 'estate-env_alice-monthly',
      amountUsd: 50,
      filter: { tag: { key: 'estate:env', value: 'alice' } },
      notifications: [
        {
          type: 'FORECASTED',
          thresholdPercent: 100,
          emails: ['a@x.example.com'],
          snsTopicArn: 'arn:aws:sns:us-east-1:111111111111:alerts',
        },
      ],
    });
    expect(out).toEqual({ existed: false });
    expect(homes).toEqual(['222222222222']);
    expect(mock.commandCalls(CreateBudgetCommand)[0]!.args[0].input).toEqual({
      AccountId: '222222222222',
      Budget: {
        BudgetName: 'estate-env_alice-monthly',
        BudgetLimit: { Amount: '50', Unit: 'USD' },
        TimeUnit: 'MONTHLY',
        BudgetType: 'COST',
        FilterExpression: {
          Tags: { Key: 'user:estate:env', Values: ['alice'], MatchOptions: ['EQUALS'] },
        },
        Metrics: ['UnblendedCost'],
      },
      NotificationsWithSubscribers: [
        {
          Notification: {
            NotificationType: 'FORECASTED',
            ComparisonOperator: 'GREATER_THAN',
            Threshold: 100,
            ThresholdType: 'PERCENTAGE',
          },
          Subscribers: [
            { SubscriptionType: 'EMAIL', Address: 'a@x.example.com' },
            { SubscriptionType: 'SNS', Address: 'arn:aws:sns:us-east-1:111111111111:alerts' },
          ],
        },
      ],
    });
  });

  it('Given seven notifications, When the budget is created, Then CreateBudget carries five and CreateNotification adds the other two', async () => {
    mock.on(CreateBudgetCommand).resolves({});
    mock.on(CreateNotificationCommand).resolves({});
    const notifications = [50, 60, 70, 80, 90, 100, 110].map((t) => ({
      type: 'ACTUAL' as const,
      thresholdPercent: t,
      emails: ['a@x.example.com'],
    }));
    await adapter().createBudget(MGMT, { name: 'b', amountUsd: 1, filter: {}, notifications });
    const created = mock.commandCalls(CreateBudgetCommand)[0]!.args[0].input;
    expect(created.NotificationsWithSubscribers!.map((n) => n.Notification!.Threshold)).toEqual([
      50, 60, 70, 80, 90,
    ]);
    expect(created.Budget!.FilterExpression).toBeUndefined();
    expect(
      mock.commandCalls(CreateNotificationCommand).map((c) => c.args[0].input.Notification!.Threshold),
    ).toEqual([100, 110]);
  });

  it('Given the budget exists already, When created again, Then DuplicateRecordException reports existed instead of failing', async () => {
    mock.on(CreateBudgetCommand).rejects(new DuplicateRecordException({ message: 'exists', ...meta }));
    const out = await adapter().createBudget(MGMT, {
      name: 'b',
      amountUsd: 1,
      filter: {},
      notifications: [],
    });
    expect(out).toEqual({ existed: true });
  });

  it('Given things already gone or already there, When deleting or subscribing, Then the call succeeds', async () => {
    mock.on(DeleteBudgetCommand).rejects(new NotFoundException({ message: 'gone', ...meta }));
    mock.on(DeleteNotificationCommand).rejects(new NotFoundException({ message: 'gone', ...meta }));
    mock.on(CreateSubscriberCommand).rejects(new DuplicateRecordException({ message: 'there', ...meta }));
    const a = adapter();
    const n = { type: 'ACTUAL' as const, thresholdPercent: 80, emails: [] };
    await expect(a.deleteBudget(MGMT, 'b')).resolves.toBeUndefined();
    await expect(a.deleteNotification(MGMT, 'b', n)).resolves.toBeUndefined();
    await expect(
      a.addSubscriber(MGMT, 'b', n, { kind: 'EMAIL', address: 'x@y.example.com' }),
    ).resolves.toBeUndefined();
  });

  it('Given the caller lacks budgets:ModifyBudget, When updating, Then the error names the action, budget, account and permission', async () => {
    mock.on(UpdateBudgetCommand).rejects(new AccessDeniedException({ message: 'denied', ...meta }));
    const error = await adapter()
      .updateBudget(MGMT, {
        name: 'estate-prod-monthly',
        amountUsd: 10,
        filter: { linkedAccount: '333333333333' },
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EstateError);
    expect((error as EstateError).message).toBe(
      'cannot UpdateBudget budget estate-prod-monthly in account 111111111111: the caller lacks budgets:ModifyBudget (AccessDeniedException)',
    );
    const sent = mock.commandCalls(UpdateBudgetCommand)[0]!.args[0].input.NewBudget!;
    expect(sent.CostFilters).toBeUndefined();
    expect(sent.CostTypes).toBeUndefined();
    expect(sent.FilterExpression).toEqual({
      Dimensions: { Key: 'LINKED_ACCOUNT', Values: ['333333333333'], MatchOptions: ['EQUALS'] },
    });
    expect(sent.Metrics).toEqual(['UnblendedCost']);
  });

  it('Given throttling twice, When wrapped with estate retries, Then the third attempt succeeds', async () => {
    mock
      .on(DescribeBudgetsCommand)
      .rejectsOnce(new ThrottlingException({ message: 'slow down', ...meta }))
      .rejectsOnce(new ThrottlingException({ message: 'slow down', ...meta }))
      .resolves({ Budgets: [budget('estate-x-monthly')] });
    const client = new BudgetsClient({
      region: 'us-east-1',
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    });
    const retrying = new AwsBudgets(() => withRetries(client, { sleep: async () => {} }));
    expect((await retrying.listBudgets(MGMT)).map((b) => b.name)).toEqual(['estate-x-monthly']);
    expect(mock.commandCalls(DescribeBudgetsCommand)).toHaveLength(3);
  });

  it('Given an enforcement action, When created, Then it is an automatic APPLY_SCP_POLICY at 100 % actual on the account', async () => {
    mock.on(CreateBudgetActionCommand).resolves({ ActionId: 'act-9' });
    const id = await adapter().createScpAction(MGMT, 'estate-dev-alice-monthly', {
      notificationType: 'ACTUAL',
      thresholdPercent: 100,
      policyId: 'p-deny',
      targetIds: ['222222222222'],
      executionRoleArn: 'arn:aws:iam::111111111111:role/estate-budgets-action',
      approvalModel: 'AUTOMATIC',
      subscribers: { emails: ['finops@x.example.com'] },
    });
    expect(id).toBe('act-9');
    expect(mock.commandCalls(CreateBudgetActionCommand)[0]!.args[0].input).toEqual({
      AccountId: MGMT,
      BudgetName: 'estate-dev-alice-monthly',
      ActionType: 'APPLY_SCP_POLICY',
      NotificationType: 'ACTUAL',
      ActionThreshold: { ActionThresholdValue: 100, ActionThresholdType: 'PERCENTAGE' },
      Definition: { ScpActionDefinition: { PolicyId: 'p-deny', TargetIds: ['222222222222'] } },
      ExecutionRoleArn: 'arn:aws:iam::111111111111:role/estate-budgets-action',
      ApprovalModel: 'AUTOMATIC',
      Subscribers: [{ SubscriptionType: 'EMAIL', Address: 'finops@x.example.com' }],
    });
  });

  it('Given the execution role is missing, When the action is created, Then the error says how the role must be set up', async () => {
    mock
      .on(CreateBudgetActionCommand)
      .rejects(
        Object.assign(new Error('role invalid'), { name: 'InvalidParameterException', $metadata: {} }),
      );
    const error = (await adapter()
      .createScpAction(MGMT, 'b', {
        notificationType: 'ACTUAL',
        thresholdPercent: 100,
        policyId: 'p',
        targetIds: ['2'],
        executionRoleArn: 'arn:aws:iam::111111111111:role/estate-budgets-action',
        approvalModel: 'AUTOMATIC',
        subscribers: { emails: ['a@x.example.com'] },
      })
      .catch((e: unknown) => e)) as EstateError;
    expect(error.message).toContain('CreateBudgetAction on budget b in account 111111111111 failed');
    expect(error.suggestions[0]).toMatch(/trust budgets\.amazonaws\.com.*iam:PassRole/);
  });
});
