/**
 * The sandbox as a process: where its runtime file lives, whether the process it names is
 * alive, starting it in the background (a detached `estate sandbox start --foreground`),
 * stopping it, and the shell lines that point a shell at it. The emulator itself is
 * src/emulator/sandbox.ts; the commands are src/commands/sandbox/*.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { link, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { EstateError } from '../errors.js';
import { SANDBOX_MANAGEMENT_ACCOUNT, SANDBOX_UNSET, sandboxEnv } from '../emulator/sandbox.js';

export const DEFAULT_SANDBOX_PORT = 4566;
/** How long `start` waits for the background sandbox to answer. */
export const START_TIMEOUT_MS = 15_000;
/** How long `stop` waits after SIGTERM before SIGKILL. */
export const STOP_TIMEOUT_MS = 10_000;
/** One request to the sandbox (is it answering, how many accounts). */
export const PROBE_TIMEOUT_MS = 2_000;

/** $ESTATE_SANDBOX_HOME, else ~/.estate/sandbox: where the runtime file and the log live. */
export function sandboxHome(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.ESTATE_SANDBOX_HOME || join(homedir(), '.estate', 'sandbox'));
}

export const runtimeFileIn = (home: string): string => join(home, 'sandbox.json');
export const logFileIn = (home: string): string => join(home, 'sandbox.log');

/** `<home>/sandbox.json`: the running sandbox, written by its own process once it listens. */
export interface SandboxRuntime {
  readonly pid: number;
  readonly url: string;
  readonly port: number;
  readonly host: string;
  readonly stateDir?: string;
  /** With a stateDir: whether its state came from there (false: there was none yet). */
  readonly restored?: boolean;
  /** ISO 8601 */
  readonly startedAt: string;
  /** estate's version that started it. */
  readonly version: string;
}

export type RuntimeState =
  | { readonly kind: 'none'; readonly file: string }
  | { readonly kind: 'running'; readonly file: string; readonly runtime: SandboxRuntime }
  /** The file is there but names no live sandbox (its process is gone, or it is unreadable). */
  | {
      readonly kind: 'stale';
      readonly file: string;
      readonly runtime?: SandboxRuntime;
      readonly reason: string;
    };

function parseRuntime(text: string): SandboxRuntime | undefined {
  try {
    const value = JSON.parse(text) as Partial<SandboxRuntime>;
    if (
      typeof value.pid === 'number' &&
      Number.isInteger(value.pid) &&
      value.pid > 0 &&
      typeof value.url === 'string' &&
      typeof value.port === 'number'
    )
      return value as SandboxRuntime;
  } catch {
    // unreadable: reported as stale
  }
  return undefined;
}

/** Linux's view of a pid: its state letter and command line; undefined without /proc. */
function procOf(pid: number): { state: string; cmdline: string[] } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    return { state, cmdline };
  } catch {
    return undefined;
  }
}

/**
 * Is `pid` a live sandbox process? Signal 0 says whether the pid exists; on Linux a zombie
 * (ended, not yet reaped) is not live, and the command line must be estate's sandbox, so a
 * pid reused by an unrelated process after a crash is not taken for the sandbox (nor sent a
 * signal by `stop`). A process in the middle of ending (no command line any more) still is.
 */
export function isSandboxProcess(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const proc = procOf(pid);
  if (!proc) return !existsSync('/proc/self') || existsSync(`/proc/${pid}`);
  if (proc.state === 'Z' || proc.state === 'X') return false;
  if (proc.cmdline.length === 0) return true;
  return proc.cmdline.includes('sandbox') && proc.cmdline.includes('start');
}

export async function readRuntime(home: string): Promise<RuntimeState> {
  const file = runtimeFileIn(home);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'none', file };
    throw error;
  }
  const runtime = parseRuntime(text);
  if (!runtime) return { kind: 'stale', file, reason: `${file} is not a sandbox runtime file` };
  if (!isSandboxProcess(runtime.pid))
    return { kind: 'stale', file, runtime, reason: `its process ${runtime.pid} is gone` };
  return { kind: 'running', file, runtime };
}

export function alreadyRunning(home: string, runtime: SandboxRuntime): EstateError {
  return new EstateError(
    `a sandbox is already running for ${home}: pid ${runtime.pid} at ${runtime.url} (since ${runtime.startedAt})`,
    {
      code: 'SandboxAlreadyRunning',
      source: 'user',
      exitCode: 1,
      suggestions: [
        'stop it first: estate sandbox stop',
        'or use it: eval "$(estate sandbox env)"',
        'or run another one alongside with its own ESTATE_SANDBOX_HOME and --port',
      ],
      details: { ...runtime, home },
    },
  );
}

