import { join } from 'node:path';
import { Flags } from '@oclif/core';
import { awsClientsFor } from '../cli/aws-context.js';
import { BaseCommand, awsFlags, configFlag } from '../cli/base-command.js';
import { cliIoHost } from '../cli/io-host.js';
import { costDeps } from '../cli/wiring.js';
import { loadConfig } from '../config/loader.js';
import { renderCostChart } from '../cli/render-cost.js';
import type { CostBy, CostReport } from '../core/cost/report.js';
import { costService } from '../core/cost/service.js';

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
    const clients = awsClientsFor(config, { profile: this.flags.profile, timeout: this.flags.timeout }, dir);
    const deps = await costDeps(config, clients);
    const report = await costService(
      config,
      {
        by: this.flags.by as CostBy,
        months: this.flags.months,
        cache: !this.flags.cache ? 'off' : this.flags.refresh ? 'refresh' : 'use',
        cacheDir: join(process.env.ESTATE_CACHE_DIR || join(dir, '.estate-cache'), 'cost'),
      },
      {
        ...deps,
        io: cliIoHost(this.mode, { interactive: false }),
        now: () => new Date(),
      },
    );
    if (!this.jsonEnabled()) {
      this.log(renderCostChart(report));
      for (const note of report.notes) this.log(`Note: ${note}`);
    }
    return report;
  }
}
