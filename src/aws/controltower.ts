/**
 * ControlsPort, LandingZonePort and BaselinesPort over the Control Tower API, in the management
 * account and the landing zone's home region (the clients' region).
 *
 * `@aws-sdk/client-controltower` stops at 3.332.0 on this registry: it has ListEnabledControls
 * and GetControlOperation, which go through it. What it lacks is sent as REST-JSON requests
 * this file signs itself (SigV4, signing name `controltower`), exactly as the API reference
 * writes them, over the factory's HTTP handler (estate's timeouts), credentials and endpoint
 * (AWS_ENDPOINT_URL_CONTROLTOWER, AWS_ENDPOINT_URL, else `https://controltower.<region>.<suffix>`);
 * the signed client is a SendLike, so estate's retries, rate limits and transport errors wrap it
 * like any SDK client.
 *
 * From the Control Tower API reference:
 * - `POST /get-landingzone` `{ landingZoneIdentifier }` → `{ landingZone: { arn, driftStatus:
 *   { status }, latestAvailableVersion, manifest, status, version } }`; ResourceNotFoundException
 *   (404) for an unknown landing zone.
 * - `POST /list-landingzones` `{ maxResults (fixed 1), nextToken }` → `{ landingZones: [{ arn }],
 *   nextToken }`: one landing zone per organisation; an empty token ends the list.
 * - `POST /list-enabled-baselines` `{ filter, includeChildren, maxResults (5–100), nextToken }` →
 *   `{ enabledBaselines: [{ arn, baselineIdentifier, baselineVersion, driftStatusSummary:
 *   { types: { inheritance: { status } } }, parentIdentifier, statusSummary: { status,
 *   lastOperationIdentifier }, targetIdentifier }], nextToken }`. With includeChildren the
 *   account-level baselines an OU's baseline gives its accounts come too (enrolment).
 * - `POST /list-control-operations` `{ filter: { statuses: [IN_PROGRESS] ... }, maxResults
 *   (1–100), nextToken }` → `{ controlOperations: [{ controlIdentifier, enabledControlIdentifier,
 *   endTime, operationIdentifier, operationType, startTime, status, statusMessage,
 *   targetIdentifier }], nextToken }`; times are ISO 8601 date-time strings.
 * - Errors: AccessDeniedException 403, ResourceNotFoundException 404, ValidationException 400,
 *   ThrottlingException 429 (retried with backoff), InternalServerException 500 (retried: every
 *   call here is a read). The error's name is the `x-amzn-errortype` header (before any `:`),
 *   else the body's `__type`/`code`.
 *
 * AWS publishes no request rates for Control Tower; the calls start at a modest rate and follow
 * throttling feedback (clients.ts).
 */
import { createHash, createHmac } from 'node:crypto';
import type { Readable } from 'node:stream';
import {
  ControlTowerClient,
  GetControlOperationCommand,
  ListEnabledControlsCommand,
  type GetControlOperationOutput,
  type ListEnabledControlsOutput,
} from '@aws-sdk/client-controltower';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import type {
  BaselinesPort,
  ControlOperation,
  ControlOperationSummary,
  ControlsPort,
  EnabledBaseline,
  EnabledControl,
  LandingZonePort,
  LandingZoneState,
} from '../core/controltower/ports.js';
import { partitionOf, type AwsClients, type ClientConstructor } from './clients.js';
import { mapAwsError } from './errors.js';
import { collectPages, errorName } from './paginate.js';
import type { SendLike } from './send.js';

// ---------------------------------------------------------------- signed REST-JSON

/** A REST-JSON operation: its POST path and its JSON body. The class name is the operation's (send.ts). */
export abstract class RestJsonCommand<I extends object = Record<string, unknown>> {
  abstract readonly path: string;
  constructor(readonly input: I) {}
}

export class GetLandingZoneCommand extends RestJsonCommand<{ landingZoneIdentifier: string }> {
  readonly path = '/get-landingzone';
}

