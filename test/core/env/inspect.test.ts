import { describe, expect, it } from 'vitest';
import { ENV_IO } from '../../../src/core/env/io.js';
import { diffEnvironment, environmentStatus, listEnvironments } from '../../../src/core/env/service.js';
import { A, B, C, CALLER_ARN, PROD, chain, env, envConfig, deployedHarness, harness } from './harness.js';

describe('diffEnvironment', () => {
  it('says new for stacks not deployed and changes true, without the toolkit', async () => {
    const config = envConfig([env('dev', 'dev-a')]);
    const h = harness(config, { dev: chain() });
    const result = await diffEnvironment(h.deps, config, { environment: 'dev', configDir: '/tmp' }, h.run());
    expect(result.stacks.map((s) => [s.stack, s.status])).toEqual([
      ['dev-data', 'new'],
      ['dev-api-lambda', 'new'],
    ]);
    expect(result.changes).toBe(true);
    expect(h.loads()).toBe(0);
  });

  it('says unchanged without the toolkit, and asks the toolkit only for a changed stack', async () => {
    const { config, h } = await deployedHarness([env('dev', 'dev-a')], { dev: chain() });
    const loads = h.loads();
    const same = await diffEnvironment(h.deps, config, { environment: 'dev', configDir: '/tmp' }, h.run());
    expect(same.changes).toBe(false);
    expect(h.loads()).toBe(loads);

    h.synth.specs.set('dev', [{ blueprint: 'data', revision: 9 }, chain()[1]!]);
    h.toolkit.permissionChanges.set('dev-data', 'broadening');
    const changed = await diffEnvironment(h.deps, config, { environment: 'dev', configDir: '/tmp' }, h.run());
    expect(changed.changes).toBe(true);
    expect(changed.stacks.map((s) => [s.stack, s.status])).toEqual([
      ['dev-data', 'changed'],
      ['dev-api-lambda', 'unchanged'],
    ]);
    expect(changed.stacks[0]!.diff).toMatchObject({
      permissionChange: 'broadening',
      resources: [{ logicalId: 'Topic', change: 'update' }],
    });
    expect(h.toolkit.calls.filter((c) => c.startsWith('diff'))).toEqual([`diff dev-data ${A}/eu-west-2`]);
  });

  it('fails when the credentials resolve to another account', async () => {
    const config = envConfig([env('dev', 'dev-a')]);
    const h = harness(config, { dev: chain() });
    h.cloud.identities.set(A, B);
    await expect(
      diffEnvironment(h.deps, config, { environment: 'dev', configDir: '/tmp' }, h.run()),
    ).rejects.toMatchObject({ code: 'IdentityMismatch' });
  });
});

