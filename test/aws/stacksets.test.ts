import {
  ActivateOrganizationsAccessCommand,
  CloudFormationClient,
  CloudFormationServiceException,
  DescribeOrganizationsAccessCommand,
  DescribeStackSetCommand,
  ExecuteChangeSetCommand,
  ListStackInstancesCommand,
  ListStackSetOperationsCommand,
} from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { AwsStackSets, type ClientScope } from '../../src/aws/stacksets.js';
import { EstateError } from '../../src/errors.js';

const MGMT = '111111111111';
const REGION = 'eu-west-2';
const mock = mockClient(CloudFormationClient);
const scopes: ClientScope[] = [];
const sleeps: number[] = [];
const adapter = (options = {}) =>
  new AwsStackSets(
    (scope) => {
      scopes.push(scope);
      return new CloudFormationClient({
        region: scope.region,
        credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
      });
    },
    {
      sleep: async (ms: number) => void sleeps.push(ms),
      pollMs: 10,
      maxPollMs: 50,
      token: () => 't',
      ...options,
    },
    async () => MGMT,
  );
const cfnError = (name: string, message = name) =>
  new CloudFormationServiceException({ name, $fault: 'client', $metadata: {}, message });

beforeEach(() => {
  mock.reset();
  scopes.length = 0;
  sleeps.length = 0;
});
afterAll(() => mock.restore());

describe('AwsStackSets: organisations access', () => {
  it('Given access is disabled, When activated, Then DescribeOrganizationsAccess is polled (CallAs SELF) until ENABLED', async () => {
    mock.on(ActivateOrganizationsAccessCommand).resolves({});
    mock
      .on(DescribeOrganizationsAccessCommand)
      .resolvesOnce({ Status: 'DISABLED' })
      .resolvesOnce({ Status: 'DISABLED' })
      .resolves({ Status: 'ENABLED' });
    await adapter().activateOrganizationsAccess(REGION);
    expect(mock.commandCalls(ActivateOrganizationsAccessCommand)).toHaveLength(1);
    const polls = mock.commandCalls(DescribeOrganizationsAccessCommand);
    expect(polls).toHaveLength(3);
    expect(polls.every((c) => c.args[0].input.CallAs === 'SELF')).toBe(true);
    expect(sleeps).toEqual([10, 15]);
    expect(scopes).toEqual([{ region: REGION }]);
  });

  it('Given DISABLED_PERMANENTLY, When asked, Then it reads as DISABLED', async () => {
    mock.on(DescribeOrganizationsAccessCommand).resolves({ Status: 'DISABLED_PERMANENTLY' });
    expect(await adapter().organizationsAccess(REGION)).toBe('DISABLED');
  });

  it('fails when access never becomes ENABLED, saying what to do', async () => {
    mock.on(ActivateOrganizationsAccessCommand).resolves({});
    mock.on(DescribeOrganizationsAccessCommand).resolves({ Status: 'DISABLED' });
    const failure = (await adapter()
      .activateOrganizationsAccess(REGION)
      .catch((e: unknown) => e)) as EstateError;
    expect(failure).toBeInstanceOf(EstateError);
    expect(failure.code).toBe('OrganizationsAccessTimeout');
  });

  it('fails when the caller is not the management account, naming the action and the account', async () => {
    mock
      .on(ActivateOrganizationsAccessCommand)
      .rejects(
        Object.assign(cfnError('AccessDenied', 'not authorized'), { $metadata: { httpStatusCode: 403 } }),
      );
    const failure = (await adapter()
      .activateOrganizationsAccess(REGION)
      .catch((e: unknown) => e)) as EstateError;
    expect(failure.message).toContain('cloudformation:ActivateOrganizationsAccess');
    expect(failure.message).toContain(MGMT);
    expect(failure.suggestions[0]).toContain('management account');
  });
});

