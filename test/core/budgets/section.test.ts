import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { AwsBudgets } from '../../../src/aws/budgets.js';
import { organizationsPort } from '../../../src/aws/organizations.js';
import { withRetries } from '../../../src/aws/send.js';
import { parseConfig } from '../../../src/config/loader.js';
import type { EstateConfig } from '../../../src/config/schema.js';
import { DENY_POLICY_NAME } from '../../../src/core/budgets/desired.js';
import { enforcementPolicyOver } from '../../../src/core/budgets/enforcement-policy.js';
import { denyPolicyDocument } from '../../../src/core/budgets/policy-document.js';
import type { CostAllocationTagsPort } from '../../../src/core/budgets/ports.js';
import { budgetsSection } from '../../../src/core/budgets/section.js';
import { sectionContext } from '../../../src/core/plan/engine.js';
import { recordingIoHost } from '../../_helpers/recording-io.js';
import { FakeBudgets } from '../../../src/emulator/budgets.js';
import { FakeIam } from '../../../src/emulator/iam.js';
import { AwsActionRoles } from '../../../src/aws/iam.js';
import { FakeOrganizations } from '../../../src/emulator/organizations.js';
import { EXAMPLE } from '../../_helpers/cli.js';
import { minimalConfig } from '../../_helpers/config.js';

const MGMT = '111111111111';
const linked = (id: string) => ({
  Dimensions: { Key: 'LINKED_ACCOUNT', Values: [id], MatchOptions: ['EQUALS'] },
});

/** Cost allocation tags as Cost Explorer keeps them: only keys seen in billing data exist. */
class FakeCostAllocationTags implements CostAllocationTagsPort {
  calls = 0;
  constructor(readonly status: Map<string, string>) {}
  requestCount() {
    return this.calls;
  }
  async listCostAllocationTags(keys: readonly string[]) {
    this.calls++;
    return keys
      .filter((k) => this.status.has(k))
      .map((key) => ({ key, status: this.status.get(key)!, type: 'UserDefined' }));
  }
  async activateCostAllocationTags(keys: readonly string[]) {
    const refused = keys.filter((k) => !this.status.has(k));
    for (const k of keys) if (this.status.has(k)) this.status.set(k, 'Active');
    return refused.map((key) => ({ key, reason: 'TagKeysNotFound' }));
  }
}

function rig(options: { propagationChecks?: number } = {}) {
  const iam = new FakeIam(MGMT, options);
  const budgets = new FakeBudgets({ pageSize: 2, roleExists: (arn) => iam.usable(arn) });
  const sleeps: number[] = [];
  const org = new FakeOrganizations({ withOrganization: true, callerAccountId: MGMT });
  const alice = org.addAccount({ name: 'dev-alice', email: 'aws+dev-alice@acme.example.com' });
  const logs = org.addAccount({ name: 'logs', email: 'aws+logs@acme.example.com' });
  const tags = new FakeCostAllocationTags(new Map([['estate:env', 'Inactive']]));
  const section = budgetsSection({
    budgets: new AwsBudgets(() => withRetries(budgets, { sleep: async () => {} })),
    costAllocationTags: tags,
    enforcementPolicy: enforcementPolicyOver(organizationsPort(withRetries(org, { sleep: async () => {} }))),
    actionRoles: new AwsActionRoles(iam, MGMT),
    managementAccountId: async () => MGMT,
    policyDocument: denyPolicyDocument(),
    sleep: async (ms) => void sleeps.push(ms),
  });
  const ids = new Map([
    ['dev-alice', alice],
    ['logs', logs],
  ]);
  return { budgets, org, tags, iam, section, alice, logs, ids, sleeps };
}

function estate(
  budgets: Record<string, unknown>,
  edit: (c: Record<string, any>) => void = () => {},
): EstateConfig {
  const c = minimalConfig();
  c.budgets = budgets;
  c.environments = [{ name: 'alice', account: 'dev-alice', blueprints: ['data'], ttl: '72h', budgetUsd: 40 }];
  edit(c);
  return parseConfig(stringify(c));
}

