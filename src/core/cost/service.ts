/**
 * `estate cost` as a service: account ids (by account), AWS's own budget forecasts (when
 * estate budgets live in the management account), the day cache around Cost Explorer, and
 * the report. The command parses flags, builds these dependencies and renders the result.
 */
import type { EstateConfig } from '../../config/schema.js';
import type { BudgetsPort } from '../budgets/ports.js';
import type { AccountDirectory } from '../finops/account-ids.js';
import { ioMessage, type IoHost } from '../io.js';
import { cachedCostPort, type CacheMode } from './cache.js';
import type { CostPort } from './ports.js';
import { costReport, type BudgetSpend, type CostBy, type CostReport } from './report.js';

export interface CostServiceOptions {
  readonly by: CostBy;
  readonly months: number;
  readonly cache: CacheMode;
  /** Folder of the day cache (e.g. `<config dir>/.estate-cache/cost`). */
  readonly cacheDir: string;
}

export interface CostServiceDeps {
  readonly costExplorer: CostPort;
  readonly budgets: Pick<BudgetsPort, 'listBudgets'>;
  /** Account name → id: the config's ids, then the organisation's. */
  readonly directory: AccountDirectory;
  /** The account the credentials belong to (asked only when the config has no management id). */
  readonly managementAccountId: () => Promise<string>;
  readonly io: IoHost;
  readonly now: () => Date;
}

/** Codes of the messages `estate cost` sends. */
export const COST_IO = {
  /** Budget forecasts could not be read; straight-line forecasts are used. */
  NO_BUDGET_FORECASTS: 'ESTATE_W0300',
  /** Cost Explorer is being asked. */
  ASKING: 'ESTATE_I0301',
  /** The answer could not be cached. */
  CACHE_WRITE_FAILED: 'ESTATE_W0302',
} as const;

export async function costService(
  config: EstateConfig,
  options: CostServiceOptions,
  deps: CostServiceDeps,
): Promise<CostReport> {
  const { by, months, cache: mode } = options;
  const accountIds =
    by === 'account'
      ? await deps.directory.accountIds(config.accounts.map((a) => a.name))
      : new Map<string, string>();
  const budgetSpend = by === 'service' ? new Map<string, BudgetSpend>() : await budgetForecasts(config, deps);

  await deps.io.notify(
    ioMessage(
      'info',
      COST_IO.ASKING,
      `asking Cost Explorer for ${months} month${months === 1 ? '' : 's'} by ${by}…`,
    ),
  );
  const account =
    config.organization.managementAccountId ?? (mode === 'off' ? '' : await deps.managementAccountId());
  const warnings: Promise<void>[] = [];
  const port = cachedCostPort(deps.costExplorer, {
    dir: options.cacheDir,
    account,
    mode,
    now: deps.now,
    onWriteError: (error) =>
      void warnings.push(
        deps.io.notify(
          ioMessage('warn', COST_IO.CACHE_WRITE_FAILED, `could not cache the answer: ${error.message}`),
        ),
      ),
  });
  const report = await costReport(port, config, { by, months, today: deps.now(), accountIds, budgetSpend });
  await Promise.all(warnings);
  return report;
}

/** AWS's own forecasts ride along with the estate budgets in the management account. */
async function budgetForecasts(
  config: EstateConfig,
  deps: CostServiceDeps,
): Promise<Map<string, BudgetSpend>> {
  const budgetSpend = new Map<string, BudgetSpend>();
  if (!config.budgets || config.budgets.placement === 'member') return budgetSpend;
  try {
    const mgmt = config.organization.managementAccountId ?? (await deps.managementAccountId());
    for (const b of await deps.budgets.listBudgets(mgmt))
      budgetSpend.set(b.name, {
        ...(b.actualUsd !== undefined ? { actualUsd: b.actualUsd } : {}),
        ...(b.forecastUsd !== undefined ? { forecastUsd: b.forecastUsd } : {}),
      });
  } catch (error) {
    await deps.io.notify(
      ioMessage(
        'warn',
        COST_IO.NO_BUDGET_FORECASTS,
        `could not read budget forecasts (${(error as Error).message}); using straight-line forecasts`,
      ),
    );
  }
  return budgetSpend;
}
