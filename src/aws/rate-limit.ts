/**
 * Client-side pacing, by feedback.
 *
 * AWS does not publish per-operation request rates for Organizations (nor for Budgets, Cost
 * Explorer or the Tagging API); the figures tools quote are observations that change without
 * notice. So estate does not hold calls to fixed guesses. Each (service, account, operation)
 * bucket starts at an optimistic rate, halves when AWS answers with a throttling error
 * (multiplicative decrease), and grows back by a fixed step per second while no throttling
 * answer comes (additive increase), between a floor and a ceiling: fast where AWS allows,
 * polite where it pushes back. Every attempt takes a token, retries included (send.ts wraps
 * each attempt, not each call).
 */

/** Where a bucket starts: requests per second, and how many may go at once after a quiet spell. */
export interface Rate {
  readonly perSecond: number;
  readonly burst: number;
}

/** How a bucket moves with feedback. */
export interface Pacing {
  /** The rate never falls below this (requests per second). */
  readonly floorPerSecond: number;
  /** Nor rises above this. */
  readonly ceilingPerSecond: number;
  /** Added to the rate for each second without a throttling answer. */
  readonly recoveryPerSecond: number;
  /** The rate is multiplied by this on a throttling answer. */
  readonly decrease: number;
  /**
   * Throttling answers this soon after a decrease do not decrease again: they answer
   * requests sent at the old rate, which the decrease already accounted for.
   */
  readonly cooldownMs: number;
}

export const DEFAULT_PACING: Pacing = {
  floorPerSecond: 0.5,
  ceilingPerSecond: 100,
  recoveryPerSecond: 10,
  decrease: 0.5,
  cooldownMs: 1_000,
};

/** The optimistic start of every bucket not listed below. */
export const DEFAULT_RATE: Rate = { perSecond: 50, burst: 50 };

/**
 * Organizations operations that start lower than the default. Not AWS rates either: AWS runs
 * at most five account creations and three closures at once (documented concurrency limits),
 * so a burst of more is only rejected.
 */
export const ORGANIZATIONS_RATES: Readonly<Record<string, Rate>> = {
  CreateAccount: { perSecond: 1, burst: 5 },
  CreateGovCloudAccount: { perSecond: 1, burst: 5 },
  CloseAccount: { perSecond: 1, burst: 3 },
};

/**
 * IAM Identity Center (SSO Admin and Identity Store) has one documented collective limit,
 * 20 transactions per second (its quotas page), and updates one permission set per account
 * at a time. The operations estate calls start below it, instead of the optimistic default.
 */
const IDENTITY_CENTER_RATE: Rate = { perSecond: 5, burst: 5 };
export const IDENTITY_CENTER_RATES: Readonly<Record<string, Rate>> = Object.fromEntries(
  [
    'ListInstances',
    'GetUserId',
    'GetGroupId',
    'ListPermissionSets',
    'DescribePermissionSet',
    'CreatePermissionSet',
    'ListManagedPoliciesInPermissionSet',
    'AttachManagedPolicyToPermissionSet',
    'ListPermissionSetsProvisionedToAccount',
    'ProvisionPermissionSet',
    'DescribePermissionSetProvisioningStatus',
    'ListAccountAssignments',
    'CreateAccountAssignment',
    'DescribeAccountAssignmentCreationStatus',
    'DeleteAccountAssignment',
    'DescribeAccountAssignmentDeletionStatus',
  ].map((operation) => [operation, IDENTITY_CENTER_RATE]),
);

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** A token bucket whose rate follows AWS's throttling answers (AIMD). */
export class AdaptiveBucket {
  private tokens: number;
  private refilledAt: number;
  /** The rate at `markedAt`; it recovers linearly from there. */
  private base: number;
  private markedAt: number;
  private decreasedAt = Number.NEGATIVE_INFINITY;
  private queue: Promise<void> = Promise.resolve();
  private readonly ceiling: number;

  constructor(
    readonly start: Rate,
    private readonly pacing: Pacing = DEFAULT_PACING,
    private readonly clock: Clock = realClock,
  ) {
    this.ceiling = Math.max(pacing.ceilingPerSecond, pacing.floorPerSecond);
    this.base = this.clamp(start.perSecond);
    this.tokens = Math.max(1, start.burst);
    this.refilledAt = this.markedAt = clock.now();
  }

  /** The current rate, in requests per second. */
  get perSecond(): number {
    const quietSeconds = (this.clock.now() - this.markedAt) / 1000;
    return this.clamp(this.base + quietSeconds * this.pacing.recoveryPerSecond);
  }

  /** Resolves when a token is available; callers are served in arrival order. */
  take(): Promise<void> {
    const turn = this.queue.then(() => this.acquire());
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  /** AWS answered with a throttling error: halve the rate (once per cooldown) and restart recovery. */
  throttled(): void {
    const now = this.clock.now();
    this.refill();
    const rate = this.perSecond;
    if (now - this.decreasedAt >= this.pacing.cooldownMs) {
      this.base = this.clamp(rate * this.pacing.decrease);
      this.decreasedAt = now;
      // What was saved up was saved at the old rate: spend nothing more until the new one refills.
      this.tokens = Math.min(this.tokens, 0);
    } else {
      this.base = rate;
    }
    this.markedAt = now;
  }

  private clamp(rate: number): number {
    return Math.min(this.ceiling, Math.max(this.pacing.floorPerSecond, rate));
  }

  /** At most one second's worth (and at most the start's burst) is saved up. */
  private capacity(rate: number): number {
    return Math.max(1, Math.min(Math.max(1, this.start.burst), rate));
  }

  private refill(): void {
    const now = this.clock.now();
    const rate = this.perSecond;
    this.tokens = Math.min(this.capacity(rate), this.tokens + ((now - this.refilledAt) / 1000) * rate);
    this.refilledAt = now;
  }

  private async acquire(): Promise<void> {
    this.refill();
    while (this.tokens < 1) {
      await this.clock.sleep(Math.max(1, Math.ceil(((1 - this.tokens) / this.perSecond) * 1000)));
      this.refill();
    }
    this.tokens -= 1;
  }
}

/** One bucket per operation; share one limiter per (service, account). */
export class RateLimiter {
  private readonly buckets = new Map<string, AdaptiveBucket>();

  constructor(
    private readonly starts: Readonly<Record<string, Rate>> = {},
    private readonly pacing: Pacing = DEFAULT_PACING,
    private readonly clock: Clock = realClock,
    private readonly fallback: Rate = DEFAULT_RATE,
  ) {}

  /** The current rate of an operation's bucket, in requests per second. */
  rateFor(operation: string): number {
    return this.bucket(operation).perSecond;
  }

  /** Waits for a token: call once per attempt. */
  take(operation: string): Promise<void> {
    return this.bucket(operation).take();
  }

  /** Feedback: AWS throttled an attempt of this operation. */
  throttled(operation: string): void {
    this.bucket(operation).throttled();
  }

  private bucket(operation: string): AdaptiveBucket {
    let bucket = this.buckets.get(operation);
    if (!bucket) {
      bucket = new AdaptiveBucket(this.starts[operation] ?? this.fallback, this.pacing, this.clock);
      this.buckets.set(operation, bucket);
    }
    return bucket;
  }
}
