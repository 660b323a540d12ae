import { CreateAccountCommand, DescribeCreateAccountStatusCommand } from '@aws-sdk/client-organizations';
import { describe, expect, it } from 'vitest';
import type { EstateConfig } from '../../../src/config/schema.js';
import { applyOrganizationPlan, newApplyState } from '../../../src/core/org/apply.js';
import { planOrganization } from '../../../src/core/org/planner.js';
import type { PolicySources } from '../../../src/core/org/policies.js';
import { readSnapshot } from '../../../src/core/org/snapshot.js';
import { recordingIoHost } from '../../_helpers/recording-io.js';
import type { EstateError } from '../../../src/errors.js';
import { FakeOrganizations, type FakeOrganizationsOptions } from '../../../src/emulator/organizations.js';
import {
  actionable,
  applyOnce,
  noSleep,
  orgConfig,
  portOver,
  sourcesFor,
} from '../../_helpers/org-harness.js';

const ACCOUNT_NAMES = ['audit', 'dev-alice', 'logs', 'shop-prod'];

async function setup(options: FakeOrganizationsOptions = {}, config: EstateConfig = orgConfig()) {
  const fake = new FakeOrganizations(options);
  const sources = await sourcesFor(config);
  return { fake, config, sources, port: portOver(fake) };
}

/** The end state a clean apply of orgConfig() produces, by names (no ids). */
async function reference(): Promise<unknown> {
  const { fake, config, sources, port } = await setup();
  const { result } = await applyOnce(port, config, sources);
  expect(result.ok).toBe(true);
  return fake.view();
}

describe('apply: an empty organisation', () => {
  it('Given no organisation, When apply runs, Then OUs, accounts, tags and policies all exist, and no trusted access is enabled', async () => {
    const { fake, config, sources, port } = await setup();
    const { result } = await applyOnce(port, config, sources);

    expect(result.ok).toBe(true);
    expect(result.results.every((r) => r.status === 'applied')).toBe(true);
    expect(fake.org?.featureSet).toBe('ALL');
    expect([...fake.ous.values()].map((o) => fake.pathOf(o.id)).sort()).toEqual([
      'Sandbox',
      'Security',
      'Workloads',
      'Workloads/Development',
      'Workloads/Production',
    ]);
    expect(fake.tags.get(fake.idOfPath('Workloads/Production'))).toEqual({ tier: 'prod' });
    const placed = Object.fromEntries(
      ACCOUNT_NAMES.map((n) => [n, fake.pathOf(fake.accountByName(n)!.parentId)]),
    );
    expect(placed).toEqual({
      audit: 'Security',
      'dev-alice': 'Sandbox',
      logs: 'Security',
      'shop-prod': 'Workloads/Production',
    });
    expect(fake.tags.get(fake.accountByName('shop-prod')!.id)).toEqual({
      CostCenter: 'shared',
      Environment: 'prod',
      'estate:kind': 'prod-single-tenant',
      team: 'shop',
    });
    for (const name of ACCOUNT_NAMES) expect(fake.requestsFor(name)).toHaveLength(1);
    expect([...fake.services]).toEqual([]); // no service estate uses needs trusted access
    expect([...fake.policyTypes].sort()).toEqual(['SERVICE_CONTROL_POLICY', 'TAG_POLICY']);
    const targets = Object.fromEntries(
      [...fake.policies.values()]
        .filter((p) => !p.awsManaged)
        .map((p) => [
          p.name,
          [...fake.attachments.get(p.id)!]
            .map((t) => fake.accounts.get(t)?.name ?? (fake.pathOf(t) || 'Root'))
            .sort(),
        ]),
    );
    expect(targets).toEqual({
      'estate-deny-leave-organization': ['Root'],
      'estate-deny-root-user': ['Sandbox', 'Workloads'],
      'estate-deny-outside-governed-regions': ['Workloads/Production', 'dev-alice'],
      'estate-require-mandatory-tags': ['Root'],
    });
    const created = result.results.find((r) => r.address === 'account:logs');
    expect(created?.outputs?.id).toBe(fake.accountByName('logs')!.id);
  });
});

describe('apply: idempotence', () => {
  it('Given apply has run, When apply runs again, Then the plan is empty and no mutating call is made', async () => {
    const { fake, config, sources, port } = await setup();
    await applyOnce(port, config, sources);
    fake.resetCounters();

    const second = await applyOnce(port, config, sources);

    expect(second.plan.changes).toEqual([]);
    expect(second.result).toEqual({ ok: true, results: [] });
    expect(fake.mutatingCalls()).toBe(0);
    expect(Object.keys(fake.calls).every((op) => /^(List|Describe)/.test(op))).toBe(true);
  });
});

