/**
 * The lifecycle services (updown.ts): env down, up (named and --due), schedule and extend,
 * against the in-memory CloudFormation/SSM fakes.
 */
import { describe, expect, it } from 'vitest';
import { deployEnvironments } from '../../../src/core/env/service.js';
import {
  callerNames,
  downEnvironments,
  extendEnvironment,
  isOwner,
  scheduleEnvironment,
  upEnvironments,
} from '../../../src/core/env/updown.js';
import type { FakeStackSpec } from '../../_helpers/fake-env.js';
import { A, B, PROD, env, envConfig, harness } from './harness.js';

const EU = (accountId: string) => ({ accountId, region: 'eu-west-2' });
const stack3 = (): FakeStackSpec[] => [
  { blueprint: 'data' },
  {
    blueprint: 'api-lambda',
    dependsOn: ['data'],
    role: 'stateless',
    outputs: { ApiUrl: 'https://api.example' },
  },
];

async function setup(
  environments: Record<string, unknown>[],
  specs: Record<string, FakeStackSpec[]>,
  caller = 'arn:aws:sts::999999999999:assumed-role/Deployer/ci',
) {
  const config = envConfig(environments);
  const h = harness(config, specs);
  const deps = {
    ...h.deps,
    records: h.cloud,
    stackOps: h.cloud,
    caller: async () => ({ account: '999999999999', arn: caller }),
  };
  const r = await deployEnvironments(
    deps,
    config,
    { environments: Object.keys(specs), approve: 'never', yes: false, configDir: '/tmp' },
    h.run(),
  );
  expect(r.ok).toBe(true);
  h.cloud.calls.length = 0;
  return { config, h, deps };
}

const retags = (calls: readonly string[]) => calls.filter((c) => c.startsWith('updateStackTags'));

describe('downEnvironments', () => {
  it('Given an environment with only stateful stacks, Then down says it has no stateless stacks and deletes nothing', async () => {
    const { config, h, deps } = await setup([env('alice', 'dev-a')], { alice: [{ blueprint: 'data' }] });
    const r = await downEnvironments(
      deps,
      config,
      { environments: ['alice'], dryRun: false, yes: true },
      h.run(),
    );
    expect(r.environments[0]).toMatchObject({ status: 'nothing' });
    expect(r.environments[0]!.reason).toContain('has no stateless stacks');
    expect(r.ok).toBe(true);
    expect(h.cloud.calls.filter((c) => c.startsWith('deleteStack'))).toEqual([]);
  });

  it('Given CI without --yes, Then down is refused naming --yes; with --yes the stateless stack goes and the data stays', async () => {
    const { config, h, deps } = await setup(
      [env('alice', 'dev-a', { blueprints: ['data', 'auth', 'api-lambda'] })],
      {
        alice: stack3(),
      },
    );
    const refused = await downEnvironments(
      deps,
      config,
      { environments: ['alice'], dryRun: false, yes: false },
      h.run(),
    );
    expect(refused.ok).toBe(false);
    expect(refused.environments[0]!.reason).toContain('--yes');
    expect(h.cloud.get(EU(A), 'alice-api-lambda')).toBeDefined();
    const done = await downEnvironments(
      deps,
      config,
      { environments: ['alice'], dryRun: false, yes: true },
      h.run(),
    );
    expect(done.environments[0]!.status).toBe('done');
    expect(h.cloud.get(EU(A), 'alice-api-lambda')).toBeUndefined();
    expect(h.cloud.get(EU(A), 'alice-data')).toBeDefined();
    const again = await downEnvironments(
      deps,
      config,
      { environments: ['alice'], dryRun: false, yes: true },
      h.run(),
    );
    expect(again.environments[0]!.reason).toContain('already down');
  });

  it('Given a production-account environment, Then down refuses it whatever the flags', async () => {
    const { config, h, deps } = await setup(
      [env('live', 'prod', { blueprints: ['data', 'auth', 'api-lambda'] })],
      {
        live: stack3(),
      },
    );
    const r = await downEnvironments(
      deps,
      config,
      { environments: ['live'], dryRun: false, yes: true },
      h.run(),
    );
    expect(r.environments[0]!.status).toBe('refused');
    expect(h.cloud.get(EU(PROD), 'live-api-lambda')).toBeDefined();
  });
});

