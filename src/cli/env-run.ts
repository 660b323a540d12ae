/**
 * What the `estate env` commands share: the names they take checked against estate.yaml
 * before any AWS call (a usage error listing the valid ones), and Ctrl-C during a deploy or
 * destroy (a first SIGINT stops starting new work, a second exits at once).
 */
import { BLUEPRINT_NAMES } from '../blueprints/catalog.js';
import type { EnvironmentConfig, EstateConfig } from '../config/schema.js';
import type { IoHost } from '../core/io.js';
import { userError } from '../errors.js';
import { cliIoHost } from './io-host.js';
import { trackProgress, type OutputMode, type ProgressWording } from './output.js';

/**
 * The environment names of a command that takes several (oclif's non-strict argv): an
 * argument that looks like a flag is one this command does not take.
 */
export function envNames(argv: readonly unknown[]): string[] {
  const names = argv.map(String);
  const flag = names.find((n) => n.startsWith('-'));
  if (flag)
    throw userError('UnknownFlag', `unknown flag ${flag}`, ['see --help for the flags this command takes']);
  if (names.length === 0)
    throw userError('NoEnvironment', 'name at least one environment', ['e.g. estate env deploy alice']);
  return names;
}

const list = (names: readonly string[]): string => (names.length ? names.join(', ') : '(none)');

/** The named environments of estate.yaml, or a usage error naming the unknown ones and the valid ones. */
export function checkEnvironments(config: EstateConfig, names: readonly string[]): EnvironmentConfig[] {
  const known = config.environments.map((e) => e.name);
  const unknown = names.filter((n) => !known.includes(n));
  if (unknown.length)
    throw userError(
      'UnknownEnvironment',
      `no environment ${unknown.map((n) => `"${n}"`).join(', ')} in estate.yaml; environments: ${list(known)}`,
      [known.length ? `pick from ${list(known)}` : 'declare environments under environments: in estate.yaml'],
    );
  return [...new Set(names)].map((n) => config.environments.find((e) => e.name === n)!);
}

/** `--blueprint`: each must be a blueprint of at least one of the chosen environments. */
export function checkBlueprints(envs: readonly EnvironmentConfig[], blueprints: readonly string[]): void {
  const valid = [...new Set(envs.flatMap((e) => e.blueprints))];
  const unknown = blueprints.filter((b) => !(valid as string[]).includes(b));
  if (unknown.length === 0) return;
  const notABlueprint = unknown.filter((b) => !(BLUEPRINT_NAMES as readonly string[]).includes(b));
  throw userError(
    'UnknownBlueprint',
    `--blueprint ${unknown.join(', ')}: ${notABlueprint.length ? 'not a blueprint' : `not a blueprint of ${envs.map((e) => e.name).join(', ')}`}; valid here: ${list(valid)}`,
    [`pass --blueprint with one of ${list(valid)}`],
  );
}

/** `--account`: names of estate.yaml's accounts. */
export function checkAccounts(config: EstateConfig, names: readonly string[]): void {
  const known = config.accounts.map((a) => a.name);
  const unknown = names.filter((n) => !known.includes(n));
  if (unknown.length)
    throw userError(
      'UnknownAccount',
      `--account ${unknown.join(', ')}: no such account in estate.yaml; accounts: ${list(known)}`,
      [`pass --account with one of ${list(known)}`],
    );
}

/** 128 + SIGINT: the exit code of a run a person stopped. */
export const INTERRUPTED_EXIT = 130;

export interface InterruptOptions {
  /** Said on the first Ctrl-C (stderr). */
  readonly onFirst?: () => void;
  /** The second Ctrl-C. @default process.exit(130) */
  readonly exit?: (code: number) => void;
  /** @default process */
  readonly target?: Pick<NodeJS.Process, 'on' | 'off'>;
}

/**
 * Runs `work` with a signal that the first SIGINT aborts (the engine then starts nothing new
 * and returns what was in flight and what was left); a second SIGINT exits at once with 130.
 * The handler is removed when the work ends, whichever way.
 */
export async function interruptible<T>(
  work: (signal: AbortSignal) => Promise<T>,
  options: InterruptOptions = {},
): Promise<{ result: T; interrupted: boolean }> {
  const controller = new AbortController();
  const target = options.target ?? process;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const onSigint = () => {
    if (controller.signal.aborted) {
      exit(INTERRUPTED_EXIT);
      return;
    }
    options.onFirst?.();
    controller.abort();
  };
  target.on('SIGINT', onSigint);
  try {
    const result = await work(controller.signal);
    return { result, interrupted: controller.signal.aborted };
  } finally {
    target.off('SIGINT', onSigint);
  }
}

/** Colours on stdout: a terminal, and NO_COLOR unset. */
export const colorOnStdout = (): boolean => Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;

export interface StackRunOptions {
  readonly mode: OutputMode;
  readonly interactive: boolean;
  readonly wording: ProgressWording;
  /** Said on stderr at the first Ctrl-C (not under --json). */
  readonly stopping: string;
}

/**
 * A deploy or destroy as the commands run it: stack progress on stderr as the engine starts
 * them, its questions through the CLI host, Ctrl-C through {@link interruptible}; then the
 * exit code: 130 when interrupted, 1 when anything failed, was refused or declined.
 */
export async function runStackWork<T extends { readonly ok: boolean; readonly interrupted: boolean }>(
  options: StackRunOptions,
  work: (io: IoHost, signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const base = cliIoHost(options.mode, { interactive: options.interactive });
  const { result, interrupted } = await interruptible(
    (signal) =>
      trackProgress(
        options.mode,
        'discovered',
        (io) => work(io, signal),
        process.stderr,
        options.wording,
        base,
      ),
    { onFirst: () => options.mode !== 'json' && process.stderr.write(`${options.stopping}\n`) },
  );
  if (interrupted || result.interrupted) process.exitCode = INTERRUPTED_EXIT;
  else if (!result.ok) process.exitCode = 1;
  return result;
}
