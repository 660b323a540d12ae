/**
 * The teardown and bring-up engine (teardown.ts) and what deploy writes for it (stack records,
 * lifecycle tags), against the in-memory CloudFormation/SSM fakes.
 */
import { describe, expect, it, vi } from 'vitest';
import type { EstateConfig } from '../../../src/config/schema.js';
import { discoverEnvironments } from '../../../src/core/env/discover.js';
import type { StackRecord } from '../../../src/core/env/ports.js';
import { deployEnvironments, destroyEnvironments } from '../../../src/core/env/service.js';
import { bringUp, dependencies, tearDown, templateUrl } from '../../../src/core/env/teardown.js';
import type { FakeStackSpec } from '../../_helpers/fake-env.js';
import { A, CALLER_ARN, env, envConfig, harness } from './harness.js';

const EU = { accountId: A, region: 'eu-west-2' };

/** data ← auth ← api-lambda ← observability, edge in us-east-1 on the API; the shared stack. */
const specs = (): FakeStackSpec[] => [
  { blueprint: 'data', outputs: { TableName: 'alice-items' } },
  { blueprint: 'auth', dependsOn: ['data'], outputs: { UserPoolId: 'eu-west-2_pool' } },
  {
    blueprint: 'api-lambda',
    dependsOn: ['data', 'auth'],
    role: 'stateless',
    outputs: { ApiUrl: 'https://api.alice.example' },
    resources: {
      Fn: { Type: 'AWS::Lambda::Function' },
      Uploads: { Type: 'AWS::S3::Bucket' },
    },
  },
  { blueprint: 'observability', dependsOn: ['api-lambda'], role: 'stateless' },
  { blueprint: 'edge', region: 'us-east-1', dependsOn: ['api-lambda'], role: 'stateless' },
  { blueprint: 'ai-logging', name: 'estate-bedrock-logging', shared: true },
];

async function deployed(extra: Record<string, unknown> = {}, stackSpecs = specs()) {
  const config = envConfig([
    env('alice', 'dev-a', { blueprints: ['data', 'auth', 'api-lambda', 'observability', 'edge'], ...extra }),
  ]);
  const h = harness(config, { alice: stackSpecs });
  const deps = { ...h.deps, records: h.cloud, stackOps: h.cloud };
  const result = await deployEnvironments(
    deps,
    config,
    { environments: ['alice'], approve: 'never', yes: false, configDir: '/tmp' },
    h.run(),
  );
  expect(result.ok).toBe(true);
  h.cloud.calls.length = 0;
  const find = async () => {
    const d = await discoverEnvironments(deps, config, {}, h.run());
    return d.environments.find((e) => e.environment === 'alice')!;
  };
  return { config, h, deps, find };
}

const deletes = (calls: readonly string[]) =>
  calls.filter((c) => c.startsWith('deleteStack ')).map((c) => c.split('/').at(-1));
const names = (config: EstateConfig) => config.environments.map((e) => e.name);

