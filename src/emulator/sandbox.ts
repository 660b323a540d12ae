/**
 * `estate sandbox`: the estate emulator (estate.ts) as a target for people, not tests. It
 * answers only on loopback, starts from seedSandbox (an organisation-less management account,
 * Identity Center with demo users), and with a state folder survives a restart: a JSON
 * snapshot of every service in `<stateDir>/sandbox.json`, restored at start, rewritten
 * (debounced, atomically) after every request that may change state, and on close.
 *
 * Contract for the sandbox commands (src/commands/sandbox/*) and the Quick start. The state
 * file's format: README.md beside this file.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EstateError } from '../errors.js';
import {
  restoreServices,
  snapshotServices,
  startEstateEmulator,
  type EstateServices,
  type EstateServicesState,
} from './estate.js';
import type { StsSession } from './server.js';
import { decodeState, encodeState } from './state.js';

/** The management account the sandbox answers as (GetCallerIdentity). */
export const SANDBOX_MANAGEMENT_ACCOUNT = '111111111111';
export const SANDBOX_REGION = 'eu-west-2';
/** Keys the sandbox accepts and AWS never issues: they reach nothing else. */
export const SANDBOX_ACCESS_KEY_ID = 'AKIAESTATESANDBOX000';
export const SANDBOX_SECRET_ACCESS_KEY = 'estate-sandbox-not-a-secret';

/** Addresses the sandbox binds to; any other is refused. */
export const LOOPBACK_HOSTS: readonly string[] = ['127.0.0.1', 'localhost', '::1'];

/** The state file in the state folder. */
export const SANDBOX_STATE_FILE = 'sandbox.json';
/** What the state file's `format` says: it is a sandbox snapshot, not another sandbox.json. */
export const SANDBOX_STATE_FORMAT = 'estate-sandbox-state';
/** The state file's layout version: a file of another version is refused, not guessed at. */
export const SANDBOX_STATE_VERSION = 1;
/** How long after a change the state file is written (changes in between go in the same write). */
export const SANDBOX_STATE_DEBOUNCE_MS = 100;

/** The demo people in a fresh sandbox's Identity Center (the example estate's developers and a generic one). */
export const SANDBOX_USERS: readonly string[] = [
  'dev@sandbox.example',
  'alice@recall.example.com',
  'bob@recall.example.com',
];
/** The group a fresh sandbox's Identity Center holds (membership is not modelled). */
export const SANDBOX_GROUPS: readonly string[] = ['developers', 'platform'];

export interface SandboxOptions {
  /** @default 0 (any free port) */
  readonly port?: number;
  /** Only loopback (LOOPBACK_HOSTS). @default 127.0.0.1 */
  readonly host?: string;
  /** Folder holding sandbox.json: restored on start, rewritten after every change. */
  readonly stateDir?: string;
  /** A background write of the state file failed (the next change tries again). @default a line on stderr */
  readonly onStateError?: (error: Error) => void;
}

/** The state file as written: a versioned envelope around every service's snapshot. */
export interface SandboxStateDocument {
  readonly format: typeof SANDBOX_STATE_FORMAT;
  readonly version: typeof SANDBOX_STATE_VERSION;
  readonly savedAt: string;
  readonly managementAccountId: string;
  /** Keys STS issued, so a shell's assumed-role credentials still work after a restart. */
  readonly sessions: Map<string, StsSession>;
  readonly services: EstateServicesState;
}

export interface Sandbox {
  /** http://127.0.0.1:<port> */
  readonly url: string;
  readonly port: number;
  readonly services: EstateServices;
  /** <stateDir>/sandbox.json when a state folder was given. */
  readonly stateFile?: string;
  /** Whether the state came from the state file (false: a fresh, seeded sandbox). */
  readonly restored: boolean;
  /** Writes the state file now (with a state folder; else nothing). */
  save(): Promise<void>;
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

/**
 * What a fresh sandbox holds, so the Quick start's story runs without setup: the management
 * account 111111111111 with no organisation yet (`estate apply` creates it, all features),
 * IAM Identity Center enabled in it with the users SANDBOX_USERS (user name: the part before
 * the @) and the groups SANDBOX_GROUPS, for `estate account onboard --sso-user/--sso-group`,
 * and the cost allocation tag keys estate activates (cost-center, estate:env) seen as Inactive.
 */
export function seedSandbox(services: EstateServices): void {
  for (const email of SANDBOX_USERS) services.identityCenter.addUser(email);
  for (const group of SANDBOX_GROUPS) services.identityCenter.addGroup(group);
}

const stateFix = (file: string): string[] => [
  `delete ${file} to start from a fresh sandbox (what it held is lost)`,
  'or pass --state with another folder',
];

/** Reads and checks a state file; undefined when there is none. */
async function readState(file: string): Promise<SandboxStateDocument | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new EstateError(`cannot read the sandbox state file ${file}: ${(error as Error).message}`, {
      code: 'SandboxStateUnreadable',
      source: 'user',
      suggestions: stateFix(file),
      cause: error,
    });
  }
  const corrupt = (why: string, cause?: unknown) =>
    new EstateError(`${file} is not a sandbox state file this estate can read: ${why}`, {
      code: 'SandboxStateCorrupt',
      source: 'user',
      suggestions: stateFix(file),
      ...(cause === undefined ? {} : { cause }),
    });
  let doc: Partial<SandboxStateDocument>;
  try {
    doc = decodeState(text) as Partial<SandboxStateDocument>;
  } catch (error) {
    throw corrupt(`it is not JSON (${(error as Error).message})`, error);
  }
  if (!doc || typeof doc !== 'object' || doc.format !== SANDBOX_STATE_FORMAT)
    throw corrupt(`its "format" is ${JSON.stringify(doc?.format)}, not "${SANDBOX_STATE_FORMAT}"`);
  if (doc.version !== SANDBOX_STATE_VERSION)
    throw new EstateError(
      `${file} holds sandbox state version ${JSON.stringify(doc.version)}; this estate reads version ${SANDBOX_STATE_VERSION}`,
      { code: 'SandboxStateVersion', source: 'user', suggestions: stateFix(file) },
    );
  if (doc.managementAccountId !== SANDBOX_MANAGEMENT_ACCOUNT)
    throw corrupt(
      `its management account is ${JSON.stringify(doc.managementAccountId)}, not ${SANDBOX_MANAGEMENT_ACCOUNT}`,
    );
  if (!doc.services || typeof doc.services !== 'object') throw corrupt('it has no "services"');
  return doc as SandboxStateDocument;
}