describe('apply: drift', () => {
  it('Given an account moved by hand, a tag changed and an extra OU, Then apply restores placement and tags and reports the OU', async () => {
    const { fake, config, sources, port } = await setup();
    await applyOnce(port, config, sources);
    const converged = fake.view();
    const alice = fake.accountByName('dev-alice')!;
    fake.moveByHand(alice.id, 'Workloads/Development');
    fake.tags.get(fake.accountByName('logs')!.id)!.CostCenter = 'by-hand';
    fake.tags.get(fake.accountByName('logs')!.id)!.note = 'unmanaged, kept';
    const legacy = fake.addOu('', 'Legacy');

    const { plan, result } = await applyOnce(port, config, sources);

    expect(plan.changes.map((c) => [c.action, c.address])).toEqual([
      ['update', 'account:logs#tags'],
      ['move', 'account:dev-alice#ou'],
      ['drift', 'unmanaged'],
    ]);
    expect(result.ok).toBe(true);
    expect(fake.pathOf(alice.parentId)).toBe('Sandbox');
    expect(fake.tags.get(fake.accountByName('logs')!.id)).toMatchObject({
      CostCenter: 'shared',
      note: 'unmanaged, kept',
    });
    expect(fake.ous.has(legacy)).toBe(true);

    const after = await applyOnce(port, config, sources);
    expect(after.plan.changes.map((c) => c.action)).toEqual(['drift']);
    delete fake.tags.get(fake.accountByName('logs')!.id)!.note;
    fake.ous.delete(legacy);
    expect(fake.view()).toEqual(converged);
  });

  it('Given an extra empty OU and --prune, Then it is deleted; an OU holding an unmanaged account is kept', async () => {
    const { fake, config, sources, port } = await setup();
    await applyOnce(port, config, sources);
    const empty = fake.addOu('', 'Empty');
    const busy = fake.addOu('', 'Busy');
    fake.addAccount({ name: 'stray', email: 'stray@example.com', ouPath: 'Busy' });

    const { plan, result } = await applyOnce(port, config, sources, { prune: true });

    expect(actionable(plan).map((c) => [c.action, c.address])).toEqual([['delete', 'ou:Empty']]);
    expect(result.ok).toBe(true);
    expect(fake.ous.has(empty)).toBe(false);
    expect(fake.ous.has(busy)).toBe(true);
  });

  it('Given a policy edited by hand and a target dropped from the config, Then the document is restored and the target detached', async () => {
    const { fake, config, sources, port } = await setup();
    await applyOnce(port, config, sources);
    const policy = [...fake.policies.values()].find((p) => p.name === 'estate-deny-root-user')!;
    policy.content = '{"Version":"2012-10-17","Statement":[]}';
    const narrower = orgConfig((raw) => {
      raw.policies[1].targets = ['Sandbox'];
    });

    const { plan, result } = await applyOnce(port, narrower, await sourcesFor(narrower));

    expect(plan.changes.map((c) => [c.action, c.address])).toEqual([
      ['update', 'policy:estate-deny-root-user'],
      ['detach', 'policy:estate-deny-root-user@Workloads'],
    ]);
    expect(result.ok).toBe(true);
    expect(JSON.parse(policy.content).Statement[0].Sid).toBe('DenyRootUser');
    expect([...fake.attachments.get(policy.id)!]).toEqual([fake.idOfPath('Sandbox')]);
  });
});

describe('apply: kill and resume', () => {
  it('Given apply is killed after each possible change, When apply runs again, Then it converges without requesting any account twice', async () => {
    const expected = await reference();
    const clean = await setup();
    await applyOnce(clean.port, clean.config, clean.sources);
    const total = clean.fake.mutations;
    expect(total).toBeGreaterThan(20);

    let resumedCreations = 0;
    for (let k = 1; k <= total; k++) {
      const { fake, config, sources, port } = await setup();
      fake.killAfterMutations(k);
      const killed = await applyOnce(port, config, sources);
      expect(killed.result.ok, `kill after ${k}`).toBe(false);
      fake.revive();

      const resumed = await applyOnce(port, config, sources);
      const planned = actionable(resumed.plan).map((c) => c.address);
      expect(planned.length, `kill after ${k}: only what remains`).toBeLessThan(
        actionable(killed.plan).length,
      );
      resumedCreations += resumed.plan.changes.filter((c) => c.payload.requestId).length;
      expect(
        resumed.result.results.filter((r) => r.status !== 'applied'),
        `kill after ${k}`,
      ).toEqual([]);
      expect(fake.view(), `kill after ${k}`).toEqual(expected);
      for (const name of ACCOUNT_NAMES)
        expect(fake.requestsFor(name), `${name} after kill ${k}`).toHaveLength(1);
      const settled = await readSnapshot(port);
      expect(actionable(planOrganization(config, settled, { policySources: sources }))).toEqual([]);
    }
    expect(resumedCreations).toBeGreaterThan(0);
  });
});

