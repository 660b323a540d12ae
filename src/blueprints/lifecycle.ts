import { Duration, Stack, TimeZone, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { StepFunctionsStartExecution } from 'aws-cdk-lib/aws-scheduler-targets';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { BlueprintError } from './errors.js';
import { LIFECYCLE_HANDLER_SOURCE, LIFECYCLE_STACK } from './lifecycle-handler.js';
import { acknowledge, acknowledgeWildcards } from './profile.js';

export { LIFECYCLE_STACK };

export type LifecycleAction = 'down' | 'up' | 'expire' | 'warn';

/** One `executor: aws` environment whose stacks the lifecycle stack takes down, up and away. */
export interface LifecycleEnvironment {
  /** The environment's name: its stacks are `<name>-*`, its records under /estate/env/<name>/. */
  readonly name: string;
  /**
   * EventBridge Scheduler cron expressions (`cron(m h ? * DAYS *)`) at which the window closes,
   * read in `timezone`. @default - no down schedule
   */
  readonly downExpressions?: readonly string[];
  /** Cron expressions at which the window opens, read in `timezone`. @default - no up schedule */
  readonly upExpressions?: readonly string[];
  /** IANA zone of the cron expressions. Required with down or up expressions. @default - none */
  readonly timezone?: string;
  /** ISO time at which every stack of the environment is deleted. @default - never expires */
  readonly expiresAt?: string;
  /** ISO time at which the owner is warned through `warnTopicArn`. @default - no warning */
  readonly warnAt?: string;
  /** SNS topic the warning is published to (in this account). @default - no warning */
  readonly warnTopicArn?: string;
}

export interface EstateLifecycleStackProps extends StackProps {
  /** The account's aws-executor environments in this region (at least one). */
  readonly environments: readonly LifecycleEnvironment[];
  /** The CDK bootstrap qualifier: the execution role and the assets bucket of each region are named by it. */
  readonly qualifier: string;
  /** Regions the environments' stacks live in (their region, us-east-1 for edge). */
  readonly stackRegions: readonly string[];
  /** How long one execution may run. @default 8 hours (a CloudFront distribution takes a while to go) */
  readonly timeoutHours?: number;
  /** @default 30 */
  readonly logRetentionDays?: number;
}

const POLL_SECONDS = 30;
const UTC = TimeZone.of('UTC');

/**
 * `estate-lifecycle`: what runs schedules and expiry in an account without CI. EventBridge
 * Scheduler schedules per environment (down and up at the ends of its window in its time zone,
 * expire and warn once, at UTC times) start one Step Functions state machine with
 * `{environment, action}`. For down, up and expire the machine asks the inline function for
 * the plan (levels of stacks from the environment's stack records), works through the levels
 * one at a time and the stacks of a level side by side, each stack operated (DeleteStack or
 * CreateStack) and then polled every 30 s until it settles; a failed stack fails the execution
 * with its reason. Expire deletes the records last. Warn publishes to the SNS topic.
 *
 * Least privilege: the function reads and deletes only the parameters of its environments,
 * operates only the stacks named `<env>-*` of this account, passes only the bootstrap's
 * CloudFormation execution role and reads templates only from the bootstrap buckets.
 */
export class EstateLifecycleStack extends Stack {
  readonly stateMachine: sfn.StateMachine;
  readonly handler: lambda.Function;
  readonly schedules: readonly scheduler.Schedule[];

  // Long by design: the resources in the order they depend on each other.
  constructor(scope: Construct, id: string, props: EstateLifecycleStackProps) {
    super(scope, id, { stackName: LIFECYCLE_STACK, ...props });
    checkProps(props);
    const account = this.account;
    const retention = (props.logRetentionDays ?? 30) as logs.RetentionDays;
    const names = props.environments.map((e) => e.name);
    const regions = [...new Set(props.stackRegions)].sort();
    const q = props.qualifier;
    const execRoles = regions.map(
      (r) => `arn:${this.partition}:iam::${account}:role/cdk-${q}-cfn-exec-role-${account}-${r}`,
    );

    // The function: plan, operate, describe, forget.
    const fnLogs = new logs.LogGroup(this, 'HandlerLogs', { retention });
    const role = new iam.Role(this, 'HandlerRole', {
      description: `estate-lifecycle function: records and stacks of ${names.join(', ')}`,
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    });
    const statements = [
      {
        sid: 'OwnLogGroup',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [fnLogs.logGroupArn],
      },
      {
        sid: 'EnvironmentRecords',
        actions: ['ssm:GetParametersByPath', 'ssm:DeleteParameter', 'ssm:DeleteParameters'],
        resources: names.flatMap((n) => [
          `arn:${this.partition}:ssm:${this.region}:${account}:parameter/estate/env/${n}`,
          `arn:${this.partition}:ssm:${this.region}:${account}:parameter/estate/env/${n}/*`,
        ]),
      },
      {
        sid: 'EnvironmentStacks',
        actions: [
          'cloudformation:CreateStack',
          'cloudformation:DeleteStack',
          'cloudformation:DescribeStacks',
          'cloudformation:DescribeStackEvents',
          // Tagging on create is authorised as TagResource on the new stack where IAM asks for it.
          'cloudformation:TagResource',
        ],
        resources: names.map((n) => `arn:${this.partition}:cloudformation:*:${account}:stack/${n}-*/*`),
      },
      {
        sid: 'PassExecutionRole',
        actions: ['iam:PassRole'],
        resources: execRoles,
        conditions: { StringEquals: { 'iam:PassedToService': 'cloudformation.amazonaws.com' } },
      },
      {
        sid: 'ReadTemplates',
        actions: ['s3:GetObject'],
        resources: regions.map((r) => `arn:${this.partition}:s3:::cdk-${q}-assets-${account}-${r}/*`),
      },
    ];
    for (const s of statements) role.addToPolicy(new iam.PolicyStatement(s));
    acknowledgeWildcards(
      role,
      "scoped wildcards only: the parameters under /estate/env/<env>/ of this stack's environments, the stacks named <env>-* of this account in the environments' regions (stack ids end in a generated suffix), and the template objects of the CDK bootstrap buckets (keys are content hashes)",
    );
    this.handler = new lambda.Function(this, 'Handler', {
      description: `estate-lifecycle: plans and operates the stacks of ${names.join(', ')}`,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      handler: 'index.handler',
      code: lambda.Code.fromInline(LIFECYCLE_HANDLER_SOURCE),
      memorySize: 256,
      timeout: Duration.seconds(60),
      logGroup: fnLogs,
      loggingFormat: lambda.LoggingFormat.JSON,
      role,
    });
    acknowledge(this.handler, {
      'AwsSolutions-L1':
        'Node.js 22.x on purpose: the inline handler relies on the AWS SDK v3 that runtime bundles and is tested against; moved deliberately, not by default',
    });

    this.stateMachine = this.stateMachineOf(props, names, retention);

    // Schedules: the scheduler may start this state machine and nothing else.
    const schedulerRole = new iam.Role(this, 'SchedulerRole', {
      description: 'EventBridge Scheduler: starts the estate-lifecycle state machine',
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': account } },
      }),
    });
    const group = new scheduler.ScheduleGroup(this, 'Schedules', { scheduleGroupName: LIFECYCLE_STACK });
    const schedules: scheduler.Schedule[] = [];
    const add = (
      env: LifecycleEnvironment,
      action: LifecycleAction,
      i: number,
      expression: scheduler.ScheduleExpression,
      extra: Record<string, string> = {},
    ) => {
      schedules.push(
        new scheduler.Schedule(this, `${env.name}-${action}${i}`, {
          scheduleName: `${env.name}-${action}${i === 0 ? '' : `-${i}`}`,
          description: `estate: ${action} ${env.name}`,
          scheduleGroup: group,
          schedule: expression,
          timeWindow: scheduler.TimeWindow.off(),
          target: new StepFunctionsStartExecution(this.stateMachine, {
            role: schedulerRole,
            input: scheduler.ScheduleTargetInput.fromObject({ environment: env.name, action, ...extra }),
            retryAttempts: 3,
            maxEventAge: Duration.hours(1),
          }),
        }),
      );
    };
    for (const env of props.environments) {
      const zone = env.timezone ? TimeZone.of(env.timezone) : undefined;
      (env.downExpressions ?? []).forEach((e, i) =>
        add(env, 'down', i, scheduler.ScheduleExpression.expression(e, zone)),
      );
      (env.upExpressions ?? []).forEach((e, i) =>
        add(env, 'up', i, scheduler.ScheduleExpression.expression(e, zone)),
      );
      if (env.expiresAt) add(env, 'expire', 0, scheduler.ScheduleExpression.at(new Date(env.expiresAt), UTC));
      if (env.warnAt && env.warnTopicArn)
        add(env, 'warn', 0, scheduler.ScheduleExpression.at(new Date(env.warnAt), UTC), {
          topicArn: env.warnTopicArn,
          expiresAt: env.expiresAt ?? '',
        });
    }
    this.schedules = schedules;
  }

  /** Warn, or plan → levels (one at a time) → stacks (side by side) → operate → wait/describe loop → forget on expire. */
  private stateMachineOf(
    props: EstateLifecycleStackProps,
    names: readonly string[],
    retention: logs.RetentionDays,
  ): sfn.StateMachine {
    const done = new sfn.Succeed(this, 'Done');
    const work = this.levelsOf(done);
    return this.machineOf(props, names, retention, this.actionOf(props, work, done));
  }

  /** A state that calls the function with `payload` and returns its answer. */
  private handlerTask(
    id: string,
    payload: Record<string, unknown>,
    extra: Partial<tasks.LambdaInvokeProps> = {},
  ): sfn.TaskStateBase {
    return new tasks.LambdaInvoke(this, id, {
      lambdaFunction: this.handler,
      payload: sfn.TaskInput.fromObject(payload),
      payloadResponseOnly: true,
      // Lambda's own service exceptions are retried by LambdaInvoke; CloudFormation's and SSM's throttling here.
      ...extra,
    }).addRetry({
      errors: ['ThrottlingException', 'Throttling', 'TooManyRequestsException'],
      interval: Duration.seconds(5),
      backoffRate: 2,
      maxAttempts: 6,
    });
  }

  /**
   * Down, up and expire: the plan, then its levels one at a time (a level's stacks depend only
   * on earlier levels), then, for expire, the environment's records forgotten.
   */
  private levelsOf(done: sfn.Succeed): sfn.Chain {
    const plan = this.handlerTask(
      'Plan',
      {
        op: 'plan',
        environment: sfn.JsonPath.stringAt('$.environment'),
        action: sfn.JsonPath.stringAt('$.action'),
      },
      { resultPath: '$.plan' },
    );
    const stacks = this.stacksOf();
    const levels = new sfn.Map(this, 'Levels', {
      itemsPath: '$.plan.levels',
      itemSelector: { stacks: sfn.JsonPath.objectAt('$$.Map.Item.Value') },
      maxConcurrency: 1,
      resultPath: sfn.JsonPath.DISCARD,
    });
    levels.itemProcessor(stacks);
    const forget = this.handlerTask(
      'Forget',
      { op: 'forget', environment: sfn.JsonPath.stringAt('$.environment') },
      { resultPath: sfn.JsonPath.DISCARD },
    );
    const afterLevels = new sfn.Choice(this, 'Expired?')
      .when(sfn.Condition.stringEquals('$.action', 'expire'), forget.next(done))
      .otherwise(done);
    return plan.next(levels).next(afterLevels);
  }

  /**
   * The stacks of one level side by side: each operated, then described every POLL_SECONDS
   * until it settles; a failed stack fails the execution with its reason.
   */
  private stacksOf(): sfn.Map {
    const operate = this.handlerTask('Operate', { op: 'operate', item: sfn.JsonPath.objectAt('$') });
    const wait = new sfn.Wait(this, 'Settle', {
      time: sfn.WaitTime.duration(Duration.seconds(POLL_SECONDS)),
    });
    const describe = this.handlerTask('Describe', { op: 'describe', item: sfn.JsonPath.objectAt('$') });
    const settled = new sfn.Choice(this, 'Settled?')
      .when(sfn.Condition.stringEquals('$.state', 'done'), new sfn.Succeed(this, 'StackDone'))
      .when(
        sfn.Condition.stringEquals('$.state', 'failed'),
        new sfn.Fail(this, 'StackFailed', { error: 'StackFailed', causePath: '$.reason' }),
      )
      .otherwise(wait);
    const stacks = new sfn.Map(this, 'Stacks', { itemsPath: '$.stacks', maxConcurrency: 4 });
    stacks.itemProcessor(operate.next(wait).next(describe).next(settled));
    return stacks;
  }

  /**
   * The first state, by action: warn (only when some environment has a warning topic), down,
   * up or expire (the levels), anything else a failure naming the actions.
   */
  private actionOf(props: EstateLifecycleStackProps, work: sfn.IChainable, done: sfn.Succeed): sfn.Choice {
    const topics = [
      ...new Set(props.environments.flatMap((e) => (e.warnAt && e.warnTopicArn ? [e.warnTopicArn] : []))),
    ];
    const start = new sfn.Choice(this, 'Action?');
    if (topics.length)
      start.when(sfn.Condition.stringEquals('$.action', 'warn'), this.warnOf(topics).next(done));
    start
      .when(
        sfn.Condition.or(
          sfn.Condition.stringEquals('$.action', 'down'),
          sfn.Condition.stringEquals('$.action', 'up'),
          sfn.Condition.stringEquals('$.action', 'expire'),
        ),
        work,
      )
      .otherwise(
        new sfn.Fail(this, 'UnknownAction', {
          error: 'UnknownAction',
          cause: 'action must be down, up, expire or warn',
        }),
      );
    return start;
  }

  /** Warn: publishes the owner's expiry warning to the topic the schedule names (only those topics). */
  private warnOf(topics: readonly string[]): tasks.CallAwsService {
    return new tasks.CallAwsService(this, 'Warn', {
      service: 'sns',
      action: 'publish',
      parameters: {
        TopicArn: sfn.JsonPath.stringAt('$.topicArn'),
        Subject: sfn.JsonPath.format(
          'estate: environment {} expires soon',
          sfn.JsonPath.stringAt('$.environment'),
        ),
        Message: sfn.JsonPath.format(
          'Environment {} expires at {} and will then be destroyed. Run `estate env extend {} --by 24h` to keep it.',
          sfn.JsonPath.stringAt('$.environment'),
          sfn.JsonPath.stringAt('$.expiresAt'),
          sfn.JsonPath.stringAt('$.environment'),
        ),
      },
      iamResources: [...topics],
      resultPath: sfn.JsonPath.DISCARD,
    });
  }

  /** The state machine from `start`, logged at ALL level, with its cdk-nag acknowledgements. */
  private machineOf(
    props: EstateLifecycleStackProps,
    names: readonly string[],
    retention: logs.RetentionDays,
    start: sfn.IChainable,
  ): sfn.StateMachine {
    const machine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineName: LIFECYCLE_STACK,
      comment: `estate: down, up, expire and warn for ${names.join(', ')}`,
      definitionBody: sfn.DefinitionBody.fromChainable(start),
      timeout: Duration.hours(props.timeoutHours ?? 8),
      logs: {
        destination: new logs.LogGroup(this, 'StateMachineLogs', { retention }),
        level: sfn.LogLevel.ALL,
        includeExecutionData: true,
      },
      tracingEnabled: false,
    });
    acknowledge(machine, {
      'AwsSolutions-SF2':
        'no X-Ray: the machine makes a handful of Lambda calls a day; its execution history and the ALL-level log say what happened',
    });
    acknowledgeWildcards(
      machine.role,
      "two wildcards AWS requires: CloudWatch Logs log delivery (CreateLogDelivery and friends) supports no resource-level permissions, and lambda:InvokeFunction on the function's versions (<arn>:*) that LambdaInvoke grants",
    );
    return machine;
  }
}

function checkProps(props: EstateLifecycleStackProps): void {
  if (props.environments.length === 0)
    throw new BlueprintError(
      'lifecycle',
      'no environment: a lifecycle stack with nothing to run is destroyed instead',
    );
  if (!/^[a-z0-9]{1,10}$/.test(props.qualifier))
    throw new BlueprintError('lifecycle', `qualifier "${props.qualifier}" is not a CDK bootstrap qualifier`);
  for (const e of props.environments) {
    if ((e.downExpressions?.length || e.upExpressions?.length) && !e.timezone)
      throw new BlueprintError('lifecycle', `environment ${e.name}: down/up expressions need a timezone`);
    for (const [field, at] of [
      ['expiresAt', e.expiresAt],
      ['warnAt', e.warnAt],
    ] as const)
      if (at !== undefined && Number.isNaN(Date.parse(at)))
        throw new BlueprintError('lifecycle', `environment ${e.name}: ${field} "${at}" is not an ISO time`);
  }
}
