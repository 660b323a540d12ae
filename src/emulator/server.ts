/**
 * A tiny AWS-compatible HTTP endpoint on loopback, so the real CLI (SDK clients, signing,
 * AWS_ENDPOINT_URL handling, JSON and Query protocols) runs end to end against the
 * behavioural fakes. Organizations speaks awsJson1_1 (X-Amz-Target), STS the Query
 * protocol (form body, XML answer), and so do `queryServices` such as IAM (picked by the
 * form's Version); `restServices` such as S3 are picked by the SigV4 signing name. Only what
 * estate (and toolkit-lib) calls is served.
 *
 * Accounts: a request lands in the account of the access key that signed it. The base key
 * (any key the emulator did not issue) is the caller's account; STS AssumeRole issues keys
 * `ASIAE<account><seq>` that sign as the role's account, and GetCallerIdentity answers with
 * the identity of the key that signed the call. Every service command carries `account`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { seeded } from './organizations.js';

/** What a fake receives: the SDK command's shape, plus where the request was signed. */
export interface ServiceCommand {
  input: Record<string, unknown>;
  constructor: { name: string };
  /** The region the request was signed for (SigV4 credential scope), e.g. us-east-1. */
  region?: string;
  /** The account of the access key that signed the request. */
  account?: string;
}

export interface JsonService {
  /** X-Amz-Target prefix, e.g. AWSOrganizationsV20161128 */
  readonly targetPrefix: string;
  send(command: ServiceCommand): Promise<unknown>;
}

/** A Query-protocol service (form body, XML answer) chosen by its API `Version`, e.g. IAM 2010-05-08. */
export interface QueryService {
  readonly version: string;
  /** XML namespace of its answers, e.g. https://iam.amazonaws.com/doc/2010-05-08/ */
  readonly namespace: string;
  /**
   * The form's `X.member.N.Y` keys as nested arrays and objects (CloudFormation) instead of
   * flat keys (IAM's fake reads them flat). @default false
   */
  readonly nestedInput?: boolean;
  /**
   * Error names are the wire codes as they are (ValidationError, AlreadyExistsException,
   * ChangeSetNotFound) with the HTTP status in `$status`, instead of dropping "Exception".
   */
  readonly verbatimErrors?: boolean;
  send(command: ServiceCommand): Promise<unknown>;
}

/** A REST service (S3) chosen by the SigV4 signing name of the request. */
export interface RestService {
  readonly signingName: string;
  /** Whether a request may change state. @default every method but GET and HEAD */
  changesState?(method: string, path: string): boolean;
  handle(request: RestRequest): Promise<RestResponse>;
}

export interface RestRequest {
  readonly method: string;
  /** Decoded path, e.g. /bucket/key/with/slashes */
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingMessage['headers'];
  readonly body: Buffer;
  readonly account: string;
  readonly region?: string;
}

export interface RestResponse {
  readonly status: number;
  readonly headers?: Record<string, string>;
  readonly body?: string | Buffer;
}

/**
 * Who may assume a role: answers a reason to refuse (AccessDenied, as STS does) or undefined.
 * Without it every AssumeRole succeeds.
 */
export type AssumeRolePolicy = (request: {
  readonly roleAccount: string;
  readonly roleName: string;
  readonly callerAccount: string;
  readonly callerArn: string;
}) => string | undefined;

export interface EmulatorOptions {
  readonly services: readonly JsonService[];
  /** Query services besides STS (which is built in). */
  readonly queryServices?: readonly QueryService[];
  /** REST services (S3), picked by signing name. */
  readonly restServices?: readonly RestService[];
  /** Refuses AssumeRole calls (e.g. a CDK role in an account that is not bootstrapped). */
  readonly assumeRolePolicy?: AssumeRolePolicy;
  readonly callerAccountId: string;
  readonly callerArn?: string;
  /** Faults at the HTTP level for the JSON services (deterministic per seed). */
  readonly faults?: HttpFaults;
  /** Port on 127.0.0.1. @default 0 (any free port) */
  readonly port?: number;
  /** Loopback address to listen on: 127.0.0.1 or ::1; anything else is refused. @default 127.0.0.1 */
  readonly host?: string;
  /**
   * Called after every request whose operation may have changed state (see changesState),
   * whether it succeeded or not: the sandbox writes its state file from here.
   */
  readonly onStateChange?: (operation: string) => void;
  /** The keys STS issued (access key → identity): pass a restored map to keep them valid across a restart. */
  readonly sessions?: Map<string, StsSession>;
}