describe('upEnvironments --due', () => {
  it('Given environments down with windows, Then only the ci-executor one whose window is open and that is not expired comes up', async () => {
    const envs = ['open', 'closed', 'expired', 'byaws'];
    const { config, h, deps } = await setup(
      envs.map((n, i) =>
        env(n, i % 2 ? 'dev-b' : 'dev-a', {
          blueprints: ['data', 'auth', 'api-lambda'],
          ...(n === 'byaws' ? { executor: 'aws' } : {}),
        }),
      ),
      Object.fromEntries(envs.map((n) => [n, stack3()])),
    );
    // 2026-12-01T10:00Z is a Tuesday, 10:00 in London.
    const window: Record<string, [string, string?, string?]> = {
      open: ['Mon-Fri 08:00-19:00 Europe/London'],
      closed: ['Sat-Sun 08:00-19:00 Europe/London'],
      expired: ['Mon-Fri 08:00-19:00 Europe/London', 'ci', '2026-12-01T09:00:00.000Z'],
      // estate.yaml says executor aws: the config wins over the (ci) live tag.
      byaws: ['Mon-Fri 08:00-19:00 Europe/London', 'ci'],
    };
    for (const [i, n] of envs.entries()) {
      const data = h.cloud.get(EU(i % 2 ? B : A), `${n}-data`)!;
      const [schedule, executor, expires] = window[n]!;
      Object.assign(data.tags, {
        'estate:schedule': schedule,
        ...(executor ? { 'estate:executor': executor } : {}),
        ...(expires ? { 'estate:expires-at': expires } : {}),
      });
    }
    await downEnvironments(deps, config, { environments: envs, dryRun: false, yes: true }, h.run());
    const r = await upEnvironments(deps, config, { environments: [], due: true, dryRun: false }, h.run());
    expect(r.environments.map((e) => e.environment)).toEqual(['open']);
    expect(r.environments[0]!.status).toBe('done');
    expect(h.cloud.get(EU(A), 'open-api-lambda')?.status).toBe('CREATE_COMPLETE');
    expect(Object.fromEntries(r.notDue.map((n) => [n.environment, n.why]))).toEqual({
      closed: expect.stringContaining('outside its window'),
      expired: expect.stringContaining('expired at 2026-12-01T09:00:00.000Z'),
      byaws: expect.stringContaining('executor aws'),
    });
    const again = await upEnvironments(deps, config, { environments: [], due: true, dryRun: false }, h.run());
    expect(again.environments).toEqual([]);
    expect(again.notDue.find((n) => n.environment === 'open')!.why).toContain('up');
  });
});

