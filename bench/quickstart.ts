/**
 * bench/quickstart: `npm start` (scripts/start.js) as a user runs it, timed whole and per step
 * from the script's own summary (one line per step: its time and the command). Each run starts
 * its own sandbox; the bench fails if a run fails. Needs `npm run build`.
 *
 *   node --import tsx bench/quickstart.ts [--runs 3]
 */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const i = process.argv.indexOf('--runs');
const runs = i > 0 ? Number(process.argv[i + 1]) : 3;
if (!Number.isInteger(runs) || runs < 1)
  throw new Error('--runs: give a whole number of runs, e.g. --runs 3');

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** One `node scripts/start.js`: wall time and each step's time by its command. */
function once(): Promise<{ ms: number; steps: Map<string, number> }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [join(root, 'scripts/start.js')], {
      cwd: root,
      env: { ...process.env, CI: 'true', NO_COLOR: '1' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = performance.now() - started;
      if (code !== 0) return reject(new Error(`npm start exited ${code}\n${stderr.slice(-3000)}`));
      const summary = stderr.slice(stderr.lastIndexOf('\nSteps\n'));
      const steps = new Map<string, number>();
      for (const m of summary.matchAll(/^ {2}✔ +([\d.]+) s {2}estate (.*)$/gm))
        steps.set(m[2]!.replace(/ --.*/, ''), Number(m[1]) * 1000);
      if (steps.size === 0) return reject(new Error(`no step summary in the output\n${stderr.slice(-2000)}`));
      resolve({ ms, steps });
    });
  });
}

const results = [];
for (let run = 1; run <= runs; run++) {
  const r = await once();
  process.stderr.write(`run ${run}/${runs}: ${seconds(r.ms)}\n`);
  results.push(r);
}
console.log('| step | min | median | max |');
console.log('| --- | ---: | ---: | ---: |');
for (const step of results[0]!.steps.keys()) {
  const xs = results.map((r) => r.steps.get(step) ?? NaN);
  console.log(
    `| estate ${step} | ${seconds(Math.min(...xs))} | ${seconds(median(xs))} | ${seconds(Math.max(...xs))} |`,
  );
}
const whole = results.map((r) => r.ms);
console.log(
  `| whole script | ${seconds(Math.min(...whole))} | ${seconds(median(whole))} | ${seconds(Math.max(...whole))} |`,
);