const ENFORCED = {
  alertEmails: ['finops@acme.example.com'],
  byKind: { logs: { monthlyUsd: 150 }, developer: { monthlyUsd: 100, enforce: 'deny-new-resources' } },
};

async function run(
  r: ReturnType<typeof rig>,
  config: EstateConfig,
  options: {
    planIds?: ReadonlyMap<string, string>;
    applyIds?: ReadonlyMap<string, string>;
    between?: () => void;
  } = {},
) {
  const planContext = sectionContext(config, {
    outputs: { accountIds: options.planIds ?? r.ids, ouIds: new Map() },
  });
  const snapshot = await r.section.read(planContext);
  const changes = r.section.plan(snapshot, planContext);
  const notes = r.section.notes!(snapshot, changes, planContext);
  options.between?.();
  const io = recordingIoHost();
  const events = io.events;
  const results = await r.section.apply(changes, {
    ...planContext,
    outputs: { accountIds: options.applyIds ?? r.ids, ouIds: new Map() },
    io,
    concurrency: 4,
    record: { accountCreated: () => {}, ouCreated: () => {} },
  });
  return { snapshot, changes, notes, results, events };
}

async function replan(r: ReturnType<typeof rig>, config: EstateConfig) {
  const context = sectionContext(config, { outputs: { accountIds: r.ids, ouIds: new Map() } });
  return r.section.plan(await r.section.read(context), context);
}

describe('budgets section offline', () => {
  it('Given the example estate and no AWS, When planned offline, Then every budget is created and the notes explain lag and activation', () => {
    const refuse = () => {
      throw new Error('offline plans call nothing');
    };
    const section = budgetsSection({
      budgets: new Proxy({}, { get: () => refuse }) as never,
      costAllocationTags: new Proxy({}, { get: () => refuse }) as never,
      enforcementPolicy: new Proxy({}, { get: () => refuse }) as never,
      managementAccountId: refuse,
    });
    const config = parseConfig(readFileSync(EXAMPLE, 'utf8'));
    const context = sectionContext(config, { offline: true });
    const snapshot = section.empty(context);
    const changes = section.plan(snapshot, context);
    const notes = section.notes!(snapshot, changes, context);

    expect(changes.filter((c) => c.resourceType === 'budget').map((c) => c.payload.name)).toEqual([
      'estate-logs-monthly',
      'estate-monitoring-monthly',
      'estate-prod-monthly',
      'estate-prod-acme-monthly',
      'estate-integration-monthly',
      'estate-dev-alice-monthly',
      'estate-dev-bob-monthly',
      'estate-env_integration-monthly',
      'estate-env_production-monthly',
    ]);
    expect(changes.find((c) => c.payload.name === 'estate-prod-acme-monthly')!.payload.amountUsd).toBe(1500);
    expect(changes.filter((c) => c.resourceType === 'budget-action').map((c) => c.address)).toEqual([
      'budget-action:estate-dev-alice-monthly',
      'budget-action:estate-dev-bob-monthly',
    ]);
    expect(notes.join('\n')).toMatch(/alice \(ttl 72h\) lives too briefly/);
    expect(notes.join('\n')).toMatch(
      /activates the cost allocation tags estate:env, cost-center, environment/,
    );
    expect(JSON.parse(JSON.stringify(changes))).toEqual(changes);
  });
});

