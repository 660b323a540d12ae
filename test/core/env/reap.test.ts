/**
 * The reaper against fakes of several accounts that behave like CloudFormation, SSM and
 * CloudWatch: what is selected and why, what is deleted (and what is not), failure isolation,
 * blocked deletes not retried, --max, --dry-run, and the owner warning sent once per expiry.
 */
import { describe, expect, it } from 'vitest';
import { loadPriceTable } from '../../../src/cli/prices.js';
import type { EstateConfig } from '../../../src/config/schema.js';
import { reapEnvironments, type ReapOptions, type ReapResult } from '../../../src/core/env/reap.js';
import type { StackResource } from '../../../src/core/env/ports.js';
import { FakeCloudWatch, FakeMetrics } from '../../../src/emulator/cloudwatch.js';
import { FakeNotifier } from '../../../src/emulator/notify.js';
import { A, B, C, PROD, envConfig, env, harness } from './harness.js';

const NOW = new Date('2026-12-01T10:00:00Z');
const H = 3_600_000;
const ago = (ms: number) => new Date(NOW.getTime() - ms);
const REGION = 'eu-west-2';

interface Seed {
  readonly account: string;
  readonly blueprints?: readonly string[];
  readonly deployedAgo?: number;
  readonly expiresAt?: Date;
  readonly tags?: Record<string, string>;
}

function world(config: EstateConfig, seeds: Record<string, Seed>) {
  const h = harness(config, {});
  const cw = new FakeCloudWatch(() => NOW);
  const metrics = new FakeMetrics(cw);
  const notify = new FakeNotifier();
  for (const [name, seed] of Object.entries(seeds)) {
    const at = { accountId: seed.account, region: REGION };
    for (const blueprint of seed.blueprints ?? ['data', 'api-lambda']) {
      const resources: StackResource[] =
        blueprint === 'api-lambda'
          ? [
              {
                logicalId: 'Fn',
                type: 'AWS::Lambda::Function',
                physicalId: `${name}-fn`,
                status: 'CREATE_COMPLETE',
              },
              {
                logicalId: 'Api',
                type: 'AWS::ApiGatewayV2::Api',
                physicalId: `${name}-api`,
                status: 'CREATE_COMPLETE',
              },
            ]
          : [
              {
                logicalId: 'Table',
                type: 'AWS::DynamoDB::Table',
                physicalId: `${name}-table`,
                status: 'CREATE_COMPLETE',
              },
            ];
      h.cloud.put(at, {
        name: `${name}-${blueprint}`,
        createdAt: ago(seed.deployedAgo ?? 72 * H),
        resources,
        tags: {
          'estate:env': name,
          'estate:blueprint': blueprint,
          'estate:profile': 'dev',
          'estate:protected': 'false',
          'estate:owner': `${name}@example.com`,
          'estate:deployed-at': ago(seed.deployedAgo ?? 72 * H).toISOString(),
          ...(seed.expiresAt ? { 'estate:expires-at': seed.expiresAt.toISOString() } : {}),
          ...seed.tags,
        },
      });
    }
  }
  const deps = { ...h.deps, stackOps: h.cloud, records: h.cloud, metrics, notify };
  const reap = (options: Partial<ReapOptions> = {}): Promise<ReapResult> =>
    reapEnvironments(
      deps,
      config,
      { dryRun: false, orphansAfterMs: 48 * H, prices: loadPriceTable(), ...options },
      { io: h.io, interactive: false, now: () => NOW },
    );
  const deleted = () => h.cloud.deleteRequests.map((d) => d.name).sort();
  const exists = (account: string, name: string) =>
    h.cloud.get({ accountId: account, region: REGION }, name) !== undefined;
  return { h, cw, metrics, notify, reap, deleted, exists };
}

const names = (list: readonly { environment: string }[]) => list.map((e) => e.environment).sort();

