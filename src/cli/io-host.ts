/**
 * The CLI's side of the interaction port. Requests are answered from the flags first, then
 * by a prompt when a person is at a terminal, otherwise with the request's safe default
 * (never waiting in CI). Messages go to stderr, or nowhere under --json; task messages are
 * rendered by trackProgress (listr2 on a terminal, plain lines in CI).
 */
import { taskEvent, type ConfirmData, type IoHost, type IoRequest } from '../core/io.js';
import type { OutputMode } from './output.js';
import { inquirer } from './prompts.js';

export interface AnswerOptions {
  /** A person can be asked (a terminal, not CI, not --json). */
  readonly interactive: boolean;
  /** What the flags answered, by request code; undefined means the flag was not given. */
  readonly answers?: Readonly<Record<string, unknown>>;
  /** Asks a person. @default @inquirer/prompts confirm (default no) or input */
  readonly ask?: (request: IoRequest) => Promise<unknown>;
}

async function prompt(request: IoRequest): Promise<unknown> {
  const data = request.data as Partial<ConfirmData> | undefined;
  const prompts = await inquirer();
  if (data?.kind === 'text') return prompts.input({ message: request.message });
  return prompts.confirm({ message: request.message, default: false });
}

export function answerRequests(options: AnswerOptions): IoHost['requestResponse'] {
  return async <T, U>(request: IoRequest<T, U>): Promise<U> => {
    const flagged = options.answers?.[request.code];
    if (flagged !== undefined) return flagged as U;
    const askable = (request.data as Partial<ConfirmData> | undefined)?.kind !== undefined;
    if (options.interactive && askable) return (await (options.ask ?? prompt)(request)) as U;
    return request.defaultResponse;
  };
}

/**
 * The host for one output mode. Outside a tracked run, task messages and other notes are
 * plain lines on stderr; under --json nothing is written and nothing is asked.
 */
export function cliIoHost(
  mode: OutputMode,
  options: AnswerOptions,
  stderr: NodeJS.WritableStream = process.stderr,
): IoHost {
  const requestResponse = answerRequests(mode === 'json' ? { ...options, interactive: false } : options);
  if (mode === 'json') return { notify: async () => {}, requestResponse };
  return {
    notify: async (message) => {
      if (message.level === 'debug' || message.level === 'trace') return;
      if (taskEvent(message)?.type === 'start') return;
      stderr.write(`${message.message}\n`);
    },
    requestResponse,
  };
}
