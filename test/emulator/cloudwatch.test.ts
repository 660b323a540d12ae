/**
 * The CloudWatch, SNS and SES fakes over the loopback emulator, driven by the real adapters
 * and SDK clients: the wire shapes (awsJson1_0, awsQuery, REST JSON), the 500-query limit,
 * paging, exact dimension matching, retention, and what the notification fakes record.
 */
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SNSClient } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AwsMetrics } from '../../src/aws/cloudwatch.js';
import { AwsNotify } from '../../src/aws/notify.js';
import { startEmulator, type Emulator } from '../../src/emulator/server.js';
import { FakeCloudWatch } from '../../src/emulator/cloudwatch.js';
import { FakeSes, FakeSns } from '../../src/emulator/notify.js';

const ACCOUNT = '111122223333';
const NOW = new Date('2026-12-01T10:00:00Z');
const creds = { accessKeyId: 'AKIDEMULATOR', secretAccessKey: 'x' };
let emulator: Emulator;
let cw: FakeCloudWatch;
const sns = new FakeSns();
const ses = new FakeSes();

beforeAll(async () => {
  cw = new FakeCloudWatch(() => NOW);
  emulator = await startEmulator({
    callerAccountId: ACCOUNT,
    services: [cw],
    queryServices: [sns],
    restServices: [ses],
  });
});
afterAll(() => emulator.close());
beforeEach(() => {
  cw.points.length = 0;
  cw.calls.length = 0;
  cw.pageSize = undefined;
});

const metrics = () =>
  new AwsMetrics(
    (at) => new CloudWatchClient({ endpoint: emulator.url, region: at.region, credentials: creds }),
    {
      now: () => NOW,
    },
  );
const at = { accountId: ACCOUNT, region: 'eu-west-2' };
const ago = (h: number) => new Date(NOW.getTime() - h * 3_600_000);
const fn = (name: string, value: number, timestamp: Date, region = 'eu-west-2') =>
  cw.put({
    account: ACCOUNT,
    region,
    namespace: 'AWS/Lambda',
    metricName: 'Invocations',
    dimensions: { FunctionName: name },
    timestamp,
    value,
  });
const q = (id: string, name: string) => ({
  id,
  namespace: 'AWS/Lambda',
  metricName: 'Invocations',
  dimensions: { FunctionName: name },
});

describe('FakeCloudWatch', () => {
  it('Given points inside and outside the window, in another region and with other dimensions, When summed, Then only the matching ones in the window count', async () => {
    fn('a', 2, ago(3));
    fn('a', 5, ago(30));
    fn('a', 7, ago(3), 'us-east-1');
    cw.put({
      account: ACCOUNT,
      region: 'eu-west-2',
      namespace: 'AWS/Lambda',
      metricName: 'Invocations',
      dimensions: { FunctionName: 'a', Resource: 'a:live' },
      timestamp: ago(2),
      value: 11,
    });
    fn('b', 1, ago(1));
    const sums = await metrics().sums(at, [q('a', 'a'), q('b', 'b'), q('c', 'c')], ago(24), NOW);
    expect(Object.fromEntries(sums)).toEqual({ a: 2, b: 1, c: 0 });
  });

  it('Given 501 queries in one call, When sent, Then AWS’s InvalidParameterValue comes back', async () => {
    const client = new CloudWatchClient({ endpoint: emulator.url, region: 'eu-west-2', credentials: creds });
    await expect(
      client.send(
        new GetMetricDataCommand({
          StartTime: ago(1),
          EndTime: NOW,
          MetricDataQueries: Array.from({ length: 501 }, (_, i) => ({
            Id: `q${i}`,
            MetricStat: {
              Metric: { Namespace: 'AWS/Lambda', MetricName: 'Invocations' },
              Period: 3600,
              Stat: 'Sum',
            },
          })),
        }),
      ),
    ).rejects.toMatchObject({
      name: 'InvalidParameterValueException',
      message: expect.stringContaining('must not have a size greater than 500'),
    });
  });

  it('Given 1,201 queries and pages of 100 points, When summed through the adapter, Then 3 batches, every token followed, every sum right', async () => {
    for (let i = 0; i < 1201; i++) fn(`f${i}`, i, ago(2));
    cw.pageSize = 100;
    const queries = Array.from({ length: 1201 }, (_, i) => q(`q${i}`, `f${i}`));
    const sums = await metrics().sums(at, queries, ago(24), NOW);
    expect(cw.calls.filter((c) => !c.nextToken).map((c) => c.queries)).toEqual([500, 500, 201]);
    expect(cw.calls.length).toBeGreaterThan(3);
    expect(sums.get('q1200')).toBe(1200);
    expect([...sums.values()].reduce((a, b) => a + b, 0)).toBe((1200 * 1201) / 2);
  });

  it('Given a window starting 20 days ago, When the adapter sums, Then the period is a multiple of 300 and old points still count', async () => {
    fn('a', 4, ago(24 * 19));
    const sums = await metrics().sums(at, [q('a', 'a')], ago(24 * 20), NOW);
    expect(sums.get('a')).toBe(4);
  });

  it('Given forbidden metrics in an account, When summed, Then the adapter’s error names GetMetricData', async () => {
    cw.forbidden.add(`${ACCOUNT}/eu-west-2`);
    try {
      await expect(metrics().sums(at, [q('a', 'a')], ago(24), NOW)).rejects.toThrow(
        /cloudwatch:GetMetricData/,
      );
    } finally {
      cw.forbidden.clear();
    }
  });
});

describe('FakeSns and FakeSes', () => {
  const notify = () =>
    new AwsNotify(
      (where) => new SNSClient({ endpoint: emulator.url, region: where.region, credentials: creds }),
      () => ({
        client: new SESv2Client({ endpoint: emulator.url, region: 'eu-west-2', credentials: creds }),
        region: 'eu-west-2',
      }),
    );

  it('Given a topic, When published to through the adapter, Then the message is recorded in the topic’s region', async () => {
    const topic = `arn:aws:sns:eu-west-1:${ACCOUNT}:estate-expiry`;
    sns.topics.add(topic);
    await notify().publish(topic, 'alice expires in 3 hours', 'details');
    expect(sns.published.at(-1)).toMatchObject({
      region: 'eu-west-1',
      topicArn: topic,
      subject: 'alice expires in 3 hours',
    });
  });

  it('Given a topic that does not exist, When published to, Then NotFound is mapped to an error naming it', async () => {
    await expect(notify().publish(`arn:aws:sns:eu-west-1:${ACCOUNT}:nope`, 's', 'm')).rejects.toThrow(/nope/);
  });

  it('Given an unverified sender, When mailing, Then MessageRejected; verified, Then the mail is recorded', async () => {
    await expect(notify().email('platform@example.com', 'alice@example.com', 's', 'b')).rejects.toMatchObject(
      {
        code: 'MessageRejected',
      },
    );
    ses.verify(ACCOUNT, 'eu-west-2', 'example.com');
    await notify().email('platform@example.com', 'alice@example.com', 'alice expires', 'soon');
    expect(ses.sent.at(-1)).toMatchObject({
      from: 'platform@example.com',
      to: ['alice@example.com'],
      subject: 'alice expires',
    });
  });
});
