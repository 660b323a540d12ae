import { describe, expect, it } from 'vitest';
import type { EstateConfig } from '../../../src/config/schema.js';
import { lifecycleEntries, nextAction, syncLifecycle } from '../../../src/core/env/lifecycle-sync.js';
import {
  deployEnvironments,
  destroyEnvironments,
  listEnvironments,
  type DeployOptions,
} from '../../../src/core/env/service.js';
import { extendEnvironment } from '../../../src/core/env/updown.js';
import type { FoundEnvironment } from '../../../src/core/env/discover.js';
import { parseWindow, schedulerExpressions } from '../../../src/core/env/lifetime.js';
import { A, B, chain, env, envConfig, harness } from './harness.js';

/** The config with lifetime fields set on environments (executor, schedule hours), by name. */
function withLifetime(config: EstateConfig, fields: Record<string, Record<string, unknown>>): EstateConfig {
  return {
    ...config,
    environments: config.environments.map((e) => ({ ...e, ...(fields[e.name] ?? {}) })),
  } as EstateConfig;
}

const opts = (environments: string[], cwd: string): DeployOptions => ({
  environments,
  approve: 'never',
  yes: false,
  configDir: '/tmp',
  cwd,
});

const lifecycleCalls = (calls: readonly string[]) => calls.filter((c) => c.includes('estate-lifecycle'));

describe('env deploy and the estate-lifecycle stack', () => {
  it('Given an aws-executor environment and a ci one, When deployed, Then estate-lifecycle is deployed into the aws one only, with its schedules and expiry', async () => {
    const config = withLifetime(
      envConfig([env('alice', 'dev-a', { ttl: '72h' }), env('bob', 'dev-b', { ttl: '72h' })]),
      {
        alice: { executor: 'aws', schedule: { hours: 'Mon-Fri 08:00-19:00', timezone: 'Europe/London' } },
        bob: { executor: 'ci' },
      },
    );
    const h = harness(config, { alice: chain(), bob: chain() });
    const result = await deployEnvironments(h.deps, config, opts(['alice', 'bob'], h.root), h.run());
    expect(result.ok).toBe(true);
    expect(lifecycleCalls(h.toolkit.calls)).toEqual([`deploy estate-lifecycle ${A}/eu-west-2`]);
    expect(result.lifecycle?.stacks).toEqual([
      { accountId: A, region: 'eu-west-2', status: 'deployed', environments: ['alice'] },
    ]);
    const live = h.cloud.get({ accountId: A, region: 'eu-west-2' }, 'estate-lifecycle')!;
    const schedules = Object.values(live.template.Resources ?? {})
      .filter((r) => r.Type === 'AWS::Scheduler::Schedule')
      .map((r: any) => [
        r.Properties.Name,
        r.Properties.ScheduleExpression,
        r.Properties.ScheduleExpressionTimezone,
      ]);
    expect(schedules.sort()).toEqual([
      ['alice-down', 'cron(0 19 ? * MON-FRI *)', 'Europe/London'],
      // The expiry the deploy wrote: first deploy (10:00Z) + 72h.
      ['alice-expire', 'at(2026-12-04T10:00:00)', 'UTC'],
      ['alice-up', 'cron(0 8 ? * MON-FRI *)', 'Europe/London'],
    ]);
    expect(live.tags['estate:shared']).toBe('lifecycle');
    expect(h.cloud.get({ accountId: B, region: 'eu-west-2' }, 'estate-lifecycle')).toBeUndefined();
  });

  it('Given the lifecycle stack deployed, When deployed again with nothing changed, Then it is unchanged and not deployed', async () => {
    const config = withLifetime(envConfig([env('alice', 'dev-a', { ttl: '72h' })]), {
      alice: { executor: 'aws' },
    });
    const h = harness(config, { alice: chain() });
    await deployEnvironments(h.deps, config, opts(['alice'], h.root), h.run());
    h.toolkit.calls.length = 0;
    const again = await deployEnvironments(h.deps, config, opts(['alice'], h.root), h.run());
    expect(again.lifecycle?.stacks.map((s) => s.status)).toEqual(['unchanged']);
    expect(h.toolkit.calls).toEqual([]);
  });

  it('Given the lifecycle stack live and the environment moved to ci in estate.yaml, When deployed, Then the stack is destroyed', async () => {
    const aws = withLifetime(envConfig([env('alice', 'dev-a', { ttl: '72h' })]), {
      alice: { executor: 'aws' },
    });
    const h = harness(aws, { alice: chain() });
    await deployEnvironments(h.deps, aws, opts(['alice'], h.root), h.run());
    const ci = withLifetime(aws, { alice: { executor: 'ci' } });
    const result = await deployEnvironments(h.deps, ci, opts(['alice'], h.root), h.run());
    expect(result.lifecycle?.stacks).toEqual([
      { accountId: A, region: 'eu-west-2', status: 'destroyed', environments: [] },
    ]);
    expect(lifecycleCalls(h.toolkit.calls)).toContain(`destroy estate-lifecycle ${A}/eu-west-2`);
    expect(h.cloud.get({ accountId: A, region: 'eu-west-2' }, 'estate-lifecycle')).toBeUndefined();
    // Then a ci deploy makes no lifecycle sync at all.
    const later = await deployEnvironments(h.deps, ci, opts(['alice'], h.root), h.run());
    expect(later.lifecycle).toBeUndefined();
  });

  it('Given the environment switched to ci by its tags (env schedule), When synchronised, Then the stack is destroyed', async () => {
    const aws = withLifetime(envConfig([env('alice', 'dev-a', { ttl: '72h' })]), {
      alice: { executor: 'aws' },
    });
    const h = harness(aws, { alice: chain() });
    await deployEnvironments(h.deps, aws, opts(['alice'], h.root), h.run());
    for (const name of ['alice-data', 'alice-api-lambda'])
      h.cloud.get({ accountId: A, region: 'eu-west-2' }, name)!.tags['estate:executor'] = 'ci';
    const result = await syncLifecycle(h.deps, aws, ['dev-a'], h.run(), { cwd: h.root });
    expect(result.stacks.map((s) => s.status)).toEqual(['destroyed']);
  });
});

