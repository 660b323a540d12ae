import { spawn } from 'node:child_process';
import { Console } from 'node:console';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { Config, Plugin, run, settings } from '@oclif/core';
import { Exit, handle } from '@oclif/core/handle';
import { register } from 'tsx/esm/api';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const EXAMPLE = join(ROOT, 'templates/examples/recall/estate.yaml');

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  readonly input?: string;
}

/** What every run sees unless the test overrides it: no TTY, CI, no colour, no real credentials. */
function baseEnv(): NodeJS.ProcessEnv {
  return {
    CI: 'true',
    NO_COLOR: '1',
    ESTATE_AUDIT_LOG: join(tmpdir(), 'estate-test-audit.log'),
    AWS_ACCESS_KEY_ID: '',
    AWS_SECRET_ACCESS_KEY: '',
  };
}

/**
 * Runs the CLI in this process from the TypeScript sources, no build needed (oclif
 * imports `src/commands` with tsx's loader), as a user would: no TTY, CI set unless the
 * caller overrides it, the caller's env and cwd for the length of the call. stdout and
 * stderr are captured; the exit code is the one the process would end with. Everything
 * the run changes in this process (env, cwd, exitCode, stream writes) is put back after.
 * Runs are queued: process state is global, so two runs never overlap.
 */
export function estate(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  // stdin is this process's own; a run that reads typed input needs a process of its own.
  if (options.input !== undefined)
    return Promise.reject(new Error('estate(): input needs a real stdin; use estateProcess'));
  const next = queue.then(() => runInProcess(args, options));
  queue = next.catch(() => undefined);
  return next;
}

let queue: Promise<unknown> = Promise.resolve();

/**
 * The CLI as oclif sees it, loaded once per test file from the sources: package.json's
 * oclif section with every `./dist/….js` read as `./src/….ts` (tsx lets Node import
 * them), and the root plugin ignoring oclif.manifest.json (a previous build's, possibly
 * stale), so commands, flags, help and hooks are today's code whether or not it was built.
 */
let loaded: Promise<Config> | undefined;
function loadedPlugins(): Promise<Config> {
  loaded ??= (async () => {
    register();
    settings.enableAutoTranspile = false;
    const pjson = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8'));
    pjson.oclif = JSON.parse(
      JSON.stringify(pjson.oclif).replace(
        /\.\/dist\/([^"]*?)(\.js)?"/g,
        (_, path: string, js?: string) => `./src/${path}${js ? '.ts' : ''}"`,
      ),
    );
    const root = new Plugin({ root: ROOT, isRoot: true, ignoreManifest: true, pjson });
    await root.load();
    const base = await Config.load({ root: ROOT, pjson });
    const plugins = new Map(base.getPluginsList().map((p) => [p.name, p.isRoot ? root : p]));
    return Config.load({ root: ROOT, pjson, plugins });
  })();
  return loaded;
}

/**
 * A Config of its own for each run, over the loaded plugins with copies of their command
 * entries: oclif's help rewrites the ids of the entries it lists, which must not reach
 * the next run.
 */
async function freshConfig(): Promise<Config> {
  const plugins = (await loadedPlugins()).getPluginsList().map((p) => {
    const copy = Object.create(p) as Plugin;
    copy.commands = p.commands.map((c) => ({ ...c }));
    return [p.name, copy] as const;
  });
  return Config.load({ root: ROOT, pjson: (await loadedPlugins()).pjson, plugins: new Map(plugins) });
}

async function runInProcess(args: readonly string[], options: CliOptions): Promise<CliResult> {
  const loadedConfig = await freshConfig();
  const out = { stdout: '', stderr: '' };
  const restore = enter({ ...baseEnv(), ...options.env }, options.cwd ?? ROOT, out);
  let code: number | undefined;
  try {
    try {
      await run([...args], loadedConfig);
    } catch (error) {
      // What bin/run.js does with an error: oclif's handle prints it and exits.
      const exit = Exit.exit;
      Exit.exit = ((c = 0) => void (code = c)) as typeof Exit.exit;
      try {
        await handle(error as Error);
      } finally {
        Exit.exit = exit;
      }
    }
    code ??= typeof process.exitCode === 'number' ? process.exitCode : Number(process.exitCode ?? 0);
  } finally {
    restore();
  }
  return { code, stdout: out.stdout, stderr: out.stderr };
}

/** Swaps in the run's env, cwd, streams and TTY flags; returns what puts them back. */
function enter(env: NodeJS.ProcessEnv, cwd: string, out: { stdout: string; stderr: string }): () => void {
  const savedEnv = { ...process.env };
  const savedCwd = process.cwd();
  const savedExitCode = process.exitCode;
  const savedConsole = globalThis.console;
  const streams = [process.stdout, process.stderr, process.stdin] as const;
  const savedTTY = streams.map((s) => Object.getOwnPropertyDescriptor(s, 'isTTY'));
  const savedWrite = { stdout: process.stdout.write, stderr: process.stderr.write };

  for (const [key, value] of Object.entries(env)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  process.chdir(cwd);
  process.exitCode = undefined;
  for (const s of streams)
    Object.defineProperty(s, 'isTTY', { value: undefined, configurable: true, writable: true });
  const capture = (name: 'stdout' | 'stderr') =>
    function write(chunk: string | Uint8Array, encoding?: unknown, callback?: unknown): boolean {
      out[name] += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      const done = typeof encoding === 'function' ? encoding : callback;
      if (typeof done === 'function') process.nextTick(done as () => void);
      return true;
    } as typeof process.stdout.write;
  process.stdout.write = capture('stdout');
  process.stderr.write = capture('stderr');
  const sink = (name: 'stdout' | 'stderr') =>
    new Writable({ write: (chunk, _e, cb) => ((out[name] += String(chunk)), cb()) });
  globalThis.console = new Console({ stdout: sink('stdout'), stderr: sink('stderr') });

  return () => {
    globalThis.console = savedConsole;
    process.stdout.write = savedWrite.stdout;
    process.stderr.write = savedWrite.stderr;
    streams.forEach((s, i) => {
      const d = savedTTY[i];
      if (d) Object.defineProperty(s, 'isTTY', d);
      else delete (s as { isTTY?: boolean }).isTTY;
    });
    process.exitCode = savedExitCode;
    process.chdir(savedCwd);
    for (const key of Object.keys(process.env)) if (!(key in savedEnv)) delete process.env[key];
    Object.assign(process.env, savedEnv);
  };
}

/**
 * Runs the BUILT CLI (bin/run.js → dist) in a child process, for what only a real process
 * shows: the binary starts, signals, a killed run. `npm run build` first.
 */
export function estateProcess(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/run.js'), ...args], {
      cwd: options.cwd ?? ROOT,
      env: { ...process.env, ...baseEnv(), ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

/** A fresh temporary folder, removed by the returned cleanup. */
export async function tempDir(prefix = 'estate-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
