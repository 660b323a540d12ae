/**
 * A tiny AWS-compatible HTTP endpoint on loopback, so the real CLI (SDK clients, signing,
 * AWS_ENDPOINT_URL handling, JSON and Query protocols) runs end to end against the
 * behavioural fakes. Organizations speaks awsJson1_1 (X-Amz-Target), STS the Query
 * protocol (form body, XML answer), and so do `queryServices` such as IAM (picked by the
 * form's Version). Only what estate calls is served.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { seeded } from './fake-organizations.js';

export interface JsonService {
  /** X-Amz-Target prefix, e.g. AWSOrganizationsV20161128 */
  readonly targetPrefix: string;
  send(command: {
    input: Record<string, unknown>;
    constructor: { name: string };
    /** The region the request was signed for (SigV4 credential scope), e.g. us-east-1. */
    region?: string;
  }): Promise<unknown>;
}

/** A Query-protocol service (form body, XML answer) chosen by its API `Version`, e.g. IAM 2010-05-08. */
export interface QueryService {
  readonly version: string;
  /** XML namespace of its answers, e.g. https://iam.amazonaws.com/doc/2010-05-08/ */
  readonly namespace: string;
  send(command: { input: Record<string, unknown>; constructor: { name: string } }): Promise<unknown>;
}

export interface EmulatorOptions {
  readonly services: readonly JsonService[];
  /** Query services besides STS (which is built in). */
  readonly queryServices?: readonly QueryService[];
  readonly callerAccountId: string;
  readonly callerArn?: string;
  /** Faults at the HTTP level for the JSON services (deterministic per seed). */
  readonly faults?: HttpFaults;
}

export interface HttpFaults {
  /** Fraction of calls answered 400 TooManyRequestsException before the service sees them. */
  readonly throttleRate?: number;
  /**
   * Fraction of mutating calls (Create*, Update*, Attach*, ...) that the service performs but
   * whose answer is lost: half of them the connection is dropped, half answered 500.
   */
  readonly lostAnswerRate?: number;
  /** Only these X-Amz-Target prefixes. @default every JSON service */
  readonly targetPrefixes?: readonly string[];
  /** @default 1 */
  readonly seed?: number;
}

const MUTATING_OPERATION = /^(Create|Update|Delete|Put|Attach|Detach|Move|Tag|Untag|Enable|Disable|Close)/;

export interface Emulator {
  readonly url: string;
  readonly requests: { target: string; body: unknown; region?: string }[];
  close(): Promise<void>;
  /** What the faults did: calls throttled, answers lost after the change was made. */
  readonly faultCounts: { throttled: number; lost: number };
}

/** The region in the SigV4 credential scope: Credential=AKID/20261201/us-east-1/tagging/aws4_request. */
function signedRegion(req: IncomingMessage): string | undefined {
  return /Credential=[^/]+\/\d{8}\/([^/]+)\//.exec(String(req.headers.authorization ?? ''))?.[1];
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => (data += chunk));
    req.on('end', () => resolve(data));
    req.on('error', reject);
  });
}

/** awsJson timestamps are epoch seconds. */
function toWire(value: unknown): string {
  return JSON.stringify(value, function (this: Record<string, unknown>, key, v) {
    const original = this[key];
    if (original instanceof Date) return original.getTime() / 1000;
    return v;
  });
}

function sendJsonError(res: ServerResponse, error: unknown): void {
  const e = error as { name?: string; message?: string; $fault?: string; Reason?: string };
  const name = e.name && e.name !== 'Error' ? e.name : 'ServiceException';
  res.writeHead(e.$fault === 'server' || name === 'ServiceException' ? 500 : 400, {
    'content-type': 'application/x-amz-json-1.1',
    'x-amzn-errortype': name,
  });
  res.end(
    JSON.stringify({ __type: name, message: e.message ?? name, ...(e.Reason ? { Reason: e.Reason } : {}) }),
  );
}

const xmlEscape = (v: string) =>
  v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** awsQuery XML: objects become elements, arrays <member> lists, dates ISO 8601. */
function toXml(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((v) => `<member>${toXml(v)}</member>`).join('');
  if (typeof value === 'object')
    return Object.entries(value as Record<string, unknown>)
      .filter(([k, v]) => k !== '$metadata' && v !== undefined)
      .map(([k, v]) => `<${k}>${toXml(v)}</${k}>`)
      .join('');
  return xmlEscape(String(value));
}

