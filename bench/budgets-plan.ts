/**
 * bench/budgets-plan: how many Budgets calls the budgets section's read makes, and how long
 * read + plan take, for estates of 50 / 300 / 1,000 accounts (a budget each, plus one
 * environment budget per five accounts, three notifications per budget).
 *
 *   node --import tsx bench/budgets-plan.ts                 # counts for all sizes, timing for 50
 *   node --import tsx bench/budgets-plan.ts --time 300      # also time up to 300 accounts
 *
 * The fake answers after a seeded 20–60 ms latency, behind the wrappers production uses
 * (AwsClients.wrap: retries + rate limits, real clock; Budgets has no published per-API
 * quota, so the default 5/s, burst 10 per operation applies). The estate already matches
 * the config, so the plan is empty: what is measured is the read. "floor" is the least
 * time the rate limits allow for the calls made.
 */
import { AwsBudgets } from '../src/aws/budgets.js';
import { AwsClients } from '../src/aws/clients.js';
import { DEFAULT_RATE } from '../src/aws/rate-limit.js';
import { silentIoHost } from '../src/core/io.js';
import { configSchema, type EstateConfig } from '../src/config/schema.js';
import { enforcementPolicyOver } from '../src/core/budgets/enforcement-policy.js';
import { budgetsSection } from '../src/core/budgets/section.js';
import { sectionContext } from '../src/core/plan/engine.js';
import { organizationsPort } from '../src/aws/organizations.js';
import { FakeBudgets } from '../src/emulator/budgets.js';
import { FakeOrganizations, seeded } from '../src/emulator/organizations.js';

const MGMT = '111111111111';

function makeConfig(accounts: number): EstateConfig {
  return configSchema.parse({
    version: 1,
    organization: {
      name: 'bench',
      managementAccountId: MGMT,
      homeRegion: 'eu-west-2',
      governedRegions: ['eu-west-2'],
      emailPattern: 'aws+{account}@bench.example.com',
    },
    organizationalUnits: [{ name: 'Workloads' }],
    accounts: Array.from({ length: accounts }, (_, i) => ({
      name: `acct-${String(i).padStart(4, '0')}`,
      kind: i % 2 ? 'developer' : 'integration',
      ou: 'Workloads',
      id: String(300_000_000_000 + i),
    })),
    budgets: {
      alertEmails: ['finops@bench.example.com', 'platform@bench.example.com'],
      byKind: { developer: { monthlyUsd: 100 }, integration: { monthlyUsd: 400 } },
    },
    environments: Array.from({ length: Math.floor(accounts / 5) }, (_, i) => ({
      name: `env-${i}`,
      account: `acct-${String(i * 5).padStart(4, '0')}`,
      blueprints: ['data'],
      budgetUsd: 50,
    })),
  });
}

const ids = (config: EstateConfig) => new Map(config.accounts.map((a) => [a.name, a.id!]));

async function setUp(accounts: number) {
  const config = makeConfig(accounts);
  const fake = new FakeBudgets();
  const org = new FakeOrganizations({ withOrganization: true, callerAccountId: MGMT });
  const policy = enforcementPolicyOver(organizationsPort(org));
  // Converge first, fast and unwrapped.
  const quick = budgetsSection({
    budgets: new AwsBudgets(() => fake),
    costAllocationTags: {
      listCostAllocationTags: async () => [],
      activateCostAllocationTags: async () => [],
    },
    enforcementPolicy: policy,
    managementAccountId: async () => MGMT,
  });
  const context = sectionContext(config, { outputs: { accountIds: ids(config), ouIds: new Map() } });
  const changes = quick.plan(await quick.read(context), context);
  await quick.apply(changes, {
    ...context,
    io: silentIoHost,
    concurrency: 16,
    record: { accountCreated: () => {}, ouCreated: () => {} },
  });
  return { config, fake, policy };
}

async function measure(accounts: number, timed: boolean) {
  const { config, fake, policy } = await setUp(accounts);
  const random = seeded(7);
  const slow = {
    send: async (command: never) => {
      await new Promise((r) => setTimeout(r, 20 + random() * 40));
      return fake.send(command);
    },
  };
  const clients = new AwsClients({
    region: 'eu-west-2',
    credentials: async () => ({ accessKeyId: 'a', secretAccessKey: 'b' }),
  });
  const before = { ...fake.calls };
  const section = budgetsSection({
    budgets: new AwsBudgets((home) => clients.wrap(slow, 'BUDGETS', home)),
    costAllocationTags: {
      listCostAllocationTags: async () => [],
      activateCostAllocationTags: async () => [],
    },
    enforcementPolicy: policy,
    managementAccountId: async () => MGMT,
  });
  const context = sectionContext(config, { outputs: { accountIds: ids(config), ouIds: new Map() } });
  const calls: Record<string, number> = {};
  let ms: number | undefined;
  let planned = 0;
  if (timed) {
    const start = performance.now();
    const snapshot = await section.read(context);
    planned = section.plan(snapshot, context).length;
    ms = performance.now() - start;
    for (const [op, n] of Object.entries(fake.calls)) {
      const d = n - (before[op] ?? 0);
      if (d) calls[op] = d;
    }
  } else {
    // Count without waiting: the same read, unwrapped.
    const counting = budgetsSection({
      budgets: new AwsBudgets(() => fake),
      costAllocationTags: {
        listCostAllocationTags: async () => [],
        activateCostAllocationTags: async () => [],
      },
      enforcementPolicy: policy,
      managementAccountId: async () => MGMT,
    });
    planned = counting.plan(await counting.read(context), context).length;
    for (const [op, n] of Object.entries(fake.calls)) {
      const d = n - (before[op] ?? 0);
      if (d) calls[op] = d;
    }
  }
  const floor = Math.max(
    ...Object.values(calls).map((n) => Math.max(0, n - DEFAULT_RATE.burst) / DEFAULT_RATE.perSecond),
  );
  const budgets = config.accounts.length + config.environments.length;
  const total = Object.values(calls).reduce((s, n) => s + n, 0);
  console.log(
    `${String(accounts).padStart(5)} accounts, ${budgets} budgets: ${total} calls (${Object.entries(calls)
      .map(([op, n]) => `${op} ${n}`)
      .join(
        ', ',
      )}); floor ${floor.toFixed(0)} s; ${ms === undefined ? 'not timed' : `read+plan ${(ms / 1000).toFixed(1)} s`}; ${planned} changes`,
  );
}

const args = process.argv.slice(2);
const timeIndex = args.indexOf('--time');
const timeUpTo = timeIndex >= 0 ? Number(args[timeIndex + 1]) : 50;
for (const size of [50, 300, 1000]) await measure(size, size <= timeUpTo);
