/**
 * Where output goes. stdout carries only the result; progress, logs and prompts go to
 * stderr: animated listr2 on a terminal, plain lines in CI, nothing with --json.
 */
import type { Progress, ProgressEvent } from '../core/progress.js';

export type OutputMode = 'interactive' | 'plain' | 'json';

export interface ModeInputs {
  readonly json: boolean;
  readonly env?: NodeJS.ProcessEnv;
  readonly stderrIsTTY?: boolean;
}

export function isCI(env: NodeJS.ProcessEnv = process.env): boolean {
  const ci = env.CI;
  return ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false';
}

export function detectMode({
  json,
  env = process.env,
  stderrIsTTY = process.stderr.isTTY,
}: ModeInputs): OutputMode {
  if (json) return 'json';
  if (stderrIsTTY && !isCI(env) && env.TERM !== 'dumb') return 'interactive';
  return 'plain';
}

/** Can estate ask a question? Only with a terminal on stdin, outside CI, without --json. */
export function canPrompt(
  mode: OutputMode,
  env: NodeJS.ProcessEnv = process.env,
  stdinIsTTY = process.stdin.isTTY,
): boolean {
  return mode !== 'json' && Boolean(stdinIsTTY) && !isCI(env);
}

export interface TrackedStep {
  readonly id: string;
  readonly title: string;
}

/**
 * Runs `work` while rendering its progress events against a known list of steps: one
 * listr2 task per step on a terminal, one line per finished step in plain mode.
 */
export async function trackProgress<T>(
  mode: OutputMode,
  steps: readonly TrackedStep[],
  work: (progress: Progress) => Promise<T>,
  stderr: NodeJS.WritableStream = process.stderr,
): Promise<T> {
  if (mode === 'json' || steps.length === 0) return work(() => {});
  if (mode === 'plain') {
    const titles = new Map(steps.map((s) => [s.id, s.title]));
    return work((event) => stderr.write(`${plainLine(event, titles)}\n`));
  }
  return listrProgress(steps, work);
}

const SYMBOL: Record<ProgressEvent['type'], string> = {
  start: '…',
  update: '·',
  done: '✔',
  fail: '✖',
  skip: '↓',
};

function plainLine(event: ProgressEvent, titles: Map<string, string>): string {
  const title = titles.get(event.id) ?? event.id;
  if (event.type === 'start') return `${SYMBOL.start} ${event.title ?? title}`;
  const message = 'message' in event && event.message ? `: ${event.message}` : '';
  return `${SYMBOL[event.type]} ${title}${message}`;
}

async function listrProgress<T>(
  steps: readonly TrackedStep[],
  work: (progress: Progress) => Promise<T>,
): Promise<T> {
  const { Listr, ProcessOutput } = await import('listr2');
  type Waiter = {
    resolve: () => void;
    reject: (e: Error) => void;
    skip?: string;
    output: (m: string) => void;
  };
  const waiters = new Map<string, Waiter>();
  const early = new Map<string, ProgressEvent[]>();
  const processOutput = new ProcessOutput(process.stderr, process.stderr);
  const list = new Listr(
    steps.map((step) => ({
      title: step.title,
      task: (_ctx: unknown, task: { output: string; skip: (m: string) => void }) => {
        const promise = new Promise<void>((resolve, reject) => {
          task.output = 'waiting';
          waiters.set(step.id, { resolve, reject, output: (m) => (task.output = m) });
          for (const event of early.get(step.id) ?? []) deliver(event);
        });
        return promise.catch((error: Error) => {
          if (error.name === 'Skip') task.skip(error.message);
          else throw error;
        });
      },
    })),
    {
      concurrent: true,
      exitOnError: false,
      rendererOptions: { processOutput, collapseErrors: false },
      fallbackRendererOptions: { processOutput },
    } as never,
  );
  const deliver = (event: ProgressEvent) => {
    const w = waiters.get(event.id);
    if (!w) {
      early.set(event.id, [...(early.get(event.id) ?? []), event]);
      return;
    }
    if (event.type === 'start') w.output('started');
    else if (event.type === 'update') w.output(event.message);
    else if (event.type === 'done') w.resolve();
    else if (event.type === 'fail') w.reject(new Error(event.message));
    else if (event.type === 'skip') w.reject(Object.assign(new Error(event.message), { name: 'Skip' }));
  };
  const rendering = list.run().catch(() => undefined);
  try {
    return await work(deliver);
  } finally {
    // Steps the work never finished are marked skipped so the renderer can stop.
    for (const step of steps) deliver({ type: 'skip', id: step.id, message: 'not reached' });
    await rendering;
  }
}
