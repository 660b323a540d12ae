/**
 * Whatever the tags, the clock, the time zone, the window and the flags: the reaper never
 * selects a protected or production environment, never more than --max, and accounts for every
 * candidate exactly once.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ACCOUNT_KINDS } from '../../../src/config/rules.js';
import { isUp, parseWindow } from '../../../src/core/env/lifetime.js';
import { REAP_REASONS, selectForReap, type ReapCandidate } from '../../../src/core/env/select.js';

const H = 3_600_000;
const ZONES = Intl.supportedValuesOf('timeZone');
const DAY_NAMES = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const hhmm = (m: number) =>
  `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
/** Clock changes in London, New York and Sydney in 2026. */
const DST = [
  '2026-03-29T01:00:00Z',
  '2026-10-25T01:00:00Z',
  '2026-03-08T07:00:00Z',
  '2026-11-01T06:00:00Z',
  '2026-04-04T16:00:00Z',
  '2026-10-03T16:00:00Z',
].map(Date.parse);

const instant = fc.oneof(
  fc.integer({ min: Date.parse('2024-01-01T00:00:00Z'), max: Date.parse('2030-01-01T00:00:00Z') }),
  fc.constantFrom(...DST),
  fc.tuple(fc.constantFrom(...DST), fc.integer({ min: -2 * H, max: 2 * H })).map(([t, d]) => t + d),
);
const nearNow = (now: number) => fc.integer({ min: -2000 * H, max: 2000 * H }).map((d) => new Date(now + d));

const windowArb = fc
  .record({
    days: fc.uniqueArray(fc.integer({ min: 0, max: 6 }), { minLength: 1, maxLength: 7 }),
    start: fc.integer({ min: 0, max: 1439 }),
    end: fc.integer({ min: 0, max: 1440 }),
    zone: fc.constantFrom(...ZONES, 'Europe/London', 'America/New_York', 'Australia/Sydney', 'Asia/Kolkata'),
  })
  .filter(({ days, start, end }) => start !== end && !(days.length === 7 && start === 0 && end === 1440))
  .map(({ days, start, end, zone }) =>
    parseWindow(`${days.map((d) => DAY_NAMES[d]).join('+')} ${hhmm(start)}-${hhmm(end)}`, zone),
  );

/** Tag values as they may be found: estate's own, other casing, spaces, junk. */
const tagValue = fc.constantFrom('true', 'false', 'TRUE', ' true ', 'True', 'prod', 'dev', 'PROD', '', 'yes');
const tags = fc.record(
  {
    'estate:protected': tagValue,
    'estate:profile': tagValue,
    'estate:env': fc.constantFrom('a', 'b'),
    other: fc.string({ maxLength: 5 }),
  },
  { requiredKeys: [] },
);

const candidate = (now: number, i: number): fc.Arbitrary<ReapCandidate> =>
  fc
    .record({
      accountKind: fc.option(fc.constantFrom(...ACCOUNT_KINDS), { nil: undefined }),
      declared: fc.boolean(),
      protectedConfig: fc.boolean(),
      tags,
      createdAt: nearNow(now),
      lastDeployedAt: fc.option(nearNow(now), { nil: undefined }),
      expiresAt: fc.option(nearNow(now), { nil: undefined }),
      window: fc.option(windowArb, { nil: undefined }),
      executor: fc.constantFrom('aws' as const, 'ci' as const),
      statelessLive: fc.boolean(),
      deleteBlocked: fc.option(fc.constant('x-data: DELETE_FAILED'), { nil: undefined }),
      idle: fc.option(
        fc.record({ measurable: fc.boolean(), requests: fc.oneof(fc.constant(0), fc.nat(1000)) }),
        { nil: undefined },
      ),
    })
    .map((c) => ({ ...c, environment: `env-${i}`, accountId: String(100000000000 + (i % 3)) }));

