/**
 * bench/org-plan: read + plan of an emulated organisation of 1,000 accounts and 100 OUs,
 * through the real SDK Organizations client (AwsClients: signing, JSON protocol, SDK
 * retries, estate's retries and rate limits) against the loopback emulator
 * (src/emulator/server.ts) serving the Organizations fake, with no added latency.
 *
 *   node --import tsx bench/org-plan.ts                 # 1,000 / 100, few managed; 0 % and 25 % throttling
 *   node --import tsx bench/org-plan.ts --throttle 0,0.3
 *   node --import tsx bench/org-plan.ts --managed all   # estate.yaml names every account (tags of all)
 *   node --import tsx bench/org-plan.ts --accounts 300 --ous 30
 *   node --import tsx bench/org-plan.ts --sdk-retry standard   # SDK client without adaptive rate limiting
 *
 * What runs is what `estate plan` runs for the organisation: organizationSections' read
 * (tags only of what estate.yaml manages) and plan. With --throttle, that fraction of
 * requests is answered TooManyRequestsException (seeded, before the fake sees them).
 * Reported: wall time of read + plan, HTTP requests per operation, throttled answers
 * (each one a retry by the SDK or by estate), and the plan's size.
 */
import { OrganizationsClient, TooManyRequestsException } from '@aws-sdk/client-organizations';
import { AwsClients } from '../src/aws/clients.js';
import { organizationsFor, organizationsPort } from '../src/aws/organizations.js';
import { withRetries } from '../src/aws/send.js';
import { configSchema, type EstateConfig } from '../src/config/schema.js';
import { applyOrganizationPlan } from '../src/core/org/apply.js';
import { accountTags } from '../src/core/org/desired.js';
import { planOrganization } from '../src/core/org/planner.js';
import { loadPolicySources } from '../src/core/org/policies.js';
import { organizationSections } from '../src/core/org/section.js';
import { sectionContext } from '../src/core/plan/engine.js';
import { readSnapshot } from '../src/core/org/snapshot.js';
import type { SectionContext } from '../src/core/plan/section.js';
import { startEmulator } from '../src/emulator/server.js';
import { FakeOrganizations, seeded } from '../src/emulator/organizations.js';

interface Shape {
  readonly accounts: number;
  readonly ous: number;
  /** Accounts estate.yaml names (the rest are in AWS only). */
  readonly managed: number;
}

const KINDS = ['developer', 'integration', 'prod-multi-tenant'] as const;
const MANAGEMENT = '111111111111';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}

/** OUs: one business unit per ten OUs, teams under them; accounts round-robin over teams. */
function layout(shape: Shape) {
  const units = Math.max(1, Math.ceil(shape.ous / 10));
  const tree = Array.from({ length: units }, (_, u) => ({
    name: `BU${u}`,
    children: [] as { name: string; tags: Record<string, string> }[],
  }));
  const teams: string[] = [];
  for (let i = units; i < shape.ous; i++) {
    const unit = tree[i % units]!;
    unit.children.push({ name: `Team${i}`, tags: { team: `team-${i}` } });
    teams.push(`${unit.name}/Team${i}`);
  }
  const accounts = Array.from({ length: shape.accounts }, (_, i) => ({
    name: `acct-${String(i).padStart(4, '0')}`,
    kind: KINDS[i % KINDS.length]!,
    ou: teams[i % teams.length]!,
    tags: { app: `app-${i % 37}` },
  }));
  return { tree, accounts };
}

/** estate.yaml naming the first `managed` accounts and the OUs they sit in. */
function makeConfig(shape: Shape): EstateConfig {
  const { tree, accounts } = layout(shape);
  const named = accounts.slice(0, shape.managed);
  const wanted = new Set(named.map((a) => a.ou));
  const ous = tree
    .map((u) => ({ ...u, children: u.children.filter((c) => wanted.has(`${u.name}/${c.name}`)) }))
    .filter((u) => u.children.length);
  return configSchema.parse({
    version: 1,
    organization: {
      name: 'bench',
      managementAccountId: MANAGEMENT,
      homeRegion: 'eu-west-2',
      governedRegions: ['eu-west-2', 'eu-west-1'],
      emailPattern: 'aws+{account}@bench.example.com',
    },
    organizationalUnits: ous,
    accounts: named,
    tags: {
      mandatory: [{ key: 'CostCenter', default: 'shared' }],
      byKind: { developer: { Environment: 'dev' } },
    },
    policies: [
      { name: 'deny-leave-organization', type: 'scp', builtin: 'deny-leave-organization', targets: ['Root'] },
      { name: 'deny-root-user', type: 'scp', builtin: 'deny-root-user', targets: ous.map((u) => u.name) },
      { name: 'require-mandatory-tags', type: 'tag', builtin: 'require-mandatory-tags', targets: ['Root'] },
    ],
  });
}

