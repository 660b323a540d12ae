/**
 * The one way core speaks to people: an interaction port shaped like toolkit-lib's IoHost
 * (`notify` and `requestResponse`). Core never renders and never prompts; the CLI implements
 * this once per output mode (listr2 on a terminal, plain lines in CI, silent under --json),
 * tests record it, and the environment engine hands the same object to toolkit-lib.
 *
 * Messages carry a stable code (`ESTATE_<L><NNNN>`, L = I info, W warn, E error, R result) so
 * that hosts, tests and scripts can act on a message without parsing its text.
 */

export type IoLevel = 'error' | 'result' | 'warn' | 'info' | 'debug' | 'trace';

export interface IoMessage<T = unknown> {
  readonly time: Date;
  readonly level: IoLevel;
  /** Stable identifier of the kind of message, e.g. ESTATE_I0100 (a task started). */
  readonly code: string;
  /** Human-readable text, complete on its own. */
  readonly message: string;
  readonly data?: T;
}

/**
 * A question. `defaultResponse` is the safe answer: what a non-interactive run (CI, no TTY,
 * --json) takes without waiting, so a destructive confirmation defaults to "no".
 */
export interface IoRequest<T = unknown, U = unknown> extends IoMessage<T> {
  readonly defaultResponse: U;
}

export interface IoHost {
  notify(message: IoMessage): Promise<void>;
  requestResponse<T, U>(request: IoRequest<T, U>): Promise<U>;
}

/** Codes of the messages core sends. Add new ones here; never reuse or renumber one. */
export const IO = {
  /** A unit of work (a change, a read, a synthesis) started. data: TaskData. */
  TASK_START: 'ESTATE_I0100',
  /** It reports how it goes (polling a creation, ...). data: TaskData. */
  TASK_UPDATE: 'ESTATE_I0101',
  /** It finished. data: TaskData. */
  TASK_DONE: 'ESTATE_I0102',
  /** It failed. data: TaskData. */
  TASK_FAIL: 'ESTATE_E0103',
  /** It was skipped (a dependency failed, nothing to do). data: TaskData. */
  TASK_SKIP: 'ESTATE_W0104',
  /** A plan section starts reading the live estate. data: { section } */
  SECTION_PLAN: 'ESTATE_I0110',
  /** Apply these changes? data: ConfirmData; answer: true, false, or undefined (no answer). */
  CONFIRM_APPLY: 'ESTATE_I0200',
  /** Type the organisation name to delete OUs. data: ConfirmData; answer: the text, or undefined. */
  CONFIRM_PRUNE: 'ESTATE_I0201',
} as const;

/**
 * What a host needs to answer a confirmation: how to ask (yes/no or typed text) and the flag
 * that answers it without asking, which a refusal for want of an answer names.
 */
export interface ConfirmData {
  readonly kind: 'confirm' | 'text';
  /** e.g. `--yes`, `--confirm-prune acme`. */
  readonly flag: string;
  /** What the answer is, for the error: 'confirmation to apply these changes'. */
  readonly what: string;
}

/** A request stamped now. */
export function ioRequest<T, U>(code: string, message: string, data: T, defaultResponse: U): IoRequest<T, U> {
  return { time: new Date(), level: 'info', code, message, data, defaultResponse };
}

export interface TaskData {
  /** Stable id of the unit of work within a run (a change address, a stack name). */
  readonly id: string;
  /** Its title, as given at start. */
  readonly title?: string;
}

/** A task message folded into what a renderer shows: the kind of step, its id and its words. */
export type TaskEvent =
  | { readonly type: 'start'; readonly id: string; readonly title: string }
  | { readonly type: 'update'; readonly id: string; readonly message: string }
  | { readonly type: 'done'; readonly id: string; readonly message?: string }
  | { readonly type: 'fail'; readonly id: string; readonly message: string }
  | { readonly type: 'skip'; readonly id: string; readonly message: string; readonly title?: string };

/** The task event a message carries, if it is one (IO.TASK_*). */
export function taskEvent(message: IoMessage): TaskEvent | undefined {
  const data = message.data as TaskData | undefined;
  if (!data?.id) return undefined;
  const { id } = data;
  switch (message.code) {
    case IO.TASK_START:
      return { type: 'start', id, title: message.message };
    case IO.TASK_UPDATE:
      return { type: 'update', id, message: message.message };
    case IO.TASK_DONE:
      // A task that ends with nothing to add repeats its title: the line already shows it.
      return message.message && message.message !== data.title
        ? { type: 'done', id, message: message.message }
        : { type: 'done', id };
    case IO.TASK_FAIL:
      return { type: 'fail', id, message: message.message };
    case IO.TASK_SKIP:
      // A skipped task may never have started: its title comes with it.
      return { type: 'skip', id, message: message.message, ...(data.title ? { title: data.title } : {}) };
  }
  return undefined;
}

/** A host that says nothing and takes every default answer. */
export const silentIoHost: IoHost = {
  notify: async () => {},
  requestResponse: async (request) => request.defaultResponse,
};

/** Builds a message stamped now. */
export function ioMessage<T>(level: IoLevel, code: string, message: string, data?: T): IoMessage<T> {
  return { time: new Date(), level, code, message, ...(data === undefined ? {} : { data }) };
}

/** Reports one unit of work through the host: start, updates, then done, fail or skip. */
export interface Task {
  update(message: string): Promise<void>;
  done(message?: string): Promise<void>;
  fail(message: string): Promise<void>;
  skip(message: string): Promise<void>;
}

export async function startTask(io: IoHost, id: string, title: string): Promise<Task> {
  const data: TaskData = { id, title };
  await io.notify(ioMessage('info', IO.TASK_START, title, data));
  return {
    update: (message) => io.notify(ioMessage('info', IO.TASK_UPDATE, message, data)),
    done: (message) => io.notify(ioMessage('info', IO.TASK_DONE, message ?? title, data)),
    fail: (message) => io.notify(ioMessage('error', IO.TASK_FAIL, message, data)),
    skip: (message) => io.notify(ioMessage('warn', IO.TASK_SKIP, message, data)),
  };
}
