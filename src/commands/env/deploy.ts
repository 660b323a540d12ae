import { Args, Flags } from '@oclif/core';
import { BaseCommand, awsFlags, configFlag } from '../../cli/base-command.js';
import { awsClientsFor } from '../../cli/aws-context.js';
import {
  checkBlueprints,
  checkEnvironments,
  colorOnStdout,
  envNames,
  runStackWork,
} from '../../cli/env-run.js';
import { loadPriceTable } from '../../cli/prices.js';
import { renderDeploy } from '../../cli/render-env.js';
import { envServiceDeps } from '../../cli/wiring.js';
import { loadCheckedConfig } from '../../config/load-checked.js';
import { deployEnvironments, type ApprovalPolicy, type DeployResult } from '../../core/env/service.js';

export default class EnvDeploy extends BaseCommand<typeof EnvDeploy> {
  static override summary =
    'Deploy environments into their accounts: changed stacks only, in dependency order.';
  static override description = `For each environment: synthesises its stacks bound to its account and region, skips the stacks whose live template, parameters and tags already match (before any change set), CDK-bootstraps the account and region if it is not (trusting deployments.trustedAccounts, execution policies from deployments.executionPolicies), then deploys the changed stacks with @aws-cdk/toolkit-lib: a stack after the stacks it depends on, independent stacks and accounts at once (--concurrency), a failure skipping only what depends on it.
Stack changes that need a person's approval (--approve; default: IAM or security-group broadening) are asked about on a terminal and refused in a non-interactive run unless --approve never or --yes says so.
Every environment and every stack is reported at the end, with the failing resource and CloudFormation's reason, the outputs a person needs (site, API, user pool, dashboard) and each environment's estimated monthly cost, always on and with its schedule. Exit 1 when anything failed or was refused; the others still complete.
Ctrl-C stops starting new stacks, reports what is still running in CloudFormation and what never started, and exits 130; a second Ctrl-C exits at once. Run it again to continue.`;
  static override examples = [
    '<%= config.bin %> env deploy alice',
    '<%= config.bin %> env deploy alice integration --blueprint api-lambda',
    '<%= config.bin %> env deploy production --approve any',
    '<%= config.bin %> env deploy integration --approve never --json',
  ];
  static override strict = false;
  static override args = {
    env: Args.string({ description: 'Environment names from estate.yaml (one or more).', required: true }),
  };
  static override flags = {
    ...configFlag,
    ...awsFlags,
    blueprint: Flags.string({
      char: 'b',
      multiple: true,
      summary: "Deploy only this blueprint's stacks (and the stacks they depend on); repeat for several.",
    }),
    concurrency: Flags.integer({
      summary: 'Stacks deployed at once; default: deployments.concurrency, else 4.',
      env: 'ESTATE_CONCURRENCY',
      min: 1,
      max: 64,
    }),
    approve: Flags.string({
      summary:
        "Which stack changes need a person's approval: broadening (IAM/security-group widening), any change, or never.",
      options: ['broadening', 'any', 'never'] as const,
      default: 'broadening',
    }),
  };

  async run(): Promise<DeployResult> {
    const names = envNames((await this.parse(EnvDeploy)).argv);
    const loaded = await loadCheckedConfig(this.flags.config);
    const envs = checkEnvironments(loaded.config, names);
    if (this.flags.blueprint?.length) checkBlueprints(envs, this.flags.blueprint);
    const clients = awsClientsFor(loaded.config, this.flags, loaded.dir);
    const result = await runStackWork(
      {
        mode: this.mode,
        interactive: this.interactive,
        wording: { running: 'Deploying', finished: 'Deployed', noun: 'stack' },
        stopping: 'Stopping: no new stack will start (Ctrl-C again to exit at once)…',
      },
      async (io, signal) =>
        deployEnvironments(
          await envServiceDeps(loaded.config, clients, io),
          loaded.config,
          {
            environments: envs.map((e) => e.name),
            ...(this.flags.blueprint?.length ? { blueprints: this.flags.blueprint } : {}),
            ...(this.flags.concurrency !== undefined ? { concurrency: this.flags.concurrency } : {}),
            approve: this.flags.approve as ApprovalPolicy,
            yes: Boolean(this.flags.yes),
            configDir: loaded.dir,
            prices: loadPriceTable(),
          },
          { io, signal, interactive: this.interactive },
        ),
    );
    if (!this.jsonEnabled()) this.log(renderDeploy(result, { color: colorOnStdout() }));
    return result;
  }
}
