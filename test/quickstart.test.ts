/**
 * The Quick start (`npm start` = scripts/start.js) end to end, through the same code path as a
 * user's: `node scripts/start.js` in a process of its own, which starts a sandbox with the
 * built binary (`npm run build` first) and runs the story's commands against it. Also: a
 * failing step ends it with exit 1 naming the step, Ctrl-C with 130, and either way the
 * sandbox is stopped and the temporary folder removed.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXAMPLE, ROOT } from './_helpers/cli.js';

interface Run {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * `node scripts/start.js` with no TTY and the caller's env plus `env`; `onStderr` sees the
 * stderr so far after each chunk and may signal the process.
 */
function quickstart(
  env: NodeJS.ProcessEnv = {},
  onStderr?: (stderr: string, child: ReturnType<typeof spawn>) => void,
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'scripts/start.js')], {
      cwd: ROOT,
      env: { ...process.env, CI: 'true', NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => {
      stderr += d;
      onStderr?.(stderr, child);
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** The pid is a process that has not ended (a zombie counts as ended). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const stat = `/proc/${pid}/stat`;
  return !existsSync(stat) || !/^\d+ \(.*\) Z/.test(readFileSync(stat, 'utf8'));
}

/** Processes whose command line names `dir` (Linux; elsewhere none are found). */
function processesNaming(dir: string): number[] {
  if (!existsSync('/proc')) return [];
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p) && Number(p) !== process.pid)
    .filter((p) => {
      try {
        return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(dir);
      } catch {
        return false;
      }
    })
    .map(Number)
    .filter(alive);
}

/** The temporary folder and the sandbox's pid, as the script reports them. */
function reported(run: Run): { work: string; pid?: number } {
  const work = /Working in (\S+): /.exec(run.stderr)?.[1];
  expect(work, run.stderr).toBeDefined();
  const pid = /sandbox at http:\/\/127\.0\.0\.1:\d+ \(pid (\d+)\)/.exec(run.stderr)?.[1];
  return { work: work!, ...(pid ? { pid: Number(pid) } : {}) };
}

/** Nothing is left running or on disk. */
function expectCleanedUp(run: Run): void {
  const { work, pid } = reported(run);
  if (pid !== undefined) expect(alive(pid), `sandbox pid ${pid} still runs`).toBe(false);
  expect(processesNaming(work)).toEqual([]);
  expect(existsSync(work)).toBe(false);
}

const headers = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('$ estate '));

describe('npm start (scripts/start.js)', () => {
  it('runs the whole story against a fresh sandbox, then stops it', async () => {
    const example = readFileSync(EXAMPLE, 'utf8');
    const run = await quickstart();
    const output = `${run.stdout}\n${run.stderr}`;
    expect(run.code, output.slice(-4000)).toBe(0);

    expect(headers(run.stderr)).toEqual([
      '$ estate sandbox start --port 0 --state sandbox-state --json',
      '$ estate apply --yes',
      '$ estate env deploy alice --yes',
      '$ estate env list',
      '$ estate env schedule alice --expires now',
      '$ estate env reap --yes',
      '$ estate account onboard dev-carol --email aws+dev-carol@recall.example.com --owner carol@recall.example.com --sso-group developers --yes',
      '$ estate sandbox stop',
    ]);
    // Every command that talks to AWS said it was the sandbox.
    expect(
      run.stderr.match(/^sandbox: talking to the estate sandbox at http:\/\/127\.0\.0\.1:\d+, not AWS$/gm)
        ?.length,
    ).toBeGreaterThanOrEqual(6);
    // The organisation applied, with its budgets.
    expect(run.stdout).toMatch(/^Apply complete: \d+ applied, 0 failed/m);
    expect(run.stdout).toMatch(/^Applied in .*organisation created.*budgets created/m);
    // alice's environment deployed into dev-alice, and listed there.
    expect(run.stdout).toMatch(/^alice → dev-alice \(\d{12}, eu-west-2\): deployed$/m);
    expect(run.stdout).toMatch(/^alice +dev-alice \(\d{12}\) .*CREATE_COMPLETE/m);
    // Expired, then reaped with its savings.
    expect(run.stdout).toMatch(/^alice \(\d{12}\)\n {2}expires: /m);
    expect(run.stdout).toMatch(
      /✔ alice in dev-alice \(\d{12}\): destroyed \(expired at .*\), saves ~\$\d+\.\d\d\/month/,
    );
    expect(run.stdout).toMatch(/^Estimated saving: ~\$\d+\.\d\d\/month/m);
    // A developer onboarded: a new account with access and a first environment.
    expect(run.stdout).toMatch(/^Welcome aboard: account dev-carol \(\d{12}\)$/m);
    expect(run.stdout).toMatch(/dev-carol-dev expires /);
    // The sandbox stopped, nothing left behind, the repository's example untouched.
    expect(run.stdout).toMatch(/^stopped the sandbox at http:\/\/127\.0\.0\.1:\d+ \(pid \d+\)$/m);
    expect(run.stderr).toMatch(/^Done: the estate story ran end to end/m);
    expectCleanedUp(run);
    expect(readFileSync(EXAMPLE, 'utf8')).toBe(example);
  }, 300_000);

  it('ends 1 naming the failing step, and still stops the sandbox', async () => {
    // A real mistake: an ESTATE_* setting the AWS commands refuse (concurrency must be ≥ 1).
    const run = await quickstart({ ESTATE_CONCURRENCY: '0' });
    expect(run.code, run.stderr.slice(-3000)).toBe(1);
    expect(headers(run.stderr)).toEqual([
      '$ estate sandbox start --port 0 --state sandbox-state --json',
      '$ estate apply --yes',
      '$ estate sandbox stop',
    ]);
    expect(run.stderr).toMatch(
      /^npm start failed at step 2\/8, apply the example estate.*: estate apply --yes$/m,
    );
    expect(run.stdout).toMatch(/^stopped the sandbox at /m);
    expectCleanedUp(run);
  }, 60_000);

  it('stops the sandbox on Ctrl-C and ends 130', async () => {
    let sent = false;
    const run = await quickstart({}, (stderr, child) => {
      if (!sent && stderr.includes('$ estate apply --yes')) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    expect(sent).toBe(true);
    expect(run.code, run.stderr.slice(-3000)).toBe(130);
    expect(headers(run.stderr).at(-1)).toBe('$ estate sandbox stop');
    expect(run.stderr).toMatch(/^npm start was interrupted \(SIGINT\); the sandbox is stopped\.$/m);
    expect(run.stdout).toMatch(/^stopped the sandbox at /m);
    expectCleanedUp(run);
  }, 60_000);
});
