/**
 * `estate sandbox` through the built binary (`npm run build` first), as a person uses it:
 * start in the background, point a shell at it, talk to it, a second start refused, stop.
 * Each run gets a temporary ESTATE_SANDBOX_HOME and --port 0, so nothing touches
 * ~/.estate or port 4566; whatever a test started is stopped in afterAll. Also: the sandbox
 * banner, the first progress line of every command that talks to AWS.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ROOT, estate, estateProcess, tempDir, type CliResult } from '../_helpers/cli.js';
import { minimalConfig } from '../_helpers/config.js';
import { emulatedEstate, type EmulatedEstate } from '../_helpers/estate-emulator.js';

const execFileP = promisify(execFile);
const BIN = join(ROOT, 'bin/run.js');
const STEP = 60_000;
const MGMT = '111111111111';

const homes: { dir: string; cleanup: () => Promise<void> }[] = [];
/** A fresh ESTATE_SANDBOX_HOME; afterAll stops what runs there and removes it. */
async function newHome(): Promise<string> {
  const home = await tempDir('estate-sandbox-');
  homes.push(home);
  return home.dir;
}
afterAll(async () => {
  for (const { dir, cleanup } of homes) {
    await estateProcess(['sandbox', 'stop'], { env: { ESTATE_SANDBOX_HOME: dir } });
    await cleanup();
  }
}, STEP);

const EXPORT_LINE = /^export [A-Z][A-Z0-9_]*='[^']*'$/;
const exportsOf = (stdout: string): Record<string, string> =>
  Object.fromEntries(
    stdout
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('export '))
      .map((l) => /^export ([A-Z0-9_]+)='(.*)'$/.exec(l)!.slice(1) as [string, string]),
  );
/** The pid is a process that has not ended (an ended one not yet reaped by init is a zombie: ended). */
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^[ZX]/.test(stat.slice(stat.lastIndexOf(')') + 2));
  } catch {
    return process.platform !== 'linux';
  }
};
const runtimeOf = async (home: string) => JSON.parse(await readFile(join(home, 'sandbox.json'), 'utf8'));

/** Runs `script` in sh with the caller's env plus `env`, in the repository (node_modules resolves). */
async function sh(script: string, env: NodeJS.ProcessEnv): Promise<string> {
  const { stdout } = await execFileP('sh', ['-c', script], {
    cwd: ROOT,
    env: { ...process.env, CI: 'true', ...env },
    timeout: 30_000,
  });
  return stdout;
}

