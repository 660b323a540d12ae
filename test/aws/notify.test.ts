import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { AwsNotify, snsSubject, topicLocation } from '../../src/aws/notify.js';

const sns = mockClient(SNSClient);
const ses = mockClient(SESv2Client);
const creds = { accessKeyId: 'a', secretAccessKey: 'b' };
const snsAt: { accountId: string; region: string }[] = [];
const adapter = () =>
  new AwsNotify(
    (at) => {
      snsAt.push(at);
      return new SNSClient({ region: at.region, credentials: creds });
    },
    () => ({ client: new SESv2Client({ region: 'eu-west-2', credentials: creds }), region: 'eu-west-2' }),
  );
const TOPIC = 'arn:aws:sns:eu-west-1:111122223333:estate-expiry';

beforeEach(() => {
  sns.reset();
  ses.reset();
  snsAt.length = 0;
});

describe('AwsNotify.publish', () => {
  it('Given a topic ARN in eu-west-1, When published, Then the client is the topic’s region and account and the subject is SNS-safe', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    await adapter().publish(TOPIC, `alice expires in 3 h — owner Zoë\n${'x'.repeat(200)}`, 'body');
    expect(snsAt).toEqual([{ accountId: '111122223333', region: 'eu-west-1' }]);
    const input = sns.commandCalls(PublishCommand)[0]!.args[0].input;
    expect(input.TopicArn).toBe(TOPIC);
    expect(input.Message).toBe('body');
    expect(input.Subject!.length).toBeLessThan(100);
    expect(input.Subject).toMatch(/^[\x20-\x7e]+$/);
    expect(input.Subject).toContain('owner Zoe');
  });

  it('Given a topic that does not exist, When published, Then the error names the topic and the config field', async () => {
    sns
      .on(PublishCommand)
      .rejects(
        Object.assign(new Error('Topic does not exist'), { name: 'NotFoundException', $metadata: {} }),
      );
    await expect(adapter().publish(TOPIC, 's', 'm')).rejects.toMatchObject({
      message: expect.stringContaining(TOPIC),
      suggestions: expect.arrayContaining([expect.stringContaining('lifecycle.warnTopicArn')]),
    });
  });

  it('Given a value that is not a topic ARN, When published, Then it fails naming it without a call', async () => {
    await expect(adapter().publish('estate-expiry', 's', 'm')).rejects.toThrow(/not an SNS topic ARN/);
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
  });

  it('parses topic ARNs and keeps short ASCII subjects as they are', () => {
    expect(topicLocation('arn:aws:sns:us-east-1:123456789012:t.fifo')).toEqual({
      region: 'us-east-1',
      accountId: '123456789012',
    });
    expect(snsSubject('estate: alice expires soon')).toBe('estate: alice expires soon');
  });
});

describe('AwsNotify.email', () => {
  it('Given a sender and an owner, When mailed, Then SendEmail goes from the sender to the owner with the subject and text', async () => {
    ses.on(SendEmailCommand).resolves({ MessageId: 'e-1' });
    await adapter().email('platform@example.com', 'alice@example.com', 'alice expires', 'in 3 hours');
    const input = ses.commandCalls(SendEmailCommand)[0]!.args[0].input;
    expect(input).toMatchObject({
      FromEmailAddress: 'platform@example.com',
      Destination: { ToAddresses: ['alice@example.com'] },
      Content: { Simple: { Subject: { Data: 'alice expires' }, Body: { Text: { Data: 'in 3 hours' } } } },
    });
  });

  it('Given an unverified sender, When mailed, Then the error says to verify it in the region', async () => {
    ses
      .on(SendEmailCommand)
      .rejects(
        Object.assign(new Error('Email address is not verified.'), {
          name: 'MessageRejected',
          $metadata: {},
        }),
      );
    await expect(adapter().email('platform@example.com', 'a@example.com', 's', 'b')).rejects.toMatchObject({
      suggestions: expect.arrayContaining([expect.stringContaining('verify platform@example.com')]),
    });
  });
});
