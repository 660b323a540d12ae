/**
 * The lifetime fields of estate.yaml: ttl or expires, the up window (schedule.hours and
 * timezone), the executor, the lifecycle block, and the environments that may have none of them.
 */
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { parseConfig } from '../../src/config/loader.js';
import { hoursFromCrons, lifecycleSettings } from '../../src/config/schema.js';
import { configProblems, minimalConfig } from '../_helpers/config.js';

function withEnv(env: Record<string, unknown>, edit?: (c: Record<string, any>) => void) {
  const c = minimalConfig();
  c.environments = [{ name: 'alice', account: 'dev-alice', blueprints: ['data'], ...env }];
  edit?.(c);
  return c;
}

function problems(config: unknown): string[] {
  return configProblems(config).map((p) => p.replace(/^estate\.yaml:\d+: /, ''));
}

describe('environment lifetimes in estate.yaml', () => {
  it('accepts a window, a time zone, a ttl and the ci executor by default', () => {
    const c = parseConfig(
      stringify(
        withEnv({ ttl: '72h', schedule: { hours: 'Mon-Fri 08:00-19:00', timezone: 'Europe/London' } }),
      ),
    );
    expect(c.environments[0]).toMatchObject({
      ttl: '72h',
      executor: 'ci',
      schedule: { hours: 'Mon-Fri 08:00-19:00', timezone: 'Europe/London' },
    });
  });

  it('accepts expires as ISO 8601 with Z or an offset, written unquoted in YAML', () => {
    const text = stringify(withEnv({ executor: 'aws' })).replace(
      'executor: aws',
      'executor: aws\n    expires: 2026-12-24T18:00Z',
    );
    const c = parseConfig(text);
    expect(c.environments[0]).toMatchObject({ expires: '2026-12-24T18:00Z', executor: 'aws' });
    expect(problems(withEnv({ expires: '2026-12-24T18:00:00+01:00' }))).toEqual([]);
  });

  it('rejects an expires that is not an ISO 8601 time with a zone, or not a calendar date', () => {
    expect(problems(withEnv({ expires: 'next tuesday' }))).toEqual([
      'environments[0].expires: "next tuesday" is not an ISO 8601 time with a zone: write it like 2026-12-24T18:00Z or 2026-12-24T18:00+01:00',
    ]);
    expect(problems(withEnv({ expires: '2026-12-24T18:00' }))[0]).toMatch(/not an ISO 8601 time with a zone/);
    expect(problems(withEnv({ expires: '2026-02-30T18:00Z' }))).toEqual([
      'environments[0].expires: "2026-02-30T18:00Z": 2026-02-30 is not a date in the calendar',
    ]);
  });

  it('rejects ttl and expires together, naming the environment and the fix', () => {
    expect(problems(withEnv({ ttl: '72h', expires: '2026-12-24T18:00Z' }))).toEqual([
      'environments[0].expires: environment "alice" has both ttl and expires: keep one (ttl counts from the first deploy, expires is a fixed time)',
    ]);
  });

  it('says what is wrong with a window text and a time zone', () => {
    expect(problems(withEnv({ schedule: { hours: 'weekdays 9-5', timezone: 'Europe/Londn' } }))).toEqual([
      'environments[0].schedule.hours: "weekdays" is not a day: write Mon, Tue, Wed, Thu, Fri, Sat or Sun (or Daily)',
      'environments[0].schedule.timezone: must be an IANA time zone such as Europe/London',
    ]);
    expect(problems(withEnv({ schedule: { hours: 'Mon-Fri 08:00-25:00', timezone: 'UTC' } }))).toEqual([
      'environments[0].schedule.hours: end time "25:00": hours run 00–23 (24:00 only as an end)',
    ]);
    expect(problems(withEnv({ schedule: { hours: 'Mon-Fri', timezone: 'UTC' } }))[0]).toMatch(
      /must be days and a time range, e\.g\. "Mon-Fri 08:00-19:00"/,
    );
  });

  it('tells a config with the old stop/start cron form to write hours instead, with the window it meant', () => {
    const found = problems(
      withEnv({
        schedule: { timezone: 'Europe/London', stop: '0 19 * * MON-FRI', start: '0 7 * * MON-FRI' },
      }),
    );
    expect(found).toContain(
      'environments[0].schedule.stop: schedule.stop and schedule.start (cron expressions) are replaced by hours, the up window: write hours: Mon-Fri 07:00-19:00 and remove stop and start',
    );
    const odd = problems(withEnv({ schedule: { timezone: 'UTC', start: '*/5 * * * *' } }));
    expect(odd).toContain(
      'environments[0].schedule.start: schedule.stop and schedule.start (cron expressions) are replaced by hours, the up window: write hours: <days> <HH:MM>-<HH:MM>, e.g. hours: Mon-Fri 08:00-19:00 and remove stop and start',
    );
  });

  it('derives the window of a plain cron pair only', () => {
    expect(hoursFromCrons('30 18 * * 1-5', '0 8 * * 1-5')).toBe('Mon-Fri 08:00-18:30');
    expect(hoursFromCrons('0 19 * * SAT,SUN', '0 9 * * SAT,SUN')).toBe('Sat-Sun 09:00-19:00');
    expect(hoursFromCrons('0 19 * * MON-FRI', '0 7 * * MON-THU')).toBeUndefined();
    expect(hoursFromCrons('0 6 * * *', '0 20 * * *')).toBeUndefined(); // overnight: not a plain pair
    expect(hoursFromCrons('0 19 1 * *', '0 7 1 * *')).toBeUndefined();
    expect(hoursFromCrons('nonsense', '0 7 * * *')).toBeUndefined();
  });

  it('rejects an executor that is neither ci nor aws', () => {
    expect(problems(withEnv({ executor: 'lambda' }))).toEqual([
      'environments[0].executor: must be one of "ci", "aws"',
    ]);
  });
});

