import {
  CreateBudgetCommand,
  CreateNotificationCommand,
  CreateSubscriberCommand,
  DeleteSubscriberCommand,
  DescribeBudgetsCommand,
} from '@aws-sdk/client-budgets';
import { describe, expect, it } from 'vitest';
import { FakeBudgets } from '../../src/emulator/budgets.js';

const A = '111111111111';
const budget = (name: string) => ({
  BudgetName: name,
  BudgetLimit: { Amount: '10', Unit: 'USD' },
  TimeUnit: 'MONTHLY' as const,
  BudgetType: 'COST' as const,
});
const notification = (threshold: number) => ({
  NotificationType: 'ACTUAL' as const,
  ComparisonOperator: 'GREATER_THAN' as const,
  Threshold: threshold,
  ThresholdType: 'PERCENTAGE' as const,
});
const email = (address: string) => ({ SubscriptionType: 'EMAIL' as const, Address: address });
const nameOf = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e: Error) => e.name,
  );

describe('FakeBudgets behaves like AWS Budgets', () => {
  it('Given no budget, When describing, Then NotFoundException; with five and page size 2, Then three pages', async () => {
    const fake = new FakeBudgets({ pageSize: 2 });
    expect(await nameOf(fake.send(new DescribeBudgetsCommand({ AccountId: A })))).toBe('NotFoundException');
    for (let i = 0; i < 5; i++)
      await fake.send(new CreateBudgetCommand({ AccountId: A, Budget: budget(`b${i}`) }));
    const first = await fake.send(new DescribeBudgetsCommand({ AccountId: A }));
    const second = await fake.send(new DescribeBudgetsCommand({ AccountId: A, NextToken: first.NextToken }));
    const third = await fake.send(new DescribeBudgetsCommand({ AccountId: A, NextToken: second.NextToken }));
    expect([first, second, third].map((p) => p.Budgets.length)).toEqual([2, 2, 1]);
    expect(third.NextToken).toBeUndefined();
  });

  it('Given a budget, When created twice or with an 11th notification, Then DuplicateRecord and CreationLimitExceeded', async () => {
    const fake = new FakeBudgets();
    await fake.send(new CreateBudgetCommand({ AccountId: A, Budget: budget('b') }));
    expect(await nameOf(fake.send(new CreateBudgetCommand({ AccountId: A, Budget: budget('b') })))).toBe(
      'DuplicateRecordException',
    );
    for (let t = 1; t <= 10; t++)
      await fake.send(
        new CreateNotificationCommand({
          AccountId: A,
          BudgetName: 'b',
          Notification: notification(t),
          Subscribers: [email('a@x.io')],
        }),
      );
    expect(
      await nameOf(
        fake.send(
          new CreateNotificationCommand({
            AccountId: A,
            BudgetName: 'b',
            Notification: notification(11),
            Subscribers: [email('a@x.io')],
          }),
        ),
      ),
    ).toBe('CreationLimitExceededException');
  });

  it('Given a notification, When an 11th e-mail is added or the last subscriber removed, Then AWS refuses', async () => {
    const fake = new FakeBudgets();
    const emails = Array.from({ length: 10 }, (_, i) => email(`u${i}@x.io`));
    await fake.send(
      new CreateBudgetCommand({
        AccountId: A,
        Budget: budget('b'),
        NotificationsWithSubscribers: [{ Notification: notification(80), Subscribers: emails }],
      }),
    );
    const base = { AccountId: A, BudgetName: 'b', Notification: notification(80) };
    expect(
      await nameOf(fake.send(new CreateSubscriberCommand({ ...base, Subscriber: email('u11@x.io') }))),
    ).toBe('CreationLimitExceededException');
    for (let i = 0; i < 9; i++)
      await fake.send(new DeleteSubscriberCommand({ ...base, Subscriber: emails[i]! }));
    expect(await nameOf(fake.send(new DeleteSubscriberCommand({ ...base, Subscriber: emails[9]! })))).toBe(
      'InvalidParameterException',
    );
    expect(await nameOf(fake.send(new DeleteSubscriberCommand({ ...base, Subscriber: emails[0]! })))).toBe(
      'NotFoundException',
    );
  });

  it('Given a FilterExpression budget, When described, Then the expression shows only with ShowFilterExpression; bad filters and a sixth inline notification are refused', async () => {
    const fake = new FakeBudgets();
    const FilterExpression = { Dimensions: { Key: 'LINKED_ACCOUNT' as const, Values: ['222222222222'] } };
    await fake.send(
      new CreateBudgetCommand({
        AccountId: A,
        Budget: { ...budget('b'), FilterExpression, Metrics: ['UnblendedCost'] },
      }),
    );
    const hidden = await fake.send(new DescribeBudgetsCommand({ AccountId: A }));
    const shown = await fake.send(new DescribeBudgetsCommand({ AccountId: A, ShowFilterExpression: true }));
    expect(hidden.Budgets[0].FilterExpression).toBeUndefined();
    expect(shown.Budgets[0].FilterExpression).toEqual(FilterExpression);
    const refused = (extra: Record<string, unknown>, notifications = 0) =>
      nameOf(
        fake.send(
          new CreateBudgetCommand({
            AccountId: A,
            Budget: { ...budget(`x${Math.random()}`), ...extra },
            NotificationsWithSubscribers: Array.from({ length: notifications }, (_, i) => ({
              Notification: notification(i + 1),
              Subscribers: [email('a@x.io')],
            })),
          }),
        ),
      );
    expect(await refused({ FilterExpression })).toBe('InvalidParameterException');
    expect(
      await refused({ FilterExpression, Metrics: ['UnblendedCost'], CostFilters: { LinkedAccount: ['1'] } }),
    ).toBe('InvalidParameterException');
    expect(await refused({}, 6)).toBe('InvalidParameterException');
    expect(await refused({}, 5)).toBe('ok');
  });
});
