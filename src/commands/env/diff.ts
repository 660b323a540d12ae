import { Args, Flags } from '@oclif/core';
import { BaseCommand, awsFlags, configFlag } from '../../cli/base-command.js';
import { awsClientsFor } from '../../cli/aws-context.js';
import { checkEnvironments, colorOnStdout } from '../../cli/env-run.js';
import { cliIoHost } from '../../cli/io-host.js';
import { trackProgress } from '../../cli/output.js';
import { renderDiff } from '../../cli/render-env.js';
import { envServiceDeps } from '../../cli/wiring.js';
import { loadCheckedConfig } from '../../config/load-checked.js';
import { diffEnvironment, type DiffResult } from '../../core/env/service.js';

/** With --detailed-exitcode: the environment differs from what is deployed (like terraform plan). */
export const DIFF_CHANGES_EXIT = 2;

export default class EnvDiff extends BaseCommand<typeof EnvDiff> {
  static override summary = 'Show what a deploy of an environment would change, stack by stack.';
  static override description = `Synthesises the environment and compares each stack with what CloudFormation has: new stacks, unchanged ones (decided without loading the toolkit), and for changed ones the toolkit's diff: resources added, changed, replaced or removed, with IAM and security-group changes highlighted. Read-only.
--detailed-exitcode: exit 0 when nothing would change, 2 when something would, 1 on error (like terraform plan -detailed-exitcode and cdk diff --fail).`;
  static override examples = [
    '<%= config.bin %> env diff alice',
    '<%= config.bin %> env diff production --detailed-exitcode',
    '<%= config.bin %> env diff integration --json',
  ];
  static override args = {
    env: Args.string({ description: 'Environment name from estate.yaml.', required: true }),
  };
  static override flags = {
    ...configFlag,
    ...awsFlags,
    'detailed-exitcode': Flags.boolean({
      summary: 'Exit 2 when the environment differs from what is deployed, 0 when it does not.',
    }),
  };

  async run(): Promise<DiffResult> {
    const loaded = await loadCheckedConfig(this.flags.config);
    const [env] = checkEnvironments(loaded.config, [this.args.env]);
    const clients = awsClientsFor(loaded.config, this.flags, loaded.dir);
    const result = await trackProgress(
      this.mode,
      'discovered',
      async (io) =>
        diffEnvironment(
          await envServiceDeps(loaded.config, clients, io),
          loaded.config,
          { environment: env!.name, configDir: loaded.dir },
          { io, interactive: false },
        ),
      process.stderr,
      { running: 'Comparing', finished: 'Compared', noun: 'stack' },
      cliIoHost(this.mode, { interactive: false }),
    );
    if (!this.jsonEnabled()) this.log(renderDiff(result, { color: colorOnStdout() }));
    if (this.flags['detailed-exitcode'] && result.changes) process.exitCode = DIFF_CHANGES_EXIT;
    return result;
  }
}