export function notRunning(home: string, state: RuntimeState): EstateError {
  const why = state.kind === 'stale' ? ` (${runtimeFileIn(home)} is stale: ${state.reason})` : '';
  return new EstateError(`no sandbox is running for ${home}${why}`, {
    code: 'SandboxNotRunning',
    source: 'user',
    exitCode: 1,
    suggestions: ['start one and point this shell at it: eval "$(estate sandbox start)"'],
    details: { home },
  });
}

/**
 * Writes the runtime file for this process, refusing when a live sandbox holds it and
 * replacing a stale one. The file appears whole or not at all (written aside, then
 * hard-linked into place, which fails if another sandbox got there first).
 */
export async function claimRuntime(home: string, runtime: SandboxRuntime): Promise<void> {
  await mkdir(home, { recursive: true });
  const file = runtimeFileIn(home);
  const aside = `${file}.${process.pid}.tmp`;
  await writeFile(aside, `${JSON.stringify(runtime, null, 2)}\n`);
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await link(aside, file);
        return;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw error;
      }
      const state = await readRuntime(home);
      if (state.kind === 'running' && state.runtime.pid !== runtime.pid)
        throw alreadyRunning(home, state.runtime);
      await rm(file, { force: true });
    }
  } finally {
    await rm(aside, { force: true });
  }
}

/** Removes the runtime file if it still names `pid` (another sandbox's is left alone). */
export async function releaseRuntime(home: string, pid: number): Promise<void> {
  const file = runtimeFileIn(home);
  const text = await readFile(file, 'utf8').catch(() => undefined);
  if (text !== undefined && parseRuntime(text)?.pid === pid) await rm(file, { force: true });
}

export function portInUse(port: number, host = '127.0.0.1'): EstateError {
  const where = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  return new EstateError(`--port ${port} is in use: something already listens on ${where}`, {
    code: 'SandboxPortInUse',
    source: 'user',
    exitCode: 1,
    suggestions: [
      'pass another --port, or --port 0 for any free port',
      'if it is a sandbox: estate sandbox status (or estate sandbox stop)',
    ],
  });
}

/** Fails naming --port when `port` is taken on `host`; 0 (any free port) always passes. */
export async function assertPortFree(port: number, host = '127.0.0.1'): Promise<void> {
  if (port === 0) return;
  const address = host === 'localhost' ? '127.0.0.1' : host;
  await new Promise<void>((resolvePromise, reject) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? portInUse(port, address) : error),
    );
    server.listen({ port, host: address, exclusive: true }, () => server.close(() => resolvePromise()));
  });
}

/** POSIX single quotes: the value reaches the shell as written. */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** `export K='v'` for every variable of sandboxEnv(url), then `unset` of SANDBOX_UNSET. */
export function exportLines(url: string): string {
  const exports = Object.entries(sandboxEnv(url)).map(([key, value]) => `export ${key}=${shellQuote(value)}`);
  return `${[...exports, `unset ${SANDBOX_UNSET.join(' ')}`].join('\n')}\n`;
}

/** What `env`, `start --json` and the foreground print: the variables and what to unset. */
export interface SandboxEnvironment {
  readonly url: string;
  readonly env: Record<string, string>;
  readonly unset: readonly string[];
}

export function environmentOf(url: string): SandboxEnvironment {
  return { url, env: sandboxEnv(url), unset: [...SANDBOX_UNSET] };
}

async function post(
  url: string,
  body: string,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<{ status: number; text: string } | undefined> {
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers,
      body,
      signal: AbortSignal.timeout(timeoutMs),
    });
    return { status: response.status, text: await response.text() };
  } catch {
    return undefined;
  }
}

/** Does the sandbox at `url` answer STS GetCallerIdentity as its management account? */
export async function sandboxAnswers(url: string, timeoutMs = PROBE_TIMEOUT_MS): Promise<boolean> {
  const answer = await post(
    url,
    'Action=GetCallerIdentity&Version=2011-06-15',
    { 'content-type': 'application/x-www-form-urlencoded' },
    timeoutMs,
  );
  return answer?.status === 200 && answer.text.includes(`<Account>${SANDBOX_MANAGEMENT_ACCOUNT}</Account>`);
}

export interface SandboxCounts {
  /** Whether the management account has created its organisation yet. */
  readonly organization: boolean;
  readonly accounts: number;
}

