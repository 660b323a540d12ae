import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { parseConfig } from '../../../src/config/loader.js';
import { bar, formatUsd, renderCostChart } from '../../../src/cli/render-cost.js';
import type { CostPoint, CostPort, CostQuery } from '../../../src/core/cost/ports.js';
import { buildCostReport, costQuery, costReport } from '../../../src/core/cost/report.js';
import { minimalConfig } from '../../_helpers/config.js';

const LOGS = '333333333333';
const ALICE = '222222222222';
const BOB = '444444444444';
const STRAY = '999999999999';
const TODAY = new Date('2026-10-16T09:30:00Z');

function estate() {
  const c = minimalConfig();
  c.accounts.push({ name: 'dev-bob', kind: 'developer', ou: 'Sandbox' });
  c.budgets = {
    alertEmails: ['finops@acme.example.com'],
    byKind: { logs: { monthlyUsd: 150 }, developer: { monthlyUsd: 100 } },
  };
  c.environments = [
    { name: 'alice', account: 'dev-alice', blueprints: ['data'], budgetUsd: 40 },
    { name: 'bob', account: 'dev-bob', blueprints: ['data'] },
  ];
  return parseConfig(stringify(c));
}

const ids = new Map([
  ['logs', LOGS],
  ['dev-alice', ALICE],
  ['dev-bob', BOB],
]);

const points = (group: string, amounts: number[]): CostPoint[] =>
  ['2026-08', '2026-09', '2026-10'].map((period, i) => ({
    period,
    group,
    amountUsd: amounts[i]!,
    estimated: period === '2026-10',
  }));

const FIXED = {
  points: [
    ...points(LOGS, [120.4, 131.9, 70.25]),
    ...points(ALICE, [80, 95.5, 61.5]),
    ...points(BOB, [60, 140, 104]),
    ...points(STRAY, [0, 3.2, 1.1]),
  ],
  groupNames: { [STRAY]: 'legacy-sandbox' },
  requests: 1,
};

describe('cost report', () => {
  it('Given today, When the query is built, Then it spans whole months from the oldest to the end of this one', () => {
    expect(costQuery('env', 3, TODAY)).toEqual({
      start: '2026-08-01',
      end: '2026-11-01',
      groupBy: { type: 'tag', key: 'estate:env' },
    });
    expect(costQuery('account', 1, new Date('2026-12-31T23:59:59Z')).end).toBe('2027-01-01');
  });

  it('Given spend by account, When reported, Then rows carry budgets, forecasts and a status, worst first', () => {
    const report = buildCostReport(FIXED, estate(), {
      by: 'account',
      months: 3,
      today: TODAY,
      accountIds: ids,
      budgetSpend: new Map([['estate-logs-monthly', { actualUsd: 70, forecastUsd: 141.2 }]]),
    });
    expect(report.rows.map((r) => [r.label, r.status, r.forecastSource])).toEqual([
      ['dev-bob', 'over', 'linear'],
      ['dev-alice', 'forecast-over', 'linear'],
      ['logs', 'ok', 'budget'],
      ['legacy-sandbox (not in estate.yaml)', 'no-budget', 'linear'],
    ]);
    // 61.50 over 15 complete days of a 31-day month.
    expect(report.rows[1]!.forecastUsd).toBe(127.1);
    expect(report.over).toEqual(['dev-bob']);
    expect(report.forecastOver).toEqual(['dev-alice']);
    expect(report.total).toEqual({
      months: [260.4, 370.6, 236.85],
      currentUsd: 236.85,
      forecastUsd: 485.5,
      budgetUsd: 350,
    });
  });

  it('Given fixed spend, When charted, Then the table and bars are exactly these', () => {
    const report = buildCostReport(FIXED, estate(), {
      by: 'account',
      months: 3,
      today: TODAY,
      accountIds: ids,
      budgetSpend: new Map([['estate-logs-monthly', { actualUsd: 70, forecastUsd: 141.2 }]]),
    });
    expect(renderCostChart(report, { width: 24 })).toBe(
      [
        'Spend by account in USD, 2026-08 to 2026-10 (2026-10: day 16 of 31)',
        '',
        'account                              2026-08  2026-09  2026-10  forecast  budget  used',
        'dev-bob                                   60      140      104      ~215     100  104%  ████████████████│░░░░░░░»  OVER BUDGET',
        'dev-alice                                 80       96       62      ~127     100   62%  █████████▉░░░░░░│░░░       forecast over',
        'logs                                     120      132       70       141     150   47%  ███████▌░░░░░░░ │',
        'legacy-sandbox (not in estate.yaml)        0     3.20     1.10     ~2.27       —     —  ███████████▋░░░░░░░░░░░░',
        'total                                    260      371      237       486     350   68%',
        '',
        '█ spent this month   ░ forecast to month end   │ budget (bars are relative to it)   » beyond 150 %   ~ straight-line forecast',
        'Over budget: dev-bob',
        'Forecast over budget: dev-alice',
      ].join('\n'),
    );
  });

  it('Given spend by environment, When reported, Then untagged spend is its own row and environments without spend still show', async () => {
    const port: CostPort & { queries: CostQuery[] } = {
      queries: [],
      async costAndUsage(query) {
        this.queries.push(query);
        return {
          points: [...points('alice', [10, 20, 45]), ...points('', [5, 5, 5])],
          groupNames: {},
          requests: 2,
        };
      },
    };
    const report = await costReport(port, estate(), {
      by: 'env',
      months: 3,
      today: TODAY,
      accountIds: new Map(),
    });
    expect(port.queries).toHaveLength(1);
    expect(report.rows.map((r) => [r.label, r.budgetUsd, r.currentUsd, r.status])).toEqual([
      ['alice', 40, 45, 'over'],
      ['(untagged)', undefined, 5, 'no-budget'],
      ['bob', undefined, 0, 'no-budget'],
    ]);
    expect(report.notes.at(-1)).toBe(
      '2 Cost Explorer requests, $0.02 (Cost Explorer bills $0.01 per request, every page).',
    );
    expect([report.requests, report.costUsd]).toEqual([2, 0.02]);
  });

  it('Given the first day of a month, When reported, Then no straight-line forecast is invented', () => {
    const report = buildCostReport(FIXED, estate(), {
      by: 'account',
      months: 1,
      today: new Date('2026-10-01T08:00:00Z'),
      accountIds: ids,
    });
    expect(report.rows.every((r) => r.forecastUsd === undefined && r.forecastSource === 'none')).toBe(true);
  });

  it('Given amounts and a scale, When a bar is drawn, Then eighth blocks, the forecast shade and the budget marker land where they should', () => {
    expect(bar({ currentUsd: 50, forecastUsd: 75, budgetUsd: 100 }, 100, 8)).toBe('████░░  │');
    expect(bar({ currentUsd: 90, forecastUsd: 300, budgetUsd: 100 }, 150, 6)).toBe('███▋│░»');
    expect(bar({ currentUsd: 3 / 16, budgetUsd: undefined }, 1, 8)).toBe('█▌');
    expect(formatUsd(1234567.8)).toBe('1,234,568');
    expect(formatUsd(0)).toBe('0');
  });
});
