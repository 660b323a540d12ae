import {
  CloudFormationClient,
  CloudFormationServiceException,
  CreateStackCommand,
  DeleteStackCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  UpdateStackCommand,
  type Stack,
  type StackStatus,
} from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { AwsStacks } from '../../src/aws/cloudformation.js';

const mock = mockClient(CloudFormationClient);
const at = { accountId: '222222222222', region: 'eu-west-2' };
const sleeps: number[] = [];
const adapter = (options = {}) =>
  new AwsStacks(
    (where) =>
      new CloudFormationClient({
        region: where.region,
        credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
      }),
    {
      sleep: async (ms) => void sleeps.push(ms),
      pollMs: 10,
      maxPollIntervalMs: 40,
      token: () => 't1',
      ...options,
    },
  );
const cfnError = (name: string, message: string) =>
  new CloudFormationServiceException({ name, $fault: 'client', $metadata: {}, message });
const id = 'arn:aws:cloudformation:eu-west-2:222222222222:stack/alice-api/1';
const stack = (status: string, extra: Partial<Stack> = {}): Stack => ({
  StackName: 'alice-api',
  StackId: id,
  StackStatus: status as StackStatus,
  CreationTime: new Date('2026-11-01T00:00:00Z'),
  ...extra,
});

beforeEach(() => {
  mock.reset();
  sleeps.length = 0;
});

describe('AwsStacks: createStack and deleteStack', () => {
  it('Given a record, When creating, Then CreateStack gets the template URL, tags, parameters, capabilities, role, protection and a request token', async () => {
    mock.on(CreateStackCommand).resolves({ StackId: id });
    const out = await adapter().createStack(at, {
      name: 'alice-api',
      templateUrl: 'https://cdk-hnb659fds-assets-222222222222-eu-west-2.s3.eu-west-2.amazonaws.com/abc.json',
      tags: { 'estate:env': 'alice' },
      parameters: { BootstrapVersion: '/cdk-bootstrap/hnb659fds/version' },
      roleArn: 'arn:aws:iam::222222222222:role/cdk-hnb659fds-cfn-exec-role-222222222222-eu-west-2',
      capabilities: ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM', 'CAPABILITY_AUTO_EXPAND'],
      terminationProtection: true,
    });
    expect(out).toBe(id);
    expect(mock.commandCalls(CreateStackCommand)[0]!.args[0].input).toEqual({
      StackName: 'alice-api',
      TemplateURL: 'https://cdk-hnb659fds-assets-222222222222-eu-west-2.s3.eu-west-2.amazonaws.com/abc.json',
      Tags: [{ Key: 'estate:env', Value: 'alice' }],
      Parameters: [{ ParameterKey: 'BootstrapVersion', ParameterValue: '/cdk-bootstrap/hnb659fds/version' }],
      Capabilities: ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM', 'CAPABILITY_AUTO_EXPAND'],
      RoleARN: 'arn:aws:iam::222222222222:role/cdk-hnb659fds-cfn-exec-role-222222222222-eu-west-2',
      EnableTerminationProtection: true,
      ClientRequestToken: 'estate-create-t1',
    });
  });

  it('Given the stack exists, When creating, Then the error says it already exists', async () => {
    mock
      .on(CreateStackCommand)
      .rejects(cfnError('AlreadyExistsException', 'Stack [alice-api] already exists'));
    await expect(
      adapter().createStack(at, {
        name: 'alice-api',
        templateUrl: 'https://x/y',
        tags: {},
        capabilities: [],
      }),
    ).rejects.toMatchObject({ code: 'StackExists', message: expect.stringContaining('already exists') });
  });

  it('Given a role, When deleting, Then DeleteStack gets it; a failure names the action and the stack', async () => {
    mock.on(DeleteStackCommand).resolvesOnce({}).rejects(cfnError('AccessDenied', 'not authorized'));
    await adapter().deleteStack(at, 'alice-api', 'arn:aws:iam::222222222222:role/exec');
    expect(mock.commandCalls(DeleteStackCommand)[0]!.args[0].input).toEqual({
      StackName: 'alice-api',
      RoleARN: 'arn:aws:iam::222222222222:role/exec',
      ClientRequestToken: 'estate-delete-t1',
    });
    await expect(adapter().deleteStack(at, 'alice-api')).rejects.toThrow(/DeleteStack.*alice-api/);
    expect(mock.commandCalls(DeleteStackCommand)[1]!.args[0].input).not.toHaveProperty('RoleARN');
  });
});

