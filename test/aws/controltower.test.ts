import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetControlOperationCommand, ListEnabledControlsCommand } from '@aws-sdk/client-controltower';
import { afterEach, describe, expect, it } from 'vitest';
import { AwsClients } from '../../src/aws/clients.js';
import { AwsControlTower, controlTowerPort, restJsonError } from '../../src/aws/controltower.js';
import type { SendLike } from '../../src/aws/send.js';
import { EstateError } from '../../src/errors.js';

const MGMT = '111111111111';
const REGION = 'eu-west-2';
const OU = `arn:aws:organizations::${MGMT}:ou/o-abc/ou-ab12-workload`;
const LZ = `arn:aws:controltower:${REGION}:${MGMT}:landingzone/1A2B3C`;
const creds = async () => ({ accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' });
const sts: SendLike = {
  send: async () => ({ Account: MGMT, Arn: `arn:aws:iam::${MGMT}:user/platform`, UserId: 'AIDA' }),
};

// ------------------------------------------------------------ a recorded Control Tower

interface Seen {
  method: string;
  path: string;
  body: unknown;
  service?: string;
  region?: string;
  target?: string;
}

type Answer = { status?: number; headers?: Record<string, string>; body: unknown };

/** Answers each path's recorded responses in turn (the last one repeats) and records what came. */
async function recordedControlTower(answers: Record<string, Answer[]>) {
  const seen: Seen[] = [];
  const left = new Map(Object.entries(answers).map(([k, v]) => [k, [...v]]));
  const read = (req: IncomingMessage) =>
    new Promise<string>((resolve) => {
      let text = '';
      req.on('data', (c: Buffer) => (text += c.toString('utf8')));
      req.on('end', () => resolve(text));
    });
  const server: Server = createServer(async (req, res) => {
    const text = await read(req);
    const scope = /Credential=[^/]+\/\d{8}\/([^/]+)\/([^/]+)\//.exec(String(req.headers.authorization ?? ''));
    seen.push({
      method: req.method ?? '',
      path: req.url ?? '',
      body: text ? JSON.parse(text) : undefined,
      ...(scope ? { region: scope[1], service: scope[2] } : {}),
    });
    const queue = left.get(req.url ?? '') ?? [];
    const answer = queue.length > 1 ? queue.shift()! : queue[0];
    if (!answer) {
      res.writeHead(404, { 'x-amzn-errortype': 'UnknownOperationException' });
      res.end('{}');
      return;
    }
    res.writeHead(answer.status ?? 200, { 'content-type': 'application/json', ...answer.headers });
    res.end(JSON.stringify(answer.body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, seen, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const portAt = (env: NodeJS.ProcessEnv) =>
  controlTowerPort(
    new AwsClients({
      region: REGION,
      credentials: creds,
      env,
      stsClient: sts,
      retry: { sleep: async () => {}, baseDelayMs: 1 },
    }),
  );

const error = (name: string, status: number, message = name): Answer => ({
  status,
  headers: { 'x-amzn-errortype': `${name}:http://internal.amazon.com/coral/com.amazon.controltower/` },
  body: { message },
});

describe('AwsControlTower: the signed REST-JSON calls', () => {
  let ct: Awaited<ReturnType<typeof recordedControlTower>>;
  afterEach(async () => ct?.close());

  it('Given a landing zone, When read through AWS_ENDPOINT_URL_CONTROLTOWER, Then GetLandingZone is a POST signed for controltower in the home region, with the body the API reference gives', async () => {
    ct = await recordedControlTower({
      '/list-landingzones': [{ body: { landingZones: [{ arn: LZ }], nextToken: '' } }],
      '/get-landingzone': [
        {
          body: {
            landingZone: {
              arn: LZ,
              version: '3.3',
              status: 'ACTIVE',
              latestAvailableVersion: '4.0',
              driftStatus: { status: 'IN_SYNC' },
              manifest: { governedRegions: ['eu-west-2'], securityRoles: { accountId: '333333333333' } },
            },
          },
        },
      ],
    });
    const port = portAt({ AWS_ENDPOINT_URL: 'http://127.0.0.1:9', AWS_ENDPOINT_URL_CONTROLTOWER: ct.url });
    expect(await port.landingZones()).toEqual([LZ]);
    expect(await port.landingZone(LZ)).toEqual({
      arn: LZ,
      version: '3.3',
      status: 'ACTIVE',
      latestAvailableVersion: '4.0',
      driftStatus: 'IN_SYNC',
      manifest: { governedRegions: ['eu-west-2'], securityRoles: { accountId: '333333333333' } },
    });
    expect(ct.seen).toEqual([
      {
        method: 'POST',
        path: '/list-landingzones',
        body: { maxResults: 1 },
        service: 'controltower',
        region: REGION,
      },
      {
        method: 'POST',
        path: '/get-landingzone',
        body: { landingZoneIdentifier: LZ },
        service: 'controltower',
        region: REGION,
      },
    ]);
  });

  it('Given no landing zone with that ARN (404 ResourceNotFoundException), When read, Then undefined', async () => {
    ct = await recordedControlTower({ '/get-landingzone': [error('ResourceNotFoundException', 404)] });
    expect(await portAt({ AWS_ENDPOINT_URL: ct.url }).landingZone(LZ)).toBeUndefined();
  });

  it('Given two pages of enabled baselines with children, When listed, Then both pages are read with includeChildren and the OU and account baselines come back', async () => {
    const ouBaseline = `arn:aws:controltower:${REGION}:${MGMT}:enabledbaseline/OU1`;
    ct = await recordedControlTower({
      '/list-enabled-baselines': [
        {
          body: {
            enabledBaselines: [
              {
                arn: ouBaseline,
                baselineIdentifier: `arn:aws:controltower:${REGION}::baseline/17BSJV3IGJ2QSGA2`,
                baselineVersion: '4.0',
                targetIdentifier: OU,
                statusSummary: { status: 'SUCCEEDED', lastOperationIdentifier: 'op-1' },
                driftStatusSummary: { types: { inheritance: { status: 'IN_SYNC' } } },
              },
            ],
            nextToken: 'page-2',
          },
        },
        {
          body: {
            enabledBaselines: [
              {
                arn: `arn:aws:controltower:${REGION}:${MGMT}:enabledbaseline/ACC1`,
                baselineIdentifier: `arn:aws:controltower:${REGION}::baseline/17BSJV3IGJ2QSGA2`,
                targetIdentifier: `arn:aws:organizations::${MGMT}:account/o-abc/222222222222`,
                parentIdentifier: ouBaseline,
                statusSummary: { status: 'UNDER_CHANGE' },
              },
            ],
          },
        },
      ],
    });
    const baselines = await portAt({ AWS_ENDPOINT_URL: ct.url }).enabledBaselines();
    expect(baselines).toEqual([
      {
        arn: ouBaseline,
        baselineIdentifier: `arn:aws:controltower:${REGION}::baseline/17BSJV3IGJ2QSGA2`,
        baselineVersion: '4.0',
        targetIdentifier: OU,
        status: 'SUCCEEDED',
        inheritanceDrift: 'IN_SYNC',
      },
      {
        arn: `arn:aws:controltower:${REGION}:${MGMT}:enabledbaseline/ACC1`,
        baselineIdentifier: `arn:aws:controltower:${REGION}::baseline/17BSJV3IGJ2QSGA2`,
        targetIdentifier: `arn:aws:organizations::${MGMT}:account/o-abc/222222222222`,
        parentIdentifier: ouBaseline,
        status: 'UNDER_CHANGE',
      },
    ]);
    expect(ct.seen.map((s) => s.body)).toEqual([
      { includeChildren: true, maxResults: 100 },
      { includeChildren: true, maxResults: 100, nextToken: 'page-2' },
    ]);
  });

  it('Given control operations in flight on two pages, When listed, Then the filter asks for IN_PROGRESS and the date-time strings become dates', async () => {
    ct = await recordedControlTower({
      '/list-control-operations': [
        {
          body: {
            controlOperations: [
              {
                operationIdentifier: 'op-1',
                operationType: 'ENABLE_CONTROL',
                status: 'IN_PROGRESS',
                startTime: '2026-12-01T10:00:00Z',
                controlIdentifier: 'arn:aws:controlcatalog:::control/abc',
                targetIdentifier: OU,
              },
            ],
            nextToken: 't2',
          },
        },
        { body: { controlOperations: [{ operationIdentifier: 'op-2', status: 'IN_PROGRESS' }] } },
      ],
    });
    const ops = await portAt({ AWS_ENDPOINT_URL: ct.url }).controlOperationsInFlight();
    expect(ops).toEqual([
      {
        operationIdentifier: 'op-1',
        operationType: 'ENABLE_CONTROL',
        status: 'IN_PROGRESS',
        startTime: new Date('2026-12-01T10:00:00Z'),
        controlIdentifier: 'arn:aws:controlcatalog:::control/abc',
        targetIdentifier: OU,
      },
      { operationIdentifier: 'op-2', status: 'IN_PROGRESS' },
    ]);
    expect(ct.seen.map((s) => s.body)).toEqual([
      { filter: { statuses: ['IN_PROGRESS'] }, maxResults: 100 },
      { filter: { statuses: ['IN_PROGRESS'] }, maxResults: 100, nextToken: 't2' },
    ]);
  });

  it('Given a throttling answer and then a 500, When listed, Then the call is sent again until it succeeds', async () => {
    ct = await recordedControlTower({
      '/list-landingzones': [
        error('ThrottlingException', 429, 'Rate exceeded'),
        error('InternalServerException', 500),
        { body: { landingZones: [] } },
      ],
    });
    expect(await portAt({ AWS_ENDPOINT_URL: ct.url }).landingZones()).toEqual([]);
    expect(ct.seen).toHaveLength(3);
  });

  it('fails when the caller is denied, naming the action, the account and the fix', async () => {
    ct = await recordedControlTower({
      '/list-enabled-baselines': [error('AccessDeniedException', 403, 'User is not authorized')],
    });
    const failure = (await portAt({ AWS_ENDPOINT_URL: ct.url })
      .enabledBaselines()
      .catch((e: unknown) => e)) as EstateError;
    expect(failure).toBeInstanceOf(EstateError);
    expect(failure.code).toBe('AccessDenied');
    expect(failure.message).toContain('controltower:ListEnabledBaselines');
    expect(failure.message).toContain(MGMT);
    expect(failure.suggestions[0]).toContain('management-account credentials');
  });

  it('fails when the endpoint does not answer, naming the endpoint variable', async () => {
    const failure = (await portAt({ AWS_ENDPOINT_URL_CONTROLTOWER: 'http://127.0.0.1:9' })
      .landingZones()
      .catch((e: unknown) => e)) as EstateError;
    expect(failure).toBeInstanceOf(EstateError);
    expect(failure.message).toContain('AWS_ENDPOINT_URL_CONTROLTOWER');
  });

  it('Given the SDK client, When ListEnabledControls runs against AWS_ENDPOINT_URL, Then the 3.332.0 client goes there too (the factory passes the endpoint)', async () => {
    ct = await recordedControlTower({
      '/list-enabled-controls': [
        {
          body: {
            enabledControls: [
              {
                arn: `arn:aws:controltower:${REGION}:${MGMT}:enabledcontrol/X`,
                controlIdentifier: `arn:aws:controltower:${REGION}::control/AWS-GR_ENCRYPTED_VOLUMES`,
                targetIdentifier: OU,
                statusSummary: { status: 'SUCCEEDED' },
                driftStatusSummary: { driftStatus: 'IN_SYNC' },
              },
            ],
          },
        },
      ],
    });
    expect(await portAt({ AWS_ENDPOINT_URL: ct.url }).listEnabledControls(OU)).toEqual([
      {
        arn: `arn:aws:controltower:${REGION}:${MGMT}:enabledcontrol/X`,
        controlIdentifier: `arn:aws:controltower:${REGION}::control/AWS-GR_ENCRYPTED_VOLUMES`,
        targetIdentifier: OU,
        status: 'SUCCEEDED',
        driftStatus: 'IN_SYNC',
      },
    ]);
    expect(ct.seen[0]).toMatchObject({
      method: 'POST',
      path: '/list-enabled-controls',
      body: { targetIdentifier: OU },
      service: 'controltower',
      region: REGION,
    });
  });
});

/**
 * The 3.332.0 client's types predate aws-sdk-client-mock's (@smithy/types), so the SDK half is
 * driven by a scripted client that records the real command objects the adapter builds.
 */
function scripted(answers: ((command: unknown) => unknown)[]) {
  const sent: unknown[] = [];
  const client: SendLike = {
    send: async (command: unknown) => {
      sent.push(command);
      const next = answers.length > 1 ? answers.shift()! : answers[0]!;
      return next(command);
    },
  };
  return { client, sent };
}

const notFound = () => {
  throw Object.assign(new Error('not found'), { name: 'ResourceNotFoundException', $metadata: {} });
};

describe('AwsControlTower over a scripted SDK client', () => {
  const rest: SendLike = { send: async () => ({}) };
  const adapter = (sdk: SendLike) =>
    new AwsControlTower(sdk, rest, { region: REGION, account: async () => MGMT });

  it('Given two pages of enabled controls, When listed, Then every page is read', async () => {
    const { client, sent } = scripted([
      () => ({
        enabledControls: [{ controlIdentifier: 'arn:aws:controltower:eu-west-2::control/A' }],
        nextToken: 'n',
      }),
      () => ({ enabledControls: [{ controlIdentifier: 'arn:aws:controltower:eu-west-2::control/B' }] }),
    ]);
    const controls = await adapter(client).listEnabledControls(OU);
    expect(controls.map((c) => c.controlIdentifier)).toEqual([
      'arn:aws:controltower:eu-west-2::control/A',
      'arn:aws:controltower:eu-west-2::control/B',
    ]);
    expect(controls[0]!.targetIdentifier).toBe(OU);
    expect(sent.every((c) => c instanceof ListEnabledControlsCommand)).toBe(true);
    expect(sent.map((c) => (c as ListEnabledControlsCommand).input)).toEqual([
      { targetIdentifier: OU },
      { targetIdentifier: OU, nextToken: 'n' },
    ]);
  });

  it('Given a token handed back unchanged, When listed, Then the listing ends instead of looping', async () => {
    const { client, sent } = scripted([() => ({ enabledControls: [], nextToken: 'same' })]);
    expect(await adapter(client).listEnabledControls(OU)).toEqual([]);
    expect(sent).toHaveLength(2);
  });

  it('Given a target Control Tower does not know, When listed, Then no controls', async () => {
    expect(await adapter(scripted([notFound]).client).listEnabledControls(OU)).toEqual([]);
  });

  it('Given an operation, When read, Then it carries the identifier asked for and its times', async () => {
    const { client, sent } = scripted([
      () => ({
        controlOperation: {
          operationType: 'ENABLE_CONTROL',
          status: 'FAILED',
          statusMessage: 'boom',
          startTime: new Date('2026-12-01T10:00:00Z'),
          endTime: new Date('2026-12-01T10:05:00Z'),
        },
      }),
    ]);
    expect(await adapter(client).getControlOperation('op-9')).toEqual({
      operationIdentifier: 'op-9',
      operationType: 'ENABLE_CONTROL',
      status: 'FAILED',
      statusMessage: 'boom',
      startTime: new Date('2026-12-01T10:00:00Z'),
      endTime: new Date('2026-12-01T10:05:00Z'),
    });
    expect(sent[0]).toBeInstanceOf(GetControlOperationCommand);
  });

  it('fails when the operation does not exist, naming it', async () => {
    await expect(adapter(scripted([notFound]).client).getControlOperation('op-9')).rejects.toThrow(
      /GetControlOperation operation op-9/,
    );
  });
});

describe('restJsonError', () => {
  it('takes the name from x-amzn-errortype, else the body, and marks throttling and server faults', () => {
    const throttled = restJsonError(
      400,
      { 'x-amzn-errortype': 'ThrottlingException:http://x/' },
      '{"message":"slow"}',
    );
    expect(throttled).toMatchObject({
      name: 'ThrottlingException',
      message: 'slow',
      $retryable: { throttling: true },
    });
    expect(restJsonError(503, {}, '')).toMatchObject({
      name: 'InternalServerException',
      $fault: 'server',
      $metadata: { httpStatusCode: 503 },
    });
    expect(restJsonError(400, {}, '{"__type":"aws#ValidationException","Message":"bad"}')).toMatchObject({
      name: 'ValidationException',
      message: 'bad',
    });
  });
});
