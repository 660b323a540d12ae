import {
  CloudFormationClient,
  CloudFormationServiceException,
  DescribeStackDriftDetectionStatusCommand,
  DescribeStackEventsCommand,
  DescribeStackResourceDriftsCommand,
  DescribeStacksCommand,
  DetectStackDriftCommand,
  GetTemplateCommand,
  ListStackResourcesCommand,
  ListStacksCommand,
  UpdateTerminationProtectionCommand,
  type StackEvent,
} from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { AwsStacks, LIVE_STATUSES, parseTemplate } from '../../src/aws/cloudformation.js';
import { EstateError } from '../../src/errors.js';

const mock = mockClient(CloudFormationClient);
const at = { accountId: '222222222222', region: 'eu-west-2' };
const scopes: string[] = [];
const sleeps: number[] = [];
const adapter = (options = {}) =>
  new AwsStacks(
    (where) => {
      scopes.push(`${where.accountId}/${where.region}`);
      return new CloudFormationClient({
        region: where.region,
        credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
      });
    },
    { sleep: async (ms) => void sleeps.push(ms), pollMs: 5, maxPollMs: 50, ...options },
  );
const missing = (name: string) =>
  new CloudFormationServiceException({
    name: 'ValidationError',
    $fault: 'client',
    $metadata: {},
    message: `Stack with id ${name} does not exist`,
  });
const arn = (name: string) => `arn:aws:cloudformation:eu-west-2:222222222222:stack/${name}/0000`;

beforeEach(() => {
  mock.reset();
  scopes.length = 0;
  sleeps.length = 0;
});

describe('AwsStacks: listing and describing', () => {
  it('Given two pages of stacks, one deleted in between, When listing, Then every page is read, each stack described by id, the gone one left out', async () => {
    mock
      .on(ListStacksCommand)
      .resolvesOnce({
        StackSummaries: [
          {
            StackName: 'dev-data',
            StackId: arn('dev-data'),
            StackStatus: 'CREATE_COMPLETE',
            CreationTime: new Date(),
          },
        ],
        NextToken: 't1',
      })
      .resolvesOnce({
        StackSummaries: [
          {
            StackName: 'dev-api',
            StackId: arn('dev-api'),
            StackStatus: 'UPDATE_ROLLBACK_COMPLETE',
            CreationTime: new Date(),
          },
          {
            StackName: 'gone',
            StackId: arn('gone'),
            StackStatus: 'DELETE_IN_PROGRESS',
            CreationTime: new Date(),
          },
        ],
      });
    mock.on(DescribeStacksCommand, { StackName: arn('dev-data') }).resolves({
      Stacks: [
        {
          StackName: 'dev-data',
          StackId: arn('dev-data'),
          StackStatus: 'CREATE_COMPLETE',
          CreationTime: new Date('2026-01-01T00:00:00Z'),
          Tags: [{ Key: 'estate:env', Value: 'dev' }],
          Outputs: [{ OutputKey: 'TableName', OutputValue: 'users' }],
          Parameters: [
            {
              ParameterKey: 'BootstrapVersion',
              ParameterValue: '/cdk-bootstrap/hnb659fds/version',
              ResolvedValue: '30',
            },
            { ParameterKey: 'Size', ParameterValue: 'small' },
          ],
          EnableTerminationProtection: true,
        },
      ],
    });
    mock.on(DescribeStacksCommand, { StackName: arn('dev-api') }).resolves({
      Stacks: [
        {
          StackName: 'dev-api',
          StackId: arn('dev-api'),
          StackStatus: 'UPDATE_ROLLBACK_COMPLETE',
          StackStatusReason: 'boom',
          CreationTime: new Date('2026-01-02T00:00:00Z'),
          LastUpdatedTime: new Date('2026-01-03T00:00:00Z'),
        },
      ],
    });
    mock.on(DescribeStacksCommand, { StackName: arn('gone') }).rejects(missing(arn('gone')));

    const stacks = await adapter().listStacks(at);

    expect(mock.commandCalls(ListStacksCommand).map((c) => c.args[0].input)).toEqual([
      { StackStatusFilter: LIVE_STATUSES },
      { StackStatusFilter: LIVE_STATUSES, NextToken: 't1' },
    ]);
    expect(LIVE_STATUSES).not.toContain('DELETE_COMPLETE');
    expect(LIVE_STATUSES).toContain('DELETE_FAILED');
    expect(stacks).toEqual([
      {
        name: 'dev-data',
        id: arn('dev-data'),
        status: 'CREATE_COMPLETE',
        createdAt: new Date('2026-01-01T00:00:00Z'),
        tags: { 'estate:env': 'dev' },
        outputs: { TableName: 'users' },
        parameters: { BootstrapVersion: '/cdk-bootstrap/hnb659fds/version', Size: 'small' },
        terminationProtection: true,
      },
      {
        name: 'dev-api',
        id: arn('dev-api'),
        status: 'UPDATE_ROLLBACK_COMPLETE',
        statusReason: 'boom',
        createdAt: new Date('2026-01-02T00:00:00Z'),
        updatedAt: new Date('2026-01-03T00:00:00Z'),
        tags: {},
        outputs: {},
        parameters: {},
        terminationProtection: false,
      },
    ]);
    expect(new Set(scopes)).toEqual(new Set(['222222222222/eu-west-2']));
  });

  it('Given a stack that does not exist, When described, Then it is undefined; and other errors name the action and account', async () => {
    mock.on(DescribeStacksCommand, { StackName: 'nope' }).rejects(missing('nope'));
    mock.on(DescribeStacksCommand, { StackName: 'denied' }).rejects(
      new CloudFormationServiceException({
        name: 'AccessDenied',
        $fault: 'client',
        $metadata: {},
        message: 'no',
      }),
    );
    const stacks = adapter();
    expect(await stacks.describeStack(at, 'nope')).toBeUndefined();
    const error = await stacks.describeStack(at, 'denied').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EstateError);
    expect((error as Error).message).toMatch(
      /DescribeStacks stack denied in eu-west-2 in account 222222222222/,
    );
    expect((error as Error).message).toMatch(/cloudformation:DescribeStacks/);
  });
});

