/**
 * `estate sandbox`: the estate emulator (estate.ts) as a target for people, not tests. It
 * answers only on loopback, starts with an empty organisation-less management account, and
 * with a state folder survives a restart (a JSON snapshot written on change).
 *
 * Contract for the sandbox commands (src/commands/sandbox/*) and the Quick start.
 */
import { EstateError } from '../errors.js';
import { startEstateEmulator, type EstateServices } from './estate.js';

/** The management account the sandbox answers as (GetCallerIdentity). */
export const SANDBOX_MANAGEMENT_ACCOUNT = '111111111111';
export const SANDBOX_REGION = 'eu-west-2';
/** Keys the sandbox accepts and AWS never issues: they reach nothing else. */
export const SANDBOX_ACCESS_KEY_ID = 'AKIAESTATESANDBOX000';
export const SANDBOX_SECRET_ACCESS_KEY = 'estate-sandbox-not-a-secret';

/** Addresses the sandbox binds to; any other is refused. */
export const LOOPBACK_HOSTS: readonly string[] = ['127.0.0.1', 'localhost', '::1'];

export interface SandboxOptions {
  /** @default 0 (any free port) */
  readonly port?: number;
  /** Only loopback (LOOPBACK_HOSTS). @default 127.0.0.1 */
  readonly host?: string;
  /** Folder holding sandbox.json: restored on start, rewritten after every change. */
  readonly stateDir?: string;
}

export interface Sandbox {
  /** http://127.0.0.1:<port> */
  readonly url: string;
  readonly port: number;
  readonly services: EstateServices;
  /** <stateDir>/sandbox.json when a state folder was given. */
  readonly stateFile?: string;
  /** Stops answering; with a state folder, writes the last snapshot first. */
  close(): Promise<void>;
}

/** The variables that point estate (and the AWS CLI and SDKs) at a sandbox at `url`. */
export function sandboxEnv(url: string): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: url,
    // CloudFormation (here the same emulator) fetches templates from S3 at this address.
    AWS_ENDPOINT_URL_S3_FOR_CLOUDFORMATION: url,
    AWS_ACCESS_KEY_ID: SANDBOX_ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY: SANDBOX_SECRET_ACCESS_KEY,
    AWS_REGION: SANDBOX_REGION,
    ESTATE_SANDBOX: url,
  };
}

/** Variables that would send a sandboxed shell's calls elsewhere: unset by `estate sandbox env`. */
export const SANDBOX_UNSET: readonly string[] = ['AWS_PROFILE', 'AWS_SESSION_TOKEN', 'AWS_DEFAULT_PROFILE'];

export function assertLoopback(host: string): void {
  if (!LOOPBACK_HOSTS.includes(host))
    throw new EstateError(
      `--host ${host} is not a loopback address: the sandbox answers only on ${LOOPBACK_HOSTS.join(', ')}`,
      {
        code: 'SandboxNotLoopback',
        source: 'user',
        suggestions: ['drop --host, or pass --host 127.0.0.1'],
      },
    );
}

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  assertLoopback(options.host ?? '127.0.0.1');
  // Persistence (stateDir) is not wired yet: see the state snapshot work.
  const estate = await startEstateEmulator({
    callerAccountId: SANDBOX_MANAGEMENT_ACCOUNT,
    ...(options.port !== undefined ? { port: options.port } : {}),
  });
  const { emulator: _emulator, url, close, ...services } = estate;
  return { url, port: Number(new URL(url).port), services, close };
}