export class ListLandingZonesCommand extends RestJsonCommand<{ maxResults?: number; nextToken?: string }> {
  readonly path = '/list-landingzones';
}

export interface ListEnabledBaselinesInput {
  filter?: {
    baselineIdentifiers?: string[];
    parentIdentifiers?: string[];
    targetIdentifiers?: string[];
    statuses?: string[];
    inheritanceDriftStatuses?: string[];
  };
  includeChildren?: boolean;
  maxResults?: number;
  nextToken?: string;
}

export class ListEnabledBaselinesCommand extends RestJsonCommand<ListEnabledBaselinesInput> {
  readonly path = '/list-enabled-baselines';
}

export interface ListControlOperationsInput {
  filter?: {
    controlIdentifiers?: string[];
    controlOperationTypes?: string[];
    enabledControlIdentifiers?: string[];
    statuses?: string[];
    targetIdentifiers?: string[];
  };
  maxResults?: number;
  nextToken?: string;
}

export class ListControlOperationsCommand extends RestJsonCommand<ListControlOperationsInput> {
  readonly path = '/list-control-operations';
}

/** The part of estate's HTTP handler (http.ts) a signed request goes through. */
export interface HttpHandlerLike {
  handle(request: SignableRequest): Promise<{
    response: { statusCode: number; headers: Record<string, string | undefined>; body?: unknown };
  }>;
}

interface SignableRequest {
  method: string;
  protocol: string;
  hostname: string;
  port?: number;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body: string;
}

type SourceData = string | ArrayBuffer | ArrayBufferView;

const bytes = (data: SourceData): string | Uint8Array =>
  typeof data === 'string'
    ? data
    : ArrayBuffer.isView(data)
      ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
      : new Uint8Array(data);

/** SHA-256 and HMAC-SHA-256 over node:crypto, in the shape the signer takes. */
class Sha256 {
  private readonly hash;
  constructor(secret?: SourceData) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: SourceData): void {
    this.hash.update(bytes(data));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }
}

async function readText(body: unknown): Promise<string> {
  if (body === undefined || body === null) return '';
  if (typeof body === 'string') return body;
  if (body instanceof Uint8Array) return Buffer.from(body).toString('utf8');
  const chunks: Buffer[] = [];
  for await (const chunk of body as Readable) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks).toString('utf8');
}

/** An AWS error answer as the SDK would throw it: name, message, HTTP status, fault, throttling. */
export function restJsonError(
  status: number,
  headers: Record<string, string | undefined>,
  text: string,
): Error {
  let body: Record<string, unknown> = {};
  try {
    body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    body = {};
  }
  const header = Object.entries(headers).find(([k]) => k.toLowerCase() === 'x-amzn-errortype')?.[1];
  const raw = String(header ?? body.__type ?? body.code ?? '');
  // `ResourceNotFoundException:http://internal.amazon.com/...` or `aws.protocoltests#Name`.
  const name =
    raw.split(':')[0]!.split('#').pop() || (status >= 500 ? 'InternalServerException' : `Http${status}`);
  const message = String(body.message ?? body.Message ?? `${name} (HTTP ${status})`);
  const requestId = Object.entries(headers).find(([k]) => k.toLowerCase() === 'x-amzn-requestid')?.[1];
  return Object.assign(new Error(message), {
    name,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status, ...(requestId ? { requestId } : {}) },
    ...(name === 'ThrottlingException' || status === 429 ? { $retryable: { throttling: true } } : {}),
  });
}

export interface SignedJsonClientOptions {
  /** The SigV4 signing name. @default controltower */
  readonly service?: string;
  readonly region: string;
  readonly credentials: AwsCredentialIdentityProvider;
  /** The endpoint (AWS_ENDPOINT_URL_CONTROLTOWER or AWS_ENDPOINT_URL); else the service's regional one. */
  readonly endpoint?: string;
  readonly handler: HttpHandlerLike;
}

