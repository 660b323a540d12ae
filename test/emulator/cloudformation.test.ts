/**
 * FakeCloudFormation held to cloudformation.md, through the real SDK clients over the
 * emulator (Query protocol, SigV4 keys per account), so wire shapes and error codes count.
 */
import {
  CloudFormationClient,
  CreateChangeSetCommand,
  CreateStackCommand,
  UpdateStackCommand,
  DeleteStackCommand,
  DescribeChangeSetCommand,
  DescribeStackDriftDetectionStatusCommand,
  DescribeStackEventsCommand,
  DescribeStackResourceDriftsCommand,
  DescribeStacksCommand,
  DetectStackDriftCommand,
  ExecuteChangeSetCommand,
  GetTemplateCommand,
  ListStackResourcesCommand,
  ListStacksCommand,
  UpdateTerminationProtectionCommand,
  type Parameter,
} from '@aws-sdk/client-cloudformation';
import {
  DeleteParametersCommand,
  GetParameterCommand,
  GetParametersByPathCommand,
  PutParameterCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterEach, describe, expect, it } from 'vitest';
import {
  emulatedEstate,
  type CloudFormationTuning,
  type EmulatedEstate,
} from '../_helpers/estate-emulator.js';

const ACCOUNT = '111111111111';
const REGION = 'eu-west-2';
const base = { accessKeyId: 'AKIDEMULATOR', secretAccessKey: 'emulator' };

let estate: EmulatedEstate | undefined;
afterEach(async () => {
  await estate?.close();
  estate = undefined;
});

async function setup(tuning: CloudFormationTuning = {}) {
  estate = await emulatedEstate({}, ACCOUNT, tuning);
  const config = { region: REGION, endpoint: estate.emulator.url, credentials: base, maxAttempts: 1 };
  return {
    estate,
    cfn: new CloudFormationClient(config),
    s3: new S3Client({ ...config, forcePathStyle: true }),
    ssm: new SSMClient(config),
    sts: new STSClient(config),
  };
}

const bucketTemplate = (extra: Record<string, unknown> = {}, outputs: Record<string, unknown> = {}) =>
  JSON.stringify({
    Parameters: { Env: { Type: 'String', Default: 'dev' } },
    Conditions: { IsProd: { 'Fn::Equals': [{ Ref: 'Env' }, 'prod'] } },
    Resources: {
      Data: {
        Type: 'AWS::S3::Bucket',
        Properties: {
          BucketName: { 'Fn::Sub': '${Env}-data-${AWS::AccountId}' },
          Tags: [{ Key: 'tier', Value: { 'Fn::If': ['IsProd', 'gold', { Ref: 'AWS::NoValue' }] } }],
        },
      },
      Version: {
        Type: 'AWS::SSM::Parameter',
        Properties: {
          Type: 'String',
          Name: '/app/version',
          Value: { 'Fn::Select': [1, { 'Fn::Split': [',', 'a,b,c'] }] },
        },
      },
      ...extra,
    },
    Outputs: {
      Arn: { Value: { 'Fn::GetAtt': ['Data', 'Arn'] }, Export: { Name: 'data-arn' } },
      Zones: { Value: { 'Fn::Join': ['|', { 'Fn::GetAZs': '' }] } },
      ...outputs,
    },
  });

async function deploy(
  cfn: CloudFormationClient,
  stackName: string,
  body: string,
  type: 'CREATE' | 'UPDATE',
  parameters: Parameter[] = [],
) {
  const cs = await cfn.send(
    new CreateChangeSetCommand({
      StackName: stackName,
      ChangeSetName: `cs-${Date.now()}`,
      ChangeSetType: type,
      TemplateBody: body,
      Parameters: parameters,
      Tags: [{ Key: 'estate:env', Value: 'dev' }],
    }),
  );
  const described = await cfn.send(new DescribeChangeSetCommand({ ChangeSetName: cs.Id }));
  if (described.Status === 'CREATE_COMPLETE')
    await cfn.send(new ExecuteChangeSetCommand({ ChangeSetName: cs.Id }));
  return { cs, described };
}

