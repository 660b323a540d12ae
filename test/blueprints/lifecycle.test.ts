import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { EstateLifecycleStack, type EstateLifecycleStackProps } from '../../src/blueprints/lifecycle.js';
import { LIFECYCLE_HANDLER_SOURCE } from '../../src/blueprints/lifecycle-handler.js';
import { acknowledgementsOf, awsSolutionsFindings } from '../../src/blueprints/nag.js';
import { flat, newApp, resourcesOf, template } from './_helpers.js';

const ACCOUNT = '111111111111';
const TOPIC = `arn:aws:sns:eu-west-2:${ACCOUNT}:estate-expiry`;

const props: EstateLifecycleStackProps = {
  env: { account: ACCOUNT, region: 'eu-west-2' },
  qualifier: 'hnb659fds',
  stackRegions: ['eu-west-2', 'us-east-1'],
  environments: [
    {
      name: 'alice',
      downExpressions: ['cron(0 19 ? * MON-FRI *)'],
      upExpressions: ['cron(0 8 ? * MON-FRI *)'],
      timezone: 'Europe/London',
      expiresAt: '2026-12-24T18:00:00.000Z',
      warnAt: '2026-12-23T18:00:00.000Z',
      warnTopicArn: TOPIC,
    },
    { name: 'bob', expiresAt: '2026-12-05T09:30:00.000Z' },
  ],
};

// Given two aws-executor environments in one account and region, synthesised once.
let t: Template;
let stack: EstateLifecycleStack;
let assemblyDir: string;
beforeAll(() => {
  const app = newApp();
  stack = new EstateLifecycleStack(app, 'Lifecycle', props);
  t = template(stack);
  assemblyDir = app.synth().directory;
});

const schedules = () =>
  resourcesOf(t, 'AWS::Scheduler::Schedule').map(([, s]) => ({
    name: s.Properties.Name as string,
    expression: s.Properties.ScheduleExpression as string,
    zone: s.Properties.ScheduleExpressionTimezone as string | undefined,
    window: s.Properties.FlexibleTimeWindow,
    input: JSON.parse(s.Properties.Target.Input as string) as Record<string, string>,
    target: s.Properties.Target,
  }));

const statements = (roleLogicalIdPrefix: string): any[] =>
  resourcesOf(t, 'AWS::IAM::Policy')
    .filter(([, p]) => JSON.stringify(p.Properties.Roles).includes(roleLogicalIdPrefix))
    .flatMap(([, p]) => p.Properties.PolicyDocument.Statement)
    .map((s: any) => ({
      ...s,
      Resource: Array.isArray(s.Resource) ? s.Resource.map(arn) : arn(s.Resource),
    }));
const arn = (r: unknown) =>
  typeof r === 'object' && r && 'Fn::Join' in r ? flat(r).replace('${AWS::Partition}', 'aws') : r;