describe('deploy writes what down and up need', () => {
  it('Given an environment deployed, Then each non-shared stack has a record in the environment’s region with its template object, role, dependencies and the execution role', async () => {
    const { h } = await deployed();
    const records = await h.cloud.stackRecords(EU, 'alice');
    expect(records.map((r) => r.name).sort()).toEqual([
      'alice-api-lambda',
      'alice-auth',
      'alice-data',
      'alice-edge',
      'alice-observability',
    ]);
    const api = records.find((r) => r.name === 'alice-api-lambda')!;
    expect(api).toMatchObject<Partial<StackRecord>>({
      version: 1,
      environment: 'alice',
      blueprint: 'api-lambda',
      region: 'eu-west-2',
      role: 'stateless',
      dependsOn: ['alice-data', 'alice-auth'],
      roleArn: `arn:aws:iam::${A}:role/cdk-hnb659fds-cfn-exec-role-${A}-eu-west-2`,
      capabilities: ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM', 'CAPABILITY_AUTO_EXPAND'],
      deployedAt: '2026-12-01T10:00:00.000Z',
    });
    expect(api.template.bucket).toBe(`cdk-hnb659fds-assets-${A}-eu-west-2`);
    expect(h.cloud.templateObjects.has(`${api.template.bucket}/${api.template.key}`)).toBe(true);
    expect(api.tags).toMatchObject({ 'estate:env': 'alice', 'estate:blueprint': 'api-lambda' });
    expect(api.tags).not.toHaveProperty('estate:deployed-by');
    const edge = records.find((r) => r.name === 'alice-edge')!;
    expect(edge.region).toBe('us-east-1');
    expect(edge.template.bucket).toBe(`cdk-hnb659fds-assets-${A}-us-east-1`);
    expect(await h.cloud.stackRecords({ accountId: A, region: 'us-east-1' }, 'alice')).toEqual([]);
  });

  it('Given live schedule, executor and expiry tags set by env schedule and no ttl in estate.yaml, When deployed again, Then they are kept and nothing is redeployed', async () => {
    const { config, h, deps } = await deployed();
    for (const s of h.cloud.stacksIn(EU).filter((x) => x.name.startsWith('alice-')))
      Object.assign(s.tags, {
        'estate:expires-at': '2026-12-05T00:00:00.000Z',
        'estate:schedule': 'Mon-Fri 08:00-19:00 Europe/London',
        'estate:executor': 'ci',
      });
    for (const s of h.cloud
      .stacksIn({ accountId: A, region: 'us-east-1' })
      .filter((x) => x.name === 'alice-edge'))
      Object.assign(s.tags, {
        'estate:expires-at': '2026-12-05T00:00:00.000Z',
        'estate:schedule': 'Mon-Fri 08:00-19:00 Europe/London',
        'estate:executor': 'ci',
      });
    h.toolkit.calls.length = 0;
    const again = await deployEnvironments(
      deps,
      config,
      { environments: names(config), approve: 'never', yes: false, configDir: '/tmp' },
      h.run(),
    );
    expect(again.environments[0]!.status).toBe('unchanged');
    expect(h.toolkit.calls.filter((c) => c.startsWith('deploy'))).toEqual([]);
    // A stack that lacks them gets them on its next deploy.
    delete h.cloud.get(EU, 'alice-data')!.tags['estate:schedule'];
    await deployEnvironments(
      deps,
      config,
      { environments: ['alice'], approve: 'never', yes: false, configDir: '/tmp' },
      h.run(),
    );
    expect(h.cloud.get(EU, 'alice-data')!.tags).toMatchObject({
      'estate:schedule': 'Mon-Fri 08:00-19:00 Europe/London',
      'estate:expires-at': '2026-12-05T00:00:00.000Z',
      'estate:executor': 'ci',
    });
    expect(h.cloud.get(EU, 'estate-bedrock-logging')!.tags).not.toHaveProperty('estate:schedule');
  });

  it('Given a schedule, an executor and an absolute expiry in estate.yaml, When deployed, Then every non-shared stack carries them; estate.yaml’s schedule replaces a live one', async () => {
    const { config, h, deps } = await deployed({
      expires: '2026-12-24T18:00+01:00',
      schedule: { hours: 'mon-fri 08:00-19:00', timezone: 'Europe/London' },
      executor: 'aws',
    });
    for (const s of [
      h.cloud.get(EU, 'alice-api-lambda')!,
      h.cloud.get({ accountId: A, region: 'us-east-1' }, 'alice-edge')!,
    ])
      expect(s.tags).toMatchObject({
        'estate:expires-at': '2026-12-24T17:00:00.000Z',
        'estate:schedule': 'Mon-Fri 08:00-19:00 Europe/London',
        'estate:executor': 'aws',
      });
    expect(h.cloud.get(EU, 'estate-bedrock-logging')!.tags).not.toHaveProperty('estate:executor');
    h.cloud.get(EU, 'alice-data')!.tags['estate:schedule'] = 'Daily 00:00-24:00 UTC';
    await deployEnvironments(
      deps,
      config,
      { environments: ['alice'], approve: 'never', yes: false, configDir: '/tmp' },
      h.run(),
    );
    expect(h.cloud.get(EU, 'alice-data')!.tags['estate:schedule']).toBe('Mon-Fri 08:00-19:00 Europe/London');
  });

  it('Given an environment destroyed with env destroy, Then its records go too, so env up cannot bring it back', async () => {
    const { config, h, deps } = await deployed();
    const r = await destroyEnvironments(
      deps,
      config,
      { environments: ['alice'], dryRun: false, forceProtected: false, yes: true, configDir: '/tmp' },
      h.run(),
    );
    expect(r.ok).toBe(true);
    expect(await h.cloud.stackRecords(EU, 'alice')).toEqual([]);
  });

  it('Given a ttl, When deployed, Then every non-shared stack gets the same expiry, deploy time + ttl', async () => {
    const { h } = await deployed({ ttl: '48h' });
    expect(h.cloud.get(EU, 'alice-api-lambda')!.tags['estate:expires-at']).toBe('2026-12-03T10:00:00.000Z');
    expect(h.cloud.get({ accountId: A, region: 'us-east-1' }, 'alice-edge')!.tags['estate:expires-at']).toBe(
      '2026-12-03T10:00:00.000Z',
    );
    expect(h.cloud.get(EU, 'estate-bedrock-logging')!.tags).not.toHaveProperty('estate:expires-at');
  });
});

