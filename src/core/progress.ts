/**
 * How core reports progress without knowing about terminals: the CLI turns these events
 * into listr2 tasks (TTY), plain lines (CI) or nothing (--json).
 */
import { IO, type IoHost, type TaskData } from './io.js';

export type ProgressEvent =
  | { readonly type: 'start'; readonly id: string; readonly title: string }
  | { readonly type: 'update'; readonly id: string; readonly message: string }
  | { readonly type: 'done'; readonly id: string; readonly message?: string }
  | { readonly type: 'fail'; readonly id: string; readonly message: string }
  | { readonly type: 'skip'; readonly id: string; readonly message: string };

export type Progress = (event: ProgressEvent) => void;

export const silentProgress: Progress = () => {};

/**
 * Bridges the interaction port to a progress callback while callers move over to IoHost:
 * task messages (IO.TASK_*) become the matching events, everything else is dropped.
 */
export function progressIoHost(progress: Progress): IoHost {
  return {
    notify: async (message) => {
      const id = (message.data as TaskData | undefined)?.id;
      if (id === undefined) return;
      switch (message.code) {
        case IO.TASK_START:
          return progress({ type: 'start', id, title: message.message });
        case IO.TASK_UPDATE:
          return progress({ type: 'update', id, message: message.message });
        case IO.TASK_DONE:
          return progress({ type: 'done', id });
        case IO.TASK_FAIL:
          return progress({ type: 'fail', id, message: message.message });
        case IO.TASK_SKIP:
          return progress({ type: 'skip', id, message: message.message });
      }
    },
    requestResponse: async (request) => request.defaultResponse,
  };
}
