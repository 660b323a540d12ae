import { Args, Flags } from '@oclif/core';
import { BaseCommand, awsFlags, configFlag } from '../../cli/base-command.js';
import { awsClientsFor } from '../../cli/aws-context.js';
import { checkEnvironments, colorOnStdout } from '../../cli/env-run.js';
import { cliIoHost } from '../../cli/io-host.js';
import { renderRetag } from '../../cli/render-env.js';
import { envServiceDeps } from '../../cli/wiring.js';
import { loadCheckedConfig } from '../../config/load-checked.js';
import { extendEnvironment, type RetagResult } from '../../core/env/updown.js';

export default class EnvExtend extends BaseCommand<typeof EnvExtend> {
  static override summary = "Push an environment's expiry later.";
  static override description = `Moves estate:expires-at on every stack of the environment --by the given duration, from its current expiry (the earliest of its stacks), through a tags-only stack update. Only the environment's owner (estate:owner, compared with the caller's user or role session name or e-mail) may extend it, unless --force.`;
  static override examples = [
    '<%= config.bin %> env extend alice --by 24h',
    '<%= config.bin %> env extend pr-42 --by 3d --force',
  ];
  static override args = {
    env: Args.string({ description: 'Environment name from estate.yaml.', required: true }),
  };
  static override flags = {
    ...configFlag,
    ...awsFlags,
    by: Flags.string({ summary: 'How much later (e.g. 24h, 3d).', required: true }),
    force: Flags.boolean({ summary: 'Extend an environment someone else owns.' }),
    'dry-run': Flags.boolean({ summary: 'Show the new expiry; change nothing.' }),
  };

  async run(): Promise<RetagResult> {
    const { args, flags } = await this.parse(EnvExtend);
    const loaded = await loadCheckedConfig(flags.config);
    const [env] = checkEnvironments(loaded.config, [args.env]);
    const clients = awsClientsFor(loaded.config, flags, loaded.dir);
    const io = cliIoHost(this.mode, { interactive: false });
    const result = await extendEnvironment(
      await envServiceDeps(loaded.config, clients, io),
      loaded.config,
      {
        environment: env!.name,
        by: flags.by,
        force: Boolean(flags.force),
        dryRun: Boolean(flags['dry-run']),
      },
      { io, interactive: this.interactive },
    );
    if (!this.jsonEnabled()) this.log(renderRetag(result, { color: colorOnStdout() }));
    if (!result.ok) this.partialFailure();
    return result;
  }
}