describe('tearDown', () => {
  it('Given a deployed environment, When taken down (stateless), Then the stateless stacks go in reverse dependency order, level by level, with the execution role, and data and auth stay', async () => {
    const { config, h, deps, find } = await deployed();
    const result = await tearDown(deps, config, await find(), { scope: 'stateless', dryRun: false }, h.run());
    expect(result.status).toBe('done');
    const order = deletes(h.cloud.calls);
    expect(order.slice(0, 2).sort()).toEqual(['alice-edge', 'alice-observability']);
    expect(order[2]).toBe('alice-api-lambda');
    expect(order).toHaveLength(3);
    expect(h.cloud.deleteRequests.find((d) => d.name === 'alice-api-lambda')!.roleArn).toBe(
      `arn:aws:iam::${A}:role/cdk-hnb659fds-cfn-exec-role-${A}-eu-west-2`,
    );
    const by = Object.fromEntries(result.stacks.map((s) => [s.stack, s]));
    expect(by['alice-data']).toMatchObject({ status: 'kept', role: 'stateful' });
    expect(by['alice-auth']).toMatchObject({ status: 'kept', role: 'stateful' });
    expect(by['estate-bedrock-logging']).toBeUndefined();
    expect(h.cloud.get(EU, 'estate-bedrock-logging')).toBeDefined();
    expect(h.cloud.get(EU, 'alice-data')).toBeDefined();
    expect(h.cloud.get(EU, 'alice-api-lambda')).toBeUndefined();
    // The records stay: up needs them.
    expect(await h.cloud.stackRecords(EU, 'alice')).toHaveLength(5);
  });

  it('Given a dev environment whose stateless stack has a full bucket, When taken down, Then the bucket is emptied first and the stack goes', async () => {
    const { config, h, deps, find } = await deployed();
    h.cloud.buckets.set('alice-api-lambda-uploads', 12);
    const result = await tearDown(deps, config, await find(), { scope: 'stateless', dryRun: false }, h.run());
    expect(result.emptiedBuckets).toEqual([
      { bucket: 'alice-api-lambda-uploads', stack: 'alice-api-lambda', objects: 12 },
    ]);
    expect(result.status).toBe('done');
  });

  it('Given a dry run, Then it says what would be deleted and deletes nothing', async () => {
    const { config, h, deps, find } = await deployed();
    const result = await tearDown(deps, config, await find(), { scope: 'stateless', dryRun: true }, h.run());
    expect(result.status).toBe('dry-run');
    expect(
      result.stacks
        .filter((s) => s.status === 'would-delete')
        .map((s) => s.stack)
        .sort(),
    ).toEqual(['alice-api-lambda', 'alice-edge', 'alice-observability']);
    expect(deletes(h.cloud.calls)).toEqual([]);
  });

  it('Given scope all, When expired, Then every stack but the shared one goes, data last, and the records are deleted', async () => {
    const { config, h, deps, find } = await deployed();
    const result = await tearDown(deps, config, await find(), { scope: 'all', dryRun: false }, h.run());
    expect(result.status).toBe('done');
    const order = deletes(h.cloud.calls);
    expect(order.at(-1)).toBe('alice-data');
    expect(order.at(-2)).toBe('alice-auth');
    expect(order).not.toContain('estate-bedrock-logging');
    expect(result.recordsDeleted).toBe(true);
    expect(await h.cloud.stackRecords(EU, 'alice')).toEqual([]);
    expect(h.cloud.get(EU, 'estate-bedrock-logging')).toBeDefined();
  });

  it('Given a delete that fails, Then it is reported with its blocking resource, what it depends on stays, the records stay; a second run reports it blocked without retrying', async () => {
    const { config, h, deps, find } = await deployed();
    h.cloud.deleteFailures.set('alice-api-lambda', {
      logicalId: 'Fn',
      resourceType: 'AWS::Lambda::Function',
      reason: 'Lambda@Edge replicas still exist',
    });
    const first = await tearDown(deps, config, await find(), { scope: 'all', dryRun: false }, h.run());
    expect(first.status).toBe('partial');
    const by = Object.fromEntries(first.stacks.map((s) => [s.stack, s]));
    expect(by['alice-api-lambda']).toMatchObject({
      status: 'failed',
      failure: { logicalId: 'Fn', reason: 'Lambda@Edge replicas still exist' },
    });
    expect(by['alice-auth']!.status).toBe('skipped');
    expect(by['alice-auth']!.reason).toContain('alice-api-lambda');
    expect(by['alice-data']!.status).toBe('skipped');
    expect(by['alice-observability']!.status).toBe('deleted');
    expect(first.recordsDeleted).toBe(false);
    expect(h.io.messages.some((m) => m.code === 'ESTATE_E0520' && m.message.includes('Lambda@Edge'))).toBe(
      true,
    );

    h.cloud.calls.length = 0;
    const second = await tearDown(deps, config, await find(), { scope: 'all', dryRun: false }, h.run());
    expect(second.stacks.find((s) => s.stack === 'alice-api-lambda')).toMatchObject({
      status: 'blocked',
      failure: { logicalId: 'Fn' },
    });
    expect(deletes(h.cloud.calls)).toEqual([]);
    expect(second.status).toBe('failed');

    h.cloud.deleteFailures.clear();
    const retried = await tearDown(
      deps,
      config,
      await find(),
      { scope: 'all', dryRun: false, retryBlocked: true },
      h.run(),
    );
    expect(retried.status).toBe('done');
  });

  it('Given a protected environment (config, or prod-profile tags on an orphan), Then it is refused and nothing is deleted', async () => {
    const { config, h, deps, find } = await deployed({ protected: true });
    const result = await tearDown(deps, config, await find(), { scope: 'stateless', dryRun: false }, h.run());
    expect(result).toMatchObject({ status: 'refused' });
    expect(result.reason).toContain('protected: true');

    const orphanConfig = envConfig([]);
    const orphan = {
      environment: 'pr-9',
      account: { name: 'dev-a', id: A },
      stacks: [
        {
          at: EU,
          s: {
            ...(await h.cloud.describeStack(EU, 'alice-data'))!,
            name: 'pr-9-data',
            tags: { 'estate:env': 'pr-9', 'estate:profile': 'prod' },
          },
        },
      ],
    };
    const refused = await tearDown(deps, orphanConfig, orphan, { scope: 'all', dryRun: false }, h.run());
    expect(refused.status).toBe('refused');
    expect(refused.reason).toContain('estate:profile=prod');
    expect(deletes(h.cloud.calls)).toEqual([]);
  });

  it('Given records that cannot be read, When taken down, Then it warns and goes by the stacks’ blueprints: stateless before stateful, data kept', async () => {
    const { config, h, deps, find } = await deployed();
    const denied = {
      ...deps,
      records: {
        stackRecords: async () => {
          throw new Error('AccessDeniedException: not authorized to perform ssm:GetParametersByPath');
        },
        putStackRecord: async () => {},
        deleteEnvironmentRecords: async () => {},
        value: async () => undefined,
        putValue: async () => {},
      },
    };
    const result = await tearDown(
      denied,
      config,
      await find(),
      { scope: 'stateless', dryRun: false },
      h.run(),
    );
    expect(result.status).toBe('done');
    expect(deletes(h.cloud.calls)).toContain('alice-api-lambda');
    expect(h.cloud.get(EU, 'alice-data')).toBeDefined();
    expect(
      h.io.messages.some((m) => m.level === 'warn' && m.message.includes('ssm:GetParametersByPath')),
    ).toBe(true);
  });

  it('Given the run aborted, Then nothing more starts and the stacks are reported interrupted', async () => {
    const { config, h, deps, find } = await deployed();
    const controller = new AbortController();
    controller.abort();
    const result = await tearDown(
      deps,
      config,
      await find(),
      { scope: 'stateless', dryRun: false },
      h.run({ signal: controller.signal }),
    );
    expect(result.status).toBe('interrupted');
    expect(deletes(h.cloud.calls)).toEqual([]);
  });

  it('Given a stateful stack that depends on a stateless one, When taken down, Then the stateless one stays for it and the rest goes', async () => {
    const { config, h, deps, find } = await deployed(
      { blueprints: ['data', 'api-lambda', 'auth', 'observability'] },
      [
        { blueprint: 'data' },
        { blueprint: 'api-lambda', dependsOn: ['data'], role: 'stateless' },
        { blueprint: 'auth', dependsOn: ['api-lambda'] },
        { blueprint: 'observability', dependsOn: ['api-lambda'], role: 'stateless' },
      ],
    );
    const result = await tearDown(deps, config, await find(), { scope: 'stateless', dryRun: false }, h.run());
    expect(result.status).toBe('done');
    expect(result.stacks.find((s) => s.stack === 'alice-api-lambda')).toMatchObject({
      status: 'kept',
      reason: 'alice-auth, which is kept, depends on it',
    });
    expect(deletes(h.cloud.calls)).toEqual(['alice-observability']);
  });

  it('fails when a stack has termination protection: it is reported with the fix, and what it depends on stays', async () => {
    const { config, h, deps, find } = await deployed();
    h.cloud.get(EU, 'alice-observability')!.terminationProtection = true;
    const result = await tearDown(deps, config, await find(), { scope: 'all', dryRun: false }, h.run());
    expect(result.status).toBe('partial');
    const by = Object.fromEntries(result.stacks.map((s) => [s.stack, s]));
    expect(by['alice-observability']).toMatchObject({ status: 'failed' });
    expect(by['alice-observability']!.reason).toContain('termination protection is on');
    expect(by['alice-api-lambda']).toMatchObject({ status: 'skipped' });
    expect(by['alice-edge']!.status).toBe('deleted');
    expect(deletes(h.cloud.calls)).not.toContain('alice-observability');
    expect(result.recordsDeleted).toBe(false);
  });

  it('Given the run interrupted while stacks are deleting, Then those are reported still deleting, nothing more starts and the records stay', async () => {
    const { config, h, deps, find } = await deployed();
    const controller = new AbortController();
    let release = () => {};
    h.cloud.deleteGate = new Promise<void>((resolve) => (release = resolve));
    const running = tearDown(
      deps,
      config,
      await find(),
      { scope: 'all', dryRun: false },
      h.run({ signal: controller.signal }),
    );
    await vi.waitFor(() => expect(deletes(h.cloud.calls)).toHaveLength(2));
    controller.abort();
    release();
    const result = await running;
    expect(result.status).toBe('interrupted');
    const reasons = Object.fromEntries(result.stacks.map((s) => [s.stack, s.reason]));
    expect(reasons['alice-edge']).toBe('still deleting in CloudFormation when interrupted');
    expect(reasons['alice-data']).toBe('interrupted: not started');
    expect(deletes(h.cloud.calls).sort()).toEqual(['alice-edge', 'alice-observability']);
    expect(result.recordsDeleted).toBe(false);
    expect(await h.cloud.stackRecords(EU, 'alice')).toHaveLength(5);
  });

  it('Given stacks without records (an orphan), Then stateless go before stateful, newest first', () => {
    const stack = (name: string, blueprint: string, created: string) => ({
      at: EU,
      s: {
        name,
        id: name,
        status: 'CREATE_COMPLETE',
        createdAt: new Date(created),
        tags: { 'estate:blueprint': blueprint },
        outputs: {},
        parameters: {},
        terminationProtection: false,
      },
    });
    const deps = dependencies(
      [
        stack('pr-1-data', 'data', '2026-11-01T00:00:00Z'),
        stack('pr-1-auth', 'auth', '2026-11-01T00:01:00Z'),
        stack('pr-1-api-lambda', 'api-lambda', '2026-11-01T00:02:00Z'),
      ],
      new Map(),
    );
    expect(deps.get('pr-1-api-lambda')).toEqual(['pr-1-data', 'pr-1-auth']);
    expect(deps.get('pr-1-auth')).toEqual(['pr-1-data']);
    expect(deps.get('pr-1-data')).toEqual([]);
  });
});

