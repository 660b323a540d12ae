import { describe, expect, it } from 'vitest';
import {
  environmentWindow,
  configuredExpiry,
  extendExpiry,
  isUp,
  localToInstant,
  nextTransition,
  parseScheduleTag,
  parseWindow,
  scheduleTag,
  schedulerExpressions,
  upShare,
  windowProblem,
} from '../../../src/core/env/lifetime.js';

const at = (iso: string) => new Date(iso);
const next = (hours: string, tz: string, iso: string) => {
  const t = nextTransition(parseWindow(hours, tz), at(iso));
  return `${t.action} ${t.at.toISOString()}`;
};

describe('window grammar', () => {
  it('normalises days: ranges, lists with + or commas, Daily, any case', () => {
    expect(parseWindow('Mon-Fri 08:00-19:00', 'Europe/London').text).toBe('Mon-Fri 08:00-19:00');
    expect(parseWindow('mon,wed,fri 8:00-19:30', 'UTC').text).toBe('Mon+Wed+Fri 08:00-19:30');
    expect(parseWindow('Mon+Tue+Wed 07:00-09:00', 'UTC').text).toBe('Mon-Wed 07:00-09:00');
    expect(parseWindow('Sat-Sun 00:00-24:00', 'UTC').text).toBe('Sat-Sun 00:00-24:00');
    expect(parseWindow('Fri-Mon 10:00-12:00', 'UTC').days).toEqual([0, 1, 5, 6]);
    expect(parseWindow('Daily 07:00-22:00', 'UTC').days).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(parseWindow('Mon-Sun 07:00-22:00', 'UTC').text).toBe('Daily 07:00-22:00');
  });

  it('keeps the start day of an overnight window', () => {
    const w = parseWindow('Fri 22:00-02:00', 'UTC');
    expect(w).toMatchObject({ days: [5], startMin: 1320, endMin: 120 });
  });

  it('says what is wrong with the text', () => {
    expect(windowProblem('Mon-Fri')).toMatch(/must be days and a time range, e\.g\. "Mon-Fri 08:00-19:00"/);
    expect(windowProblem('Mon-Fir 08:00-19:00')).toMatch(/"Fir" is not a day/);
    expect(windowProblem('Mon-Fri 8-19')).toMatch(/"8-19" is not a time range|start time "8" is not HH:MM/);
    expect(windowProblem('Mon-Fri 08:00-25:00')).toMatch(/end time "25:00": hours run 00–23/);
    expect(windowProblem('Mon-Fri 08:70-19:00')).toMatch(/start time "08:70": minutes run 00–59/);
    expect(windowProblem('Mon-Fri 24:00-08:00')).toMatch(/cannot start at 24:00/);
    expect(windowProblem('Mon-Fri 08:00-08:00')).toMatch(/starts and ends at the same time/);
    expect(windowProblem('Mon++Fri 08:00-19:00')).toMatch(/empty day/);
    expect(windowProblem('Mon-Wed-Fri 08:00-19:00')).toMatch(/more than one "-"/);
    expect(windowProblem('Daily 00:00-24:00')).toMatch(/up all week.*remove the schedule/);
    expect(windowProblem('Mon-Fri 08:00-19:00')).toBeUndefined();
    expect(windowProblem('Sat-Sun 00:00-24:00')).toBeUndefined();
  });

  it('throws a user error naming the field and an example', () => {
    expect(() => parseWindow('weekdays 9-5', 'UTC')).toThrow(/schedule hours: "weekdays" is not a day/);
    expect(() => parseWindow('Mon-Fri 09:00-17:00', 'Mars/Olympus')).toThrow(
      /"Mars\/Olympus" is not an IANA time zone/,
    );
  });
});

