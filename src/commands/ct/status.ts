import { BaseCommand, awsFlags, configFlag } from '../../cli/base-command.js';
import { awsClientsFor } from '../../cli/aws-context.js';
import { colorOnStdout } from '../../cli/env-run.js';
import { cliIoHost } from '../../cli/io-host.js';
import { renderCtStatus } from '../../cli/render-ct.js';
import { controlTowerDeps, envDeps, orgStatusDeps } from '../../cli/wiring.js';
import { loadConfig } from '../../config/loader.js';
import { ctStatusService, disabledStatus, type CtStatus } from '../../core/controltower/status.js';

export default class CtStatusCommand extends BaseCommand<typeof CtStatusCommand> {
  static override summary = 'Show the landing zone, registered OUs, enrolment, controls and where logs land.';
  static override description =
    "Reads the live governance from the management account: the landing zone's status, version (and whether a newer one is available) and drift; the estate-governance stack and any operation in flight with its elapsed time; the registered OUs with their baseline status and drift; which accounts are enrolled, enrolling, failed or not enrolled (with the reason when known); the controls enabled on each OU with status and drift; control operations in flight; the estate-baseline StackSet's instances per OU (current, outdated, inoperable, missing); and where each kind of log lands (log-archive bucket and retention, Config aggregation and security roles in the audit account, the observability sink and dashboard in the monitoring account). Reads run at once; a part that cannot be read is shown with its reason and the rest is still printed (exit 1). With controlTower disabled in estate.yaml it says what governance is missing and calls no AWS API. Read-only: follow a `--no-wait` apply with it.";
  static override examples = ['<%= config.bin %> ct status', '<%= config.bin %> ct status --json'];
  static override flags = { ...configFlag, ...awsFlags };

  async run(): Promise<CtStatus> {
    const loaded = await loadConfig(this.flags.config);
    const status = loaded.config.controlTower?.enabled
      ? await this.read(loaded)
      : disabledStatus(loaded.config);
    if (!this.jsonEnabled()) this.log(renderCtStatus(status, { color: colorOnStdout() }));
    if (status.enabled && status.unreadable.length) this.partialFailure();
    return status;
  }

  private async read(loaded: Awaited<ReturnType<typeof loadConfig>>): Promise<CtStatus> {
    const clients = awsClientsFor(loaded.config, this.flags, loaded.dir);
    const io = cliIoHost(this.mode, { interactive: false });
    const [org, controlTower, env] = await Promise.all([
      orgStatusDeps(clients),
      controlTowerDeps(clients),
      envDeps(clients, { io }),
    ]);
    return ctStatusService(
      loaded.config,
      { concurrency: this.flags.concurrency },
      { ...org, controlTower, stacks: env.stacks },
    );
  }
}