describe('budgets section against behavioural fakes', () => {
  it('Given an empty estate, When applied, Then budgets, alerts, the SCP and the action exist, and a second plan is empty', async () => {
    const r = rig();
    const config = estate(ENFORCED);

    const { results, changes } = await run(r, config);

    expect(results.every((x) => x.status === 'applied')).toBe(true);
    expect(changes.map((c) => `${c.action} ${c.address}`)).toEqual([
      'update cost-allocation-tag:estate:env',
      `create budget-scp:${DENY_POLICY_NAME}`,
      'create budget-action-role:estate-budgets-action',
      'create budget:management/estate-logs-monthly',
      'create budget:management/estate-dev-alice-monthly',
      'create budget:management/estate-env_alice-monthly',
      'create budget-action:estate-dev-alice-monthly',
    ]);
    const dev = r.budgets.budget(MGMT, 'estate-dev-alice-monthly')!;
    expect(dev.budget.CostFilters).toBeUndefined();
    expect(dev.budget.FilterExpression).toEqual(linked(r.alice));
    expect(dev.budget.Metrics).toEqual(['UnblendedCost']);
    expect([...dev.notifications.values()].map((n) => n.subscribers.map((s) => s.Address))).toEqual([
      ['finops@acme.example.com'],
      ['finops@acme.example.com'],
      ['finops@acme.example.com'],
    ]);
    const [action] = [...dev.actions.values()];
    const policy = [...r.org.policies.values()].find((p) => p.name === DENY_POLICY_NAME)!;
    expect(action!.Definition?.ScpActionDefinition).toEqual({ PolicyId: policy.id, TargetIds: [r.alice] });
    // The role the action runs as exists, trusts AWS Budgets and may touch only that SCP.
    const role = r.iam.roles.get('estate-budgets-action')!;
    expect(action!.ExecutionRoleArn).toBe(role.Arn);
    expect(JSON.parse(role.AssumeRolePolicyDocument).Statement[0].Principal).toEqual({
      Service: 'budgets.amazonaws.com',
    });
    const permissions = JSON.parse(role.policies.get('estate-attach-budget-deny-scp')!);
    expect(permissions.Statement[0].Resource[0]).toBe(
      `arn:aws:organizations::${MGMT}:policy/o-*/service_control_policy/${policy.id}`,
    );
    expect(r.budgets.budget(MGMT, 'estate-env_alice-monthly')!.budget.FilterExpression).toEqual({
      And: [
        linked(r.alice),
        { Tags: { Key: 'user:estate:env', Values: ['alice'], MatchOptions: ['EQUALS'] } },
      ],
    });
    expect(r.tags.status.get('estate:env')).toBe('Active');

    expect(await replan(r, config)).toEqual([]);
  });

  it('Given an empty estate, When applied, Then each kind starts only after the kinds it needs finished: tags, the SCP, the role, budgets, then the action', async () => {
    const r = rig();
    const { events } = await run(r, estate(ENFORCED));
    const kinds = events
      .filter((e) => e.type === 'start' || e.type === 'done')
      .map((e) => `${e.type} ${e.id.split(':')[0]}`)
      .filter((line, i, all) => line !== all[i - 1]);
    expect(kinds).toEqual([
      'start cost-allocation-tag',
      'done cost-allocation-tag',
      'start budget-scp',
      'done budget-scp',
      'start budget-action-role',
      'done budget-action-role',
      'start budget',
      'done budget',
      'start budget-action',
      'done budget-action',
    ]);
  });

  it('Given the cost allocation tag cannot be activated yet, When applied, Then it fails alone: the later phases still run', async () => {
    const r = rig();
    r.tags.status.delete('estate:env');
    const config = estate(ENFORCED);
    const context = sectionContext(config, { outputs: { accountIds: r.ids, ouIds: new Map() } });
    const snapshot = await r.section.read(context);
    // Planned while the key was listed, so the activation is in the plan.
    const changes = r.section.plan(
      { ...snapshot, costAllocationTags: [{ key: 'estate:env', status: 'Inactive', type: 'UserDefined' }] },
      context,
    );
    const results = await r.section.apply(changes, {
      ...context,
      io: recordingIoHost(),
      concurrency: 4,
      record: { accountCreated: () => {}, ouCreated: () => {} },
    });
    expect(results.filter((x) => x.status !== 'applied')).toEqual([
      expect.objectContaining({ address: 'cost-allocation-tag:estate:env', status: 'failed' }),
    ]);
    expect(r.budgets.budget(MGMT, 'estate-dev-alice-monthly')).toBeDefined();
  });

  it('Given an applied estate, When thresholds, subscribers and amounts change, Then apply converges and the next plan is empty', async () => {
    const r = rig();
    await run(r, estate(ENFORCED));
    const changed = estate({
      ...ENFORCED,
      alertEmails: ['finops@acme.example.com', 'cto@acme.example.com'],
      notifications: [
        { type: 'ACTUAL', thresholdPercent: 90 },
        { type: 'FORECASTED', thresholdPercent: 110 },
      ],
      byKind: { ...ENFORCED.byKind, logs: { monthlyUsd: 175 } },
    });

    const { results } = await run(r, changed);

    expect(results.filter((x) => x.status !== 'applied')).toEqual([]);
    const logs = r.budgets.budget(MGMT, 'estate-logs-monthly')!;
    expect(logs.budget.BudgetLimit).toEqual({ Amount: '175', Unit: 'USD' });
    expect(
      [...logs.notifications.values()]
        .map((n) => `${n.notification.NotificationType} ${n.notification.Threshold}`)
        .sort(),
    ).toEqual(['ACTUAL 90', 'FORECASTED 110']);
    expect(await replan(r, changed)).toEqual([]);
  });

  it('Given every subscriber replaced, When applied, Then no notification is ever left without one (AWS refuses that)', async () => {
    const r = rig();
    await run(r, estate(ENFORCED));
    const swapped = estate({ ...ENFORCED, alertEmails: ['new@acme.example.com'] });
    const { results } = await run(r, swapped);
    expect(results.filter((x) => x.status !== 'applied')).toEqual([]);
    expect(await replan(r, swapped)).toEqual([]);
  });

  it('Given an account created in the same apply, When applied, Then its budget and action use the id known at apply time', async () => {
    const r = rig();
    const config = estate(ENFORCED);
    const { changes, results } = await run(r, config, { planIds: new Map([['logs', r.logs]]) });
    expect(
      changes.find((c) => c.address === 'budget:management/estate-dev-alice-monthly')!.payload.filter,
    ).toEqual({
      linkedAccount: { name: 'dev-alice' },
    });
    expect(results.every((x) => x.status === 'applied')).toBe(true);
    expect(r.budgets.budget(MGMT, 'estate-dev-alice-monthly')!.budget.FilterExpression).toEqual(
      linked(r.alice),
    );
  });

  it('Given the new execution role is not usable by AWS Budgets for two tries, When applied, Then the action is retried with backoff and created', async () => {
    const r = rig({ propagationChecks: 2 });
    const { results, events } = await run(r, estate(ENFORCED));
    expect(results.filter((x) => x.status !== 'applied')).toEqual([]);
    expect(r.sleeps).toEqual([2_000, 4_000]);
    expect(r.budgets.calls.CreateBudgetAction).toBe(3);
    expect(events.some((e) => e.type === 'update' && /not usable yet/.test(e.message))).toBe(true);
  });

  it('Given a role that existed before the apply, When AWS Budgets refuses it, Then the refusal is reported at once, not retried', async () => {
    const r = rig();
    const config = estate(ENFORCED);
    await run(r, config);
    const [actionId] = [...r.budgets.budget(MGMT, 'estate-dev-alice-monthly')!.actions.keys()];
    r.budgets.budget(MGMT, 'estate-dev-alice-monthly')!.actions.delete(actionId!);
    r.iam.roles.get('estate-budgets-action')!.Arn = 'arn:aws:iam::111111111111:role/gone';
    const { results } = await run(r, config);
    expect(results.find((x) => x.address === 'budget-action:estate-dev-alice-monthly')).toMatchObject({
      status: 'failed',
      message: expect.stringContaining('InvalidParameterException'),
    });
    expect(r.sleeps).toEqual([]);
  });

  it('Given budgets.actionRoleArn names a role that does not exist, When planned, Then the plan fails naming the role and the fix; once it exists, the plan forms', async () => {
    const r = rig();
    const arn = `arn:aws:iam::${MGMT}:role/finops/budget-runner`;
    const config = estate({ ...ENFORCED, actionRoleArn: arn });
    const context = sectionContext(config, { outputs: { accountIds: r.ids, ouIds: new Map() } });
    const error = await r.section.read(context).catch((e: unknown) => e);
    expect((error as Error).message).toBe(
      `budgets.actionRoleArn ${arn} does not exist, so the budget action could not run`,
    );
    expect((error as { suggestions: string[] }).suggestions[0]).toMatch(
      /trust policy for budgets\.amazonaws\.com/,
    );

    r.iam.seed('budget-runner', '{"Statement":[{"Principal":{"Service":"ec2.amazonaws.com"}}]}');
    await expect(r.section.read(context)).rejects.toThrow(/does not trust budgets\.amazonaws\.com/);
    r.iam.roles.get('budget-runner')!.AssumeRolePolicyDocument =
      '{"Statement":[{"Effect":"Allow","Principal":{"Service":"budgets.amazonaws.com"},"Action":"sts:AssumeRole"}]}';
    const changes = r.section.plan(await r.section.read(context), context);
    expect(changes.some((c) => c.resourceType === 'budget-action-role')).toBe(false);
    // A role the user names is theirs: estate reads it and never writes it.
    expect(r.iam.mutations()).toEqual([]);
  });

  it('Given estate budgets written with the deprecated CostFilters, When planned and applied, Then they are rewritten as FilterExpression once', async () => {
    const r = rig();
    const config = estate(ENFORCED);
    await run(r, config);
    for (const name of ['estate-logs-monthly', 'estate-env_alice-monthly']) {
      const stored = r.budgets.budget(MGMT, name)!;
      const { FilterExpression: _f, Metrics: _m, ...rest } = stored.budget;
      stored.budget = {
        ...rest,
        CostFilters:
          name === 'estate-logs-monthly'
            ? { LinkedAccount: [r.logs] }
            : { LinkedAccount: [r.alice], TagKeyValue: ['user:estate:env$alice'] },
        CostTypes: { UseBlended: false },
      };
    }

    const { changes, results } = await run(r, config);

    expect(changes.map((c) => `${c.action} ${c.address}`)).toEqual([
      'update budget:management/estate-logs-monthly',
      'update budget:management/estate-env_alice-monthly',
    ]);
    expect(changes[0]!.diff).toEqual([
      {
        field: 'filter format',
        before: 'CostFilters/CostTypes (deprecated)',
        after: 'FilterExpression with Metrics UnblendedCost',
      },
    ]);
    expect(results.every((x) => x.status === 'applied')).toBe(true);
    const logs = r.budgets.budget(MGMT, 'estate-logs-monthly')!.budget;
    expect([logs.CostFilters, logs.CostTypes, logs.FilterExpression]).toEqual([
      undefined,
      undefined,
      linked(r.logs),
    ]);
    expect(await replan(r, config)).toEqual([]);
  });

  it('Given seven alert thresholds, When applied, Then the budget gets all seven (five with CreateBudget, two after) and the next plan is empty', async () => {
    const r = rig();
    const thresholds = [50, 60, 70, 80, 90, 100, 110];
    const config = estate({
      ...ENFORCED,
      notifications: thresholds.map((thresholdPercent) => ({ type: 'ACTUAL', thresholdPercent })),
    });
    const { results } = await run(r, config);
    expect(results.filter((x) => x.status !== 'applied')).toEqual([]);
    const logs = r.budgets.budget(MGMT, 'estate-logs-monthly')!;
    expect(
      [...logs.notifications.values()].map((n) => n.notification.Threshold).sort((a, b) => a! - b!),
    ).toEqual(thresholds);
    expect(await replan(r, config)).toEqual([]);
  });

  it('Given the account still has no id at apply time, When applied, Then that budget fails, its action is skipped and the rest applies', async () => {
    const r = rig();
    const noAlice = new Map([['logs', r.logs]]);
    const { results } = await run(r, estate(ENFORCED), { planIds: noAlice, applyIds: noAlice });
    const byAddress = Object.fromEntries(results.map((x) => [x.address, x]));
    expect(byAddress['budget:management/estate-dev-alice-monthly']).toMatchObject({
      status: 'failed',
      message: expect.stringContaining('account dev-alice has no id yet'),
    });
    expect(byAddress['budget-action:estate-dev-alice-monthly']!.status).toBe('skipped');
    expect(byAddress['budget:management/estate-logs-monthly']!.status).toBe('applied');
  });

  it('Given a budget created by someone else between plan and apply, When applied, Then DuplicateRecordException converges instead of failing', async () => {
    const r = rig();
    const config = estate(ENFORCED);
    const { results } = await run(r, config, {
      between: () =>
        r.budgets.seed(MGMT, {
          BudgetName: 'estate-logs-monthly',
          BudgetLimit: { Amount: '1', Unit: 'USD' },
          TimeUnit: 'MONTHLY',
          BudgetType: 'COST',
        }),
    });
    expect(results.every((x) => x.status === 'applied')).toBe(true);
    expect(r.budgets.budget(MGMT, 'estate-logs-monthly')!.budget.BudgetLimit?.Amount).toBe('150');
    expect(r.budgets.budget(MGMT, 'estate-logs-monthly')!.notifications.size).toBe(3);
    expect(await replan(r, config)).toEqual([]);
  });

  it('Given a budget deleted by hand between plan and apply, When its deletion is applied, Then NotFoundException counts as done', async () => {
    const r = rig();
    await run(r, estate(ENFORCED));
    const dropped = estate({ ...ENFORCED, byKind: { developer: ENFORCED.byKind.developer } });
    const { results } = await run(r, dropped, {
      between: () => r.budgets.accounts.get(MGMT)!.delete('estate-logs-monthly'),
    });
    expect(results).toEqual([{ address: 'budget:management/estate-logs-monthly', status: 'applied' }]);
  });

  it('Given budgets estate does not own, When applied, Then they are untouched and the plan says so', async () => {
    const r = rig();
    r.budgets.seed(MGMT, {
      BudgetName: 'finance-total',
      BudgetLimit: { Amount: '9000', Unit: 'USD' },
      TimeUnit: 'MONTHLY',
      BudgetType: 'COST',
    });
    const { notes } = await run(r, estate(ENFORCED));
    expect(r.budgets.budget(MGMT, 'finance-total')!.budget.BudgetLimit?.Amount).toBe('9000');
    expect(
      r.budgets.log.filter((l) => JSON.stringify(l.input).includes('finance-total')).map((l) => l.op),
    ).toEqual([]);
    expect(notes).toContain('1 budget not named estate-… (finance-total) is left alone.');
  });

  it('Given enforcement dropped after the action fired, When applied, Then the SCP is detached from the account, the action and the SCP are gone', async () => {
    const r = rig();
    await run(r, estate(ENFORCED));
    const policy = [...r.org.policies.values()].find((p) => p.name === DENY_POLICY_NAME)!;
    const [actionId] = [...r.budgets.budget(MGMT, 'estate-dev-alice-monthly')!.actions.keys()];
    // What AWS Budgets does at 100 %: attach the SCP and mark the action executed.
    r.org.policyTypes.add('SERVICE_CONTROL_POLICY');
    r.org.attachments.get(policy.id)!.add(r.alice);
    r.budgets.setActionStatus(MGMT, 'estate-dev-alice-monthly', actionId!, 'EXECUTION_SUCCESS');

    const relaxed = estate({ ...ENFORCED, byKind: { ...ENFORCED.byKind, developer: { monthlyUsd: 100 } } });
    const { results } = await run(r, relaxed);

    expect(results.filter((x) => x.status !== 'applied')).toEqual([]);
    expect(r.budgets.budget(MGMT, 'estate-dev-alice-monthly')!.actions.size).toBe(0);
    expect(r.org.policies.has(policy.id)).toBe(false);
    expect(await replan(r, relaxed)).toEqual([]);
  });

  it('Given a short-lived environment and a tag not yet in billing data, When planned, Then the notes point to the TTL and explain the activation', async () => {
    const r = rig();
    const config = estate(
      ENFORCED,
      (c) => (c.tags = { mandatory: [{ key: 'cost-center', default: 'platform' }] }),
    );
    const { notes } = await run(r, config);
    expect(notes[0]).toMatch(/refresh up to three times a day/);
    expect(notes[0]).toMatch(/alice \(ttl 72h\) lives too briefly for a budget to guard/);
    // The reaper ends it on time when CI runs it; budgets only watch, a day late.
    expect(notes[0]).toContain(
      'alice (ttl 72h) lives too briefly for a budget to guard: `estate env reap` destroys alice once expired, when CI runs it on a schedule (`estate init --ci github|gitlab` writes the workflow).',
    );
    expect(notes[0]).not.toMatch(/by hand|does not act on ttl/);
    expect(notes[0]).toContain(
      'alice: budget estate-env_alice-monthly and account budget estate-dev-alice-monthly (denies new resources at 100 %)',
    );
    expect(notes).toContain(
      'Reading the cost allocation tags took 1 Cost Explorer request, $0.01 (Cost Explorer bills every request).',
    );
    expect(notes.some((n) => /cost-center has not appeared in billing data yet/.test(n))).toBe(true);
    expect(
      notes.some((n) =>
        /Budget actions run as arn:aws:iam::111111111111:role\/estate-budgets-action/.test(n),
      ),
    ).toBe(true);
  });

  it('Given a brand-new account with no organisation yet, When read, Then the plan still forms: the SCP is simply not there', async () => {
    const r = rig();
    const lonely = new FakeOrganizations({ callerAccountId: MGMT });
    const section = budgetsSection({
      budgets: new AwsBudgets(() => r.budgets),
      costAllocationTags: r.tags,
      enforcementPolicy: enforcementPolicyOver(organizationsPort(lonely)),
      actionRoles: new AwsActionRoles(r.iam, MGMT),
      managementAccountId: async () => MGMT,
      policyDocument: denyPolicyDocument(),
    });
    const context = sectionContext(estate(ENFORCED));
    const changes = section.plan(await section.read(context), context);
    expect(changes.map((c) => c.address)).toContain(`budget-scp:${DENY_POLICY_NAME}`);
  });

  it('Given an action running at the moment of apply, When its update is refused, Then the change fails with the reason and the others apply', async () => {
    const r = rig();
    await run(r, estate(ENFORCED));
    const [actionId] = [...r.budgets.budget(MGMT, 'estate-dev-alice-monthly')!.actions.keys()];
    r.budgets.setActionStatus(MGMT, 'estate-dev-alice-monthly', actionId!, 'EXECUTION_IN_PROGRESS');
    const newRole = estate({ ...ENFORCED, actionRoleArn: 'arn:aws:iam::111111111111:role/finops-actions' });
    r.iam.seed(
      'finops-actions',
      '{"Statement":[{"Effect":"Allow","Principal":{"Service":"budgets.amazonaws.com"},"Action":"sts:AssumeRole"}]}',
    );
    const { results } = await run(r, newRole);
    expect(results).toEqual([
      {
        address: 'budget-action:estate-dev-alice-monthly',
        status: 'failed',
        message: expect.stringContaining('ResourceLockedException'),
      },
    ]);
  });
});