describe('lifecycleEntries', () => {
  const config = withLifetime(
    envConfig([env('alice', 'dev-a'), env('carol', 'dev-a', { protected: true }), env('dan', 'dev-a')]),
    { alice: { executor: 'aws' }, carol: { executor: 'aws' } },
  );
  const found = (
    environment: string,
    tags: Record<string, string>,
    region = 'eu-west-2',
  ): FoundEnvironment => ({
    environment,
    account: { name: 'dev-a', id: A },
    ...(config.environments.find((e) => e.name === environment)
      ? { declared: config.environments.find((e) => e.name === environment)! }
      : {}),
    stacks: [
      {
        at: { accountId: A, region },
        s: {
          name: `${environment}-data`,
          id: 'id',
          status: 'CREATE_COMPLETE',
          createdAt: new Date('2026-12-01T00:00:00Z'),
          tags: { 'estate:env': environment, ...tags },
          outputs: {},
          parameters: {},
          terminationProtection: false,
        },
      },
    ],
  });
  const now = new Date('2026-12-01T10:00:00Z');

  it('takes the window from the estate:schedule tag and the expiry from estate:expires-at; skips ci and protected environments', () => {
    const entries = lifecycleEntries(
      config,
      [
        found('alice', {
          'estate:schedule': 'Sat-Sun 10:00-16:00 Europe/Paris',
          'estate:expires-at': '2026-12-24T18:00:00.000Z',
        }),
        found('carol', { 'estate:expires-at': '2026-12-24T18:00:00.000Z' }),
        found('dan', { 'estate:expires-at': '2026-12-24T18:00:00.000Z' }),
        // An orphan whose tags say aws.
        found('eve', { 'estate:executor': 'aws', 'estate:expires-at': '2026-12-02T00:00:00.000Z' }),
      ],
      now,
    );
    expect(entries).toHaveLength(1);
    expect(entries[0]!.environments).toEqual([
      {
        name: 'alice',
        downExpressions: schedulerExpressions(parseWindow('Sat-Sun 10:00-16:00', 'Europe/Paris')).down,
        upExpressions: schedulerExpressions(parseWindow('Sat-Sun 10:00-16:00', 'Europe/Paris')).up,
        timezone: 'Europe/Paris',
        expiresAt: '2026-12-24T18:00:00.000Z',
      },
      { name: 'eve', expiresAt: '2026-12-02T00:00:00.000Z' },
    ]);
  });

  it('warns warnBeforeHours before expiry when a topic is set, and places a past expiry a few minutes ahead', () => {
    const topic = 'arn:aws:sns:eu-west-2:111111111111:expiry';
    const withTopic = { ...config, lifecycle: { warnBeforeHours: 6, warnTopicArn: topic } } as EstateConfig;
    const [entry] = lifecycleEntries(
      withTopic,
      [found('alice', { 'estate:expires-at': '2026-12-02T00:00:00.000Z' })],
      now,
    );
    expect(entry!.environments[0]).toEqual({
      name: 'alice',
      expiresAt: '2026-12-02T00:00:00.000Z',
      warnAt: '2026-12-01T18:00:00.000Z',
      warnTopicArn: topic,
    });
    const [late] = lifecycleEntries(
      withTopic,
      [found('alice', { 'estate:expires-at': '2026-11-30T00:00:00.000Z' })],
      now,
    );
    expect(late!.environments[0]).toEqual({ name: 'alice', expiresAt: '2026-12-01T10:05:00.000Z' });
  });
});