const status = async (cfn: CloudFormationClient, name: string) =>
  (await cfn.send(new DescribeStacksCommand({ StackName: name }))).Stacks![0]!;

describe('FakeCloudFormation', () => {
  it('creates a stack through a change set: REVIEW_IN_PROGRESS → CREATE_COMPLETE, intrinsics, outputs, side effects', async () => {
    const { cfn, ssm, estate } = await setup();
    const { described } = await deploy(cfn, 'app', bucketTemplate(), 'CREATE');
    expect(
      described.Changes?.map((c) => [c.ResourceChange?.Action, c.ResourceChange?.LogicalResourceId]),
    ).toEqual([
      ['Add', 'Data'],
      ['Add', 'Version'],
    ]);
    const stack = await status(cfn, 'app');
    expect(stack.StackStatus).toBe('CREATE_COMPLETE');
    expect(stack.Tags).toEqual([{ Key: 'estate:env', Value: 'dev' }]);
    expect(Object.fromEntries(stack.Outputs!.map((o) => [o.OutputKey, o.OutputValue]))).toEqual({
      Arn: `arn:aws:s3:::dev-data-${ACCOUNT}`,
      Zones: 'eu-west-2a|eu-west-2b|eu-west-2c',
    });
    expect(estate.s3.buckets.get(`dev-data-${ACCOUNT}`)?.account).toBe(ACCOUNT);
    const p = await ssm.send(new GetParameterCommand({ Name: '/app/version' }));
    expect(p.Parameter?.Value).toBe('b');
    const events = (await cfn.send(new DescribeStackEventsCommand({ StackName: 'app' }))).StackEvents!;
    expect(events[0]?.ResourceStatus).toBe('CREATE_COMPLETE');
    expect(events[0]?.LogicalResourceId).toBe('app');
    expect(events.at(-1)?.ResourceStatus).toBe('REVIEW_IN_PROGRESS');
    const resources = (await cfn.send(new ListStackResourcesCommand({ StackName: 'app' })))
      .StackResourceSummaries!;
    expect(resources.find((r) => r.LogicalResourceId === 'Data')?.PhysicalResourceId).toBe(
      `dev-data-${ACCOUNT}`,
    );
  });

  it('gives the template body back exactly and answers "does not exist" like AWS', async () => {
    const { cfn } = await setup();
    const body = bucketTemplate();
    await deploy(cfn, 'app', body, 'CREATE');
    expect((await cfn.send(new GetTemplateCommand({ StackName: 'app' }))).TemplateBody).toBe(body);
    const error = await cfn.send(new DescribeStacksCommand({ StackName: 'nope' })).catch((e: Error) => e);
    expect(error).toMatchObject({ name: 'ValidationError', message: 'Stack with id nope does not exist' });
    expect((error as { $metadata: { httpStatusCode: number } }).$metadata.httpStatusCode).toBe(400);
  });

  it('fails an unchanged change set with AWS\'s "didn\'t contain changes" reason', async () => {
    const { cfn } = await setup();
    await deploy(cfn, 'app', bucketTemplate(), 'CREATE');
    const { described } = await deploy(cfn, 'app', bucketTemplate(), 'UPDATE');
    expect(described.Status).toBe('FAILED');
    expect(described.ExecutionStatus).toBe('UNAVAILABLE');
    expect(described.StatusReason).toContain("The submitted information didn't contain changes.");
  });

  it('updates in place, and a parameter change flows through Fn::Sub into a replacement', async () => {
    const { cfn, estate } = await setup();
    await deploy(cfn, 'app', bucketTemplate(), 'CREATE');
    const { described } = await deploy(cfn, 'app', bucketTemplate(), 'UPDATE', [
      { ParameterKey: 'Env', ParameterValue: 'prod' },
    ]);
    expect(described.Changes?.[0]?.ResourceChange).toMatchObject({ Action: 'Modify', Replacement: 'True' });
    expect((await status(cfn, 'app')).StackStatus).toBe('UPDATE_COMPLETE');
    expect(estate.s3.buckets.has(`prod-data-${ACCOUNT}`)).toBe(true);
    expect(estate.s3.buckets.has(`dev-data-${ACCOUNT}`)).toBe(false);
  });

  it('rolls a failed create back to ROLLBACK_COMPLETE, undoing what it made', async () => {
    const { cfn, estate } = await setup({
      faults: [
        { logicalId: 'Broken', operation: 'create', reason: 'Resource handler returned message: "boom"' },
      ],
    });
    await deploy(
      cfn,
      'app',
      bucketTemplate({ Broken: { Type: 'AWS::SNS::Topic', DependsOn: ['Data', 'Version'] } }),
      'CREATE',
    );
    const stack = await status(cfn, 'app');
    expect(stack.StackStatus).toBe('ROLLBACK_COMPLETE');
    const events = (await cfn.send(new DescribeStackEventsCommand({ StackName: 'app' }))).StackEvents!;
    expect(events.find((e) => e.ResourceStatus === 'CREATE_FAILED')).toMatchObject({
      LogicalResourceId: 'Broken',
      ResourceStatusReason: 'Resource handler returned message: "boom"',
    });
    expect(estate.s3.buckets.has(`dev-data-${ACCOUNT}`)).toBe(false);
    const update = await cfn
      .send(
        new CreateChangeSetCommand({
          StackName: 'app',
          ChangeSetName: 'again',
          TemplateBody: bucketTemplate(),
        }),
      )
      .catch((e: Error) => e);
    expect(update).toMatchObject({
      name: 'ValidationError',
      message: expect.stringContaining('ROLLBACK_COMPLETE state and can not be updated'),
    });
  });

  it('rolls a failed update back to UPDATE_ROLLBACK_COMPLETE with the old template', async () => {
    const { cfn } = await setup({
      faults: [{ resourceType: 'AWS::SSM::Parameter', operation: 'update', reason: 'denied' }],
    });
    const body = bucketTemplate();
    await deploy(cfn, 'app', body, 'CREATE');
    await deploy(cfn, 'app', body.replace('a,b,c', 'x,y,z'), 'UPDATE');
    expect((await status(cfn, 'app')).StackStatus).toBe('UPDATE_ROLLBACK_COMPLETE');
    expect((await cfn.send(new GetTemplateCommand({ StackName: 'app' }))).TemplateBody).toBe(body);
  });

  it('refuses to delete a protected stack, and fails to delete a non-empty bucket (DELETE_FAILED)', async () => {
    const { cfn, s3 } = await setup();
    await deploy(cfn, 'app', bucketTemplate(), 'CREATE');
    await cfn.send(
      new UpdateTerminationProtectionCommand({ StackName: 'app', EnableTerminationProtection: true }),
    );
    const refused = await cfn.send(new DeleteStackCommand({ StackName: 'app' })).catch((e: Error) => e);
    expect(refused).toMatchObject({
      name: 'ValidationError',
      message: 'Stack [app] cannot be deleted while TerminationProtection is enabled',
    });
    await cfn.send(
      new UpdateTerminationProtectionCommand({ StackName: 'app', EnableTerminationProtection: false }),
    );
    await s3.send(new PutObjectCommand({ Bucket: `dev-data-${ACCOUNT}`, Key: 'file', Body: 'x' }));
    await cfn.send(new DeleteStackCommand({ StackName: 'app' }));
    const stack = await status(cfn, 'app');
    expect(stack.StackStatus).toBe('DELETE_FAILED');
    const events = (await cfn.send(new DescribeStackEventsCommand({ StackName: 'app' }))).StackEvents!;
    expect(
      events.find((e) => e.ResourceStatus === 'DELETE_FAILED' && e.LogicalResourceId === 'Data')
        ?.ResourceStatusReason,
    ).toContain('The bucket you tried to delete is not empty');
    // Retaining the bucket lets the delete finish; the stack is then gone by name, kept by id.
    await cfn.send(new DeleteStackCommand({ StackName: 'app', RetainResources: ['Data'] }));
    expect((await status(cfn, stack.StackId!)).StackStatus).toBe('DELETE_COMPLETE');
    await expect(status(cfn, 'app')).rejects.toThrow('does not exist');
  });

  it('resolves Fn::ImportValue across stacks and will not delete an export still imported', async () => {
    const { cfn } = await setup();
    await deploy(cfn, 'producer', bucketTemplate(), 'CREATE');
    const consumer = JSON.stringify({
      Resources: {
        P: {
          Type: 'AWS::SSM::Parameter',
          Properties: { Type: 'String', Name: '/c/arn', Value: { 'Fn::ImportValue': 'data-arn' } },
        },
      },
    });
    await deploy(cfn, 'consumer', consumer, 'CREATE');
    expect((await status(cfn, 'consumer')).StackStatus).toBe('CREATE_COMPLETE');
    await cfn.send(new DeleteStackCommand({ StackName: 'producer' }));
    const producer = await status(cfn, 'producer');
    expect(producer.StackStatus).toBe('DELETE_FAILED');
    expect(producer.StackStatusReason).toBe('Export data-arn cannot be deleted as it is in use by consumer');
    const missing = await deploy(
      cfn,
      'other',
      consumer.replace('data-arn', 'nothing').replace('/c/arn', '/o/arn'),
      'CREATE',
    );
    expect(missing.described).toMatchObject({
      Status: 'FAILED',
      StatusReason: expect.stringContaining('No export named nothing found'),
    });
  });

  it('reads AWS::SSM::Parameter::Value<String> parameters from SSM, failing like AWS when absent', async () => {
    const { cfn, estate } = await setup();
    const body = JSON.stringify({
      Parameters: {
        BootstrapVersion: {
          Type: 'AWS::SSM::Parameter::Value<String>',
          Default: '/cdk-bootstrap/hnb659fds/version',
        },
      },
      Rules: {
        CheckBootstrapVersion: {
          Assertions: [
            {
              Assert: {
                'Fn::Not': [{ 'Fn::Contains': [['1', '2', '3', '4', '5'], { Ref: 'BootstrapVersion' }] }],
              },
              AssertDescription: 'CDK bootstrap stack version 6 required.',
            },
          ],
        },
      },
      Resources: { T: { Type: 'AWS::SNS::Topic' } },
    });
    const absent = await cfn
      .send(
        new CreateChangeSetCommand({
          StackName: 's',
          ChangeSetName: 'a',
          ChangeSetType: 'CREATE',
          TemplateBody: body,
        }),
      )
      .catch((e: Error) => e);
    expect(absent).toMatchObject({
      name: 'ValidationError',
      message:
        'Unable to fetch parameters [/cdk-bootstrap/hnb659fds/version] from parameter store for this account.',
    });
    estate.ssm.put(ACCOUNT, REGION, { Name: '/cdk-bootstrap/hnb659fds/version', Value: '4' });
    const old = await cfn
      .send(
        new CreateChangeSetCommand({
          StackName: 's',
          ChangeSetName: 'b',
          ChangeSetType: 'CREATE',
          TemplateBody: body,
        }),
      )
      .catch((e: Error) => e);
    expect(old).toMatchObject({
      name: 'ValidationError',
      message: 'CDK bootstrap stack version 6 required.',
    });
    estate.ssm.put(ACCOUNT, REGION, {
      Name: '/cdk-bootstrap/hnb659fds/version',
      Value: '30',
      Overwrite: true,
    });
    await deploy(cfn, 's', body, 'CREATE');
    expect((await status(cfn, 's')).Parameters).toEqual([
      {
        ParameterKey: 'BootstrapVersion',
        ParameterValue: '/cdk-bootstrap/hnb659fds/version',
        ResolvedValue: '30',
      },
    ]);
  });

  it('reads a TemplateURL from the fake S3 only when it names the emulator', async () => {
    const { cfn, s3, estate } = await setup();
    estate.s3.createBucket(ACCOUNT, REGION, 'templates');
    await s3.send(new PutObjectCommand({ Bucket: 'templates', Key: 't.json', Body: bucketTemplate() }));
    const ok = await cfn.send(
      new CreateChangeSetCommand({
        StackName: 'u',
        ChangeSetName: 'a',
        ChangeSetType: 'CREATE',
        TemplateURL: `${estate.emulator.url}/templates/t.json`,
      }),
    );
    expect(ok.Id).toMatch(/^arn:aws:cloudformation:eu-west-2:111111111111:changeSet\/a\//);
    const foreign = await cfn
      .send(
        new CreateChangeSetCommand({
          StackName: 'v',
          ChangeSetName: 'a',
          ChangeSetType: 'CREATE',
          TemplateURL: 'https://s3.eu-west-2.amazonaws.com/templates/t.json',
        }),
      )
      .catch((e: Error) => e);
    expect(foreign).toMatchObject({
      name: 'ValidationError',
      message: 'TemplateURL must be a supported URL.',
    });
  });

  it('keeps an operation IN_PROGRESS for the configured number of polls', async () => {
    const { cfn } = await setup({ inProgressPolls: 2 });
    const cs = await cfn.send(
      new CreateChangeSetCommand({
        StackName: 'p',
        ChangeSetName: 'a',
        ChangeSetType: 'CREATE',
        TemplateBody: bucketTemplate(),
      }),
    );
    expect((await cfn.send(new DescribeChangeSetCommand({ ChangeSetName: cs.Id }))).Status).toBe(
      'CREATE_IN_PROGRESS',
    );
    expect((await cfn.send(new DescribeChangeSetCommand({ ChangeSetName: cs.Id }))).Status).toBe(
      'CREATE_IN_PROGRESS',
    );
    expect((await cfn.send(new DescribeChangeSetCommand({ ChangeSetName: cs.Id }))).Status).toBe(
      'CREATE_COMPLETE',
    );
    await cfn.send(new ExecuteChangeSetCommand({ ChangeSetName: cs.Id }));
    const seen = [];
    for (let i = 0; i < 3; i++) seen.push((await status(cfn, 'p')).StackStatus);
    expect(seen).toEqual(['CREATE_IN_PROGRESS', 'CREATE_IN_PROGRESS', 'CREATE_COMPLETE']);
  });

  it('pages ListStacks and DescribeStackEvents with NextToken, and filters ListStacks by status', async () => {
    const { cfn } = await setup({ pageSize: 2 });
    const topic = JSON.stringify({ Resources: { T: { Type: 'AWS::SNS::Topic' } } });
    for (const name of ['a', 'b', 'c']) await deploy(cfn, name, topic, 'CREATE');
    await cfn.send(new DeleteStackCommand({ StackName: 'b' }));
    const first = await cfn.send(new ListStacksCommand({}));
    expect(first.StackSummaries).toHaveLength(2);
    const second = await cfn.send(new ListStacksCommand({ NextToken: first.NextToken }));
    expect(second.NextToken).toBeUndefined();
    expect([...first.StackSummaries!, ...second.StackSummaries!].map((s) => s.StackName).sort()).toEqual([
      'a',
      'b',
      'c',
    ]);
    const live = await cfn.send(new ListStacksCommand({ StackStatusFilter: ['CREATE_COMPLETE'] }));
    expect(live.StackSummaries!.map((s) => s.StackName).sort()).toEqual(['a', 'c']);
    const events = await cfn.send(new DescribeStackEventsCommand({ StackName: 'a' }));
    expect(events.StackEvents).toHaveLength(2);
    expect(events.NextToken).toBeDefined();
    const forged = await cfn.send(new ListStacksCommand({ NextToken: 'bogus' })).catch((e: Error) => e);
    expect(forged).toMatchObject({ name: 'ValidationError' });
  });

  it('serves CreateStack and UpdateStack, answering "No updates are to be performed." for no change', async () => {
    const { cfn } = await setup();
    const body = bucketTemplate();
    const { StackId } = await cfn.send(new CreateStackCommand({ StackName: 'direct', TemplateBody: body }));
    expect((await status(cfn, 'direct')).StackId).toBe(StackId);
    const twice = await cfn
      .send(new CreateStackCommand({ StackName: 'direct', TemplateBody: body }))
      .catch((e: Error) => e);
    expect(twice).toMatchObject({ name: 'AlreadyExistsException' });
    const same = await cfn
      .send(new UpdateStackCommand({ StackName: 'direct', TemplateBody: body }))
      .catch((e: Error) => e);
    expect(same).toMatchObject({ name: 'ValidationError', message: 'No updates are to be performed.' });
    await cfn.send(
      new UpdateStackCommand({
        StackName: 'direct',
        UsePreviousTemplate: true,
        Parameters: [{ ParameterKey: 'Env', ParameterValue: 'qa' }],
      }),
    );
    expect(await status(cfn, 'direct')).toMatchObject({
      StackStatus: 'UPDATE_COMPLETE',
      Parameters: [{ ParameterKey: 'Env', ParameterValue: 'qa' }],
    });
  });

  it('creates a stack from a TemplateURL with termination protection and a role, retags it with UsePreviousTemplate, and records the delete role', async () => {
    const { cfn, s3, estate } = await setup();
    estate.s3.createBucket(ACCOUNT, REGION, 'templates');
    await s3.send(new PutObjectCommand({ Bucket: 'templates', Key: 'up.json', Body: bucketTemplate() }));
    const role = `arn:aws:iam::${ACCOUNT}:role/cdk-hnb659fds-cfn-exec-role-${ACCOUNT}-${REGION}`;
    const { StackId } = await cfn.send(
      new CreateStackCommand({
        StackName: 'up',
        TemplateURL: `${estate.emulator.url}/templates/up.json`,
        Tags: [{ Key: 'estate:env', Value: 'alice' }],
        RoleARN: role,
        EnableTerminationProtection: true,
      }),
    );
    expect(await status(cfn, 'up')).toMatchObject({
      StackStatus: 'CREATE_COMPLETE',
      RoleARN: role,
      EnableTerminationProtection: true,
      Tags: [{ Key: 'estate:env', Value: 'alice' }],
    });
    await cfn.send(
      new UpdateStackCommand({
        StackName: StackId,
        UsePreviousTemplate: true,
        Parameters: [{ ParameterKey: 'Env', UsePreviousValue: true }],
        RoleARN: role,
        Tags: [
          { Key: 'estate:env', Value: 'alice' },
          { Key: 'estate:expires-at', Value: '2026-12-03T10:00:00.000Z' },
        ],
      }),
    );
    const retagged = await status(cfn, 'up');
    expect(retagged.StackStatus).toBe('UPDATE_COMPLETE');
    expect(retagged.Tags).toContainEqual({ Key: 'estate:expires-at', Value: '2026-12-03T10:00:00.000Z' });
    const same = await cfn
      .send(
        new UpdateStackCommand({
          StackName: StackId,
          UsePreviousTemplate: true,
          Parameters: [{ ParameterKey: 'Env', UsePreviousValue: true }],
          Tags: retagged.Tags,
        }),
      )
      .catch((e: Error) => e);
    expect(same).toMatchObject({ message: 'No updates are to be performed.' });
    await cfn.send(
      new UpdateTerminationProtectionCommand({ StackName: 'up', EnableTerminationProtection: false }),
    );
    await cfn.send(new DeleteStackCommand({ StackName: 'up', RoleARN: role }));
    expect(estate.cloudformation.stack(ACCOUNT, REGION, StackId!)).toMatchObject({
      status: 'DELETE_COMPLETE',
      deleteRoleArn: role,
    });
    // A deleted stack's name can be created again.
    await cfn.send(
      new CreateStackCommand({ StackName: 'up', TemplateURL: `${estate.emulator.url}/templates/up.json` }),
    );
    expect((await status(cfn, 'up')).StackId).not.toBe(StackId);
  });

  it('serves GetParametersByPath (recursive or one level, short pages with NextToken) and DeleteParameters in batches', async () => {
    const { ssm } = await setup();
    for (let i = 0; i < 12; i++)
      await ssm.send(
        new PutParameterCommand({
          Name: `/estate/env/alice/stacks/s${String(i).padStart(2, '0')}`,
          Value: `${i}`,
          Type: 'String',
        }),
      );
    await ssm.send(new PutParameterCommand({ Name: '/estate/env/alice/warned', Value: 'w', Type: 'String' }));
    await ssm.send(new PutParameterCommand({ Name: '/estate/env/bob/warned', Value: 'w', Type: 'String' }));
    const names: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const out = await ssm.send(
        new GetParametersByPathCommand({
          Path: '/estate/env/alice',
          Recursive: true,
          ...(token ? { NextToken: token } : {}),
        }),
      );
      names.push(...(out.Parameters ?? []).map((p) => p.Name!));
      token = out.NextToken;
      pages++;
    } while (token);
    expect(names).toHaveLength(13);
    expect(pages).toBe(2);
    const level = await ssm.send(new GetParametersByPathCommand({ Path: '/estate/env/alice/' }));
    expect(level.Parameters?.map((p) => p.Name)).toEqual(['/estate/env/alice/warned']);
    const tooMany = await ssm
      .send(new GetParametersByPathCommand({ Path: '/estate', MaxResults: 11 }))
      .catch((e: Error) => e);
    expect(tooMany).toMatchObject({ name: 'ValidationException' });
    const deleted = await ssm.send(
      new DeleteParametersCommand({ Names: ['/estate/env/alice/warned', '/estate/env/alice/none'] }),
    );
    expect(deleted).toMatchObject({
      DeletedParameters: ['/estate/env/alice/warned'],
      InvalidParameters: ['/estate/env/alice/none'],
    });
    const eleven = await ssm
      .send(new DeleteParametersCommand({ Names: names.slice(0, 11) }))
      .catch((e: Error) => e);
    expect(eleven).toMatchObject({ name: 'ValidationException' });
  });

  it('detects drift marked on a resource', async () => {
    const { cfn, estate } = await setup();
    await deploy(cfn, 'app', bucketTemplate(), 'CREATE');
    estate.cloudformation.driftResource(ACCOUNT, REGION, 'app', 'Version', {
      Type: 'String',
      Name: '/app/version',
      Value: 'hand-edited',
    });
    const { StackDriftDetectionId } = await cfn.send(new DetectStackDriftCommand({ StackName: 'app' }));
    const detection = await cfn.send(new DescribeStackDriftDetectionStatusCommand({ StackDriftDetectionId }));
    expect(detection).toMatchObject({
      DetectionStatus: 'DETECTION_COMPLETE',
      StackDriftStatus: 'DRIFTED',
      DriftedStackResourceCount: 1,
    });
    const drifts = await cfn.send(
      new DescribeStackResourceDriftsCommand({
        StackName: 'app',
        StackResourceDriftStatusFilters: ['MODIFIED'],
      }),
    );
    expect(
      drifts.StackResourceDrifts?.map((d) => [d.LogicalResourceId, d.PropertyDifferences?.[0]?.PropertyPath]),
    ).toEqual([['Version', '/Value']]);
  });
});

