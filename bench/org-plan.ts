/**
 * bench/org-plan: how long `estate plan` takes to read and plan an organisation, and how
 * many AWS calls it makes, for fake organisations of 50 / 300 / 1,000 accounts.
 *
 *   node --import tsx bench/org-plan.ts            # all sizes
 *   node --import tsx bench/org-plan.ts 50 300     # some sizes
 *
 * The fake answers every call after a seeded 20–60 ms latency, behind the same wrappers
 * production uses (AwsClients.wrap: retries + the ORGANIZATIONS rate limits, real clock).
 * The organisation already matches the config, so the plan is empty: what is measured is
 * the read. "floor" is the least time the rate limits allow for the calls made.
 */
import { AwsClients } from '../src/aws/clients.js';
import { organizationsPort } from '../src/aws/organizations.js';
import { ORGANIZATIONS_RATES, DEFAULT_RATE } from '../src/aws/rate-limit.js';
import { withRetries } from '../src/aws/send.js';
import { configSchema, type EstateConfig } from '../src/config/schema.js';
import { applyOrganizationPlan } from '../src/core/org/apply.js';
import { accountTags } from '../src/core/org/desired.js';
import { planOrganization } from '../src/core/org/planner.js';
import { loadPolicySources } from '../src/core/org/policies.js';
import { readSnapshot } from '../src/core/org/snapshot.js';
import { FakeOrganizations, seeded } from '../test/_helpers/fake-organizations.js';

interface Size {
  readonly accounts: number;
  readonly ous: number;
}

const SIZES: Record<number, Size> = {
  50: { accounts: 50, ous: 10 },
  300: { accounts: 300, ous: 30 },
  1000: { accounts: 1000, ous: 100 },
};

const KINDS = ['developer', 'integration', 'prod-multi-tenant'] as const;

/** OUs: one top-level business unit per ten OUs, the rest teams under them; accounts round-robin over teams. */
function makeConfig(size: Size): EstateConfig {
  const units = Math.max(1, Math.ceil(size.ous / 10));
  const tree = Array.from({ length: units }, (_, u) => ({
    name: `BU${u}`,
    children: [] as { name: string; tags: Record<string, string> }[],
  }));
  const teams: string[] = [];
  for (let i = units; i < size.ous; i++) {
    const unit = tree[i % units]!;
    unit.children.push({ name: `Team${i}`, tags: { team: `team-${i}` } });
    teams.push(`${unit.name}/Team${i}`);
  }
  const accounts = Array.from({ length: size.accounts }, (_, i) => ({
    name: `acct-${String(i).padStart(4, '0')}`,
    kind: KINDS[i % KINDS.length],
    ou: teams[i % teams.length],
    tags: { app: `app-${i % 37}` },
  }));
  return configSchema.parse({
    version: 1,
    organization: {
      name: 'bench',
      managementAccountId: '111111111111',
      homeRegion: 'eu-west-2',
      governedRegions: ['eu-west-2', 'eu-west-1'],
      emailPattern: 'aws+{account}@bench.example.com',
    },
    organizationalUnits: tree,
    accounts,
    tags: {
      mandatory: [{ key: 'CostCenter', default: 'shared' }],
      byKind: { developer: { Environment: 'dev' } },
    },
    policies: [
      { name: 'deny-leave-organization', type: 'scp', builtin: 'deny-leave-organization', targets: ['Root'] },
      { name: 'deny-root-user', type: 'scp', builtin: 'deny-root-user', targets: tree.map((u) => u.name) },
      { name: 'require-mandatory-tags', type: 'tag', builtin: 'require-mandatory-tags', targets: ['Root'] },
    ],
  });
}

/** Builds the organisation the config describes, with no latency, through the engine itself. */
async function populate(fake: FakeOrganizations, config: EstateConfig): Promise<void> {
  for (const ou of config.organizationalUnits) {
    fake.addOu('', ou.name, ou.tags ?? {});
    for (const child of ou.children ?? []) fake.addOu(ou.name, child.name, child.tags ?? {});
  }
  for (const account of config.accounts) {
    fake.addAccount({
      name: account.name,
      email: `aws+${account.name}@bench.example.com`,
      ouPath: account.ou,
      tags: accountTags(config, account),
    });
  }
  const port = organizationsPort(withRetries(fake, { sleep: async () => {} }));
  const sources = await loadPolicySources(config, { configDir: process.cwd() });
  const plan = planOrganization(config, await readSnapshot(port), { policySources: sources });
  const result = await applyOrganizationPlan(plan, port, { sleep: async () => {} });
  if (!result.ok) throw new Error(`populating the fake failed: ${JSON.stringify(result.results)}`);
}