describe('scheduleEnvironment', () => {
  it('Given --ttl, Then every stack of the environment gets the same expiry from now; --clear removes it', async () => {
    const { config, h, deps } = await setup(
      [env('alice', 'dev-a', { blueprints: ['data', 'auth', 'api-lambda'] })],
      {
        alice: stack3(),
      },
    );
    const r = await scheduleEnvironment(
      deps,
      config,
      { environment: 'alice', ttl: '24h', clear: false, dryRun: false },
      h.run(),
    );
    expect(r.expiresAt).toBe('2026-12-02T10:00:00.000Z');
    for (const n of ['alice-data', 'alice-api-lambda'])
      expect(h.cloud.get(EU(A), n)!.tags['estate:expires-at']).toBe('2026-12-02T10:00:00.000Z');
    expect(retags(h.cloud.calls)).toHaveLength(2);

    const w = await scheduleEnvironment(
      deps,
      config,
      {
        environment: 'alice',
        offHours: 'mon-fri 08:00-19:00',
        timezone: 'Europe/London',
        clear: false,
        dryRun: false,
      },
      h.run(),
    );
    expect(w.schedule).toBe('Mon-Fri 08:00-19:00 Europe/London');
    expect(h.cloud.get(EU(A), 'alice-data')!.tags).toMatchObject({
      'estate:schedule': 'Mon-Fri 08:00-19:00 Europe/London',
      'estate:executor': 'ci',
      'estate:expires-at': '2026-12-02T10:00:00.000Z',
    });

    const cleared = await scheduleEnvironment(
      deps,
      config,
      { environment: 'alice', clear: true, dryRun: false },
      h.run(),
    );
    expect(cleared.expiresAt).toBeUndefined();
    expect(h.cloud.get(EU(A), 'alice-data')!.tags).not.toHaveProperty('estate:expires-at');
    expect(h.cloud.get(EU(A), 'alice-data')!.tags).not.toHaveProperty('estate:schedule');
  });

  it('Given a dry run, Then nothing changes; given estate.yaml’s own ttl, Then a warning says the live value counts', async () => {
    const { config, h, deps } = await setup([env('alice', 'dev-a', { ttl: '72h' })], {
      alice: [{ blueprint: 'data' }],
    });
    const r = await scheduleEnvironment(
      deps,
      config,
      { environment: 'alice', expires: '2026-12-24T18:00Z', clear: false, dryRun: true },
      h.run(),
    );
    expect(r).toMatchObject({ dryRun: true, expiresAt: '2026-12-24T18:00:00.000Z' });
    expect(r.stacks.map((s) => s.status)).toEqual(['would-update']);
    expect(retags(h.cloud.calls)).toEqual([]);
    expect(r.warnings[0]).toContain('ttl 72h');
  });

  it("Given --expires now, Then the expiry is the run's now: due for the next reap", async () => {
    const { config, h, deps } = await setup([env('alice', 'dev-a')], { alice: [{ blueprint: 'data' }] });
    const run = h.run();
    const now = (run.now ?? (() => new Date()))().toISOString();
    const r = await scheduleEnvironment(
      deps,
      config,
      { environment: 'alice', expires: 'now', clear: false, dryRun: true },
      run,
    );
    expect(r).toMatchObject({ dryRun: true, expiresAt: now });
  });

  it('Given bad input, Then each is a user error naming the flag, before any AWS call', async () => {
    const { config, h, deps } = await setup([env('alice', 'dev-a')], { alice: [{ blueprint: 'data' }] });
    const go = (o: Record<string, unknown>) =>
      scheduleEnvironment(deps, config, { environment: 'alice', clear: false, dryRun: false, ...o }, h.run());
    await expect(go({})).rejects.toMatchObject({ code: 'NothingToSchedule' });
    await expect(go({ ttl: '1h', expires: '2026-12-24T18:00Z' })).rejects.toMatchObject({
      code: 'TtlAndExpires',
    });
    await expect(go({ ttl: 'soon' })).rejects.toThrow(/--ttl soon/);
    await expect(go({ clear: true, ttl: '1h' })).rejects.toMatchObject({ code: 'ClearWithValues' });
    await expect(go({ expires: 'tomorrow' })).rejects.toMatchObject({ code: 'BadExpires' });
    await expect(go({ expires: '2026-11-01T00:00Z' })).rejects.toMatchObject({ code: 'ExpiresInThePast' });
    await expect(go({ offHours: 'Mon-Fri 08:00-19:00' })).rejects.toThrow(/--timezone/);
    await expect(go({ offHours: 'Funday 08:00-19:00', timezone: 'Europe/London' })).rejects.toThrow(
      /--off-hours "Funday/,
    );
    expect(h.cloud.calls).toEqual([]);
  });

  it('Given a protected environment or one in a production account, Then it is refused naming why and nothing is called', async () => {
    const { config, h, deps } = await setup(
      [env('safe', 'dev-a', { protected: true }), env('live', 'prod')],
      { safe: [{ blueprint: 'data' }], live: [{ blueprint: 'data' }] },
    );
    await expect(
      scheduleEnvironment(
        deps,
        config,
        { environment: 'safe', ttl: '24h', clear: false, dryRun: false },
        h.run(),
      ),
    ).rejects.toThrow(/"safe" is protected \(protected: true\): it cannot get a TTL/);
    await expect(
      scheduleEnvironment(
        deps,
        config,
        { environment: 'live', ttl: '24h', clear: false, dryRun: false },
        h.run(),
      ),
    ).rejects.toThrow(/"live" is in account prod, of production kind prod-single-tenant/);
    expect(h.cloud.calls).toEqual([]);
  });

  it('Given a protected environment, Then schedule and extend refuse it before looking up its account (no credentials needed)', async () => {
    const { config, h, deps } = await setup([env('safe', 'dev-a', { protected: true })], {
      safe: [{ blueprint: 'data' }],
    });
    const noAws = {
      ...deps,
      accounts: {
        accountIds: async () => {
          throw new Error('no AWS credentials');
        },
      },
    } as unknown as typeof deps;
    await expect(
      scheduleEnvironment(
        noAws,
        config,
        { environment: 'safe', ttl: '24h', clear: false, dryRun: false },
        h.run(),
      ),
    ).rejects.toThrow(/"safe" is protected/);
    await expect(
      extendEnvironment(
        noAws,
        config,
        { environment: 'safe', by: '24h', force: true, dryRun: false },
        h.run(),
      ),
    ).rejects.toThrow(/"safe" is protected/);
  });

  it('Given a window that does not parse, Then schedule names --off-hours and what is wrong before looking up the account', async () => {
    const { config, h, deps } = await setup([env('alice', 'dev-a')], { alice: [{ blueprint: 'data' }] });
    const noAws = {
      ...deps,
      accounts: {
        accountIds: async () => {
          throw new Error('no AWS credentials');
        },
      },
    } as unknown as typeof deps;
    await expect(
      scheduleEnvironment(
        noAws,
        config,
        {
          environment: 'alice',
          offHours: 'Mon-Fry 08:00-19:00',
          timezone: 'Europe/London',
          clear: false,
          dryRun: false,
        },
        h.run(),
      ),
    ).rejects.toThrow(/--off-hours "Mon-Fry 08:00-19:00": "Fry" is not a day/);
  });
});

