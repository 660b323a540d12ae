import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { App } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { beforeAll, describe, expect, it } from 'vitest';
import { ApiLambdaBlueprint, type ApiLambdaBlueprintProps } from '../../src/blueprints/api-lambda.js';
import { flat, newApp, resourcesOf, stackIn, template } from './_helpers.js';

const POLICY_ARN = 'arn:aws:iam::123456789012:policy/prod-bedrock-invoke';

function dependencies(app: App) {
  const shared = stackIn(app, 'shared');
  const userPool = new cognito.UserPool(shared, 'Pool');
  const client = userPool.addClient('Client');
  const users = new dynamodb.TableV2(shared, 'Users', {
    partitionKey: { name: 'userId', type: dynamodb.AttributeType.STRING },
  });
  const notes = new dynamodb.TableV2(shared, 'Notes', {
    partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
  });
  return {
    userPool,
    userPoolClients: [client],
    tables: [
      { name: 'users', table: users },
      { name: 'notes', table: notes, indexNames: ['byTag'] },
    ],
  };
}

// Given a dev API (defaults, CORS for localhost) and a prod API (Bedrock access) on the same
// pool and tables, synthesised once.
let dev: Template;
let prod: Template;
let assemblyDir: string;
beforeAll(() => {
  const app = newApp();
  const deps = dependencies(app);
  const devStack = stackIn(app, 'dev');
  const prodStack = stackIn(app, 'prod');
  new ApiLambdaBlueprint(devStack, 'Api', {
    size: 'dev',
    namePrefix: 'dev',
    ...deps,
    corsOrigins: ['http://localhost:5173'],
  });
  new ApiLambdaBlueprint(prodStack, 'Api', {
    size: 'prod',
    namePrefix: 'prod',
    ...deps,
    bedrock: {
      invokePolicy: iam.ManagedPolicy.fromManagedPolicyArn(prodStack, 'Invoke', POLICY_ARN),
      guardrailId: 'gr-123',
      guardrailVersion: '1',
      modelIds: ['anthropic.claude-3-haiku-20240307-v1:0'],
    },
  });
  dev = template(devStack);
  prod = template(prodStack);
  assemblyDir = app.outdir;
});

const fn = (t: Template) =>
  resourcesOf(t, 'AWS::Lambda::Function').find(([, f]) => f.Properties.Handler === 'index.handler')![1]
    .Properties;