describe('AwsStacks: templates', () => {
  it('Given a JSON body, When read, Then it is parsed and GetTemplate asked for the Original stage', async () => {
    mock
      .on(GetTemplateCommand)
      .resolves({ TemplateBody: '{"Resources":{"T":{"Type":"AWS::DynamoDB::Table"}}}' });
    expect(await adapter().deployedTemplate(at, 'dev-data')).toEqual({
      Resources: { T: { Type: 'AWS::DynamoDB::Table' } },
    });
    expect(mock.commandCalls(GetTemplateCommand)[0]!.args[0].input).toEqual({
      StackName: 'dev-data',
      TemplateStage: 'Original',
    });
  });

  it('Given a YAML body with short-form intrinsics, When parsed, Then they become their long forms', () => {
    const yaml = [
      'Resources:',
      '  Fn:',
      '    Type: AWS::Lambda::Function',
      '    Properties:',
      '      Role: !GetAtt Role.Arn',
      '      Name: !Sub "${AWS::StackName}-fn"',
      '      Table: !Ref Table',
      '      Url: !Join',
      '        - ""',
      '        - [!Ref Api, ".execute-api"]',
      '      Pick: !Select [0, !GetAZs ""]',
    ].join('\n');
    expect(parseTemplate(yaml)).toEqual({
      Resources: {
        Fn: {
          Type: 'AWS::Lambda::Function',
          Properties: {
            Role: { 'Fn::GetAtt': ['Role', 'Arn'] },
            Name: { 'Fn::Sub': '${AWS::StackName}-fn' },
            Table: { Ref: 'Table' },
            Url: { 'Fn::Join': ['', [{ Ref: 'Api' }, '.execute-api']] },
            Pick: { 'Fn::Select': [0, { 'Fn::GetAZs': '' }] },
          },
        },
      },
    });
  });

  it('Given a missing stack, When its template is read, Then it is undefined', async () => {
    mock.on(GetTemplateCommand).rejects(missing('x'));
    expect(await adapter().deployedTemplate(at, 'x')).toBeUndefined();
  });
});

