/**
 * In-process synthesis times: each blueprint alone (dev and prod), a five-blueprint and a
 * six-blueprint environment, and `synthEnvironment` cold versus cached (the second call of
 * `estate blueprint synth` with unchanged inputs). aws-cdk-lib is imported once before timing;
 * its import time is printed separately. Target: five blueprints under 1.5 s (median).
 *   node --import tsx bench/synth.ts [runs] [--validate]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BlueprintName } from '../src/blueprints/catalog.js';
import type { SynthResult } from '../src/core/env/synth.js';
import { configSchema, type EstateConfig } from '../src/config/schema.js';

const args = process.argv.slice(2);
const child = args.indexOf('--child');
const runs = Number(args.find((a) => /^\d+$/.test(a)) ?? 7);
const withValidation = args.includes('--validate');
const TARGET_MS = 1500;

if (child >= 0) {
  // One `estate blueprint synth` worth of work in a fresh process (see the end of this file).
  const { synthEnvironment } = await import('../src/core/env/synth.js');
  const cfg = JSON.parse(args[child + 1]!) as EstateConfig;
  const r = await synthEnvironment(cfg, 'dev', {
    configDir: tmpdir(),
    outDir: args[child + 2]!,
    force: args[child + 3] === 'force',
  });
  process.stdout.write(JSON.stringify({ cached: r.cached }));
  process.exit(0);
}

const importStart = performance.now();
const cdk = await import('aws-cdk-lib');
const { composeEnvironment } = await import('../src/blueprints/compose.js');
const { synthEnvironment } = await import('../src/core/env/synth.js');
const importMs = performance.now() - importStart;

const scratch = mkdtempSync(join(tmpdir(), 'estate-bench-'));

function config(
  envs: { name: string; blueprints: BlueprintName[]; size: 'dev' | 'prod'; settings?: object }[],
): EstateConfig {
  return configSchema.parse({
    version: 1,
    organization: {
      name: 'bench',
      homeRegion: 'eu-west-2',
      governedRegions: ['eu-west-2', 'us-east-1'],
      emailPattern: 'aws+{account}@bench.example.com',
    },
    organizationalUnits: [{ name: 'Workloads' }],
    accounts: [{ name: 'workload', kind: 'developer', ou: 'Workloads' }],
    blueprints: {
      edge: {
        fronts: 'api',
        domainName: 'app.bench.example.com',
        hostedZoneId: 'Z0123456789ABCDEFGHIJ',
        hostedZoneName: 'bench.example.com',
      },
      auth: {
        callbackUrls: ['https://app.bench.example.com/'],
        email: { fromEmail: 'no-reply@bench.example.com' },
      },
      'api-eks': { availabilityZones: ['eu-west-2a', 'eu-west-2b'] },
      data: {
        tables: [
          { name: 'users', partitionKey: { name: 'userId' } },
          { name: 'notes', partitionKey: { name: 'userId' }, sortKey: { name: 'noteId' } },
        ],
      },
    },
    environments: envs.map((e) => ({ ...e, account: 'workload' })),
  });
}

/** What a blueprint needs in its environment to be built (the API's JWT authorizer needs auth...). */
const NEEDS: Partial<Record<BlueprintName, BlueprintName[]>> = {
  'api-lambda': ['auth'],
  observability: ['data', 'auth', 'api-lambda'],
};

function timeCompose(cfg: EstateConfig): number[] {
  const times: number[] = [];
  for (let i = 0; i <= runs; i++) {
    const outdir = mkdtempSync(join(scratch, 'app-'));
    const start = performance.now();
    const app = new cdk.App({ outdir, builtinCloudFormationValidation: false });
    composeEnvironment(app, cfg, cfg.environments[0]!, { configDir: scratch });
    app.synth();
    const ms = performance.now() - start;
    rmSync(outdir, { recursive: true, force: true });
    if (i > 0) times.push(ms); // the first run warms the JIT
  }
  return times.sort((a, b) => a - b);
}

const median = (xs: number[]) => xs[Math.floor(xs.length / 2)]!;
const fmt = (xs: number[]) =>
  `median ${median(xs).toFixed(0).padStart(5)} ms   min ${xs[0]!.toFixed(0).padStart(5)}   max ${xs.at(-1)!.toFixed(0).padStart(5)}`;

console.log(
  `aws-cdk-lib + blueprints import   ${importMs.toFixed(0)} ms (once per process, not in the figures below)`,
);
console.log(
  `${runs} timed runs each after one warm-up; each run builds a new App and writes a cloud assembly\n`,
);