describe('environments that must stay up', () => {
  const schedule = { hours: 'Mon-Fri 08:00-19:00', timezone: 'Europe/London' };

  it('refuses ttl, expires and schedule on a protected environment, saying why', () => {
    expect(problems(withEnv({ protected: true, ttl: '72h', schedule }))).toEqual([
      'environments[0].ttl: environment "alice" cannot have a ttl (expiry destroys it): it is protected (protected: true); remove ttl',
      'environments[0].schedule: environment "alice" cannot have a schedule (off-hours down): it is protected (protected: true); remove schedule',
    ]);
  });

  it('refuses them in a production account kind', () => {
    for (const kind of ['prod-multi-tenant', 'prod-single-tenant']) {
      const c = withEnv({ expires: '2026-12-24T18:00Z' }, (cfg) => (cfg.accounts[1].kind = kind));
      expect(problems(c)).toEqual([
        `environments[0].expires: environment "alice" cannot have expires (expiry destroys it): its account dev-alice is of kind ${kind}, whose environments are protected; remove expires`,
      ]);
    }
  });

  it('refuses them on a prod-size environment', () => {
    expect(problems(withEnv({ size: 'prod', schedule }))).toEqual([
      'environments[0].schedule: environment "alice" cannot have a schedule (off-hours down): it has size: prod (retained and protected); remove schedule',
    ]);
    expect(problems(withEnv({ size: 'prod', ttl: '7d' }))[0]).toMatch(/cannot have a ttl .*size: prod/);
  });

  it('accepts the same environment without them', () => {
    expect(problems(withEnv({ size: 'prod', protected: true }))).toEqual([]);
  });
});

describe('the lifecycle block', () => {
  it('defaults warnBeforeHours to 24 and orphansAfter to 48h, with or without the block', () => {
    expect(lifecycleSettings(parseConfig(stringify(minimalConfig())))).toEqual({
      warnBeforeHours: 24,
      orphansAfter: '48h',
    });
    const c = minimalConfig();
    c.lifecycle = { idleFor: '24h', warnFromEmail: 'platform@acme.example.com' };
    expect(parseConfig(stringify(c)).lifecycle).toEqual({
      warnBeforeHours: 24,
      orphansAfter: '48h',
      idleFor: '24h',
      warnFromEmail: 'platform@acme.example.com',
    });
  });

  it('checks every field', () => {
    const c = minimalConfig();
    c.lifecycle = {
      warnBeforeHours: 1.5,
      warnTopicArn: 'arn:aws:sqs:eu-west-2:111122223333:q',
      warnFromEmail: 'nobody',
      idleFor: '1 day',
      orphansAfter: '2y',
      reapEvery: '1h',
    };
    const found = problems(c);
    expect(found).toEqual(
      expect.arrayContaining([
        'lifecycle.warnBeforeHours: warnBeforeHours must be a whole number of hours, not 1.5',
        expect.stringMatching(/^lifecycle\.warnTopicArn: must be an SNS topic ARN/),
        expect.stringMatching(/^lifecycle\.warnFromEmail: must be an e-mail address/),
        'lifecycle.idleFor: idleFor must be a number and a unit: 30m, 72h, 7d or 2w',
        'lifecycle.orphansAfter: orphansAfter must be a number and a unit: 30m, 72h, 7d or 2w',
        expect.stringMatching(/^lifecycle\.reapEvery: unknown key "reapEvery"/),
      ]),
    );
    expect(found).toHaveLength(6);
  });
});
