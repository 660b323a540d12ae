import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EstateHttpHandler, timeoutsFor } from '../../src/aws/http.js';

/** Accepts connections and never answers. */
let silent: Server;
const sockets: Socket[] = [];
let port: number;

beforeAll(async () => {
  silent = createServer((socket) => void sockets.push(socket));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  port = (silent.address() as AddressInfo).port;
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((resolve) => silent.close(resolve));
});

// The fields of an SDK HttpRequest the handler reads.
const request = (p: number) =>
  ({
    protocol: 'http:',
    hostname: '127.0.0.1',
    port: p,
    method: 'POST',
    path: '/',
    headers: {},
  }) as unknown as Parameters<EstateHttpHandler['handle']>[0];

describe('EstateHttpHandler', () => {
  it('Given an endpoint that never answers, Then the request fails with a TimeoutError naming the endpoint', async () => {
    const handler = new EstateHttpHandler({ connectMs: 200, requestMs: 300 });
    const error = await handler.handle(request(port)).catch((e: unknown) => e);
    expect(error).toMatchObject({
      name: 'TimeoutError',
      $endpoint: `http://127.0.0.1:${port}`,
      $timeouts: { connectMs: 200, requestMs: 300 },
    });
    handler.destroy();
  });

  it('Given a closed port, Then the network error names the endpoint', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const handler = new EstateHttpHandler(timeoutsFor(2_000));
    const error = await handler.handle(request(closedPort)).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ECONNREFUSED', $endpoint: `http://127.0.0.1:${closedPort}` });
    handler.destroy();
  });
});
