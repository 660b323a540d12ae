import { Args, Flags } from '@oclif/core';
import { BaseCommand, awsFlags, configFlag } from '../../cli/base-command.js';
import { awsClientsFor } from '../../cli/aws-context.js';
import { checkEnvironments, colorOnStdout } from '../../cli/env-run.js';
import { cliIoHost } from '../../cli/io-host.js';
import { renderStatus } from '../../cli/render-env.js';
import { envServiceDeps } from '../../cli/wiring.js';
import { loadConfig } from '../../config/loader.js';
import { environmentStatus, type StatusResult } from '../../core/env/service.js';

export default class EnvStatus extends BaseCommand<typeof EnvStatus> {
  static override summary =
    "One environment's stacks, statuses, outputs and last deployer; drift on request.";
  static override description = `Reads the environment's stacks in its account: each stack's status (and CloudFormation's reason when it failed), its outputs, when and by whom it was last deployed (estate:deployed-by / -at tags), its expiry, and the outputs a person needs. --drift runs CloudFormation drift detection on every stack (it takes a while) and lists the drifted resources. Read-only; never loads the CDK toolkit.`;
  static override examples = [
    '<%= config.bin %> env status alice',
    '<%= config.bin %> env status production --drift',
    '<%= config.bin %> env status integration --json',
  ];
  static override args = {
    env: Args.string({ description: 'Environment name from estate.yaml.', required: true }),
  };
  static override flags = {
    ...configFlag,
    ...awsFlags,
    drift: Flags.boolean({
      summary: 'Detect drift on every stack (DetectStackDrift) and list what drifted.',
    }),
  };

  async run(): Promise<StatusResult> {
    const loaded = await loadConfig(this.flags.config);
    const [env] = checkEnvironments(loaded.config, [this.args.env]);
    const clients = awsClientsFor(loaded.config, this.flags, loaded.dir);
    const io = cliIoHost(this.mode, { interactive: false });
    const result = await environmentStatus(
      await envServiceDeps(loaded.config, clients, io),
      loaded.config,
      { environment: env!.name, drift: Boolean(this.flags.drift) },
      { io, interactive: false },
    );
    if (!this.jsonEnabled()) this.log(renderStatus(result, { color: colorOnStdout() }));
    return result;
  }
}