function floorSeconds(calls: Record<string, number>): number {
  let floor = 0;
  for (const [op, n] of Object.entries(calls)) {
    const rate = ORGANIZATIONS_RATES[op] ?? DEFAULT_RATE;
    floor = Math.max(floor, Math.max(0, n - rate.burst) / rate.perSecond);
  }
  return floor;
}

async function bench(size: Size) {
  const config = makeConfig(size);
  let latencyOn = false;
  const fake = new FakeOrganizations({
    withOrganization: true,
    seed: size.accounts,
    latencyMs: (_op, random) => (latencyOn ? 20 + Math.floor(random() * 41) : 0),
  });
  await populate(fake, config);
  const sources = await loadPolicySources(config, { configDir: process.cwd() });

  fake.resetCounters();
  latencyOn = true;
  const clients = new AwsClients({
    region: 'eu-west-2',
    credentials: async () => ({ accessKeyId: 'bench', secretAccessKey: 'bench' }),
    retry: { random: seeded(1) },
  });
  const port = organizationsPort(clients.wrap(fake, 'ORGANIZATIONS'));

  const started = performance.now();
  const snapshot = await readSnapshot(port);
  const read = performance.now();
  const plan = planOrganization(config, snapshot, { policySources: sources });
  const planned = performance.now();
  const calls = { ...fake.calls };
  const total = fake.totalCalls();
  const maxInFlight = fake.maxInFlight;

  // The same read without tags: what the tree and policies cost on their own.
  fake.resetCounters();
  const bare = organizationsPort(
    new AwsClients({
      region: 'eu-west-2',
      credentials: async () => ({ accessKeyId: 'bench', secretAccessKey: 'bench' }),
    }).wrap(fake, 'ORGANIZATIONS'),
  );
  const structureStarted = performance.now();
  await readSnapshot(bare, { tags: false });
  const structureSeconds = (performance.now() - structureStarted) / 1000;

  return {
    size,
    readSeconds: (read - started) / 1000,
    planMs: planned - read,
    changes: plan.changes.length,
    calls,
    total,
    maxInFlight,
    floor: floorSeconds(calls),
    structureSeconds,
    structureCalls: fake.totalCalls(),
  };
}

async function main() {
  const wanted = process.argv
    .slice(2)
    .map(Number)
    .filter((n) => SIZES[n]);
  const sizes = (wanted.length ? wanted : [50, 300, 1000]).map((n) => SIZES[n]!);
  console.log(
    'org-plan: read + plan of a matching organisation (latency 20–60 ms/call, production rate limits)\n',
  );
  const rows = [];
  for (const size of sizes) {
    const r = await bench(size);
    rows.push(r);
    console.log(
      `${String(size.accounts).padStart(5)} accounts / ${String(size.ous).padStart(3)} OUs: ` +
        `${r.readSeconds.toFixed(1)} s read (rate-limit floor ${r.floor.toFixed(1)} s), plan ${r.planMs.toFixed(0)} ms, ` +
        `${r.total} calls, ${r.changes} changes, ≤${r.maxInFlight} in flight; ` +
        `without tags ${r.structureSeconds.toFixed(1)} s / ${r.structureCalls} calls`,
    );
    for (const [op, n] of Object.entries(r.calls).sort(([a], [b]) => a.localeCompare(b)))
      console.log(`      ${op.padEnd(36)} ${String(n).padStart(5)}`);
  }
  console.log(
    '\n| accounts | OUs | read (s) | floor (s) | plan (ms) | calls | ListAccountsForParent | ListOUsForParent | ListTagsForResource | without tags (s / calls) |',
  );
  console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows) {
    console.log(
      `| ${r.size.accounts} | ${r.size.ous} | ${r.readSeconds.toFixed(1)} | ${r.floor.toFixed(1)} | ${r.planMs.toFixed(0)} | ${r.total} | ` +
        `${r.calls.ListAccountsForParent ?? 0} | ${r.calls.ListOrganizationalUnitsForParent ?? 0} | ${r.calls.ListTagsForResource ?? 0} | ` +
        `${r.structureSeconds.toFixed(1)} / ${r.structureCalls} |`,
    );
  }
}

await main();
