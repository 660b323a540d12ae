import { createRequire } from 'node:module';
import type * as CloudFormation from '@aws-sdk/client-cloudformation';
import type * as Ssm from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { LIFECYCLE_HANDLER_SOURCE } from '../../src/blueprints/lifecycle-handler.js';
import type { StackRecord } from '../../src/core/env/ports.js';

// The handler is CommonJS requiring the SDK's CommonJS builds: mock those very classes.
const require = createRequire(import.meta.url);
const CF = require('@aws-sdk/client-cloudformation') as typeof CloudFormation;
const SSM = require('@aws-sdk/client-ssm') as typeof Ssm;
const cf = mockClient(CF.CloudFormationClient);
const ssm = mockClient(SSM.SSMClient);

type Handler = (event: Record<string, unknown>) => Promise<any>;
function load(): Handler {
  const module = { exports: {} as { handler?: Handler } };
  new Function('require', 'exports', 'module', LIFECYCLE_HANDLER_SOURCE)(require, module.exports, module);
  return module.exports.handler!;
}

const record = (
  name: string,
  role: 'stateful' | 'stateless',
  dependsOn: string[] = [],
  region = 'eu-west-2',
  tags: Record<string, string> = {},
): StackRecord => ({
  version: 1,
  name,
  environment: 'dev',
  blueprint: name.replace(/^dev-/, ''),
  region,
  role,
  dependsOn,
  template: { bucket: `cdk-hnb659fds-assets-111111111111-${region}`, key: `${name}.json` },
  tags: { 'estate:env': 'dev', 'estate:blueprint': name.replace(/^dev-/, ''), ...tags },
  parameters: { BootstrapVersion: '/cdk-bootstrap/hnb659fds/version' },
  roleArn: `arn:aws:iam::111111111111:role/cdk-hnb659fds-cfn-exec-role-111111111111-${region}`,
  capabilities: ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM', 'CAPABILITY_AUTO_EXPAND'],
  deployedAt: '2026-12-01T10:00:00.000Z',
});

/** data ← api ← edge (us-east-1): what the lifecycle works through. */
const CHAIN = [
  record('dev-data', 'stateful'),
  record('dev-api-lambda', 'stateless', ['dev-data']),
  record('dev-edge', 'stateless', ['dev-api-lambda'], 'us-east-1'),
];

/** The records in SSM over two pages, and these stacks live (by name). */
function given(records: StackRecord[], liveStacks: Record<string, Record<string, string>>) {
  const params = records.map((r) => ({ Name: `/estate/env/dev/stacks/${r.name}`, Value: JSON.stringify(r) }));
  ssm
    .on(SSM.GetParametersByPathCommand, { Path: '/estate/env/dev/stacks/', NextToken: undefined })
    .resolves({ Parameters: params.slice(0, 1), NextToken: 'p2' })
    .on(SSM.GetParametersByPathCommand, { Path: '/estate/env/dev/stacks/', NextToken: 'p2' })
    .resolves({ Parameters: params.slice(1) });
  cf.on(CF.DescribeStacksCommand).callsFake((input: { StackName: string }) => {
    const tags = liveStacks[input.StackName];
    if (!tags) {
      const e = new Error(`Stack with id ${input.StackName} does not exist`);
      e.name = 'ValidationError';
      throw e;
    }
    return {
      Stacks: [
        {
          StackName: input.StackName,
          StackId: `arn:aws:cloudformation:eu-west-2:111111111111:stack/${input.StackName}/1`,
          StackStatus: 'CREATE_COMPLETE',
          CreationTime: new Date(),
          Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
        },
      ],
    };
  });
}

const names = (levels: { name: string }[][]) => levels.map((l) => l.map((s) => s.name));

beforeEach(() => {
  cf.reset();
  ssm.reset();
  process.env.AWS_REGION = 'eu-west-2';
});