/** An identity STS AssumeRole issued keys for. */
export interface StsSession {
  readonly account: string;
  readonly arn: string;
  readonly userId: string;
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

/** Besides mutations: actions that change state under other verbs (ExecuteChangeSet, Publish, AssumeRole, …). */
const OTHER_CHANGES =
  /^(Execute|Activate|Provision|Publish|Detect|AssumeRole|Remove|Register|Deregister|Send)/;

/**
 * Reads that move asynchronous work on, so the state after them differs: a status poll
 * completes a CreateAccount or an assignment, DescribeAccount turns PENDING_CLOSURE into
 * SUSPENDED, a stack or StackSet read finishes an operation or follows the OU tree.
 */
const ADVANCING_READ =
  /Status$|^(DescribeAccount|DescribeStacks|DescribeStackEvents|DescribeChangeSet|DescribeStackSet|ListStackInstances|ListStackSetOperations|DescribeOrganizationsAccess|ListRoots)$/;

/** Whether an operation (a JSON target's or Query action's name) may change the emulator's state. */
export function changesState(operation: string): boolean {
  return (
    MUTATING_OPERATION.test(operation) || OTHER_CHANGES.test(operation) || ADVANCING_READ.test(operation)
  );
}

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

/** The signing name in the SigV4 credential scope (s3, cloudformation, sts, ...). */
function signedService(req: IncomingMessage): string | undefined {
  return /Credential=[^/]+\/\d{8}\/[^/]+\/([^/]+)\//.exec(String(req.headers.authorization ?? ''))?.[1];
}

function signedAccessKey(req: IncomingMessage): string | undefined {
  return /Credential=([^/]+)\//.exec(String(req.headers.authorization ?? ''))?.[1];
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * The Query protocol's flat form as nested input: `Tags.member.1.Key=a` → `{ Tags: [{ Key: 'a' }] }`,
 * `Attributes.entry.1.key/value` → a map.
 */
export function nestQueryForm(form: URLSearchParams): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [key, value] of form) {
    if (key === 'Action' || key === 'Version') continue;
    const parts = key.split('.');
    let node: any = root;
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      const last = i === parts.length - 1;
      if (part === 'member' || part === 'entry') continue;
      const index = /^\d+$/.test(part) ? Number(part) - 1 : undefined;
      const nextIsList = parts[i + 1] === 'member';
      if (last) {
        if (index !== undefined) node[index] = value;
        else node[part] = value;
        break;
      }
      const slot = index ?? part;
      node[slot] ??= nextIsList ? [] : {};
      node = node[slot];
    }
  }
  return root;
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
  context: { region?: string; account: string },
): Promise<void> {
  let input: Record<string, unknown> = {};
  if (service.nestedInput) input = nestQueryForm(form);
  else for (const [k, v] of form) if (k !== 'Action' && k !== 'Version') input[k] = v;
  try {
    const out = await service.send({
      input,
      constructor: { name: `${action}Command` },
      account: context.account,
      ...(context.region ? { region: context.region } : {}),
    });
    res.writeHead(200, { 'content-type': 'text/xml' });
    res.end(
      `<${action}Response xmlns="${service.namespace}"><${action}Result>${toXml(out)}</${action}Result>` +
        `<ResponseMetadata><RequestId>emulator</RequestId></ResponseMetadata></${action}Response>`,
    );
  } catch (error) {
    const e = error as { name?: string; message?: string; $status?: number };
    const named = e.name && e.name !== 'Error' ? e.name : undefined;
    // Query error codes drop the SDK's "Exception" suffix: NoSuchEntity, EntityAlreadyExists.
    const code = service.verbatimErrors
      ? (named ?? 'InternalFailure')
      : (named ?? 'ServiceFailure').replace(/Exception$/, '');
    const status = service.verbatimErrors
      ? (e.$status ?? (named ? 400 : 500))
      : code === 'NoSuchEntity'
        ? 404
        : code === 'EntityAlreadyExists'
          ? 409
          : 400;
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
  /** Keys STS issued: access key → the assumed-role identity. */
  const sessions = options.sessions ?? new Map<string, StsSession>();
  const identityOf = (key: string | undefined) => {
    const session = key ? sessions.get(key) : undefined;
    if (session) return session;
    const issued = key ? /^ASIAE(\d{12})/.exec(key) : null;
    if (issued)
      return {
        account: issued[1]!,
        arn: `arn:aws:sts::${issued[1]}:assumed-role/unknown/unknown`,
        userId: 'AROAEMULATOR:unknown',
      };
    return { account: options.callerAccountId, arn, userId: 'AIDAEMULATOR' };
  };
  const server: Server = createServer(async (req, res) => {
    /** The operation this request is, once known: the state hook hears of it at the end. */
    let operation: string | undefined;
    try {
      await serve(req, res, (op) => (operation = op));
    } finally {
      if (operation && options.onStateChange && changesState(operation)) options.onStateChange(operation);
    }
  });
  /** Serves one request, naming its operation (REST: a PUT, POST or DELETE counts as a `Put`). */
  async function serve(
    req: IncomingMessage,
    res: ServerResponse,
    named: (operation: string) => void,
  ): Promise<void> {
    const raw = await readBody(req);
    const identity = identityOf(signedAccessKey(req));
    const rest = options.restServices?.find((r) => r.signingName === signedService(req));
    if (rest) {
      const url = new URL(req.url ?? '/', 'http://emulator');
      const region = signedRegion(req);
      const path = decodeURIComponent(url.pathname);
      const method = req.method ?? 'GET';
      if (rest.changesState ? rest.changesState(method, path) : method !== 'GET' && method !== 'HEAD')
        named(`Put${rest.signingName}`);
      requests.push({
        target: `${rest.signingName}.${req.method} ${path}${url.search}`,
        body: null,
        ...(region ? { region } : {}),
      });
      try {
        const out = await rest.handle({
          method: req.method ?? 'GET',
          path,
          query: url.searchParams,
          headers: req.headers,
          body: raw,
          account: identity.account,
          ...(region ? { region } : {}),
        });
        res.writeHead(out.status, out.headers ?? {});
        res.end(out.body ?? '');
      } catch (error) {
        res.writeHead(500, { 'content-type': 'application/xml' });
        res.end(`<Error><Code>InternalError</Code><Message>${xmlEscape(String(error))}</Message></Error>`);
      }
      return;
    }
    const body = raw.toString('utf8');
    const target = String(req.headers['x-amz-target'] ?? '');
    if (target) {
      const [prefix, operation] = target.split('.');
      if (operation) named(operation);
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
      const command = {
        input,
        constructor: { name: `${operation}Command` },
        account: identity.account,
        ...(region ? { region } : {}),
      };
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
      named(action);
      const region = signedRegion(req);
      requests.push({
        target: `${query.version}.${action}`,
        body: Object.fromEntries(form),
        ...(region ? { region } : {}),
      });
      await serveQuery(query, action, form, res, {
        account: identity.account,
        ...(region ? { region } : {}),
      });
      return;
    }
    requests.push({ target: `STS.${action}`, body: Object.fromEntries(form) });
    if (action) named(action);
    const stsAnswer = (result: string) => {
      res.writeHead(200, { 'content-type': 'text/xml' });
      res.end(
        `<${action}Response xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><${action}Result>${result}</${action}Result>` +
          `<ResponseMetadata><RequestId>emulator</RequestId></ResponseMetadata></${action}Response>`,
      );
    };
    const stsError = (status: number, code: string, message: string) => {
      res.writeHead(status, { 'content-type': 'text/xml' });
      res.end(
        `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>${code}</Code>` +
          `<Message>${xmlEscape(message)}</Message></Error><RequestId>emulator</RequestId></ErrorResponse>`,
      );
    };
    if (action === 'GetCallerIdentity') {
      stsAnswer(
        `<Arn>${identity.arn}</Arn><UserId>${identity.userId}</UserId><Account>${identity.account}</Account>`,
      );
      return;
    }
    if (action === 'AssumeRole') {
      const roleArn = form.get('RoleArn') ?? '';
      const session = form.get('RoleSessionName') ?? '';
      const parsed = /^arn:aws[a-z-]*:iam::(\d{12}):role\/(?:.*\/)?([\w+=,.@-]{1,64})$/.exec(roleArn);
      if (!parsed) return stsError(400, 'ValidationError', `${roleArn} is invalid`);
      if (!/^[\w+=,.@-]{2,64}$/.test(session))
        return stsError(
          400,
          'ValidationError',
          `1 validation error detected: Value '${session}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*`,
        );
      const [, roleAccount, roleName] = parsed as unknown as [string, string, string];
      const refusal = options.assumeRolePolicy?.({
        roleAccount,
        roleName,
        callerAccount: identity.account,
        callerArn: identity.arn,
      });
      if (refusal)
        return stsError(
          403,
          'AccessDenied',
          `User: ${identity.arn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
        );
      const key = `ASIAE${roleAccount}${String(sessions.size).padStart(3, '0')}`;
      const assumedArn = `arn:aws:sts::${roleAccount}:assumed-role/${roleName}/${session}`;
      const userId = `AROAEMULATOR${roleName.length}:${session}`;
      sessions.set(key, { account: roleAccount, arn: assumedArn, userId });
      const seconds = Number(form.get('DurationSeconds') ?? 3600);
      stsAnswer(
        `<Credentials><AccessKeyId>${key}</AccessKeyId><SecretAccessKey>emulator</SecretAccessKey>` +
          `<SessionToken>emulator-session-${key}</SessionToken>` +
          `<Expiration>${new Date(Date.now() + seconds * 1000).toISOString()}</Expiration></Credentials>` +
          `<AssumedRoleUser><AssumedRoleId>${userId}</AssumedRoleId><Arn>${xmlEscape(assumedArn)}</Arn></AssumedRoleUser>`,
      );
      return;
    }
    res.writeHead(400, { 'content-type': 'text/xml' });
    res.end(
      `<ErrorResponse><Error><Type>Sender</Type><Code>InvalidAction</Code><Message>${action} is not emulated</Message></Error><RequestId>emulator</RequestId></ErrorResponse>`,
    );
  }
  const host = options.host ?? '127.0.0.1';
  if (host !== '127.0.0.1' && host !== '::1')
    throw new Error(`the emulator listens on loopback only (127.0.0.1 or ::1), not ${host}`);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: host === '::1' ? `http://[::1]:${port}` : `http://127.0.0.1:${port}`,
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