describe('the next action (env list)', () => {
  const now = new Date('2026-12-01T10:00:00Z'); // a Tuesday, 10:00 in London
  const tags =
    (t: Record<string, string>) =>
    (k: string): string | undefined =>
      t[k];

  it('is the window closing before the expiry, by the executor of the tag', () => {
    expect(
      nextAction(
        tags({
          'estate:schedule': 'Mon-Fri 08:00-19:00 Europe/London',
          'estate:expires-at': '2026-12-04T10:00:00.000Z',
          'estate:executor': 'aws',
        }),
        undefined,
        '2026-12-04T10:00:00.000Z',
        false,
        now,
      ),
    ).toEqual({ action: 'down', at: '2026-12-01T19:00:00.000Z', by: 'aws' });
  });

  it('is the expiry when it comes first, ci by default; nothing for a protected environment', () => {
    const t = tags({ 'estate:schedule': 'Mon-Fri 08:00-19:00 Europe/London' });
    expect(nextAction(t, undefined, '2026-12-01T12:00:00.000Z', false, now)).toEqual({
      action: 'expire',
      at: '2026-12-01T12:00:00.000Z',
      by: 'ci',
    });
    expect(nextAction(t, undefined, '2026-12-01T12:00:00.000Z', true, now)).toBeUndefined();
    expect(nextAction(tags({}), undefined, undefined, false, now)).toBeUndefined();
  });

  it('Given an aws-executor environment with a ttl deployed, When listed, Then its next action is its expiry, run by aws', async () => {
    const config = withLifetime(envConfig([env('alice', 'dev-a', { ttl: '72h' }), env('bob', 'dev-b')]), {
      alice: { executor: 'aws' },
    });
    const h = harness(config, { alice: chain(), bob: chain() });
    await deployEnvironments(h.deps, config, opts(['alice', 'bob'], h.root), h.run());
    const listed = await listEnvironments(h.deps, config, {}, h.run());
    expect(listed.environments.map((e) => [e.environment, e.next])).toEqual([
      ['alice', { action: 'expire', at: '2026-12-04T10:00:00.000Z', by: 'aws' }],
      ['bob', undefined],
    ]);
  });
});

describe('env extend and env destroy keep estate-lifecycle in line', () => {
  const awsAlice = () =>
    withLifetime(envConfig([env('alice', 'dev-a', { ttl: '72h' })]), { alice: { executor: 'aws' } });
  const expireSchedule = (h: ReturnType<typeof harness>) => {
    const live = h.cloud.get({ accountId: A, region: 'eu-west-2' }, 'estate-lifecycle');
    return Object.values(live?.template.Resources ?? {})
      .filter((r) => r.Type === 'AWS::Scheduler::Schedule')
      .map((r: any) => r.Properties)
      .find((p) => p.Name === 'alice-expire')?.ScheduleExpression;
  };

  it('Given an aws-executor environment deployed, When its expiry is extended by a day, Then the expire schedule in the account moves with it', async () => {
    const config = awsAlice();
    const h = harness(config, { alice: chain() });
    const deps = { ...h.deps, records: h.cloud, stackOps: h.cloud };
    await deployEnvironments(deps, config, opts(['alice'], h.root), h.run());
    expect(expireSchedule(h)).toBe('at(2026-12-04T10:00:00)');
    const r = await extendEnvironment(
      deps,
      config,
      { environment: 'alice', by: '24h', force: true, dryRun: false },
      h.run(),
    );
    expect(r.ok).toBe(true);
    expect(r.lifecycle?.stacks.map((s) => s.status)).toEqual(['deployed']);
    expect(expireSchedule(h)).toBe('at(2026-12-05T10:00:00)');
  });

  it('Given an aws-executor environment deployed, When it is destroyed, Then the estate-lifecycle stack that ran it goes too', async () => {
    const config = awsAlice();
    const h = harness(config, { alice: chain() });
    const deps = { ...h.deps, records: h.cloud, stackOps: h.cloud };
    await deployEnvironments(deps, config, opts(['alice'], h.root), h.run());
    expect(h.cloud.get({ accountId: A, region: 'eu-west-2' }, 'estate-lifecycle')).toBeDefined();
    const r = await destroyEnvironments(
      deps,
      config,
      {
        environments: ['alice'],
        dryRun: false,
        forceProtected: false,
        yes: true,
        configDir: '/tmp',
        cwd: h.root,
      },
      h.run(),
    );
    expect(r.ok).toBe(true);
    expect(r.lifecycle?.stacks).toEqual([
      expect.objectContaining({ accountId: A, region: 'eu-west-2', status: 'destroyed' }),
    ]);
    expect(h.cloud.get({ accountId: A, region: 'eu-west-2' }, 'estate-lifecycle')).toBeUndefined();
  });
});
