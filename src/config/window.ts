/**
 * The up-window grammar of `schedule.hours` and `env schedule --off-hours`:
 * `<days> <HH:MM>-<HH:MM>` (`Mon-Fri 08:00-19:00`, `Sat-Sun`, `Mon+Wed+Fri`, `Daily`; an end
 * before the start is an overnight window), parsed into an {@link UpWindow} in an IANA zone.
 * Config validates with it; core/env/lifetime.ts does the time-zone arithmetic on the result.
 */
import { userError } from '../errors.js';
import { isTimeZone } from './rules.js';

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
