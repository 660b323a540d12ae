import { CloudWatchClient, GetMetricDataCommand, type GetMetricDataInput } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { AwsMetrics, granularitySeconds, periodFor } from '../../src/aws/cloudwatch.js';
import type { MetricQuery } from '../../src/core/env/ports.js';

const mock = mockClient(CloudWatchClient);
const at = { accountId: '222222222222', region: 'eu-west-2' };
const NOW = new Date('2026-12-01T10:00:00Z');
const adapter = () =>
  new AwsMetrics(
    (where) =>
      new CloudWatchClient({ region: where.region, credentials: { accessKeyId: 'a', secretAccessKey: 'b' } }),
    { now: () => NOW },
  );
const lambda = (i: number): MetricQuery => ({
  id: `q${i}`,
  namespace: 'AWS/Lambda',
  metricName: 'Invocations',
  dimensions: { FunctionName: `fn-${i}` },
});
const hoursAgo = (h: number) => new Date(NOW.getTime() - h * 3_600_000);
const inputs = () =>
  mock.commandCalls(GetMetricDataCommand).map((c) => c.args[0].input as GetMetricDataInput);

beforeEach(() => mock.reset());

describe('periodFor', () => {
  it('Given windows starting 1 day, 20 days and 70 days ago, When a period is picked, Then it is one period over the window in multiples of 60, 300 and 3600 s', () => {
    expect(granularitySeconds(24 * 3_600_000)).toBe(60);
    expect(granularitySeconds(20 * 86_400_000)).toBe(300);
    expect(granularitySeconds(70 * 86_400_000)).toBe(3600);
    const day = periodFor(new Date('2026-11-30T10:00:30Z'), NOW, NOW);
    expect(day.start.toISOString()).toBe('2026-11-30T10:00:00.000Z');
    expect(day.periodSeconds).toBe(86_400);
    const twenty = periodFor(new Date('2026-11-11T09:58:00Z'), NOW, NOW);
    expect(twenty.start.toISOString()).toBe('2026-11-11T09:55:00.000Z');
    expect(twenty.periodSeconds % 300).toBe(0);
    expect(twenty.start.getTime() + twenty.periodSeconds * 1000).toBeGreaterThanOrEqual(NOW.getTime());
    const seventy = periodFor(new Date('2026-09-22T09:30:00Z'), NOW, NOW);
    expect(seventy.periodSeconds % 3600).toBe(0);
    expect(seventy.start.toISOString()).toBe('2026-09-22T09:00:00.000Z');
  });
});

describe('AwsMetrics.sums', () => {
  it('Given 1,201 queries, When summed, Then three calls of 500, 500 and 201 with Stat Sum and one period each', async () => {
    mock.on(GetMetricDataCommand).callsFake((input: GetMetricDataInput) => ({
      MetricDataResults: input.MetricDataQueries!.map((q) => ({
        Id: q.Id,
        StatusCode: 'Complete',
        Timestamps: [hoursAgo(24)],
        Values: [Number(q.Id!.slice(1))],
      })),
    }));
    const queries = Array.from({ length: 1201 }, (_, i) => lambda(i));
    const sums = await adapter().sums(at, queries, hoursAgo(24), NOW);
    expect(inputs().map((i) => i.MetricDataQueries!.length)).toEqual([500, 500, 201]);
    const first = inputs()[0]!.MetricDataQueries![0]!;
    expect(first.MetricStat).toMatchObject({
      Stat: 'Sum',
      Period: 86_400,
      Metric: {
        Namespace: 'AWS/Lambda',
        MetricName: 'Invocations',
        Dimensions: [{ Name: 'FunctionName', Value: 'fn-0' }],
      },
    });
    expect(sums.size).toBe(1201);
    expect(sums.get('q1200')).toBe(1200);
    expect(sums.get('q0')).toBe(0);
  });

  it('Given a first page with PartialData and a NextToken, When summed, Then the token is followed and the values of both pages add up', async () => {
    mock
      .on(GetMetricDataCommand, { NextToken: undefined })
      .resolves({
        MetricDataResults: [
          { Id: 'q0', StatusCode: 'PartialData', Values: [3] },
          { Id: 'q1', StatusCode: 'Complete', Values: [] },
        ],
        NextToken: 'page-2',
      })
      .on(GetMetricDataCommand, { NextToken: 'page-2' })
      .resolves({ MetricDataResults: [{ Id: 'q0', StatusCode: 'Complete', Values: [4] }] });
    const sums = await adapter().sums(at, [lambda(0), lambda(1)], hoursAgo(48), NOW);
    expect(inputs().map((i) => i.NextToken)).toEqual([undefined, 'page-2']);
    expect(sums.get('q0')).toBe(7);
    expect(sums.get('q1')).toBe(0);
  });

  it('Given a metric without data points, When summed, Then its sum is 0', async () => {
    mock.on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Id: 'q0', StatusCode: 'Complete' }] });
    expect((await adapter().sums(at, [lambda(0)], hoursAgo(1), NOW)).get('q0')).toBe(0);
  });

  it('Given a result CloudWatch answers Forbidden, When summed, Then it fails naming the account and the permission', async () => {
    mock.on(GetMetricDataCommand).resolves({
      MetricDataResults: [{ Id: 'q0', StatusCode: 'Forbidden', Values: [] }],
    });
    await expect(adapter().sums(at, [lambda(0)], hoursAgo(24), NOW)).rejects.toMatchObject({
      code: 'MetricsForbidden',
      message: expect.stringContaining('222222222222'),
      suggestions: [expect.stringContaining('cloudwatch:GetMetricData')],
    });
  });

  it('Given top-level Messages (the operation did part of its work), When summed, Then it fails rather than report zero', async () => {
    mock.on(GetMetricDataCommand).resolves({
      MetricDataResults: [{ Id: 'q0', StatusCode: 'Complete', Values: [] }],
      Messages: [{ Code: 'MaxMetricsExceeded', Value: 'Maximum number of allowed metrics exceeded' }],
    });
    await expect(adapter().sums(at, [lambda(0)], hoursAgo(24), NOW)).rejects.toThrow(
      /Maximum number of allowed metrics exceeded/,
    );
  });

  it('Given AccessDenied, When summed, Then the error names cloudwatch:GetMetricData and the account', async () => {
    mock
      .on(GetMetricDataCommand)
      .rejects(
        Object.assign(new Error('not authorized'), {
          name: 'AccessDenied',
          $metadata: { httpStatusCode: 403 },
        }),
      );
    await expect(adapter().sums(at, [lambda(0)], hoursAgo(24), NOW)).rejects.toThrow(
      /GetMetricData .* in account 222222222222: the caller lacks cloudwatch:GetMetricData/,
    );
  });

  it('Given no queries, When summed, Then no call is made', async () => {
    expect((await adapter().sums(at, [], hoursAgo(24), NOW)).size).toBe(0);
    expect(inputs()).toEqual([]);
  });

  it('Given an id CloudWatch would refuse, When summed, Then it fails before any call', async () => {
    await expect(adapter().sums(at, [{ ...lambda(0), id: 'Bad-id' }], hoursAgo(24), NOW)).rejects.toThrow(
      /not valid/,
    );
    expect(inputs()).toEqual([]);
  });
});
