/**
 * The one executor every section's apply runs on (after toolkit-lib's work graph): each
 * change runs once the changes it depends on are applied, through the handler registered
 * for its (resource type, action); changes of a kind with its own limit (account creations:
 * five) share that pool, all others share one pool of `concurrency`. A failure does not
 * stop independent changes; what depends on a failed (or skipped) change is skipped with
 * the reason. A cycle is refused before anything runs, naming the changes on it.
 *
 * `dependsOn` edges are hard (a failure skips the dependant); `after` edges only order
 * (the later change still runs when the earlier one failed), for sections that apply in
 * phases.
 */
import { EstateError, isEstateError } from '../../errors.js';
import { limiter, type Limit } from '../concurrency.js';
import { IO, ioMessage, startTask, type IoHost, type Task, type TaskData } from '../io.js';
import type { Change, ChangeResult, ChangeStatus } from './types.js';

/** Applies one change; returns the identifiers it produced (account id, policy id, ...). */
export type ChangeHandler = (change: Change, task: Task) => Promise<Record<string, string> | undefined>;

/** Handlers keyed `${resourceType}/${action}`. */
export type ChangeHandlers = Readonly<Record<string, ChangeHandler>>;

export const handlerKey = (change: Pick<Change, 'resourceType' | 'action'>): string =>
  `${change.resourceType}/${change.action}`;

/** What a run learned, shared between runs that apply one plan in several calls. */
export interface ExecutionState {
  readonly outputs: Map<string, Record<string, string>>;
  readonly statuses: Map<string, ChangeStatus>;
}

export function newExecutionState(): ExecutionState {
  return { outputs: new Map(), statuses: new Map() };
}

export interface ExecuteOptions {
  readonly io: IoHost;
  readonly handlers: ChangeHandlers;
  /** Changes applied at once, kinds with their own limit aside. */
  readonly concurrency: number;
  /** Own pools by handler key, e.g. { 'account/create': 5 }. */
  readonly concurrencyByKind?: Readonly<Record<string, number>>;
  /**
   * Pools by a key of the change (an account id): the changes of one key run at most
   * `poolSize` at once, and also within the shared `concurrency`.
   */
  readonly poolOf?: (change: Change) => string | undefined;
  /** @default concurrency */
  readonly poolSize?: number;
  /** Ordering-only predecessors of a change (phases): waited for, never a reason to skip. */
  readonly after?: (change: Change) => readonly string[];
  /** @default a fresh state */
  readonly state?: ExecutionState;
  /** The reason given for a change skipped because `blocker` ended `status`. */
  readonly skipMessage?: (blocker: string, status: ChangeStatus) => string;
  /** How a handler's error reads in the result. @default the message and its first suggestion */
  readonly errorMessage?: (error: unknown) => string;
  /** Errors that mean "not attempted": the change is skipped, not failed. */
  readonly notAttempted?: (error: unknown) => boolean;
  /**
   * Aborted (Ctrl-C): no change starts any more; each change not yet started settles as
   * skipped with `interrupted: true`. Changes already running finish through their handler.
   */
  readonly signal?: AbortSignal;
}

export const INTERRUPTED_MESSAGE = 'interrupted: not started';

export function describeError(error: unknown): string {
  if (isEstateError(error))
    return error.suggestions.length ? `${error.message}; ${error.suggestions[0]}` : error.message;
  return error instanceof Error ? error.message : String(error);
}

const defaultSkipMessage = (blocker: string, status: ChangeStatus) =>
  `skipped: ${blocker} ${status === 'failed' ? 'failed' : 'was skipped'}`;

/** Throws when two changes share an address or the edges form a cycle (named in the message). */
export function checkGraph(changes: readonly Change[], after?: (change: Change) => readonly string[]): void {
  const byAddress = new Map<string, Change>();
  for (const change of changes) {
    if (byAddress.has(change.address))
      throw new EstateError(`the plan has two changes at ${change.address}`, {
        code: 'PlanDuplicate',
        source: 'internal',
      });
    byAddress.set(change.address, change);
  }
  const seen = new Map<string, 'visiting' | 'done'>();
  const visit = (address: string, path: readonly string[]) => {
    const s = seen.get(address);
    if (s === 'done') return;
    if (s === 'visiting') {
      const cycle = [...path.slice(path.indexOf(address)), address];
      throw new EstateError(`the plan has a dependency cycle: ${cycle.join(' → ')}`, {
        code: 'PlanCycle',
        source: 'internal',
      });
    }
    seen.set(address, 'visiting');
    const change = byAddress.get(address)!;
    for (const dep of [...(change.dependsOn ?? []), ...(after?.(change) ?? [])])
      if (byAddress.has(dep)) visit(dep, [...path, address]);
    seen.set(address, 'done');
  };
  for (const address of byAddress.keys()) visit(address, []);
}