describe('bringUp', () => {
  it('Given the environment down, When brought up, Then the absent stacks are created in dependency order from their records with the live deploy-time tags, and the outputs are back', async () => {
    const { config, h, deps, find } = await deployed({ ttl: '48h' });
    const before = await find();
    const apiBefore = before.stacks.find((x) => x.s.name === 'alice-api-lambda')!.s;
    await tearDown(deps, config, before, { scope: 'stateless', dryRun: false }, h.run());
    const dry = await bringUp(deps, config, await find(), h.run(), { dryRun: true });
    expect(dry.status).toBe('dry-run');
    expect(h.cloud.createRequests).toEqual([]);

    const up = await bringUp(deps, config, await find(), h.run());
    expect(up.status).toBe('done');
    const created = h.cloud.createRequests.map((c) => c.request.name);
    expect(created[0]).toBe('alice-api-lambda');
    expect(created.slice(1).sort()).toEqual(['alice-edge', 'alice-observability']);
    const api = h.cloud.createRequests[0]!;
    expect(api.request.templateUrl).toMatch(
      new RegExp(
        `^https://cdk-hnb659fds-assets-${A}-eu-west-2\\.s3\\.eu-west-2\\.amazonaws\\.com/[0-9a-f]{64}\\.json$`,
      ),
    );
    expect(api.request.roleArn).toContain('cfn-exec-role');
    expect(api.request.tags).toMatchObject({
      'estate:env': 'alice',
      'estate:deployed-by': CALLER_ARN,
      'estate:expires-at': '2026-12-03T10:00:00.000Z',
    });
    expect(h.cloud.createRequests.find((c) => c.request.name === 'alice-edge')!.at.region).toBe('us-east-1');
    const apiAfter = h.cloud.get(EU, 'alice-api-lambda')!;
    expect(apiAfter.outputs).toEqual(apiBefore.outputs);
    expect(up.endpoints.apiUrl).toBe('https://api.alice.example');
    expect(up.stacks.find((s) => s.stack === 'alice-data')!.status).toBe('present');

    const again = await bringUp(deps, config, await find(), h.run());
    expect(again.status).toBe('nothing');
  });

  it('Given a create that fails, Then it is reported with its resource and what depends on it is skipped', async () => {
    const { config, h, deps, find } = await deployed();
    await tearDown(deps, config, await find(), { scope: 'stateless', dryRun: false }, h.run());
    h.cloud.createFailures.set('alice-api-lambda', { logicalId: 'Fn', reason: 'Rate exceeded' });
    const up = await bringUp(deps, config, await find(), h.run());
    expect(up.status).toBe('failed');
    const by = Object.fromEntries(up.stacks.map((s) => [s.stack, s]));
    expect(by['alice-api-lambda']).toMatchObject({
      status: 'failed',
      failure: { logicalId: 'Fn', reason: 'Rate exceeded' },
    });
    expect(by['alice-edge']!.status).toBe('skipped');
  });

  it('rejects creating over a stack left in ROLLBACK_COMPLETE: it says to delete it first, and what depends on it is skipped', async () => {
    const { config, h, deps, find } = await deployed();
    await tearDown(deps, config, await find(), { scope: 'stateless', dryRun: false }, h.run());
    h.cloud.createFailures.set('alice-api-lambda', { logicalId: 'Fn', reason: 'Rate exceeded' });
    await bringUp(deps, config, await find(), h.run());
    h.cloud.createRequests.length = 0;
    const up = await bringUp(deps, config, await find(), h.run());
    expect(up.status).toBe('failed');
    const by = Object.fromEntries(up.stacks.map((s) => [s.stack, s]));
    expect(by['alice-api-lambda']!.reason).toContain(
      'is ROLLBACK_COMPLETE; delete it (`estate env down alice`',
    );
    expect(by['alice-edge']!.status).toBe('skipped');
    expect(h.cloud.createRequests).toEqual([]);
  });

  it('Given no records, Then it says to deploy first', async () => {
    const { config, h, deps, find } = await deployed();
    await h.cloud.deleteEnvironmentRecords(EU, 'alice');
    const up = await bringUp(deps, config, await find(), h.run());
    expect(up.status).toBe('nothing');
    expect(up.reason).toContain('estate env deploy alice');
  });

  it('builds template URLs for AWS and for an emulator endpoint', () => {
    const t = { bucket: 'cdk-q-assets-1-eu-west-2', key: 'a b.json' };
    expect(templateUrl(t, 'eu-west-2', undefined)).toBe(
      'https://cdk-q-assets-1-eu-west-2.s3.eu-west-2.amazonaws.com/a%20b.json',
    );
    expect(templateUrl(t, 'eu-west-2', 'http://127.0.0.1:4566/')).toBe(
      'http://127.0.0.1:4566/cdk-q-assets-1-eu-west-2/a%20b.json',
    );
  });
});