/** The organisation's accounts (Organizations ListAccounts); undefined when it does not answer. */
export async function sandboxCounts(
  url: string,
  timeoutMs = PROBE_TIMEOUT_MS,
): Promise<SandboxCounts | undefined> {
  let accounts = 0;
  let token: string | undefined;
  for (let page = 0; page < 100; page++) {
    const answer = await post(
      url,
      JSON.stringify(token ? { NextToken: token } : {}),
      {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'AWSOrganizationsV20161128.ListAccounts',
      },
      timeoutMs,
    );
    if (!answer) return undefined;
    if (answer.status !== 200) {
      if (answer.text.includes('AWSOrganizationsNotInUseException'))
        return { organization: false, accounts: 0 };
      return undefined;
    }
    const out = JSON.parse(answer.text) as { Accounts?: unknown[]; NextToken?: string };
    accounts += out.Accounts?.length ?? 0;
    token = out.NextToken;
    if (!token) break;
  }
  return { organization: true, accounts };
}

export interface BackgroundStart {
  readonly home: string;
  readonly port: number;
  readonly host: string;
  readonly stateDir?: string;
  /** bin/run.js of this estate. */
  readonly bin: string;
  /** @default START_TIMEOUT_MS */
  readonly timeoutMs?: number;
}

export interface StartedSandbox {
  readonly runtime: SandboxRuntime;
  readonly logFile: string;
  /** The stale runtime file this start replaced, if any. */
  readonly replaced?: RuntimeState & { kind: 'stale' };
}

/** The last lines of the log, for an error that says why the background sandbox ended. */
function logTail(logFile: string, lines = 15): string {
  try {
    const text = readFileSync(logFile, 'utf8').trimEnd();
    return text ? text.split('\n').slice(-lines).join('\n') : '(the log is empty)';
  } catch {
    return '(no log was written)';
  }
}

/**
 * Starts `estate sandbox start --foreground` detached, its output in `<home>/sandbox.log`,
 * and waits (bounded) until it has written the runtime file and answers at its URL.
 */
export async function startInBackground(options: BackgroundStart): Promise<StartedSandbox> {
  const { home } = options;
  const state = await readRuntime(home);
  if (state.kind === 'running') throw alreadyRunning(home, state.runtime);
  await assertPortFree(options.port, options.host);
  await mkdir(home, { recursive: true });
  if (state.kind === 'stale') await rm(state.file, { force: true });
  const logFile = logFileIn(home);
  const log = openSync(logFile, 'w');
  const env: NodeJS.ProcessEnv = { ...process.env, ESTATE_SANDBOX_HOME: home };
  delete env.ESTATE_JSON;
  const args = [
    options.bin,
    'sandbox',
    'start',
    '--foreground',
    '--port',
    String(options.port),
    '--host',
    options.host,
    ...(options.stateDir !== undefined ? ['--state', options.stateDir] : []),
  ];
  const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', log, log], env });
  closeSync(log);
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  child.on('exit', (code, signal) => (exited = { code, signal }));
  const spawnFailed = new Promise<Error>((resolvePromise) => child.once('error', resolvePromise));
  child.unref();
  const pid = child.pid;
  const timeoutMs = options.timeoutMs ?? START_TIMEOUT_MS;
  const deadline = Date.now() + timeoutMs;
  let listening: SandboxRuntime | undefined;
  while (Date.now() < deadline) {
    const failure = await Promise.race([spawnFailed, sleep(100).then(() => undefined)]);
    if (failure || pid === undefined)
      throw new EstateError(`could not start the sandbox process: ${failure?.message ?? 'no pid'}`, {
        code: 'SandboxStartFailed',
        source: 'internal',
        cause: failure,
      });
    if (exited)
      throw new EstateError(
        `the sandbox ended before it answered (${exited.signal ?? `exit ${exited.code}`}); its log, ${logFile}, says:\n${logTail(logFile)}`,
        {
          code: 'SandboxStartFailed',
          source: 'user',
          exitCode: 1,
          suggestions: [
            `read ${logFile}`,
            'or run it in this terminal to see it: estate sandbox start --foreground',
          ],
          details: { logFile },
        },
      );
    if (!listening) {
      const now = await readRuntime(home);
      if (now.kind === 'running' && now.runtime.pid === pid) listening = now.runtime;
    }
    if (listening && (await sandboxAnswers(listening.url, Math.min(PROBE_TIMEOUT_MS, deadline - Date.now()))))
      return {
        runtime: listening,
        logFile,
        ...(state.kind === 'stale' ? { replaced: state } : {}),
      };
  }
  if (pid !== undefined && !exited) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
    await releaseRuntime(home, pid);
  }
  throw new EstateError(
    `the sandbox did not answer within ${Math.round(timeoutMs / 1000)} s${listening ? ` at ${listening.url}` : ''}; it was stopped. Its log, ${logFile}, says:\n${logTail(logFile)}`,
    {
      code: 'SandboxStartTimeout',
      source: 'internal',
      suggestions: [
        `read ${logFile}`,
        'or run it in this terminal to see it: estate sandbox start --foreground',
      ],
      details: { logFile },
    },
  );
}