describe('AwsStackSets: the StackSet, its instances and operations', () => {
  it('Given a service-managed StackSet, When described, Then CallAs SELF and its targets and auto-deployment come back', async () => {
    mock.on(DescribeStackSetCommand).resolves({
      StackSet: {
        StackSetName: 'estate-baseline',
        Status: 'ACTIVE',
        PermissionModel: 'SERVICE_MANAGED',
        AutoDeployment: { Enabled: true, RetainStacksOnAccountRemoval: false },
        OrganizationalUnitIds: ['ou-ab12-one', 'ou-ab12-two'],
      },
    });
    expect(await adapter().stackSet(REGION, 'estate-baseline')).toEqual({
      name: 'estate-baseline',
      status: 'ACTIVE',
      permissionModel: 'SERVICE_MANAGED',
      autoDeployment: { enabled: true, retainStacksOnAccountRemoval: false },
      organizationalUnitIds: ['ou-ab12-one', 'ou-ab12-two'],
    });
    expect(mock.commandCalls(DescribeStackSetCommand)[0]!.args[0].input).toEqual({
      StackSetName: 'estate-baseline',
      CallAs: 'SELF',
    });
  });

  it('Given no StackSet, or a DELETED one, When described, Then undefined; their instances and operations are none', async () => {
    mock
      .on(DescribeStackSetCommand)
      .rejectsOnce(cfnError('StackSetNotFoundException'))
      .resolves({ StackSet: { StackSetName: 'x', Status: 'DELETED' } });
    mock.on(ListStackInstancesCommand).rejects(cfnError('StackSetNotFoundException'));
    mock.on(ListStackSetOperationsCommand).rejects(cfnError('StackSetNotFoundException'));
    const port = adapter();
    expect(await port.stackSet(REGION, 'x')).toBeUndefined();
    expect(await port.stackSet(REGION, 'x')).toBeUndefined();
    expect(await port.instances(REGION, 'x')).toEqual([]);
    expect(await port.operations(REGION, 'x')).toEqual([]);
  });

  it('Given two pages of instances, When listed, Then every page is read with CallAs SELF', async () => {
    mock
      .on(ListStackInstancesCommand)
      .resolvesOnce({
        Summaries: [
          {
            Account: '222222222222',
            Region: REGION,
            OrganizationalUnitId: 'ou-ab12-one',
            Status: 'CURRENT',
            StackInstanceStatus: { DetailedStatus: 'SUCCEEDED' },
          },
        ],
        NextToken: 'n',
      })
      .resolvesOnce({
        Summaries: [
          {
            Account: '333333333333',
            Region: REGION,
            Status: 'OUTDATED',
            StatusReason: 'Account 333333333333 should have a role',
            StackInstanceStatus: { DetailedStatus: 'FAILED' },
          },
        ],
      });
    expect(await adapter().instances(REGION, 'estate-baseline')).toEqual([
      {
        accountId: '222222222222',
        region: REGION,
        ouId: 'ou-ab12-one',
        status: 'CURRENT',
        detailedStatus: 'SUCCEEDED',
      },
      {
        accountId: '333333333333',
        region: REGION,
        status: 'OUTDATED',
        detailedStatus: 'FAILED',
        statusReason: 'Account 333333333333 should have a role',
      },
    ]);
    expect(mock.commandCalls(ListStackInstancesCommand).map((c) => c.args[0].input)).toEqual([
      { StackSetName: 'estate-baseline', CallAs: 'SELF' },
      { StackSetName: 'estate-baseline', CallAs: 'SELF', NextToken: 'n' },
    ]);
  });

  it('Given operations, When listed, Then one page (CallAs SELF) in the order AWS gives', async () => {
    const at = new Date('2026-12-01T10:00:00Z');
    mock.on(ListStackSetOperationsCommand).resolves({
      Summaries: [
        { OperationId: 'op-2', Action: 'UPDATE', Status: 'RUNNING', CreationTimestamp: at },
        {
          OperationId: 'op-1',
          Action: 'CREATE',
          Status: 'SUCCEEDED',
          CreationTimestamp: at,
          EndTimestamp: at,
        },
      ],
      NextToken: 'more',
    });
    expect(await adapter().operations(REGION, 'estate-baseline')).toEqual([
      { operationId: 'op-2', action: 'UPDATE', status: 'RUNNING', creationTimestamp: at },
      { operationId: 'op-1', action: 'CREATE', status: 'SUCCEEDED', creationTimestamp: at, endTimestamp: at },
    ]);
    expect(mock.commandCalls(ListStackSetOperationsCommand)).toHaveLength(1);
    expect(mock.commandCalls(ListStackSetOperationsCommand)[0]!.args[0].input).toEqual({
      StackSetName: 'estate-baseline',
      CallAs: 'SELF',
      MaxResults: 20,
    });
  });
});

describe('AwsStackSets: ExecuteChangeSet', () => {
  const at = { accountId: MGMT, region: REGION };

  it('Given a prepared change set, When executed, Then ExecuteChangeSet names the stack and change set with a request token, in that account', async () => {
    mock.on(ExecuteChangeSetCommand).resolves({});
    await adapter().executeChangeSet(at, 'estate-governance', 'estate-no-wait');
    expect(mock.commandCalls(ExecuteChangeSetCommand)[0]!.args[0].input).toEqual({
      StackName: 'estate-governance',
      ChangeSetName: 'estate-no-wait',
      ClientRequestToken: 'estate-execute-t',
    });
    expect(scopes).toEqual([at]);
  });

  it('fails when the change set is gone or not executable, naming it', async () => {
    mock
      .on(ExecuteChangeSetCommand)
      .rejectsOnce(cfnError('ChangeSetNotFound', 'ChangeSet [x] does not exist'))
      .rejects(cfnError('InvalidChangeSetStatus', 'cannot be executed in its current status of [FAILED]'));
    const port = adapter();
    const gone = (await port.executeChangeSet(at, 's', 'x').catch((e: unknown) => e)) as EstateError;
    expect(gone.code).toBe('ChangeSetMissing');
    expect(gone.message).toContain('change set x of stack s');
    const failed = (await port.executeChangeSet(at, 's', 'x').catch((e: unknown) => e)) as EstateError;
    expect(failed.code).toBe('ChangeSetNotExecutable');
  });
});
