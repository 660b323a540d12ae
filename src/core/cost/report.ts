/**
 * `estate cost`: spend per month by account, environment or service (one grouped,
 * paginated GetCostAndUsage), set against each budget, with a forecast for the current
 * month — AWS's own from the estate budget when there is one (free: it comes with
 * DescribeBudgets), else a straight-line projection of the month so far.
 */
import type { EstateConfig } from '../../config/schema.js';
import { accountBudgetName, ENV_TAG_KEY, envBudgetName, effectiveBudgetPolicy } from '../budgets/desired.js';
import { COST_EXPLORER_USD_PER_REQUEST, costExplorerBill, type CostCacheInfo } from './cache.js';
import type { CostGrouping, CostPort, CostQuery, CostResult } from './ports.js';

export type CostBy = 'account' | 'env' | 'service';
export type CostStatus = 'over' | 'forecast-over' | 'ok' | 'no-budget';

export interface CostRow {
  /** Account id, environment name, service name. */
  readonly key: string;
  readonly label: string;
  /** False for spend estate.yaml does not describe (another account, an untagged resource). */
  readonly inConfig: boolean;
  readonly budgetUsd?: number;
  /** One amount per report period, oldest first. */
  readonly months: readonly number[];
  /** Spend so far this month. */
  readonly currentUsd: number;
  readonly forecastUsd?: number;
  readonly forecastSource: 'budget' | 'linear' | 'none';
  /** Spend so far as a share of the budget, in percent. */
  readonly usedPercent?: number;
  readonly status: CostStatus;
}

export interface CostReport {
  readonly by: CostBy;
  /** YYYY-MM, oldest first; the last is the current month. */
  readonly periods: readonly string[];
  readonly currentPeriod: string;
  readonly dayOfMonth: number;
  readonly daysInMonth: number;
  readonly rows: readonly CostRow[];
  readonly total: {
    readonly months: readonly number[];
    readonly currentUsd: number;
    readonly forecastUsd?: number;
    readonly budgetUsd?: number;
  };
  /** Labels of rows already over budget, and of rows forecast to go over. */
  readonly over: readonly string[];
  readonly forecastOver: readonly string[];
  /** Billed Cost Explorer requests this report made (0 on a cache hit). */
  readonly requests: number;
  /** What those requests cost in USD ($0.01 each). */
  readonly costUsd: number;
  /** Where the answer came from; absent when no cache was involved. */
  readonly cache?: CostCacheInfo;
  readonly notes: readonly string[];
}

export interface BudgetSpend {
  readonly actualUsd?: number;
  readonly forecastUsd?: number;
}

export interface CostReportOptions {
  readonly by: CostBy;
  /** Months including the current one. */
  readonly months: number;
  readonly today: Date;
  /** Account name → id. */
  readonly accountIds: ReadonlyMap<string, string>;
  /** estate budgets' CalculatedSpend by budget name (management placement). */
  readonly budgetSpend?: ReadonlyMap<string, BudgetSpend>;
  /** Service rows beyond this many are summed into one. @default 12 */
  readonly maxServices?: number;
  /** Whether the answer came from the day cache. */
  readonly cache?: CostCacheInfo;
}

const pad2 = (n: number) => String(n).padStart(2, '0');
const monthKey = (year: number, month0: number) => {
  const d = new Date(Date.UTC(year, month0, 1));
  return `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}`;
};

/** The months a report covers (UTC), oldest first. */
export function reportPeriods(today: Date, months: number): string[] {
  const y = today.getUTCFullYear();
  const m = today.getUTCMonth();
  return Array.from({ length: months }, (_, i) => monthKey(y, m - (months - 1) + i));
}

const GROUPING: Record<CostBy, CostGrouping> = {
  account: { type: 'dimension', key: 'LINKED_ACCOUNT' },
  env: { type: 'tag', key: ENV_TAG_KEY },
  service: { type: 'dimension', key: 'SERVICE' },
};

/** One query for the whole report: first day of the oldest month to the first of next month. */
export function costQuery(by: CostBy, months: number, today: Date): CostQuery {
  const periods = reportPeriods(today, months);
  const y = today.getUTCFullYear();
  const m = today.getUTCMonth();
  return {
    start: `${periods[0]}-01`,
    end: `${monthKey(y, m + 1)}-01`,
    groupBy: GROUPING[by],
  };
}

const round2 = (n: number) => Math.round(n * 100) / 100;
const SEVERITY: Record<CostStatus, number> = { over: 0, 'forecast-over': 1, ok: 2, 'no-budget': 3 };

interface RowSeed {
  readonly key: string;
  readonly label: string;
  readonly inConfig: boolean;
  readonly budgetUsd?: number;
  readonly budgetName?: string;
}

