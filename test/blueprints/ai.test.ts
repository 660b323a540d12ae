import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { AiBlueprint, BedrockInvocationLogging, type AiBlueprintProps } from '../../src/blueprints/ai.js';
import { flat, newApp, resourcesOf, stackIn, template } from './_helpers.js';

const HAIKU = 'anthropic.claude-3-haiku-20240307-v1:0';
const SONNET_EU = 'eu.anthropic.claude-3-7-sonnet-20250219-v1:0';

// Given a dev ai blueprint with defaults and a prod one with a model and an inference profile.
let dev: Template;
let prod: Template;
beforeAll(() => {
  const app = newApp();
  const devStack = stackIn(app, 'dev');
  const prodStack = stackIn(app, 'prod');
  new AiBlueprint(devStack, 'Ai', { size: 'dev', namePrefix: 'dev' });
  new AiBlueprint(prodStack, 'Ai', {
    size: 'prod',
    namePrefix: 'prod',
    modelIds: [HAIKU, SONNET_EU],
    piiAction: 'BLOCK',
  });
  dev = template(devStack);
  prod = template(prodStack);
});

const statements = (t: Template) =>
  resourcesOf(t, 'AWS::IAM::ManagedPolicy')[0]![1].Properties.PolicyDocument.Statement as any[];
const invokeStatements = (t: Template) =>
  statements(t).filter((s) => [s.Action].flat().includes('bedrock:InvokeModel'));

describe('ai blueprint', () => {
  it('allows InvokeModel and InvokeModelWithResponseStream on the listed models only', () => {
    const devInvoke = invokeStatements(dev);
    expect(devInvoke).toHaveLength(1);
    expect(devInvoke[0].Action).toEqual(['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream']);
    expect(flat(devInvoke[0].Resource)).toBe(
      `arn:\${AWS::Partition}:bedrock:eu-west-2::foundation-model/${HAIKU}`,
    );
    const prodResources = invokeStatements(prod).flatMap((s) => [s.Resource].flat().map(flat));
    expect(prodResources.sort()).toEqual(
      [
        `arn:\${AWS::Partition}:bedrock:eu-west-2::foundation-model/${HAIKU}`,
        `arn:\${AWS::Partition}:bedrock:eu-west-2:\${AWS::AccountId}:inference-profile/${SONNET_EU}`,
        `arn:\${AWS::Partition}:bedrock:*::foundation-model/anthropic.claude-3-7-sonnet-20250219-v1:0`,
      ].sort(),
    );
    // No wildcard model: the one regional wildcard is for the model behind the listed profile,
    // and only when called through it.
    for (const r of prodResources) expect(r).not.toMatch(/foundation-model\/\*|\/\*$/);
    const viaProfile = invokeStatements(prod).find((s) => flat(s.Resource).includes(':bedrock:*::'));
    expect(flat(viaProfile.Condition.StringLike['bedrock:InferenceProfileArn'])).toContain(
      `inference-profile/${SONNET_EU}`,
    );
    // Nothing else is granted except applying this guardrail.
    const other = statements(prod).filter((s) => !invokeStatements(prod).includes(s));
    expect(other).toEqual([
      {
        Sid: 'ApplyGuardrail',
        Effect: 'Allow',
        Action: 'bedrock:ApplyGuardrail',
        Resource: { 'Fn::GetAtt': [expect.any(String), 'GuardrailArn'] },
      },
    ]);
  });

  it('has a guardrail with content filters (stronger in prod), prompt-attack filtering and PII handling', () => {
    const filters = (t: Template) =>
      resourcesOf(t, 'AWS::Bedrock::Guardrail')[0]![1].Properties.ContentPolicyConfig.FiltersConfig as any[];
    expect(filters(dev).find((f) => f.Type === 'HATE')).toEqual({
      Type: 'HATE',
      InputStrength: 'MEDIUM',
      OutputStrength: 'MEDIUM',
    });
    expect(filters(prod).find((f) => f.Type === 'HATE')).toEqual({
      Type: 'HATE',
      InputStrength: 'HIGH',
      OutputStrength: 'HIGH',
    });
    expect(
      filters(prod)
        .map((f) => f.Type)
        .sort(),
    ).toEqual(['HATE', 'INSULTS', 'MISCONDUCT', 'PROMPT_ATTACK', 'SEXUAL', 'VIOLENCE']);
    expect(filters(prod).find((f) => f.Type === 'PROMPT_ATTACK')).toEqual({
      Type: 'PROMPT_ATTACK',
      InputStrength: 'HIGH',
      OutputStrength: 'NONE',
    });
    const pii = (t: Template) =>
      Object.fromEntries(
        (
          resourcesOf(t, 'AWS::Bedrock::Guardrail')[0]![1].Properties.SensitiveInformationPolicyConfig
            .PiiEntitiesConfig as any[]
        ).map((p) => [p.Type, p.Action]),
      );
    expect(pii(dev)).toMatchObject({
      EMAIL: 'ANONYMIZE',
      PHONE: 'ANONYMIZE',
      AWS_SECRET_KEY: 'BLOCK',
      PASSWORD: 'BLOCK',
    });
    expect(pii(prod)).toMatchObject({ EMAIL: 'BLOCK', NAME: 'BLOCK', CREDIT_DEBIT_CARD_NUMBER: 'BLOCK' });
  });

  it('publishes a guardrail version named after its configuration, so a change publishes a new one', () => {
    const version = (t: Template) => resourcesOf(t, 'AWS::Bedrock::GuardrailVersion');
    expect(version(dev)).toHaveLength(1);
    const [devId, devVersion] = version(dev)[0]!;
    const [prodId] = version(prod)[0]!;
    expect(devVersion.Properties.GuardrailIdentifier).toEqual({
      'Fn::GetAtt': [expect.any(String), 'GuardrailId'],
    });
    expect(devId).not.toBe(prodId); // MEDIUM vs HIGH filters: different config hash
  });

  it('sets no account-wide invocation logging itself (that is the shared stack of the account)', () => {
    for (const t of [dev, prod]) {
      expect(JSON.stringify(t.toJSON())).not.toMatch(/(Put|Delete)ModelInvocationLoggingConfiguration/);
    }
  });

  it('keeps the resource earlier versions set logging with, read-only and without a delete', () => {
    // Same logical and physical id: CloudFormation updates it (storing properties without a
    // delete) instead of removing it, which would have run its old delete and switched logging off.
    const [id, cr] = resourcesOf(dev, 'Custom::BedrockInvocationLogging')[0]!;
    expect(id).toMatch(/^AiInvocationLogging/);
    expect(flat(cr.Properties.Create)).toContain('"action":"GetModelInvocationLoggingConfiguration"');
    expect(flat(cr.Properties.Create)).toContain(
      '"physicalResourceId":{"id":"dev-bedrock-invocation-logging"}',
    );
    expect(flat(cr.Properties.Update)).toContain('GetModelInvocationLoggingConfiguration');
    expect(cr.Properties.Delete).toBeUndefined();
  });
});