/** The state file's writer: debounced, one write at a time, atomically (temp file + rename), skipped when nothing changed. */
class StateWriter {
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<void> = Promise.resolve();
  private written: string | undefined;
  private seq = 0;

  constructor(
    private readonly file: string,
    private readonly document: () => SandboxStateDocument,
    private readonly onError: (error: Error) => void,
  ) {}

  /** A change happened: write within SANDBOX_STATE_DEBOUNCE_MS. */
  schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush().catch((error: Error) => this.onError(error));
    }, SANDBOX_STATE_DEBOUNCE_MS);
    this.timer.unref();
  }

  /** Writes now (after any write under way); rejects when the write fails. */
  flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const next = this.chain.then(() => this.write());
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async write(): Promise<void> {
    const doc = this.document();
    // Encoded once (a deployed estate's state runs to megabytes), compared without savedAt,
    // which changes every time.
    const body = encodeState({ ...doc, savedAt: '' });
    if (body === this.written) return;
    const temp = `${this.file}.${process.pid}.${++this.seq}.tmp`;
    await writeFile(temp, body.replace('"savedAt":""', `"savedAt":${JSON.stringify(doc.savedAt)}`), {
      mode: 0o600,
    });
    await rename(temp, this.file);
    this.written = body;
  }
}

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const host = options.host ?? '127.0.0.1';
  assertLoopback(host);
  const stateFile = options.stateDir ? join(options.stateDir, SANDBOX_STATE_FILE) : undefined;
  if (options.stateDir)
    await mkdir(options.stateDir, { recursive: true }).catch((error: Error) => {
      throw new EstateError(`cannot create the sandbox state folder ${options.stateDir}: ${error.message}`, {
        code: 'SandboxStateUnreadable',
        source: 'user',
        suggestions: ['pass --state with a folder you can write to'],
        cause: error,
      });
    });
  const saved = stateFile ? await readState(stateFile) : undefined;
  const sessions = new Map<string, StsSession>(saved?.sessions ?? []);
  let writer: StateWriter | undefined;
  const estate = await startEstateEmulator({
    callerAccountId: SANDBOX_MANAGEMENT_ACCOUNT,
    host: host === 'localhost' ? '127.0.0.1' : host,
    sessions,
    ...(options.port !== undefined ? { port: options.port } : {}),
    prepare: (services) => {
      if (!saved) return seedSandbox(services);
      try {
        restoreServices(services, saved.services);
      } catch (error) {
        throw new EstateError(
          `${stateFile} is not a sandbox state file this estate can read: ${(error as Error).message}`,
          { code: 'SandboxStateCorrupt', source: 'user', suggestions: stateFix(stateFile!), cause: error },
        );
      }
    },
    onStateChange: () => writer?.schedule(),
  }).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'EADDRINUSE') throw error;
    throw new EstateError(
      `--port ${options.port}: something else already listens on ${host}:${options.port}`,
      {
        code: 'SandboxPortInUse',
        source: 'user',
        suggestions: [
          'stop what listens there (`estate sandbox status` shows a running sandbox)',
          'or pass --port with another port (--port 0: any free one)',
        ],
        cause: error,
      },
    );
  });
  const { emulator: _emulator, url, close, ...services } = estate;
  if (stateFile) {
    const onError =
      options.onStateError ??
      ((error: Error) => process.stderr.write(`sandbox: could not write ${stateFile}: ${error.message}\n`));
    writer = new StateWriter(
      stateFile,
      () => ({
        format: SANDBOX_STATE_FORMAT,
        version: SANDBOX_STATE_VERSION,
        savedAt: new Date().toISOString(),
        managementAccountId: SANDBOX_MANAGEMENT_ACCOUNT,
        sessions,
        services: snapshotServices(services),
      }),
      onError,
    );
    // A fresh sandbox's seed is on disk from the start.
    await writer.flush();
  }
  let closing: Promise<void> | undefined;
  return {
    url,
    port: Number(new URL(url).port),
    services,
    ...(stateFile ? { stateFile } : {}),
    restored: saved !== undefined,
    save: () => writer?.flush() ?? Promise.resolve(),
    close: () =>
      (closing ??= (async () => {
        await close();
        await writer?.flush();
      })()),
  };
}
