import {
  DeleteParametersCommand,
  GetParameterCommand,
  GetParametersByPathCommand,
  ParameterNotFound,
  PutParameterCommand,
  SSMClient,
  SSMServiceException,
} from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { AwsRecords } from '../../src/aws/ssm.js';
import type { StackRecord } from '../../src/core/env/ports.js';

const mock = mockClient(SSMClient);
const at = { accountId: '222222222222', region: 'eu-west-2' };
const adapter = () =>
  new AwsRecords(
    (where) =>
      new SSMClient({ region: where.region, credentials: { accessKeyId: 'a', secretAccessKey: 'b' } }),
  );
const record = (name: string): StackRecord => ({
  version: 1,
  name,
  environment: 'alice',
  blueprint: 'api-lambda',
  region: 'eu-west-2',
  role: 'stateless',
  dependsOn: ['alice-data'],
  template: { bucket: 'cdk-hnb659fds-assets-222222222222-eu-west-2', key: 'abc.json' },
  tags: { 'estate:env': 'alice' },
  parameters: {},
  capabilities: ['CAPABILITY_IAM'],
  deployedAt: '2026-12-01T10:00:00.000Z',
});
const param = (r: StackRecord) => ({ Name: `/estate/env/alice/stacks/${r.name}`, Value: JSON.stringify(r) });

beforeEach(() => mock.reset());

describe('AwsRecords', () => {
  it('Given records over three pages, When read, Then every NextToken is followed under the stacks path, recursively', async () => {
    mock
      .on(GetParametersByPathCommand)
      .resolvesOnce({ Parameters: [param(record('alice-api'))], NextToken: 't1' })
      .resolvesOnce({ Parameters: [], NextToken: 't2' })
      .resolvesOnce({ Parameters: [param(record('alice-edge'))] });
    const records = await adapter().stackRecords(at, 'alice');
    expect(records.map((r) => r.name)).toEqual(['alice-api', 'alice-edge']);
    const inputs = mock.commandCalls(GetParametersByPathCommand).map((c) => c.args[0].input);
    expect(inputs).toEqual([
      { Path: '/estate/env/alice/stacks', Recursive: true, MaxResults: 10 },
      { Path: '/estate/env/alice/stacks', Recursive: true, MaxResults: 10, NextToken: 't1' },
      { Path: '/estate/env/alice/stacks', Recursive: true, MaxResults: 10, NextToken: 't2' },
    ]);
  });

  it('Given a parameter that is not a record, When read, Then the error names it', async () => {
    mock
      .on(GetParametersByPathCommand)
      .resolves({ Parameters: [{ Name: '/estate/env/alice/stacks/x', Value: 'nope' }] });
    await expect(adapter().stackRecords(at, 'alice')).rejects.toThrow(
      /\/estate\/env\/alice\/stacks\/x .*not a stack record/,
    );
  });

  it('Given access denied, When read, Then the error names the action and the path', async () => {
    mock.on(GetParametersByPathCommand).rejects(
      new SSMServiceException({
        name: 'AccessDeniedException',
        $fault: 'client',
        $metadata: {},
        message: 'no',
      }),
    );
    await expect(adapter().stackRecords(at, 'alice')).rejects.toThrow(/GetParametersByPath/);
  });

  it('When a record is written, Then it is a Standard String parameter, overwritten', async () => {
    mock.on(PutParameterCommand).resolves({ Version: 2 });
    await adapter().putStackRecord(at, record('alice-api'));
    expect(mock.commandCalls(PutParameterCommand)[0]!.args[0].input).toEqual({
      Name: '/estate/env/alice/stacks/alice-api',
      Value: JSON.stringify(record('alice-api')),
      Type: 'String',
      Tier: 'Standard',
      Overwrite: true,
    });
  });

  it('Given a record over 4 KB, When written, Then it is refused before any call', async () => {
    const big = { ...record('alice-api'), tags: { big: 'x'.repeat(5000) } };
    await expect(adapter().putStackRecord(at, big)).rejects.toMatchObject({ code: 'ParameterTooLarge' });
    expect(mock.commandCalls(PutParameterCommand)).toHaveLength(0);
  });

  it('Given 23 parameters, When the environment’s records are deleted, Then DeleteParameters is called in batches of 10', async () => {
    const names = Array.from({ length: 23 }, (_, i) => `/estate/env/alice/stacks/s${i}`);
    mock
      .on(GetParametersByPathCommand)
      .resolvesOnce({ Parameters: names.slice(0, 10).map((Name) => ({ Name, Value: '{}' })), NextToken: 'a' })
      .resolvesOnce({ Parameters: names.slice(10).map((Name) => ({ Name, Value: '{}' })) });
    mock.on(DeleteParametersCommand).resolves({ DeletedParameters: [], InvalidParameters: ['gone'] });
    await adapter().deleteEnvironmentRecords(at, 'alice');
    expect(mock.commandCalls(GetParametersByPathCommand)[0]!.args[0].input).toMatchObject({
      Path: '/estate/env/alice',
      Recursive: true,
    });
    const batches = mock.commandCalls(DeleteParametersCommand).map((c) => c.args[0].input.Names);
    expect(batches.map((b) => b!.length)).toEqual([10, 10, 3]);
    expect(batches.flat()).toEqual(names);
  });

  it('Given no value, When read, Then undefined; a value is read and written under the environment', async () => {
    mock
      .on(GetParameterCommand, { Name: '/estate/env/alice/warned' })
      .rejectsOnce(new ParameterNotFound({ message: 'not found', $metadata: {} }))
      .resolves({ Parameter: { Value: '2026-12-03T10:00:00.000Z' } });
    mock.on(PutParameterCommand).resolves({});
    expect(await adapter().value(at, 'alice', 'warned')).toBeUndefined();
    expect(await adapter().value(at, 'alice', 'warned')).toBe('2026-12-03T10:00:00.000Z');
    await adapter().putValue(at, 'alice', 'warned', 'x');
    expect(mock.commandCalls(PutParameterCommand)[0]!.args[0].input).toMatchObject({
      Name: '/estate/env/alice/warned',
      Value: 'x',
      Overwrite: true,
    });
  });
});
