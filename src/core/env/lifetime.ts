/**
 * An environment's lifetime, as plain arithmetic: its up window (`Mon-Fri 08:00-19:00` in an
 * IANA time zone), whether it is up at an instant, its next down or up, the share of a week
 * it is up, the EventBridge Scheduler expressions that act it out, the `estate:schedule` tag
 * that carries it, and expiry arithmetic. Pure; time zones through Intl only.
 *
 * Local times become instants DST-correctly: a local time is the earliest instant whose wall
 * clock shows it or later. So a start inside a spring-forward gap starts at the first valid
 * instant after it, and a time that happens twice on a fall-back day is its first occurrence.
 * An overnight window (end before start) belongs to the day it starts on.
 */
import { isTimeZone, parseDuration } from '../../config/rules.js';
import { parseWindow, windowProblem, type UpWindow } from '../../config/window.js';
import { userError } from '../../errors.js';

export { parseWindow, windowProblem, type UpWindow } from '../../config/window.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const WEEK_MIN = 7 * 1440;

// ---------------------------------------------------------------------------------------------
// Wall clocks and instants

const formats = new Map<string, Intl.DateTimeFormat>();

function formatFor(timeZone: string): Intl.DateTimeFormat {
  let fmt = formats.get(timeZone);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      era: 'short',
    });
    formats.set(timeZone, fmt);
  }
  return fmt;
}

/** The wall clock of an instant in a zone, as milliseconds of a UTC-based "naive" calendar. */
export function wallClock(at: number, timeZone: string): number {
  const p: Record<string, string> = {};
  for (const { type, value } of formatFor(timeZone).formatToParts(at)) p[type] = value;
  const year = p.era === 'BC' || p.era === 'B' ? 1 - Number(p.year) : Number(p.year);
  const naive = new Date(0);
  naive.setUTCFullYear(year, Number(p.month) - 1, Number(p.day));
  naive.setUTCHours(Number(p.hour), Number(p.minute), Number(p.second), 0);
  return naive.getTime() + (((at % 1000) + 1000) % 1000);
}

function offsetAt(at: number, timeZone: string): number {
  return wallClock(at, timeZone) - at;
}

/**
 * The earliest instant whose wall clock in the zone shows `local` or later: the instant itself
 * when the local time exists (its first occurrence when it exists twice), else the end of the
 * gap it falls in.
 */
export function localToInstant(local: number, timeZone: string): number {
  const key = `${timeZone}\0${local}`;
  let instant = instants.get(key);
  if (instant === undefined) {
    if (instants.size >= INSTANT_CACHE_SIZE) instants.clear();
    instant = computeInstant(local, timeZone);
    instants.set(key, instant);
  }
  return instant;
}

/** Local times already converted: windows ask for the same few days again and again. */
const instants = new Map<string, number>();
const INSTANT_CACHE_SIZE = 50_000;

function computeInstant(local: number, timeZone: string): number {
  const offsets = [...new Set([-14, 0, 14].map((h) => offsetAt(local + h * HOUR, timeZone)))];
  const exact = offsets.map((o) => local - o).filter((t) => wallClock(t, timeZone) === local);
  if (exact.length) return Math.min(...exact);
  let lo = local - Math.max(...offsets);
  let hi = local - Math.min(...offsets);
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (wallClock(mid, timeZone) >= local) hi = mid;
    else lo = mid;
  }
  return hi;
}

function localDay(at: number, timeZone: string): number {
  return Math.floor(wallClock(at, timeZone) / DAY);
}

function weekdayOf(day: number): number {
  return (((day + 4) % 7) + 7) % 7; // day 0 of the naive calendar, 1970-01-01, was a Thursday
}

interface Interval {
  readonly start: number;
  readonly end: number;
}

/** The window's occurrence that starts on local day `day`, as instants (undefined when none or empty). */
function occurrence(w: UpWindow, day: number): Interval | undefined {
  if (!w.days.includes(weekdayOf(day))) return undefined;
  const endDay = w.endMin < w.startMin ? day + 1 : day;
  const start = localToInstant(day * DAY + w.startMin * MINUTE, w.timezone);
  const end = localToInstant(endDay * DAY + w.endMin * MINUTE, w.timezone);
  return end > start ? { start, end } : undefined;
}

/** The occurrences starting on local day `from` and later, touching ones joined. */
function* intervals(w: UpWindow, from: number, to: number): Generator<Interval> {
  let current: Interval | undefined;
  for (let day = from; day <= to; day++) {
    const next = occurrence(w, day);
    if (!next) continue;
    if (current && next.start <= current.end) current = { start: current.start, end: next.end };
    else {
      if (current) yield current;
      current = next;
    }
  }
  if (current) yield current;
}

export function isUp(w: UpWindow, at: Date): boolean {
  const t = at.getTime();
  const day = localDay(t, w.timezone);
  for (let d = day - 2; d <= day + 1; d++) {
    const o = occurrence(w, d);
    if (o && o.start <= t && t < o.end) return true;
  }
  return false;
}

/** The first instant after `at` at which the environment goes down (it is up) or up (it is down). */
export function nextTransition(w: UpWindow, at: Date): { action: 'down' | 'up'; at: Date } {
  const t = at.getTime();
  const day = localDay(t, w.timezone);
  for (const i of intervals(w, day - 2, day + 16)) {
    if (i.start <= t && t < i.end) return { action: 'down', at: new Date(i.end) };
    if (i.start > t) return { action: 'up', at: new Date(i.start) };
  }
  // parseWindow refuses a window that is up all week, so there is always a transition.
  throw new Error(`window ${w.text} ${w.timezone} has no transition after ${at.toISOString()}`);
}

