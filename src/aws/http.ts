/**
 * The HTTP handler every SDK client estate builds uses (the credential chain's STS and SSO
 * clients included): a connect timeout, a request timeout and a socket idle timeout, and
 * errors that carry the endpoint they were sent to, so that a message can name it.
 */
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { HttpHandlerOptions } from '@smithy/types';

export interface Timeouts {
  /** Time to open the TCP connection. */
  readonly connectMs: number;
  /** Time from sending the request to the answer's headers; also the longest silence on the socket. */
  readonly requestMs: number;
}

export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
export const MAX_CONNECT_TIMEOUT_MS = 10_000;

/** A request timeout of `requestMs`, connecting within at most 10 s of it. */
export function timeoutsFor(requestMs: number = DEFAULT_REQUEST_TIMEOUT_MS): Timeouts {
  return { requestMs, connectMs: Math.min(requestMs, MAX_CONNECT_TIMEOUT_MS) };
}

interface RequestLike {
  readonly protocol?: string;
  readonly hostname?: string;
  readonly port?: number;
}

export function endpointOf(request: RequestLike): string {
  const port = request.port ? `:${request.port}` : '';
  return `${request.protocol ?? 'https:'}//${request.hostname ?? '?'}${port}`;
}

export class EstateHttpHandler extends NodeHttpHandler {
  constructor(readonly timeouts: Timeouts) {
    super({
      connectionTimeout: timeouts.connectMs,
      requestTimeout: timeouts.requestMs,
      socketTimeout: timeouts.requestMs,
      throwOnRequestTimeout: true,
    });
  }

  override async handle(
    request: Parameters<NodeHttpHandler['handle']>[0],
    options?: HttpHandlerOptions,
  ): ReturnType<NodeHttpHandler['handle']> {
    try {
      return await super.handle(request, options);
    } catch (error) {
      if (error && typeof error === 'object')
        Object.assign(error, { $endpoint: endpointOf(request), $timeouts: this.timeouts });
      throw error;
    }
  }
}
