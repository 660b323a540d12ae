/**
 * Cold start of `estate --version` against `npx cdk --version` (the CDK CLI users already
 * know), as whole processes. Prints min / median / max wall time of N runs each.
 *   node --import tsx bench/startup.ts [runs]
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const runs = Number(process.argv[2] ?? 10);

export function timeCommand(cmd: string, args: string[], n: number): number[] {
  const times: number[] = [];
  for (let i = 0; i <= n; i++) {
    const start = process.hrtime.bigint();
    const r = spawnSync(cmd, args, { cwd: root, stdio: 'ignore' });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}`);
    if (i > 0) times.push(ms); // first run warms the file cache
  }
  return times.sort((a, b) => a - b);
}

export const median = (xs: number[]) => xs[Math.floor(xs.length / 2)]!;
const fmt = (xs: number[]) =>
  `min ${xs[0]!.toFixed(0)} ms  median ${median(xs).toFixed(0)} ms  max ${xs.at(-1)!.toFixed(0)} ms`;

const estate = timeCommand(process.execPath, [join(root, 'bin/run.js'), '--version'], runs);
const cdk = timeCommand('npx', ['--no-install', 'cdk', '--version'], runs);
console.log(`estate --version    ${fmt(estate)}`);
console.log(`npx cdk --version   ${fmt(cdk)}`);
console.log(`ratio (median)      ${(median(estate) / median(cdk)).toFixed(2)}`);