/** The whole organisation in the fake (managed part as the config wants it), policies applied. */
async function populate(shape: Shape, config: EstateConfig): Promise<FakeOrganizations> {
  const fake = new FakeOrganizations({ withOrganization: true, seed: shape.accounts });
  const { tree, accounts } = layout(shape);
  for (const unit of tree) {
    fake.addOu('', unit.name);
    for (const team of unit.children) fake.addOu(unit.name, team.name, team.tags);
  }
  const byName = new Map(config.accounts.map((a) => [a.name, a]));
  for (const a of accounts) {
    const managed = byName.get(a.name);
    fake.addAccount({
      name: a.name,
      email: `aws+${a.name}@bench.example.com`,
      ouPath: a.ou,
      tags: managed ? accountTags(config, managed) : { app: a.tags.app },
    });
  }
  const port = organizationsPort(withRetries(fake, { sleep: async () => {} }));
  const sources = await loadPolicySources(config, { configDir: process.cwd() });
  const plan = planOrganization(config, await readSnapshot(port, { tags: false }), {
    policySources: sources,
  });
  const changes = plan.changes.filter((c) => c.action !== 'drift');
  const result = await applyOrganizationPlan({ changes }, port, { sleep: async () => {} });
  if (!result.ok) throw new Error(`populating the fake failed: ${JSON.stringify(result.results)}`);
  return fake;
}

async function run(shape: Shape, throttle: number, sdkRetry: string) {
  const config = makeConfig(shape);
  const fake = await populate(shape, config);
  const random = seeded(42);
  let throttled = 0;
  const emulator = await startEmulator({
    callerAccountId: MANAGEMENT,
    services: [
      {
        targetPrefix: 'AWSOrganizationsV20161128',
        send: async (command) => {
          if (throttle > 0 && random() < throttle) {
            throttled++;
            throw new TooManyRequestsException({ message: 'Rate exceeded', $metadata: {} });
          }
          return fake.send(command);
        },
      },
    ],
  });
  try {
    const clients = new AwsClients({
      region: 'eu-west-2',
      env: { AWS_ENDPOINT_URL: emulator.url },
      credentials: async () => ({ accessKeyId: 'bench', secretAccessKey: 'bench' }),
    });
    // --sdk-retry standard: the same wrappers over an SDK client without the adaptive
    // client-side rate limiter, to show what that limiter costs under throttling.
    const port =
      sdkRetry === 'adaptive'
        ? organizationsFor(clients)
        : organizationsPort(
            clients.wrap(
              new OrganizationsClient({
                ...clients.config('ORGANIZATIONS', 'eu-west-2', async () => ({
                  accessKeyId: 'bench',
                  secretAccessKey: 'bench',
                })),
                retryMode: 'standard',
              }),
              'ORGANIZATIONS',
            ),
          );
    const [org, policies] = organizationSections({
      port,
      policySources: await loadPolicySources(config, { configDir: process.cwd() }),
      readConcurrency: 16,
    });
    const context: SectionContext = sectionContext(config);

    const started = performance.now();
    const snapshot = await org.read(context);
    const read = performance.now();
    const changes = [...org.plan(snapshot, context), ...policies.plan(snapshot, context)];
    const planned = performance.now();

    const requests: Record<string, number> = {};
    for (const r of emulator.requests) {
      const op = r.target.split('.')[1] ?? r.target;
      requests[op] = (requests[op] ?? 0) + 1;
    }
    const drift = changes.filter((c) => c.action === 'drift');
    return {
      shape,
      throttle,
      readSeconds: (read - started) / 1000,
      planMs: planned - read,
      requests,
      total: emulator.requests.length,
      throttled,
      actionable: changes.length - drift.length,
      drift: drift.map((c) => c.summary),
      accounts: snapshot.org.accounts.length,
    };
  } finally {
    await emulator.close();
  }
}

async function main() {
  const accounts = Number(arg('accounts') ?? 1000);
  const ous = Number(arg('ous') ?? 100);
  const managedArg = arg('managed') ?? '12';
  const managed = managedArg === 'all' ? accounts : Math.min(accounts, Number(managedArg));
  const throttles = (arg('throttle') ?? '0,0.25').split(',').map(Number);
  const sdkRetry = arg('sdk-retry') ?? 'adaptive';
  const shape = { accounts, ous, managed };
  console.log(
    `org-plan: read + plan of ${accounts} accounts / ${ous} OUs (${managed} in estate.yaml) through the SDK client ` +
      `against the loopback emulator, no added latency, the rate limits in src/aws/rate-limit.ts, SDK retry mode ${sdkRetry}\n`,
  );
  const rows = [];
  for (const throttle of throttles) {
    const r = await run(shape, throttle, sdkRetry);
    rows.push(r);
    console.log(
      `throttling ${(throttle * 100).toFixed(0).padStart(2)} %: read ${r.readSeconds.toFixed(1)} s, plan ${r.planMs.toFixed(0)} ms; ` +
        `${r.total} requests, ${r.throttled} throttled (each retried); ${r.actionable} changes; ${r.accounts} accounts read`,
    );
    for (const d of r.drift) console.log(`      drift: ${d}`);
    for (const [op, n] of Object.entries(r.requests).sort(([a], [b]) => a.localeCompare(b)))
      console.log(`      ${op.padEnd(36)} ${String(n).padStart(5)}`);
  }
  console.log(
    '\n| accounts / OUs | managed | throttled | read (s) | plan (ms) | requests | throttled answers | ListAccountsForParent | ListOUsForParent | ListTagsForResource |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows)
    console.log(
      `| ${r.shape.accounts} / ${r.shape.ous} | ${r.shape.managed} | ${(r.throttle * 100).toFixed(0)} % | ${r.readSeconds.toFixed(1)} | ${r.planMs.toFixed(0)} | ` +
        `${r.total} | ${r.throttled} | ${r.requests.ListAccountsForParent ?? 0} | ${r.requests.ListOrganizationalUnitsForParent ?? 0} | ${r.requests.ListTagsForResource ?? 0} |`,
    );
}

await main();
