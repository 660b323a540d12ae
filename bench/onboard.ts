/**
 * bench/onboard: `estate account onboard` wall time against the loopback emulator, step by
 * step. A fresh emulated estate (the recall example, applied once through the CLI in-process,
 * Control Tower left out unless --control-tower) onboards N developers one after another,
 * then re-runs the first (which must find every step in place). Each onboarding is what the
 * command does: estate.yaml read and checked, the wiring's `onboardDeps`, `onboardDeveloper`.
 * Steps are timed and their AWS calls counted from the engine's own task events
 * (`onboard:<step>` start and end) against the emulator's request log.
 *
 *   node --import tsx bench/onboard.ts [--developers 5] [--control-tower] [--all-calls]
 */
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { awsClientsFor } from '../src/cli/aws-context.js';
import { onboardDeps } from '../src/cli/wiring.js';
import { loadCheckedConfig } from '../src/config/load-checked.js';
import { onboardingSettings } from '../src/config/onboarding.js';
import { taskEvent, type IoHost } from '../src/core/io.js';
import {
  ONBOARD_STEPS,
  onboardDeveloper,
  type OnboardRequest,
  type OnboardResult,
  type OnboardStep,
} from '../src/core/onboard/onboard.js';
import { EXAMPLE, estate } from '../test/_helpers/cli.js';
import { emulatedEstate, type EmulatedEstate } from '../test/_helpers/estate-emulator.js';
import { median } from './deploy-fanout.js';

const MGMT = '111111111111';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : fallback;
}

interface StepFigure {
  ms: number;
  calls: string[];
  status: string;
}

interface Onboarding {
  readonly name: string;
  readonly ms: number;
  readonly steps: Map<OnboardStep, StepFigure>;
  readonly result: OnboardResult;
}

/** The emulator's request target as `Service.Action`. */
const callName = (target: string) =>
  target
    .replace(/ .*$/, '')
    .replace(/^s3\.(\w+).*/, 's3.$1')
    .replace(/^2010-05-15\./, 'CloudFormation.')
    .replace(/^AWSOrganizationsV20161128\./, 'Organizations.')
    .replace(/^AWSBudgetServiceGateway\./, 'Budgets.')
    .replace(/^AmazonSSM\./, 'SSM.');

/** A silent IoHost that marks where each onboarding step starts and ends in the request log. */
function steppingIo(cloud: EmulatedEstate, steps: Map<OnboardStep, StepFigure>): IoHost {
  const open = new Map<string, { at: number; from: number }>();
  return {
    notify: async (message) => {
      const event = taskEvent(message);
      if (!event || !event.id.startsWith('onboard:')) return;
      const step = event.id.slice('onboard:'.length) as OnboardStep;
      if (process.env.BENCH_VERBOSE)
        process.stderr.write(`  ${step}: ${event.type} ${JSON.stringify(message.message)}\n`);
      const now = performance.now();
      const requests = cloud.emulator.requests.length;
      if (event.type === 'update') return;
      if (event.type === 'start') {
        open.set(step, { at: now, from: requests });
        return;
      }
      const started = open.get(step);
      if (!started) return;
      steps.set(step, {
        ms: now - started.at,
        calls: cloud.emulator.requests.slice(started.from, requests).map((r) => callName(r.target)),
        status: event.type,
      });
    },
    requestResponse: async (request) => request.defaultResponse,
  };
}

/** One `estate account onboard <name> --owner … --sso-user … --yes`, as the command builds it. */
async function onboardOne(cloud: EmulatedEstate, name: string): Promise<Onboarding> {
  const steps = new Map<OnboardStep, StepFigure>();
  const started = performance.now();
  const loaded = await loadCheckedConfig(cloud.file);
  const settings = onboardingSettings(loaded.config);
  const owner = `${name}@acme.example.com`;
  const request: OnboardRequest = {
    name,
    email: loaded.config.organization.emailPattern.replaceAll('{account}', name),
    owner,
    ...(settings.budgetUsd !== undefined ? { budgetUsd: settings.budgetUsd } : {}),
    principal: { kind: 'user', email: owner },
    permissionSet: { ...settings.permissionSet, description: 'estate: developer access' },
    ou: settings.developerOu!,
    environment: { name: `${name}-dev`, blueprints: settings.blueprints, ttl: settings.ttl },
    configWrite: true,
    dryRun: false,
  };
  const clients = awsClientsFor(loaded.config, {}, loaded.dir);
  const result = await onboardDeveloper(
    await onboardDeps(loaded, clients, steppingIo(cloud, steps)),
    request,
  );
  const ms = performance.now() - started;
  for (const s of result.steps) {
    const figure = steps.get(s.step);
    if (figure) figure.status = s.status;
  }
  if (!result.ok)
    throw new Error(
      `onboarding ${name} failed: ${result.steps
        .filter((s) => s.status === 'failed')
        .map((s) => `${s.step}: ${s.detail}`)
        .join('; ')}`,
    );
  return { name, ms, steps, result };
}

