import { Args, Flags } from '@oclif/core';
import { BaseCommand, awsFlags, configFlag } from '../../cli/base-command.js';
import { awsClientsFor } from '../../cli/aws-context.js';
import { checkEnvironments, colorOnStdout } from '../../cli/env-run.js';
import { cliIoHost } from '../../cli/io-host.js';
import { renderRetag } from '../../cli/render-env.js';
import { envServiceDeps } from '../../cli/wiring.js';
import { loadCheckedConfig } from '../../config/load-checked.js';
import { scheduleEnvironment, type RetagResult } from '../../core/env/updown.js';

export default class EnvSchedule extends BaseCommand<typeof EnvSchedule> {
  static override summary = "Set an environment's expiry or off-hours window on its live stacks.";
  static override description = `Writes estate:expires-at (--ttl from now, or --expires at a time) and estate:schedule (--off-hours, the window in which the environment is up, with --timezone) on every stack of the environment, through a tags-only stack update (the template and parameters stay). --clear removes both. Every account and tool then sees the same lifetime; \`estate env reap\` and \`estate env up --due\` (or the estate-lifecycle stack, executor aws) act on it. A later \`env deploy\` keeps the expiry, and writes estate.yaml's schedule when it has one (a warning says so).
A protected environment or one in a production account cannot get a TTL or a schedule: the command refuses and changes nothing.`;
  static override examples = [
    '<%= config.bin %> env schedule alice --ttl 72h',
    '<%= config.bin %> env schedule alice --expires 2026-12-24T18:00Z',
    '<%= config.bin %> env schedule alice --expires now',
    '<%= config.bin %> env schedule alice --off-hours "Mon-Fri 08:00-19:00" --timezone Europe/London',
    '<%= config.bin %> env schedule alice --clear',
  ];
  static override args = {
    env: Args.string({ description: 'Environment name from estate.yaml.', required: true }),
  };
  static override flags = {
    ...configFlag,
    ...awsFlags,
    ttl: Flags.string({
      summary: 'Expire this long from now (e.g. 24h, 72h, 7d).',
      exclusive: ['expires', 'clear'],
    }),
    expires: Flags.string({
      summary:
        'Expire at this ISO 8601 time (e.g. 2026-12-24T18:00Z), or now (the next env reap destroys it).',
      exclusive: ['ttl', 'clear'],
    }),
    'off-hours': Flags.string({
      summary: 'The window the environment is up, e.g. "Mon-Fri 08:00-19:00"; outside it, it is down.',
      exclusive: ['clear'],
    }),
    timezone: Flags.string({
      summary: 'IANA time zone of --off-hours (e.g. Europe/London).',
      dependsOn: ['off-hours'],
    }),
    clear: Flags.boolean({ summary: 'Remove the expiry and the window.' }),
    'dry-run': Flags.boolean({ summary: 'Show what would change; change nothing.' }),
  };

  async run(): Promise<RetagResult> {
    const { args, flags } = await this.parse(EnvSchedule);
    const loaded = await loadCheckedConfig(flags.config);
    const [env] = checkEnvironments(loaded.config, [args.env]);
    const clients = awsClientsFor(loaded.config, flags, loaded.dir);
    const io = cliIoHost(this.mode, { interactive: false });
    const result = await scheduleEnvironment(
      await envServiceDeps(loaded.config, clients, io),
      loaded.config,
      {
        environment: env!.name,
        ...(flags.ttl !== undefined ? { ttl: flags.ttl } : {}),
        ...(flags.expires !== undefined ? { expires: flags.expires } : {}),
        ...(flags['off-hours'] !== undefined ? { offHours: flags['off-hours'] } : {}),
        ...(flags.timezone !== undefined ? { timezone: flags.timezone } : {}),
        clear: Boolean(flags.clear),
        dryRun: Boolean(flags['dry-run']),
      },
      { io, interactive: this.interactive },
    );
    if (!this.jsonEnabled()) this.log(renderRetag(result, { color: colorOnStdout() }));
    if (!result.ok) this.partialFailure();
    return result;
  }
}
