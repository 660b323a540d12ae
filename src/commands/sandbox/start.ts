import { join, resolve } from 'node:path';
import { Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import {
  DEFAULT_SANDBOX_PORT,
  environmentOf,
  exportLines,
  sandboxHome,
  serveUntilSignal,
  startInBackground,
  type SandboxRuntime,
} from '../../cli/sandbox.js';
import { LOOPBACK_HOSTS, SANDBOX_MANAGEMENT_ACCOUNT, assertLoopback } from '../../emulator/sandbox.js';

export interface SandboxStartResult {
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  readonly stateDir: string | null;
  /** With --state: whether the state came from there (false: a fresh sandbox). */
  readonly restored?: boolean;
  readonly env: Record<string, string>;
  readonly unset: readonly string[];
  readonly home: string;
  /** The background sandbox's output; absent with --foreground. */
  readonly logFile?: string;
  /** Why the runtime file this start replaced was stale, if it replaced one. */
  readonly replacedStale?: string;
}

export default class SandboxStart extends BaseCommand<typeof SandboxStart> {
  static override summary =
    'Start the estate sandbox (an AWS emulator on loopback) and print its environment.';
  static override description = `Starts the emulated estate (Organizations, STS, Budgets, Cost Explorer, tagging, CloudFormation, S3, SSM, IAM, Identity Center, Control Tower, CloudWatch) on loopback, with an empty management account (${SANDBOX_MANAGEMENT_ACCOUNT}) and no real resources or costs. By default it runs in the background (its output in $ESTATE_SANDBOX_HOME/sandbox.log, default ~/.estate/sandbox) and this command returns once it answers, printing on stdout the shell lines that point estate, the AWS CLI and the SDKs at it, so that eval "$(estate sandbox start)" sets up this shell. --foreground serves it in this process until Ctrl-C or SIGTERM. With --state DIR its state survives a restart. One sandbox per ESTATE_SANDBOX_HOME: a second start is refused while the first runs.`;
  static override examples = [
    'eval "$(<%= config.bin %> sandbox start)"',
    '<%= config.bin %> sandbox start --state ~/.estate/sandbox/state',
    '<%= config.bin %> sandbox start --port 0 --json',
    '<%= config.bin %> sandbox start --foreground',
  ];
  static override flags = {
    port: Flags.integer({
      char: 'p',
      summary: 'Port on loopback; 0 takes any free port.',
      default: DEFAULT_SANDBOX_PORT,
      min: 0,
      max: 65535,
    }),
    host: Flags.string({
      summary: `Address to listen on: loopback only (${LOOPBACK_HOSTS.join(', ')}).`,
      default: '127.0.0.1',
    }),
    state: Flags.string({
      summary: 'Folder for the state snapshot (sandbox.json): restored at start, rewritten on every change.',
    }),
    foreground: Flags.boolean({
      summary: 'Serve in this process until Ctrl-C or SIGTERM instead of in the background.',
    }),
  };

  async run(): Promise<SandboxStartResult | undefined> {
    const { port, host, foreground } = this.flags;
    assertLoopback(host);
    const home = sandboxHome();
    const stateDir = this.flags.state === undefined ? undefined : resolve(this.flags.state);
    if (foreground) {
      await serveUntilSignal({
        home,
        port,
        host,
        ...(stateDir !== undefined ? { stateDir } : {}),
        version: this.config.version,
        onReady: (runtime) => {
          if (this.jsonEnabled()) this.logJson(this.result(runtime, home));
          else process.stdout.write(exportLines(runtime.url));
          this.note(
            `sandbox: the estate sandbox answers at ${runtime.url} (pid ${runtime.pid}), not AWS; ${stateNote(runtime)}\n` +
              `sandbox: in another shell: eval "$(estate sandbox env)"; Ctrl-C here stops it`,
          );
        },
        onStopping: (signal) =>
          this.note(`sandbox: ${signal}: stopping${stateDir ? ', writing its state' : ''}`),
      });
      this.note('sandbox: stopped');
      return undefined;
    }
    const started = await startInBackground({
      home,
      port,
      host,
      ...(stateDir !== undefined ? { stateDir } : {}),
      bin: join(this.config.root, 'bin', 'run.js'),
    });
    const { runtime, logFile } = started;
    const result = {
      ...this.result(runtime, home),
      logFile,
      ...(started.replaced ? { replacedStale: `${started.replaced.file}: ${started.replaced.reason}` } : {}),
    };
    if (started.replaced) this.note(`sandbox: replaced ${started.replaced.file}: ${started.replaced.reason}`);
    if (!this.jsonEnabled()) {
      process.stdout.write(exportLines(runtime.url));
      this.note(
        `sandbox: started the estate sandbox at ${runtime.url} (pid ${runtime.pid}; its log: ${logFile}); ${stateNote(runtime)}\n` +
          `sandbox: the lines on stdout point a shell at it: run eval "$(estate sandbox start)", or now eval "$(estate sandbox env)"\n` +
          `sandbox: estate sandbox status shows it; estate sandbox stop stops it`,
      );
    }
    return result;
  }

  private result(runtime: SandboxRuntime, home: string): SandboxStartResult {
    const { env, unset } = environmentOf(runtime.url);
    return {
      url: runtime.url,
      port: runtime.port,
      pid: runtime.pid,
      stateDir: runtime.stateDir ?? null,
      ...(runtime.restored !== undefined ? { restored: runtime.restored } : {}),
      env,
      unset,
      home,
    };
  }
}

function stateNote({ stateDir, restored }: SandboxRuntime): string {
  return stateDir
    ? `its state is kept in ${stateDir}${restored === true ? ' (restored from there)' : restored === false ? ' (a fresh sandbox: there was none yet)' : ''}`
    : 'its state ends when it stops (pass --state DIR to keep it)';
}