/** The recall example, applied: the organisation, its accounts, budgets, Identity Center users. */
async function estateOf(developers: readonly string[], controlTower: boolean): Promise<EmulatedEstate> {
  const config = parse(await readFile(EXAMPLE, 'utf8'));
  if (!controlTower) delete config.controlTower;
  config.environments = [];
  config.onboarding = { blueprints: ['data'], ttl: '48h' };
  const cloud = await emulatedEstate(config, MGMT);
  for (const name of developers) cloud.identityCenter.addUser(`${name}@acme.example.com`);
  process.stderr.write('estate apply…\n');
  const applied = await estate(['apply', '--yes', '--json'], { env: cloud.env, cwd: cloud.dir });
  if (applied.code !== 0)
    throw new Error(`estate apply exited ${applied.code}\n${applied.stderr}\n${applied.stdout.slice(-2000)}`);
  return cloud;
}

const ms = (x: number) => (x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${Math.round(x)} ms`);

function topCalls(calls: readonly string[], n = process.argv.includes('--all-calls') ? Infinity : 4): string {
  const counts = new Map<string, number>();
  for (const c of calls) counts.set(c, (counts.get(c) ?? 0) + 1);
  const sorted = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const shown = sorted.slice(0, n).map(([k, v]) => `${v} ${k}`);
  return sorted.length > n ? `${shown.join(', ')}, …` : shown.join(', ');
}

function table(title: string, runs: readonly Onboarding[]): void {
  console.log(`\n${title}\n`);
  console.log('| step | status | median | max | AWS calls (median) | calls of the last run |');
  console.log('| --- | --- | ---: | ---: | ---: | --- |');
  for (const step of ONBOARD_STEPS) {
    const figures = runs.map((r) => r.steps.get(step)).filter((f): f is StepFigure => f !== undefined);
    if (figures.length === 0) continue;
    const statuses = [...new Set(figures.map((f) => f.status))].join('/');
    const times = figures.map((f) => f.ms);
    const last = figures[figures.length - 1]!;
    console.log(
      `| ${step} | ${statuses} | ${ms(median(times))} | ${ms(Math.max(...times))} | ${median(figures.map((f) => f.calls.length))} | ${topCalls(last.calls) || '–'} |`,
    );
  }
  const whole = runs.map((r) => r.ms);
  const calls = runs.map((r) => [...r.steps.values()].reduce((n, f) => n + f.calls.length, 0));
  console.log(
    `| whole run | | ${ms(median(whole))} | ${ms(Math.max(...whole))} | ${median(calls)} | (load, wiring and steps; ${runs.length} run${runs.length === 1 ? '' : 's'}) |`,
  );
}

async function main() {
  const n = Number(arg('developers', '5'));
  const controlTower = process.argv.includes('--control-tower');
  const developers = Array.from({ length: n }, (_, i) => `dev-bench-${String(i).padStart(2, '0')}`);
  const setup = performance.now();
  const cloud = await estateOf(developers, controlTower);
  const setupMs = performance.now() - setup;
  // The CLI's environment, for this process: endpoints, dummy keys, region, audit log.
  const saved = { ...process.env };
  Object.assign(process.env, cloud.env, { CI: 'true' });
  try {
    const first: Onboarding[] = [];
    const total = performance.now();
    for (const name of developers) {
      process.stderr.write(`onboarding ${name}…\n`);
      first.push(await onboardOne(cloud, name));
    }
    const totalMs = performance.now() - total;
    const again = await onboardOne(cloud, developers[0]!);
    const redone = again.result.steps.filter((s) => s.status === 'done');
    if (redone.length)
      throw new Error(`the re-run did again: ${redone.map((s) => `${s.step} (${s.detail})`).join('; ')}`);
    const accounts = developers.filter((d) => cloud.fake.accountByName(d)).length;
    if (accounts !== n) throw new Error(`${accounts} of ${n} accounts exist after onboarding`);
    console.log(
      `onboard ${n} developers into a fresh emulated estate (recall example${controlTower ? ', with its landing zone' : ', no landing zone'}; estate apply first: ${ms(setupMs)}): ${ms(totalMs)} in all`,
    );
    table(`First onboarding of each of the ${n} developers`, first);
    table(`Re-run for ${developers[0]} (already onboarded)`, [again]);
    // The first onboarding pays the imports (SDK clients, toolkit-lib) the later ones reuse.
    console.log(
      `\nfirst developer: ${ms(first[0]!.ms)}; the others: median ${ms(median(first.slice(1).map((r) => r.ms)))}`,
    );
  } finally {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
    await cloud.close();
  }
}

await main();