describe('apply: an unreliable API', () => {
  it('Given 30 % of calls throttled, When apply runs, Then it reaches the same end state and a second plan is empty', async () => {
    const expected = await reference();
    const { fake, config, sources, port } = await setup({ throttleRate: 0.3, seed: 3 });
    const { result } = await applyOnce(port, config, sources);
    expect(result.ok).toBe(true);
    expect(fake.view()).toEqual(expected);
    const throttled = Object.values(fake.calls).reduce((a, b) => a + b, 0) - fake.mutations;
    expect(throttled).toBeGreaterThan(0);
    expect(actionable((await applyOnce(port, config, sources)).plan)).toEqual([]);
  });

  it('Given concurrent modifications and lost answers, When apply runs, Then the Duplicate* answers count as done and it converges', async () => {
    const expected = await reference();
    const { fake, config, sources, port } = await setup({
      concurrentModificationRate: 0.3,
      lostResponseRate: 0.5,
      seed: 5,
    });
    const { result } = await applyOnce(port, config, sources);
    expect(result.results.filter((r) => r.status !== 'applied')).toEqual([]);
    expect(fake.view()).toEqual(expected);
    for (const name of ACCOUNT_NAMES) expect(fake.requestsFor(name)).toHaveLength(1);
  });
});

describe('apply: account creation', () => {
  it('Given one e-mail is taken, Then that account fails with the reason in words, its dependents are skipped and the rest is applied', async () => {
    const { fake, config, sources, port } = await setup({
      externalEmails: ['aws+dev-alice@acme.example.com'],
    });
    const { result } = await applyOnce(port, config, sources);

    expect(result.ok).toBe(false);
    const byAddress = new Map(result.results.map((r) => [r.address, r]));
    expect(byAddress.get('account:dev-alice')).toMatchObject({ status: 'failed' });
    expect(byAddress.get('account:dev-alice')?.message).toBe(
      'could not create account dev-alice <aws+dev-alice@acme.example.com>: another AWS account already uses the e-mail aws+dev-alice@acme.example.com; ' +
        'give accounts.dev-alice.email another address, or adopt that account by setting accounts.dev-alice.id (invite it first if it is outside the organisation)',
    );
    expect(byAddress.get('account:dev-alice#ou')).toEqual({
      address: 'account:dev-alice#ou',
      status: 'skipped',
      message: 'skipped: account:dev-alice failed',
    });
    expect(byAddress.get('policy:estate-deny-outside-governed-regions@dev-alice')?.status).toBe('skipped');
    expect(result.results.filter((r) => r.status === 'failed').map((r) => r.address)).toEqual([
      'account:dev-alice',
    ]);
    expect(fake.pathOf(fake.accountByName('shop-prod')!.parentId)).toBe('Workloads/Production');
  });

  it('Given twelve new accounts, Then at most five creations are in flight and all twelve are created once', async () => {
    const config = orgConfig((raw) => {
      raw.policies = [];
      raw.accounts = Array.from({ length: 12 }, (_, i) => ({
        name: `dev-${i}`,
        kind: 'developer',
        ou: 'Sandbox',
      }));
    });
    const { fake, sources, port } = await setup({ createAccountPolls: 4 }, config);
    const { result } = await applyOnce(port, config, sources, { apply: { accountCreationConcurrency: 50 } });
    expect(result.ok).toBe(true);
    expect(fake.maxCreationsInProgress).toBe(5);
    expect(fake.calls.CreateAccount).toBe(12); // never refused for a sixth in flight
    expect(fake.requests).toHaveLength(12);
  });

  it('Given five creations started elsewhere, When apply creates an account, Then it waits for a free slot instead of failing', async () => {
    const config = orgConfig((raw) => {
      raw.policies = [];
      raw.accounts = [{ name: 'dev-new', kind: 'developer', ou: 'Sandbox' }];
    });
    const { fake, sources, port } = await setup({ withOrganization: true, createAccountPolls: 0 }, config);
    const foreign: string[] = [];
    for (let i = 0; i < 5; i++) {
      const out = await fake.send(
        new CreateAccountCommand({ AccountName: `other-${i}`, Email: `other-${i}@example.com` }),
      );
      foreign.push(out.CreateAccountStatus.Id);
    }
    // Time passing: each wait lets one foreign creation finish.
    const sleep = async () => {
      const next = foreign.shift();
      if (next) await fake.send(new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: next }));
    };
    const { plan, result } = await applyOnce(port, config, sources, { apply: { sleep } });
    expect(plan.notes.filter((n) => n.includes('other-'))).toHaveLength(5);
    expect(result.ok).toBe(true);
    // Free slots are read from ListCreateAccountStatus: AWS never had to refuse a sixth.
    expect(fake.calls.CreateAccount).toBe(5 + 1);
    expect(fake.creationsRefusedInProgress).toBe(0);
    expect(fake.requestsFor('dev-new')).toHaveLength(1);
  });

  it('Given existing accounts by e-mail and by id, Then they are adopted and moved, never re-created', async () => {
    const config = orgConfig((raw) => {
      raw.policies = [];
      raw.accounts[0].id = '300000000000';
    });
    const { fake, sources, port } = await setup({ withOrganization: true }, config);
    fake.accounts.set('300000000000', {
      id: '300000000000',
      name: 'Log Archive',
      email: 'logs@elsewhere.example.com',
      parentId: fake.rootId!,
      status: 'ACTIVE',
    });
    fake.tags.set('300000000000', {});
    fake.addAccount({ name: 'Alice', email: 'AWS+dev-alice@acme.example.com' });

    const { result } = await applyOnce(port, config, sources);

    expect(result.ok).toBe(true);
    expect(fake.requestsFor('logs')).toHaveLength(0);
    expect(fake.requestsFor('dev-alice')).toHaveLength(0);
    expect(fake.pathOf(fake.accounts.get('300000000000')!.parentId)).toBe('Security');
    expect(fake.pathOf(fake.accountByName('Alice')!.parentId)).toBe('Sandbox');
    expect(fake.requests.map((r) => r.accountName).sort()).toEqual(['audit', 'shop-prod']);
  });
});

