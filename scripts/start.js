#!/usr/bin/env node
// `npm start`: the whole estate story with no AWS account, against a fresh sandbox (the estate
// emulator on loopback): apply the bundled example estate, deploy a developer environment, list
// environments across accounts, make one expire, reap it, onboard a developer, stop the sandbox.
// Each step is a real CLI invocation, printed as a user would type it before it runs. The work
// happens in a temporary folder (a copy of the example's estate.yaml, which onboarding writes
// back to; the sandbox's home and state), so the repository and any sandbox of your own are
// left alone. The sandbox is always stopped: after the last step, on a failing step, on Ctrl-C.
// Exit 0 when every step succeeded; else 1 naming the step (130 when interrupted).
// `npm run start:offline` is the offline job: scripts/start-offline.js.
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout, clearTimeout } from 'node:timers';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'bin/run.js');
const example = 'templates/examples/recall/estate.yaml';
/** A step that runs longer is stopped and counts as failed: nothing here should wait on AWS. */
const STEP_TIMEOUT_MS = Number(process.env.ESTATE_QUICKSTART_STEP_TIMEOUT_MS) || 120_000;

if (!existsSync(join(root, 'dist/commands')) || !existsSync(join(root, 'oclif.manifest.json'))) {
  const build = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

const tty = process.stderr.isTTY && !process.env.NO_COLOR;
const bold = (s) => (tty ? `\x1b[1m${s}\x1b[22m` : s);
const dim = (s) => (tty ? `\x1b[2m${s}\x1b[22m` : s);
const say = (s = '') => process.stderr.write(`${s}\n`);
const secs = (ms) => `${(ms / 1000).toFixed(1)} s`;

const work = mkdtempSync(join(tmpdir(), 'estate-quickstart-'));
const home = join(work, 'sandbox-home');
copyFileSync(join(root, example), join(work, 'estate.yaml'));

// The steps see the sandbox's variables and none of the caller's AWS settings that could send a
// call elsewhere (a profile, a session token, a per-service endpoint).
let env = { ...process.env, ESTATE_SANDBOX_HOME: home };
for (const key of Object.keys(env))
  if (/^AWS_(PROFILE|DEFAULT_PROFILE|SESSION_TOKEN|ENDPOINT_URL.*)$/.test(key) || key === 'ESTATE_SANDBOX')
    delete env[key];

const steps = [
  {
    title: 'Start a sandbox: the estate emulator on a free loopback port, its state in a folder',
    args: ['sandbox', 'start', '--port', '0', '--state', 'sandbox-state', '--json'],
    capture: true,
  },
  {
    title: 'Apply the example estate: organisation, OUs, accounts, policies, Control Tower, budgets',
    args: ['apply', '--yes'],
  },
  {
    title: "Deploy alice's developer environment into her account dev-alice",
    args: ['env', 'deploy', 'alice', '--yes'],
  },
  { title: 'List the environments deployed across the accounts', args: ['env', 'list'] },
  {
    title: "Make alice's environment expire now (estate.yaml gives it 72 h)",
    args: ['env', 'schedule', 'alice', '--expires', 'now'],
  },
  { title: 'Reap: destroy what has expired, and say what it saves', args: ['env', 'reap', '--yes'] },
  {
    title: 'Onboard a developer: account, budget, Identity Center access, first environment',
    args: [
      'account',
      'onboard',
      'dev-carol',
      '--email',
      'aws+dev-carol@recall.example.com',
      '--owner',
      'carol@recall.example.com',
      '--sso-group',
      'developers',
      '--yes',
    ],
  },
];
const stopStep = { title: 'Stop the sandbox', args: ['sandbox', 'stop'] };
const total = steps.length + 1;

let current;
let interrupted;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'])
  process.on(signal, () => {
    if (interrupted) return; // the sandbox is being stopped: let that finish
    interrupted = signal;
    say(`\n${signal}: stopping the current step, then the sandbox`);
    current?.kill('SIGTERM');
  });

/** Runs `estate <args>` in the work folder; resolves with its exit code and, if captured, stdout. */
function run(args, { capture = false } = {}) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: work,
      env,
      stdio: ['ignore', capture ? 'pipe' : 'inherit', 'inherit'],
    });
    current = child;
    let stdout = '';
    let timedOut = false;
    child.stdout?.on('data', (d) => (stdout += d));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGTERM');
    }, STEP_TIMEOUT_MS);
    child.on('error', (error) => say(`could not run estate: ${error.message}`));
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      current = undefined;
      resolve({ code: code ?? 1, signal, stdout, timedOut });
    });
  });
}

