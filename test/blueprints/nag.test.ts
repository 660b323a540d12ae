import { Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { composeEnvironment } from '../../src/blueprints/compose.js';
import { acknowledgementsOf, awsSolutionsFindings } from '../../src/blueprints/nag.js';
import type { Acknowledgement, Finding } from '../../src/blueprints/findings.js';
import { buildDir, estate, newApp } from './_helpers.js';

// Given every blueprint in both profiles (a dev and a prod Lambda environment, a prod and a dev
// EKS environment), composed into one app and synthesised once.
const config = estate({
  blueprints: {
    ai: {
      modelIds: ['anthropic.claude-3-haiku-20240307-v1:0', 'eu.anthropic.claude-3-7-sonnet-20250219-v1:0'],
    },
  },
  environments: [
    {
      name: 'dev',
      account: 'dev-acct',
      blueprints: ['edge', 'auth', 'data', 'api-lambda', 'ai', 'observability'],
      size: 'dev',
      settings: { edge: { fronts: 'api', buildDir: buildDir() } },
    },
    {
      name: 'prod',
      account: 'prod-acct',
      blueprints: ['edge', 'auth', 'data', 'api-lambda', 'ai', 'observability'],
      size: 'prod',
      settings: {
        edge: {
          fronts: 'api',
          domainName: 'app.example.com',
          hostedZoneId: 'Z0123456789ABCDEFGHIJ',
          hostedZoneName: 'example.com',
        },
        observability: { alarmEmail: 'ops@example.com' },
        auth: { email: { fromEmail: 'no-reply@example.com' } },
      },
    },
    {
      name: 'eks-prod',
      account: 'prod-acct',
      region: 'eu-west-1',
      blueprints: ['data', 'api-eks', 'ai', 'observability'],
      size: 'prod',
      settings: { 'api-eks': { availabilityZones: ['eu-west-1a', 'eu-west-1b'] } },
    },
    {
      name: 'eks-dev',
      account: 'dev-acct',
      blueprints: ['data', 'api-eks', 'ai'],
      size: 'dev',
      settings: { 'api-eks': { endpointAccess: 'private', availabilityZones: ['eu-west-2a', 'eu-west-2b'] } },
    },
  ],
});

let findings: Finding[];
let acknowledged: Acknowledgement[];
let stackNames: string[];
beforeAll(() => {
  const app = newApp();
  for (const env of config.environments) composeEnvironment(app, config, env, { configDir: '/tmp' });
  app.synth();
  stackNames = app.node.children.filter((c) => c instanceof Stack).map((s) => (s as Stack).stackName);
  findings = awsSolutionsFindings(app);
  acknowledged = acknowledgementsOf(app);
});

describe('cdk-nag AwsSolutions', () => {
  it('covers every blueprint in both profiles', () => {
    for (const bp of ['edge', 'auth', 'data', 'api-lambda', 'ai', 'observability'])
      for (const env of ['dev', 'prod']) expect(stackNames).toContain(`${env}-${bp}`);
    expect(stackNames).toEqual(
      expect.arrayContaining(['eks-prod-api-eks', 'eks-dev-api-eks', 'prod-observability-edge']),
    );
  });

  it('reports no error that is not acknowledged with a written reason', () => {
    const errors = findings.filter((f) => f.severity === 'error');
    expect(errors.map((f) => `${f.rule} at ${f.paths.join(', ')}`)).toEqual([]);
  });

  it('gives every acknowledgement of estate a reason of at least a sentence', () => {
    const ours = acknowledged.filter((a) => a.tool === 'cdk-nag');
    expect(ours.length).toBeGreaterThan(10);
    for (const a of ours)
      expect(a.reason.trim().length, `${a.rule} at ${a.paths[0]}`).toBeGreaterThanOrEqual(20);
  });

  it('acknowledges dev-only shortcuts in dev only', () => {
    const rulesAt = (prefix: string) =>
      acknowledged.filter((a) => a.paths[0]!.startsWith(prefix)).map((a) => a.rule);
    expect(rulesAt('dev-data/')).toContain('AwsSolutions-DDB3');
    expect(rulesAt('prod-data/')).not.toContain('AwsSolutions-DDB3');
    expect(rulesAt('dev-auth/')).toContain('AwsSolutions-COG8');
    expect(rulesAt('prod-auth/')).not.toContain('AwsSolutions-COG8');
    expect(rulesAt('prod-edge/')).not.toContain('AwsSolutions-CFR4'); // custom domain: TLS policy applies
    expect(rulesAt('eks-dev-api-eks/')).not.toContain('AwsSolutions-EKS1'); // private endpoint
  });

  it('fails a construct that breaks the rules (the check can fail)', () => {
    const app = newApp();
    const stack = new Stack(app, 'bad', { env: { region: 'eu-west-2' } });
    new s3.Bucket(stack, 'Open');
    app.synth();
    const rules = awsSolutionsFindings(app)
      .filter((f) => f.severity === 'error')
      .map((f) => f.rule);
    expect(rules).toEqual(expect.arrayContaining(['AwsSolutions-S1', 'AwsSolutions-S10']));
  });
});
