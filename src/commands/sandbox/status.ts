import { BaseCommand } from '../../cli/base-command.js';
import { formatElapsed } from '../../cli/output.js';
import {
  readRuntime,
  runtimeFileIn,
  sandboxAnswers,
  sandboxCounts,
  sandboxHome,
  type SandboxCounts,
  type SandboxRuntime,
} from '../../cli/sandbox.js';

export type SandboxStatus =
  | ({
      readonly running: true;
      readonly home: string;
      /** Whether it answered STS GetCallerIdentity just now. */
      readonly answering: boolean;
      readonly uptimeSeconds: number;
      /** The organisation's accounts, when it answered. */
      readonly counts: SandboxCounts | null;
    } & SandboxRuntime)
  | {
      readonly running: false;
      readonly home: string;
      /** A runtime file was there but named no live sandbox. */
      readonly stale?: string;
    };

export default class SandboxStatusCommand extends BaseCommand<typeof SandboxStatusCommand> {
  static override summary = 'Say whether the sandbox is running, where, since when and what it holds.';
  static override description = `Reads the runtime file ($ESTATE_SANDBOX_HOME/sandbox.json, default ~/.estate/sandbox) and asks the sandbox who it is and how many accounts its organisation has. Exit 0 when it runs and answers; exit 1 when none runs (or it does not answer).`;
  static override examples = ['<%= config.bin %> sandbox status', '<%= config.bin %> sandbox status --json'];

  async run(): Promise<SandboxStatus> {
    const home = sandboxHome();
    const state = await readRuntime(home);
    if (state.kind !== 'running') {
      this.partialFailure();
      const stale = state.kind === 'stale' ? `${runtimeFileIn(home)} is stale: ${state.reason}` : undefined;
      if (!this.jsonEnabled()) {
        this.log(`no sandbox is running for ${home}${stale ? ` (${stale})` : ''}`);
        this.note('start one: eval "$(estate sandbox start)"');
      }
      return { running: false, home, ...(stale ? { stale } : {}) };
    }
    const { runtime } = state;
    const answering = await sandboxAnswers(runtime.url);
    const counts = answering ? ((await sandboxCounts(runtime.url)) ?? null) : null;
    const uptimeMs = Date.now() - Date.parse(runtime.startedAt);
    if (!answering) this.partialFailure();
    if (!this.jsonEnabled()) {
      const rows: [string, string][] = [
        ['url', runtime.url],
        ['pid', String(runtime.pid)],
        ['up', `${formatElapsed(uptimeMs)} (since ${runtime.startedAt})`],
        [
          'state',
          runtime.stateDir
            ? `${runtime.stateDir}${runtime.restored ? ' (restored at start)' : ''}`
            : 'not kept (started without --state)',
        ],
        [
          'accounts',
          counts
            ? counts.organization
              ? String(counts.accounts)
              : 'no organisation yet (estate apply creates it)'
            : 'unknown',
        ],
        ['home', home],
        ['version', runtime.version],
      ];
      this.log(
        `${answering ? 'the sandbox is running' : 'the sandbox process is running but does not answer'} at ${runtime.url}`,
      );
      for (const [key, value] of rows) this.log(`  ${key.padEnd(9)}${value}`);
      if (!answering) this.note('sandbox: stop it (estate sandbox stop) and start it again');
    }
    return {
      running: true,
      home,
      ...runtime,
      answering,
      uptimeSeconds: Math.round(uptimeMs / 1000),
      counts,
    };
  }
}
