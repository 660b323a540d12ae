import { Args, Flags } from '@oclif/core';
import { BaseCommand, awsFlags, configFlag } from '../../cli/base-command.js';
import { awsClientsFor } from '../../cli/aws-context.js';
import { checkEnvironments, colorOnStdout, runStackWork } from '../../cli/env-run.js';
import { renderUp } from '../../cli/render-env.js';
import { envServiceDeps } from '../../cli/wiring.js';
import { loadCheckedConfig } from '../../config/load-checked.js';
import { userError } from '../../errors.js';
import { upEnvironments, type UpEnvResult } from '../../core/env/updown.js';

export default class EnvUp extends BaseCommand<typeof EnvUp> {
  static override summary = 'Bring environments up: re-create the stacks `env down` deleted.';
  static override description = `Re-creates every stack of each environment that its last deploy recorded (SSM /estate/env/<env>/stacks/) and that is not deployed now, in dependency order, from the template that deploy left in the CDK bootstrap bucket, with its tags and the deploy-time tags (deployer, expiry, schedule) of the environment's live stacks; waits for CREATE_COMPLETE and prints the endpoints. No synthesis, no toolkit.
--due brings up every environment run by CI (executor ci) whose up window is open now, that is down and not expired: what the scheduled CI job runs in the morning. Exit 1 when anything failed.`;
  static override examples = ['<%= config.bin %> env up alice', '<%= config.bin %> env up --due --json'];
  static override strict = false;
  static override args = {
    env: Args.string({ description: 'Environment names from estate.yaml (or --due).', required: false }),
  };
  static override flags = {
    ...configFlag,
    ...awsFlags,
    due: Flags.boolean({
      summary: 'Every ci-executor environment whose window is open now and that is down.',
    }),
    'dry-run': Flags.boolean({ summary: 'List what would be created; create nothing.' }),
  };

  async run(): Promise<UpEnvResult> {
    const { argv } = await this.parse(EnvUp);
    const names = argv.map(String);
    const flag = names.find((n) => n.startsWith('-'));
    if (flag)
      throw userError('UnknownFlag', `unknown flag ${flag}`, ['see --help for the flags this command takes']);
    if (this.flags.due && names.length)
      throw userError('DueWithNames', '--due picks the environments itself: name none, or drop --due');
    if (!this.flags.due && names.length === 0)
      throw userError('NoEnvironment', 'name at least one environment, or pass --due', [
        'e.g. estate env up alice',
      ]);
    const loaded = await loadCheckedConfig(this.flags.config);
    const envs = this.flags.due ? [] : checkEnvironments(loaded.config, names);
    const clients = awsClientsFor(loaded.config, this.flags, loaded.dir);
    const result = await runStackWork(
      {
        mode: this.mode,
        interactive: this.interactive,
        wording: { running: 'Creating', finished: 'Created', noun: 'stack' },
        stopping: 'Stopping: no new stack will start (Ctrl-C again to exit at once)…',
      },
      async (io, signal) =>
        upEnvironments(
          await envServiceDeps(loaded.config, clients, io),
          loaded.config,
          {
            environments: envs.map((e) => e.name),
            due: Boolean(this.flags.due),
            dryRun: Boolean(this.flags['dry-run']),
          },
          { io, signal, interactive: this.interactive },
        ),
    );
    if (!this.jsonEnabled()) this.log(renderUp(result, { color: colorOnStdout() }));
    return result;
  }
}