/** Pure: the report from Cost Explorer's answer. */
export function buildCostReport(
  result: CostResult,
  config: EstateConfig,
  options: CostReportOptions,
): CostReport {
  const periods = reportPeriods(options.today, options.months);
  const currentPeriod = periods[periods.length - 1]!;
  const dayOfMonth = options.today.getUTCDate();
  const daysInMonth = new Date(
    Date.UTC(options.today.getUTCFullYear(), options.today.getUTCMonth() + 1, 0),
  ).getUTCDate();

  const amounts = amountsByGroup(result, periods);

  const { seeds, notes } = rowSeeds(config, options, amounts, result.groupNames);

  let rows: CostRow[] = seeds.map((seed) =>
    costRow(
      seed,
      amounts.get(seed.key) ?? periods.map(() => 0),
      dayOfMonth,
      daysInMonth,
      options.budgetSpend,
    ),
  );

  // Zero rows for things estate.yaml does not know add nothing but noise.
  rows = rows.filter((r) => r.inConfig || r.months.some((m) => m !== 0) || options.by === 'service');
  rows.sort(
    (a, b) =>
      SEVERITY[a.status] - SEVERITY[b.status] ||
      b.currentUsd - a.currentUsd ||
      a.label.localeCompare(b.label),
  );
  if (options.by === 'service') rows = topServices(rows, periods, options.maxServices ?? 12);

  const total = totalOf(rows, periods);

  notes.push(
    `Cost Explorer data lags by up to a day; ${currentPeriod} is month to date (day ${dayOfMonth} of ${daysInMonth}).`,
  );
  if (rows.some((r) => r.forecastSource === 'linear'))
    notes.push(
      'Forecasts marked ~ are straight-line projections of the month so far; the others are AWS Budgets forecasts.',
    );
  notes.push(billNote(result.requests, options.cache));

  return {
    by: options.by,
    periods,
    currentPeriod,
    dayOfMonth,
    daysInMonth,
    rows,
    total,
    over: rows.filter((r) => r.status === 'over').map((r) => r.label),
    forecastOver: rows.filter((r) => r.status === 'forecast-over').map((r) => r.label),
    requests: result.requests,
    costUsd: round2(result.requests * COST_EXPLORER_USD_PER_REQUEST),
    ...(options.cache ? { cache: options.cache } : {}),
    notes,
  };
}

/** Each group's spend per report period. */
function amountsByGroup(result: CostResult, periods: readonly string[]): Map<string, number[]> {
  const amounts = new Map<string, number[]>();
  for (const p of result.points) {
    const i = periods.indexOf(p.period);
    if (i < 0) continue;
    const row = amounts.get(p.group) ?? periods.map(() => 0);
    row[i] = row[i]! + p.amountUsd;
    amounts.set(p.group, row);
  }
  return amounts;
}

/** The rows estate.yaml describes (with their budgets), then every other group that spent. */
function rowSeeds(
  config: EstateConfig,
  options: CostReportOptions,
  amounts: ReadonlyMap<string, number[]>,
  groupNames: CostResult['groupNames'],
): { seeds: RowSeed[]; notes: string[] } {
  const seeds: RowSeed[] = [];
  const notes: string[] = [];
  if (options.by === 'account') {
    const missing: string[] = [];
    for (const account of config.accounts) {
      const id = account.id ?? options.accountIds.get(account.name);
      if (!id) {
        missing.push(account.name);
        continue;
      }
      const budgetUsd = effectiveBudgetPolicy(config, account).monthlyUsd;
      seeds.push({
        key: id,
        label: account.name,
        inConfig: true,
        ...(budgetUsd !== undefined ? { budgetUsd, budgetName: accountBudgetName(account.name) } : {}),
      });
    }
    if (missing.length) notes.push(`Not in the organisation yet, so not shown: ${missing.join(', ')}.`);
  } else if (options.by === 'env') {
    for (const env of config.environments)
      seeds.push({
        key: env.name,
        label: env.name,
        inConfig: true,
        ...(env.budgetUsd !== undefined
          ? { budgetUsd: env.budgetUsd, budgetName: envBudgetName(env.name) }
          : {}),
      });
    notes.push(
      `Spend without the ${ENV_TAG_KEY} tag shows as "(untagged)"; the tag counts only once it is an active cost allocation tag (estate apply activates it).`,
    );
  }
  const seeded = new Set(seeds.map((s) => s.key));
  const extras = [...amounts.keys()].filter((k) => !seeded.has(k));
  for (const key of extras) {
    const label =
      options.by === 'env' && key === ''
        ? '(untagged)'
        : options.by === 'account'
          ? `${groupNames[key] ?? key} (not in estate.yaml)`
          : key;
    seeds.push({ key, label, inConfig: options.by === 'service' });
  }
  return { seeds, notes };
}

