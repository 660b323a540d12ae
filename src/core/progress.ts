/**
 * The progress callback core used before the interaction port (core/io.ts). Only
 * src/blueprints/synth.ts still takes one; delete this file once it speaks IoHost.
 */
import { IO, ioMessage, type IoHost, type TaskData, type TaskEvent } from './io.js';

export type ProgressEvent = TaskEvent;

export type Progress = (event: ProgressEvent) => void;

export const silentProgress: Progress = () => {};

/**
 * Shim while src/blueprints/synth.ts still reports through a Progress callback (it moves to
 * core/env and speaks IoHost directly): its events become task messages on the host.
 */
export function progressToIo(io: IoHost): Progress {
  return (event) => {
    const data: TaskData = { id: event.id };
    switch (event.type) {
      case 'start':
        return void io.notify(ioMessage('info', IO.TASK_START, event.title, { ...data, title: event.title }));
      case 'update':
        return void io.notify(ioMessage('info', IO.TASK_UPDATE, event.message, data));
      case 'done':
        return void io.notify(ioMessage('info', IO.TASK_DONE, event.message ?? '', data));
      case 'fail':
        return void io.notify(ioMessage('error', IO.TASK_FAIL, event.message, data));
      case 'skip':
        return void io.notify(ioMessage('warn', IO.TASK_SKIP, event.message, data));
    }
  };
}
