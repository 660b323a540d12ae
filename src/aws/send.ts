/**
 * Wrappers around an SDK client's `send`: feedback rate limiting per attempt, estate's one
 * retry layer (with the lost-answer contract for non-idempotent calls), and the audit log. They work the same over a real client and
 * over the in-memory fakes in test/_helpers, so core logic is exercised with the exact
 * retry and rate behaviour it meets in AWS.
 */
import { EstateError } from '../errors.js';
import type { AuditLog } from './audit.js';
import type { RateLimiter } from './rate-limit.js';

/** The part of an SDK v3 client estate uses. */
export interface SendLike {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  send(command: any, options?: any): Promise<any>;
}

/** One client per account and region, built on first use (the adapters that act across accounts). */
export function perLocation<C>(
  clientFor: (at: { readonly accountId: string; readonly region: string }) => C,
): (at: { readonly accountId: string; readonly region: string }) => C {
  const clients = new Map<string, C>();
  return (at) => {
    const key = `${at.accountId}/${at.region}`;
    let client = clients.get(key);
    if (!client) clients.set(key, (client = clientFor(at)));
    return client;
  };
}

/** 'CreateAccountCommand' → 'CreateAccount'. */
export function operationOf(command: unknown): string {
  const name = (command as { constructor?: { name?: string } })?.constructor?.name ?? 'Unknown';
  return name.endsWith('Command') ? name.slice(0, -'Command'.length) : name;
}

export function inputOf(command: unknown): Record<string, unknown> {
  return ((command as { input?: Record<string, unknown> })?.input ?? {}) as Record<string, unknown>;
}

type Around = (operation: string, command: unknown, next: () => Promise<unknown>) => Promise<unknown>;

export function wrapSend<T extends SendLike>(client: T, around: Around): T {
  const wrapped = Object.create(client) as T;
  wrapped.send = (command: unknown, options?: unknown) =>
    around(operationOf(command), command, () => client.send(command, options)) as Promise<never>;
  return wrapped;
}

const MUTATING =
  /^(Create|Update|Delete|Put|Attach|Detach|Move|Tag|Untag|Enable|Disable|Close|Register|Deregister|Execute|Invite|Accept|Remove|Start|Stop|Reset|Set|Associate|Disassociate|Activate|Deactivate|Provision)/;
export function isMutating(operation: string): boolean {
  return MUTATING.test(operation);
}

/**
 * Throttling: AWS rejected the request before doing anything; always safe to send again.
 * ConcurrentModificationException is the same kind of answer (Organizations refused the
 * request because something else was changing the target; nothing was done).
 */
const REJECTED = new Set(['ConcurrentModificationException']);

/** Server-side failures: the request may or may not have been carried out. */
const SERVER = new Set([
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'InternalFailure',
  'InternalServerError',
  'InternalServerException',
  'ServiceException',
]);

/** The request never got to AWS, or got nowhere: a wrong endpoint fails on these at once. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNABORTED',
  'ETIMEDOUT',
]);

/**
 * The connection was dropped after the request went out. @smithy/node-http-handler names these
 * TimeoutError although nothing waited: they are transient, and the request may have been
 * carried out.
 */
const RESET_CODES = new Set(['ECONNRESET', 'EPIPE']);

interface ErrorShape {
  name?: string;
  code?: string;
  message?: string;
  $retryable?: { throttling?: boolean };
  $metadata?: { httpStatusCode?: number };
  /** Set by estate's HTTP handler (http.ts): the endpoint the request went to. */
  $endpoint?: string;
  /** Set by estate's HTTP handler: the timeouts in force, in milliseconds. */
  $timeouts?: { connectMs: number; requestMs: number };
}

export function isThrottle(error: unknown): boolean {
  const e = (error ?? {}) as ErrorShape;
  if (typeof e !== 'object') return false;
  return (
    /Throttl|TooManyRequests|RequestLimitExceeded|SlowDown/.test(e.name ?? '') ||
    e.$retryable?.throttling === true ||
    e.$metadata?.httpStatusCode === 429
  );
}

export type TransportProblem = 'timeout' | 'connect-timeout' | 'network' | 'reset';

/**
 * No answer came: a timeout, a network error, or a connection reset after sending (estate's
 * handler names the endpoint on it).
 */
export function transportProblem(error: unknown): TransportProblem | undefined {
  const e = (error ?? {}) as ErrorShape;
  // An EstateError has been explained already (and its code is estate's, not Node's).
  if (typeof e !== 'object' || error instanceof EstateError) return undefined;
  if ((e.code && RESET_CODES.has(e.code)) || /socket hang up/.test(e.message ?? '')) return 'reset';
  if (e.name === 'TimeoutError' || e.code === 'ETIMEDOUT')
    return /establish a connection/.test(e.message ?? '') ? 'connect-timeout' : 'timeout';
  if ((e.code && NETWORK_CODES.has(e.code)) || /getaddrinfo|ECONNREFUSED/.test(e.message ?? ''))
    return 'network';
  return undefined;
}

/** How an attempt failed, as far as sending it again is concerned. */
export type FailureKind = 'throttle' | 'rejected' | 'server' | 'transport';

export function failureKind(error: unknown): FailureKind | undefined {
  if (!error || typeof error !== 'object' || error instanceof EstateError) return undefined;
  if (isThrottle(error)) return 'throttle';
  const e = error as ErrorShape;
  if (e.name && REJECTED.has(e.name)) return 'rejected';
  // A dropped connection costs no waiting: sent again like a 5xx, not held to the timeout budget.
  const problem = transportProblem(error);
  if (problem === 'reset') return 'server';
  if (problem) return 'transport';
  const status = e.$metadata?.httpStatusCode;
  if (
    (e.name && SERVER.has(e.name)) ||
    e.$retryable ||
    status === 500 ||
    status === 502 ||
    status === 503 ||
    status === 504
  )
    return 'server';
  return undefined;
}