describe('lifecycle handler: plan', () => {
  it('Given data ← api ← edge all live, When planning down, Then edge is deleted, then api, and data is kept', async () => {
    given(CHAIN, { 'dev-data': {}, 'dev-api-lambda': {}, 'dev-edge': {} });
    const out = await load()({ op: 'plan', environment: 'dev', action: 'down' });
    expect(names(out.levels)).toEqual([['dev-edge'], ['dev-api-lambda']]);
    expect(out.levels[0][0]).toEqual({
      op: 'delete',
      name: 'dev-edge',
      region: 'us-east-1',
      role: 'arn:aws:iam::111111111111:role/cdk-hnb659fds-cfn-exec-role-111111111111-us-east-1',
    });
  });

  it('Given the chain live, When planning expire, Then every stack goes, dependants first', async () => {
    given(CHAIN, { 'dev-data': {}, 'dev-api-lambda': {}, 'dev-edge': {} });
    const out = await load()({ op: 'plan', environment: 'dev', action: 'expire' });
    expect(names(out.levels)).toEqual([['dev-edge'], ['dev-api-lambda'], ['dev-data']]);
  });

  it('Given api already gone, When planning down, Then only the live stateless stack is deleted', async () => {
    given(CHAIN, { 'dev-data': {}, 'dev-edge': {} });
    const out = await load()({ op: 'plan', environment: 'dev', action: 'down' });
    expect(names(out.levels)).toEqual([['dev-edge']]);
  });

  it('Given data live and api, edge absent, When planning up, Then api is created before edge from their records with the deploy-time tags of the live stack', async () => {
    given(CHAIN, {
      'dev-data': {
        'estate:env': 'dev',
        'estate:deployed-at': '2026-12-01T10:00:00.000Z',
        'estate:expires-at': '2026-12-04T10:00:00.000Z',
        'estate:schedule': 'Mon-Fri 08:00-19:00 Europe/London',
      },
    });
    const out = await load()({ op: 'plan', environment: 'dev', action: 'up' });
    expect(names(out.levels)).toEqual([['dev-api-lambda'], ['dev-edge']]);
    const edge = out.levels[1][0];
    expect(edge).toMatchObject({
      op: 'create',
      region: 'us-east-1',
      url: 'https://cdk-hnb659fds-assets-111111111111-us-east-1.s3.us-east-1.amazonaws.com/dev-edge.json',
      caps: ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM', 'CAPABILITY_AUTO_EXPAND'],
      params: [{ ParameterKey: 'BootstrapVersion', ParameterValue: '/cdk-bootstrap/hnb659fds/version' }],
    });
    expect(Object.fromEntries(edge.tags.map((t: any) => [t.Key, t.Value]))).toEqual({
      'estate:env': 'dev',
      'estate:blueprint': 'edge',
      'estate:deployed-at': '2026-12-01T10:00:00.000Z',
      'estate:expires-at': '2026-12-04T10:00:00.000Z',
      'estate:schedule': 'Mon-Fri 08:00-19:00 Europe/London',
    });
  });

  it('Given independent stateless stacks, When planning down, Then they share one level', async () => {
    given(
      [
        record('dev-data', 'stateful'),
        record('dev-a', 'stateless', ['dev-data']),
        record('dev-b', 'stateless', ['dev-data']),
      ],
      { 'dev-data': {}, 'dev-a': {}, 'dev-b': {} },
    );
    const out = await load()({ op: 'plan', environment: 'dev', action: 'down' });
    expect(names(out.levels)).toEqual([['dev-a', 'dev-b']]);
  });

  it('Given a protected environment, When planning down or expire, Then nothing is planned', async () => {
    const prot = CHAIN.map((r) => ({ ...r, tags: { ...r.tags, 'estate:protected': 'true' } }));
    for (const action of ['down', 'expire']) {
      given(prot, { 'dev-data': {}, 'dev-api-lambda': {}, 'dev-edge': {} });
      expect(await load()({ op: 'plan', environment: 'dev', action })).toEqual({
        levels: [],
        refused: 'protected',
      });
    }
  });
});