/** When the window last closed at or before `at` (undefined when it has not closed in the last week). */
export function lastClose(w: UpWindow, at: Date): Date | undefined {
  const t = at.getTime();
  const day = localDay(t, w.timezone);
  let closed: number | undefined;
  for (const i of intervals(w, day - 9, day + 1)) if (i.end <= t) closed = i.end;
  return closed === undefined ? undefined : new Date(closed);
}

/** Minutes of one occurrence on a day without a clock change. */
function nominalMinutes(w: Pick<UpWindow, 'startMin' | 'endMin'>): number {
  return w.endMin > w.startMin ? w.endMin - w.startMin : 1440 - w.startMin + w.endMin;
}

/** The share of a week (0–1) inside the window, on the clock (a DST change is not counted). */
export function upShare(w: UpWindow): number {
  return Math.min(1, (w.days.length * nominalMinutes(w)) / WEEK_MIN);
}

// ---------------------------------------------------------------------------------------------
// EventBridge Scheduler and tags

const CRON_DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] as const;

/** Day-of-week field: runs of three or more days (Sunday first, as Scheduler counts) as ranges. */
function cronDays(days: readonly number[]): string {
  const sorted = [...new Set(days)].sort((a, b) => a - b);
  const runs: number[][] = [];
  for (const d of sorted) {
    const run = runs.at(-1);
    if (run && run.at(-1)! + 1 === d) run.push(d);
    else runs.push([d]);
  }
  return runs
    .flatMap((r) =>
      r.length >= 3 ? [`${CRON_DAYS[r[0]!]}-${CRON_DAYS[r.at(-1)!]}`] : r.map((d) => CRON_DAYS[d]!),
    )
    .join(',');
}

/** Transitions as (weekday, minute of day) keys `day:minute`. */
function transitionKeys(w: UpWindow): { down: Set<string>; up: Set<string> } {
  const up = new Set(w.days.map((d) => `${d}:${w.startMin}`));
  const shift = w.endMin < w.startMin || w.endMin === 1440 ? 1 : 0;
  const down = new Set(w.days.map((d) => `${(d + shift) % 7}:${w.endMin % 1440}`));
  // A down and an up at the same moment (Sat-Sun 00:00-24:00 at Sunday midnight) is no change.
  for (const key of [...down]) if (up.delete(key)) down.delete(key);
  return { down, up };
}

function expressions(keys: ReadonlySet<string>): string[] {
  const byMinute = new Map<number, number[]>();
  for (const key of keys) {
    const [day, minute] = key.split(':').map(Number) as [number, number];
    byMinute.set(minute, [...(byMinute.get(minute) ?? []), day]);
  }
  return [...byMinute]
    .sort(([a], [b]) => a - b)
    .map(([m, days]) => `cron(${m % 60} ${Math.floor(m / 60)} ? * ${cronDays(days)} *)`);
}

/**
 * EventBridge Scheduler cron expressions, read in `w.timezone` (the schedule's
 * ScheduleExpressionTimezone): `up` at the window's start, `down` at its end (the next day's
 * for an overnight window or one ending at 24:00).
 *
 * Scheduler skips an invocation whose local time does not exist (a spring-forward gap) and runs a
 * repeated one once: a window boundary inside a DST gap (01:30 in Europe/London on the last
 * Sunday of March) is not acted on that day, where {@link nextTransition} says the end of the gap.
 */
export function schedulerExpressions(w: UpWindow): { down: string[]; up: string[] } {
  const keys = transitionKeys(w);
  return { down: expressions(keys.down), up: expressions(keys.up) };
}

/** The `estate:schedule` tag value: `Mon-Fri 08:00-19:00 Europe/London`. */
export function scheduleTag(w: UpWindow): string {
  return `${w.text} ${w.timezone}`;
}

/** The window an `estate:schedule` tag carries, or undefined when it is not one. */
export function parseScheduleTag(value: string): UpWindow | undefined {
  const parts = value.trim().split(/\s+/);
  if (parts.length !== 3) return undefined;
  const [days, times, zone] = parts as [string, string, string];
  if (windowProblem(`${days} ${times}`) !== undefined || !isTimeZone(zone)) return undefined;
  return parseWindow(`${days} ${times}`, zone);
}

/** The environment's configured window, if it has a schedule. */
export function environmentWindow(env: {
  readonly schedule?: { readonly hours: string; readonly timezone: string } | undefined;
}): UpWindow | undefined {
  return env.schedule ? parseWindow(env.schedule.hours, env.schedule.timezone) : undefined;
}

/** An expiry `byMs` later, as `toISOString()` (what the `estate:expires-at` tag holds). */
export function extendExpiry(expiresAt: string, byMs: number): string {
  const t = Date.parse(expiresAt);
  if (Number.isNaN(t))
    throw userError('InvalidExpiry', `expiry "${expiresAt}" is not an ISO 8601 time`, [
      'write it like 2026-12-24T18:00Z',
    ]);
  return new Date(t + byMs).toISOString();
}

/**
 * The expiry the config gives an environment first deployed at `deployedAt`: `expires` when it
 * is set, else deploy + `ttl`, as `toISOString()`; undefined when it has neither. (A live
 * `estate:expires-at` tag takes precedence over both: `env extend` moves it.)
 */
export function configuredExpiry(
  env: { readonly ttl?: string | undefined; readonly expires?: string | undefined },
  deployedAt: Date,
): string | undefined {
  if (env.expires !== undefined) return extendExpiry(env.expires, 0);
  const ttl = env.ttl === undefined ? undefined : parseDuration(env.ttl);
  return ttl === undefined ? undefined : new Date(deployedAt.getTime() + ttl).toISOString();
}
