import { describe, expect, it } from 'vitest';
import { cronProblem, matches, nextRun, parseCron } from '../../src/config/cron.js';

describe('cron', () => {
  it('parses names, ranges, steps and lists', () => {
    const c = parseCron('*/15 7-9,19 * JAN-MAR MON-FRI');
    expect([...c.minutes]).toEqual([0, 15, 30, 45]);
    expect([...c.hours]).toEqual([7, 8, 9, 19]);
    expect([...c.months]).toEqual([1, 2, 3]);
    expect([...c.daysOfWeek]).toEqual([1, 2, 3, 4, 5]);
  });

  it('folds day-of-week 7 into Sunday', () => {
    expect([...parseCron('0 0 * * 7').daysOfWeek]).toEqual([0]);
  });

  it('names the field that is wrong', () => {
    expect(cronProblem('0 24 * * *')).toMatch(/hour 24 is outside 0–23/);
    expect(cronProblem('60 * * * *')).toMatch(/minute 60/);
    expect(cronProblem('* * * * FUNDAY')).toMatch(/day-of-week "FUNDAY"/);
    expect(cronProblem('* * 5-1 * *')).toMatch(/runs backwards/);
    expect(cronProblem('*/0 * * * *')).toMatch(/step/);
    expect(cronProblem('* * *')).toMatch(/expected 5 fields/);
    expect(cronProblem('0 19 * * MON-FRI')).toBeUndefined();
  });

  it('evaluates in the schedule time zone, across daylight saving', () => {
    const stop = parseCron('0 19 * * MON-FRI');
    // 2026-07-01 is a Wednesday; 19:00 in London (BST) is 18:00 UTC.
    expect(matches(stop, new Date('2026-07-01T18:00:00Z'), 'Europe/London')).toBe(true);
    expect(matches(stop, new Date('2026-07-01T19:00:00Z'), 'Europe/London')).toBe(false);
    // In winter London is UTC.
    expect(nextRun(stop, new Date('2026-11-24T12:00:00Z'), 'Europe/London')?.toISOString()).toBe(
      '2026-11-24T19:00:00.000Z',
    );
    // Friday evening → next Monday.
    expect(nextRun(stop, new Date('2026-11-27T19:30:00Z'), 'Europe/London')?.toISOString()).toBe(
      '2026-11-30T19:00:00.000Z',
    );
  });

  it('ORs day-of-month and day-of-week when both are restricted (Vixie cron)', () => {
    const c = parseCron('0 12 1 * MON');
    expect(matches(c, new Date('2026-12-01T12:00:00Z'), 'UTC')).toBe(true); // the 1st, a Tuesday
    expect(matches(c, new Date('2026-11-30T12:00:00Z'), 'UTC')).toBe(true); // a Monday
    expect(matches(c, new Date('2026-12-02T12:00:00Z'), 'UTC')).toBe(false);
  });
});
