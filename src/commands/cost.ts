import { join } from 'node:path';
import { Flags } from '@oclif/core';
import { awsClientsFor } from '../cli/aws-context.js';
import { BaseCommand, awsFlags, configFlag } from '../cli/base-command.js';
import { loadConfig } from '../config/loader.js';
import { cachedCostPort, type CacheMode } from '../core/cost/cache.js';
import { renderCostChart } from '../cli/render-cost.js';
import { costReport, type BudgetSpend, type CostBy, type CostReport } from '../core/cost/report.js';
import { configThenOrganization } from '../core/finops/account-ids.js';

export default class Cost extends BaseCommand<typeof Cost> {
  static override summary = 'Spend per month by account, environment or service, against each budget.';
  static override description = `Asks Cost Explorer (from the management account) for monthly cost grouped by linked account, by the estate:env cost allocation tag, or by service, over the last --months months including this one. Each row shows its monthly spend, this month's forecast (AWS Budgets' own where an estate budget exists, else a straight-line projection) and its budget, with a bar chart: a bar that runs past its │ marker is over budget.
Cost Explorer bills $0.01 per request; one report makes one request per page of results, and says what it cost. The answer is kept for the rest of the UTC day in .estate-cache/cost next to estate.yaml (or $ESTATE_CACHE_DIR/cost), so asking again the same day costs nothing: --refresh asks Cost Explorer again, --no-cache neither reads nor writes the cache.`;
  static override examples = [
    '<%= config.bin %> cost',
    '<%= config.bin %> cost --by env --months 6',
    '<%= config.bin %> cost --by service --json',
    '<%= config.bin %> cost --refresh',
  ];
  static override flags = {
    ...configFlag,
    profile: awsFlags.profile,
    timeout: awsFlags.timeout,
    by: Flags.string({
      summary: 'Group spend by account, environment (the estate:env tag) or service.',
      options: ['account', 'env', 'service'] as const,
      default: 'account',
    }),
    months: Flags.integer({
      summary: 'Months to show, including the current one.',
      default: 3,
      min: 1,
      max: 12,
    }),
    cache: Flags.boolean({
      summary: "Use today's cached answer when there is one (--no-cache: always ask, store nothing).",
      default: true,
      allowNo: true,
    }),
    refresh: Flags.boolean({
      summary: "Ask Cost Explorer again even if today's answer is cached, and cache the new one.",
    }),
  };

  async run(): Promise<CostReport> {
    const { config, dir } = await loadConfig(this.flags.config);
    const by = this.flags.by as CostBy;
    const clients = awsClientsFor(config, { profile: this.flags.profile, timeout: this.flags.timeout }, dir);
    const [{ organizationAccountLister, organizationsFor }, { costExplorerPort }, { budgetsPort }] =
      await Promise.all([
        import('../aws/finops.js'),
        import('../aws/cost-explorer.js'),
        import('../aws/budgets.js'),
      ]);

    const accountIds =
      by === 'account'
        ? await configThenOrganization(
            config,
            organizationAccountLister(organizationsFor(clients)),
          ).accountIds(config.accounts.map((a) => a.name))
        : new Map<string, string>();

    // AWS's own forecasts ride along with the estate budgets in the management account.
    const budgetSpend = new Map<string, BudgetSpend>();
    if (by !== 'service' && config.budgets && config.budgets.placement !== 'member') {
      try {
        const mgmt = config.organization.managementAccountId ?? (await clients.callerIdentity()).account;
        for (const b of await budgetsPort(clients).listBudgets(mgmt))
          budgetSpend.set(b.name, {
            ...(b.actualUsd !== undefined ? { actualUsd: b.actualUsd } : {}),
            ...(b.forecastUsd !== undefined ? { forecastUsd: b.forecastUsd } : {}),
          });
      } catch (error) {
        this.note(
          `could not read budget forecasts (${(error as Error).message}); using straight-line forecasts`,
        );
      }
    }

    this.note(
      `asking Cost Explorer for ${this.flags.months} month${this.flags.months === 1 ? '' : 's'} by ${by}…`,
    );
    const mode: CacheMode = !this.flags.cache ? 'off' : this.flags.refresh ? 'refresh' : 'use';
    const account =
      config.organization.managementAccountId ??
      (mode === 'off' ? '' : (await clients.callerIdentity()).account);
    const port = cachedCostPort(costExplorerPort(clients), {
      dir: join(process.env.ESTATE_CACHE_DIR || join(dir, '.estate-cache'), 'cost'),
      account,
      mode,
      now: () => new Date(),
      onWriteError: (error) => this.note(`could not cache the answer: ${error.message}`),
    });
    const report = await costReport(port, config, {
      by,
      months: this.flags.months,
      today: new Date(),
      accountIds,
      budgetSpend,
    });
    if (!this.jsonEnabled()) {
      this.log(renderCostChart(report));
      for (const note of report.notes) this.log(`Note: ${note}`);
    }
    return report;
  }
}
