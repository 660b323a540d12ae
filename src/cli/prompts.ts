/**
 * Every prompt has a flag: in a non-interactive run (no TTY, CI set, or --json) a missing
 * answer fails at once naming the flag instead of waiting for input.
 */
import { missingFlag } from '../errors.js';

export interface AskOptions<T> {
  /** The value the flag gave, if any. */
  readonly value: T | undefined;
  /** How to pass it, e.g. `--home-region <region>`. */
  readonly flag: string;
  /** What it is, for the error: 'the home region'. */
  readonly what: string;
  readonly interactive: boolean;
  /** The default: offered in the prompt, taken without asking under --yes. */
  readonly fallback?: T;
  readonly acceptDefaults?: boolean;
  readonly prompt: () => Promise<T>;
}

export async function ask<T>(options: AskOptions<T>): Promise<T> {
  if (options.value !== undefined) return options.value;
  if (options.acceptDefaults && options.fallback !== undefined) return options.fallback;
  if (!options.interactive) throw missingFlag(options.flag, options.what);
  return options.prompt();
}

/** Loads @inquirer/prompts only when a question is really asked. */
export const inquirer = () => import('@inquirer/prompts');