describe('reapEnvironments across accounts', () => {
  const config = envConfig([
    env('alice', 'dev-a', { blueprints: ['auth', 'data', 'api-lambda'] }),
    env('bob', 'dev-b', { blueprints: ['auth', 'data', 'api-lambda'] }),
    env('carol', 'dev-b', { blueprints: ['auth', 'data', 'api-lambda'] }),
    env('guarded', 'dev-a', { blueprints: ['auth', 'data', 'api-lambda'], protected: true }),
    env('shop', 'prod', { blueprints: ['auth', 'data', 'api-lambda'] }),
  ]);
  const seeds: Record<string, Seed> = {
    alice: { account: A, expiresAt: ago(2 * H) },
    bob: { account: B },
    carol: { account: B },
    guarded: { account: A, expiresAt: ago(2 * H) },
    shop: { account: PROD, expiresAt: ago(2 * H) },
    'pr-7': { account: C, deployedAgo: 72 * H },
    'pr-8': { account: C, deployedAgo: 2 * H },
    'pr-9': { account: C, deployedAgo: 96 * H, tags: { 'estate:protected': 'true' } },
    'pr-10': { account: C, deployedAgo: 96 * H, tags: { 'estate:profile': 'prod' } },
  };

  it('Given expired, idle, busy, orphan old and young, protected and prod environments, When reaped with --idle-for 24h, Then each is handled as its reason says and no protected or prod stack is touched', async () => {
    const w = world(config, seeds);
    // carol served requests in the last day; bob served none (only two days ago).
    w.cw.put({
      account: B,
      region: REGION,
      namespace: 'AWS/Lambda',
      metricName: 'Invocations',
      dimensions: { FunctionName: 'carol-fn' },
      timestamp: ago(3 * H),
      value: 12,
    });
    w.cw.put({
      account: B,
      region: REGION,
      namespace: 'AWS/ApiGateway',
      metricName: 'Count',
      dimensions: { ApiId: 'bob-api' },
      timestamp: ago(40 * H),
      value: 5,
    });
    // Idle metrics of the prod and protected environments say idle too: still never.
    const r = await w.reap({ idleForMs: 24 * H });

    expect(r.ok).toBe(true);
    const reaped = Object.fromEntries(r.reaped.map((e) => [e.environment, e]));
    expect(Object.keys(reaped).sort()).toEqual(['alice', 'bob', 'pr-7']);
    expect(reaped.alice).toMatchObject({
      reason: 'expired',
      action: 'destroy',
      accountId: A,
      expiredAt: ago(2 * H).toISOString(),
    });
    expect(reaped.bob).toMatchObject({ reason: 'idle', action: 'down', accountId: B });
    expect(reaped['pr-7']).toMatchObject({ reason: 'orphan', action: 'destroy', accountId: C });
    expect(names(r.kept)).toEqual(
      expect.arrayContaining(['carol', 'guarded', 'pr-10', 'pr-8', 'pr-9', 'shop']),
    );

    // Destroy deletes everything; down only the stateless api-lambda; nothing else is touched.
    expect(w.deleted()).toEqual([
      'alice-api-lambda',
      'alice-data',
      'bob-api-lambda',
      'pr-7-api-lambda',
      'pr-7-data',
    ]);
    expect(w.exists(B, 'bob-data')).toBe(true);
    for (const [n, acct] of [
      ['guarded', A],
      ['shop', PROD],
      ['pr-9', C],
      ['pr-10', C],
      ['carol', B],
      ['pr-8', C],
    ] as const)
      expect(w.exists(acct, `${n}-data`)).toBe(true);

    // One GetMetricData batch per account and region, not one per environment.
    const locations = w.metrics.calls.map((c) => `${c.account}/${c.region}`);
    expect(new Set(locations).size).toBe(locations.length);
    expect(w.metrics.calls.find((c) => c.account === B)!.queries).toBe(4);

    expect(r.saving.monthlyUsd).toBeGreaterThan(0);
    expect(r.saving.prices).toMatchObject({
      region: expect.any(String),
      date: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
    });
    expect(r.reaped.every((e) => typeof e.monthlySavingUsd === 'number')).toBe(true);
  });

  it('Given the same estate without --idle-for, When reaped, Then nobody is taken down for idleness', async () => {
    const w = world(config, seeds);
    const r = await w.reap();
    expect(names(r.reaped)).toEqual(['alice', 'pr-7']);
    expect(w.metrics.calls).toEqual([]);
  });

  it('Given a dry run, When reaped, Then the same selection is reported and nothing is deleted or written', async () => {
    const w = world(config, seeds);
    w.cw.put({
      account: B,
      region: REGION,
      namespace: 'AWS/Lambda',
      metricName: 'Invocations',
      dimensions: { FunctionName: 'carol-fn' },
      timestamp: ago(H),
      value: 1,
    });
    const before = new Map(w.h.cloud.parameters);
    const r = await w.reap({ dryRun: true, idleForMs: 24 * H });
    expect(r.dryRun).toBe(true);
    expect(names(r.reaped)).toEqual(['alice', 'bob', 'pr-7']);
    expect(r.reaped.every((e) => e.status === 'dry-run')).toBe(true);
    expect(w.deleted()).toEqual([]);
    expect(w.h.cloud.parameters).toEqual(before);
    expect(w.notify.published).toEqual([]);
  });

  it('Given --max 1 with two environments due, When reaped, Then the oldest is reaped and the other deferred', async () => {
    const w = world(config, seeds);
    const r = await w.reap({ max: 1 });
    expect(names(r.reaped)).toHaveLength(1);
    expect(r.deferred).toHaveLength(1);
    expect([...names(r.reaped), ...names(r.deferred)].sort()).toEqual(['alice', 'pr-7']);
    expect(r.ok).toBe(true);
  });
});

