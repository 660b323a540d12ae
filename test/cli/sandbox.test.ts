/**
 * The sandbox's runtime file and shell lines, without starting a sandbox: claiming the file,
 * refusing a live owner, replacing a stale one, and export lines a real shell reads back.
 */
import { execFile, spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  assertPortFree,
  claimRuntime,
  exportLines,
  readRuntime,
  releaseRuntime,
  runtimeFileIn,
  sandboxHome,
  shellQuote,
  startInBackground,
  stopSandbox,
  type SandboxRuntime,
} from '../../src/cli/sandbox.js';
import { SANDBOX_UNSET, sandboxEnv } from '../../src/emulator/sandbox.js';
import { tempDir } from '../_helpers/cli.js';

const run = promisify(execFile);

const runtime = (pid: number): SandboxRuntime => ({
  pid,
  url: 'http://127.0.0.1:4566',
  port: 4566,
  host: '127.0.0.1',
  startedAt: new Date().toISOString(),
  version: '0.0.0',
});

/** A pid that was a process and is not one any more. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.on('exit', resolve));
  return child.pid!;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});
async function home(): Promise<string> {
  const { dir, cleanup } = await tempDir('estate-sandbox-home-');
  cleanups.push(cleanup);
  return dir;
}

describe('sandboxHome', () => {
  it('is ESTATE_SANDBOX_HOME when set, else ~/.estate/sandbox', () => {
    expect(sandboxHome({ ESTATE_SANDBOX_HOME: '/tmp/x' })).toBe('/tmp/x');
    expect(sandboxHome({ HOME: '/home/someone' })).toMatch(/\.estate\/sandbox$/);
  });
});

describe('the runtime file', () => {
  it('is absent before a claim, names the process after, and goes with its release', async () => {
    const dir = await home();
    expect((await readRuntime(dir)).kind).toBe('none');
    await claimRuntime(dir, runtime(process.pid));
    expect(JSON.parse(await readFile(runtimeFileIn(dir), 'utf8'))).toMatchObject({ pid: process.pid });
    await releaseRuntime(dir, process.pid);
    expect((await readRuntime(dir)).kind).toBe('none');
  });

  it('is stale when its process is gone, and a new claim replaces it', async () => {
    const dir = await home();
    const gone = await deadPid();
    await writeFile(runtimeFileIn(dir), JSON.stringify(runtime(gone)));
    const state = await readRuntime(dir);
    expect(state).toMatchObject({ kind: 'stale', reason: `its process ${gone} is gone` });
    await claimRuntime(dir, runtime(process.pid));
    expect(JSON.parse(await readFile(runtimeFileIn(dir), 'utf8')).pid).toBe(process.pid);
  });

  it('is stale when it is not a runtime file at all', async () => {
    const dir = await home();
    await writeFile(runtimeFileIn(dir), '{ half a file');
    expect(await readRuntime(dir)).toMatchObject({ kind: 'stale' });
  });

  it('is not released by another pid', async () => {
    const dir = await home();
    await claimRuntime(dir, runtime(process.pid));
    await releaseRuntime(dir, process.pid + 1);
    expect(JSON.parse(await readFile(runtimeFileIn(dir), 'utf8')).pid).toBe(process.pid);
  });

  it('refuses a claim while a live sandbox holds it, naming it and estate sandbox stop', async () => {
    const dir = await home();
    // A live process whose command line reads like a sandbox's.
    const holder = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', 'sandbox', 'start']);
    cleanups.push(async () => void holder.kill('SIGKILL'));
    await writeFile(runtimeFileIn(dir), JSON.stringify(runtime(holder.pid!)));
    expect((await readRuntime(dir)).kind).toBe('running');
    const claim = claimRuntime(dir, runtime(process.pid));
    await expect(claim).rejects.toMatchObject({ code: 'SandboxAlreadyRunning', exitCode: 1 });
    await expect(claim).rejects.toThrow(`pid ${holder.pid}`);
    await claim.catch((e) => expect(e.suggestions.join(' ')).toContain('estate sandbox stop'));
  });

  it('takes a live pid whose command line is not a sandbox for a stale file (a reused pid)', async () => {
    const dir = await home();
    const other = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)']);
    cleanups.push(async () => void other.kill('SIGKILL'));
    await writeFile(runtimeFileIn(dir), JSON.stringify(runtime(other.pid!)));
    expect((await readRuntime(dir)).kind).toBe(process.platform === 'linux' ? 'stale' : 'running');
  });
});

describe('exportLines', () => {
  it('sets what sandboxEnv says and unsets SANDBOX_UNSET, read back by a real shell', async () => {
    const url = 'http://127.0.0.1:4566';
    const lines = exportLines(url);
    const { stdout } = await run(
      'sh',
      [
        '-c',
        'eval "$1"; env; echo "profile=${AWS_PROFILE-unset} token=${AWS_SESSION_TOKEN-unset}"',
        'sh',
        lines,
      ],
      { env: { PATH: process.env.PATH, AWS_PROFILE: 'prod', AWS_SESSION_TOKEN: 'real' } },
    );
    for (const [key, value] of Object.entries(sandboxEnv(url))) expect(stdout).toContain(`${key}=${value}\n`);
    expect(stdout).toContain('profile=unset token=unset');
    expect(lines).toContain(`unset ${SANDBOX_UNSET.join(' ')}`);
  });

  it('quotes a value with a quote in it so the shell reads it unchanged', async () => {
    const value = `it's $HOME; "x"`;
    const { stdout } = await run('sh', ['-c', `printf %s ${shellQuote(value)}`]);
    expect(stdout).toBe(value);
  });
});

describe('assertPortFree', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  it('fails naming --port when something listens there, and passes --port 0', async () => {
    server = createServer();
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await expect(assertPortFree(port)).rejects.toMatchObject({
      code: 'SandboxPortInUse',
      message: expect.stringContaining(`--port ${port} is in use`),
    });
    await expect(assertPortFree(0)).resolves.toBeUndefined();
  });
});

describe('startInBackground when the sandbox process misbehaves', () => {
  /** A stand-in for bin/run.js: a script run with the same arguments. */
  async function fakeBin(dir: string, source: string): Promise<string> {
    const bin = join(dir, 'fake-run.mjs');
    await writeFile(bin, source);
    return bin;
  }

  it('says it ended before answering, with its exit code and the log it wrote', async () => {
    const dir = await home();
    const bin = await fakeBin(dir, "console.error('cannot bind: the port went away'); process.exit(3);");
    const start = startInBackground({ home: dir, port: 0, host: '127.0.0.1', bin, timeoutMs: 10_000 });
    await expect(start).rejects.toMatchObject({ code: 'SandboxStartFailed', exitCode: 1 });
    await expect(start).rejects.toThrow(/ended before it answered \(exit 3\)/);
    await expect(start).rejects.toThrow(
      `${join(dir, 'sandbox.log')}, says:\ncannot bind: the port went away`,
    );
  });

  it('gives up after its timeout naming the log file, and stops the process it started', async () => {
    const dir = await home();
    const bin = await fakeBin(
      dir,
      "import { writeFileSync } from 'node:fs'; writeFileSync(process.env.ESTATE_SANDBOX_HOME + '/pid', String(process.pid)); console.log('starting, slowly'); setInterval(() => {}, 1000);",
    );
    const began = Date.now();
    const start = startInBackground({ home: dir, port: 0, host: '127.0.0.1', bin, timeoutMs: 1_500 });
    await expect(start).rejects.toMatchObject({ code: 'SandboxStartTimeout' });
    await expect(start).rejects.toThrow(
      `did not answer within 2 s; it was stopped. Its log, ${join(dir, 'sandbox.log')}`,
    );
    // It kept to the 1.5 s it was given, not the 15 s default (not a speed check).
    expect(Date.now() - began).toBeLessThan(15_000);
    const pid = Number(await readFile(join(dir, 'pid'), 'utf8'));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(() => process.kill(pid, 0)).toThrow();
    expect((await readRuntime(dir)).kind).toBe('none');
  });
});