/** Sends RestJsonCommands: POST with a JSON body, SigV4-signed, over the given handler. */
export class SignedJsonClient implements SendLike {
  private readonly signer: SignatureV4;
  private readonly endpoint: URL;

  constructor(private readonly options: SignedJsonClientOptions) {
    const service = options.service ?? 'controltower';
    const suffix = partitionOf(options.region) === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com';
    this.endpoint = new URL(options.endpoint ?? `https://${service}.${options.region}.${suffix}`);
    this.signer = new SignatureV4({
      service,
      region: options.region,
      credentials: options.credentials,
      sha256: Sha256,
      uriEscapePath: true,
    });
  }

  async send(command: RestJsonCommand<object>): Promise<unknown> {
    const base = this.endpoint.pathname.replace(/\/+$/, '');
    const request: SignableRequest = {
      method: 'POST',
      protocol: this.endpoint.protocol,
      hostname: this.endpoint.hostname,
      ...(this.endpoint.port ? { port: Number(this.endpoint.port) } : {}),
      path: `${base}${command.path}`,
      query: {},
      headers: { host: this.endpoint.host, 'content-type': 'application/json' },
      body: JSON.stringify(command.input),
    };
    const signed = (await this.signer.sign(request as never)) as unknown as SignableRequest;
    const { response } = await this.options.handler.handle(signed);
    const text = await readText(response.body);
    if (response.statusCode < 200 || response.statusCode >= 300)
      throw restJsonError(response.statusCode, response.headers, text);
    return text.trim() ? (JSON.parse(text) as unknown) : {};
  }
}

// ---------------------------------------------------------------- pages

/** Pages by `nextToken` until none (or an empty or repeated one) comes back. */
async function* tokenPages<P extends { nextToken?: string }>(
  fetch: (nextToken: string | undefined) => Promise<P>,
): AsyncGenerator<P> {
  let token: string | undefined;
  for (;;) {
    const page = await fetch(token);
    yield page;
    const next = page.nextToken || undefined;
    if (!next || next === token) return;
    token = next;
  }
}

const date = (value: unknown): Date | undefined => {
  if (value === undefined || value === null || value === '') return undefined;
  const d = typeof value === 'number' ? new Date(value * 1000) : new Date(String(value));
  return Number.isNaN(d.getTime()) ? undefined : d;
};

const str = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;

// ---------------------------------------------------------------- wire shapes

interface WireEnabledControl {
  arn?: string;
  controlIdentifier?: string;
  targetIdentifier?: string;
  statusSummary?: { status?: string };
  driftStatusSummary?: { driftStatus?: string };
}

interface WireEnabledBaseline {
  arn?: string;
  baselineIdentifier?: string;
  baselineVersion?: string;
  targetIdentifier?: string;
  parentIdentifier?: string;
  statusSummary?: { status?: string };
  driftStatusSummary?: { types?: { inheritance?: { status?: string } } };
}

interface WireControlOperation {
  operationIdentifier?: string;
  operationType?: string;
  status?: string;
  statusMessage?: string;
  startTime?: unknown;
  endTime?: unknown;
  controlIdentifier?: string;
  targetIdentifier?: string;
}

interface WireLandingZone {
  arn?: string;
  version?: string;
  status?: string;
  latestAvailableVersion?: string;
  driftStatus?: { status?: string };
  manifest?: unknown;
}

function toOperation(o: WireControlOperation, id?: string): ControlOperation {
  const start = date(o.startTime);
  const end = date(o.endTime);
  return {
    operationIdentifier: o.operationIdentifier ?? id ?? '',
    ...(o.operationType ? { operationType: o.operationType } : {}),
    status: o.status ?? 'UNKNOWN',
    ...(o.statusMessage ? { statusMessage: o.statusMessage } : {}),
    ...(start ? { startTime: start } : {}),
    ...(end ? { endTime: end } : {}),
  };
}

