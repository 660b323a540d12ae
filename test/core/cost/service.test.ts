import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { AwsBudgets } from '../../../src/aws/budgets.js';
import { parseConfig } from '../../../src/config/loader.js';
import type { CostPoint, CostPort, CostQuery } from '../../../src/core/cost/ports.js';
import { COST_IO, costService, type CostServiceDeps } from '../../../src/core/cost/service.js';
import { configThenOrganization, rootEmail } from '../../../src/core/finops/account-ids.js';
import { minimalConfig } from '../../_helpers/config.js';
import { FakeBudgets } from '../../../src/emulator/budgets.js';
import { recordingIoHost } from '../../_helpers/recording-io.js';

const MANAGEMENT = '111111111111';
const LOGS = '333333333333';
const ALICE = '222222222222';
const TODAY = new Date('2026-10-16T09:30:00Z');

function estate() {
  const c = minimalConfig();
  c.budgets = { alertEmails: ['finops@acme.example.com'], byKind: { logs: { monthlyUsd: 150 } } };
  return parseConfig(stringify(c));
}

const points = (group: string, amounts: number[]): CostPoint[] =>
  ['2026-09', '2026-10'].map((period, i) => ({ period, group, amountUsd: amounts[i]!, estimated: false }));

async function world() {
  const config = estate();
  const fake = new FakeBudgets();
  const budgets = new AwsBudgets(() => fake);
  await budgets.createBudget(MANAGEMENT, {
    name: 'estate-logs-monthly',
    amountUsd: 150,
    filter: { linkedAccount: LOGS },
    notifications: [],
  });
  fake.budget(MANAGEMENT, 'estate-logs-monthly')!.budget.CalculatedSpend = {
    ActualSpend: { Amount: '70', Unit: 'USD' },
    ForecastedSpend: { Amount: '141.2', Unit: 'USD' },
  };
  const queries: CostQuery[] = [];
  const costExplorer: CostPort = {
    async costAndUsage(query) {
      queries.push(query);
      return {
        points: [...points(LOGS, [120, 70]), ...points(ALICE, [80, 61.5])],
        groupNames: {},
        requests: 1,
      };
    },
  };
  const listed: number[] = [];
  const io = recordingIoHost();
  const callers: string[] = [];
  const deps: CostServiceDeps = {
    costExplorer,
    budgets,
    directory: configThenOrganization(config, async () => {
      listed.push(1);
      return [
        { id: LOGS, name: 'logs', email: rootEmail(config, config.accounts[0]!), status: 'ACTIVE' },
        { id: ALICE, name: 'dev-alice', email: rootEmail(config, config.accounts[1]!), status: 'ACTIVE' },
      ];
    }),
    managementAccountId: async () => {
      callers.push(MANAGEMENT);
      return MANAGEMENT;
    },
    io,
    now: () => TODAY,
  };
  const cacheDir = join(await mkdtemp(join(tmpdir(), 'estate-cost-')), 'cost');
  return { config, fake, deps, queries, listed, io, callers, cacheDir };
}

describe('costService', () => {
  it('Given spend by account and an estate budget in the management account, When reported, Then ids come from the organisation and the forecast is AWS Budgets’ own', async () => {
    const w = await world();
    const report = await costService(
      w.config,
      { by: 'account', months: 2, cache: 'use', cacheDir: w.cacheDir },
      w.deps,
    );

    expect(w.listed).toHaveLength(1);
    expect(w.queries).toHaveLength(1);
    const logs = report.rows.find((r) => r.label === 'logs')!;
    expect(logs).toMatchObject({ key: LOGS, budgetUsd: 150, forecastUsd: 141.2, forecastSource: 'budget' });
    expect(report.rows.find((r) => r.label === 'dev-alice')).toMatchObject({ key: ALICE, inConfig: true });
    expect(w.io.messages.map((m) => [m.level, m.code, m.message])).toEqual([
      ['info', COST_IO.ASKING, 'asking Cost Explorer for 2 months by account…'],
    ]);
    // The day cache holds the answer, keyed by the caller's account.
    expect(await readdir(w.cacheDir)).toHaveLength(1);
    expect(report.cache).toMatchObject({ mode: 'use', hit: false });
  });

  it('Given the budgets cannot be read, When reported, Then a warning says so and the forecasts are straight lines', async () => {
    const w = await world();
    w.fake.failNext('DescribeBudgets', new Error('AccessDenied: budgets:ViewBudget'));
    const report = await costService(
      w.config,
      { by: 'account', months: 2, cache: 'off', cacheDir: w.cacheDir },
      w.deps,
    );

    expect(report.rows.find((r) => r.label === 'logs')!.forecastSource).toBe('linear');
    expect(w.io.messages[0]).toMatchObject({
      level: 'warn',
      code: COST_IO.NO_BUDGET_FORECASTS,
      message: expect.stringMatching(
        /^could not read budget forecasts \(.*AccessDenied: budgets:ViewBudget\); using straight-line forecasts$/,
      ),
    });
  });

  it('Given spend by service without the cache, When reported, Then neither the organisation, the budgets nor the caller identity is asked, and nothing is cached', async () => {
    const w = await world();
    const report = await costService(
      w.config,
      { by: 'service', months: 1, cache: 'off', cacheDir: w.cacheDir },
      w.deps,
    );

    expect(report.by).toBe('service');
    expect(w.listed).toEqual([]);
    expect(w.fake.calls.DescribeBudgets ?? 0).toBe(0);
    expect(w.callers).toEqual([]);
    await expect(readdir(w.cacheDir)).rejects.toThrow(/ENOENT/);
  });
});
