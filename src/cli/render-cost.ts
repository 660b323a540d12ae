/**
 * The cost report as a terminal table with one bar per row: spend so far this month (█,
 * with eighth-blocks), the forecast to month end (░) and the budget (│). Each budgeted bar
 * is drawn relative to its own budget, so every │ sits in the same column and a bar that
 * runs past it is over, whatever the account's size; » marks a bar cut at 150 %. Rows
 * without a budget share one scale. Pure and deterministic: no colour, no locale, no clock.
 */
import type { CostReport, CostRow } from '../core/cost/report.js';

export interface ChartOptions {
  /** Cells in the longest bar. @default 30 */
  readonly width?: number;
}

const EIGHTHS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];
const BUDGET_HEADROOM = 1.5;

/** 1234.5 → '1,235'; 3.456 → '3.46'. */
export function formatUsd(n: number): string {
  if (Math.abs(n) < 10 && n !== 0 && !Number.isInteger(n)) return n.toFixed(2);
  const rounded = Math.round(n);
  const digits = String(Math.abs(rounded)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return rounded < 0 ? `-${digits}` : digits;
}

/** One bar of `width + 1` cells; the last holds » when the bar is cut at `scale`. */
export function bar(
  row: Pick<CostRow, 'currentUsd' | 'forecastUsd' | 'budgetUsd'>,
  scale: number,
  width: number,
): string {
  const cells = Array.from({ length: width + 1 }, () => ' ');
  const at = (usd: number) => (Math.max(0, usd) / scale) * width;
  const spent = at(row.currentUsd);
  const full = Math.min(width, Math.floor(spent));
  for (let i = 0; i < full; i++) cells[i] = '█';
  const eighth = Math.round((spent - full) * 8);
  let end = full;
  if (full < width && eighth > 0) {
    cells[full] = eighth === 8 ? '█' : EIGHTHS[eighth]!;
    end = full + 1;
  }
  if (row.forecastUsd !== undefined) {
    const to = Math.min(width, Math.round(at(row.forecastUsd)));
    for (let i = end; i < to; i++) cells[i] = '░';
  }
  if (row.budgetUsd !== undefined) cells[Math.min(width, Math.round(at(row.budgetUsd)))] = '│';
  if (Math.max(row.currentUsd, row.forecastUsd ?? 0) > scale) cells[width] = '»';
  return cells.join('').trimEnd();
}

const STATUS: Record<CostRow['status'], string> = {
  over: 'OVER BUDGET',
  'forecast-over': 'forecast over',
  ok: '',
  'no-budget': '',
};

const HEADING: Record<CostReport['by'], string> = {
  account: 'account',
  env: 'environment',
  service: 'service',
};

export function renderCostChart(report: CostReport, options: ChartOptions = {}): string {
  const width = options.width ?? 30;
  // A budget sits at 2/3 of the bar: room to show 150 % of it.
  const unbudgeted = Math.max(
    1,
    ...report.rows
      .filter((r) => r.budgetUsd === undefined)
      .map((r) => Math.max(r.currentUsd, r.forecastUsd ?? 0)),
  );
  const scaleOf = (r: CostRow) => (r.budgetUsd ? r.budgetUsd * BUDGET_HEADROOM : unbudgeted);
  const forecastCell = (r: { forecastUsd?: number; forecastSource?: CostRow['forecastSource'] }) =>
    r.forecastUsd === undefined
      ? '—'
      : `${r.forecastSource === 'linear' ? '~' : ''}${formatUsd(r.forecastUsd)}`;

  const header = [HEADING[report.by], ...report.periods, 'forecast', 'budget', 'used'];
  const body = report.rows.map((r) => [
    r.label,
    ...r.months.map(formatUsd),
    forecastCell(r),
    r.budgetUsd === undefined ? '—' : formatUsd(r.budgetUsd),
    r.usedPercent === undefined ? '—' : `${r.usedPercent}%`,
  ]);
  const t = report.total;
  const totalRow = [
    'total',
    ...t.months.map(formatUsd),
    t.forecastUsd === undefined ? '—' : formatUsd(t.forecastUsd),
    t.budgetUsd === undefined ? '—' : formatUsd(t.budgetUsd),
    t.budgetUsd ? `${Math.round((t.currentUsd / t.budgetUsd) * 100)}%` : '—',
  ];
  const table = [header, ...body, totalRow];
  const widths = header.map((_, c) => Math.max(...table.map((row) => row[c]!.length)));
  const line = (row: readonly string[]) =>
    row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ');

  const first = report.periods[0];
  const range = report.periods.length > 1 ? `${first} to ${report.currentPeriod}` : report.currentPeriod;
  const out: string[] = [
    `Spend by ${HEADING[report.by]} in USD, ${range} (${report.currentPeriod}: day ${report.dayOfMonth} of ${report.daysInMonth})`,
    '',
    line(header),
  ];
  report.rows.forEach((r, i) => {
    const status = STATUS[r.status];
    out.push(
      `${line(body[i]!)}  ${bar(r, scaleOf(r), width).padEnd(width + 1)}${status ? `  ${status}` : ''}`.trimEnd(),
    );
  });
  out.push(line(totalRow));
  out.push(
    '',
    '█ spent this month   ░ forecast to month end   │ budget (bars are relative to it)   » beyond 150 %   ~ straight-line forecast',
  );
  if (report.over.length) out.push(`Over budget: ${report.over.join(', ')}`);
  if (report.forecastOver.length) out.push(`Forecast over budget: ${report.forecastOver.join(', ')}`);
  return out.join('\n');
}
