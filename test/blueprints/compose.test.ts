import { Token, type App, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { composeEnvironment, type ComposedStack } from '../../src/blueprints/compose.js';
import { defaultDomainPrefix, mergedSettings } from '../../src/blueprints/environment.js';
import type { EstateConfig } from '../../src/config/schema.js';
import { evaluateTags } from '../../src/core/tags/audit.js';
import { estate, flat, newApp, resourcesOf } from './_helpers.js';

const config: EstateConfig = estate({
  tags: {
    mandatory: [
      { key: 'cost-center', default: 'platform', allowed: ['platform', 'product'] },
      { key: 'team', default: 'core' },
    ],
    byKind: { 'prod-multi-tenant': { 'cost-center': 'product' } },
  },
  blueprints: {
    edge: { fronts: 'api' },
    data: {
      tables: [
        { name: 'users', partitionKey: { name: 'userId' } },
        { name: 'notes', partitionKey: { name: 'userId' }, sortKey: { name: 'noteId' } },
      ],
    },
    'api-lambda': { memoryMb: 384 },
  },
  environments: [
    {
      name: 'alpha',
      account: 'dev-acct',
      blueprints: ['edge', 'auth', 'data', 'api-lambda', 'ai', 'observability'],
      size: 'dev',
      owner: 'alice@acme.example.com',
      tags: { team: 'web' },
      settings: { 'api-lambda': { timeoutSeconds: 20 } },
    },
    {
      name: 'live',
      account: 'prod-acct',
      region: 'us-east-1',
      blueprints: ['edge', 'data', 'api-eks', 'ai', 'observability'],
      size: 'prod',
      protected: true,
      settings: { edge: { fronts: 'none' }, 'api-eks': { availabilityZones: ['us-east-1a', 'us-east-1d'] } },
    },
  ],
});

// Given both environments composed into one app and synthesised once.
let app: App;
let alpha: Map<string, Stack>;
let live: Map<string, Stack>;
let alphaShared: ComposedStack[];
beforeAll(() => {
  app = newApp();
  const byName = (c: ComposedStack[]) =>
    new Map(c.filter((s) => !s.shared).map((s) => [s.stack.stackName, s.stack]));
  const alphaStacks = composeEnvironment(app, config, config.environments[0]!, { configDir: '/tmp' });
  alphaShared = alphaStacks.filter((s) => s.shared);
  alpha = byName(alphaStacks);
  live = byName(composeEnvironment(app, config, config.environments[1]!, { configDir: '/tmp' }));
  app.synth();
});

const t = (s: Stack | undefined) => Template.fromStack(s!);

describe('composeEnvironment', () => {
  it('gives each stack a person needs after a deploy its output under a fixed name (site, API, user pool, dashboard)', () => {
    const outputs = (name: string) => Object.keys(t(alpha.get(name)).toJSON().Outputs ?? {});
    expect(outputs('alpha-edge')).toContain('SiteUrl');
    expect(outputs('alpha-api-lambda')).toContain('ApiUrl');
    expect(outputs('alpha-auth')).toEqual(expect.arrayContaining(['UserPoolId', 'UserPoolClientId']));
    expect(outputs('alpha-observability')).toContain('DashboardUrl');
    const dashboard = JSON.stringify(t(alpha.get('alpha-observability')).toJSON().Outputs.DashboardUrl.Value);
    expect(dashboard).toContain(
      'https://eu-west-2.console.aws.amazon.com/cloudwatch/home?region=eu-west-2#dashboards/dashboard/',
    );
    expect(dashboard).toContain('"Ref":"ObservabilityDashboard');
    // An EKS API has no URL until something is deployed into the cluster.
    expect(Object.keys(t(live.get('live-api-eks')).toJSON().Outputs ?? {})).not.toContain('ApiUrl');
  });

  it('makes one <env>-<blueprint> stack per blueprint, edge in us-east-1 and the rest in the environment region', () => {
    expect([...alpha.keys()]).toEqual([
      'alpha-data',
      'alpha-ai',
      'alpha-auth',
      'alpha-api-lambda',
      'alpha-edge',
      'alpha-observability',
    ]);
    expect(Object.fromEntries([...alpha].map(([n, s]) => [n, s.region]))).toMatchObject({
      'alpha-edge': 'us-east-1',
      'alpha-data': 'eu-west-2',
      'alpha-api-lambda': 'eu-west-2',
    });
    expect([...live.keys()]).toEqual([
      'live-data',
      'live-ai',
      'live-api-eks',
      'live-edge',
      'live-observability',
    ]);
  });

  it('binds stacks to the account id when it is known, and stays account-agnostic otherwise', () => {
    for (const s of live.values()) expect(s.account).toBe('123456789012');
    for (const s of alpha.values()) expect(Token.isUnresolved(s.account)).toBe(true);
    expect(app.synth().manifest.missing).toBeUndefined();
  });

  it('tags every stack with estate:env, estate:profile, estate:blueprint, estate:protected, estate:owner and the environment tags', () => {
    const tags = alpha.get('alpha-api-lambda')!.tags.tagValues();
    expect(tags).toMatchObject({
      'estate:env': 'alpha',
      'estate:profile': 'dev',
      'estate:blueprint': 'api-lambda',
      'estate:protected': 'false',
      'estate:owner': 'alice@acme.example.com',
      team: 'web',
    });
    expect(tags['estate:size']).toBeUndefined();
    for (const [name, s] of [...alpha, ...live])
      expect(Object.keys(s.tags.tagValues()), name).toEqual(
        expect.arrayContaining(['estate:env', 'estate:profile', 'estate:blueprint', 'estate:protected']),
      );
    expect(live.get('live-data')!.tags.tagValues()).toMatchObject({
      'estate:env': 'live',
      'estate:profile': 'prod',
      'estate:protected': 'true',
    });
    // The edge stack (us-east-1) says so too: env list reads protection from any stack.
    expect(live.get('live-edge')!.tags.tagValues()).toMatchObject({
      'estate:blueprint': 'edge',
      'estate:protected': 'true',
    });
    // The shared logging stack belongs to no environment.
    const shared = alphaShared[0]!.stack.tags.tagValues();
    expect(shared['estate:shared']).toBe('bedrock-invocation-logging');
    expect(shared['estate:env']).toBeUndefined();
    // No deploy-time tag is in the template: an unchanged environment synthesises the same.
    for (const s of [...alpha.values(), ...live.values()])
      expect(Object.keys(s.tags.tagValues()).filter((k) => /deployed|expires/.test(k))).toEqual([]);
    expect(live.get('live-data')!.tags.tagValues()['estate:owner']).toBeUndefined();
    // Resources inherit them.
    const table = resourcesOf(t(alpha.get('alpha-data')), 'AWS::DynamoDB::GlobalTable')[0]![1];
    expect(table.Properties.Replicas[0].Tags).toEqual(
      expect.arrayContaining([{ Key: 'estate:env', Value: 'alpha' }]),
    );
  });

  it("tags every stack with the config's mandatory tags, valued as for the account, the environment's tags winning", () => {
    // tags.mandatory: cost-center (default platform, product for prod-multi-tenant) and team.
    expect(alpha.get('alpha-edge')!.tags.tagValues()).toMatchObject({
      'cost-center': 'platform',
      team: 'web',
    });
    expect(live.get('live-data')!.tags.tagValues()).toMatchObject({ 'cost-center': 'product', team: 'core' });
    // Resources inherit them, so they pass `tags audit --strict`.
    const table = resourcesOf(t(live.get('live-data')), 'AWS::DynamoDB::GlobalTable')[0]![1];
    expect(table.Properties.Replicas[0].Tags).toEqual(
      expect.arrayContaining([
        { Key: 'cost-center', Value: 'product' },
        { Key: 'team', Value: 'core' },
      ]),
    );
  });

  it('gives every tagged resource of every stack what tags audit --strict requires', () => {
    const mandatory = config.tags.mandatory;
    const tagMaps = (props: any): Record<string, string>[] => {
      const toMap = (tags: unknown): Record<string, string> =>
        Array.isArray(tags)
          ? Object.fromEntries(tags.map((t: { Key: string; Value: string }) => [t.Key, t.Value]))
          : (tags as Record<string, string>);
      if (props?.Tags) return [toMap(props.Tags)];
      if (props?.Replicas) return props.Replicas.map((r: any) => toMap(r.Tags));
      return [];
    };
    let checked = 0;
    for (const stack of [...alpha.values(), ...live.values(), ...alphaShared.map((c) => c.stack)])
      for (const [id, resource] of Object.entries(t(stack).toJSON().Resources as Record<string, any>))
        for (const tags of tagMaps(resource.Properties)) {
          checked++;
          expect(evaluateTags(tags, mandatory), `${stack.stackName}/${id}`).toBeUndefined();
        }
    expect(checked).toBeGreaterThan(50);
  });

  it('protects the stacks of a protected environment from deletion', () => {
    for (const s of live.values()) expect(s.terminationProtection).toBe(true);
    for (const s of alpha.values()) expect(s.terminationProtection).toBe(false);
  });

  it('passes table names, the user pool and the guardrail to the API through cross-stack references', () => {
    const api = t(alpha.get('alpha-api-lambda'));
    const fn = resourcesOf(api, 'AWS::Lambda::Function').find(
      ([, f]) => f.Properties.Handler === 'index.handler',
    )![1];
    const vars = fn.Properties.Environment.Variables;
    expect(flat(vars.TABLE_USERS)).toMatch(/^\$\{Import:alpha-data:ExportsOutputRef/);
    expect(flat(vars.TABLE_NOTES)).toMatch(/^\$\{Import:alpha-data:/);
    expect(flat(vars.BEDROCK_GUARDRAIL_ID)).toMatch(/^\$\{Import:alpha-ai:.*GuardrailId/);
    expect(flat(vars.BEDROCK_GUARDRAIL_VERSION)).toMatch(/^\$\{Import:alpha-ai:.*Version/);
    // Settings merge: estate-wide memory, per-environment timeout.
    expect(fn.Properties.MemorySize).toBe(384);
    expect(fn.Properties.Timeout).toBe(20);
    const [, authorizer] = resourcesOf(api, 'AWS::ApiGatewayV2::Authorizer')[0]!;
    expect(flat(authorizer.Properties.JwtConfiguration.Issuer)).toMatch(/Import:alpha-auth:/);
    const deps = alpha
      .get('alpha-api-lambda')!
      .dependencies.map((d) => d.stackName)
      .sort();
    expect(deps).toEqual(['alpha-ai', 'alpha-auth', 'alpha-data']);
  });

  it('lets edge in us-east-1 front the API in eu-west-2 through cross-region references', () => {
    const edge = t(alpha.get('alpha-edge'));
    edge.resourceCountIs('Custom::CrossRegionExportReader', 1);
    t(alpha.get('alpha-api-lambda')).resourceCountIs('Custom::CrossRegionExportWriter', 1);
    const dist = resourcesOf(edge, 'AWS::CloudFront::Distribution')[0]![1].Properties.DistributionConfig;
    const apiOrigin = dist.Origins.find((o: any) => o.CustomOriginConfig);
    expect(flat(apiOrigin.DomainName)).toMatch(
      /ExportsReader.*\.execute-api\.eu-west-2\.\$\{AWS::URLSuffix\}/,
    );
    expect(alpha.get('alpha-edge')!.dependencies.map((d) => d.stackName)).toContain('alpha-api-lambda');
  });

  it('wires the post-confirmation trigger to the users table and the dashboard to every function and table', () => {
    const auth = t(alpha.get('alpha-auth'));
    const [, trigger] = resourcesOf(auth, 'AWS::Lambda::Function')[0]!;
    expect(trigger.Properties.Environment.Variables.USER_ID_ATTRIBUTE).toBe('userId');
    expect(flat(trigger.Properties.Environment.Variables.USERS_TABLE)).toMatch(
      /^\$\{Import:alpha-data:.*Tableusers/,
    );
    const [, dashboard] = resourcesOf(t(alpha.get('alpha-observability')), 'AWS::CloudWatch::Dashboard')[0]!;
    const body = flat(dashboard.Properties.DashboardBody);
    expect(body).toMatch(/Import:alpha-api-lambda:.*ApiHandler/);
    expect(body).toMatch(/Import:alpha-auth:.*PostConfirmation/);
    expect(body).toMatch(/Import:alpha-data:.*Tablenotes/);
  });

  it('uses the same region for every stack when the environment is in us-east-1', () => {
    for (const s of live.values()) expect(s.region).toBe('us-east-1');
    t(live.get('live-edge')).resourceCountIs('Custom::CrossRegionExportReader', 0);
    t(live.get('live-observability')).hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: '5xxErrorRate',
    });
  });
});

describe('Bedrock invocation logging, one setting per account and region', () => {
  // Given two environments with ai in one account and region, each composed on its own, as
  // `blueprint synth <env>` does, and a third whose logging is off, alone in its account.
  const shared = estate({
    environments: [
      { name: 'one', account: 'dev-acct', blueprints: ['ai'], size: 'dev' },
      {
        name: 'two',
        account: 'dev-acct',
        blueprints: ['ai'],
        size: 'dev',
        settings: { observability: { logRetentionDays: 30 } },
      },
      {
        name: 'off',
        account: 'prod-acct',
        blueprints: ['ai'],
        size: 'prod',
        settings: { ai: { invocationLogging: false } },
      },
    ],
  });
  const composeOne = (name: string) => {
    const a = newApp();
    const stacks = composeEnvironment(
      a,
      shared,
      shared.environments.find((e) => e.name === name)!,
      {
        configDir: '/tmp',
      },
    );
    return { stacks, templates: new Map(stacks.map((s) => [s.stack.stackName, t(s.stack).toJSON()])) };
  };
  const one = composeOne('one');
  const two = composeOne('two');

  it("keeps the setting out of every environment's own stacks, so deleting them cannot switch it off", () => {
    for (const env of [one, two])
      for (const [name, template] of env.templates)
        if (name.startsWith('one-') || name.startsWith('two-'))
          expect(JSON.stringify(template), name).not.toMatch(
            /(Put|Delete)ModelInvocationLoggingConfiguration/,
          );
    expect(JSON.stringify(t(alpha.get('alpha-ai')).toJSON())).not.toContain(
      'DeleteModelInvocationLoggingConfiguration',
    );
  });

  it('puts it in estate-bedrock-logging of the account and region, marked shared, identical from every environment', () => {
    const sharedOf = (env: typeof one) => env.stacks.filter((s) => s.shared);
    expect(sharedOf(one).map((s) => [s.stack.stackName, s.stack.region])).toEqual([
      ['estate-bedrock-logging', 'eu-west-2'],
    ]);
    expect(alphaShared.map((s) => s.stack.stackName)).toEqual(['estate-bedrock-logging']);
    // Deployed before the environment's ai stack.
    expect(alpha.get('alpha-ai')!.dependencies).toContain(alphaShared[0]!.stack);
    const a = one.templates.get('estate-bedrock-logging');
    expect(a).toEqual(two.templates.get('estate-bedrock-logging'));
    // The longest retention any sharing environment asks for.
    expect(JSON.stringify(a)).toContain('"RetentionInDays":30');
    expect(JSON.stringify(a)).toContain('PutModelInvocationLoggingConfiguration');
    expect(sharedOf(composeOne('off'))).toEqual([]);
  });
});

describe('composeEnvironment failures', () => {
  const compose = (env: Record<string, unknown>, blueprints: Record<string, unknown> = {}) => {
    const cfg = estate({
      blueprints,
      environments: [{ name: 'test', account: 'dev-acct', size: 'dev', ...env }],
    });
    return composeEnvironment(newApp(), cfg, cfg.environments[0]!, { configDir: '/tmp' });
  };

  it('fails when api-lambda has no auth in the environment', () => {
    expect(() => compose({ blueprints: ['data', 'api-lambda'] })).toThrow(
      /JWT authorizer needs the auth blueprint/,
    );
  });

  it('fails when edge fronts the API without api-lambda', () => {
    expect(() => compose({ blueprints: ['edge'] }, { edge: { fronts: 'api' } })).toThrow(
      /fronts: api needs the api-lambda/,
    );
  });

  it('fails when auth.usersTable names a table the data blueprint does not declare', () => {
    expect(() => compose({ blueprints: ['auth', 'data'] }, { auth: { usersTable: 'people' } })).toThrow(
      /usersTable \W*people\W* is not a table of the data blueprint/,
    );
  });

  it('fails when a prod environment with auth has no callback URL', () => {
    expect(() => compose({ blueprints: ['auth'], size: 'prod' })).toThrow(/callbackUrls is empty/);
  });
});

describe('environment helpers', () => {
  it('merges environment settings over estate-wide settings field by field', () => {
    const merged = mergedSettings(config, config.environments[0]!);
    expect(merged['api-lambda']).toEqual({ memoryMb: 384, timeoutSeconds: 20 });
    expect(mergedSettings(config, config.environments[1]!).edge).toEqual({ fronts: 'none' });
  });

  it('derives a valid Cognito domain prefix', () => {
    expect(defaultDomainPrefix('Acme AWS Corp', 'dev')).toBe('acme-x-corp-dev');
    expect(defaultDomainPrefix('x'.repeat(80), 'dev')).toHaveLength(63);
  });
});
