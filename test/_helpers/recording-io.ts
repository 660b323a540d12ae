/**
 * An IoHost for tests: records every message and request, and answers requests from a
 * script (by code) or with their default answer, as a non-interactive run would.
 */
import { taskEvent, type IoHost, type IoMessage, type IoRequest, type TaskEvent } from '../../src/core/io.js';

export interface RecordingIoHost extends IoHost {
  readonly messages: IoMessage[];
  /** The task messages, live, in the order they came. */
  readonly events: TaskEvent[];
  readonly requests: IoRequest[];
  /** The task messages as `kind id: text` lines (kind: start, update, done, fail, skip). */
  tasks(): string[];
}

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
      const event = taskEvent(message);
      if (event) events.push(event);
    },
    requestResponse: async <T, U>(request: IoRequest<T, U>): Promise<U> => {
      requests.push(request);
      return request.code in answers ? (answers[request.code] as U) : request.defaultResponse;
    },
    tasks: () =>
      messages.flatMap((m) => {
        const event = taskEvent(m);
        return event ? [`${event.type} ${event.id}: ${m.message}`] : [];
      }),
  };
}
