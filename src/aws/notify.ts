/**
 * NotifyPort over SNS Publish and SES v2 SendEmail: how the reaper warns an environment's
 * owner before its expiry.
 *
 * Facts from the API references this relies on:
 * - SNS is regional: a topic is published to in the region (and account) of its ARN,
 *   `arn:<partition>:sns:<region>:<account>:<name>`. Publish's Subject (e-mail endpoints)
 *   must be ASCII, begin with a letter, digit or punctuation, hold no line breaks or control
 *   characters and be under 100 characters; the message is at most 256 KB.
 * - SES v2 SendEmail sends from a verified identity of the region it is called in; an
 *   unverified sender (or a sandboxed account writing to an unverified recipient) answers
 *   MessageRejected; a paused or suspended account answers SendingPausedException /
 *   AccountSuspendedException.
 */
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import type { NotifyPort } from '../core/env/ports.js';
import { EstateError } from '../errors.js';
import type { AwsClients } from './clients.js';
import { mapAwsError } from './errors.js';
import { errorName } from './paginate.js';
import type { SendLike } from './send.js';

/** Under 100 characters, SNS says. */
export const MAX_SUBJECT = 99;
/** SNS messages are at most 256 KB (bytes, UTF-8). */
const MAX_MESSAGE_BYTES = 256 * 1024;

/** The region and account of an SNS topic ARN, or an error naming the value. */
export function topicLocation(topicArn: string): { region: string; accountId: string } {
  const m = /^arn:aws[a-z-]*:sns:([a-z0-9-]+):(\d{12}):[\w-]{1,256}(\.fifo)?$/.exec(topicArn);
  if (!m)
    throw new EstateError(`"${topicArn}" is not an SNS topic ARN`, {
      code: 'BadTopicArn',
      source: 'user',
      suggestions: ['write lifecycle.warnTopicArn as arn:aws:sns:<region>:<account>:<topic>'],
    });
  return { region: m[1]!, accountId: m[2]! };
}

/** A subject SNS accepts: printable ASCII only, one line, at most 99 characters, not starting with a space. */
export function snsSubject(subject: string): string {
  const ascii = subject
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[\r\n\t]+/g, ' ')
    .replace(/[^\x20-\x7e]/g, '?')
    .trim();
  const text = ascii.length > MAX_SUBJECT ? `${ascii.slice(0, MAX_SUBJECT - 3)}...` : ascii;
  return text || 'estate';
}

function truncateBytes(text: string, max: number): string {
  if (Buffer.byteLength(text, 'utf8') <= max) return text;
  let out = Buffer.from(text, 'utf8')
    .subarray(0, max - 16)
    .toString('utf8');
  out = out.replace(/\uFFFD$/, '');
  return `${out}\n[truncated]`;
}

export class AwsNotify implements NotifyPort {
  constructor(
    private readonly sns: (at: { accountId: string; region: string }) => SendLike,
    private readonly ses: () => { client: SendLike; region: string; accountId?: string },
  ) {}

  async publish(topicArn: string, subject: string, message: string): Promise<void> {
    const at = topicLocation(topicArn);
    try {
      await this.sns(at).send(
        new PublishCommand({
          TopicArn: topicArn,
          Subject: snsSubject(subject),
          Message: truncateBytes(message, MAX_MESSAGE_BYTES),
        }),
      );
    } catch (error) {
      const name = errorName(error);
      throw mapAwsError(error, {
        action: 'Publish',
        service: 'sns',
        account: at.accountId,
        target: `to ${topicArn}`,
        ...(name === 'NotFound' || name === 'NotFoundException'
          ? { fix: `create the topic ${topicArn}, or correct lifecycle.warnTopicArn` }
          : name === 'AuthorizationError' || name === 'AuthorizationErrorException'
            ? { fix: `allow sns:Publish on ${topicArn} in its topic policy for the role estate runs as` }
            : {}),
      });
    }
  }

  async email(from: string, to: string, subject: string, body: string): Promise<void> {
    const { client, region, accountId } = this.ses();
    try {
      await client.send(
        new SendEmailCommand({
          FromEmailAddress: from,
          Destination: { ToAddresses: [to] },
          Content: {
            Simple: {
              Subject: { Data: subject.replace(/[\r\n]+/g, ' '), Charset: 'UTF-8' },
              Body: { Text: { Data: body, Charset: 'UTF-8' } },
            },
          },
        }),
      );
    } catch (error) {
      const name = errorName(error);
      throw mapAwsError(error, {
        action: 'SendEmail',
        service: 'ses',
        ...(accountId ? { account: accountId } : {}),
        target: `from ${from} to ${to} in ${region}`,
        ...(name === 'MessageRejected'
          ? {
              fix: `verify ${from} (or its domain) in SES in ${region}; while the account is in the SES sandbox, verify ${to} too`,
            }
          : name === 'MailFromDomainNotVerifiedException'
            ? { fix: `verify the MAIL FROM domain of ${from} in SES in ${region}` }
            : name === 'SendingPausedException' || name === 'AccountSuspendedException'
              ? {
                  fix: `sending from this account is paused in ${region}; see the SES console's reputation page`,
                }
              : {}),
      });
    }
  }
}

/**
 * SNS from the topic's own account and region (the caller's credentials when that is the
 * caller's account); SES from the caller's account in estate's region.
 */
export function notifyPort(clients: AwsClients): AwsNotify {
  let ses: SendLike | undefined;
  return new AwsNotify(
    (at) => clients.client(SNSClient, 'SNS', { account: at.accountId, region: at.region }),
    () => {
      ses ??= clients.client(SESv2Client, 'SESV2', { region: clients.region });
      return { client: ses, region: clients.region };
    },
  );
}