describe('extendEnvironment', () => {
  it('Given an owner, Then only a caller of that name extends it (or --force), by the duration from the current expiry', async () => {
    const { config, h, deps } = await setup(
      [env('alice', 'dev-a', { ttl: '48h', owner: 'alice@acme.example.com' })],
      {
        alice: stack3().slice(0, 1),
      },
    );
    await expect(
      extendEnvironment(
        deps,
        config,
        { environment: 'alice', by: '24h', force: false, dryRun: false },
        h.run(),
      ),
    ).rejects.toMatchObject({ code: 'NotOwner' });
    expect(retags(h.cloud.calls)).toEqual([]);
    const forced = await extendEnvironment(
      deps,
      config,
      { environment: 'alice', by: '24h', force: true, dryRun: false },
      h.run(),
    );
    expect(forced.expiresAt).toBe('2026-12-04T10:00:00.000Z');
    expect(h.cloud.get(EU(A), 'alice-data')!.tags['estate:expires-at']).toBe('2026-12-04T10:00:00.000Z');

    const asAlice = {
      ...deps,
      caller: async () => ({ account: A, arn: `arn:aws:sts::${A}:assumed-role/Dev/alice@acme.example.com` }),
    };
    const own = await extendEnvironment(
      asAlice,
      config,
      { environment: 'alice', by: '1h', force: false, dryRun: false },
      h.run(),
    );
    expect(own.expiresAt).toBe('2026-12-04T11:00:00.000Z');
  });

  it('Given no expiry, Then extend says to schedule one', async () => {
    const { config, h, deps } = await setup([env('alice', 'dev-a')], { alice: [{ blueprint: 'data' }] });
    await expect(
      extendEnvironment(
        deps,
        config,
        { environment: 'alice', by: '24h', force: true, dryRun: false },
        h.run(),
      ),
    ).rejects.toMatchObject({
      code: 'NoExpiry',
      suggestions: [expect.stringContaining('env schedule alice --ttl')],
    });
  });

  it('matches a caller to an owner by user name, role session name or e-mail', () => {
    expect(callerNames('arn:aws:sts::1:assumed-role/AWSReservedSSO_Dev_x/alice@acme.example.com')).toEqual([
      'alice@acme.example.com',
      'alice',
    ]);
    expect(isOwner('alice@acme.example.com', 'arn:aws:iam::1:user/alice')).toBe(true);
    expect(isOwner('alice@acme.example.com', 'arn:aws:sts::1:assumed-role/Dev/alice')).toBe(true);
    expect(isOwner('alice@acme.example.com', 'arn:aws:sts::1:assumed-role/Dev/bob')).toBe(false);
    expect(isOwner('alice@acme.example.com', 'arn:aws:sts::1:assumed-role/alice/ci')).toBe(false);
  });
});
