/**
 * SNS Publish and SES v2 SendEmail that record what was sent, with the checks AWS makes:
 * - SNS (awsQuery, Version 2010-03-31): the topic must exist in the region and account of the
 *   request (else NotFound "Topic does not exist"); Subject printable ASCII, one line, under
 *   100 characters (else InvalidParameter).
 * - SES v2 (REST JSON, signing name `ses`, POST /v2/email/outbound-emails): the sender must
 *   be a verified identity (address or its domain) of the account and region, else
 *   MessageRejected "Email address is not verified."
 */
import type { RestRequest, RestResponse, ServiceCommand } from './server.js';
import { cloneState, refill, refillArray } from './state.js';

/** SNS topics that exist and the messages published. */
export interface SnsState {
  readonly topics: Set<string>;
  readonly published: Published[];
}

/** SES verified identities and the mail sent. */
export interface SesState {
  readonly verified: Set<string>;
  readonly sent: Mailed[];
}

const fail = (name: string, message: string, status = 400) =>
  Object.assign(new Error(message), { name, $status: status, $metadata: {} });

export interface Published {
  readonly account: string;
  readonly region: string;
  readonly topicArn: string;
  readonly subject?: string;
  readonly message: string;
}

export class FakeSns {
  readonly version = '2010-03-31';
  readonly namespace = 'http://sns.amazonaws.com/doc/2010-03-31/';
  readonly verbatimErrors = true;
  readonly topics = new Set<string>();
  readonly published: Published[] = [];

  snapshot(): SnsState {
    return cloneState({ topics: this.topics, published: this.published });
  }

  restore(state: SnsState): void {
    const s = cloneState(state);
    refill(this.topics, s.topics);
    refillArray(this.published, s.published);
  }

  async send(command: ServiceCommand): Promise<unknown> {
    const op = command.constructor.name.replace(/Command$/, '');
    const input = command.input as Record<string, string>;
    if (op !== 'Publish') throw fail('InvalidAction', `SNS ${op} is not emulated`);
    const arn = String(input.TopicArn ?? '');
    const [, , , region, account] = arn.split(':');
    if (!this.topics.has(arn) || region !== command.region || account !== command.account)
      throw fail('NotFound', 'Topic does not exist', 404);
    const subject = input.Subject;
    if (subject !== undefined && (!/^[\x21-\x7e][\x20-\x7e]*$/.test(subject) || subject.length >= 100))
      throw fail('InvalidParameter', 'Invalid parameter: Subject');
    if (!input.Message) throw fail('InvalidParameter', 'Invalid parameter: Empty message');
    this.published.push({
      account: command.account ?? '',
      region: command.region ?? '',
      topicArn: arn,
      ...(subject !== undefined ? { subject } : {}),
      message: input.Message,
    });
    return { MessageId: `msg-${this.published.length}` };
  }
}

export interface Mailed {
  readonly account: string;
  readonly region: string;
  readonly from: string;
  readonly to: readonly string[];
  readonly subject: string;
  readonly body: string;
}

export class FakeSes {
  readonly signingName = 'ses';
  /** `account/region/identity` (an address or a domain). */
  readonly verified = new Set<string>();
  readonly sent: Mailed[] = [];

  snapshot(): SesState {
    return cloneState({ verified: this.verified, sent: this.sent });
  }

  restore(state: SesState): void {
    const s = cloneState(state);
    refill(this.verified, s.verified);
    refillArray(this.sent, s.sent);
  }

  verify(account: string, region: string, identity: string): void {
    this.verified.add(`${account}/${region}/${identity}`);
  }

  async handle(request: RestRequest): Promise<RestResponse> {
    const error = (name: string, message: string, status = 400): RestResponse => ({
      status,
      headers: { 'content-type': 'application/json', 'x-amzn-errortype': name },
      body: JSON.stringify({ message }),
    });
    if (request.method !== 'POST' || request.path !== '/v2/email/outbound-emails')
      return error('NotFoundException', `${request.method} ${request.path} is not emulated`, 404);
    const body = JSON.parse(request.body.toString('utf8') || '{}') as {
      FromEmailAddress?: string;
      Destination?: { ToAddresses?: string[] };
      Content?: { Simple?: { Subject?: { Data?: string }; Body?: { Text?: { Data?: string } } } };
    };
    const from = body.FromEmailAddress ?? '';
    const region = request.region ?? 'us-east-1';
    const domain = from.split('@')[1] ?? '';
    if (
      !this.verified.has(`${request.account}/${region}/${from}`) &&
      !this.verified.has(`${request.account}/${region}/${domain}`)
    )
      return error(
        'MessageRejected',
        `Email address is not verified. The following identities failed the check in region ${region}: ${from}`,
      );
    const to = body.Destination?.ToAddresses ?? [];
    if (to.length === 0) return error('BadRequestException', 'Missing destination');
    this.sent.push({
      account: request.account,
      region,
      from,
      to,
      subject: body.Content?.Simple?.Subject?.Data ?? '',
      body: body.Content?.Simple?.Body?.Text?.Data ?? '',
    });
    return {
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ MessageId: `mail-${this.sent.length}` }),
    };
  }
}

/** The NotifyPort in memory, for core tests: records what was published and mailed; can fail. */
export class FakeNotifier {
  readonly published: { topicArn: string; subject: string; message: string }[] = [];
  readonly mailed: { from: string; to: string; subject: string; body: string }[] = [];
  /** Set: every call fails with it. */
  failure?: Error;

  async publish(topicArn: string, subject: string, message: string): Promise<void> {
    if (this.failure) throw this.failure;
    this.published.push({ topicArn, subject, message });
  }

  async email(from: string, to: string, subject: string, body: string): Promise<void> {
    if (this.failure) throw this.failure;
    this.mailed.push({ from, to, subject, body });
  }
}
