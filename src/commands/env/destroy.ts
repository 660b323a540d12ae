import { Args, Flags } from '@oclif/core';
import { BaseCommand, awsFlags, configFlag } from '../../cli/base-command.js';
import { awsClientsFor } from '../../cli/aws-context.js';
import { checkEnvironments, colorOnStdout, envNames, runStackWork } from '../../cli/env-run.js';
import { renderDestroy } from '../../cli/render-env.js';
import { envServiceDeps } from '../../cli/wiring.js';
import { loadCheckedConfig } from '../../config/load-checked.js';
import { destroyEnvironments, type DestroyResult } from '../../core/env/service.js';

export default class EnvDestroy extends BaseCommand<typeof EnvDestroy> {
  static override summary = "Delete environments' stacks, in reverse dependency order.";
  static override description = `Deletes every stack of each environment, a stack only after the stacks that depend on it. Buckets of dev-size environments are emptied first; what a prod-size environment retains (DeletionPolicy Retain) is listed at the end. The account's shared stack (estate-bedrock-logging) is kept.
A protected environment (protected: true, or in a prod-multi-tenant or prod-single-tenant account) needs --force-protected and, on a terminal, its name typed; a non-interactive run without the flag refuses it. Any other environment is confirmed (yes/no) on a terminal, or by --yes; a non-interactive run without --yes refuses.
A stack that fails to delete (DELETE_FAILED) is reported with its resource and reason, the stacks it depends on are left in place, and a re-run continues. Exit 1 when anything was refused or failed. Ctrl-C stops starting new deletions (exit 130); a second Ctrl-C exits at once.`;
  static override examples = [
    '<%= config.bin %> env destroy alice --dry-run',
    '<%= config.bin %> env destroy alice integration --yes',
    '<%= config.bin %> env destroy production --force-protected',
  ];
  static override strict = false;
  static override args = {
    env: Args.string({ description: 'Environment names from estate.yaml (one or more).', required: true }),
  };
  static override flags = {
    ...configFlag,
    ...awsFlags,
    'dry-run': Flags.boolean({ summary: 'List what would be deleted; delete nothing.' }),
    'force-protected': Flags.boolean({
      summary:
        'Allow destroying a protected environment (protected: true or a production account); on a terminal its name is still asked.',
    }),
  };

  async run(): Promise<DestroyResult> {
    const names = envNames((await this.parse(EnvDestroy)).argv);
    // In CI the confirmation is a flag: its absence is a usage error before any AWS call.
    if (!this.flags['dry-run'])
      this.requireInCi([
        { flag: '--yes', what: 'confirmation to destroy these environments', given: Boolean(this.flags.yes) },
      ]);
    const loaded = await loadCheckedConfig(this.flags.config);
    const envs = checkEnvironments(loaded.config, names);
    const clients = awsClientsFor(loaded.config, this.flags, loaded.dir);
    const result = await runStackWork(
      {
        mode: this.mode,
        interactive: this.interactive,
        wording: { running: 'Destroying', finished: 'Destroyed', noun: 'stack' },
        stopping: 'Stopping: no new deletion will start (Ctrl-C again to exit at once)…',
      },
      async (io, signal) =>
        destroyEnvironments(
          await envServiceDeps(loaded.config, clients, io),
          loaded.config,
          {
            environments: envs.map((e) => e.name),
            dryRun: Boolean(this.flags['dry-run']),
            forceProtected: Boolean(this.flags['force-protected']),
            yes: Boolean(this.flags.yes),
            configDir: loaded.dir,
          },
          { io, signal, interactive: this.interactive },
        ),
    );
    if (!this.jsonEnabled()) this.log(renderDestroy(result, { color: colorOnStdout() }));
    return result;
  }
}