describe('lifecycle handler: operate and describe', () => {
  it('Given a live stack, When operate deletes it, Then DeleteStack names its id and the execution role', async () => {
    given(CHAIN, { 'dev-api-lambda': {} });
    cf.on(CF.DeleteStackCommand).resolves({});
    const item = { op: 'delete', name: 'dev-api-lambda', region: 'eu-west-2', role: CHAIN[1]!.roleArn };
    const out = await load()({ op: 'operate', item });
    const id = 'arn:aws:cloudformation:eu-west-2:111111111111:stack/dev-api-lambda/1';
    expect(out).toEqual({ ...item, id });
    expect(cf.commandCalls(CF.DeleteStackCommand)[0]!.args[0].input).toEqual({
      StackName: id,
      RoleARN: CHAIN[1]!.roleArn,
    });
  });

  it('Given a stack already gone, When operate deletes it, Then nothing is called and describe says done', async () => {
    given(CHAIN, {});
    const h = load();
    const out = await h({ op: 'operate', item: { op: 'delete', name: 'dev-edge', region: 'us-east-1' } });
    expect(out.id).toBeNull();
    expect(cf.commandCalls(CF.DeleteStackCommand)).toHaveLength(0);
    expect((await h({ op: 'describe', item: out })).state).toBe('done');
  });

  it('When operate creates a stack, Then CreateStack gets the template URL, tags, parameters, capabilities and role; an existing one is taken as created', async () => {
    cf.on(CF.CreateStackCommand).resolvesOnce({ StackId: 'arn:stack/dev-edge/2' });
    const item = {
      op: 'create',
      name: 'dev-edge',
      region: 'us-east-1',
      role: 'arn:role',
      caps: ['CAPABILITY_IAM'],
      url: 'https://b.s3.us-east-1.amazonaws.com/k.json',
      tags: [{ Key: 'estate:env', Value: 'dev' }],
      params: [],
    };
    const h = load();
    expect((await h({ op: 'operate', item })).id).toBe('arn:stack/dev-edge/2');
    expect(cf.commandCalls(CF.CreateStackCommand)[0]!.args[0].input).toEqual({
      StackName: 'dev-edge',
      TemplateURL: item.url,
      Tags: item.tags,
      Parameters: [],
      Capabilities: ['CAPABILITY_IAM'],
      RoleARN: 'arn:role',
    });
    const exists = new Error('Stack [dev-edge] already exists');
    exists.name = 'AlreadyExistsException';
    cf.on(CF.CreateStackCommand).rejects(exists);
    given([], { 'dev-edge': {} });
    expect((await h({ op: 'operate', item })).id).toBe(
      'arn:aws:cloudformation:eu-west-2:111111111111:stack/dev-edge/1',
    );
  });

  const describeAs = (status: string, op = 'delete') => {
    cf.on(CF.DescribeStacksCommand).resolves({
      Stacks: [
        {
          StackName: 'dev-api-lambda',
          StackStatus: status as CloudFormation.StackStatus,
          CreationTime: new Date(),
          StackStatusReason: 'stack reason',
        },
      ],
    });
    return load()({
      op: 'describe',
      item: { op, name: 'dev-api-lambda', region: 'eu-west-2', id: 'arn:id' },
    });
  };

  it('describe waits while in progress and is done at the end state of its operation', async () => {
    expect((await describeAs('DELETE_IN_PROGRESS')).state).toBe('wait');
    expect((await describeAs('DELETE_COMPLETE')).state).toBe('done');
    expect((await describeAs('CREATE_IN_PROGRESS', 'create')).state).toBe('wait');
    expect((await describeAs('ROLLBACK_IN_PROGRESS', 'create')).state).toBe('wait');
    expect((await describeAs('CREATE_COMPLETE', 'create')).state).toBe('done');
  });

  it('describe fails a DELETE_FAILED stack with its first failed resource as the reason', async () => {
    cf.on(CF.DescribeStackEventsCommand).resolves({
      StackEvents: [
        {
          StackId: 'arn:id',
          StackName: 'dev-api-lambda',
          EventId: '3',
          Timestamp: new Date(),
          LogicalResourceId: 'dev-api-lambda',
          ResourceStatus: 'DELETE_FAILED',
          ResourceStatusReason: 'The following resource(s) failed to delete: [Bucket]',
        },
        {
          StackId: 'arn:id',
          StackName: 'dev-api-lambda',
          EventId: '2',
          Timestamp: new Date(),
          LogicalResourceId: 'Bucket',
          ResourceStatus: 'DELETE_FAILED',
          ResourceStatusReason: 'The bucket you tried to delete is not empty',
        },
        {
          StackId: 'arn:id',
          StackName: 'dev-api-lambda',
          EventId: '1',
          Timestamp: new Date(),
          LogicalResourceId: 'Fn',
          ResourceStatus: 'DELETE_COMPLETE',
        },
      ],
    });
    expect(await describeAs('DELETE_FAILED')).toMatchObject({
      state: 'failed',
      status: 'DELETE_FAILED',
      reason:
        'dev-api-lambda DELETE_FAILED: Bucket DELETE_FAILED The bucket you tried to delete is not empty',
    });
    cf.on(CF.DescribeStackEventsCommand).resolves({ StackEvents: [] });
    expect(await describeAs('ROLLBACK_COMPLETE', 'create')).toMatchObject({
      state: 'failed',
      reason: 'dev-api-lambda ROLLBACK_COMPLETE: stack reason',
    });
  });
});

describe('lifecycle handler: forget', () => {
  it('deletes every parameter of the environment in batches of 10', async () => {
    const params = Array.from({ length: 13 }, (_, i) => ({
      Name: `/estate/env/dev/stacks/s${i}`,
      Value: '{}',
    }));
    ssm.on(SSM.GetParametersByPathCommand, { Path: '/estate/env/dev/' }).resolves({ Parameters: params });
    ssm.on(SSM.DeleteParametersCommand).resolves({});
    expect(await load()({ op: 'forget', environment: 'dev' })).toEqual({ deleted: 13 });
    const calls = ssm.commandCalls(SSM.DeleteParametersCommand).map((c) => c.args[0].input.Names!.length);
    expect(calls).toEqual([10, 3]);
  });

  it('the source fits Lambda inline code (4 KB)', () => {
    expect(Buffer.byteLength(LIFECYCLE_HANDLER_SOURCE)).toBeLessThan(4096);
  });
});