describe('a delete that fails', () => {
  const config = envConfig([
    env('alice', 'dev-a', { blueprints: ['auth', 'data', 'api-lambda'] }),
    env('bob', 'dev-b', { blueprints: ['data'] }),
  ]);

  it('Given alice’s data stack fails to delete, When reaped, Then bob is still reaped, alice is reported failed with the resource, exit not ok; the next run reports it blocked and does not retry it; --retry-blocked does', async () => {
    const w = world(config, {
      alice: { account: A, expiresAt: ago(H) },
      bob: { account: B, blueprints: ['data'], expiresAt: ago(H) },
    });
    w.h.cloud.deleteFailures.set('alice-data', {
      logicalId: 'Table',
      resourceType: 'AWS::DynamoDB::Table',
      reason: 'Table is being used by a replication',
    });
    const first = await w.reap();
    expect(first.ok).toBe(false);
    expect(names(first.reaped)).toEqual(['bob']);
    expect(first.failed).toHaveLength(1);
    expect(first.failed[0]).toMatchObject({ environment: 'alice', accountId: A });
    expect(first.failed[0]!.reason).toContain('Table is being used by a replication');
    expect(first.failed[0]!.stacks.find((s) => s.stack === 'alice-data')?.failure?.logicalId).toBe('Table');

    w.h.cloud.deleteRequests.length = 0;
    const second = await w.reap();
    expect(w.deleted()).toEqual([]);
    expect(second.failed).toEqual([]);
    expect(second.blocked).toEqual([
      expect.objectContaining({
        environment: 'alice',
        blocker: expect.stringContaining('Table is being used by a replication'),
      }),
    ]);
    expect(second.ok).toBe(true);

    w.h.cloud.deleteFailures.clear();
    const retried = await w.reap({ retryBlocked: true });
    expect(w.deleted()).toContain('alice-data');
    expect(names(retried.reaped)).toEqual(['alice']);
    expect(w.exists(A, 'alice-data')).toBe(false);
  });
});

