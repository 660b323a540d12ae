/**
 * `estate plan` / `apply` with --section and --account, through the real CLI against the
 * emulated organisation, budgets and cost allocation tags on loopback.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { estate } from '../_helpers/cli.js';
import { minimalConfig } from '../_helpers/config.js';
import { emulatedEstate, type EmulatedEstate } from '../_helpers/estate-emulator.js';
import type { FakeBudgets } from '../../src/emulator/budgets.js';
import type { FakeOrganizations } from '../../src/emulator/organizations.js';

const MANAGEMENT = '111111111111';

/** Two accounts in two OUs, each with a budget: enough to tell a scoped plan from a whole one. */
const base = minimalConfig();
const config = {
  ...base,
  organization: { ...base.organization, managementAccountId: MANAGEMENT, governedRegions: ['eu-west-2'] },
  budgets: {
    alertEmails: ['finops@acme.example.com'],
    byKind: { logs: { monthlyUsd: 100 }, developer: { monthlyUsd: 50 } },
  },
};

interface PlanJson {
  changes: { section: string; address: string; payload: Record<string, unknown> }[];
  notes: string[];
  scope?: unknown;
}

let estateUnderTest: EmulatedEstate;
let fake: FakeOrganizations;
let budgets: FakeBudgets;
let dir: string;
let file: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  estateUnderTest = await emulatedEstate(config, MANAGEMENT);
  ({ fake, budgets, dir, file, env } = estateUnderTest);
});
afterAll(async () => {
  await estateUnderTest?.close();
});

const planJson = async (args: string[]): Promise<PlanJson> => {
  const r = await estate(['plan', '--config', file, '--json', ...args], { env });
  expect(r.stderr).not.toMatch(/Error/);
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as PlanJson;
};

describe('estate plan / apply scoped with --section and --account', () => {
  it('Given --section budgets, When planned, Then only budget changes, marked partial, with the scope recorded', async () => {
    const whole = await planJson([]);
    expect(new Set(whole.changes.map((c) => c.section))).toEqual(new Set(['organization', 'budgets']));
    const plan = await planJson(['--section', 'budgets']);
    expect(plan.changes.length).toBeGreaterThan(0);
    expect(plan.changes.every((c) => c.section === 'budgets')).toBe(true);
    expect(plan.changes.map((c) => c.address)).toEqual(
      whole.changes.filter((c) => c.section === 'budgets').map((c) => c.address),
    );
    expect(plan.scope).toEqual({ sections: ['budgets'] });
    expect(plan.notes[0]).toMatch(/^partial plan \(section budgets\)/);
    expect(fake.mutatingCalls()).toBe(0);
  });

  it('Given --account dev-alice, When planned, Then only its changes and what they depend on (its OU, the organisation) are shown', async () => {
    const plan = await planJson(['--account', 'dev-alice']);
    const addresses = plan.changes.map((c) => c.address);
    expect(addresses).toEqual(expect.arrayContaining(['account:dev-alice', 'ou:Sandbox']));
    expect(addresses.some((a) => a.includes('logs') || a.includes('Security'))).toBe(false);
    const budgetNames = plan.changes.filter((c) => c.section === 'budgets').map((c) => c.payload.name);
    expect(budgetNames).toEqual(['estate-dev-alice-monthly']);
    expect(plan.scope).toEqual({ accounts: ['dev-alice'] });
    expect(plan.notes[0]).toMatch(/^partial plan \(account dev-alice\)/);
  });

  it('Given an unknown --section or --account, When planned or applied, Then it exits 2 naming the flag and the valid values', async () => {
    const section = await estate(['plan', '--config', file, '--section', 'budget'], { env });
    expect(section.code).toBe(2);
    expect(section.stderr).toMatch(/--section budget: no such section/);
    expect(section.stderr).toMatch(/organization, policies, controltower, budgets/);
    const account = await estate(['apply', '--config', file, '--account', 'alice', '--yes'], { env });
    expect(account.code).toBe(2);
    expect(account.stderr).toMatch(/--account alice: no such account in estate.yaml/);
    expect(account.stderr).toMatch(/logs, dev-alice/);
    const offline = await estate(['plan', '--config', file, '--offline', '--section', 'ct'], { env });
    expect(offline.code).toBe(2);
    expect(fake.mutatingCalls()).toBe(0);
  });

  it('Given a saved --account plan, When applied with --plan, Then only dev-alice and its budget (with its new id) are created; another scope is refused', async () => {
    const saved = join(dir, 'alice.json');
    const r = await estate(['plan', '--config', file, '--account', 'dev-alice', '--out', saved], { env });
    expect(r.code).toBe(0);
    expect(JSON.parse(await readFile(saved, 'utf8')).scope).toEqual({ accounts: ['dev-alice'] });

    const other = await estate(
      ['apply', '--config', file, '--plan', saved, '--section', 'budgets', '--yes'],
      {
        env,
      },
    );
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/the saved plan covers account dev-alice, this run section budgets/);
    expect(fake.mutatingCalls()).toBe(0);

    const applied = await estate(['apply', '--config', file, '--plan', saved, '--yes', '--json'], { env });
    expect(applied.code).toBe(0);
    expect(JSON.parse(applied.stdout).result.ok).toBe(true);
    const alice = fake.accountByName('dev-alice');
    expect(alice).toBeDefined();
    expect(fake.accountByName('logs')).toBeUndefined();
    expect(JSON.stringify(budgets.budget(MANAGEMENT, 'estate-dev-alice-monthly')?.budget)).toContain(
      alice!.id,
    );
    expect(budgets.budget(MANAGEMENT, 'estate-logs-monthly')).toBeUndefined();
  });

  it('Given --section organization on apply, When applied, Then the rest of the organisation is created and no budget is touched', async () => {
    const before = budgets.mutations().length;
    const r = await estate(['apply', '--config', file, '--section', 'organization', '--yes', '--json'], {
      env,
    });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).plan.scope).toEqual({ sections: ['organization'] });
    expect(fake.accountByName('logs')).toBeDefined();
    expect(budgets.mutations().length).toBe(before);
    expect(budgets.budget(MANAGEMENT, 'estate-logs-monthly')).toBeUndefined();
  });
});