/** True for errors estate sends again (for operations that may be sent again). */
export function isRetryable(error: unknown): boolean {
  return failureKind(error) !== undefined;
}

/**
 * Operations that must never be sent twice blindly: a second CreateAccount can create a
 * second account, a second CreateOrganization or CloseAccount answers with an error although
 * the first one worked.
 */
export const NON_IDEMPOTENT: ReadonlySet<string> = new Set([
  'CreateAccount',
  'CreateGovCloudAccount',
  'CreateOrganization',
  'CloseAccount',
]);

/** The stable code of the error withRetries throws when a non-idempotent call's answer was lost. */
export const LOST_ANSWER = 'LostAnswer';

export interface RetryOptions {
  /** Total attempts including the first, for throttling and other rejections. @default 10 */
  readonly maxAttempts?: number;
  /**
   * Attempts that may end in a timeout or network error, per call. Kept small so that a
   * silent endpoint costs at most this many timeouts, not minutes. @default 2
   */
  readonly transportAttempts?: number;
  /** @default 250 */
  readonly baseDelayMs?: number;
  /** @default 20000 */
  readonly maxDelayMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function lostAnswer(operation: string, error: unknown): EstateError {
  const e = error as ErrorShape;
  const why = transportProblem(error)
    ? `${e.message ?? e.name}${e.$endpoint ? ` (${e.$endpoint})` : ''}`
    : `${e.name ?? 'Error'}: ${e.message ?? ''}`.trim();
  return new EstateError(
    `${operation} got no usable answer from AWS (${why}): it may have been carried out, so estate did not send it again`,
    {
      code: LOST_ANSWER,
      source: 'aws',
      cause: error,
      details: { operation, reason: e.name ?? 'Error', ...(e.$endpoint ? { endpoint: e.$endpoint } : {}) },
      suggestions: [
        'run the command again: estate looks for what this request did before it sends anything again',
      ],
    },
  );
}

/**
 * estate's one retry layer (SDK clients are built with a single attempt: clients.ts).
 *
 * - Throttling and other rejections (ConcurrentModificationException): AWS did nothing, so
 *   every operation is sent again, up to `maxAttempts`, with full-jitter exponential backoff.
 * - Timeouts, network errors, dropped connections and 5xx answers: the request may have been
 *   carried out. Idempotent operations are sent again (timeouts and unreachable endpoints at
 *   most `transportAttempts` times in all, so a silent endpoint fails in seconds; a connection
 *   reset after sending, which costs no waiting, up to `maxAttempts` like a 5xx). A
 *   NON_IDEMPOTENT operation is never sent again: the caller gets an EstateError with code
 *   LOST_ANSWER (details.operation, details.reason) and must find out what happened before
 *   any re-send (for CreateAccount: ListCreateAccountStatus, then the accounts by e-mail).
 * - Anything else is thrown at once.
 *
 * Each attempt goes through the wrappers inside this one, so with withRateLimits inside,
 * every attempt takes a rate token.
 */
export function withRetries<T extends SendLike>(client: T, options: RetryOptions = {}): T {
  const maxAttempts = options.maxAttempts ?? 10;
  const transportAttempts = options.transportAttempts ?? 2;
  const base = options.baseDelayMs ?? 250;
  const cap = options.maxDelayMs ?? 20_000;
  const wait = options.sleep ?? sleep;
  const random = options.random ?? Math.random;
  return wrapSend(client, async (operation, _command, next) => {
    let transportFailures = 0;
    for (let attempt = 1; ; attempt++) {
      try {
        return await next();
      } catch (error) {
        const kind = failureKind(error);
        if (kind && NON_IDEMPOTENT.has(operation) && (kind === 'server' || kind === 'transport'))
          throw lostAnswer(operation, error);
        if (kind === 'transport') transportFailures++;
        if (!kind || attempt >= maxAttempts || transportFailures >= transportAttempts) {
          if (attempt > 1 && error && typeof error === 'object')
            (error as { $attempts?: number }).$attempts = attempt;
          throw error;
        }
        await wait(Math.floor(random() * Math.min(cap, base * 2 ** (attempt - 1))));
      }
    }
  });
}

/**
 * Holds each attempt until its operation's bucket has a token, and tells the bucket about
 * throttling answers so that it slows down (rate-limit.ts). Put it inside withRetries so
 * that retries take tokens too.
 */
export function withRateLimits<T extends SendLike>(client: T, limiter: RateLimiter): T {
  return wrapSend(client, async (operation, _command, next) => {
    await limiter.take(operation);
    try {
      return await next();
    } catch (error) {
      if (isThrottle(error)) limiter.throttled(operation);
      throw error;
    }
  });
}

export interface AuditContext {
  readonly service: string;
  /** The account the client acts in (12 digits), when known. */
  readonly account?: string;
}

/** Appends one audit line per mutating call, with its outcome. */
export function withAudit<T extends SendLike>(client: T, log: AuditLog, context: AuditContext): T {
  return wrapSend(client, async (operation, command, next) => {
    if (!isMutating(operation)) return next();
    try {
      const out = await next();
      await log.record({ ...context, action: operation, input: inputOf(command), result: 'ok' });
      return out;
    } catch (error) {
      await log.record({
        ...context,
        action: operation,
        input: inputOf(command),
        result: 'error',
        error: (error as Error)?.name ?? String(error),
      });
      throw error;
    }
  });
}