const timings = [];
async function step(n, { title, args, capture }) {
  say(`\n${dim(`── ${n}/${total}`)} ${bold(title)}`);
  say(`$ estate ${args.join(' ')}`);
  const started = Date.now();
  const result = await run(args, { capture });
  const ms = Date.now() - started;
  timings.push({ args, ms, code: result.code });
  const why = result.timedOut
    ? `stopped after ${secs(STEP_TIMEOUT_MS)}`
    : result.signal
      ? `ended by ${result.signal}`
      : `exit ${result.code}`;
  say(result.code === 0 && !result.signal ? `✔ ${secs(ms)}` : `✖ ${why} after ${secs(ms)}`);
  return result;
}

const began = Date.now();
say(`estate Quick start: the whole story against a sandbox, no AWS account needed.`);
say(`Working in ${work}: estate.yaml is a copy of ${example}; ESTATE_SANDBOX_HOME=${home}.`);
let failed;
let sandbox;
try {
  for (const [i, s] of steps.entries()) {
    if (interrupted) break;
    const result = await step(i + 1, s);
    if (i === 0 && result.code === 0) {
      try {
        sandbox = JSON.parse(result.stdout);
      } catch {
        say(`estate sandbox start --json printed no JSON document:\n${result.stdout}`);
      }
      if (sandbox) {
        env = { ...env, ...sandbox.env };
        for (const key of sandbox.unset ?? []) delete env[key];
        say(`sandbox at ${sandbox.url} (pid ${sandbox.pid}); the steps below run with its environment:`);
        say(
          dim(
            Object.entries(sandbox.env)
              .map(([k, v]) => `  ${k}=${v}`)
              .join('\n'),
          ),
        );
      }
    }
    if (result.code !== 0 || result.signal || (i === 0 && !sandbox)) {
      failed = { n: i + 1, ...s, result };
      break;
    }
  }
} finally {
  // Always, whatever happened above.
  const stopped = await step(total, stopStep);
  if ((stopped.code !== 0 || stopped.signal) && sandbox?.pid) {
    try {
      process.kill(sandbox.pid, 'SIGKILL');
      say(`killed the sandbox (pid ${sandbox.pid})`);
    } catch {
      // already gone
    }
  }
  if (stopped.code !== 0 && !failed) failed = { n: total, ...stopStep, result: stopped };
  rmSync(work, { recursive: true, force: true });
}

say(`\n${bold('Steps')}`);
for (const t of timings)
  say(`  ${t.code === 0 ? '✔' : '✖'} ${secs(t.ms).padStart(7)}  estate ${t.args.join(' ')}`);
say(`  ${secs(Date.now() - began).padStart(9)}  in all`);
if (interrupted) {
  say(`\nnpm start was interrupted (${interrupted}); the sandbox is stopped.`);
  process.exit(130);
}
if (failed) {
  say(
    `\nnpm start failed at step ${failed.n}/${total}, ${failed.title.toLowerCase()}: estate ${failed.args.join(' ')}`,
  );
  say('Its output is above. The sandbox is stopped; run npm start again for a fresh one.');
  process.exit(1);
}
say(`\nDone: the estate story ran end to end against a sandbox, which is stopped.`);
say('Run it yourself: eval "$(estate sandbox start)", then any estate command; estate sandbox stop.');