describe('bedrock invocation logging', () => {
  it('turns on model-invocation logging to a retained log group through a scoped role', () => {
    const stack = stackIn(newApp(), 'shared');
    new BedrockInvocationLogging(stack, 'Logging', { logRetentionDays: 30 });
    const t = template(stack);
    const [, cr] = resourcesOf(t, 'Custom::BedrockInvocationLogging')[0]!;
    expect(flat(cr.Properties.Create)).toContain('"action":"PutModelInvocationLoggingConfiguration"');
    expect(flat(cr.Properties.Create)).toContain('"textDataDeliveryEnabled":true');
    expect(cr.Properties.InstallLatestAwsSdk).toBe(false);
    const groups = resourcesOf(t, 'AWS::Logs::LogGroup');
    expect(groups.map(([, g]) => g.DeletionPolicy)).toEqual(['Retain', 'Retain']);
    t.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
    t.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Principal: { Service: 'bedrock.amazonaws.com' },
            Condition: Match.objectLike({
              StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
            }),
          }),
        ],
      },
    });
  });
});

describe('ai blueprint props', () => {
  const build = (props: Partial<AiBlueprintProps>) =>
    new AiBlueprint(stackIn(newApp(), 's'), 'Ai', { size: 'dev', namePrefix: 'x', ...props });

  it('fails when the model list is empty', () => {
    expect(() => build({ modelIds: [] })).toThrow(/modelIds is empty/);
  });

  it('fails when a model id is a wildcard or not a model id', () => {
    expect(() => build({ modelIds: ['anthropic.*'] })).toThrow(/wildcards are not allowed/);
    expect(() => build({ modelIds: ['claude'] })).toThrow(/"claude" is not a Bedrock model id/);
  });
});