describe('estate sandbox through the built binary: start, use, refuse a second, stop', () => {
  let home: string;
  let env: NodeJS.ProcessEnv;
  let started: CliResult;
  let url: string;
  let pid: number;

  beforeAll(async () => {
    home = await newHome();
    env = { ESTATE_SANDBOX_HOME: home };
    started = await estateProcess(['sandbox', 'start', '--port', '0'], { env });
  }, STEP);

  it('starts in the background and prints export lines on stdout, the explanation on stderr', async () => {
    expect(started.code, started.stderr).toBe(0);
    const lines = started.stdout.trim().split('\n');
    expect(lines.filter((l) => !EXPORT_LINE.test(l))).toEqual([
      'unset AWS_PROFILE AWS_SESSION_TOKEN AWS_DEFAULT_PROFILE',
    ]);
    const vars = exportsOf(started.stdout);
    url = vars.ESTATE_SANDBOX!;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(vars.AWS_ENDPOINT_URL).toBe(url);
    expect(vars.AWS_ENDPOINT_URL_S3_FOR_CLOUDFORMATION).toBe(url);
    expect(started.stderr).toContain('eval "$(estate sandbox start)"');
    expect(started.stderr).toContain(join(home, 'sandbox.log'));
    const runtime = await runtimeOf(home);
    pid = runtime.pid;
    expect(runtime).toMatchObject({ url, host: '127.0.0.1', port: Number(new URL(url).port) });
    expect(runtime.port).not.toBe(4566);
    expect(alive(pid)).toBe(true);
  });

  it('status: exit 0 and one JSON document naming it', async () => {
    const r = await estateProcess(['sandbox', 'status', '--json'], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      running: true,
      answering: true,
      url,
      pid,
      home,
      counts: { organization: false, accounts: 0 },
    });
    const human = await estateProcess(['sandbox', 'status'], { env });
    expect(human.code).toBe(0);
    expect(human.stdout).toContain(`the sandbox is running at ${url}`);
  });

  it('env: the same lines; an AWS SDK call made in a shell that evaluated them reaches the sandbox', async () => {
    const r = await estateProcess(['sandbox', 'env'], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(started.stdout);
    // A shell with a real profile set: eval unsets it, and the SDK's default chain finds
    // the sandbox's keys and endpoint in the environment alone.
    const out = await sh(
      `eval "$(node ${BIN} sandbox env)" && node --input-type=module -e "
        import { OrganizationsClient, CreateOrganizationCommand } from '@aws-sdk/client-organizations';
        const out = await new OrganizationsClient({}).send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
        console.log(out.Organization.MasterAccountId, process.env.AWS_PROFILE ?? 'no-profile');
      "`,
      { ...env, AWS_PROFILE: 'production', AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '' },
    );
    expect(out.trim()).toBe(`${MGMT} no-profile`);
    // The organisation the SDK created is the sandbox's own.
    const status = JSON.parse((await estateProcess(['sandbox', 'status', '--json'], { env })).stdout);
    expect(status.counts).toEqual({ organization: true, accounts: 1 });
    const json = await estateProcess(['sandbox', 'env', '--json'], { env });
    expect(JSON.parse(json.stdout)).toMatchObject({ url, env: { AWS_ENDPOINT_URL: url } });
  });

  it('a command that talks to AWS says first, on stderr, that it is talking to the sandbox', async () => {
    const dir = join(home, 'project');
    await execFileP('mkdir', ['-p', dir]);
    const file = join(dir, 'estate.yaml');
    const config = minimalConfig();
    config.organization.managementAccountId = MGMT;
    await writeFile(file, stringify(config));
    const sandboxed = exportsOf(started.stdout);
    const r = await estateProcess(['org', 'status', '--config', file, '--json'], {
      env: { ...env, ...sandboxed, ESTATE_AUDIT_LOG: join(dir, 'audit.log') },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr.split('\n')[0]).toBe(`sandbox: talking to the estate sandbox at ${url}, not AWS`);
    expect(r.stdout).not.toContain('sandbox:');
    expect(JSON.parse(r.stdout)).toBeTypeOf('object');
  });

  it('refuses a second start for the same home, naming the running one and estate sandbox stop (exit 1)', async () => {
    const r = await estateProcess(['sandbox', 'start', '--port', '0'], { env });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`a sandbox is already running for ${home}: pid ${pid} at ${url}`);
    expect(r.stderr).toContain('estate sandbox stop');
    expect((await runtimeOf(home)).pid).toBe(pid);
  });

  it(
    'stop: exit 0, the process gone, the runtime file removed; then status and env exit 1, stop again 0',
    async () => {
      const r = await estateProcess(['sandbox', 'stop'], { env });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain(`stopped the sandbox at ${url} (pid ${pid})`);
      expect(alive(pid)).toBe(false);
      expect(existsSync(join(home, 'sandbox.json'))).toBe(false);
      await expect(fetch(url, { signal: AbortSignal.timeout(2_000) })).rejects.toThrow();

      const status = await estateProcess(['sandbox', 'status', '--json'], { env });
      expect(status.code).toBe(1);
      expect(JSON.parse(status.stdout)).toEqual({ running: false, home });
      const envAfter = await estateProcess(['sandbox', 'env'], { env });
      expect(envAfter.code).toBe(1);
      expect(envAfter.stdout).toBe('');
      expect(envAfter.stderr).toContain(`no sandbox is running for ${home}`);
      expect(envAfter.stderr).toContain('eval "$(estate sandbox start)"');
      const again = await estateProcess(['sandbox', 'stop', '--json'], { env });
      expect(again.code).toBe(0);
      expect(JSON.parse(again.stdout)).toEqual({ home, stopped: false });
    },
    STEP,
  );
});