async function serveQuery(
  service: QueryService,
  action: string,
  form: URLSearchParams,
  res: ServerResponse,
): Promise<void> {
  const input: Record<string, unknown> = {};
  for (const [k, v] of form) if (k !== 'Action' && k !== 'Version') input[k] = v;
  try {
    const out = await service.send({ input, constructor: { name: `${action}Command` } });
    res.writeHead(200, { 'content-type': 'text/xml' });
    res.end(
      `<${action}Response xmlns="${service.namespace}"><${action}Result>${toXml(out)}</${action}Result>` +
        `<ResponseMetadata><RequestId>emulator</RequestId></ResponseMetadata></${action}Response>`,
    );
  } catch (error) {
    const e = error as { name?: string; message?: string };
    // Query error codes drop the SDK's "Exception" suffix: NoSuchEntity, EntityAlreadyExists.
    const code = (e.name && e.name !== 'Error' ? e.name : 'ServiceFailure').replace(/Exception$/, '');
    const status = code === 'NoSuchEntity' ? 404 : code === 'EntityAlreadyExists' ? 409 : 400;
    res.writeHead(status, { 'content-type': 'text/xml' });
    res.end(
      `<ErrorResponse xmlns="${service.namespace}"><Error><Type>Sender</Type><Code>${code}</Code>` +
        `<Message>${xmlEscape(e.message ?? code)}</Message></Error><RequestId>emulator</RequestId></ErrorResponse>`,
    );
  }
}

export async function startEmulator(options: EmulatorOptions): Promise<Emulator> {
  const requests: { target: string; body: unknown; region?: string }[] = [];
  const arn = options.callerArn ?? `arn:aws:iam::${options.callerAccountId}:user/platform`;
  const faults = options.faults;
  const random = seeded(faults?.seed ?? 1);
  const faultCounts = { throttled: 0, lost: 0 };
  const faulty = (prefix: string) =>
    !!faults && (!faults.targetPrefixes || faults.targetPrefixes.includes(prefix));
  const server: Server = createServer(async (req, res) => {
    const body = await readBody(req);
    const target = String(req.headers['x-amz-target'] ?? '');
    if (target) {
      const [prefix, operation] = target.split('.');
      const service = options.services.find((s) => s.targetPrefix === prefix);
      const input = body ? (JSON.parse(body) as Record<string, unknown>) : {};
      const region = signedRegion(req);
      requests.push({ target, body: input, ...(region ? { region } : {}) });
      if (!service || !operation) {
        sendJsonError(res, { name: 'UnknownOperationException', message: `${target} is not emulated` });
        return;
      }
      if (faulty(prefix!) && random() < (faults!.throttleRate ?? 0)) {
        faultCounts.throttled++;
        sendJsonError(res, { name: 'TooManyRequestsException', message: 'Rate exceeded' });
        return;
      }
      // The fakes dispatch on the SDK command class name.
      const command = { input, constructor: { name: `${operation}Command` }, ...(region ? { region } : {}) };
      try {
        const out = await service.send(command);
        if (
          faulty(prefix!) &&
          MUTATING_OPERATION.test(operation) &&
          random() < (faults!.lostAnswerRate ?? 0)
        ) {
          faultCounts.lost++;
          if (random() < 0.5) req.socket.destroy();
          else
            sendJsonError(res, { name: 'InternalFailure', message: 'the answer was lost', $fault: 'server' });
          return;
        }
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(toWire(out ?? {}));
      } catch (error) {
        sendJsonError(res, error);
      }
      return;
    }
    const form = new URLSearchParams(body);
    const action = form.get('Action');
    const query = options.queryServices?.find((q) => q.version === form.get('Version'));
    if (query && action) {
      requests.push({ target: `${query.version}.${action}`, body: Object.fromEntries(form) });
      await serveQuery(query, action, form, res);
      return;
    }
    requests.push({ target: `STS.${action}`, body: Object.fromEntries(form) });
    if (action === 'GetCallerIdentity') {
      res.writeHead(200, { 'content-type': 'text/xml' });
      res.end(
        `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>` +
          `<Arn>${arn}</Arn><UserId>AIDAEMULATOR</UserId><Account>${options.callerAccountId}</Account>` +
          `</GetCallerIdentityResult><ResponseMetadata><RequestId>emulator</RequestId></ResponseMetadata></GetCallerIdentityResponse>`,
      );
      return;
    }
    res.writeHead(400, { 'content-type': 'text/xml' });
    res.end(
      `<ErrorResponse><Error><Type>Sender</Type><Code>InvalidAction</Code><Message>${action} is not emulated</Message></Error><RequestId>emulator</RequestId></ErrorResponse>`,
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    faultCounts,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** The environment a CLI run needs to talk to the emulator: endpoint, dummy keys, region, audit log. */
export function emulatorEnv(url: string, auditLog: string): NodeJS.ProcessEnv {
  return {
    AWS_ENDPOINT_URL: url,
    AWS_ACCESS_KEY_ID: 'AKIDEMULATOR',
    AWS_SECRET_ACCESS_KEY: 'emulator',
    AWS_REGION: 'eu-west-2',
    ESTATE_AUDIT_LOG: auditLog,
  };
}