describe('isUp and nextTransition', () => {
  const london = (iso: string) => isUp(parseWindow('Mon-Fri 08:00-19:00', 'Europe/London'), at(iso));

  it('is up 08:00–19:00 London time in winter (UTC) and summer (UTC+1)', () => {
    expect(london('2026-12-02T07:59:59Z')).toBe(false);
    expect(london('2026-12-02T08:00:00Z')).toBe(true);
    expect(london('2026-12-02T18:59:59Z')).toBe(true);
    expect(london('2026-12-02T19:00:00Z')).toBe(false);
    expect(london('2026-07-01T06:59:59Z')).toBe(false);
    expect(london('2026-07-01T07:00:00Z')).toBe(true);
    expect(london('2026-07-01T17:59:59Z')).toBe(true);
    expect(london('2026-07-01T18:00:00Z')).toBe(false);
    expect(london('2026-07-04T12:00:00Z')).toBe(false); // Saturday
  });

  it('follows London local time across the last Sundays of March and October', () => {
    // Friday 27 March 2026 is still GMT; Monday 30 March is BST.
    expect(next('Mon-Fri 08:00-19:00', 'Europe/London', '2026-03-27T12:00:00Z')).toBe(
      'down 2026-03-27T19:00:00.000Z',
    );
    expect(next('Mon-Fri 08:00-19:00', 'Europe/London', '2026-03-27T19:00:00Z')).toBe(
      'up 2026-03-30T07:00:00.000Z',
    );
    expect(next('Mon-Fri 08:00-19:00', 'Europe/London', '2026-03-30T07:00:00Z')).toBe(
      'down 2026-03-30T18:00:00.000Z',
    );
    // Friday 23 October is BST; Monday 26 October is GMT again.
    expect(next('Mon-Fri 08:00-19:00', 'Europe/London', '2026-10-23T12:00:00Z')).toBe(
      'down 2026-10-23T18:00:00.000Z',
    );
    expect(next('Mon-Fri 08:00-19:00', 'Europe/London', '2026-10-23T18:00:00Z')).toBe(
      'up 2026-10-26T08:00:00.000Z',
    );
  });

  it('starts a window whose start does not exist on a spring-forward day at the first valid instant', () => {
    // 29 March 2026, London: 01:00 GMT jumps to 02:00 BST, so 01:30 does not exist.
    expect(next('Sun 01:30-05:00', 'Europe/London', '2026-03-28T12:00:00Z')).toBe(
      'up 2026-03-29T01:00:00.000Z',
    );
    // 8 March 2026, New York: 02:00 EST jumps to 03:00 EDT.
    expect(next('Sun 02:15-04:00', 'America/New_York', '2026-03-07T12:00:00Z')).toBe(
      'up 2026-03-08T07:00:00.000Z',
    );
    // A window that lies wholly inside the gap is empty that day: the next occurrence is a week on.
    expect(next('Sun 01:10-01:50', 'Europe/London', '2026-03-28T12:00:00Z')).toBe(
      'up 2026-04-05T00:10:00.000Z',
    );
  });

  it('takes the first occurrence of a time that happens twice on a fall-back day', () => {
    // 25 October 2026, London: 02:00 BST falls back to 01:00 GMT; 01:30 happens twice.
    expect(next('Sun 01:30-03:00', 'Europe/London', '2026-10-24T12:00:00Z')).toBe(
      'up 2026-10-25T00:30:00.000Z',
    );
    // The window is 30 minutes longer that night: 00:30Z → 03:00 GMT.
    expect(next('Sun 01:30-03:00', 'Europe/London', '2026-10-25T00:30:00Z')).toBe(
      'down 2026-10-25T03:00:00.000Z',
    );
  });

  it('handles the southern hemisphere (Sydney) and half-hour offsets (Kolkata)', () => {
    // Sydney: AEDT (UTC+11) until 5 April 2026 03:00, then AEST (UTC+10); AEDT again from 4 October.
    expect(next('Mon-Fri 09:00-17:00', 'Australia/Sydney', '2026-04-02T12:00:00Z')).toBe(
      'up 2026-04-02T22:00:00.000Z',
    );
    expect(next('Mon-Fri 09:00-17:00', 'Australia/Sydney', '2026-04-05T12:00:00Z')).toBe(
      'up 2026-04-05T23:00:00.000Z',
    );
    expect(next('Mon-Fri 09:00-17:00', 'Australia/Sydney', '2026-10-04T12:00:00Z')).toBe(
      'up 2026-10-04T22:00:00.000Z',
    );
    // Kolkata is UTC+05:30 all year.
    expect(next('Daily 09:00-18:00', 'Asia/Kolkata', '2026-06-01T00:00:00Z')).toBe(
      'up 2026-06-01T03:30:00.000Z',
    );
    expect(next('Daily 09:00-18:00', 'Asia/Kolkata', '2026-06-01T03:30:00Z')).toBe(
      'down 2026-06-01T12:30:00.000Z',
    );
  });

  it('keeps an overnight window on its start day, across midnight and the week end', () => {
    const w = parseWindow('Fri 22:00-02:00', 'UTC');
    expect(isUp(w, at('2026-12-04T21:59:00Z'))).toBe(false); // Friday
    expect(isUp(w, at('2026-12-04T23:30:00Z'))).toBe(true);
    expect(isUp(w, at('2026-12-05T01:59:00Z'))).toBe(true); // Saturday morning
    expect(isUp(w, at('2026-12-05T02:00:00Z'))).toBe(false);
    expect(isUp(w, at('2026-12-05T23:30:00Z'))).toBe(false); // Saturday night is not a start day
    expect(next('Fri 22:00-02:00', 'UTC', '2026-12-05T00:00:00Z')).toBe('down 2026-12-05T02:00:00.000Z');
    expect(next('Fri 22:00-02:00', 'UTC', '2026-12-05T02:00:00Z')).toBe('up 2026-12-11T22:00:00.000Z');
  });

  it('joins whole days: Sat-Sun 00:00-24:00 is one weekend, no change at Sunday midnight', () => {
    expect(next('Sat-Sun 00:00-24:00', 'UTC', '2026-12-05T10:00:00Z')).toBe('down 2026-12-07T00:00:00.000Z');
    expect(next('Sat-Sun 00:00-24:00', 'UTC', '2026-12-07T00:00:00Z')).toBe('up 2026-12-12T00:00:00.000Z');
    expect(isUp(parseWindow('Sat-Sun 00:00-24:00', 'UTC'), at('2026-12-06T00:00:00Z'))).toBe(true);
  });

  it('maps a local time in a gap to the end of the gap and a repeated one to its first occurrence', () => {
    const local = (iso: string) => Date.parse(iso); // naive wall clock as UTC milliseconds
    expect(new Date(localToInstant(local('2026-03-29T01:30:00Z'), 'Europe/London')).toISOString()).toBe(
      '2026-03-29T01:00:00.000Z',
    );
    expect(new Date(localToInstant(local('2026-10-25T01:30:00Z'), 'Europe/London')).toISOString()).toBe(
      '2026-10-25T00:30:00.000Z',
    );
    expect(new Date(localToInstant(local('2026-06-01T09:00:00Z'), 'Asia/Kolkata')).toISOString()).toBe(
      '2026-06-01T03:30:00.000Z',
    );
  });
});