function toManifest(manifest: unknown): Readonly<Record<string, unknown>> {
  if (typeof manifest === 'string') {
    try {
      return toManifest(JSON.parse(manifest));
    } catch {
      return {};
    }
  }
  return manifest && typeof manifest === 'object' && !Array.isArray(manifest)
    ? (manifest as Record<string, unknown>)
    : {};
}

// ---------------------------------------------------------------- adapter

const NOT_FOUND = 'ResourceNotFoundException';

export class AwsControlTower implements ControlsPort, LandingZonePort, BaselinesPort {
  /**
   * `sdk`: a (wrapped) ControlTowerClient; `rest`: a (wrapped) SignedJsonClient; both in the
   * management account and the home region.
   */
  constructor(
    private readonly sdk: SendLike,
    private readonly rest: SendLike,
    private readonly where: { readonly region: string; readonly account?: () => Promise<string> },
  ) {}

  private async failed(error: unknown, action: string, target?: string) {
    const account = this.where.account ? await this.where.account().catch(() => '') : '';
    return mapAwsError(error, {
      action,
      service: 'controltower',
      ...(account ? { account } : {}),
      ...(target ? { target } : {}),
      fix: `run estate with management-account credentials allowed controltower:${action} in ${this.where.region} (the landing zone's home region)`,
    });
  }

  async listEnabledControls(targetIdentifier: string): Promise<readonly EnabledControl[]> {
    let controls: WireEnabledControl[];
    try {
      controls = await collectPages(
        'ListEnabledControls',
        tokenPages(
          async (nextToken) =>
            (await this.sdk.send(
              new ListEnabledControlsCommand({ targetIdentifier, ...(nextToken ? { nextToken } : {}) }),
            )) as ListEnabledControlsOutput,
        ),
        (page) => page.enabledControls as WireEnabledControl[] | undefined,
      );
    } catch (error) {
      // A target Control Tower does not govern has no enabled controls.
      if (errorName(error) === NOT_FOUND) return [];
      throw await this.failed(error, 'ListEnabledControls', `of ${targetIdentifier}`);
    }
    return controls.map((c) => ({
      ...(c.arn ? { arn: c.arn } : {}),
      controlIdentifier: c.controlIdentifier ?? '',
      targetIdentifier: c.targetIdentifier ?? targetIdentifier,
      ...(c.statusSummary?.status ? { status: c.statusSummary.status } : {}),
      ...(c.driftStatusSummary?.driftStatus ? { driftStatus: c.driftStatusSummary.driftStatus } : {}),
    }));
  }

  async getControlOperation(operationIdentifier: string): Promise<ControlOperation> {
    try {
      const out = (await this.sdk.send(
        new GetControlOperationCommand({ operationIdentifier }),
      )) as GetControlOperationOutput;
      return toOperation((out.controlOperation ?? {}) as WireControlOperation, operationIdentifier);
    } catch (error) {
      throw await this.failed(error, 'GetControlOperation', `operation ${operationIdentifier}`);
    }
  }

  async landingZones(): Promise<readonly string[]> {
    try {
      const zones = await collectPages(
        'ListLandingZones',
        tokenPages(
          async (nextToken) =>
            (await this.rest.send(
              new ListLandingZonesCommand({ maxResults: 1, ...(nextToken ? { nextToken } : {}) }),
            )) as { landingZones?: { arn?: string }[]; nextToken?: string },
        ),
        (page) => page.landingZones,
      );
      return zones.flatMap((z) => (z.arn ? [z.arn] : []));
    } catch (error) {
      throw await this.failed(error, 'ListLandingZones');
    }
  }

