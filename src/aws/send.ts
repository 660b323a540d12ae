/**
 * Wrappers around an SDK client's `send`: rate limiting, retries on throttling and
 * concurrent modification, and the audit log. They work the same over a real client and
 * over the in-memory fakes in test/_helpers, so core logic is exercised with the exact
 * retry and rate behaviour it meets in AWS.
 */
import type { AuditLog } from './audit.js';
import type { RateLimiter } from './rate-limit.js';

/** The part of an SDK v3 client estate uses. */
export interface SendLike {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  send(command: any, options?: any): Promise<any>;
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
  /^(Create|Update|Delete|Put|Attach|Detach|Move|Tag|Untag|Enable|Disable|Close|Register|Deregister|Execute|Invite|Accept|Remove|Start|Stop|Reset|Set|Associate|Disassociate)/;
export function isMutating(operation: string): boolean {
  return MUTATING.test(operation);
}

/** Errors AWS documents as "try again": throttling and concurrent modification. */
const RETRYABLE = new Set([
  'TooManyRequestsException',
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'ConcurrentModificationException',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'InternalFailure',
  'InternalServerError',
  'ServiceException',
]);

export function isRetryable(error: unknown): boolean {
  const e = error as { name?: string; $retryable?: unknown; $metadata?: { httpStatusCode?: number } };
  if (!e || typeof e !== 'object') return false;
  if (e.name && RETRYABLE.has(e.name)) return true;
  if (e.$retryable) return true;
  const status = e.$metadata?.httpStatusCode;
  return status === 429 || status === 502 || status === 503 || status === 504;
}

export function isThrottle(error: unknown): boolean {
  const name = (error as { name?: string })?.name ?? '';
  return /Throttl|TooManyRequests|RequestLimitExceeded|SlowDown/.test(name);
}

export interface RetryOptions {
  /** Total attempts including the first. @default 10 */
  readonly maxAttempts?: number;
  /** @default 250 */
  readonly baseDelayMs?: number;
  /** @default 20000 */
  readonly maxDelayMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Full-jitter exponential backoff on throttling and concurrent-modification errors. */
export function withRetries<T extends SendLike>(client: T, options: RetryOptions = {}): T {
  const maxAttempts = options.maxAttempts ?? 10;
  const base = options.baseDelayMs ?? 250;
  const cap = options.maxDelayMs ?? 20_000;
  const wait = options.sleep ?? sleep;
  const random = options.random ?? Math.random;
  return wrapSend(client, async (_op, _command, next) => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await next();
      } catch (error) {
        if (attempt >= maxAttempts || !isRetryable(error)) {
          if (attempt > 1 && error && typeof error === 'object')
            (error as { $attempts?: number }).$attempts = attempt;
          throw error;
        }
        await wait(Math.floor(random() * Math.min(cap, base * 2 ** (attempt - 1))));
      }
    }
  });
}

/** Holds every call until its operation's token bucket has a token. */
export function withRateLimits<T extends SendLike>(client: T, limiter: RateLimiter): T {
  return wrapSend(client, async (operation, _command, next) => {
    await limiter.take(operation);
    return next();
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