const scenario = instant.chain((now) =>
  fc.record({
    now: fc.constant(new Date(now)),
    cands: fc
      .integer({ min: 0, max: 12 })
      .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => candidate(now, i)))),
    opts: fc.record(
      {
        idleForMs: fc.integer({ min: 1, max: 400 * H }),
        orphansAfterMs: fc.integer({ min: 0, max: 400 * H }),
        max: fc.integer({ min: 0, max: 8 }),
        retryBlocked: fc.boolean(),
      },
      { requiredKeys: ['orphansAfterMs'] },
    ),
  }),
);

/** Protected or production by an independent reading of the rules, not the selector's own. */
function mustNeverBeReaped(c: ReapCandidate): boolean {
  const norm = (v: string | undefined) => v?.trim().toLowerCase();
  return (
    c.protectedConfig ||
    norm(c.tags['estate:protected']) === 'true' ||
    norm(c.tags['estate:profile']) === 'prod' ||
    c.accountKind === 'prod-multi-tenant' ||
    c.accountKind === 'prod-single-tenant'
  );
}

describe('selectForReap, for any candidates, clocks, zones and flags', () => {
  it('never selects or defers a protected or production environment', () => {
    fc.assert(
      fc.property(scenario, ({ now, cands, opts }) => {
        const s = selectForReap(cands, now, opts);
        for (const x of [...s.selected, ...s.deferred]) expect(mustNeverBeReaped(x.candidate)).toBe(false);
        for (const c of cands.filter(mustNeverBeReaped))
          expect(s.kept.find((k) => k.candidate === c)?.why).toMatch(/^(protected|production): /);
      }),
      { numRuns: 500 },
    );
  });

  it('never selects more than max, and defers only when max is reached', () => {
    fc.assert(
      fc.property(scenario, ({ now, cands, opts }) => {
        const s = selectForReap(cands, now, opts);
        if (opts.max !== undefined) expect(s.selected.length).toBeLessThanOrEqual(opts.max);
        if (s.deferred.length) expect(s.selected.length).toBe(opts.max);
        // No deferred one outranks a selected one.
        const rank = (r: string) => REAP_REASONS.indexOf(r as never);
        for (const d of s.deferred)
          for (const x of s.selected) expect(rank(d.reason)).toBeGreaterThanOrEqual(rank(x.reason));
      }),
      { numRuns: 300 },
    );
  });

  it('puts every candidate in exactly one of selected, kept and deferred, each kept with a reason', () => {
    fc.assert(
      fc.property(scenario, ({ now, cands, opts }) => {
        const s = selectForReap(cands, now, opts);
        const all = [...s.selected, ...s.kept, ...s.deferred].map((x) => x.candidate);
        expect(all).toHaveLength(cands.length);
        expect(new Set(all)).toEqual(new Set(cands));
        for (const k of s.kept) expect(k.why.length).toBeGreaterThan(3);
      }),
      { numRuns: 300 },
    );
  });

  it('acts only for a reason that holds at that instant', () => {
    fc.assert(
      fc.property(scenario, ({ now, cands, opts }) => {
        const s = selectForReap(cands, now, opts);
        for (const { candidate: c, reason, action } of [
          ...s.selected,
          ...s.deferred.map((d) => ({ ...d, action: '' })),
        ]) {
          if (!opts.retryBlocked) expect(c.deleteBlocked).toBeUndefined();
          if (reason === 'expired') expect(c.expiresAt!.getTime()).toBeLessThanOrEqual(now.getTime());
          if (reason === 'orphan') expect(c.declared).toBe(false);
          if (reason === 'outside-window') {
            expect(c.executor).toBe('ci');
            expect(c.statelessLive).toBe(true);
            expect(isUp(c.window!, now)).toBe(false);
          }
          if (reason === 'idle') expect(c.idle).toEqual({ measurable: true, requests: 0 });
          if (action) expect(action).toBe(reason === 'expired' || reason === 'orphan' ? 'destroy' : 'down');
        }
      }),
      { numRuns: 300 },
    );
  });
});