describe('stopSandbox', () => {
  it('kills (SIGKILL) a sandbox that does not end after SIGTERM within the wait, and says so', async () => {
    const dir = await home();
    const stubborn = spawn(
      process.execPath,
      [
        '-e',
        "process.on('SIGTERM', () => {}); console.log('ready'); setInterval(() => {}, 1000)",
        'sandbox',
        'start',
      ],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    cleanups.push(async () => void stubborn.kill('SIGKILL'));
    await new Promise((resolve) => stubborn.stdout!.once('data', resolve));
    await writeFile(runtimeFileIn(dir), JSON.stringify(runtime(stubborn.pid!)));
    const ended = new Promise((resolve) => stubborn.on('exit', (_code, signal) => resolve(signal)));
    const result = await stopSandbox(dir, 300);
    expect(result).toMatchObject({ stopped: true, killed: true, pid: stubborn.pid });
    expect(await ended).toBe('SIGKILL');
    expect((await readRuntime(dir)).kind).toBe('none');
  });

  it('removes a stale runtime file and says nothing was running', async () => {
    const dir = await home();
    await writeFile(runtimeFileIn(dir), JSON.stringify(runtime(await deadPid())));
    expect(await stopSandbox(dir)).toEqual({ home: dir, stopped: false, staleRemoved: true });
    expect((await readRuntime(dir)).kind).toBe('none');
  });
});