export interface StopResult {
  readonly home: string;
  /** A live sandbox was found and stopped. */
  readonly stopped: boolean;
  readonly pid?: number;
  readonly url?: string;
  /** It did not end within the wait after SIGTERM and was killed (SIGKILL). */
  readonly killed?: boolean;
  /** A runtime file naming no live sandbox was removed. */
  readonly staleRemoved?: boolean;
}

async function waitForExit(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (!isSandboxProcess(pid)) return true;
    await sleep(50);
  }
  return !isSandboxProcess(pid);
}

/** SIGTERM, a bounded wait for the process to end (then SIGKILL), the runtime file removed. */
export async function stopSandbox(home: string, timeoutMs = STOP_TIMEOUT_MS): Promise<StopResult> {
  const state = await readRuntime(home);
  if (state.kind === 'none') return { home, stopped: false };
  if (state.kind === 'stale') {
    await rm(state.file, { force: true });
    return { home, stopped: false, staleRemoved: true };
  }
  const { pid, url } = state.runtime;
  try {
    process.kill(pid, 'SIGTERM');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
  let killed = false;
  if (!(await waitForExit(pid, timeoutMs))) {
    killed = true;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // ended meanwhile
    }
    if (!(await waitForExit(pid, 2_000)))
      throw new EstateError(`the sandbox (pid ${pid}) is still running after SIGTERM and SIGKILL`, {
        code: 'SandboxStopFailed',
        source: 'internal',
        suggestions: [`see what holds it: ps -p ${pid}`],
      });
  }
  await releaseRuntime(home, pid);
  return { home, stopped: true, pid, url, killed };
}

export interface ForegroundStart {
  readonly home: string;
  readonly port: number;
  readonly host: string;
  readonly stateDir?: string;
  readonly version: string;
  /** Called once it listens and the runtime file is written. */
  readonly onReady: (runtime: SandboxRuntime) => void;
  /** Called when a signal asks it to stop, before it closes. */
  readonly onStopping?: (signal: NodeJS.Signals) => void;
}

/** Bounds the close (the last state snapshot included) when a stop is asked. */
const CLOSE_TIMEOUT_MS = 10_000;

/**
 * Serves the sandbox in this process until SIGINT, SIGTERM or SIGHUP: claims the runtime
 * file once it listens, and on the signal closes it (writing the state) and removes the file.
 */
export async function serveUntilSignal(options: ForegroundStart): Promise<{ signal: NodeJS.Signals }> {
  const { assertLoopback, startSandbox } = await import('../emulator/sandbox.js');
  assertLoopback(options.host);
  const state = await readRuntime(options.home);
  if (state.kind === 'running' && state.runtime.pid !== process.pid)
    throw alreadyRunning(options.home, state.runtime);
  await assertPortFree(options.port, options.host);
  const sandbox = await startSandbox({
    port: options.port,
    host: options.host,
    ...(options.stateDir !== undefined ? { stateDir: options.stateDir } : {}),
  }).catch((error: NodeJS.ErrnoException) => {
    // Taken between the check above and the sandbox's own listen.
    throw error?.code === 'EADDRINUSE' ? portInUse(options.port, options.host) : error;
  });
  const runtime: SandboxRuntime = {
    pid: process.pid,
    url: sandbox.url,
    port: sandbox.port,
    host: options.host,
    ...(options.stateDir !== undefined ? { stateDir: options.stateDir, restored: sandbox.restored } : {}),
    startedAt: new Date().toISOString(),
    version: options.version,
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  let handler: (signal: NodeJS.Signals) => void = () => {};
  const stopAsked = new Promise<NodeJS.Signals>((resolvePromise) => (handler = resolvePromise));
  for (const s of signals) process.on(s, handler);
  let claimed = false;
  try {
    await claimRuntime(options.home, runtime);
    claimed = true;
    options.onReady(runtime);
    const signal = await stopAsked;
    options.onStopping?.(signal);
    return { signal };
  } finally {
    const closed = await Promise.race([
      sandbox.close().then(() => true),
      sleep(CLOSE_TIMEOUT_MS, false, { ref: false }),
    ]);
    if (claimed) await releaseRuntime(options.home, process.pid);
    for (const s of signals) process.off(s, handler);
    if (!closed) {
      process.stderr.write(`sandbox: it did not close within ${CLOSE_TIMEOUT_MS / 1000} s; ending anyway\n`);
      process.exitCode = 1;
    }
    // Connections a client keeps alive must not keep the process up once the sandbox closed.
    setTimeout(() => process.exit(), 1_000).unref();
  }
}
