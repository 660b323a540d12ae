/**
 * Where output goes. stdout carries only the result; progress, logs and prompts go to
 * stderr: animated listr2 on a terminal, plain lines in CI, nothing with --json.
 */
import type { Change, ChangeResult } from '../core/plan/types.js';
import { taskEvent, type ConfirmData, type IoHost, type TaskEvent } from '../core/io.js';
import { cliIoHost } from './io-host.js';

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

/** Elapsed time as a person reads it: 0.4s, 12s, 3m05s. */
export function formatElapsed(ms: number): string {
  if (ms < 10_000) return `${(Math.max(0, ms) / 1000).toFixed(1)}s`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  return `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
}

/**
 * What is in flight and what has finished, folded from progress events. Both renderers
 * read it: the terminal shows one line per change in flight, CI prints each start and end.
 */
export class ProgressBoard {
  private readonly titles: Map<string, string>;
  private readonly running = new Map<string, { title: string; since: number; message?: string }>();
  private readonly finished = new Set<string>();
  done = 0;
  failed = 0;
  skipped = 0;
  readonly startedAt: number;

  /** `titles`: the work known in advance; work first seen in an event joins the count then. */
  constructor(
    titles: ReadonlyMap<string, string>,
    private readonly now: () => number = Date.now,
  ) {
    this.titles = new Map(titles);
    this.startedAt = now();
  }

  get total(): number {
    return this.titles.size;
  }

  titleOf(id: string): string {
    return this.running.get(id)?.title ?? this.titles.get(id) ?? id;
  }

  /** Folds one event in; for an end event, returns how long the change ran (ms). */
  record(event: TaskEvent): number | undefined {
    if (!this.titles.has(event.id))
      this.titles.set(
        event.id,
        event.type === 'start' || event.type === 'skip' ? (event.title ?? event.id) : event.id,
      );
    const entry = this.running.get(event.id);
    if (event.type === 'start') {
      this.running.set(event.id, { title: event.title ?? this.titleOf(event.id), since: this.now() });
      return undefined;
    }
    if (event.type === 'update') {
      if (entry) entry.message = event.message;
      return undefined;
    }
    if (this.finished.has(event.id)) return undefined;
    this.finished.add(event.id);
    this.running.delete(event.id);
    if (event.type === 'done') this.done++;
    else if (event.type === 'fail') this.failed++;
    else this.skipped++;
    return entry ? this.now() - entry.since : undefined;
  }

  /** `12/40 done, 1 failed, 3 in flight · 14s` */
  header(): string {
    const parts = [`${this.done}/${this.total} done`];
    if (this.failed) parts.push(`${this.failed} failed`);
    if (this.skipped) parts.push(`${this.skipped} skipped`);
    if (this.running.size) parts.push(`${this.running.size} in flight`);
    return `${parts.join(', ')} · ${formatElapsed(this.now() - this.startedAt)}`;
  }

  /** One line per change in flight, oldest first, with its elapsed time and latest word. */
  inFlight(limit = 15): string[] {
    const now = this.now();
    const lines = [...this.running.values()]
      .slice(0, limit)
      .map((r) => `${r.title} · ${formatElapsed(now - r.since)}${r.message ? ` · ${r.message}` : ''}`);
    if (this.running.size > limit) lines.push(`… and ${this.running.size - limit} more in flight`);
    return lines;
  }
}

/**
 * Runs `work` with an IoHost that renders its tasks: on a terminal one listr2 task whose
 * lines are the changes in flight (finished ones leave the list and count in the title);
 * in plain mode a line when each change starts and when it ends, with how long it took;
 * under --json nothing. Other messages and every request go to `base`.
 *
 * `steps` is the work known in advance, or 'discovered' when only the work itself knows
 * (the stacks of a deploy): each task then counts from its first message. On a terminal, a
 * question asked in the middle of the work ends the live view first, so that the prompt
 * is not drawn over; the rest of the progress follows as plain lines.
 */
export async function trackProgress<T>(
  mode: OutputMode,
  steps: readonly TrackedStep[] | 'discovered',
  work: (io: IoHost) => Promise<T>,
  stderr: NodeJS.WritableStream = process.stderr,
  wording: ProgressWording = { running: 'Running', finished: 'Ran', noun: 'step' },
  base: IoHost = cliIoHost(mode, { interactive: false }, stderr),
): Promise<T> {
  let onTask: (event: TaskEvent) => void = () => {};
  let beforeQuestion: () => Promise<void> = async () => {};
  const io: IoHost = {
    notify: async (message) => {
      const event = taskEvent(message);
      if (event) onTask(event);
      else await base.notify(message);
    },
    requestResponse: async (request) => {
      if ((request.data as Partial<ConfirmData> | undefined)?.kind !== undefined) await beforeQuestion();
      return base.requestResponse(request);
    },
  };
  const known = steps === 'discovered' ? [] : steps;
  if (mode === 'json' || (steps !== 'discovered' && known.length === 0)) return work(io);
  const board = new ProgressBoard(new Map(known.map((s) => [s.id, s.title])));
  const plain = (event: TaskEvent) => {
    const took = board.record(event);
    const title = board.titleOf(event.id);
    stderr.write(`${plainLine(event, title, took)}\n`);
  };
  if (mode === 'plain') {
    onTask = plain;
    return work(io);
  }
  return listrProgress(board, wording, (live) => {
    onTask = live.onTask;
    beforeQuestion = async () => {
      beforeQuestion = async () => {};
      onTask = plain;
      await live.handOver();
    };
    return work(io);
  });
}

/** How the terminal view names the work: "Applying 12 changes", then "Applied 12 changes". */
export interface ProgressWording {
  readonly running: string;
  readonly finished: string;
  readonly noun: string;
}

const SYMBOL: Record<TaskEvent['type'], string> = {
  start: '…',
  update: '·',
  done: '✔',
  fail: '✖',
  skip: '↓',
};

function plainLine(event: TaskEvent, title: string, took: number | undefined): string {
  if (event.type === 'start') return `${SYMBOL.start} ${event.title ?? title}`;
  const message = 'message' in event && event.message ? `: ${event.message}` : '';
  const elapsed = took === undefined ? '' : ` (${formatElapsed(took)})`;
  return `${SYMBOL[event.type]} ${title}${message}${elapsed}`;
}

interface LiveView {
  readonly onTask: (event: TaskEvent) => void;
  /** Ends the view now (a question comes); the work goes on without it. */
  readonly handOver: () => Promise<void>;
}

async function listrProgress<T>(
  board: ProgressBoard,
  wording: ProgressWording,
  work: (live: LiveView) => Promise<T>,
): Promise<T> {
  const { Listr, ListrLogger, ProcessOutput } = await import('listr2');
  // Both streams of the renderers' logger are stderr: stdout carries only the result, even
  // when it is redirected and listr2 falls back to its line renderer.
  const logger = new ListrLogger({
    useIcons: true,
    processOutput: new ProcessOutput(process.stderr, process.stderr),
  });
  // Resolves with how the view ends: the work stopped on an error, ran to its end, or
  // handed over to a question.
  type Ending = 'stopped' | 'finished' | 'handed-over';
  let finish!: (ending: Ending) => void;
  const finished = new Promise<Ending>((resolve) => (finish = resolve));
  type Task = { title: string; output: string };
  let view: Task | undefined;
  const what = () => `${board.total} ${wording.noun}${board.total === 1 ? '' : 's'}`;
  const refresh = () => {
    if (!view) return;
    view.title = `${wording.running} ${what()}: ${board.header()}`;
    view.output = board.inFlight().join('\n');
  };
  const list = new Listr(
    [
      {
        title: wording.running,
        task: async (_ctx: unknown, task: Task) => {
          view = task;
          refresh();
          const ending = await finished;
          view = undefined;
          if (ending === 'handed-over') {
            task.title = `${wording.running} ${what()}: ${board.header()} (a question follows; progress goes on below)`;
            return;
          }
          if (ending === 'stopped') {
            task.title = `${wording.running} ${what()} stopped: ${board.header()}`;
            throw new Error('stopped by the error below');
          }
          task.title = `${wording.finished} ${what()}: ${board.header()}`;
          if (board.failed) throw new Error(`${board.failed} failed; see below`);
        },
        rendererOptions: { outputBar: true, persistentOutput: false },
      },
    ],
    {
      exitOnError: false,
      rendererOptions: { logger, collapseErrors: false },
      fallbackRendererOptions: { logger },
    } as never,
  );
  const rendering = list.run().catch(() => undefined);
  // Elapsed times move even when no event arrives.
  const ticker = setInterval(refresh, 1_000);
  ticker.unref();
  let ended = false;
  const end = async (ending: Ending) => {
    if (ended) return;
    ended = true;
    clearInterval(ticker);
    finish(ending);
    await rendering;
  };
  let stopped = false;
  try {
    return await work({
      onTask: (event) => {
        board.record(event);
        refresh();
      },
      handOver: () => end('handed-over'),
    });
  } catch (error) {
    stopped = true;
    throw error;
  } finally {
    await end(stopped ? 'stopped' : 'finished');
  }
}

const NOUNS: Record<string, [string, string]> = {
  organization: ['organisation', 'organisations'],
  ou: ['OU', 'OUs'],
  account: ['account', 'accounts'],
  tags: ['tag set', 'tag sets'],
  policy: ['policy', 'policies'],
  'policy-attachment': ['policy', 'policies'],
  'policy-type': ['policy type', 'policy types'],
  'trusted-access': ['trusted service', 'trusted services'],
  budget: ['budget', 'budgets'],
  'budget-action': ['budget action', 'budget actions'],
  'cost-allocation-tag': ['cost allocation tag', 'cost allocation tags'],
};

const PAST: Record<string, string> = {
  create: 'created',
  update: 'updated',
  move: 'moved',
  attach: 'attached',
  detach: 'detached',
  delete: 'deleted',
};

/** Where "created" reads wrong: a policy type or a trusted service is enabled. */
const PAST_FOR: Record<string, Record<string, string>> = {
  'policy-type': { create: 'enabled', delete: 'disabled' },
  'trusted-access': { create: 'enabled', delete: 'disabled' },
};

const ACTION_ORDER = ['create', 'update', 'move', 'attach', 'detach', 'delete'];

const noun = (resourceType: string, count: number): string => {
  const [one, many] = NOUNS[resourceType] ?? [
    resourceType.replaceAll('-', ' '),
    `${resourceType.replaceAll('-', ' ')}s`,
  ];
  return count === 1 ? one : many;
};

/**
 * The closing line of an apply, by action: "Applied in 12s: 2 accounts created, 1 OU
 * created, 2 accounts moved, 1 policy attached, 1 failed, 1 skipped".
 */
export function applySummary(
  changes: readonly Pick<Change, 'address' | 'action' | 'resourceType'>[],
  results: readonly Pick<ChangeResult, 'address' | 'status'>[],
  elapsedMs: number,
): string {
  const byAddress = new Map(changes.map((c) => [c.address, c]));
  const counts = new Map<string, { action: string; resourceType: string; count: number }>();
  let failed = 0;
  let skipped = 0;
  for (const r of results) {
    if (r.status === 'failed') failed++;
    if (r.status === 'skipped') skipped++;
    const change = byAddress.get(r.address);
    if (r.status !== 'applied' || !change) continue;
    const key = `${change.action} ${change.resourceType}`;
    const entry = counts.get(key) ?? { action: change.action, resourceType: change.resourceType, count: 0 };
    entry.count++;
    counts.set(key, entry);
  }
  const parts = [...counts.values()]
    .sort((a, b) => ACTION_ORDER.indexOf(a.action) - ACTION_ORDER.indexOf(b.action))
    .map(
      (e) =>
        `${e.count} ${noun(e.resourceType, e.count)} ${PAST_FOR[e.resourceType]?.[e.action] ?? PAST[e.action] ?? e.action}`,
    );
  if (failed) parts.push(`${failed} failed`);
  if (skipped) parts.push(`${skipped} skipped`);
  return `Applied in ${formatElapsed(elapsedMs)}: ${parts.length ? parts.join(', ') : 'nothing'}`;
}
