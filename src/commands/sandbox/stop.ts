import { BaseCommand } from '../../cli/base-command.js';
import { sandboxHome, stopSandbox, STOP_TIMEOUT_MS, type StopResult } from '../../cli/sandbox.js';

export default class SandboxStop extends BaseCommand<typeof SandboxStop> {
  static override summary = 'Stop the running sandbox.';
  static override description = `Sends the sandbox SIGTERM and waits up to ${STOP_TIMEOUT_MS / 1000} s for it to end (writing its state first when it has a --state folder), then SIGKILL; removes the runtime file ($ESTATE_SANDBOX_HOME/sandbox.json, default ~/.estate/sandbox). When none is running it says so and exits 0.`;
  static override examples = ['<%= config.bin %> sandbox stop', '<%= config.bin %> sandbox stop --json'];

  async run(): Promise<StopResult> {
    const result = await stopSandbox(sandboxHome());
    if (!this.jsonEnabled()) {
      if (result.stopped) {
        if (result.killed)
          this.note(`sandbox: pid ${result.pid} did not end after SIGTERM; it was killed (SIGKILL)`);
        this.log(`stopped the sandbox at ${result.url} (pid ${result.pid})`);
      } else
        this.log(
          `no sandbox is running for ${result.home}${result.staleRemoved ? ' (removed its stale runtime file)' : ''}`,
        );
    }
    return result;
  }
}
