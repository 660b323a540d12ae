import { Duration, Stack, Token } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subs from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { OBSERVABILITY_DEFAULTS, bySize, type Size } from './defaults.js';
import { BlueprintError } from './errors.js';
import { profileOf } from './profile.js';

export interface ObservabilityBlueprintProps {
  /** dev: dashboard only; prod: dashboard and alarms. */
  readonly size: Size;
  /** Prefix of resource names, normally the environment name. */
  readonly namePrefix: string;
  /** @default false in dev, true in prod */
  readonly alarms?: boolean;
  /** Create the dashboard. @default true */
  readonly dashboard?: boolean;
  /** Subscribed to the alarm topic. @default - no subscription */
  readonly alarmEmail?: string;
  /** @default - no API widgets or alarms */
  readonly httpApi?: apigw.IHttpApi;
  /** Functions whose errors and throttles are watched. @default - none */
  readonly functions?: readonly lambda.IFunction[];
  /** Tables whose throttling is watched. @default - none */
  readonly tables?: readonly dynamodb.ITableV2[];
  /**
   * CloudFront distribution. Its metrics exist in us-east-1 only: the alarm is created only when
   * this construct is in us-east-1; elsewhere the dashboard shows the metrics cross-region.
   * @default - no CloudFront widgets or alarms
   */
  readonly distributionId?: string;
  /** @default 2000 */
  readonly apiLatencyP99Ms?: number;
  /** @default 5 */
  readonly api5xxPerMinute?: number;
  /** @default 5 */
  readonly cloudFront5xxPercent?: number;
}

/**
 * Per environment: a CloudWatch dashboard and, with alarms on, alarms on API 5xx and p99
 * latency, Lambda errors and throttles, DynamoDB throttles and CloudFront 5xx rate, notifying an
 * encrypted SNS topic. X-Ray active tracing (on every function) and log retention (every log
 * group, observability.logRetentionDays) are applied by each blueprint; HTTP APIs have no X-Ray
 * support of their own.
 */
export class ObservabilityBlueprint extends Construct {
  readonly alarms: cloudwatch.Alarm[] = [];
  readonly topic?: sns.Topic;
  readonly dashboardResource?: cloudwatch.Dashboard;