describe('upShare', () => {
  it('is the share of the week inside the window', () => {
    expect(upShare(parseWindow('Mon-Fri 08:00-19:00', 'Europe/London'))).toBeCloseTo((5 * 11) / 168, 10);
    expect(upShare(parseWindow('Fri 22:00-02:00', 'UTC'))).toBeCloseTo(4 / 168, 10);
    expect(upShare(parseWindow('Sat-Sun 00:00-24:00', 'UTC'))).toBeCloseTo(48 / 168, 10);
  });
});

describe('schedulerExpressions', () => {
  it('gives Scheduler cron expressions for the start and the end', () => {
    expect(schedulerExpressions(parseWindow('Mon-Fri 08:00-19:30', 'Europe/London'))).toEqual({
      up: ['cron(0 8 ? * MON-FRI *)'],
      down: ['cron(30 19 ? * MON-FRI *)'],
    });
    expect(schedulerExpressions(parseWindow('Mon+Wed+Fri 07:05-09:00', 'UTC'))).toEqual({
      up: ['cron(5 7 ? * MON,WED,FRI *)'],
      down: ['cron(0 9 ? * MON,WED,FRI *)'],
    });
  });

  it('shifts the down day of an overnight window, and of one ending at 24:00, by one', () => {
    expect(schedulerExpressions(parseWindow('Mon-Fri 20:00-06:00', 'UTC'))).toEqual({
      up: ['cron(0 20 ? * MON-FRI *)'],
      down: ['cron(0 6 ? * TUE-SAT *)'],
    });
    expect(schedulerExpressions(parseWindow('Fri-Sat 18:00-01:00', 'UTC'))).toEqual({
      up: ['cron(0 18 ? * FRI,SAT *)'],
      down: ['cron(0 1 ? * SUN,SAT *)'],
    });
    expect(schedulerExpressions(parseWindow('Sat-Sun 00:00-24:00', 'UTC'))).toEqual({
      up: ['cron(0 0 ? * SAT *)'],
      down: ['cron(0 0 ? * MON *)'],
    });
  });
});

describe('tags, config and expiry', () => {
  it('writes and reads the estate:schedule tag', () => {
    const w = parseWindow('mon-fri 08:00-19:00', 'Europe/London');
    expect(scheduleTag(w)).toBe('Mon-Fri 08:00-19:00 Europe/London');
    expect(parseScheduleTag('Mon-Fri 08:00-19:00 Europe/London')).toEqual(w);
    expect(parseScheduleTag('Mon-Fri 08:00-19:00')).toBeUndefined();
    expect(parseScheduleTag('Mon-Fri 08:00-19:00 Nowhere/Land')).toBeUndefined();
    expect(parseScheduleTag('0 19 * * MON-FRI')).toBeUndefined();
  });

  it("reads an environment's configured window", () => {
    expect(
      environmentWindow({ schedule: { hours: 'Daily 07:00-22:00', timezone: 'Asia/Kolkata' } }),
    ).toMatchObject({
      text: 'Daily 07:00-22:00',
      timezone: 'Asia/Kolkata',
    });
    expect(environmentWindow({})).toBeUndefined();
  });

  it('gives the configured expiry: expires as written, else first deploy + ttl', () => {
    const deployed = new Date('2026-12-01T10:00:00Z');
    expect(configuredExpiry({ expires: '2026-12-24T18:00+01:00' }, deployed)).toBe(
      '2026-12-24T17:00:00.000Z',
    );
    expect(configuredExpiry({ ttl: '72h' }, deployed)).toBe('2026-12-04T10:00:00.000Z');
    expect(configuredExpiry({}, deployed)).toBeUndefined();
  });

  it('pushes an expiry by a duration', () => {
    expect(extendExpiry('2026-12-24T18:00Z', 86_400_000)).toBe('2026-12-25T18:00:00.000Z');
    expect(extendExpiry('2026-12-24T18:00:00+01:00', 3_600_000)).toBe('2026-12-24T18:00:00.000Z');
    expect(() => extendExpiry('Christmas', 1)).toThrow(/"Christmas" is not an ISO 8601 time/);
  });
});