/** Runs the changes; one result per change, in the order given. */
export async function executeChanges(
  changes: readonly Change[],
  options: ExecuteOptions,
): Promise<ChangeResult[]> {
  checkGraph(changes, options.after);
  const byAddress = new Map(changes.map((c) => [c.address, c]));
  const state = options.state ?? newExecutionState();
  const shared = limiter(options.concurrency);
  const pools = new Map<string, Limit>(
    Object.entries(options.concurrencyByKind ?? {}).map(([kind, n]) => [kind, limiter(n)]),
  );
  const keyed = new Map<string, Limit>();
  const results = new Map<string, ChangeResult>();
  const running = new Map<string, Promise<ChangeStatus>>();

  const settle = (result: ChangeResult): ChangeStatus => {
    results.set(result.address, result);
    state.statuses.set(result.address, result.status);
    return result.status;
  };
  const skip = async (change: Change, message: string, interrupted = false) => {
    const data: TaskData = { id: change.address, title: change.summary };
    await options.io.notify(ioMessage('warn', IO.TASK_SKIP, message, data));
    return settle({
      address: change.address,
      status: 'skipped',
      message,
      ...(interrupted ? { interrupted: true as const } : {}),
    });
  };
  const aborted = () => options.signal?.aborted === true;

  const attempt = async (change: Change): Promise<ChangeStatus> => {
    const task = await startTask(options.io, change.address, change.summary);
    try {
      const handler = options.handlers[handlerKey(change)];
      if (!handler)
        throw new EstateError(
          `estate does not know how to ${change.action} a ${change.resourceType} (${change.address})`,
          { code: 'UnknownChange', source: 'internal' },
        );
      const out = (await handler(change, task)) ?? {};
      state.outputs.set(change.address, out);
      await task.done();
      return settle({
        address: change.address,
        status: 'applied',
        ...(Object.keys(out).length ? { outputs: out } : {}),
      });
    } catch (error) {
      const message = (options.errorMessage ?? describeError)(error);
      if (options.notAttempted?.(error)) {
        await task.skip(message);
        return settle({ address: change.address, status: 'skipped', message });
      }
      await task.fail(message);
      return settle({ address: change.address, status: 'failed', message });
    }
  };

  const run = (address: string): Promise<ChangeStatus> => {
    const existing = running.get(address);
    if (existing) return existing;
    const change = byAddress.get(address)!;
    const promise = (async (): Promise<ChangeStatus> => {
      const deps = (change.dependsOn ?? []).filter((d) => byAddress.has(d) || state.statuses.has(d));
      const order = (options.after?.(change) ?? []).filter((d) => byAddress.has(d));
      await Promise.all([...deps, ...order].filter((d) => byAddress.has(d)).map(run));
      if (aborted()) return skip(change, INTERRUPTED_MESSAGE, true);
      const blocker = deps.find((d) => state.statuses.get(d) !== 'applied');
      if (blocker)
        return skip(
          change,
          (options.skipMessage ?? defaultSkipMessage)(blocker, state.statuses.get(blocker)!),
        );
      const go = () => (aborted() ? skip(change, INTERRUPTED_MESSAGE, true) : attempt(change));
      const key = options.poolOf?.(change);
      if (key !== undefined) {
        let own = keyed.get(key);
        if (!own) keyed.set(key, (own = limiter(options.poolSize ?? options.concurrency)));
        // Always the key's pool first, then the shared one: no two changes wait on each other.
        return own(() => shared(go));
      }
      const pool = pools.get(handlerKey(change)) ?? shared;
      return pool(go);
    })();
    running.set(address, promise);
    return promise;
  };

  await Promise.all(changes.map((c) => run(c.address)));
  return changes.map((c) => results.get(c.address)!);
}