  // Long by design: a construct declares its resources in the order they depend on each
  // other, each set once from its props; split into helpers, the readonly fields it exposes
  // would have to be assigned out of line.
  constructor(scope: Construct, id: string, props: ObservabilityBlueprintProps) {
    super(scope, id);
    const latencyMs = props.apiLatencyP99Ms ?? OBSERVABILITY_DEFAULTS.apiLatencyP99Ms;
    const per5xx = props.api5xxPerMinute ?? OBSERVABILITY_DEFAULTS.api5xxPerMinute;
    const cf5xx = props.cloudFront5xxPercent ?? OBSERVABILITY_DEFAULTS.cloudFront5xxPercent;
    for (const [name, v] of [
      ['apiLatencyP99Ms', latencyMs],
      ['api5xxPerMinute', per5xx],
      ['cloudFront5xxPercent', cf5xx],
    ] as const) {
      if (!(v > 0)) throw new BlueprintError('observability', `${name} must be positive, got ${v}`);
    }
    if (cf5xx > 100) throw new BlueprintError('observability', `cloudFront5xxPercent ${cf5xx} is above 100`);
    const region = Stack.of(this).region;
    const inUsEast1 = !Token.isUnresolved(region) && region === 'us-east-1';
    const alarmsOn = props.alarms ?? bySize(OBSERVABILITY_DEFAULTS.alarms, props.size);

    if (alarmsOn) {
      const key = new kms.Key(this, 'AlarmTopicKey', {
        description: `Encrypts the alarm topic of ${props.namePrefix}`,
        enableKeyRotation: true,
        removalPolicy: profileOf(props.size).removalPolicy,
      });
      // CloudWatch alarms can publish only to topics whose key lets CloudWatch use it.
      key.addToResourcePolicy(
        new iam.PolicyStatement({
          principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
          actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          resources: ['*'],
        }),
      );
      this.topic = new sns.Topic(this, 'AlarmTopic', {
        displayName: `${props.namePrefix} alarms`,
        masterKey: key,
        enforceSSL: true,
      });
      if (props.alarmEmail) this.topic.addSubscription(new subs.EmailSubscription(props.alarmEmail));
    }
    const alarm = (
      id: string,
      metric: cloudwatch.IMetric,
      o: Omit<cloudwatch.CreateAlarmOptions, 'alarmName'>,
    ) => {
      if (!this.topic) return;
      const a = new cloudwatch.Alarm(this, id, {
        metric,
        alarmName: `${props.namePrefix}-${id}`,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        ...o,
      });
      a.addAlarmAction(new actions.SnsAction(this.topic));
      a.addOkAction(new actions.SnsAction(this.topic));
      this.alarms.push(a);
    };

    const widgets: cloudwatch.IWidget[][] = [];
    if (props.httpApi) {
      const api = props.httpApi;
      const errors = api.metricServerError({ period: Duration.minutes(1), statistic: 'Sum' });
      const latency = api.metricLatency({ period: Duration.minutes(5), statistic: 'p99' });
      widgets.push([
        new cloudwatch.GraphWidget({
          title: 'API requests and errors',
          left: [
            api.metricCount({ period: Duration.minutes(1) }),
            errors,
            api.metricClientError({ period: Duration.minutes(1) }),
          ],
        }),
        new cloudwatch.GraphWidget({ title: 'API latency p99 (ms)', left: [latency] }),
      ]);
      alarm('api-5xx', errors, {
        threshold: per5xx,
        evaluationPeriods: 5,
        datapointsToAlarm: 3,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        alarmDescription: `API returned ${per5xx}+ 5xx per minute in 3 of 5 minutes`,
      });
      alarm('api-latency-p99', latency, {
        threshold: latencyMs,
        evaluationPeriods: 3,
        datapointsToAlarm: 3,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        alarmDescription: `API p99 latency above ${latencyMs} ms for 15 minutes`,
      });
    }

    const fns = props.functions ?? [];
    if (fns.length) {
      const period = Duration.minutes(5);
      widgets.push([
        new cloudwatch.GraphWidget({
          title: 'Lambda errors',
          left: fns.map((f) => f.metricErrors({ period })),
        }),
        new cloudwatch.GraphWidget({
          title: 'Lambda throttles',
          left: fns.map((f) => f.metricThrottles({ period })),
        }),
        new cloudwatch.GraphWidget({
          title: 'Lambda duration p99',
          left: fns.map((f) => f.metricDuration({ period, statistic: 'p99' })),
        }),
      ]);
      fns.forEach((f, i) => {
        alarm(`lambda-${i}-errors`, f.metricErrors({ period, statistic: 'Sum' }), {
          threshold: 1,
          evaluationPeriods: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          alarmDescription: 'A Lambda function of the environment failed',
        });
        alarm(`lambda-${i}-throttles`, f.metricThrottles({ period, statistic: 'Sum' }), {
          threshold: 1,
          evaluationPeriods: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          alarmDescription: 'A Lambda function of the environment was throttled',
        });
      });
    }

    const tables = props.tables ?? [];
    if (tables.length) {
      // Ids must be unique across one graph, hence the index in each.
      const throttles = tables.map(
        (t, i) =>
          new cloudwatch.MathExpression({
            expression: `r${i} + w${i}`,
            label: t.tableName,
            period: Duration.minutes(5),
            usingMetrics: {
              [`r${i}`]: tableMetric(t, 'ReadThrottleEvents'),
              [`w${i}`]: tableMetric(t, 'WriteThrottleEvents'),
            },
          }),
      );
      widgets.push([new cloudwatch.GraphWidget({ title: 'DynamoDB throttled requests', left: throttles })]);
      throttles.forEach((m, i) =>
        alarm(`table-${i}-throttles`, m, {
          threshold: 1,
          evaluationPeriods: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          alarmDescription: 'A DynamoDB table of the environment throttled requests',
        }),
      );
    }

    if (props.distributionId) {
      const rate = new cloudwatch.Metric({
        namespace: 'AWS/CloudFront',
        metricName: '5xxErrorRate',
        dimensionsMap: { DistributionId: props.distributionId, Region: 'Global' },
        statistic: 'Average',
        period: Duration.minutes(5),
        region: 'us-east-1',
      });
      const requests = new cloudwatch.Metric({
        namespace: 'AWS/CloudFront',
        metricName: 'Requests',
        dimensionsMap: { DistributionId: props.distributionId, Region: 'Global' },
        statistic: 'Sum',
        period: Duration.minutes(5),
        region: 'us-east-1',
      });
      widgets.push([
        new cloudwatch.GraphWidget({ title: 'CloudFront requests', left: [requests] }),
        new cloudwatch.GraphWidget({ title: 'CloudFront 5xx rate (%)', left: [rate] }),
      ]);
      if (inUsEast1)
        alarm('cloudfront-5xx', rate, {
          threshold: cf5xx,
          evaluationPeriods: 3,
          datapointsToAlarm: 3,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          alarmDescription: `CloudFront 5xx error rate above ${cf5xx} % for 15 minutes`,
        });
    }

    if ((props.dashboard ?? true) && widgets.length) {
      this.dashboardResource = new cloudwatch.Dashboard(this, 'Dashboard', {
        dashboardName: props.namePrefix,
        widgets,
      });
    }
  }
}

function tableMetric(table: dynamodb.ITableV2, metricName: string): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: 'AWS/DynamoDB',
    metricName,
    dimensionsMap: { TableName: table.tableName },
    statistic: 'Sum',
    period: Duration.minutes(5),
  });
}
