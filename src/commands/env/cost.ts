import { Args } from '@oclif/core';
import { BaseCommand, configFlag } from '../../cli/base-command.js';
import { checkEnvironments, colorOnStdout } from '../../cli/env-run.js';
import { loadPriceTable } from '../../cli/prices.js';
import { renderEnvCost } from '../../cli/render-env.js';
import { loadConfig } from '../../config/loader.js';
import { estimateCost, type CostEstimate } from '../../core/env/cost.js';

export default class EnvCost extends BaseCommand<typeof EnvCost> {
  static override summary =
    "An environment's estimated monthly cost by blueprint: always on, and with its off-hours schedule.";
  static override description = `Prices each blueprint of the environment in its size profile (dev or prod) from the price table shipped in templates/prices.json (us-east-1 list prices, dated): what it costs always on with modest traffic, and idle. Stateful stacks (data, auth, ...) are counted in full; stateless ones (API, EKS, and edge or observability over them) only for the share of the week inside schedule.hours, since off-hours takes them down. Shows what the schedule saves a month and, for an environment with a TTL, what it costs over its life. Reads estate.yaml only: no AWS call, works offline. An estimate, not a bill: data transfer out and Bedrock tokens are not counted.`;
  static override examples = [
    '<%= config.bin %> env cost alice',
    '<%= config.bin %> env cost production --json',
  ];
  static override args = {
    env: Args.string({ description: 'Environment name from estate.yaml.', required: true }),
  };
  static override flags = { ...configFlag };

  async run(): Promise<CostEstimate> {
    const loaded = await loadConfig(this.flags.config);
    const [env] = checkEnvironments(loaded.config, [this.args.env]);
    const estimate = estimateCost(loadPriceTable(), loaded.config, env!);
    if (!this.jsonEnabled()) this.log(renderEnvCost(estimate, { color: colorOnStdout() }));
    return estimate;
  }
}
