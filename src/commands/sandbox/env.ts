import { BaseCommand } from '../../cli/base-command.js';
import {
  environmentOf,
  exportLines,
  notRunning,
  readRuntime,
  sandboxHome,
  type SandboxEnvironment,
} from '../../cli/sandbox.js';

export default class SandboxEnv extends BaseCommand<typeof SandboxEnv> {
  static override summary =
    'Print the shell lines that point estate and the AWS tools at the running sandbox.';
  static override description = `The same lines estate sandbox start prints: export AWS_ENDPOINT_URL (and AWS_ENDPOINT_URL_S3_FOR_CLOUDFORMATION), keys that only the sandbox accepts, AWS_REGION and ESTATE_SANDBOX; unset AWS_PROFILE, AWS_SESSION_TOKEN and AWS_DEFAULT_PROFILE, which would send calls elsewhere. Exit 1 when no sandbox is running for $ESTATE_SANDBOX_HOME (default ~/.estate/sandbox).`;
  static override examples = [
    'eval "$(<%= config.bin %> sandbox env)"',
    '<%= config.bin %> sandbox env --json',
  ];

  async run(): Promise<SandboxEnvironment> {
    const home = sandboxHome();
    const state = await readRuntime(home);
    if (state.kind !== 'running') throw notRunning(home, state);
    if (!this.jsonEnabled()) process.stdout.write(exportLines(state.runtime.url));
    return environmentOf(state.runtime.url);
  }
}