describe('estate sandbox start refusals', () => {
  it('refuses --host 0.0.0.0 (exit 2, nothing started)', async () => {
    const home = await newHome();
    const r = await estateProcess(['sandbox', 'start', '--host', '0.0.0.0', '--port', '0'], {
      env: { ESTATE_SANDBOX_HOME: home },
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--host 0.0.0.0 is not a loopback address');
    expect(r.stdout).toBe('');
    expect(existsSync(join(home, 'sandbox.json'))).toBe(false);
  });

  it('refuses a --port in use, naming --port (exit 1), with --json one error document', async () => {
    const home = await newHome();
    const server: Server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    try {
      const r = await estateProcess(['sandbox', 'start', '--port', String(port), '--json'], {
        env: { ESTATE_SANDBOX_HOME: home },
      });
      expect(r.code).toBe(1);
      expect(JSON.parse(r.stdout)).toMatchObject({
        error: { code: 'SandboxPortInUse', message: expect.stringContaining(`--port ${port} is in use`) },
      });
      expect(existsSync(join(home, 'sandbox.json'))).toBe(false);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('estate sandbox start over a stale runtime file', () => {
  it(
    'replaces it (its pid is gone), says so, and prints one JSON document with --json',
    async () => {
      const home = await newHome();
      const gone = spawn(process.execPath, ['-e', '']);
      await new Promise((resolve) => gone.on('exit', resolve));
      await writeFile(
        join(home, 'sandbox.json'),
        JSON.stringify({ pid: gone.pid, url: 'http://127.0.0.1:1', port: 1, host: '127.0.0.1' }),
      );
      const r = await estateProcess(['sandbox', 'start', '--port', '0', '--json'], {
        env: { ESTATE_SANDBOX_HOME: home },
      });
      expect(r.code, r.stderr).toBe(0);
      const doc = JSON.parse(r.stdout);
      expect(doc).toMatchObject({ stateDir: null, env: { AWS_ENDPOINT_URL: doc.url } });
      expect(doc.pid).not.toBe(gone.pid);
      expect(doc.replacedStale).toBe(`${join(home, 'sandbox.json')}: its process ${gone.pid} is gone`);
      expect((await runtimeOf(home)).pid).toBe(doc.pid);
      const stop = await estateProcess(['sandbox', 'stop'], { env: { ESTATE_SANDBOX_HOME: home } });
      expect(stop.code).toBe(0);
      expect(alive(doc.pid)).toBe(false);
    },
    STEP,
  );
});

describe('estate sandbox start --foreground', () => {
  it(
    'serves in the process until SIGTERM, prints the env at start, then closes and removes its runtime file',
    async () => {
      const home = await newHome();
      const child = spawn(process.execPath, [BIN, 'sandbox', 'start', '--foreground', '--port', '0'], {
        env: { ...process.env, CI: 'true', ESTATE_SANDBOX_HOME: home },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      try {
        const deadline = Date.now() + 20_000;
        while (!stdout.includes('unset ') && Date.now() < deadline)
          await new Promise((r) => setTimeout(r, 100));
        const url = exportsOf(stdout).AWS_ENDPOINT_URL!;
        expect(url, stderr).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
        expect(stderr).toContain('Ctrl-C here stops it');
        const status = await estateProcess(['sandbox', 'status', '--json'], {
          env: { ESTATE_SANDBOX_HOME: home },
        });
        expect(JSON.parse(status.stdout)).toMatchObject({ running: true, pid: child.pid, url });
        child.kill('SIGTERM');
        expect(await exited).toBe(0);
        expect(stderr).toContain('SIGTERM: stopping');
        expect(existsSync(join(home, 'sandbox.json'))).toBe(false);
      } finally {
        if (child.exitCode === null) child.kill('SIGKILL');
      }
    },
    STEP,
  );
});

describe('the sandbox banner, in process against the emulated estate', () => {
  let cloud: EmulatedEstate;
  beforeAll(async () => {
    const config = minimalConfig();
    config.organization.managementAccountId = MGMT;
    config.accounts = config.accounts.map((a: { name: string }, i: number) => ({
      ...a,
      id: `22222222222${i}`,
    }));
    cloud = await emulatedEstate(config, MGMT);
  }, STEP);
  afterAll(() => cloud?.close());
  const banner = () => `sandbox: talking to an AWS emulator on loopback at ${cloud.url}, not AWS`;

  it('is the first line on stderr of estate org status', async () => {
    const r = await estate(['org', 'status', '--config', cloud.file], { env: cloud.env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr.split('\n')[0]).toBe(banner());
    expect(r.stdout).not.toContain('sandbox:');
  });

  it('is the first line on stderr of estate env list, and stays on stderr with --json', async () => {
    const r = await estate(['env', 'list', '--config', cloud.file, '--json'], { env: cloud.env });
    expect(r.stderr.split('\n')[0]).toBe(banner());
    expect(JSON.parse(r.stdout)).toBeTypeOf('object');
    expect(r.stdout).not.toContain('sandbox:');
  });

  it('is not said by offline commands: config validate, graph, plan --offline', async () => {
    for (const args of [['config', 'validate'], ['graph'], ['plan', '--offline']]) {
      const r = await estate([...args, '--config', cloud.file], { env: cloud.env });
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).not.toBe(2);
      expect(r.stderr, args.join(' ')).not.toContain('sandbox:');
    }
  });
});

describe('estate sandbox start --state', () => {
  it(
    'keeps what was made across a stop and a start with the same --state folder',
    async () => {
      const home = await newHome();
      const state = join(home, 'state');
      const env = { ESTATE_SANDBOX_HOME: home };
      const first = await estateProcess(['sandbox', 'start', '--port', '0', '--state', state, '--json'], {
        env,
      });
      expect(first.code, first.stderr).toBe(0);
      expect(JSON.parse(first.stdout)).toMatchObject({ stateDir: state, restored: false });
      await sh(
        `eval "$(node ${BIN} sandbox env)" && node --input-type=module -e "
          import { OrganizationsClient, CreateOrganizationCommand } from '@aws-sdk/client-organizations';
          await new OrganizationsClient({}).send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
        "`,
        env,
      );
      expect((await estateProcess(['sandbox', 'stop'], { env })).code).toBe(0);
      expect(existsSync(join(state, 'sandbox.json'))).toBe(true);

      const second = await estateProcess(['sandbox', 'start', '--port', '0', '--state', state], { env });
      expect(second.code, second.stderr).toBe(0);
      expect(second.stderr).toContain(`its state is kept in ${state} (restored from there)`);
      const status = JSON.parse((await estateProcess(['sandbox', 'status', '--json'], { env })).stdout);
      expect(status).toMatchObject({
        stateDir: state,
        restored: true,
        counts: { organization: true, accounts: 1 },
      });
      expect((await estateProcess(['sandbox', 'stop'], { env })).code).toBe(0);
    },
    STEP,
  );
});
