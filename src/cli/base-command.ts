import { Command, Errors, Flags, type Interfaces } from '@oclif/core';
import { EstateError, isEstateError, missingFlags } from '../errors.js';
import { renderError } from './render-error.js';
import { canPrompt, detectMode, type OutputMode } from './output.js';

export type CommandFlags<T extends typeof Command> = Interfaces.InferredFlags<
  (typeof BaseCommand)['baseFlags'] & T['flags']
>;
export type CommandArgs<T extends typeof Command> = Interfaces.InferredArgs<T['args']>;

/** `--config`, shared by every command that reads estate.yaml. */
export const configFlag = {
  config: Flags.string({
    char: 'c',
    summary: 'Path to estate.yaml.',
    default: 'estate.yaml',
    env: 'ESTATE_CONFIG',
    helpGroup: 'GLOBAL',
  }),
};

/** The flags every AWS-facing command takes, each also from an ESTATE_* variable. */
export const awsFlags = {
  profile: Flags.string({
    summary: 'AWS named profile (SSO profiles included).',
    env: 'ESTATE_PROFILE',
    helpGroup: 'GLOBAL',
  }),
  region: Flags.string({
    summary: 'AWS region for regional calls; defaults to organization.homeRegion.',
    env: 'ESTATE_REGION',
    helpGroup: 'GLOBAL',
  }),
  yes: Flags.boolean({
    char: 'y',
    summary: 'Answer yes to confirmations (required for changes in non-interactive runs).',
    env: 'ESTATE_YES',
    helpGroup: 'GLOBAL',
  }),
  timeout: Flags.integer({
    summary:
      'Seconds an AWS request may wait for its answer before it fails (connecting gets at most 10 s of it); a timed-out read is tried once more.',
    env: 'ESTATE_TIMEOUT',
    default: 30,
    min: 1,
    max: 3600,
    helpGroup: 'GLOBAL',
  }),
  concurrency: Flags.integer({
    summary: 'How many AWS operations may run at once (AWS rate limits still apply).',
    env: 'ESTATE_CONCURRENCY',
    default: 8,
    min: 1,
    max: 64,
    helpGroup: 'GLOBAL',
  }),
};

/**
 * Owns what every command shares: output mode, --json and --debug, error rendering and
 * exit codes (0 success, 1 failure or partial failure, 2 usage or config error, 130 Ctrl-C
 * at a prompt; a command with its own contract overrides exitCodeFor).
 */
export abstract class BaseCommand<T extends typeof Command> extends Command {
  static override enableJsonFlag = true;
  static override baseFlags = {
    debug: Flags.boolean({
      summary: 'Show stack traces and SDK details on errors.',
      env: 'ESTATE_DEBUG',
      helpGroup: 'GLOBAL',
    }),
  };

  protected flags!: CommandFlags<T>;
  protected args!: CommandArgs<T>;

  override async init(): Promise<void> {
    await super.init();
    const { flags, args } = await this.parse({
      flags: this.ctor.flags,
      baseFlags: (super.ctor as typeof BaseCommand).baseFlags,
      enableJsonFlag: this.ctor.enableJsonFlag,
      args: this.ctor.args,
      strict: this.ctor.strict,
    });
    this.flags = flags as CommandFlags<T>;
    this.args = args as CommandArgs<T>;
  }

  /** `--json`, or ESTATE_JSON=1 for CI jobs that always want data. */
  override jsonEnabled(): boolean {
    const env = process.env.ESTATE_JSON;
    return super.jsonEnabled() || (env !== undefined && env !== '' && env !== '0' && env !== 'false');
  }

  protected get mode(): OutputMode {
    return detectMode({ json: this.jsonEnabled() });
  }

  /** True when a question may be asked; otherwise a missing answer must fail naming its flag. */
  protected get interactive(): boolean {
    return canPrompt(this.mode);
  }

  /**
   * In a non-interactive run, the answers only flags can give: every one not given is named
   * in one usage error (exit 2), before any AWS call. On a terminal the command asks instead.
   */
  protected requireInCi(needed: readonly { flag: string; what: string; given: boolean }[]): void {
    if (this.interactive) return;
    const missing = needed.filter((n) => !n.given);
    if (missing.length) throw missingFlags(missing);
  }

  /** A line of progress or advice on stderr (never in --json mode). */
  protected note(message: string): void {
    if (!this.jsonEnabled()) process.stderr.write(`${message}\n`);
  }

  /** Marks a partial failure: the full result is still printed, the exit code is 1. */
  protected partialFailure(): void {
    process.exitCode = 1;
  }

  private get debugEnabled(): boolean {
    const env = process.env.ESTATE_DEBUG;
    return (
      this.argv.includes('--debug') || (env !== undefined && env !== '' && env !== '0' && env !== 'false')
    );
  }

  /** The exit code for an error; a command with its own exit-code contract overrides it. */
  protected exitCodeFor(error: EstateError): number {
    return error.exitCode;
  }

  override async catch(err: Error & { exitCode?: number }): Promise<unknown> {
    if (err instanceof Errors.ExitError) throw err;
    // Ctrl-C at a prompt: the person chose to stop. Exit 130 (128 + SIGINT) and say nothing.
    if (err?.name === 'ExitPromptError') {
      process.exitCode = 130;
      this.exit(130);
    }
    const error = toEstateError(err);
    const code = this.exitCodeFor(error);
    process.exitCode = code;
    if (this.jsonEnabled()) {
      this.logJson({ ok: false, error: error.toJSON() });
      return;
    }
    process.stderr.write(renderError(error, { debug: this.debugEnabled, command: this.id }));
    this.exit(code);
  }
}

/** oclif parse errors (exit 2) and unknown errors become EstateErrors. */
export function toEstateError(err: unknown): EstateError {
  if (isEstateError(err)) return err;
  const e = err as Error & { oclif?: { exit?: number }; code?: string };
  if (e && typeof e === 'object' && e.oclif?.exit !== undefined) {
    return new EstateError(e.message.replace(/\n?See more help with --help$/, ''), {
      code: 'UsageError',
      source: 'user',
      exitCode: e.oclif.exit,
      cause: err,
      suggestions: ['see --help for the flags this command takes'],
    });
  }
  return new EstateError(`unexpected error: ${e?.message ?? String(err)}`, {
    code: 'Unexpected',
    source: 'internal',
    cause: err,
    suggestions: ['re-run with --debug for the stack trace, and report it with the command you ran'],
  });
}