describe('estate-lifecycle stack', () => {
  it('is named estate-lifecycle and has no assets (inline code under 4 KB)', () => {
    expect(stack.stackName).toBe('estate-lifecycle');
    const fn = resourcesOf(t, 'AWS::Lambda::Function')[0]![1].Properties;
    expect(fn.Runtime).toBe('nodejs22.x');
    expect(fn.Code).toEqual({ ZipFile: LIFECYCLE_HANDLER_SOURCE });
    expect(Buffer.byteLength(fn.Code.ZipFile)).toBeLessThan(4096);
    const manifest = stack.node.root as unknown as { synth(): { getStackByName(n: string): any } };
    const artifact = manifest.synth().getStackByName('estate-lifecycle');
    expect(artifact.assets).toEqual([]);
    expect(assemblyDir).toBeTruthy();
  });

  it('has one schedule per action with its expression, zone, input and the state machine as target', () => {
    const byName = Object.fromEntries(schedules().map((s) => [s.name, s]));
    expect(Object.keys(byName).sort()).toEqual([
      'alice-down',
      'alice-expire',
      'alice-up',
      'alice-warn',
      'bob-expire',
    ]);
    expect(byName['alice-down']).toMatchObject({
      expression: 'cron(0 19 ? * MON-FRI *)',
      zone: 'Europe/London',
      window: { Mode: 'OFF' },
      input: { environment: 'alice', action: 'down' },
    });
    expect(byName['alice-up']).toMatchObject({
      expression: 'cron(0 8 ? * MON-FRI *)',
      zone: 'Europe/London',
      input: { environment: 'alice', action: 'up' },
    });
    expect(byName['alice-expire']).toMatchObject({
      expression: 'at(2026-12-24T18:00:00)',
      zone: 'UTC',
      input: { environment: 'alice', action: 'expire' },
    });
    expect(byName['alice-warn']).toMatchObject({
      expression: 'at(2026-12-23T18:00:00)',
      input: { environment: 'alice', action: 'warn', topicArn: TOPIC, expiresAt: '2026-12-24T18:00:00.000Z' },
    });
    expect(byName['bob-expire']!.expression).toBe('at(2026-12-05T09:30:00)');
    const machine = Object.keys(t.findResources('AWS::StepFunctions::StateMachine'))[0]!;
    for (const s of schedules()) {
      expect(s.target.Arn).toEqual({ Ref: machine });
      expect(flat(s.target.RoleArn)).toMatch(/SchedulerRole/);
    }
  });

  it('lets the scheduler role start only this state machine, from this account', () => {
    const machine = Object.keys(t.findResources('AWS::StepFunctions::StateMachine'))[0]!;
    expect(statements('SchedulerRole')).toEqual([
      { Effect: 'Allow', Action: 'states:StartExecution', Resource: { Ref: machine } },
    ]);
    t.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Principal: { Service: 'scheduler.amazonaws.com' },
            Condition: { StringEquals: { 'aws:SourceAccount': ACCOUNT } },
          }),
        ],
      },
    });
  });

  it("scopes the function's role to its environments' records and stacks, the exec roles and bootstrap buckets", () => {
    const sts = Object.fromEntries(statements('HandlerRole').map((s) => [s.Sid, s]));
    expect(sts.EnvironmentRecords.Resource).toEqual([
      `arn:aws:ssm:eu-west-2:${ACCOUNT}:parameter/estate/env/alice`,
      `arn:aws:ssm:eu-west-2:${ACCOUNT}:parameter/estate/env/alice/*`,
      `arn:aws:ssm:eu-west-2:${ACCOUNT}:parameter/estate/env/bob`,
      `arn:aws:ssm:eu-west-2:${ACCOUNT}:parameter/estate/env/bob/*`,
    ]);
    expect(sts.EnvironmentStacks).toMatchObject({
      Action: [
        'cloudformation:CreateStack',
        'cloudformation:DeleteStack',
        'cloudformation:DescribeStacks',
        'cloudformation:DescribeStackEvents',
        'cloudformation:TagResource',
      ],
      Resource: [
        `arn:aws:cloudformation:*:${ACCOUNT}:stack/alice-*/*`,
        `arn:aws:cloudformation:*:${ACCOUNT}:stack/bob-*/*`,
      ],
    });
    expect(sts.PassExecutionRole).toMatchObject({
      Action: 'iam:PassRole',
      Resource: [
        `arn:aws:iam::${ACCOUNT}:role/cdk-hnb659fds-cfn-exec-role-${ACCOUNT}-eu-west-2`,
        `arn:aws:iam::${ACCOUNT}:role/cdk-hnb659fds-cfn-exec-role-${ACCOUNT}-us-east-1`,
      ],
      Condition: { StringEquals: { 'iam:PassedToService': 'cloudformation.amazonaws.com' } },
    });
    expect(sts.ReadTemplates.Resource).toEqual([
      `arn:aws:s3:::cdk-hnb659fds-assets-${ACCOUNT}-eu-west-2/*`,
      `arn:aws:s3:::cdk-hnb659fds-assets-${ACCOUNT}-us-east-1/*`,
    ]);
    // Nothing on every resource, and no action wildcards.
    for (const s of statements('HandlerRole')) {
      expect([s.Resource].flat()).not.toContain('*');
      expect([s.Action].flat().some((a: string) => a.includes('*'))).toBe(false);
    }
  });

  it("gives the state machine's role sns:Publish on the topic only, and `*` only for log delivery", () => {
    const sts = statements('StateMachineRole');
    expect(sts.filter((s) => [s.Action].flat().includes('sns:publish'))).toEqual([
      { Effect: 'Allow', Action: 'sns:publish', Resource: TOPIC },
    ]);
    for (const s of sts.filter((s) => [s.Resource].flat().includes('*')))
      expect([s.Action].flat().every((a: string) => a.startsWith('logs:'))).toBe(true);
  });

  it('orders the machine: warn or plan, levels one at a time, stacks operated then polled every 30 s until settled', () => {
    const [, machine] = resourcesOf(t, 'AWS::StepFunctions::StateMachine')[0]!;
    const def = JSON.parse(flat(machine.Properties.DefinitionString).replace(/\$\{[^}]+\}/g, 'X'));
    expect(def.TimeoutSeconds).toBe(8 * 3600);
    expect(def.StartAt).toBe('Action?');
    const levels = def.States.Levels;
    expect(levels).toMatchObject({ Type: 'Map', MaxConcurrency: 1, ItemsPath: '$.plan.levels' });
    expect(def.States.Plan.Next).toBe('Levels');
    expect(def.States.Plan.Parameters).toMatchObject({
      'environment.$': '$.environment',
      'action.$': '$.action',
    });
    const inner = levels.ItemProcessor.States.Stacks.ItemProcessor;
    expect(inner.StartAt).toBe('Operate');
    expect(inner.States.Operate.Next).toBe('Settle');
    expect(inner.States.Settle).toEqual({ Type: 'Wait', Seconds: 30, Next: 'Describe' });
    expect(inner.States.Describe.Next).toBe('Settled?');
    expect(inner.States['Settled?'].Default).toBe('Settle');
    expect(inner.States.StackFailed).toMatchObject({ Type: 'Fail', CausePath: '$.reason' });
    // Lambda service exceptions and throttling are retried.
    const retried = inner.States.Operate.Retry.flatMap((r: any) => r.ErrorEquals);
    expect(retried).toEqual(expect.arrayContaining(['Lambda.ServiceException', 'ThrottlingException']));
    expect(def.States['Expired?'].Choices[0]).toMatchObject({ StringEquals: 'expire', Next: 'Forget' });
    t.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      LoggingConfiguration: Match.objectLike({ Level: 'ALL' }),
    });
  });

  it('passes cdk-nag AwsSolutions with every acknowledgement explained', () => {
    expect(awsSolutionsFindings(stack).filter((f) => f.severity === 'error')).toEqual([]);
    for (const a of acknowledgementsOf(stack)) expect(a.reason.length).toBeGreaterThan(40);
  });

  it('fails when a schedule has cron expressions and no time zone', () => {
    expect(
      () =>
        new EstateLifecycleStack(newApp(), 'L', {
          ...props,
          environments: [{ name: 'x', downExpressions: ['cron(0 19 ? * MON-FRI *)'] }],
        }),
    ).toThrow(/need a timezone/);
  });

  it('fails when there is no environment', () => {
    expect(() => new EstateLifecycleStack(newApp(), 'L', { ...props, environments: [] })).toThrow(
      /no environment/,
    );
  });
});