describe('listEnvironments', () => {
  it('discovers environments from stack tags in every configured account and region, orphans included, without the toolkit', async () => {
    const { config, h } = await deployedHarness(
      [
        env('one', 'dev-a', { owner: 'alice@acme.example.com', ttl: '72h', blueprints: ['data', 'edge'] }),
        env('two', 'dev-b', { protected: true }),
      ],
      {
        one: [{ blueprint: 'data' }, { blueprint: 'edge', region: 'us-east-1' }],
        two: [{ blueprint: 'data' }],
      },
    );
    const loads = h.loads();
    h.cloud.touched.clear();
    // A PR preview nobody declared, with a failed stack; and the shared stack (no estate:env).
    h.cloud.put(
      { accountId: C, region: 'eu-west-2' },
      {
        name: 'pr-9-data',
        status: 'UPDATE_ROLLBACK_FAILED',
        createdAt: new Date('2026-11-20T00:00:00Z'),
        tags: { 'estate:env': 'pr-9', 'estate:blueprint': 'data', 'estate:protected': 'false' },
      },
    );
    h.cloud.put(
      { accountId: C, region: 'eu-west-2' },
      {
        name: 'pr-9-api-lambda',
        status: 'CREATE_COMPLETE',
        createdAt: new Date('2026-11-21T00:00:00Z'),
        tags: { 'estate:env': 'pr-9', 'estate:blueprint': 'api-lambda' },
      },
    );
    h.cloud.put({ accountId: A, region: 'eu-west-2' }, { name: 'estate-bedrock-logging', tags: {} });

    const result = await listEnvironments(h.deps, config, {}, h.run());
    expect(h.loads()).toBe(loads);
    expect(result.environments.map((e) => [e.environment, e.account, e.accountId, e.orphan])).toEqual([
      ['one', 'dev-a', A, false],
      ['pr-9', 'dev-c', C, true],
      ['two', 'dev-b', B, false],
    ]);
    const [one, pr9, two] = result.environments;
    expect(one).toMatchObject({
      regions: ['eu-west-2', 'us-east-1'],
      blueprints: ['data', 'edge'],
      status: 'CREATE_COMPLETE',
      owner: 'alice@acme.example.com',
      expiresAt: '2026-12-04T10:00:00.000Z',
      expired: false,
      protected: false,
      deployedBy: CALLER_ARN,
      deployedAt: '2026-12-01T10:00:00.000Z',
    });
    expect(pr9).toMatchObject({
      status: 'UPDATE_ROLLBACK_FAILED',
      createdAt: '2026-11-20T00:00:00.000Z',
      ageMs: Date.parse('2026-12-01T10:00:00Z') - Date.parse('2026-11-20T00:00:00Z'),
      blueprints: ['api-lambda', 'data'],
    });
    expect(two!.protected).toBe(true);
    expect(h.io.messages.filter((m) => m.code === ENV_IO.ORPHAN_ENVIRONMENT).map((m) => m.message)).toEqual([
      `pr-9 in dev-c (${C}) is not in estate.yaml`,
    ]);
    // Every configured account that exists, in the home, environment and edge regions; nothing else.
    expect([...h.cloud.touched].sort()).toEqual([A, B, C, PROD].sort());
    const listed = h.cloud.calls.filter((c) => c.startsWith('listStacks')).sort();
    expect(listed).toEqual(
      [A, B, C, PROD].flatMap((id) => [`listStacks ${id}/eu-west-2`, `listStacks ${id}/us-east-1`]).sort(),
    );
  });

  it('lists only the named accounts, and reports a region it cannot read while listing the rest', async () => {
    const { config, h } = await deployedHarness([env('one', 'dev-a'), env('two', 'dev-b')], {
      one: [{ blueprint: 'data' }],
      two: [{ blueprint: 'data' }],
    });
    h.cloud.unreadable.add(`${A}/us-east-1`);
    h.cloud.touched.clear();
    const result = await listEnvironments(h.deps, config, { accounts: ['dev-a'] }, h.run());
    expect(result.environments.map((e) => e.environment)).toEqual(['one']);
    expect(result.unreadable).toEqual([
      { accountId: A, region: 'us-east-1', reason: expect.stringContaining('AccessDenied') },
    ]);
    expect([...h.cloud.touched]).toEqual([A]);
    await expect(listEnvironments(h.deps, config, { accounts: ['nope'] }, h.run())).rejects.toMatchObject({
      code: 'UnknownAccount',
    });
  });
});

describe('environmentStatus', () => {
  it('shows stacks, statuses, outputs and the last deployer; drift only when asked', async () => {
    const { config, h } = await deployedHarness([env('dev', 'dev-a')], { dev: chain() });
    const plain = await environmentStatus(h.deps, config, { environment: 'dev', drift: false }, h.run());
    expect(plain).toMatchObject({
      environment: 'dev',
      accountId: A,
      deployed: true,
      deployedBy: CALLER_ARN,
      endpoints: { apiUrl: 'https://api.example' },
    });
    expect(plain.stacks.map((s) => [s.name, s.status, s.drift])).toEqual([
      ['dev-api-lambda', 'CREATE_COMPLETE', undefined],
      ['dev-data', 'CREATE_COMPLETE', undefined],
    ]);
    expect(h.cloud.calls.some((c) => c.startsWith('detectDrift'))).toBe(false);

    h.cloud.drift.set(`${A}/eu-west-2/dev-data`, {
      status: 'DRIFTED',
      drifted: [{ logicalId: 'Topic', resourceType: 'AWS::SNS::Topic', status: 'MODIFIED' }],
    });
    const drift = await environmentStatus(h.deps, config, { environment: 'dev', drift: true }, h.run());
    expect(drift.stacks.map((s) => [s.name, s.drift?.status])).toEqual([
      ['dev-api-lambda', 'IN_SYNC'],
      ['dev-data', 'DRIFTED'],
    ]);
  });

  it('says not deployed for an environment without stacks', async () => {
    const config = envConfig([env('dev', 'dev-a')]);
    const h = harness(config, { dev: chain() });
    const result = await environmentStatus(h.deps, config, { environment: 'dev', drift: false }, h.run());
    expect(result).toMatchObject({ deployed: false, stacks: [] });
    expect(h.loads()).toBe(0);
  });
});