describe('AwsStacks: waitForStack', () => {
  it('Given a stack in progress twice, When waited for, Then DescribeStacks is polled with growing waits until it settles', async () => {
    mock
      .on(DescribeStacksCommand)
      .resolvesOnce({ Stacks: [stack('CREATE_IN_PROGRESS')] })
      .resolvesOnce({ Stacks: [stack('CREATE_IN_PROGRESS')] })
      .resolvesOnce({ Stacks: [stack('CREATE_IN_PROGRESS')] })
      .resolves({ Stacks: [stack('CREATE_COMPLETE')] });
    const out = await adapter().waitForStack(at, id);
    expect(out?.status).toBe('CREATE_COMPLETE');
    expect(sleeps).toEqual([10, 15, 23]);
  });

  it('Given a deleted stack (DELETE_COMPLETE by id, or "does not exist"), When waited for, Then it is gone (undefined)', async () => {
    mock
      .on(DescribeStacksCommand)
      .resolvesOnce({ Stacks: [stack('DELETE_IN_PROGRESS')] })
      .resolves({
        Stacks: [stack('DELETE_COMPLETE')],
      });
    expect(await adapter().waitForStack(at, id)).toBeUndefined();
    mock.reset();
    mock.on(DescribeStacksCommand).rejects(cfnError('ValidationError', `Stack with id ${id} does not exist`));
    expect(await adapter().waitForStack(at, id)).toBeUndefined();
  });

  it('Given a stack that never settles, When waited for with a timeout, Then it fails naming the status; an aborted signal stops it', async () => {
    mock.on(DescribeStacksCommand).resolves({ Stacks: [stack('DELETE_IN_PROGRESS')] });
    await expect(adapter().waitForStack(at, id, { timeoutMs: 100 })).rejects.toMatchObject({
      code: 'StackWaitTimeout',
      message: expect.stringContaining('DELETE_IN_PROGRESS'),
    });
    const controller = new AbortController();
    const slow = adapter({ sleep: () => new Promise<void>(() => {}) });
    const waiting = slow.waitForStack(at, id, { signal: controller.signal });
    setTimeout(() => controller.abort(), 5);
    await expect(waiting).rejects.toMatchObject({ code: 'Interrupted' });
  });
});

describe('AwsStacks: updateStackTags', () => {
  const live = stack('UPDATE_COMPLETE', {
    Parameters: [
      { ParameterKey: 'BootstrapVersion', ParameterValue: '/cdk-bootstrap/hnb659fds/version' },
      { ParameterKey: 'Size', ParameterValue: 'dev' },
    ],
    Capabilities: ['CAPABILITY_IAM'],
    RoleARN: 'arn:aws:iam::222222222222:role/exec',
  });

  it('Given a live stack, When retagged, Then UpdateStack keeps the template, every parameter, capabilities and role, and waits for UPDATE_COMPLETE', async () => {
    mock
      .on(DescribeStacksCommand)
      .resolvesOnce({ Stacks: [live] })
      .resolvesOnce({ Stacks: [{ ...live, StackStatus: 'UPDATE_IN_PROGRESS' as StackStatus }] })
      .resolves({ Stacks: [live] });
    mock.on(UpdateStackCommand).resolves({ StackId: id });
    await adapter().updateStackTags(at, 'alice-api', { 'estate:expires-at': '2026-12-03T10:00:00.000Z' });
    expect(mock.commandCalls(UpdateStackCommand)[0]!.args[0].input).toEqual({
      StackName: id,
      UsePreviousTemplate: true,
      Parameters: [
        { ParameterKey: 'BootstrapVersion', UsePreviousValue: true },
        { ParameterKey: 'Size', UsePreviousValue: true },
      ],
      Capabilities: ['CAPABILITY_IAM'],
      RoleARN: 'arn:aws:iam::222222222222:role/exec',
      Tags: [{ Key: 'estate:expires-at', Value: '2026-12-03T10:00:00.000Z' }],
      ClientRequestToken: 'estate-retag-t1',
    });
    expect(mock.commandCalls(DescribeStacksCommand)).toHaveLength(3);
  });

  it('Given the same tags, When retagged, Then "No updates are to be performed" is success and nothing is waited for', async () => {
    mock.on(DescribeStacksCommand).resolves({ Stacks: [live] });
    mock.on(UpdateStackCommand).rejects(cfnError('ValidationError', 'No updates are to be performed.'));
    await adapter().updateStackTags(at, 'alice-api', {});
    expect(mock.commandCalls(DescribeStacksCommand)).toHaveLength(1);
  });

  it('Given an update that rolls back, When retagged, Then the error names the status and the failing resource', async () => {
    mock
      .on(DescribeStacksCommand)
      .resolvesOnce({ Stacks: [live] })
      .resolves({ Stacks: [{ ...live, StackStatus: 'UPDATE_ROLLBACK_COMPLETE' as StackStatus }] });
    mock.on(UpdateStackCommand).resolves({ StackId: id });
    mock.on(DescribeStackEventsCommand).resolves({
      StackEvents: [
        {
          StackId: id,
          StackName: 'alice-api',
          EventId: '2',
          LogicalResourceId: 'Fn',
          ResourceType: 'AWS::Lambda::Function',
          ResourceStatus: 'UPDATE_FAILED',
          ResourceStatusReason: 'tag value not allowed',
          Timestamp: new Date(Date.now() + 1000),
        },
      ],
    });
    await expect(adapter().updateStackTags(at, 'alice-api', { a: 'b' })).rejects.toThrow(
      /UPDATE_ROLLBACK_COMPLETE: Fn UPDATE_FAILED: tag value not allowed/,
    );
  });

  it('Given another update running, When retagged, Then the CloudFormation error is mapped with the stack named', async () => {
    mock
      .on(DescribeStacksCommand)
      .resolves({ Stacks: [{ ...live, StackStatus: 'UPDATE_IN_PROGRESS' as StackStatus }] });
    mock
      .on(UpdateStackCommand)
      .rejects(cfnError('ValidationError', 'Stack is in UPDATE_IN_PROGRESS state and can not be updated.'));
    await expect(adapter().updateStackTags(at, 'alice-api', {})).rejects.toThrow(/UpdateStack.*alice-api/);
  });
});