  async landingZone(arn: string): Promise<LandingZoneState | undefined> {
    let zone: WireLandingZone | undefined;
    try {
      zone = (
        (await this.rest.send(new GetLandingZoneCommand({ landingZoneIdentifier: arn }))) as {
          landingZone?: WireLandingZone;
        }
      ).landingZone;
    } catch (error) {
      if (errorName(error) === NOT_FOUND) return undefined;
      throw await this.failed(error, 'GetLandingZone', `landing zone ${arn}`);
    }
    if (!zone) return undefined;
    return {
      arn: zone.arn ?? arn,
      version: zone.version ?? '',
      status: zone.status ?? 'UNKNOWN',
      ...(zone.driftStatus?.status ? { driftStatus: zone.driftStatus.status } : {}),
      ...(zone.latestAvailableVersion ? { latestAvailableVersion: zone.latestAvailableVersion } : {}),
      manifest: toManifest(zone.manifest),
    };
  }

  async enabledBaselines(): Promise<readonly EnabledBaseline[]> {
    let baselines: WireEnabledBaseline[];
    try {
      baselines = await collectPages(
        'ListEnabledBaselines',
        tokenPages(
          async (nextToken) =>
            (await this.rest.send(
              new ListEnabledBaselinesCommand({
                includeChildren: true,
                maxResults: 100,
                ...(nextToken ? { nextToken } : {}),
              }),
            )) as { enabledBaselines?: WireEnabledBaseline[]; nextToken?: string },
        ),
        (page) => page.enabledBaselines,
      );
    } catch (error) {
      if (errorName(error) === NOT_FOUND) return [];
      throw await this.failed(error, 'ListEnabledBaselines');
    }
    return baselines.map((b) => ({
      arn: b.arn ?? '',
      baselineIdentifier: b.baselineIdentifier ?? '',
      ...(str(b.baselineVersion) ? { baselineVersion: b.baselineVersion } : {}),
      targetIdentifier: b.targetIdentifier ?? '',
      ...(str(b.parentIdentifier) ? { parentIdentifier: b.parentIdentifier } : {}),
      status: b.statusSummary?.status ?? 'UNKNOWN',
      ...(b.driftStatusSummary?.types?.inheritance?.status
        ? { inheritanceDrift: b.driftStatusSummary.types.inheritance.status }
        : {}),
    }));
  }

  async controlOperationsInFlight(): Promise<readonly ControlOperationSummary[]> {
    let operations: WireControlOperation[];
    try {
      operations = await collectPages(
        'ListControlOperations',
        tokenPages(
          async (nextToken) =>
            (await this.rest.send(
              new ListControlOperationsCommand({
                filter: { statuses: ['IN_PROGRESS'] },
                maxResults: 100,
                ...(nextToken ? { nextToken } : {}),
              }),
            )) as { controlOperations?: WireControlOperation[]; nextToken?: string },
        ),
        (page) => page.controlOperations,
      );
    } catch (error) {
      throw await this.failed(error, 'ListControlOperations');
    }
    return operations.map((o) => ({
      ...toOperation(o),
      ...(o.controlIdentifier ? { controlIdentifier: o.controlIdentifier } : {}),
      ...(o.targetIdentifier ? { targetIdentifier: o.targetIdentifier } : {}),
    }));
  }
}

/** Control Tower in the management account and home region, over the clients' factory. */
export function controlTowerPort(clients: AwsClients): AwsControlTower {
  // 3.332.0's config types predate @smithy/types; at run time it takes the same options.
  const sdk = clients.client(
    ControlTowerClient as unknown as ClientConstructor<ControlTowerClient>,
    'CONTROLTOWER',
  );
  const endpoint = clients.endpoint('CONTROLTOWER');
  const rest = clients.wrap(
    new SignedJsonClient({
      region: clients.region,
      credentials: clients.baseCredentials(),
      ...(endpoint ? { endpoint } : {}),
      handler: clients.httpHandler() as unknown as HttpHandlerLike,
    }),
    'CONTROLTOWER',
  );
  return new AwsControlTower(sdk, rest, {
    region: clients.region,
    account: async () => (await clients.callerIdentity()).account,
  });
}
