/**
 * `estate plan`, `apply` and `org status` through the real CLI, against the behavioural
 * Organizations fake served over HTTP on loopback (AWS_ENDPOINT_URL).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { emulatorEnv, startEmulator, type Emulator } from '../../src/emulator/server.js';
import { estate, tempDir } from '../_helpers/cli.js';
import { FakeBudgets } from '../../src/emulator/budgets.js';
import { FakeCostAllocationTags } from '../../src/emulator/cost-allocation-tags.js';
import { FakeOrganizations } from '../../src/emulator/organizations.js';

const MANAGEMENT = '111111111111';

const config = {
  version: 1,
  organization: {
    name: 'acme',
    managementAccountId: MANAGEMENT,
    homeRegion: 'eu-west-2',
    governedRegions: ['eu-west-2', 'us-east-1'],
    emailPattern: 'aws+{account}@acme.example.com',
  },
  organizationalUnits: [{ name: 'Security' }, { name: 'Sandbox' }],
  accounts: [
    { name: 'logs', kind: 'logs', ou: 'Security', owner: 'ops@acme.example.com' },
    { name: 'dev-alice', kind: 'developer', ou: 'Sandbox', owner: 'alice@acme.example.com' },
  ],
  tags: { mandatory: [{ key: 'cost-center', default: 'platform' }] },
  policies: [
    { name: 'deny-leave-organization', type: 'scp', builtin: 'deny-leave-organization', targets: ['Root'] },
  ],
  budgets: {
    alertEmails: ['finops@acme.example.com'],
    byKind: { logs: { monthlyUsd: 100 }, developer: { monthlyUsd: 50 } },
  },
};

let fake: FakeOrganizations;
let budgets: FakeBudgets;
let tags: FakeCostAllocationTags;
let emulator: Emulator;
let dir: string;
let cleanup: () => Promise<void>;
let file: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  file = join(dir, 'estate.yaml');
  await writeFile(file, stringify(config));
  fake = new FakeOrganizations({ callerAccountId: MANAGEMENT, createAccountPolls: 0 });
  budgets = new FakeBudgets();
  tags = new FakeCostAllocationTags(['cost-center', 'estate:env']);
  emulator = await startEmulator({
    callerAccountId: MANAGEMENT,
    services: [
      { targetPrefix: 'AWSOrganizationsV20161128', send: (c) => fake.send(c) },
      { targetPrefix: 'AWSBudgetServiceGateway', send: (c) => budgets.send(c) },
      { targetPrefix: 'AWSInsightsIndexService', send: (c) => tags.send(c) },
    ],
  });
  env = emulatorEnv(emulator.url, join(dir, 'audit.log'));
});
afterAll(async () => {
  await emulator?.close();
  await cleanup?.();
});

describe('estate plan / apply / org status against an emulated organisation', () => {
  it('plans the whole structure with --detailed-exitcode 2 and changes nothing', async () => {
    const r = await estate(['plan', '--config', file, '--json', '--detailed-exitcode'], { env });
    expect(r.code).toBe(2);
    const plan = JSON.parse(r.stdout);
    expect(plan.offline).toBe(false);
    const addresses = plan.changes.map((c: { address: string }) => c.address);
    expect(addresses).toEqual(
      expect.arrayContaining([
        'organization',
        'ou:Security',
        'ou:Sandbox',
        'account:logs',
        'account:dev-alice',
      ]),
    );
    expect(fake.mutatingCalls()).toBe(0);
  });

  it('refuses to apply in CI without --yes, changing nothing', async () => {
    const r = await estate(['apply', '--config', file], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/pass --yes/);
    expect(fake.mutatingCalls()).toBe(0);
  });

  it('shows the plan and changes nothing with --dry-run', async () => {
    const r = await estate(['apply', '--config', file, '--dry-run', '--json'], { env });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ dryRun: true, applied: false });
    expect(fake.mutatingCalls()).toBe(0);
  });

  it('rejects a plan file that is not an estate plan before calling AWS', async () => {
    const bad = join(dir, 'not-a-plan.json');
    await writeFile(bad, '{"nope": 1}');
    const before = emulator.requests.length;
    const r = await estate(['apply', '--config', file, '--plan', bad, '--yes'], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--plan .*not-a-plan\.json: not an estate plan/);
    expect(emulator.requests.length).toBe(before);
  });

  it('stops before any change when the credentials are not the management account', async () => {
    const other = join(dir, 'other.yaml');
    await writeFile(
      other,
      stringify({ ...config, organization: { ...config.organization, managementAccountId: '999999999999' } }),
    );
    const r = await estate(['apply', '--config', other, '--yes'], { env });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/credentials are for account 111111111111.*management account is 999999999999/);
    expect(fake.mutatingCalls()).toBe(0);
  });

  it('applies it with --yes, and the audit log records every mutating call', async () => {
    const r = await estate(['apply', '--config', file, '--yes', '--json'], { env });
    // Only the banner: progress is silent with --json, and it says this is no real AWS.
    expect(r.stderr).toBe(
      `sandbox: talking to an AWS emulator on loopback at ${env.AWS_ENDPOINT_URL}, not AWS\n`,
    );
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.applied).toBe(true);
    expect(out.result.ok).toBe(true);
    expect(out.result.results.every((x: { status: string }) => x.status === 'applied')).toBe(true);
    expect(fake.accountByName('dev-alice')).toBeDefined();
    const audit = (await readFile(join(dir, 'audit.log'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(audit.length).toBe(fake.mutatingCalls() + budgets.mutations().length + tags.updates.length);
    // Budgets for the accounts created in the same run, filtered to their new ids.
    expect(budgets.budget(MANAGEMENT, 'estate-logs-monthly')?.budget.BudgetLimit?.Amount).toBe('100');
    const alice = budgets.budget(MANAGEMENT, 'estate-dev-alice-monthly')!;
    expect(JSON.stringify(alice.budget)).toContain(fake.accountByName('dev-alice')!.id);
    expect(tags.status.get('cost-center')).toBe('Active');
    expect(audit.map((a) => a.action)).toEqual(
      expect.arrayContaining(['CreateOrganization', 'CreateAccount', 'MoveAccount']),
    );
    expect(audit[0].caller).toBe(`arn:aws:iam::${MANAGEMENT}:user/platform`);
  }, 120_000);

  it('applies nothing the second time and plans no changes', async () => {
    fake.resetCounters();
    const mutationsBefore = budgets.mutations().length;
    const again = await estate(['apply', '--config', file, '--yes', '--json'], { env });
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ applied: false });
    expect(fake.mutatingCalls()).toBe(0);
    expect(budgets.mutations()).toHaveLength(mutationsBefore);
    const plan = await estate(['plan', '--config', file, '--detailed-exitcode'], { env });
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain('No changes. The estate matches estate.yaml.');
  });

  it('lists the live tree with its differences from estate.yaml', async () => {
    fake.moveByHand(fake.accountByName('dev-alice')!.id, 'Security');
    const r = await estate(['org', 'status', '--config', file, '--json'], { env });
    expect(r.code).toBe(0);
    const status = JSON.parse(r.stdout);
    const alice = status.rows.find((row: { name: string }) => row.name === 'dev-alice');
    expect(alice).toMatchObject({ kind: 'developer', owner: 'alice@acme.example.com', status: 'ACTIVE' });
    expect(alice.differences).toEqual(['in Security (want Sandbox)']);
    expect(status.inSync).toBe(false);
    const text = await estate(['org', 'status', '--config', file], { env });
    expect(text.stdout).toMatch(
      /Security\/dev-alice\s+\d{12}\s+ACTIVE\s+developer\s+alice@acme.example.com\s+in Security \(want Sandbox\)/,
    );
    const mermaid = await estate(['org', 'status', '--config', file, '--format', 'mermaid'], { env });
    expect(mermaid.stdout).toMatch(/^flowchart LR/);
    expect(mermaid.stdout).toMatch(/class .* drift/);
  });

  it('plans the move back and refuses a saved plan once reality moved again', async () => {
    const saved = join(dir, 'plan.json');
    const plan = await estate(['plan', '--config', file, '--out', saved, '--json'], { env });
    const changes = JSON.parse(plan.stdout).changes;
    expect(changes.map((c: { action: string; address: string }) => `${c.action} ${c.address}`)).toEqual([
      'move account:dev-alice#ou',
    ]);
    fake.moveByHand(fake.accountByName('dev-alice')!.id, 'Sandbox');
    fake.resetCounters();
    const r = await estate(['apply', '--config', file, '--plan', saved, '--yes'], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no longer matches reality/);
    expect(fake.mutatingCalls()).toBe(0);
  });
});

describe('estate apply when AWS refuses one account', () => {
  it('applies the rest, explains the failure in words and exits 1 with the full result', async () => {
    const failing = new FakeOrganizations({
      callerAccountId: MANAGEMENT,
      createAccountPolls: 0,
      failEmails: { 'aws+dev-alice@acme.example.com': 'EMAIL_ALREADY_EXISTS' },
    });
    const emu = await startEmulator({
      callerAccountId: MANAGEMENT,
      services: [
        { targetPrefix: 'AWSOrganizationsV20161128', send: (c) => failing.send(c) },
        { targetPrefix: 'AWSBudgetServiceGateway', send: (c) => new FakeBudgets().send(c) },
        { targetPrefix: 'AWSInsightsIndexService', send: (c) => new FakeCostAllocationTags().send(c) },
      ],
    });
    try {
      const r = await estate(['apply', '--config', file, '--yes', '--json'], {
        env: { ...env, AWS_ENDPOINT_URL: emu.url },
      });
      expect(r.code).toBe(1);
      const out = JSON.parse(r.stdout);
      expect(out.result.ok).toBe(false);
      const status = Object.fromEntries(
        out.result.results.map((x: { address: string; status: string }) => [x.address, x.status]),
      );
      expect(status['account:logs']).toBe('applied');
      expect(status['account:dev-alice']).toBe('failed');
      // What depends on the failed account is skipped, not attempted.
      expect(status['account:dev-alice#ou']).toBe('skipped');
      const failed = out.result.results.find((x: { address: string }) => x.address === 'account:dev-alice');
      expect(failed.message).toMatch(/aws\+dev-alice@acme\.example\.com/);
      expect(failed.message).toMatch(/already/i);
      expect(failing.accountByName('logs')).toBeDefined();
    } finally {
      await emu.close();
    }
  }, 120_000);
});