/** One row: its months, this month's forecast (AWS Budgets' own, else a straight line) and status. */
function costRow(
  seed: RowSeed,
  amounts: readonly number[],
  dayOfMonth: number,
  daysInMonth: number,
  budgetSpend: CostReportOptions['budgetSpend'],
): CostRow {
  const months = amounts.map(round2);
  const currentUsd = months[months.length - 1]!;
  const fromBudget = seed.budgetName ? budgetSpend?.get(seed.budgetName)?.forecastUsd : undefined;
  const completedDays = dayOfMonth - 1;
  const forecastUsd =
    fromBudget !== undefined
      ? round2(fromBudget)
      : completedDays > 0
        ? round2((currentUsd / completedDays) * daysInMonth)
        : undefined;
  const forecastSource = fromBudget !== undefined ? 'budget' : forecastUsd !== undefined ? 'linear' : 'none';
  const budget = seed.budgetUsd;
  const status: CostStatus =
    budget === undefined
      ? 'no-budget'
      : currentUsd > budget
        ? 'over'
        : forecastUsd !== undefined && forecastUsd > budget
          ? 'forecast-over'
          : 'ok';
  return {
    key: seed.key,
    label: seed.label,
    inConfig: seed.inConfig,
    ...(budget !== undefined
      ? { budgetUsd: budget, usedPercent: Math.round((currentUsd / budget) * 100) }
      : {}),
    months,
    currentUsd,
    ...(forecastUsd !== undefined ? { forecastUsd } : {}),
    forecastSource,
    status,
  };
}

/** Services by spend, those beyond `max` summed into one row. */
function topServices(rows: CostRow[], periods: readonly string[], max: number): CostRow[] {
  const spend = (r: CostRow) => r.months.reduce((s, m) => s + m, 0);
  rows = [...rows]
    .sort((a, b) => spend(b) - spend(a) || a.label.localeCompare(b.label))
    .filter((r) => spend(r) > 0);
  if (rows.length > max) {
    const rest = rows.slice(max);
    const months = periods.map((_, i) => round2(rest.reduce((s, r) => s + r.months[i]!, 0)));
    const forecast = rest.reduce((s, r) => s + (r.forecastUsd ?? r.currentUsd), 0);
    rows = [
      ...rows.slice(0, max),
      {
        key: '(other)',
        label: `${rest.length} other services`,
        inConfig: true,
        months,
        currentUsd: months[months.length - 1]!,
        ...(rest.some((r) => r.forecastUsd !== undefined) ? { forecastUsd: round2(forecast) } : {}),
        forecastSource: rest.some((r) => r.forecastSource !== 'none') ? 'linear' : 'none',
        status: 'no-budget',
      },
    ];
  }
  return rows;
}

function totalOf(rows: readonly CostRow[], periods: readonly string[]): CostReport['total'] {
  const sum = (f: (r: CostRow) => number | undefined) => round2(rows.reduce((s, r) => s + (f(r) ?? 0), 0));
  const budgets = rows.filter((r) => r.budgetUsd !== undefined);
  const anyForecast = rows.some((r) => r.forecastUsd !== undefined);
  const total = {
    months: periods.map((_, i) => sum((r) => r.months[i])),
    currentUsd: sum((r) => r.currentUsd),
    ...(anyForecast ? { forecastUsd: sum((r) => r.forecastUsd ?? r.currentUsd) } : {}),
    ...(budgets.length ? { budgetUsd: sum((r) => r.budgetUsd) } : {}),
  };
  return total;
}

/** What this run paid Cost Explorer, and whether the cache answered. */
export function billNote(requests: number, cache: CostCacheInfo | undefined): string {
  const bill = costExplorerBill(requests);
  if (cache?.hit)
    return `${bill}: today's answer came from the cache (fetched ${cache.savedAt?.slice(11, 16) ?? '?'} UTC); --refresh asks Cost Explorer again.`;
  const kept =
    cache && cache.mode !== 'off'
      ? ' The answer is cached until the end of the UTC day (--refresh asks again, --no-cache skips the cache).'
      : '';
  return `${bill} (Cost Explorer bills $0.01 per request, every page).${kept}`;
}

/** The port may carry the day cache (cachedCostPort): its hit or miss goes into the report. */
export async function costReport(
  port: CostPort & { info?: () => CostCacheInfo },
  config: EstateConfig,
  options: CostReportOptions,
): Promise<CostReport> {
  const result = await port.costAndUsage(costQuery(options.by, options.months, options.today));
  const cache = port.info?.() ?? options.cache;
  return buildCostReport(result, config, { ...options, ...(cache ? { cache } : {}) });
}
