import { describe, expect, it } from 'vitest';
import {
  AdaptiveBucket,
  DEFAULT_PACING,
  RateLimiter,
  type Clock,
  type Pacing,
} from '../../src/aws/rate-limit.js';
import { withRateLimits, withRetries, type SendLike } from '../../src/aws/send.js';

/** A clock whose sleeps advance virtual time instantly. */
function virtualClock(): Clock & { advance: (ms: number) => void; elapsed: () => number } {
  let t = 0;
  return {
    now: () => t,
    sleep: async (ms) => void (t += ms),
    advance: (ms) => void (t += ms),
    elapsed: () => t,
  };
}

const pacing: Pacing = {
  floorPerSecond: 1,
  ceilingPerSecond: 40,
  recoveryPerSecond: 2,
  decrease: 0.5,
  cooldownMs: 1_000,
};

class ListRootsCommand {
  readonly input = {};
}
const throttle = () => Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException' });

describe('AdaptiveBucket (feedback pacing)', () => {
  it('Given no throttling, Then the burst goes at once and later calls are paced at the start rate', async () => {
    const clock = virtualClock();
    const bucket = new AdaptiveBucket(
      { perSecond: 10, burst: 5 },
      { ...pacing, recoveryPerSecond: 0 },
      clock,
    );
    for (let i = 0; i < 5; i++) await bucket.take();
    expect(clock.elapsed()).toBe(0);
    for (let i = 0; i < 10; i++) await bucket.take();
    expect(clock.elapsed()).toBe(1_000);
  });

  it('Given a throttling answer, Then the rate halves and what was saved up is dropped', async () => {
    const clock = virtualClock();
    const bucket = new AdaptiveBucket({ perSecond: 20, burst: 20 }, pacing, clock);
    bucket.throttled();
    expect(bucket.perSecond).toBe(10);
    // The next call waits for a token at the new rate instead of spending the old burst.
    await bucket.take();
    expect(clock.elapsed()).toBe(100);
  });

  it('Given several throttling answers within the cooldown, Then the rate halves once', () => {
    const clock = virtualClock();
    const bucket = new AdaptiveBucket(
      { perSecond: 20, burst: 20 },
      { ...pacing, recoveryPerSecond: 0 },
      clock,
    );
    bucket.throttled();
    clock.advance(200);
    bucket.throttled();
    bucket.throttled();
    expect(bucket.perSecond).toBe(10);
    clock.advance(1_000);
    bucket.throttled();
    expect(bucket.perSecond).toBe(5);
  });

  it('Given quiet after a throttle, Then the rate recovers additively up to the ceiling', () => {
    const clock = virtualClock();
    const bucket = new AdaptiveBucket({ perSecond: 16, burst: 16 }, pacing, clock);
    bucket.throttled();
    expect(bucket.perSecond).toBe(8);
    clock.advance(1_000);
    expect(bucket.perSecond).toBe(10);
    bucket.throttled();
    expect(bucket.perSecond).toBe(5);
    clock.advance(3_000);
    expect(bucket.perSecond).toBe(11);
    clock.advance(600_000);
    expect(bucket.perSecond).toBe(pacing.ceilingPerSecond);
  });

  it('Given throttling that goes on, Then the rate stops at the floor', () => {
    const clock = virtualClock();
    const bucket = new AdaptiveBucket(
      { perSecond: 16, burst: 16 },
      { ...pacing, recoveryPerSecond: 0 },
      clock,
    );
    for (let i = 0; i < 10; i++) {
      bucket.throttled();
      clock.advance(1_000);
    }
    expect(bucket.perSecond).toBe(pacing.floorPerSecond);
  });

  it('Given a start above the ceiling, Then the ceiling applies', () => {
    const bucket = new AdaptiveBucket({ perSecond: 500, burst: 10 }, pacing, virtualClock());
    expect(bucket.perSecond).toBe(40);
  });

  it('the default pacing is optimistic: 300 reads in a few (virtual) seconds with no throttling', async () => {
    const clock = virtualClock();
    const limiter = new RateLimiter({}, DEFAULT_PACING, clock);
    for (let i = 0; i < 300; i++) await limiter.take('ListTagsForResource');
    expect(clock.elapsed()).toBeLessThan(5_000);
  });
});

describe('RateLimiter under retries', () => {
  it('Given throttling answers, Then every attempt takes a token and the bucket slows down', async () => {
    const clock = virtualClock();
    const limiter = new RateLimiter({}, pacing, clock, { perSecond: 8, burst: 8 });
    const takes: string[] = [];
    const take = limiter.take.bind(limiter);
    limiter.take = (operation: string) => (takes.push(operation), take(operation));
    let calls = 0;
    const raw: SendLike = {
      send: async () => {
        calls++;
        if (calls <= 2) throw throttle();
        return 'ok';
      },
    };
    const client = withRetries(withRateLimits(raw, limiter), { sleep: async () => {}, random: () => 0 });
    await expect(client.send(new ListRootsCommand())).resolves.toBe('ok');
    expect(calls).toBe(3);
    expect(takes).toEqual(['ListRoots', 'ListRoots', 'ListRoots']);
    // Two throttles within the cooldown: one halving (8 → 4), then a little recovery while the third waited.
    expect(limiter.rateFor('ListRoots')).toBeGreaterThanOrEqual(4);
    expect(limiter.rateFor('ListRoots')).toBeLessThan(5);
    expect(limiter.rateFor('ListAccounts')).toBe(8);
  });

  it('Given 30 % of attempts throttled, Then calls still finish (the rate settles above the floor)', async () => {
    const clock = virtualClock();
    const limiter = new RateLimiter({}, DEFAULT_PACING, clock);
    let n = 0;
    const raw: SendLike = {
      send: async () => {
        n++;
        if (n % 10 < 3) throw throttle();
        return 'ok';
      },
    };
    const client = withRetries(withRateLimits(raw, limiter), { sleep: clock.sleep, random: () => 0.5 });
    for (let i = 0; i < 300; i++) await expect(client.send(new ListRootsCommand())).resolves.toBe('ok');
    expect(limiter.rateFor('ListRoots')).toBeGreaterThan(DEFAULT_PACING.floorPerSecond);
  });
});
