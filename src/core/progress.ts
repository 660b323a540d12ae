/**
 * How core reports progress without knowing about terminals: the CLI turns these events
 * into listr2 tasks (TTY), plain lines (CI) or nothing (--json).
 */
export type ProgressEvent =
  | { readonly type: 'start'; readonly id: string; readonly title: string }
  | { readonly type: 'update'; readonly id: string; readonly message: string }
  | { readonly type: 'done'; readonly id: string; readonly message?: string }
  | { readonly type: 'fail'; readonly id: string; readonly message: string }
  | { readonly type: 'skip'; readonly id: string; readonly message: string };

export type Progress = (event: ProgressEvent) => void;

export const silentProgress: Progress = () => {};
