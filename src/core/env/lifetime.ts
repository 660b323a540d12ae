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
import { userError } from '../../errors.js';

export interface UpWindow {
  /** The days a window starts on, 0 = Sunday … 6 = Saturday, ascending. */
  readonly days: readonly number[];
  /** Minutes after local midnight, 0–1439. */
  readonly startMin: number;
  /** Minutes after local midnight, 0–1440; before startMin for an overnight window. */
  readonly endMin: number;
  readonly timezone: string;
  /** The normalised hours text, e.g. `Mon-Fri 08:00-19:00`. */
  readonly text: string;
}

const DAY_NAMES = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;
/** Monday-first, the order people write day ranges in. */
const WEEK_ORDER = [1, 2, 3, 4, 5, 6, 0] as const;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const WEEK_MIN = 7 * 1440;
const EXAMPLE = 'e.g. "Mon-Fri 08:00-19:00"';

interface ParsedHours {
  readonly days: number[];
  readonly startMin: number;
  readonly endMin: number;
}

// ---------------------------------------------------------------------------------------------
// Grammar

function dayIndex(token: string): number | undefined {
  const i = DAY_NAMES.findIndex((d) => d.toLowerCase() === token.toLowerCase());
  return i >= 0 ? i : undefined;
}

/** The days of a range such as `Mon-Fri` or `Fri-Mon` (a range may wrap round Sunday). */
function dayRange(from: number, to: number): number[] {
  const a = WEEK_ORDER.indexOf(from as (typeof WEEK_ORDER)[number]);
  const b = WEEK_ORDER.indexOf(to as (typeof WEEK_ORDER)[number]);
  const length = ((b - a + 7) % 7) + 1;
  return Array.from({ length }, (_, i) => WEEK_ORDER[(a + i) % 7]!);
}

/** `Mon-Fri`, `Sat-Sun`, `Mon`, `Mon+Wed+Fri`, `Mon,Wed`, `Daily`: the days, or what is wrong. */
function parseDays(text: string): number[] | string {
  if (text.toLowerCase() === 'daily') return [0, 1, 2, 3, 4, 5, 6];
  const days = new Set<number>();
  for (const part of text.split(/[+,]/)) {
    if (part === '') return `"${text}" has an empty day between "+" or ","`;
    const ends = part.split('-');
    if (ends.length > 2) return `day range "${part}" has more than one "-"`;
    const idx = ends.map(dayIndex);
    const bad = ends.find((_, i) => idx[i] === undefined);
    if (bad !== undefined)
      return `"${bad}" is not a day: write Mon, Tue, Wed, Thu, Fri, Sat or Sun (or Daily)`;
    const range = idx.length === 2 ? dayRange(idx[0]!, idx[1]!) : [idx[0]!];
    for (const d of range) days.add(d);
  }
  return [...days].sort((x, y) => x - y);
}

/** `HH:MM` → minutes after midnight; `24:00` only as an end. */
function parseTime(text: string, role: 'start' | 'end'): number | string {
  const m = /^(\d{1,2}):(\d{2})$/.exec(text);
  if (!m) return `${role} time "${text}" is not HH:MM`;
  const [hours, minutes] = [Number(m[1]), Number(m[2])];
  if (hours === 24 && minutes === 0) {
    return role === 'end' ? 1440 : 'a window cannot start at 24:00; write 00:00';
  }
  if (hours > 23) return `${role} time "${text}": hours run 00–23 (24:00 only as an end)`;
  if (minutes > 59) return `${role} time "${text}": minutes run 00–59`;
  return hours * 60 + minutes;
}

function parseTimes(text: string): { startMin: number; endMin: number } | string {
  const ends = text.split('-');
  if (ends.length !== 2) return `"${text}" is not a time range HH:MM-HH:MM`;
  const startMin = parseTime(ends[0]!, 'start');
  if (typeof startMin === 'string') return startMin;
  const endMin = parseTime(ends[1]!, 'end');
  if (typeof endMin === 'string') return endMin;
  if (startMin === endMin)
    return `"${text}" starts and ends at the same time; for the whole day write 00:00-24:00`;
  return { startMin, endMin };
}

function parseHours(hours: string): ParsedHours | string {
  const parts = hours.trim().split(/\s+/);
  if (parts.length !== 2 || parts[0] === '') return `"${hours}" must be days and a time range, ${EXAMPLE}`;
  const days = parseDays(parts[0]!);
  if (typeof days === 'string') return days;
  const times = parseTimes(parts[1]!);
  if (typeof times === 'string') return times;
  if (days.length === 7 && times.startMin === 0 && times.endMin === 1440)
    return `"${hours}" is up all week, so nothing would ever take the environment down; remove the schedule instead`;
  return { days, ...times };
}

/** What is wrong with an hours text, or undefined when it parses. */
export function windowProblem(hours: string): string | undefined {
  const parsed = parseHours(hours);
  return typeof parsed === 'string' ? parsed : undefined;
}

function hhmm(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

/** Days as the shortest text: `Daily`, runs in Monday-first order as ranges, the rest with `+`. */
function daysText(days: readonly number[]): string {
  if (days.length === 7) return 'Daily';
  const ordered = WEEK_ORDER.filter((d) => days.includes(d));
  const runs: number[][] = [];
  for (const d of ordered) {
    const run = runs.at(-1);
    if (run && WEEK_ORDER.indexOf(run.at(-1)! as 0) + 1 === WEEK_ORDER.indexOf(d as 0)) run.push(d);
    else runs.push([d]);
  }
  return runs
    .map((r) => (r.length === 1 ? DAY_NAMES[r[0]!] : `${DAY_NAMES[r[0]!]}-${DAY_NAMES[r.at(-1)!]}`))
    .join('+');
}

export function parseWindow(hours: string, timezone: string): UpWindow {
  const parsed = parseHours(hours);
  if (typeof parsed === 'string')
    throw userError('InvalidWindow', `schedule hours: ${parsed}`, [
      'write the up window as <days> <HH:MM>-<HH:MM>, e.g. "Mon-Fri 08:00-19:00" or "Daily 07:00-22:00"',
    ]);
  if (!isTimeZone(timezone))
    throw userError('InvalidTimeZone', `schedule timezone "${timezone}" is not an IANA time zone`, [
      'use a zone such as Europe/London or America/New_York',
    ]);
  const text = `${daysText(parsed.days)} ${hhmm(parsed.startMin)}-${hhmm(parsed.endMin)}`;
  return { ...parsed, timezone, text };
}

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
