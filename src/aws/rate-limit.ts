/**
 * Token buckets per API operation, set at or below the published per-account quotas so
 * that large fan-outs pace themselves instead of relying on retries.
 */

export interface Rate {
  /** Sustained requests per second. */
  readonly perSecond: number;
  /** Requests that may go at once after a quiet spell. */
  readonly burst: number;
}

/** AWS Organizations throttling quotas (per account), from the AWS documentation. */
export const ORGANIZATIONS_RATES: Readonly<Record<string, Rate>> = {
  CreateAccount: { perSecond: 0.1, burst: 3 },
  DescribeCreateAccountStatus: { perSecond: 2, burst: 2 },
  ListCreateAccountStatus: { perSecond: 2, burst: 2 },
  CloseAccount: { perSecond: 0.05, burst: 1 },
  CreateOrganizationalUnit: { perSecond: 1, burst: 2 },
  MoveAccount: { perSecond: 2, burst: 3 },
  TagResource: { perSecond: 4, burst: 6 },
  UntagResource: { perSecond: 4, burst: 6 },
  CreatePolicy: { perSecond: 2, burst: 3 },
  UpdatePolicy: { perSecond: 2, burst: 3 },
  AttachPolicy: { perSecond: 2, burst: 3 },
  DetachPolicy: { perSecond: 2, burst: 3 },
  EnablePolicyType: { perSecond: 1, burst: 1 },
  ListAccounts: { perSecond: 8, burst: 12 },
  ListAccountsForParent: { perSecond: 8, burst: 12 },
  ListParents: { perSecond: 5, burst: 8 },
  ListRoots: { perSecond: 1, burst: 2 },
  DescribeAccount: { perSecond: 20, burst: 30 },
};

/** Anything not listed: a conservative default that still allows fast reads. */
export const DEFAULT_RATE: Rate = { perSecond: 5, burst: 10 };

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export class TokenBucket {
  private tokens: number;
  private last: number;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    readonly rate: Rate,
    private readonly clock: Clock = realClock,
  ) {
    this.tokens = rate.burst;
    this.last = clock.now();
  }

  /** Resolves when a token is available; callers are served in arrival order. */
  take(): Promise<void> {
    const turn = this.queue.then(() => this.acquire());
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  private refill(): void {
    const now = this.clock.now();
    this.tokens = Math.min(this.rate.burst, this.tokens + ((now - this.last) / 1000) * this.rate.perSecond);
    this.last = now;
  }

  private async acquire(): Promise<void> {
    this.refill();
    while (this.tokens < 1) {
      await this.clock.sleep(Math.ceil(((1 - this.tokens) / this.rate.perSecond) * 1000));
      this.refill();
    }
    this.tokens -= 1;
  }
}

/** One bucket per operation; share one limiter per (service, account). */
export class RateLimiter {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(
    private readonly rates: Readonly<Record<string, Rate>> = {},
    private readonly fallback: Rate | undefined = DEFAULT_RATE,
    private readonly clock: Clock = realClock,
  ) {}

  rateFor(operation: string): Rate | undefined {
    return this.rates[operation] ?? this.fallback;
  }

  take(operation: string): Promise<void> {
    const rate = this.rateFor(operation);
    if (!rate) return Promise.resolve();
    let bucket = this.buckets.get(operation);
    if (!bucket) {
      bucket = new TokenBucket(rate, this.clock);
      this.buckets.set(operation, bucket);
    }
    return bucket.take();
  }
}
