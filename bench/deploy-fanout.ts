/**
 * bench/deploy-fanout: `estate env deploy` of the same environment shape (data, auth,
 * api-lambda: three stacks, one Lambda code asset) into 1, 3 and 10 emulated accounts at once,
 * through the built CLI (`bin/run.js`, so `npm run build` first), the real toolkit-lib and the
 * loopback emulator's CloudFormation, S3, SSM and STS. Each run is a fresh emulator, so every
 * run also bootstraps every account. Fan-out is flat when 10 accounts take about as long as 1.
 *
 *   node --import tsx bench/deploy-fanout.ts [--runs 3] [--accounts 1,3,10]
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { emulatedEstate } from '../test/_helpers/estate-emulator.js';
import { ROOT } from '../test/_helpers/cli.js';

const MGMT = '111111111111';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : fallback;
}

export function fanoutConfig(accounts: number): object {
  const names = Array.from({ length: accounts }, (_, i) => `dev-${String(i).padStart(2, '0')}`);
  return {
    version: 1,
    organization: {
      name: 'bench',
      managementAccountId: MGMT,
      homeRegion: 'eu-west-2',
      governedRegions: ['eu-west-2'],
      emailPattern: 'aws+{account}@bench.example.com',
    },
    organizationalUnits: [{ name: 'Developers' }],
    accounts: names.map((name, i) => ({
      name,
      kind: 'developer',
      ou: 'Developers',
      id: String(400_000_000_000 + i),
    })),
    deployments: { executionPolicies: ['arn:aws:iam::aws:policy/PowerUserAccess'] },
    environments: names.map((account, i) => ({
      name: `env-${i}`,
      account,
      blueprints: ['data', 'auth', 'api-lambda'],
      size: 'dev',
      owner: 'bench@bench.example.com',
    })),
  };
}

/** Runs the built CLI (or another node script) and resolves with its exit code and wall time. */
export function timedCli(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  cwd: string,
  bin = join(ROOT, 'bin/run.js'),
): Promise<{ code: number; ms: number; stdout: string; stderr: string }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, CI: 'true', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({ code: code ?? 1, ms: performance.now() - started, stdout, stderr }),
    );
  });
}

export const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
export const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

async function main() {
  const runs = Number(arg('runs', '3'));
  const sizes = arg('accounts', '1,3,10').split(',').map(Number);
  console.log('| accounts | stacks | runs | min | median | max | median ÷ 1 account |');
  console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  let base: number | undefined;
  for (const n of sizes) {
    const times: number[] = [];
    for (let r = 0; r < runs; r++) {
      const cloud = await emulatedEstate(fanoutConfig(n), MGMT);
      try {
        const envs = Array.from({ length: n }, (_, i) => `env-${i}`);
        const res = await timedCli(
          ['env', 'deploy', ...envs, '--yes', '--approve', 'never', '--json'],
          cloud.env,
          cloud.dir,
        );
        if (res.code !== 0) throw new Error(`env deploy exited ${res.code}: ${res.stdout}${res.stderr}`);
        const doc = JSON.parse(res.stdout) as { environments: { status: string }[] };
        const deployed = doc.environments.filter((e) => e.status === 'deployed').length;
        if (deployed !== n) throw new Error(`only ${deployed} of ${n} environments deployed`);
        times.push(res.ms);
      } finally {
        await cloud.close();
      }
    }
    const m = median(times);
    base ??= m;
    console.log(
      `| ${n} | ${n * 3} | ${runs} | ${seconds(Math.min(...times))} | ${seconds(m)} | ${seconds(Math.max(...times))} | ${(m / base).toFixed(2)} |`,
    );
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
