import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ConfigError, parseConfig } from '../../../src/config/loader.js';
import type { EstateConfig } from '../../../src/config/schema.js';
import {
  ACTION_ROLE_POLICY_NAME,
  DENY_POLICY_NAME,
  POLICY_ID_AT_APPLY,
  actionRolePermissions,
  actionRoleTrustPolicy,
  desiredBudgets,
} from '../../../src/core/budgets/desired.js';
import {
  planBudgets,
  type BudgetUpdatePayload,
  type BudgetsSnapshot,
  type LiveBudget,
} from '../../../src/core/budgets/planner.js';
import { minimalConfig } from '../../_helpers/config.js';

const MGMT = '111111111111';
const LOGS = '333333333333';
const ALICE = '222222222222';
const ids = new Map([
  ['logs', LOGS],
  ['dev-alice', ALICE],
]);
const DOC = '{"Version":"2012-10-17","Statement":[]}';

function estate(
  budgets: Record<string, unknown>,
  edit: (c: Record<string, any>) => void = () => {},
): EstateConfig {
  const c = minimalConfig();
  c.organization.managementAccountId = MGMT;
  c.budgets = budgets;
  edit(c);
  return parseConfig(stringify(c));
}

const BASE = {
  alertEmails: ['finops@acme.example.com'],
  byKind: { logs: { monthlyUsd: 150 }, developer: { monthlyUsd: 100 } },
};

const empty: BudgetsSnapshot = {
  managementAccountId: MGMT,
  homesRead: [MGMT],
  budgets: [],
  costAllocationTags: [],
};

/** The live estate exactly as the config wants it (what a finished apply leaves). */
function converged(config: EstateConfig, extra: Partial<BudgetsSnapshot> = {}): BudgetsSnapshot {
  const desired = desiredBudgets(config, ids, MGMT);
  const policyId = 'p-deny';
  const budgets: LiveBudget[] = desired.budgets.map((b) => ({
    home: b.home.placement === 'management' ? MGMT : b.home.account.id!,
    name: b.name,
    amountUsd: b.amountUsd,
    timeUnit: 'MONTHLY',
    budgetType: 'COST',
    filter: {
      ...(b.filter.linkedAccount ? { linkedAccount: b.filter.linkedAccount.id! } : {}),
      ...(b.filter.tag ? { tag: b.filter.tag } : {}),
    },
    otherFilters: false,
    details: {
      notifications: b.notifications,
      actions: b.enforce
        ? [
            {
              id: `act-${b.name}`,
              actionType: 'APPLY_SCP_POLICY',
              notificationType: 'ACTUAL',
              thresholdPercent: 100,
              policyId,
              targetIds: [b.enforce.target.id!],
              executionRoleArn: desired.actionRoleArn,
              approvalModel: 'AUTOMATIC',
              subscribers: b.enforce.subscribers,
              status: 'STANDBY',
            },
          ]
        : [],
    },
  }));
  const enforcing = desired.budgets.some((b) => b.enforce);
  return {
    ...empty,
    budgets,
    ...(enforcing
      ? {
          denyPolicy: { id: policyId, content: DOC, targetIds: [] },
          actionRole: {
            name: 'estate-budgets-action',
            arn: desired.actionRoleArn,
            trustPolicy: actionRoleTrustPolicy(MGMT),
            permissions: actionRolePermissions(config, MGMT, policyId),
          },
        }
      : {}),
    ...extra,
  };
}

const plan = (config: EstateConfig, snapshot: BudgetsSnapshot, accountIds = ids) =>
  planBudgets({ config, accountIds, snapshot, policyDocument: DOC });