describe('apply: safety', () => {
  it('Given credentials of another account, Then apply stops before any change and names both accounts', async () => {
    const { fake, config, sources, port } = await setup({ withOrganization: true });
    const plan = planOrganization(config, await readSnapshot(port), { policySources: sources });
    fake.resetCounters();

    const error = await applyOrganizationPlan(plan, port, {
      sleep: noSleep,
      callerAccountId: '222222222222',
      expectedManagementAccountId: config.organization.managementAccountId,
    }).catch((e: EstateError) => e);

    expect((error as EstateError).code).toBe('NotManagementAccount');
    expect((error as EstateError).message).toMatch(
      /account 222222222222, but estate.yaml says the management account is 111111111111/,
    );
    expect(fake.mutatingCalls()).toBe(0);
  });
});

describe('apply: progress and sections', () => {
  it('reports start and done for every change and updates while an account is created', async () => {
    const { config, sources, port } = await setup();
    const io = recordingIoHost();
    const events = io.events;
    const { plan } = await applyOnce(port, config, sources, { apply: { io } });
    const actionableCount = actionable(plan).length;
    expect(events.filter((e) => e.type === 'start')).toHaveLength(actionableCount);
    expect(events.filter((e) => e.type === 'done')).toHaveLength(actionableCount);
    const logUpdates = events
      .filter((e) => e.type === 'update' && e.id === 'account:logs')
      .map((e) => (e as { message: string }).message);
    expect(logUpdates[0]).toMatch(/^requested \(car-/);
    expect(logUpdates.at(-1)).toMatch(/^succeeded/);
  });

  it('Given the plan is applied one section at a time with a shared state, Then references across sections resolve', async () => {
    const expected = await reference();
    const { fake, config, sources, port } = await setup();
    const plan = planOrganization(config, await readSnapshot(port), { policySources: sources });
    const state = newApplyState();
    const created: string[] = [];
    const options = {
      sleep: noSleep,
      pollIntervalMs: 1,
      state,
      onAccountCreated: (name: string) => created.push(name),
    };
    const org = await applyOrganizationPlan(
      { changes: plan.changes.filter((c) => c.section === 'organization') },
      port,
      options,
    );
    const policies = await applyOrganizationPlan(
      { changes: plan.changes.filter((c) => c.section === 'policies') },
      port,
      options,
    );
    expect(org.ok && policies.ok).toBe(true);
    expect(created.sort()).toEqual(ACCOUNT_NAMES);
    expect(fake.view()).toEqual(expected);
  });
});

// Keeps the PolicySources type import honest for readers of this file.
export type _Sources = PolicySources;