describe('AwsStacks: resources and failures', () => {
  it('Given two pages of resources, When listed, Then both pages are joined', async () => {
    mock
      .on(ListStackResourcesCommand)
      .resolvesOnce({
        StackResourceSummaries: [
          {
            LogicalResourceId: 'A',
            PhysicalResourceId: 'a',
            ResourceType: 'AWS::S3::Bucket',
            ResourceStatus: 'CREATE_COMPLETE',
            LastUpdatedTimestamp: new Date(),
          },
        ],
        NextToken: 'r1',
      })
      .resolvesOnce({
        StackResourceSummaries: [
          {
            LogicalResourceId: 'B',
            ResourceType: 'AWS::SQS::Queue',
            ResourceStatus: 'DELETE_FAILED',
            ResourceStatusReason: 'in use',
            LastUpdatedTimestamp: new Date(),
          },
        ],
      });
    expect(await adapter().stackResources(at, 's')).toEqual([
      { logicalId: 'A', physicalId: 'a', type: 'AWS::S3::Bucket', status: 'CREATE_COMPLETE' },
      { logicalId: 'B', type: 'AWS::SQS::Queue', status: 'DELETE_FAILED', statusReason: 'in use' },
    ]);
    expect(mock.commandCalls(ListStackResourcesCommand)[1]!.args[0].input).toEqual({
      StackName: 's',
      NextToken: 'r1',
    });
  });

  it('Given events of two operations over two pages, When failures are read, Then only the latest operation’s failed resources come, oldest first, without cancellations', async () => {
    const t = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));
    const ev = (
      s: number,
      logicalId: string,
      status: string,
      reason?: string,
      type = 'AWS::Lambda::Function',
    ): StackEvent => ({
      StackId: arn('api'),
      StackName: 'api',
      EventId: `${s}`,
      Timestamp: t(s),
      LogicalResourceId: logicalId,
      PhysicalResourceId: logicalId === 'api' ? arn('api') : `${logicalId}-phys`,
      ResourceType: logicalId === 'api' ? 'AWS::CloudFormation::Stack' : type,
      ResourceStatus: status as StackEvent['ResourceStatus'],
      ...(reason ? { ResourceStatusReason: reason } : {}),
    });
    mock
      .on(DescribeStackEventsCommand)
      .resolvesOnce({
        StackEvents: [
          ev(20, 'api', 'UPDATE_ROLLBACK_COMPLETE'),
          ev(19, 'Queue', 'UPDATE_FAILED', 'Resource update cancelled', 'AWS::SQS::Queue'),
          ev(18, 'Fn', 'UPDATE_FAILED', 'Role not found'),
          ev(17, 'api', 'UPDATE_ROLLBACK_IN_PROGRESS', 'The following resource(s) failed to update: [Fn]'),
        ],
        NextToken: 'e1',
      })
      .resolvesOnce({
        StackEvents: [
          ev(16, 'Table', 'UPDATE_FAILED', 'Throughput exceeded', 'AWS::DynamoDB::Table'),
          ev(15, 'api', 'UPDATE_IN_PROGRESS'),
          ev(10, 'Old', 'CREATE_FAILED', 'from the previous operation'),
        ],
        NextToken: 'e2',
      });

    const failures = await adapter().failures(at, 'api');

    expect(failures).toEqual([
      {
        logicalId: 'Table',
        resourceType: 'AWS::DynamoDB::Table',
        status: 'UPDATE_FAILED',
        reason: 'Throughput exceeded',
      },
      {
        logicalId: 'Fn',
        resourceType: 'AWS::Lambda::Function',
        status: 'UPDATE_FAILED',
        reason: 'Role not found',
      },
    ]);
    // The operation's start was on the second page: the third was never asked for.
    expect(mock.commandCalls(DescribeStackEventsCommand)).toHaveLength(2);
  });

  it('Given a `since`, When failures are read, Then events before it are not looked at', async () => {
    mock.on(DescribeStackEventsCommand).resolves({
      StackEvents: [
        {
          StackId: arn('s'),
          StackName: 's',
          EventId: '2',
          Timestamp: new Date('2026-01-02'),
          LogicalResourceId: 'B',
          ResourceType: 'AWS::S3::Bucket',
          ResourceStatus: 'DELETE_FAILED',
          ResourceStatusReason: 'not empty',
        },
        {
          StackId: arn('s'),
          StackName: 's',
          EventId: '1',
          Timestamp: new Date('2025-12-31'),
          LogicalResourceId: 'A',
          ResourceType: 'AWS::S3::Bucket',
          ResourceStatus: 'CREATE_FAILED',
          ResourceStatusReason: 'old',
        },
      ],
    });
    expect(await adapter().failures(at, 's', new Date('2026-01-01'))).toEqual([
      { logicalId: 'B', resourceType: 'AWS::S3::Bucket', status: 'DELETE_FAILED', reason: 'not empty' },
    ]);
  });
});

