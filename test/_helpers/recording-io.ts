/**
 * An IoHost for tests: records every message and request, and answers requests from a
 * script (by code) or with their default answer, as a non-interactive run would.
 */
import type { IoHost, IoMessage, IoRequest, TaskData } from '../../src/core/io.js';
import { IO } from '../../src/core/io.js';

/** A task message as a test reads it. */
export type TaskEvent =
  | { readonly type: 'start'; readonly id: string; readonly title: string }
  | { readonly type: 'update' | 'done' | 'fail' | 'skip'; readonly id: string; readonly message: string };

export interface RecordingIoHost extends IoHost {
  readonly messages: IoMessage[];
  /** The task messages, live, in the order they came. */
  readonly events: TaskEvent[];
  readonly requests: IoRequest[];
  /** The task messages as `kind id: text` lines (kind: start, update, done, fail, skip). */
  tasks(): string[];
}

const TASK_KINDS: Record<string, TaskEvent['type']> = {
  [IO.TASK_START]: 'start',
  [IO.TASK_UPDATE]: 'update',
  [IO.TASK_DONE]: 'done',
  [IO.TASK_FAIL]: 'fail',
  [IO.TASK_SKIP]: 'skip',
};

export function recordingIoHost(answers: Readonly<Record<string, unknown>> = {}): RecordingIoHost {
  const messages: IoMessage[] = [];
  const requests: IoRequest[] = [];
  const events: TaskEvent[] = [];
  return {
    messages,
    events,
    requests,
    notify: async (message) => {
      messages.push(message);
      const type = TASK_KINDS[message.code];
      if (!type) return;
      const id = (message.data as TaskData).id;
      events.push(
        type === 'start' ? { type, id, title: message.message } : { type, id, message: message.message },
      );
    },
    requestResponse: async <T, U>(request: IoRequest<T, U>): Promise<U> => {
      requests.push(request);
      return request.code in answers ? (answers[request.code] as U) : request.defaultResponse;
    },
    tasks: () =>
      messages.flatMap((m) => {
        const kind = TASK_KINDS[m.code];
        return kind ? [`${kind} ${(m.data as TaskData).id}: ${m.message}`] : [];
      }),
  };
}