describe('budgets planner', () => {
  it('Given eleven alert thresholds, When estate.yaml is read, Then it is refused naming the field and the limit of 10', () => {
    const error = (() => {
      try {
        return estate({
          ...BASE,
          notifications: Array.from({ length: 11 }, (_, i) => ({ type: 'ACTUAL', thresholdPercent: 10 + i })),
        });
      } catch (e) {
        return e as ConfigError;
      }
    })() as ConfigError;
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.issues).toEqual([
      expect.objectContaining({
        path: 'budgets.notifications',
        message: 'AWS Budgets allows at most 10 notifications per budget',
      }),
    ]);
  });

  it('Given no budgets in AWS, When planned, Then one monthly budget per account is created in the management account, filtered to it', () => {
    const changes = plan(estate(BASE), empty);
    expect(changes.map((c) => `${c.action} ${c.address}`)).toEqual([
      'create budget:management/estate-logs-monthly',
      'create budget:management/estate-dev-alice-monthly',
    ]);
    expect(changes[1]!.payload).toEqual({
      home: { label: 'management', accountId: MGMT },
      name: 'estate-dev-alice-monthly',
      amountUsd: 100,
      filter: { linkedAccount: { name: 'dev-alice', id: ALICE } },
      notifications: [
        { type: 'ACTUAL', thresholdPercent: 80, emails: ['finops@acme.example.com'] },
        { type: 'ACTUAL', thresholdPercent: 100, emails: ['finops@acme.example.com'] },
        { type: 'FORECASTED', thresholdPercent: 100, emails: ['finops@acme.example.com'] },
      ],
    });
    expect(changes[1]!.summary).toBe(
      'create budget estate-dev-alice-monthly (account dev-alice): $100/month, alerts at ACTUAL 80 %, ACTUAL 100 %, FORECASTED 100 %',
    );
  });

  it('Given an account recycled (tag estate:recycled), When planned, Then its budget stays and its deny action goes', () => {
    const enforcing = {
      ...BASE,
      byKind: { ...BASE.byKind, developer: { monthlyUsd: 100, enforce: 'deny-new-resources' } },
    };
    const before = estate(enforcing);
    const after = estate(enforcing, (c) => {
      const alice = c.accounts.find((a: { name: string }) => a.name === 'dev-alice');
      alice.tags = { ...alice.tags, 'estate:recycled': '2026-12-02' };
    });
    const desired = desiredBudgets(after, ids, MGMT);
    const budget = desired.budgets.find((b) => b.name === 'estate-dev-alice-monthly');
    expect(budget).toBeDefined();
    expect(budget!.enforce).toBeUndefined();
    expect(
      desiredBudgets(before, ids, MGMT).budgets.find((b) => b.name === budget!.name)!.enforce,
    ).toBeDefined();
    const changes = plan(after, converged(before)).map((c) => `${c.action} ${c.address}`);
    expect(changes.some((c) => c.startsWith('delete budget-action:') && c.includes('dev-alice'))).toBe(true);
    expect(changes.some((c) => c.startsWith('delete budget:'))).toBe(false);
  });

  it('Given AWS already matches estate.yaml, When planned, Then nothing changes', () => {
    const config = estate(
      { ...BASE, byKind: { ...BASE.byKind, developer: { monthlyUsd: 100, enforce: 'deny-new-resources' } } },
      (c) =>
        (c.environments = [{ name: 'alice', account: 'dev-alice', blueprints: ['data'], budgetUsd: 40 }]),
    );
    expect(plan(config, converged(config))).toEqual([]);
  });

  it('Given a threshold changed in estate.yaml, When planned, Then one update replaces that notification and shows 80 % → 90 %', () => {
    const before = estate(BASE);
    const after = estate({
      ...BASE,
      notifications: [
        { type: 'ACTUAL', thresholdPercent: 90 },
        { type: 'ACTUAL', thresholdPercent: 100 },
        { type: 'FORECASTED', thresholdPercent: 100 },
      ],
    });
    const changes = plan(after, converged(before));
    expect(changes.map((c) => `${c.action} ${c.address}`)).toEqual([
      'update budget:management/estate-logs-monthly',
      'update budget:management/estate-dev-alice-monthly',
    ]);
    expect(changes[0]!.diff).toEqual([{ field: 'ACTUAL threshold', before: '80 %', after: '90 %' }]);
    const steps = (changes[0]!.payload as BudgetUpdatePayload).steps;
    expect(steps.map((s) => `${s.op} ${'notification' in s ? s.notification.thresholdPercent : ''}`)).toEqual(
      ['deleteNotification 80', 'createNotification 90'],
    );
  });

  it('Given a subscriber added, When planned, Then each notification gains it without being replaced', () => {
    const before = estate(BASE);
    const after = estate({ ...BASE, alertEmails: ['finops@acme.example.com', 'cto@acme.example.com'] });
    const [logs] = plan(after, converged(before));
    const steps = (logs!.payload as BudgetUpdatePayload).steps;
    expect(steps).toHaveLength(3);
    expect(
      steps.every((s) => s.op === 'addSubscriber' && s.subscriber.address === 'cto@acme.example.com'),
    ).toBe(true);
    expect(logs!.diff![0]).toEqual({
      field: 'ACTUAL 80 % subscribers',
      before: 'finops@acme.example.com',
      after: 'cto@acme.example.com, finops@acme.example.com',
    });
  });

  it('Given a subscriber removed, When planned, Then it is unsubscribed; and when every subscriber changes the notification is replaced', () => {
    const before = estate({ ...BASE, alertEmails: ['finops@acme.example.com', 'cto@acme.example.com'] });
    const removed = plan(estate(BASE), converged(before));
    expect((removed[0]!.payload as BudgetUpdatePayload).steps.map((s) => s.op)).toEqual([
      'removeSubscriber',
      'removeSubscriber',
      'removeSubscriber',
    ]);

    const swapped = plan(estate({ ...BASE, alertEmails: ['new@acme.example.com'] }), converged(estate(BASE)));
    const ops = (swapped[0]!.payload as BudgetUpdatePayload).steps.map((s) => s.op);
    // AWS keeps at least one subscriber per notification: remove-then-add could not run.
    expect(ops).toEqual([
      'deleteNotification',
      'deleteNotification',
      'deleteNotification',
      'createNotification',
      'createNotification',
      'createNotification',
    ]);
  });

  it('Given an amount changed, When planned, Then the budget is updated with its new limit and nothing else', () => {
    const after = estate({ ...BASE, byKind: { ...BASE.byKind, developer: { monthlyUsd: 250 } } });
    const changes = plan(after, converged(estate(BASE)));
    expect(changes).toHaveLength(1);
    expect(changes[0]!.diff).toEqual([{ field: 'amountUsd', before: 100, after: 250 }]);
    expect((changes[0]!.payload as BudgetUpdatePayload).steps).toEqual([
      { op: 'updateBudget', amountUsd: 250, filter: { linkedAccount: { name: 'dev-alice', id: ALICE } } },
    ]);
  });

  it('Given a budget estate created that the config no longer asks for, When planned, Then it is deleted', () => {
    const before = estate(BASE);
    const after = estate({ ...BASE, byKind: { developer: { monthlyUsd: 100 } } });
    const changes = plan(after, converged(before));
    expect(changes.map((c) => `${c.action} ${c.address}`)).toEqual([
      'delete budget:management/estate-logs-monthly',
    ]);
    expect(changes[0]!.payload).toEqual({
      home: { label: 'management', accountId: MGMT },
      name: 'estate-logs-monthly',
      actions: [],
    });
  });

  it('Given budgets estate does not own, When planned, Then they are never changed or deleted, whatever they hold', () => {
    const config = estate(BASE);
    const snapshot = converged(config);
    const foreign: LiveBudget = {
      home: MGMT,
      name: 'finance-dev-alice-monthly',
      amountUsd: 1,
      timeUnit: 'DAILY',
      budgetType: 'USAGE',
      filter: { linkedAccount: ALICE },
      otherFilters: true,
      details: {
        notifications: [{ type: 'ACTUAL', thresholdPercent: 5, emails: ['x@y.example.com'] }],
        actions: [],
      },
    };
    expect(plan(config, { ...snapshot, budgets: [...snapshot.budgets, foreign] })).toEqual([]);
  });

  it('Given an account created in this same apply, When planned, Then its budget names the account and leaves the id to apply time', () => {
    const changes = plan(estate(BASE), empty, new Map([['logs', LOGS]]));
    expect(changes[1]!.payload.filter).toEqual({ linkedAccount: { name: 'dev-alice' } });
  });

  it('Given placement member, When planned, Then budgets live in each member account without a linked-account filter', () => {
    const config = estate({ ...BASE, placement: 'member' });
    const changes = plan(config, empty);
    expect(changes[1]!.address).toBe('budget:dev-alice/estate-dev-alice-monthly');
    expect(changes[1]!.payload).toMatchObject({
      home: { label: 'dev-alice', account: 'dev-alice', accountId: ALICE },
      filter: {},
    });
    // The management-placed budgets of before are estate's and go.
    const old = converged(estate(BASE));
    const moved = plan(config, { ...old, homesRead: [MGMT, LOGS, ALICE] });
    expect(moved.map((c) => `${c.action} ${c.address}`)).toEqual([
      'create budget:logs/estate-logs-monthly',
      'create budget:dev-alice/estate-dev-alice-monthly',
      'delete budget:management/estate-logs-monthly',
      'delete budget:management/estate-dev-alice-monthly',
    ]);
  });

  it('Given an environment with budgetUsd, When planned, Then its budget filters on estate:env and never collides with an account budget', () => {
    const config = estate(BASE, (c) => {
      c.accounts.push({ name: 'env-alice', kind: 'developer', ou: 'Sandbox' });
      c.environments = [{ name: 'alice', account: 'dev-alice', blueprints: ['data'], budgetUsd: 40 }];
    });
    const changes = plan(config, empty);
    const names = changes.map((c) => c.payload.name);
    expect(names).toContain('estate-env_alice-monthly');
    expect(names).toContain('estate-env-alice-monthly');
    expect(changes.find((c) => c.payload.name === 'estate-env_alice-monthly')!.payload.filter).toEqual({
      linkedAccount: { name: 'dev-alice', id: ALICE },
      tag: { key: 'estate:env', value: 'alice' },
    });
  });

  it('Given enforce deny-new-resources, When planned on an empty estate, Then the SCP, then the budget, then the action', () => {
    const config = estate({
      ...BASE,
      byKind: { developer: { monthlyUsd: 100, enforce: 'deny-new-resources' } },
    });
    const changes = plan(config, empty);
    expect(changes.map((c) => `${c.action} ${c.address}`)).toEqual([
      `create budget-scp:${DENY_POLICY_NAME}`,
      'create budget-action-role:estate-budgets-action',
      'create budget:management/estate-dev-alice-monthly',
      'create budget-action:estate-dev-alice-monthly',
    ]);
    const role = changes[1]!;
    expect(role.dependsOn).toEqual([`budget-scp:${DENY_POLICY_NAME}`]);
    expect(JSON.parse(role.payload.trustPolicy as string).Statement).toEqual([
      {
        Effect: 'Allow',
        Principal: { Service: 'budgets.amazonaws.com' },
        Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'aws:SourceAccount': MGMT } },
      },
    ]);
    // Least privilege: attach and detach the one deny SCP, whose id is known only at apply.
    expect(JSON.parse(role.payload.permissions as string).Statement).toEqual([
      {
        Sid: 'AttachEstateBudgetDenyScp',
        Effect: 'Allow',
        Action: ['organizations:AttachPolicy', 'organizations:DetachPolicy'],
        Resource: [
          `arn:aws:organizations::${MGMT}:policy/o-*/service_control_policy/${POLICY_ID_AT_APPLY}`,
          `arn:aws:organizations::${MGMT}:account/o-*/*`,
        ],
      },
    ]);
    const action = changes[3]!;
    expect(action.dependsOn).toEqual([
      'budget:management/estate-dev-alice-monthly',
      `budget-scp:${DENY_POLICY_NAME}`,
      'budget-action-role:estate-budgets-action',
    ]);
    expect(action.payload.spec).toEqual({
      thresholdPercent: 100,
      notificationType: 'ACTUAL',
      approvalModel: 'AUTOMATIC',
      executionRoleArn: `arn:aws:iam::${MGMT}:role/estate-budgets-action`,
      subscribers: { emails: ['finops@acme.example.com'] },
      policy: { name: DENY_POLICY_NAME },
      target: { name: 'dev-alice', id: ALICE },
    });
  });

  it("Given estate's role exists but its policy names another SCP id, When planned, Then only its policy is rewritten; a user-named role is never planned", () => {
    const config = estate({
      ...BASE,
      byKind: { developer: { monthlyUsd: 100, enforce: 'deny-new-resources' } },
    });
    const live = converged(config);
    const stale = {
      ...live,
      actionRole: { ...live.actionRole!, permissions: actionRolePermissions(config, MGMT, 'p-old') },
    };
    const changes = plan(config, stale);
    expect(changes.map((c) => `${c.action} ${c.address}`)).toEqual([
      'update budget-action-role:estate-budgets-action',
    ]);
    expect(changes[0]!.payload).toMatchObject({ create: false, updateTrust: false, updatePermissions: true });
    expect(changes[0]!.diff!.map((d) => d.field)).toEqual([ACTION_ROLE_POLICY_NAME]);

    const own = estate({
      ...BASE,
      actionRoleArn: `arn:aws:iam::${MGMT}:role/finops/budget-runner`,
      byKind: { developer: { monthlyUsd: 100, enforce: 'deny-new-resources' } },
    });
    const { actionRole: _none, ...withoutRole } = converged(own);
    const owned = {
      ...withoutRole,
      budgets: withoutRole.budgets.map((b) => ({
        ...b,
        details: {
          ...b.details!,
          actions: b.details!.actions.map((a) => ({
            ...a,
            executionRoleArn: `arn:aws:iam::${MGMT}:role/finops/budget-runner`,
          })),
        },
      })),
    };
    expect(plan(own, owned)).toEqual([]);
  });

  it('Given enforcement dropped after the action fired, When planned, Then the SCP is detached with the action, and the SCP goes last', () => {
    const enforced = estate({
      ...BASE,
      byKind: { developer: { monthlyUsd: 100, enforce: 'deny-new-resources' } },
    });
    const live = converged(enforced);
    const fired: BudgetsSnapshot = {
      ...live,
      budgets: live.budgets.map((b) => ({
        ...b,
        details: {
          ...b.details!,
          actions: b.details!.actions.map((a) => ({ ...a, status: 'EXECUTION_SUCCESS' })),
        },
      })),
      denyPolicy: { id: 'p-deny', content: DOC, targetIds: [ALICE] },
    };
    const changes = plan(estate({ ...BASE, byKind: { developer: { monthlyUsd: 100 } } }), fired);
    expect(changes.map((c) => `${c.action} ${c.address}`)).toEqual([
      'delete budget-action:estate-dev-alice-monthly#act-estate-dev-alice-monthly',
      `delete budget-scp:${DENY_POLICY_NAME}`,
    ]);
    expect(changes[0]!.payload.detach).toEqual({
      actionId: 'act-estate-dev-alice-monthly',
      policyId: 'p-deny',
      targetIds: [ALICE],
    });
    expect(changes[1]!.dependsOn).toEqual([changes[0]!.address]);
    expect(changes[1]!.payload.detachFrom).toEqual([ALICE]);
  });

  it('Given the SCP document changed in a new estate version, When planned, Then the policy is updated', () => {
    const config = estate({
      ...BASE,
      byKind: { developer: { monthlyUsd: 100, enforce: 'deny-new-resources' } },
    });
    const changes = planBudgets({
      config,
      accountIds: ids,
      snapshot: converged(config),
      policyDocument:
        '{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"ec2:RunInstances","Resource":"*"}]}',
    });
    expect(changes.map((c) => `${c.action} ${c.address}`)).toEqual([`update budget-scp:${DENY_POLICY_NAME}`]);
  });

  it('Given estate:env is inactive in billing, When planned, Then it is activated; an active or unseen key is not', () => {
    const config = estate(
      BASE,
      (c) => (c.tags = { mandatory: [{ key: 'cost-center', default: 'platform' }] }),
    );
    const changes = plan(config, {
      ...converged(config),
      costAllocationTags: [
        { key: 'estate:env', status: 'Inactive', type: 'UserDefined' },
        { key: 'cost-center', status: 'Active', type: 'UserDefined' },
      ],
    });
    expect(changes.map((c) => `${c.action} ${c.address}`)).toEqual(['update cost-allocation-tag:estate:env']);
  });
});
