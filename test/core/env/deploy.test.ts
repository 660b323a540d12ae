import { describe, expect, it } from 'vitest';
import { ENV_IO } from '../../../src/core/env/io.js';
import { deployEnvironments, type DeployOptions } from '../../../src/core/env/service.js';
import { recordingIoHost } from '../../_helpers/recording-io.js';
import { A, B, C, CALLER_ARN, MGMT, chain, env, envConfig, harness } from './harness.js';

const setup = harness;
const opts = (environments: string[], extra: Partial<DeployOptions> = {}): DeployOptions => ({
  environments,
  approve: 'broadening',
  yes: false,
  configDir: '/tmp',
  ...extra,
});

describe('deployEnvironments', () => {
  it('Given a chain of stacks, When deployed, Then each starts after what it depends on, with tasks titled stack, account, region', async () => {
    const config = envConfig([
      env('dev', 'dev-a', { blueprints: ['data', 'auth', 'api-lambda', 'observability'] }),
    ]);
    const h = setup(config, {
      dev: [
        { blueprint: 'observability', dependsOn: ['api-lambda'] },
        { blueprint: 'api-lambda', dependsOn: ['data'] },
        { blueprint: 'data' },
      ],
    });
    const result = await deployEnvironments(h.deps, config, opts(['dev']), h.run());
    expect(h.toolkit.calls).toEqual([
      `deploy dev-data ${A}/eu-west-2`,
      `deploy dev-api-lambda ${A}/eu-west-2`,
      `deploy dev-observability ${A}/eu-west-2`,
    ]);
    expect(result.ok).toBe(true);
    expect(result.environments[0]!.status).toBe('deployed');
    expect(h.io.tasks()).toContain(`start ${A}/eu-west-2/dev-data: dev-data (${A}, eu-west-2)`);
    expect(h.synth.calls).toEqual([{ environment: 'dev', accountIds: { 'dev-a': A } }]);
  });

  it('Given six independent stacks and concurrency 2, Then never more than two deploy at once', async () => {
    const config = envConfig([env('dev', 'dev-a')]);
    const h = setup(config, {
      dev: Array.from({ length: 6 }, (_, i) => ({ blueprint: `b${i}` })),
    });
    const result = await deployEnvironments(h.deps, config, opts(['dev'], { concurrency: 2 }), h.run());
    expect(result.environments[0]!.stacks.map((s) => s.status)).toEqual(Array(6).fill('deployed'));
    expect(h.toolkit.peak).toBe(2);
  });

  it('Given three accounts of six stacks each and concurrency 2, Then each account deploys two at once and the accounts side by side', async () => {
    const config = envConfig([env('one', 'dev-a'), env('two', 'dev-b'), env('three', 'dev-c')]);
    const six = Array.from({ length: 6 }, (_, i) => ({ blueprint: `b${i}` }));
    const h = setup(config, { one: six, two: six, three: six });
    const result = await deployEnvironments(
      h.deps,
      config,
      opts(['one', 'two', 'three'], { concurrency: 2 }),
      h.run(),
    );
    expect(result.ok).toBe(true);
    expect(h.toolkit.peak).toBe(6);
  });

  it('Given three environments in three accounts and one failing, Then the other two complete, all three are reported, and ok is false', async () => {
    const config = envConfig([env('one', 'dev-a'), env('two', 'dev-b'), env('three', 'dev-c')]);
    const h = setup(config, { one: chain(), two: chain(), three: chain() });
    h.toolkit.deployFailures.set('two-data', {
      logicalId: 'Table',
      resourceType: 'AWS::DynamoDB::Table',
      reason: 'Resource handler returned message: "Limit exceeded"',
    });
    const result = await deployEnvironments(h.deps, config, opts(['one', 'two', 'three']), h.run());
    expect(result.ok).toBe(false);
    expect(result.environments.map((e) => [e.environment, e.accountId, e.status])).toEqual([
      ['one', A, 'deployed'],
      ['two', B, 'failed'],
      ['three', C, 'deployed'],
    ]);
    const two = result.environments[1]!;
    expect(two.stacks.map((s) => [s.stack, s.status])).toEqual([
      ['two-data', 'failed'],
      ['two-api-lambda', 'skipped'],
    ]);
    expect(two.stacks[0]!.failure).toMatchObject({
      logicalId: 'Table',
      reason: 'Resource handler returned message: "Limit exceeded"',
    });
    expect(two.stacks[1]!.reason).toContain('two-data');
    expect(h.io.messages.find((m) => m.code === ENV_IO.STACK_FAILED)?.message).toContain('Table');
    expect(h.cloud.get({ accountId: C, region: 'eu-west-2' }, 'three-api-lambda')?.status).toBe(
      'CREATE_COMPLETE',
    );
  });

  it('Given an environment deployed and nothing changed, When deployed again, Then every stack is unchanged and the toolkit is never loaded', async () => {
    const config = envConfig([env('dev', 'dev-a')]);
    const h = setup(config, { dev: chain() });
    await deployEnvironments(h.deps, config, opts(['dev']), h.run());
    expect(h.loads()).toBe(1);
    const again = await deployEnvironments(h.deps, config, opts(['dev']), h.run());
    expect(h.loads()).toBe(1);
    expect(again.environments[0]!.status).toBe('unchanged');
    expect(again.environments[0]!.endpoints.apiUrl).toBe('https://api.example');
    expect(again.ok).toBe(true);

    // A changed template deploys only that stack.
    h.synth.specs.set('dev', [{ blueprint: 'data', revision: 2 }, chain()[1]!]);
    const changed = await deployEnvironments(h.deps, config, opts(['dev']), h.run());
    expect(changed.environments[0]!.stacks.map((s) => [s.stack, s.status])).toEqual([
      ['dev-data', 'deployed'],
      ['dev-api-lambda', 'unchanged'],
    ]);
  });

  it('Given a live stack whose tags differ from the template, or one in ROLLBACK_COMPLETE, Then it is deployed', async () => {
    const config = envConfig([env('dev', 'dev-a')]);
    const h = setup(config, { dev: chain() });
    await deployEnvironments(h.deps, config, opts(['dev']), h.run());
    h.cloud.get({ accountId: A, region: 'eu-west-2' }, 'dev-data')!.tags['estate:owner'] = 'someone@else';
    h.cloud.get({ accountId: A, region: 'eu-west-2' }, 'dev-api-lambda')!.status = 'ROLLBACK_COMPLETE';
    const again = await deployEnvironments(h.deps, config, opts(['dev']), h.run());
    expect(again.environments[0]!.stacks.map((s) => s.status)).toEqual(['deployed', 'deployed']);
  });

  it('Given live parameters that differ from the template defaults, or a TTL added since the last deploy, Then the stack is deployed', async () => {
    const config = envConfig([env('dev', 'dev-a')]);
    const h = setup(config, { dev: chain() });
    await deployEnvironments(h.deps, config, opts(['dev']), h.run());
    h.cloud.get({ accountId: A, region: 'eu-west-2' }, 'dev-data')!.parameters.BootstrapVersion =
      '/custom/version';
    const params = await deployEnvironments(h.deps, config, opts(['dev']), h.run());
    expect(params.environments[0]!.stacks.map((s) => s.status)).toEqual(['deployed', 'unchanged']);

    const withTtl = envConfig([env('dev', 'dev-a', { ttl: '7d' })]);
    const ttl = await deployEnvironments(h.deps, withTtl, opts(['dev']), h.run());
    expect(ttl.environments[0]!.stacks.map((s) => s.status)).toEqual(['deployed', 'deployed']);
    expect(h.toolkit.deployRequests.at(-1)!.tags['estate:expires-at']).toBe('2026-12-08T10:00:00.000Z');
  });

  it('fails on an unknown environment or a concurrency below 1, naming them, before anything runs', async () => {
    const config = envConfig([env('dev', 'dev-a')]);
    const h = setup(config, { dev: chain() });
    await expect(deployEnvironments(h.deps, config, opts(['nope']), h.run())).rejects.toMatchObject({
      code: 'UnknownEnvironment',
      message: expect.stringContaining('"nope"'),
    });
    await expect(
      deployEnvironments(h.deps, config, opts(['dev'], { concurrency: 0 }), h.run()),
    ).rejects.toMatchObject({ code: 'BadConcurrency', message: expect.stringContaining('--concurrency 0') });
    expect(h.cloud.touched.size).toBe(0);
  });

  it('Given an account and region without bootstrap, Then it is bootstrapped first (edge region too), trusting the caller and with the configured policies', async () => {
    const config = envConfig([env('web', 'dev-a', { blueprints: ['edge', 'data'] })]);
    const h = setup(config, {
      web: [{ blueprint: 'data' }, { blueprint: 'edge', region: 'us-east-1', dependsOn: ['data'] }],
    });
    h.cloud.bootstrapVersions.delete(`${A}/eu-west-2`);
    h.cloud.bootstrapVersions.delete(`${A}/us-east-1`);
    const result = await deployEnvironments(h.deps, config, opts(['web']), h.run());
    expect(result.ok).toBe(true);
    expect(
      h.toolkit.bootstrapRequests.map((r) => [r.at.region, r.trustedAccounts, r.executionPolicies]),
    ).toEqual([
      ['eu-west-2', [MGMT], ['arn:aws:iam::aws:policy/PowerUserAccess']],
      ['us-east-1', [MGMT], ['arn:aws:iam::aws:policy/PowerUserAccess']],
    ]);
    expect(h.toolkit.calls.indexOf(`bootstrap CDKToolkit ${A}/us-east-1`)).toBeLessThan(
      h.toolkit.calls.indexOf(`deploy web-edge ${A}/us-east-1`),
    );
    expect(result.bootstrapped).toEqual([
      { accountId: A, region: 'eu-west-2' },
      { accountId: A, region: 'us-east-1' },
    ]);
  });

  it('Given trustedAccounts by name and a qualifier, Then the names resolve to ids and the qualifier is used', async () => {
    const config = envConfig([env('dev', 'dev-a')], {
      qualifier: 'acme1',
      trustedAccounts: ['dev-b', '555555555555'],
      executionPolicies: ['arn:aws:iam::aws:policy/AdministratorAccess'],
    });
    const h = setup(config, { dev: chain() });
    h.cloud.bootstrapVersions.delete(`${A}/eu-west-2`);
    await deployEnvironments(h.deps, config, opts(['dev']), h.run());
    expect(h.toolkit.bootstrapRequests[0]).toMatchObject({
      qualifier: 'acme1',
      trustedAccounts: [B, '555555555555'],
      executionPolicies: ['arn:aws:iam::aws:policy/AdministratorAccess'],
    });
    expect(h.cloud.calls).toContain(`bootstrapVersion(acme1) ${A}/eu-west-2`);
  });

  it('fails when an account needs bootstrapping and deployments.executionPolicies is not set, before anything is deployed', async () => {
    const config = envConfig([env('dev', 'dev-a')], {});
    const h = setup(config, { dev: chain() });
    h.cloud.bootstrapVersions.delete(`${A}/eu-west-2`);
    await expect(deployEnvironments(h.deps, config, opts(['dev']), h.run())).rejects.toMatchObject({
      code: 'NoExecutionPolicies',
      source: 'user',
      message: expect.stringContaining('deployments.executionPolicies'),
    });
    expect(h.toolkit.calls).toEqual([]);
    expect(h.loads()).toBe(0);
  });

  it('Given credentials for an account that resolve elsewhere, Then that environment is refused and the others deploy', async () => {
    const config = envConfig([env('one', 'dev-a'), env('two', 'dev-b')]);
    const h = setup(config, { one: chain(), two: chain() });
    h.cloud.identities.set(B, C);
    const result = await deployEnvironments(h.deps, config, opts(['one', 'two']), h.run());
    expect(result.environments.map((e) => [e.environment, e.status])).toEqual([
      ['one', 'deployed'],
      ['two', 'refused'],
    ]);
    expect(result.environments[1]!.reason).toContain(`resolve to account ${C}`);
    expect(result.ok).toBe(false);
    expect(h.toolkit.calls.filter((c) => c.includes(B) || c.includes(C))).toEqual([]);
    expect(h.synth.calls.map((c) => c.environment)).toEqual(['one']);
  });

  it('fails before anything runs when an environment’s account is not created yet, and touches no other account', async () => {
    const config = envConfig([env('one', 'dev-a'), env('later', 'future')]);
    const h = setup(config, { one: chain(), later: chain() });
    await expect(deployEnvironments(h.deps, config, opts(['one', 'later']), h.run())).rejects.toMatchObject({
      code: 'AccountsNotCreated',
      message: expect.stringContaining('environment "later"'),
    });
    expect(h.cloud.touched.size).toBe(0);
    expect(h.toolkit.calls).toEqual([]);
  });

  it('Given a run over some accounts, Then only those accounts are touched', async () => {
    const config = envConfig([env('one', 'dev-a'), env('two', 'dev-b')]);
    const h = setup(config, { one: chain(), two: chain() });
    await deployEnvironments(h.deps, config, opts(['one']), h.run());
    expect([...h.cloud.touched]).toEqual([A]);
  });

  it('writes the template tags and the deploy-time ones; expires-at is set at first deploy and kept after', async () => {
    const config = envConfig([env('pr-7', 'dev-a', { ttl: '72h', owner: 'alice@acme.example.com' })]);
    const h = setup(config, { 'pr-7': chain() });
    await deployEnvironments(h.deps, config, opts(['pr-7']), h.run());
    const tags = h.toolkit.deployRequests[0]!.tags;
    expect(tags).toMatchObject({
      'estate:env': 'pr-7',
      'estate:owner': 'alice@acme.example.com',
      'estate:profile': 'dev',
      'estate:blueprint': 'data',
      'estate:protected': 'false',
      'estate:deployed-by': CALLER_ARN,
      'estate:deployed-at': '2026-12-01T10:00:00.000Z',
      'estate:expires-at': '2026-12-04T10:00:00.000Z',
    });
    h.synth.specs.set('pr-7', [{ blueprint: 'data', revision: 3 }, chain()[1]!]);
    const later = { ...h.run(), now: () => new Date('2026-12-02T08:00:00Z') };
    await deployEnvironments(h.deps, config, opts(['pr-7']), later);
    const redeploy = h.toolkit.deployRequests[2]!;
    expect(redeploy.stackName).toBe('pr-7-data');
    expect(redeploy.tags['estate:deployed-at']).toBe('2026-12-02T08:00:00.000Z');
    expect(redeploy.tags['estate:expires-at']).toBe('2026-12-04T10:00:00.000Z');
  });

  it('Given Ctrl-C while a stack deploys, Then no new stack starts, the one in flight and those never started are reported', async () => {
    const config = envConfig([
      env('dev', 'dev-a', { blueprints: ['data', 'auth', 'api-lambda', 'observability'] }),
    ]);
    const h = setup(config, {
      dev: [
        { blueprint: 'data' },
        { blueprint: 'api-lambda', dependsOn: ['data'] },
        { blueprint: 'observability', dependsOn: ['api-lambda'] },
      ],
    });
    const held = h.toolkit.hold('dev-data');
    const controller = new AbortController();
    void h.toolkit.started('dev-data').then(() => controller.abort());
    const result = await deployEnvironments(
      h.deps,
      config,
      opts(['dev']),
      h.run({ signal: controller.signal }),
    );
    expect(result.interrupted).toBe(true);
    expect(result.ok).toBe(false);
    expect(result.environments[0]!.status).toBe('interrupted');
    expect(result.inFlight.map((s) => s.stack)).toEqual(['dev-data']);
    expect(result.notStarted.map((s) => s.stack)).toEqual(['dev-api-lambda', 'dev-observability']);
    expect(h.io.messages.some((m) => m.code === ENV_IO.INTERRUPTED)).toBe(true);
    held.release();
    await new Promise((r) => setTimeout(r, 10));
    expect(h.toolkit.calls).toEqual([`deploy dev-data ${A}/eu-west-2`]);
  });

  it('Given a failure, When re-run after the cause is fixed, Then it continues from what CloudFormation shows', async () => {
    const config = envConfig([env('dev', 'dev-a')]);
    const h = setup(config, { dev: chain() });
    h.toolkit.deployFailures.set('dev-api-lambda', { logicalId: 'Handler', reason: 'Code size too large' });
    const first = await deployEnvironments(h.deps, config, opts(['dev']), h.run());
    expect(first.environments[0]!.status).toBe('partial');
    expect(h.cloud.get({ accountId: A, region: 'eu-west-2' }, 'dev-api-lambda')?.status).toBe(
      'ROLLBACK_COMPLETE',
    );
    h.toolkit.deployFailures.clear();
    const second = await deployEnvironments(h.deps, config, opts(['dev']), h.run());
    expect(second.environments[0]!.stacks.map((s) => [s.stack, s.status])).toEqual([
      ['dev-data', 'unchanged'],
      ['dev-api-lambda', 'deployed'],
    ]);
    expect(second.ok).toBe(true);
  });

  it('Given a broadening change in CI, Then the stack is declined naming --approve never and its dependants are skipped', async () => {
    const config = envConfig([
      env('dev', 'dev-a', { blueprints: ['data', 'auth', 'api-lambda', 'observability'] }),
    ]);
    const h = setup(config, {
      dev: [...chain(), { blueprint: 'observability', dependsOn: ['api-lambda'] }],
    });
    h.toolkit.permissionChanges.set('dev-data', 'broadening');
    const result = await deployEnvironments(h.deps, config, opts(['dev']), h.run());
    const [data, api, obs] = result.environments[0]!.stacks;
    expect(data).toMatchObject({ status: 'declined', reason: expect.stringContaining('--approve never') });
    expect(api).toMatchObject({ status: 'skipped', reason: 'skipped: dev-data was not approved' });
    // Two steps away, the reason names the skipped stack, not its task id.
    expect(obs).toMatchObject({ status: 'skipped', reason: 'skipped: dev-api-lambda was skipped' });
    expect(result.ok).toBe(false);
    expect(h.io.requests).toEqual([]);
  });

  it('Given a broadening change on a TTY, Then a person is asked (default no) and their yes deploys it', async () => {
    const config = envConfig([env('dev', 'dev-a')]);
    const h = setup(config, { dev: chain() });
    h.toolkit.permissionChanges.set('dev-api-lambda', 'broadening');
    const io = recordingIoHost({ [ENV_IO.APPROVE_CHANGE]: true });
    const result = await deployEnvironments(h.deps, config, opts(['dev']), {
      ...h.run({ interactive: true }),
      io,
    });
    expect(io.requests.map((r) => [r.code, r.defaultResponse])).toEqual([[ENV_IO.APPROVE_CHANGE, false]]);
    expect(result.environments[0]!.stacks[1]!.status).toBe('deployed');
  });

  it('Given --approve any, Then even a non-broadening change is asked; --approve never asks nothing', async () => {
    const config = envConfig([env('dev', 'dev-a')]);
    const h = setup(config, { dev: [{ blueprint: 'data' }] });
    const any = await deployEnvironments(h.deps, config, opts(['dev'], { approve: 'any' }), h.run());
    expect(any.environments[0]!.stacks[0]!.status).toBe('declined');
    h.toolkit.permissionChanges.set('dev-data', 'broadening');
    const never = await deployEnvironments(h.deps, config, opts(['dev'], { approve: 'never' }), h.run());
    expect(never.environments[0]!.stacks[0]!.status).toBe('deployed');
  });

  it('Given --blueprint, Then only those blueprints’ stacks and what they depend on are deployed', async () => {
    const config = envConfig([env('dev', 'dev-a', { blueprints: ['data', 'auth', 'api-lambda'] })]);
    const h = setup(config, { dev: [...chain(), { blueprint: 'auth' }] });
    const result = await deployEnvironments(
      h.deps,
      config,
      opts(['dev'], { blueprints: ['api-lambda'] }),
      h.run(),
    );
    expect(result.environments[0]!.stacks.map((s) => s.stack)).toEqual(['dev-data', 'dev-api-lambda']);
    await expect(
      deployEnvironments(h.deps, config, opts(['dev'], { blueprints: ['nope'] }), h.run()),
    ).rejects.toMatchObject({
      code: 'UnknownBlueprint',
      message: expect.stringContaining('--blueprint nope'),
    });
  });

  it('Given --blueprint that one environment lacks, or a synthesis that fails, Then that environment is reported and the others deploy', async () => {
    const config = envConfig([env('one', 'dev-a'), env('two', 'dev-b'), env('three', 'dev-c')]);
    const h = setup(config, {
      one: chain(),
      two: [{ blueprint: 'data' }],
      three: chain(),
    });
    const broken = h.deps.synth!;
    const deps = {
      ...h.deps,
      synth: async (...args: Parameters<typeof broken>) => {
        if (args[1] === 'three') throw new Error('codePath ./api does not exist');
        return broken(...args);
      },
    };
    const result = await deployEnvironments(
      deps,
      config,
      opts(['one', 'two', 'three'], { blueprints: ['api-lambda'] }),
      h.run(),
    );
    expect(result.environments.map((e) => [e.environment, e.status])).toEqual([
      ['one', 'deployed'],
      ['two', 'refused'],
      ['three', 'failed'],
    ]);
    expect(result.environments[1]!.reason).toContain('--blueprint api-lambda');
    expect(result.environments[2]!.reason).toContain('synthesis failed: codePath ./api does not exist');
    expect(result.ok).toBe(false);
  });

  it('reports the outputs a person needs per environment, picked by blueprint', async () => {
    const config = envConfig([env('dev', 'dev-a', { blueprints: ['auth', 'edge', 'observability'] })]);
    const h = setup(config, {
      dev: [
        { blueprint: 'auth', outputs: { UserPoolId: 'eu-west-2_abc', UserPoolClientId: 'client1' } },
        { blueprint: 'edge', region: 'us-east-1', outputs: { SiteUrlB1C2D3E4: 'https://d1.cloudfront.net' } },
        { blueprint: 'observability', outputs: { DashboardUrl: 'https://console/dash' } },
      ],
    });
    const result = await deployEnvironments(h.deps, config, opts(['dev']), h.run());
    expect(result.environments[0]!.endpoints).toEqual({
      siteUrl: 'https://d1.cloudfront.net',
      userPoolId: 'eu-west-2_abc',
      userPoolClientId: 'client1',
      dashboardUrl: 'https://console/dash',
    });
    expect(h.io.messages.find((m) => m.code === ENV_IO.ENDPOINTS)?.message).toContain(
      'https://d1.cloudfront.net',
    );
  });

  it('Given two environments sharing the account’s estate-bedrock-logging stack, Then it is deployed once', async () => {
    const config = envConfig([env('one', 'dev-a'), env('two', 'dev-a')]);
    const shared = { blueprint: 'bedrock-logging', name: 'estate-bedrock-logging', shared: true };
    const h = setup(config, { one: [shared, { blueprint: 'ai' }], two: [shared, { blueprint: 'ai' }] });
    const result = await deployEnvironments(h.deps, config, opts(['one', 'two']), h.run());
    expect(result.ok).toBe(true);
    expect(h.toolkit.calls.filter((c) => c.startsWith('deploy estate-bedrock-logging'))).toHaveLength(1);
    expect(
      h.toolkit.deployRequests.find((r) => r.stackName === 'estate-bedrock-logging')!.tags,
    ).not.toHaveProperty('estate:env');
  });
});
