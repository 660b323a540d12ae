/**
 * What deploy and destroy share once they run stacks on the executor: stopping at Ctrl-C
 * without waiting for CloudFormation, the outcome of a stack that never settled, and the
 * report of a failed stack operation (the resource and CloudFormation's reason).
 */
import { ioMessage, type IoHost } from '../io.js';
import { describeError, executeChanges, type ExecuteOptions } from '../plan/execute.js';
import type { Change } from '../plan/types.js';
import type { AssemblyStack } from './common.js';
import { ENV_IO, stackTaskId, type StackRef } from './io.js';
import type { StackFailure, StacksPort } from './ports.js';

export function stackRef(stack: AssemblyStack, environment: string): StackRef {
  return { stack: stack.name, environment, accountId: stack.at.accountId, region: stack.at.region };
}

/** The stack's address on the executor (= its task id). */
export const stackAddress = (stack: AssemblyStack): string => stackTaskId(stackRef(stack, ''));

/** Stack operations (and bootstraps) in flight at once in one run, over all accounts. */
export const MAX_STACKS_AT_ONCE = 32;

/**
 * How a run's stack changes share the executor: CloudFormation's limits are per account, so
 * each account gets its own pool of `perAccount` (deployments.concurrency, --concurrency) and
 * accounts go side by side, at most {@link MAX_STACKS_AT_ONCE} operations in all. Addresses
 * are `<account>/<region>/<stack>` and `bootstrap:<account>/<region>`.
 */
export function perAccountPools(
  perAccount: number,
  changes: readonly { address: string }[],
): { concurrency: number; poolSize: number; poolOf: (change: { address: string }) => string } {
  const accountOf = (change: { address: string }) => change.address.replace(/^bootstrap:/, '').split('/')[0]!;
  const accounts = new Set(changes.map(accountOf)).size;
  return {
    concurrency: Math.min(MAX_STACKS_AT_ONCE, Math.max(perAccount, perAccount * accounts)),
    poolSize: perAccount,
    poolOf: accountOf,
  };
}

/**
 * Runs one stack's operation; an error the operation did not settle itself (a toolkit that
 * threw, a read that failed) settles the stack as failed with its message, then goes on to the
 * executor, which skips the stack's dependants.
 */
export async function settleStack<T>(
  settled: {
    has(address: string): boolean;
    set(address: string, value: { status: 'failed'; reason: string }): unknown;
  },
  address: string,
  operation: () => Promise<T>,
): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    if (!settled.has(address)) settled.set(address, { status: 'failed', reason: describeError(error) });
    throw error;
  }
}

/** The executor's results, or 'aborted' as soon as the signal fires (running work goes on in AWS). */
export async function untilDoneOrAborted<T>(
  work: Promise<T>,
  signal: AbortSignal | undefined,
): Promise<T | 'aborted'> {
  if (!signal) return work;
  work.catch(() => {});
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<'aborted'>((resolve) => {
    onAbort = () => resolve('aborted');
    if (signal.aborted) resolve('aborted');
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    // A run aborted before it began still lets the executor mark everything interrupted.
    if (signal.aborted) return await work;
    return await Promise.race([work, aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort!);
  }
}

/**
 * Runs the changes until they are done or the signal fires; each change the executor skipped
 * (a blocker, or interrupted before it started) is handed to `skipped`.
 */
export async function runUntilAborted(
  changes: readonly Change[],
  options: ExecuteOptions,
  skipped: (address: string, status: 'skipped' | 'interrupted', reason: string) => void,
): Promise<void> {
  if (changes.length === 0) return;
  const outcome = await untilDoneOrAborted(executeChanges(changes, options), options.signal);
  if (outcome === 'aborted') return;
  for (const r of outcome)
    if (r.status === 'skipped')
      skipped(r.address, r.interrupted ? 'interrupted' : 'skipped', r.message ?? 'skipped');
}

/** A stack that never settled: still running in CloudFormation, or never started. */
export function unsettled(started: boolean, running: string) {
  return started
    ? { status: 'in-flight' as const, reason: `still ${running} in CloudFormation when interrupted` }
    : { status: 'interrupted' as const, reason: 'interrupted: not started' };
}

/**
 * A failed stack operation: the failing resource (the toolkit's, else the latest operation's
 * first failed event), reported as STACK_FAILED; returns what the outcome records and the
 * error that makes the executor skip the stack's dependants.
 */
export async function stackFailed(
  stacks: Pick<StacksPort, 'failures'>,
  io: IoHost,
  r: StackRef,
  outcome: { readonly reason: string; readonly failure?: StackFailure },
  since: Date,
  what: string,
): Promise<{ settled: { status: 'failed'; reason: string; failure?: StackFailure }; error: Error }> {
  const at = { accountId: r.accountId, region: r.region };
  const failure = outcome.failure ?? (await stacks.failures(at, r.stack, since).catch(() => []))[0];
  const cause = failure ? `${failure.logicalId} ${failure.status}: ${failure.reason}` : outcome.reason;
  await io.notify(
    ioMessage('error', ENV_IO.STACK_FAILED, `${r.stack} (${r.accountId}, ${r.region}) ${what}: ${cause}`, {
      ...r,
      reason: outcome.reason,
      ...(failure ? { failure } : {}),
    }),
  );
  return {
    settled: { status: 'failed', reason: outcome.reason, ...(failure ? { failure } : {}) },
    error: new Error(failure ? `${failure.logicalId}: ${failure.reason}` : outcome.reason),
  };
}
