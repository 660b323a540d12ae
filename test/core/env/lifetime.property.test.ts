import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  isUp,
  nextTransition,
  parseScheduleTag,
  parseWindow,
  scheduleTag,
  schedulerExpressions,
  upShare,
  type UpWindow,
} from '../../../src/core/env/lifetime.js';
import { tagValueProblem } from '../../../src/config/rules.js';

const DAY_NAMES = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const ZONES = Intl.supportedValuesOf('timeZone');
const hhmm = (m: number) =>
  `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;

/** Any window text the grammar accepts: a day list, a start and a different end (24:00 allowed). */
const hoursArb = fc
  .record({
    days: fc.uniqueArray(fc.integer({ min: 0, max: 6 }), { minLength: 1, maxLength: 7 }),
    start: fc.oneof(fc.integer({ min: 0, max: 1439 }), fc.constantFrom(0, 60, 90, 120, 150, 180, 480)),
    end: fc.oneof(fc.integer({ min: 0, max: 1440 }), fc.constantFrom(0, 1440, 120, 180, 1140)),
    sep: fc.constantFrom('+', ','),
  })
  .filter(({ days, start, end }) => start !== end && !(days.length === 7 && start === 0 && end === 1440))
  .map(
    ({ days, start, end, sep }) => `${days.map((d) => DAY_NAMES[d]).join(sep)} ${hhmm(start)}-${hhmm(end)}`,
  );

/** Where clocks change, in the zones the issue names (UTC instants). */
const DST_INSTANTS = [
  '2026-03-29T01:00:00Z', // London spring forward
  '2026-10-25T01:00:00Z', // London fall back
  '2026-03-08T07:00:00Z', // New York spring forward
  '2026-11-01T06:00:00Z', // New York fall back
  '2026-04-04T16:00:00Z', // Sydney fall back (southern autumn)
  '2026-10-03T16:00:00Z', // Sydney spring forward
].map(Date.parse);
const NAMED_ZONES = ['Europe/London', 'America/New_York', 'Australia/Sydney', 'Asia/Kolkata'];

const anyInstant = fc.integer({
  min: Date.parse('2000-01-01T00:00:00Z'),
  max: Date.parse('2037-12-31T00:00:00Z'),
});
const nearDst = fc
  .tuple(fc.constantFrom(...DST_INSTANTS), fc.integer({ min: -3 * 86_400_000, max: 3 * 86_400_000 }))
  .map(([t, d]) => t + d);
/** Exactly a clock change, a minute around it, or anywhere near it. */
const dstInstant = fc.oneof(
  fc.constantFrom(...DST_INSTANTS),
  fc.constantFrom(...DST_INSTANTS.flatMap((t) => [t - 60_000, t - 1, t + 1, t + 60_000])),
  nearDst,
);

/** Wall clock fields by an independent Intl call. */
function wall(t: number, timeZone: string): { weekday: number; minute: number; offset: number } {
  const p: Record<string, string> = {};
  const fmt = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    weekday: 'short',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  });
  for (const { type, value } of fmt.formatToParts(new Date(t))) p[type] = value;
  const naive = Date.UTC(
    Number(p.year),
    Number(p.month) - 1,
    Number(p.day),
    Number(p.hour),
    Number(p.minute),
  );
  return {
    weekday: DAY_NAMES.indexOf(p.weekday!),
    minute: Number(p.hour) * 60 + Number(p.minute),
    offset: Math.round((naive - Math.floor(t / 60_000) * 60_000) / 60_000),
  };
}

/** Up by the wall clock alone: right wherever the clock does not change within hours. */
function upByWallClock(w: UpWindow, t: number): boolean {
  const { weekday, minute } = wall(t, w.timezone);
  const yesterday = (weekday + 6) % 7;
  if (w.endMin > w.startMin) return w.days.includes(weekday) && minute >= w.startMin && minute < w.endMin;
  return (
    (w.days.includes(weekday) && minute >= w.startMin) || (w.days.includes(yesterday) && minute < w.endMin)
  );
}

function checkTransition(w: UpWindow, t: number): void {
  const up = isUp(w, new Date(t));
  const tr = nextTransition(w, new Date(t));
  const next = tr.at.getTime();
  expect(next).toBeGreaterThan(t);
  expect(tr.action).toBe(up ? 'down' : 'up');
  // Nothing changes until the transition; it changes exactly there.
  for (const probe of [t, Math.floor((t + next) / 2), next - 1]) expect(isUp(w, new Date(probe))).toBe(up);
  expect(isUp(w, tr.at)).toBe(!up);
}

describe('window arithmetic, for any window', () => {
  it('isUp agrees with nextTransition in any zone at any instant', () => {
    fc.assert(
      fc.property(hoursArb, fc.constantFrom(...ZONES), anyInstant, (hours, zone, t) =>
        checkTransition(parseWindow(hours, zone), t),
      ),
      { numRuns: 300 },
    );
  });

  it('isUp agrees with nextTransition around DST changes in London, New York, Sydney and Kolkata', () => {
    fc.assert(
      fc.property(hoursArb, fc.constantFrom(...NAMED_ZONES), dstInstant, (hours, zone, t) =>
        checkTransition(parseWindow(hours, zone), t),
      ),
      { numRuns: 400 },
    );
  });

  it('is up exactly when the local wall clock is inside the window, away from clock changes', () => {
    fc.assert(
      fc.property(hoursArb, fc.constantFrom(...ZONES, ...NAMED_ZONES), anyInstant, (hours, zone, t) => {
        const w = parseWindow(hours, zone);
        const steady = wall(t - 4 * 3_600_000, zone).offset === wall(t + 4 * 3_600_000, zone).offset;
        fc.pre(steady);
        expect(isUp(w, new Date(t))).toBe(upByWallClock(w, t));
      }),
      { numRuns: 400 },
    );
  });

  it('transitions happen at the window times on the window days, unless the clock changes there', () => {
    fc.assert(
      fc.property(
        hoursArb,
        fc.constantFrom(...NAMED_ZONES),
        fc.oneof(dstInstant, anyInstant),
        (hours, zone, t) => {
          const w = parseWindow(hours, zone);
          const tr = nextTransition(w, new Date(t));
          const at = tr.at.getTime();
          const clockChange = wall(at - 60_000, zone).offset !== wall(at, zone).offset;
          const here = wall(at, zone);
          if (clockChange) return; // a start in a spring-forward gap starts when the gap ends
          const minute = tr.action === 'up' ? w.startMin : w.endMin % 1440;
          expect(here.minute).toBe(minute);
          const startDay =
            tr.action === 'up' || (w.endMin > w.startMin && w.endMin < 1440)
              ? here.weekday
              : (here.weekday + 6) % 7;
          expect(w.days).toContain(startDay);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('upShare is the share of four UTC weeks spent up', () => {
    fc.assert(
      fc.property(hoursArb, (hours) => {
        const w = parseWindow(hours, 'UTC');
        const from = Date.parse('2026-11-02T00:00:00Z'); // a Monday
        const to = from + 28 * 86_400_000;
        let upMs = 0;
        for (let t = from; t < to;) {
          const tr = nextTransition(w, new Date(t));
          const until = Math.min(tr.at.getTime(), to);
          if (tr.action === 'down') upMs += until - t;
          t = until;
        }
        expect(upShare(w)).toBeCloseTo(upMs / (to - from), 9);
      }),
      { numRuns: 150 },
    );
  });

  it('the Scheduler expressions fire exactly at the transitions of two weeks (in a zone without DST)', () => {
    const fired = (exprs: readonly string[]) =>
      new Set(
        exprs.flatMap((e) => {
          const m = /^cron\((\d+) (\d+) \? \* ([A-Z,-]+) \*\)$/.exec(e);
          expect(m, e).not.toBeNull();
          const minute = Number(m![2]) * 60 + Number(m![1]);
          const days = m![3]!.split(',').flatMap((part) => {
            const [a, b] = part.split('-').map((d) => DAY_NAMES.map((n) => n.toUpperCase()).indexOf(d!));
            return b === undefined ? [a!] : Array.from({ length: b - a! + 1 }, (_, i) => a! + i);
          });
          return days.map((d) => `${d} ${minute}`);
        }),
      );
    fc.assert(
      fc.property(hoursArb, fc.constantFrom('UTC', 'Asia/Kolkata', 'Asia/Tokyo'), (hours, zone) => {
        const w = parseWindow(hours, zone);
        const seen = { up: new Set<string>(), down: new Set<string>() };
        let t = Date.parse('2026-11-01T00:00:00Z');
        while (t < Date.parse('2026-11-15T00:00:00Z')) {
          const tr = nextTransition(w, new Date(t));
          const here = wall(tr.at.getTime(), zone);
          seen[tr.action].add(`${here.weekday} ${here.minute}`);
          t = tr.at.getTime();
        }
        const exprs = schedulerExpressions(w);
        expect(fired(exprs.up)).toEqual(seen.up);
        expect(fired(exprs.down)).toEqual(seen.down);
      }),
      { numRuns: 150 },
    );
  });

  it('the schedule tag is a valid tag value and reads back as the same window', () => {
    fc.assert(
      fc.property(hoursArb, fc.constantFrom(...ZONES), (hours, zone) => {
        const w = parseWindow(hours, zone);
        expect(tagValueProblem('estate:schedule', scheduleTag(w))).toBeUndefined();
        expect(parseScheduleTag(scheduleTag(w))).toEqual(w);
        expect(parseWindow(w.text, zone).text).toBe(w.text);
      }),
    );
  });
});
