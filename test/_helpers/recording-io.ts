/**
 * An IoHost for tests: records every message and request, and answers requests from a
 * script (by code) or with their default answer, as a non-interactive run would.
 */
import type { IoHost, IoMessage, IoRequest, TaskData } from '../../src/core/io.js';
import { IO } from '../../src/core/io.js';

export interface RecordingIoHost extends IoHost {
  readonly messages: IoMessage[];
  readonly requests: IoRequest[];
  /** The task messages as `kind id: text` lines (kind: start, update, done, fail, skip). */
  tasks(): string[];
}

const TASK_KINDS: Record<string, string> = {
  [IO.TASK_START]: 'start',
  [IO.TASK_UPDATE]: 'update',
  [IO.TASK_DONE]: 'done',
  [IO.TASK_FAIL]: 'fail',
  [IO.TASK_SKIP]: 'skip',
};

export function recordingIoHost(answers: Readonly<Record<string, unknown>> = {}): RecordingIoHost {
  const messages: IoMessage[] = [];
  const requests: IoRequest[] = [];
  return {
    messages,
    requests,
    notify: async (message) => void messages.push(message),
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