const single: BlueprintName[] = ['data', 'ai', 'auth', 'api-lambda', 'api-eks', 'edge', 'observability'];
for (const bp of single) {
  for (const size of ['dev', 'prod'] as const) {
    const needs = NEEDS[bp] ?? [];
    // Alone, edge does not front the API (that needs api-lambda and auth too).
    const settings = bp === 'edge' ? { edge: { fronts: 'none' as const } } : undefined;
    const cfg = config([{ name: size, blueprints: [...needs, bp], size, settings }]);
    const label = `${bp}${needs.length ? ` (+${needs.join(', ')})` : ''} ${size}`;
    console.log(`${label.padEnd(46)} ${fmt(timeCompose(cfg))}`);
  }
}

console.log('');
const five: BlueprintName[] = ['edge', 'auth', 'data', 'api-lambda', 'ai'];
const six: BlueprintName[] = [...five, 'observability'];
const results: Record<string, number> = {};
for (const [label, blueprints] of [
  ['five blueprints', five],
  ['six blueprints', six],
] as const) {
  for (const size of ['dev', 'prod'] as const) {
    const t = timeCompose(config([{ name: size, blueprints: [...blueprints], size }]));
    results[`${label} ${size}`] = median(t);
    const verdict =
      label === 'five blueprints'
        ? median(t) < TARGET_MS
          ? '  (target < 1500 ms: met)'
          : '  (target < 1500 ms: MISSED)'
        : '';
    console.log(`${`${label} (${size})`.padEnd(46)} ${fmt(t)}${verdict}`);
  }
}

// synthEnvironment as the CLI calls it: cold (forced) and cached (unchanged inputs).
const cfg = config([{ name: 'dev', blueprints: six, size: 'dev' }]);
const outDir = join(scratch, 'cdk.out');
const cold: number[] = [];
const warm: number[] = [];
let last: SynthResult | undefined;
for (let i = 0; i <= runs; i++) {
  const a = await synthEnvironment(cfg, 'dev', { configDir: scratch, outDir, force: true });
  const b = await synthEnvironment(cfg, 'dev', { configDir: scratch, outDir });
  if (!b.cached) throw new Error('second synth was not served from the cache');
  if (i > 0) {
    cold.push(a.durationMs);
    warm.push(b.durationMs);
  }
  last = b;
}
cold.sort((x, y) => x - y);
warm.sort((x, y) => x - y);
console.log('');
console.log(`${'synthEnvironment, cold'.padEnd(46)} ${fmt(cold)}`);
console.log(
  `${'synthEnvironment, cached'.padEnd(46)} ${fmt(warm)}  (${((median(warm) / median(cold)) * 100).toFixed(1)} % of cold)`,
);
console.log(`${last!.stacks.length} stacks, ${last!.stacks.reduce((n, s) => n + s.resources, 0)} resources`);

// The same in fresh processes, as a user runs the command twice: startup and imports included.
const process_ = { cold: [] as number[], cached: [] as number[] };
for (let i = 0; i < 3; i++) {
  for (const mode of ['force', 'reuse'] as const) {
    const start = performance.now();
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', JSON.stringify(cfg), outDir, mode],
      { encoding: 'utf8' },
    );
    if (r.status !== 0) throw new Error(r.stderr);
    const cached = (JSON.parse(r.stdout) as { cached: boolean }).cached;
    if (cached !== (mode === 'reuse')) throw new Error(`unexpected cache state in ${mode} run`);
    (mode === 'force' ? process_.cold : process_.cached).push(performance.now() - start);
  }
}
process_.cold.sort((x, y) => x - y);
process_.cached.sort((x, y) => x - y);
console.log(`${'fresh process, synth (cold)'.padEnd(46)} ${fmt(process_.cold)}`);
console.log(
  `${'fresh process, synth (cached)'.padEnd(46)} ${fmt(process_.cached)}  (${((median(process_.cached) / median(process_.cold)) * 100).toFixed(0)} % of cold)`,
);

if (withValidation) {
  const start = performance.now();
  const v = await synthEnvironment(cfg, 'dev', { configDir: scratch, outDir, force: true, validate: true });
  console.log(
    `${'synthEnvironment --validate'.padEnd(46)} ${(performance.now() - start).toFixed(0)} ms (one run; ok=${v.validation?.ok})`,
  );
}
rmSync(scratch, { recursive: true, force: true });
