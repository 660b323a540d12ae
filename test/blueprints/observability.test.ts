import type { Template } from 'aws-cdk-lib/assertions';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ObservabilityBlueprint,
  type ObservabilityBlueprintProps,
} from '../../src/blueprints/observability.js';
import { flat, newApp, resourcesOf, stackIn, template } from './_helpers.js';

// Given an API, a function and a table in a shared stack, a dev and a prod observability stack
// watching them and a CloudFront distribution, and the prod CloudFront alarm stack in us-east-1.
let dev: Template;
let prod: Template;
let edge: Template;
beforeAll(() => {
  const app = newApp();
  const shared = stackIn(app, 'shared');
  const httpApi = new apigw.HttpApi(shared, 'Api');
  const fn = new lambda.Function(shared, 'Fn', {
    runtime: lambda.Runtime.NODEJS_24_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => ({})'),
  });
  const table = new dynamodb.TableV2(shared, 'Table', {
    partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
  });
  const watched = { httpApi, functions: [fn], tables: [table], distributionId: 'E2EXAMPLE' };
  const stacks = [stackIn(app, 'dev'), stackIn(app, 'prod'), stackIn(app, 'prod-edge', 'us-east-1')];
  new ObservabilityBlueprint(stacks[0]!, 'Obs', { size: 'dev', namePrefix: 'dev', ...watched });
  new ObservabilityBlueprint(stacks[1]!, 'Obs', {
    size: 'prod',
    namePrefix: 'prod',
    ...watched,
    alarmEmail: 'ops@example.com',
    apiLatencyP99Ms: 1500,
  });
  new ObservabilityBlueprint(stacks[2]!, 'Obs', {
    size: 'prod',
    namePrefix: 'prod-edge',
    dashboard: false,
    distributionId: 'E2EXAMPLE',
    cloudFront5xxPercent: 2,
  });
  [dev, prod, edge] = stacks.map(template);
});

const alarms = (t: Template) =>
  Object.fromEntries(
    resourcesOf(t, 'AWS::CloudWatch::Alarm').map(([, a]) => [a.Properties.AlarmName, a.Properties]),
  );

describe('observability blueprint', () => {
  it('builds one dashboard per environment covering API, Lambda, DynamoDB and CloudFront', () => {
    const body = flat(resourcesOf(dev, 'AWS::CloudWatch::Dashboard')[0]![1].Properties.DashboardBody);
    for (const title of [
      'API requests and errors',
      'API latency p99',
      'Lambda errors',
      'Lambda throttles',
      'DynamoDB throttled requests',
      'CloudFront 5xx rate',
    ])
      expect(body).toContain(title);
    // CloudFront metrics live in us-east-1: the widget reads them cross-region.
    expect(body).toMatch(
      /"AWS\/CloudFront","5xxErrorRate","DistributionId","E2EXAMPLE","Region","Global",\{"region":"us-east-1"/,
    );
    dev.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: 'dev' });
    edge.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
  });

  it('creates no alarms in dev', () => {
    dev.resourceCountIs('AWS::CloudWatch::Alarm', 0);
    dev.resourceCountIs('AWS::SNS::Topic', 0);
  });

  it('alarms in prod on API 5xx and p99 latency, Lambda errors and throttles and DynamoDB throttles', () => {
    const a = alarms(prod);
    expect(Object.keys(a).sort()).toEqual(
      [
        'prod-api-5xx',
        'prod-api-latency-p99',
        'prod-lambda-0-errors',
        'prod-lambda-0-throttles',
        'prod-table-0-throttles',
      ].sort(),
    );
    expect(a['prod-api-5xx']).toMatchObject({
      MetricName: '5xx',
      Namespace: 'AWS/ApiGateway',
      Statistic: 'Sum',
      Period: 60,
      Threshold: 5,
      EvaluationPeriods: 5,
      DatapointsToAlarm: 3,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
    expect(a['prod-api-latency-p99']).toMatchObject({
      MetricName: 'Latency',
      ExtendedStatistic: 'p99',
      Threshold: 1500,
      Period: 300,
    });
    expect(a['prod-lambda-0-errors']).toMatchObject({
      MetricName: 'Errors',
      Namespace: 'AWS/Lambda',
      Threshold: 1,
    });
    expect(a['prod-lambda-0-throttles']).toMatchObject({ MetricName: 'Throttles', Threshold: 1 });
    const table = a['prod-table-0-throttles'];
    expect(table.Threshold).toBe(1);
    expect(
      table.Metrics.map((m: any) => m.MetricStat?.Metric.MetricName)
        .filter(Boolean)
        .sort(),
    ).toEqual(['ReadThrottleEvents', 'WriteThrottleEvents']);
    // CloudFront's alarm cannot live outside us-east-1.
    expect(a['prod-cloudfront-5xx']).toBeUndefined();
  });

  it('alarms on the CloudFront 5xx rate from us-east-1', () => {
    expect(alarms(edge)).toEqual({
      'prod-edge-cloudfront-5xx': expect.objectContaining({
        Namespace: 'AWS/CloudFront',
        MetricName: '5xxErrorRate',
        Dimensions: expect.arrayContaining([{ Name: 'Region', Value: 'Global' }]),
        Threshold: 2,
        ComparisonOperator: 'GreaterThanThreshold',
      }),
    });
  });

  it('notifies an SNS topic encrypted with a rotated key CloudWatch may use, with the e-mail subscribed', () => {
    for (const t of [prod, edge]) {
      t.resourceCountIs('AWS::SNS::Topic', 1);
      expect(resourcesOf(t, 'AWS::SNS::Topic')[0]![1].Properties.KmsMasterKeyId).toEqual({
        'Fn::GetAtt': [expect.stringMatching(/AlarmTopicKey/), 'Arn'],
      });
      t.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
      for (const alarm of Object.values<any>(alarms(t))) {
        expect(alarm.AlarmActions).toEqual([{ Ref: expect.stringMatching(/AlarmTopic/) }]);
        expect(alarm.OKActions).toEqual([{ Ref: expect.stringMatching(/AlarmTopic/) }]);
      }
    }
    const key = resourcesOf(prod, 'AWS::KMS::Key')[0]![1].Properties.KeyPolicy.Statement;
    expect(key).toContainEqual(
      expect.objectContaining({
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      }),
    );
    prod.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
    edge.resourceCountIs('AWS::SNS::Subscription', 0);
  });
});

describe('observability blueprint props', () => {
  const build = (props: Partial<ObservabilityBlueprintProps>) =>
    new ObservabilityBlueprint(stackIn(newApp(), 's'), 'Obs', { size: 'prod', namePrefix: 'x', ...props });

  it('fails when a threshold is not positive', () => {
    expect(() => build({ apiLatencyP99Ms: 0 })).toThrow(/apiLatencyP99Ms must be positive/);
  });

  it('fails when the CloudFront error-rate threshold is above 100 %', () => {
    expect(() => build({ cloudFront5xxPercent: 150 })).toThrow(/cloudFront5xxPercent 150 is above 100/);
  });
});