describe('per-account STS', () => {
  it('issues keys that sign as the role account, and refuses CDK roles of an unbootstrapped account', async () => {
    const { sts } = await setup();
    expect((await sts.send(new GetCallerIdentityCommand({}))).Account).toBe(ACCOUNT);
    const assumed = await sts.send(
      new AssumeRoleCommand({
        RoleArn: 'arn:aws:iam::222222222222:role/OrganizationAccountAccessRole',
        RoleSessionName: 'estate',
      }),
    );
    const member = new STSClient({
      region: REGION,
      endpoint: estate!.emulator.url,
      credentials: {
        accessKeyId: assumed.Credentials!.AccessKeyId!,
        secretAccessKey: assumed.Credentials!.SecretAccessKey!,
        sessionToken: assumed.Credentials!.SessionToken!,
      },
    });
    expect(await member.send(new GetCallerIdentityCommand({}))).toMatchObject({
      Account: '222222222222',
      Arn: 'arn:aws:sts::222222222222:assumed-role/OrganizationAccountAccessRole/estate',
    });
    const denied = await sts
      .send(
        new AssumeRoleCommand({
          RoleArn: 'arn:aws:iam::222222222222:role/cdk-hnb659fds-deploy-role-222222222222-eu-west-2',
          RoleSessionName: 'x1',
        }),
      )
      .catch((e: Error) => e);
    expect(denied).toMatchObject({ name: 'AccessDenied' });
  });
});