describe('owner warnings before expiry', () => {
  const topic = 'arn:aws:sns:eu-west-2:999999999999:estate-expiry';
  const config = (extra: Record<string, unknown> = {}) =>
    ({
      ...envConfig([
        env('alice', 'dev-a', { blueprints: ['data'] }),
        env('bob', 'dev-b', { blueprints: ['data'] }),
      ]),
      lifecycle: {
        warnBeforeHours: 24,
        warnTopicArn: topic,
        warnFromEmail: 'platform@example.com',
        orphansAfter: '48h',
        ...extra,
      },
    }) as EstateConfig;

  it('Given alice expiring in 5 hours and bob in 3 days, When reaped twice, Then alice’s owner is warned once (SNS and mail) and bob not at all; a new expiry warns again', async () => {
    const w = world(config(), {
      alice: { account: A, blueprints: ['data'], expiresAt: new Date(NOW.getTime() + 5 * H) },
      bob: { account: B, blueprints: ['data'], expiresAt: new Date(NOW.getTime() + 72 * H) },
    });
    const first = await w.reap();
    expect(first.warnings).toEqual([
      expect.objectContaining({
        environment: 'alice',
        status: 'sent',
        owner: 'alice@example.com',
        via: ['sns', 'email'],
      }),
    ]);
    expect(w.notify.published).toEqual([
      expect.objectContaining({ topicArn: topic, subject: expect.stringContaining('alice') }),
    ]);
    expect(w.notify.mailed).toEqual([
      expect.objectContaining({ from: 'platform@example.com', to: 'alice@example.com' }),
    ]);
    expect(w.deleted()).toEqual([]);

    const second = await w.reap();
    expect(second.warnings).toEqual([]);
    expect(w.notify.published).toHaveLength(1);

    // `env extend` moves the expiry: a new expiry gets its own warning.
    const data = w.h.cloud.get({ accountId: A, region: REGION }, 'alice-data')!;
    data.tags['estate:expires-at'] = new Date(NOW.getTime() + 20 * H).toISOString();
    const third = await w.reap();
    expect(third.warnings.map((x) => x.status)).toEqual(['sent']);
    expect(w.notify.published).toHaveLength(2);
  });

  it('Given the topic cannot be published to, When reaped, Then the warning is reported failed, not marked, and the run is not ok', async () => {
    const w = world(config(), {
      alice: { account: A, blueprints: ['data'], expiresAt: new Date(NOW.getTime() + 5 * H) },
    });
    w.notify.failure = new Error('NotFound: Topic does not exist');
    const r = await w.reap();
    expect(r.ok).toBe(false);
    expect(r.warnings[0]).toMatchObject({
      status: 'failed',
      error: expect.stringContaining('Topic does not exist'),
    });
    w.notify.failure = undefined;
    expect((await w.reap()).warnings[0]).toMatchObject({ status: 'sent' });
  });
});

describe('windows and idleness', () => {
  const config = envConfig([
    env('win', 'dev-a', { blueprints: ['auth', 'data', 'api-lambda'] }),
    env('lambda-run', 'dev-a', { blueprints: ['auth', 'data', 'api-lambda'] }),
    env('fresh', 'dev-b', { blueprints: ['auth', 'data', 'api-lambda'] }),
    env('quiet', 'dev-c', { blueprints: ['auth', 'data', 'api-lambda'] }),
  ]);
  // 10:00 UTC on a Tuesday is 10:00 in London: a 12:00-19:00 window is closed.
  const closed = { 'estate:schedule': 'Mon-Fri 12:00-19:00 Europe/London' };

  it('Given a closed window with executor ci, one with executor aws, a fresh deploy with no traffic and an account whose metrics cannot be read, When reaped with --idle-for 24h, Then only the ci one is taken down and the rest say why they stay', async () => {
    const w = world(config, {
      win: { account: A, tags: { ...closed, 'estate:executor': 'ci' } },
      'lambda-run': { account: A, tags: { ...closed, 'estate:executor': 'aws' } },
      fresh: { account: B, deployedAgo: 2 * H },
      quiet: { account: C },
    });
    w.cw.put({
      account: A,
      region: REGION,
      namespace: 'AWS/Lambda',
      metricName: 'Invocations',
      dimensions: { FunctionName: 'lambda-run-fn' },
      timestamp: ago(H),
      value: 3,
    });
    w.cw.forbidden.add(`${C}/${REGION}`);
    const r = await w.reap({ idleForMs: 24 * H });
    expect(r.reaped.map((e) => [e.environment, e.reason, e.action])).toEqual([
      ['win', 'outside-window', 'down'],
    ]);
    expect(w.deleted()).toEqual(['win-api-lambda']);
    const why = Object.fromEntries(r.kept.map((k) => [k.environment, k.why]));
    expect(Object.keys(why).sort()).toEqual(['fresh', 'lambda-run', 'quiet']);
    // quiet served nothing as far as anyone knows, but its metrics could not be read: not idle.
    expect(w.h.io.messages.some((m) => m.code === 'ESTATE_W0561' && m.message.includes(C))).toBe(true);
  });
});
