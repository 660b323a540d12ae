import { Args, Flags } from '@oclif/core';
import { BaseCommand, awsFlags, configFlag } from '../../cli/base-command.js';
import { awsClientsFor } from '../../cli/aws-context.js';
import { checkEnvironments, colorOnStdout, envNames, runStackWork } from '../../cli/env-run.js';
import { renderDown } from '../../cli/render-env.js';
import { envServiceDeps } from '../../cli/wiring.js';
import { loadCheckedConfig } from '../../config/load-checked.js';
import { downEnvironments, type DownResult } from '../../core/env/updown.js';

export default class EnvDown extends BaseCommand<typeof EnvDown> {
  static override summary = 'Take environments down: delete their stateless stacks, keep their data.';
  static override description = `Deletes each environment's stateless stacks (API, EKS, compute; the role its last deploy recorded) in reverse dependency order, the stacks of one level at once, and keeps the stateful ones (data, auth), so tables, users and URLs survive; \`estate env up\` re-creates them from the templates of the last deploy. Buckets of dev-size stacks are emptied first. A protected environment (protected: true, a production account, estate:protected or estate:profile=prod tags) is never taken down.
Confirmed (yes/no) on a terminal, or by --yes; a non-interactive run without --yes refuses. A stack that fails to delete is reported with its resource and reason, and what it depends on stays. Exit 1 when anything was refused or failed.`;
  static override examples = [
    '<%= config.bin %> env down alice --dry-run',
    '<%= config.bin %> env down alice bob --yes',
  ];
  static override strict = false;
  static override args = {
    env: Args.string({ description: 'Environment names from estate.yaml (one or more).', required: true }),
  };
  static override flags = {
    ...configFlag,
    ...awsFlags,
    'dry-run': Flags.boolean({ summary: 'List what would be deleted; delete nothing.' }),
  };

  async run(): Promise<DownResult> {
    const names = envNames((await this.parse(EnvDown)).argv);
    // In CI the confirmation is a flag: its absence is a usage error before any AWS call.
    if (!this.flags['dry-run'])
      this.requireInCi([
        {
          flag: '--yes',
          what: 'confirmation to take down these environments',
          given: Boolean(this.flags.yes),
        },
      ]);
    const loaded = await loadCheckedConfig(this.flags.config);
    const envs = checkEnvironments(loaded.config, names);
    const clients = awsClientsFor(loaded.config, this.flags, loaded.dir);
    const result = await runStackWork(
      {
        mode: this.mode,
        interactive: this.interactive,
        wording: { running: 'Deleting', finished: 'Deleted', noun: 'stack' },
        stopping: 'Stopping: no new deletion will start (Ctrl-C again to exit at once)…',
      },
      async (io, signal) =>
        downEnvironments(
          await envServiceDeps(loaded.config, clients, io),
          loaded.config,
          {
            environments: envs.map((e) => e.name),
            dryRun: Boolean(this.flags['dry-run']),
            yes: Boolean(this.flags.yes),
          },
          { io, signal, interactive: this.interactive },
        ),
    );
    if (!this.jsonEnabled()) this.log(renderDown(result, { color: colorOnStdout() }));
    return result;
  }
}