describe('api-lambda blueprint', () => {
  it('attaches a JWT authorizer on the user pool and client to every route but the health check', () => {
    for (const t of [dev, prod]) {
      const [authorizerId, authorizer] = resourcesOf(t, 'AWS::ApiGatewayV2::Authorizer')[0]!;
      expect(authorizer.Properties).toMatchObject({
        AuthorizerType: 'JWT',
        IdentitySource: ['$request.header.Authorization'],
      });
      expect(flat(authorizer.Properties.JwtConfiguration.Issuer)).toMatch(
        /^https:\/\/cognito-idp\.eu-west-2\.amazonaws\.com\/\$\{Import:.*Pool/,
      );
      expect(flat(authorizer.Properties.JwtConfiguration.Audience)).toMatch(/Import:.*Client/);
      const routes = resourcesOf(t, 'AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties);
      expect(routes.map((r) => r.RouteKey).sort()).toEqual(
        [
          'DELETE /api/{proxy+}',
          'GET /api/health',
          'GET /api/{proxy+}',
          'PATCH /api/{proxy+}',
          'POST /api/{proxy+}',
          'PUT /api/{proxy+}',
        ].sort(),
      );
      for (const r of routes) {
        if (r.RouteKey === 'GET /api/health') expect(r.AuthorizationType).toBe('NONE');
        else expect(r).toMatchObject({ AuthorizationType: 'JWT', AuthorizerId: { Ref: authorizerId } });
      }
    }
  });

  it('throttles the stage by profile and writes JSON access logs', () => {
    for (const [t, rate, burst, days] of [
      [dev, 50, 100, 7],
      [prod, 1000, 2000, 365],
    ] as const) {
      t.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
        StageName: '$default',
        AutoDeploy: true,
        DefaultRouteSettings: Match.objectLike({ ThrottlingRateLimit: rate, ThrottlingBurstLimit: burst }),
        AccessLogSettings: {
          DestinationArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('AccessLogs'), 'Arn'] },
          Format: Match.stringLikeRegexp('"status":"\\$context.status"'),
        },
      });
      t.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: days });
    }
    prod.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: Match.objectLike({ DetailedMetricsEnabled: true }),
    });
  });

  it('configures CORS only for the listed origins', () => {
    dev.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      ProtocolType: 'HTTP',
      CorsConfiguration: Match.objectLike({
        AllowOrigins: ['http://localhost:5173'],
        AllowHeaders: ['authorization', 'content-type'],
      }),
    });
    prod.hasResourceProperties('AWS::ApiGatewayV2::Api', { CorsConfiguration: Match.absent() });
  });

  it('runs the handler with X-Ray tracing, profile-sized memory, table names and the guardrail id', () => {
    expect(fn(dev)).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      MemorySize: 256,
      Timeout: 10,
      TracingConfig: { Mode: 'Active' },
      LoggingConfig: expect.objectContaining({ LogFormat: 'JSON' }),
    });
    expect(fn(prod).MemorySize).toBe(512);
    const vars = fn(prod).Environment.Variables;
    expect(Object.keys(vars).sort()).toEqual(
      [
        'BEDROCK_GUARDRAIL_ID',
        'BEDROCK_GUARDRAIL_VERSION',
        'BEDROCK_MODEL_IDS',
        'ENVIRONMENT',
        'TABLE_NOTES',
        'TABLE_USERS',
      ].sort(),
    );
    expect(vars.BEDROCK_GUARDRAIL_ID).toBe('gr-123');
    expect(flat(vars.TABLE_USERS)).toMatch(/Import:.*Users/);
    expect(fn(dev).Environment.Variables.BEDROCK_GUARDRAIL_ID).toBeUndefined();
  });

  it('ships the sample handler from templates/app/api as the code asset', () => {
    const assets = JSON.parse(readFileSync(join(assemblyDir, 'dev.assets.json'), 'utf8'));
    const dirs = Object.values<any>(assets.files).map((f) => join(assemblyDir, f.source.path));
    expect(dirs.some((d) => existsSync(join(d, 'index.mjs')))).toBe(true);
  });

  it('grants data access to exactly the tables and indexes, and Bedrock through the ai policy', () => {
    const statements = resourcesOf(prod, 'AWS::IAM::Policy').flatMap(
      ([, p]) => p.Properties.PolicyDocument.Statement,
    );
    const data = statements.find((s: any) => s.Sid === 'TableData');
    expect(data.Action).toEqual(
      expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem']),
    );
    expect(data.Action).not.toContain('dynamodb:DeleteTable');
    expect(data.Action.some((a: string) => a.includes('*'))).toBe(false);
    const resources = data.Resource.map(flat);
    expect(resources).toHaveLength(3);
    expect(resources.filter((r: string) => r.endsWith('/index/byTag'))).toHaveLength(1);
    expect(resources.some((r: string) => r.includes('*'))).toBe(false);
    const roles = resourcesOf(prod, 'AWS::IAM::Role').map(([, r]) => r.Properties.ManagedPolicyArns);
    expect(roles).toContainEqual([POLICY_ARN]);
    expect(JSON.stringify(roles)).not.toContain('AWSLambdaBasicExecutionRole');
    const devStatements = resourcesOf(dev, 'AWS::IAM::Policy').flatMap(
      ([, p]) => p.Properties.PolicyDocument.Statement,
    );
    expect(JSON.stringify(devStatements)).not.toContain('bedrock');
  });
});

describe('api-lambda blueprint props', () => {
  const build = (props: Partial<ApiLambdaBlueprintProps>) => {
    const app = newApp();
    const deps = dependencies(app);
    return new ApiLambdaBlueprint(stackIn(app, 's'), 'Api', {
      size: 'dev',
      namePrefix: 'x',
      ...deps,
      ...props,
    });
  };

  it('fails when the code path does not exist', () => {
    expect(() => build({ codePath: '/nonexistent/api' })).toThrow(
      /codePath \/nonexistent\/api is not a folder/,
    );
  });

  it('fails when the timeout exceeds the HTTP API integration limit', () => {
    expect(() => build({ timeoutSeconds: 30 })).toThrow(
      /timeoutSeconds 30 exceeds the HTTP API limit of 29 s/,
    );
  });

  it('fails when no user pool client is given', () => {
    expect(() => build({ userPoolClients: [] })).toThrow(/no user pool client/);
  });
});