describe('AwsStacks: drift', () => {
  it('Given a detection in progress twice, When drift is detected, Then it is polled to its end and the drifted resources read (every page)', async () => {
    mock.on(DetectStackDriftCommand).resolves({ StackDriftDetectionId: 'd-1' });
    mock
      .on(DescribeStackDriftDetectionStatusCommand)
      .resolvesOnce({
        StackId: arn('s'),
        StackDriftDetectionId: 'd-1',
        DetectionStatus: 'DETECTION_IN_PROGRESS',
        Timestamp: new Date(),
      })
      .resolvesOnce({
        StackId: arn('s'),
        StackDriftDetectionId: 'd-1',
        DetectionStatus: 'DETECTION_IN_PROGRESS',
        Timestamp: new Date(),
      })
      .resolvesOnce({
        StackId: arn('s'),
        StackDriftDetectionId: 'd-1',
        DetectionStatus: 'DETECTION_COMPLETE',
        StackDriftStatus: 'DRIFTED',
        Timestamp: new Date(),
      });
    mock
      .on(DescribeStackResourceDriftsCommand)
      .resolvesOnce({
        StackResourceDrifts: [
          {
            StackId: arn('s'),
            LogicalResourceId: 'Bucket',
            ResourceType: 'AWS::S3::Bucket',
            StackResourceDriftStatus: 'MODIFIED',
            Timestamp: new Date(),
          },
        ],
        NextToken: 'n',
      })
      .resolvesOnce({
        StackResourceDrifts: [
          {
            StackId: arn('s'),
            LogicalResourceId: 'Queue',
            ResourceType: 'AWS::SQS::Queue',
            StackResourceDriftStatus: 'DELETED',
            Timestamp: new Date(),
          },
        ],
      });

    const drift = await adapter().detectDrift(at, 's');

    expect(drift).toEqual({
      status: 'DRIFTED',
      drifted: [
        { logicalId: 'Bucket', resourceType: 'AWS::S3::Bucket', status: 'MODIFIED' },
        { logicalId: 'Queue', resourceType: 'AWS::SQS::Queue', status: 'DELETED' },
      ],
    });
    expect(mock.commandCalls(DescribeStackDriftDetectionStatusCommand).map((c) => c.args[0].input)).toEqual([
      { StackDriftDetectionId: 'd-1' },
      { StackDriftDetectionId: 'd-1' },
      { StackDriftDetectionId: 'd-1' },
    ]);
    expect(sleeps).toEqual([5, 5]);
    expect(mock.commandCalls(DescribeStackResourceDriftsCommand)[0]!.args[0].input).toEqual({
      StackName: 's',
      StackResourceDriftStatusFilters: ['MODIFIED', 'DELETED'],
    });
  });

  it('Given a detection that never ends, When drift is detected, Then it gives up with an error saying so', async () => {
    mock.on(DetectStackDriftCommand).resolves({ StackDriftDetectionId: 'd-2' });
    mock.on(DescribeStackDriftDetectionStatusCommand).resolves({
      StackId: arn('s'),
      StackDriftDetectionId: 'd-2',
      DetectionStatus: 'DETECTION_IN_PROGRESS',
      Timestamp: new Date(),
    });
    await expect(adapter().detectDrift(at, 's')).rejects.toThrow(/still in progress/);
    expect(mock.commandCalls(DescribeStackResourceDriftsCommand)).toHaveLength(0);
  });
});

describe('AwsStacks: termination protection', () => {
  it('Given a protected stack, When protection is turned off, Then UpdateTerminationProtection is sent in its account; errors name the action', async () => {
    mock.on(UpdateTerminationProtectionCommand).resolves({ StackId: arn('live-data') });
    const stacks = adapter();
    await stacks.setTerminationProtection(at, 'live-data', false);
    expect(mock.commandCalls(UpdateTerminationProtectionCommand).map((c) => c.args[0].input)).toEqual([
      { StackName: 'live-data', EnableTerminationProtection: false },
    ]);
    expect(scopes).toEqual(['222222222222/eu-west-2']);
    mock.on(UpdateTerminationProtectionCommand).rejects(missing('gone'));
    const error = await stacks.setTerminationProtection(at, 'gone', false).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/UpdateTerminationProtection stack gone in eu-west-2/);
  });
});
