/**
 * The organisation applier against Organizations as AWS really behaves (issue 8, points 4–6):
 * a new organisation that refuses accounts for up to an hour, the daily creation limit,
 * creation slots taken by others, CreateAccount answers that are lost, and policy types that
 * turn ENABLED some time after EnablePolicyType.
 */
import {
  ConstraintViolationException,
  CreateAccountCommand,
  DescribeCreateAccountStatusCommand,
} from '@aws-sdk/client-organizations';
import { describe, expect, it } from 'vitest';
import { organizationsPort } from '../../../src/aws/organizations.js';
import { isThrottle, withRetries, wrapSend, type SendLike } from '../../../src/aws/send.js';
import type { EstateConfig } from '../../../src/config/schema.js';
import type { OrganizationsPort } from '../../../src/core/org/ports.js';
import { recordingIoHost } from '../../_helpers/recording-io.js';
import {
  FakeOrganizations,
  type FakeOrganizationsOptions,
  seeded,
} from '../../../src/emulator/organizations.js';
import { applyOnce, noSleep, orgConfig, portOver, sourcesFor } from '../../_helpers/org-harness.js';

const T0 = Date.parse('2026-12-01T10:00:00Z');

/** Four accounts, no policies: the account-creation tests. */
const accountsOnly = (count = 4): EstateConfig =>
  orgConfig((raw) => {
    raw.policies = [];
    raw.accounts = Array.from({ length: count }, (_, i) => ({
      name: `dev-${i}`,
      kind: 'developer',
      ou: 'Sandbox',
    }));
  });

/**
 * The send layer as AWS needs it for CreateAccount: retried only when throttled (before
 * any effect); a lost answer reaches the adapter. Everything else keeps estate's retries.
 */
function portWithoutCreateRetries(fake: SendLike): OrganizationsPort {
  const retried = withRetries(fake, { sleep: noSleep, maxAttempts: 15, random: seeded(7) });
  return organizationsPort(
    wrapSend(fake, async (operation, command, next) => {
      if (operation !== 'CreateAccount') return retried.send(command);
      for (let attempt = 1; ; attempt++) {
        try {
          return await next();
        } catch (error) {
          if (!isThrottle(error) || attempt >= 15) throw error;
        }
      }
    }),
  );
}

/** A client that sends everything again after a 5xx, CreateAccount included (as SDK retries did). */
function portWithBlindRetries(fake: SendLike): OrganizationsPort {
  return organizationsPort(
    wrapSend(fake, async (_operation, _command, next) => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await next();
        } catch (error) {
          const name = (error as { name?: string }).name;
          if (!(name === 'ServiceException' || isThrottle(error)) || attempt >= 15) throw error;
        }
      }
    }),
  );
}

function statuses(result: { results: readonly { address: string; status: string; message?: string }[] }) {
  return Object.fromEntries(result.results.map((r) => [r.address, r.status]));
}

const messageOf = (result: { results: readonly { address: string; message?: string }[] }, address: string) =>
  result.results.find((r) => r.address === address)?.message ?? '';

describe('apply: a new organisation (AWS finishes it for up to an hour)', () => {
  it('Given estate creates the organisation in this run and AWS answers ACCOUNT_NUMBER_LIMIT_EXCEEDED, Then the message says it is still being set up and how to resume, not Service Quotas, and no other creation is sent', async () => {
    const now = T0;
    const fake = new FakeOrganizations({ initialLimitForMs: 45 * 60_000, now: () => now });
    const config = accountsOnly(4);
    const { result } = await applyOnce(portOver(fake), config, await sourcesFor(config), {
      apply: { now: () => now },
    });

    expect(result.ok).toBe(false);
    expect(fake.calls.CreateAccount).toBe(1);
    const failed = result.results.filter((r) => r.status === 'failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]!.message).toMatch(/created at 10:00 UTC and AWS is still setting it up/);
    expect(failed[0]!.message).toMatch(/up to an hour/);
    expect(failed[0]!.message).toMatch(/wait until about 11:00 UTC.*run `estate apply` again: it resumes/);
    expect(failed[0]!.message).not.toMatch(/Service Quotas|quota/i);
    const notStarted = result.results.filter(
      (r) => r.address.match(/^account:dev-\d$/) && r.status === 'skipped',
    );
    expect(notStarted).toHaveLength(3);
    for (const r of notStarted) expect(r.message).toMatch(/^not started: .*still setting it up/);
    // OUs and the organisation itself are done; only what needs the accounts waits.
    expect(statuses(result)['ou:Sandbox']).toBe('applied');
  });

  it('Given an organisation created 10 minutes ago (its management account joined then), When FinalizingOrganizationException, Then the same advice with the time to come back', async () => {
    const now = T0 + 10 * 60_000;
    const fake = new FakeOrganizations({ finalizingForMs: 60 * 60_000, now: () => now });
    fake.createOrganizationNow('ALL', new Date(T0));
    const config = accountsOnly(2);
    const { result } = await applyOnce(portOver(fake), config, await sourcesFor(config), {
      apply: { now: () => now },
    });
    const message = result.results.find((r) => r.status === 'failed')?.message ?? '';
    expect(message).toMatch(/the organisation was created at 10:00 UTC and AWS is still setting it up/);
    expect(message).toMatch(/wait until about 11:00 UTC/);
    expect(fake.calls.CreateAccount).toBe(1);
  });

  it('Given an organisation that is years old, When ACCOUNT_NUMBER_LIMIT_EXCEEDED, Then the fix is a quota increase in Service Quotas', async () => {
    const fake = new FakeOrganizations({ withOrganization: true });
    fake.failNext(
      'CreateAccount',
      new ConstraintViolationException({
        message: 'You have exceeded the allowed number of AWS accounts.',
        Reason: 'ACCOUNT_NUMBER_LIMIT_EXCEEDED',
        $metadata: {},
      }),
    );
    const config = accountsOnly(3);
    const { result } = await applyOnce(portOver(fake), config, await sourcesFor(config));
    const failed = result.results.filter((r) => r.status === 'failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]!.message).toMatch(/maximum number of accounts.*Service Quotas/);
    expect(fake.calls.CreateAccount).toBe(1);
  });
});

describe('apply: the daily account-creation limit', () => {
  it('Given AWS allows two more creations today, When four accounts are new, Then two are created, the third fails with the daily meaning, the fourth is not started, and nothing is retried', async () => {
    const fake = new FakeOrganizations({
      withOrganization: true,
      createAccountPolls: 0,
      maxCreationsPerDay: 2,
    });
    const config = accountsOnly(4);
    const { result } = await applyOnce(portWithBlindRetries(fake), config, await sourcesFor(config), {
      apply: { accountCreationConcurrency: 1 },
    });
    const s = statuses(result);
    expect([s['account:dev-0'], s['account:dev-1'], s['account:dev-2'], s['account:dev-3']]).toEqual([
      'applied',
      'applied',
      'failed',
      'skipped',
    ]);
    expect(messageOf(result, 'account:dev-2')).toMatch(/number of accounts AWS lets it create in one day/);
    expect(messageOf(result, 'account:dev-2')).toMatch(/run `estate apply` again tomorrow/);
    expect(messageOf(result, 'account:dev-2')).not.toMatch(/in progress/);
    expect(messageOf(result, 'account:dev-3')).toMatch(/^not started: .*in one day/);
    expect(fake.calls.CreateAccount).toBe(3);
  });
});

describe('apply: creation slots counted live', () => {
  it('Given three creations started elsewhere, When four accounts are new, Then estate starts only two until slots free up, and AWS never refuses one for a sixth in progress', async () => {
    const fake = new FakeOrganizations({ withOrganization: true, createAccountPolls: 1 });
    const foreign: string[] = [];
    for (let i = 0; i < 3; i++) {
      const out = await fake.send(
        new CreateAccountCommand({ AccountName: `other-${i}`, Email: `other-${i}@example.com` }),
      );
      foreign.push(out.CreateAccountStatus.Id);
    }
    // Time passing: each wait lets one foreign creation move on.
    const sleep = async () => {
      const next = foreign[0];
      if (!next) return;
      const out = await fake.send(new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: next }));
      if (out.CreateAccountStatus.State !== 'IN_PROGRESS') foreign.shift();
    };
    const config = accountsOnly(4);
    const { result } = await applyOnce(portOver(fake), config, await sourcesFor(config), {
      apply: { sleep },
    });
    expect(result.ok).toBe(true);
    expect(fake.creationsRefusedInProgress).toBe(0);
    expect(fake.maxCreationsInProgress).toBeLessThanOrEqual(5);
    expect(fake.calls.CreateAccount).toBe(3 + 4);
  });
});

describe('apply: CreateAccount is not idempotent', () => {
  it('Given every CreateAccount answer is lost after AWS accepted it, Then estate finds each request and follows it: every account once, no failure', async () => {
    const fake = new FakeOrganizations({
      withOrganization: true,
      lostResponseRate: 1,
      lostResponseOps: ['CreateAccount'],
    });
    const config = accountsOnly(4);
    const { result } = await applyOnce(portWithoutCreateRetries(fake), config, await sourcesFor(config));
    expect(result.ok).toBe(true);
    for (let i = 0; i < 4; i++) {
      expect(fake.requestsFor(`dev-${i}`)).toHaveLength(1);
      expect([...fake.accounts.values()].filter((a) => a.name === `dev-${i}`)).toHaveLength(1);
    }
  });

  it('Given a client that sends CreateAccount again after a 5xx, Then the duplicate request resolves to the one account (no false CONCURRENT_ACCOUNT_MODIFICATION failure)', async () => {
    const fake = new FakeOrganizations({
      withOrganization: true,
      lostResponseRate: 0.5,
      lostResponseOps: ['CreateAccount'],
      seed: 3,
    });
    const config = accountsOnly(4);
    const { result } = await applyOnce(portWithBlindRetries(fake), config, await sourcesFor(config), {
      apply: { accountCreationConcurrency: 1 },
    });
    expect(result.ok).toBe(true);
    expect(fake.requests.length).toBeGreaterThan(4); // some were sent twice
    for (let i = 0; i < 4; i++)
      expect(
        [...fake.accounts.values()].filter((a) => a.email === `aws+dev-${i}@acme.example.com`),
      ).toHaveLength(1);
  });

  it('Given a lost answer and a request not yet listed, When the re-send ends EMAIL_ALREADY_EXISTS, Then it resolves to the account the first request made', async () => {
    const lostOps = ['CreateAccount'];
    const fake = new FakeOrganizations({
      withOrganization: true,
      createAccountPolls: 0,
      lostResponseRate: 1,
      lostResponseOps: lostOps,
    });
    // AWS finishes requests in the background while estate waits.
    const sleep = async () => {
      for (const r of fake.requests.filter((x) => x.state === 'IN_PROGRESS'))
        await fake.send(new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: r.id }));
      lostOps.length = 0; // only the first answer is lost
    };
    // Eventual consistency: the first look after the lost answer sees neither the request nor the account.
    let hidden = 2;
    const lagging = wrapSend(fake, async (op, command, next) => {
      const out = (await next()) as Record<string, unknown[]>;
      if (
        hidden > 0 &&
        (op === 'ListAccounts' || op === 'ListCreateAccountStatus') &&
        fake.requests.length === 1
      ) {
        hidden--;
        return op === 'ListAccounts'
          ? { ...out, Accounts: out.Accounts!.filter((a) => (a as { Name: string }).Name !== 'dev-0') }
          : { ...out, CreateAccountStatuses: [] };
      }
      void command;
      return out;
    });
    const io = recordingIoHost();
    const events = io.events;
    const config = accountsOnly(1);
    const { result } = await applyOnce(portWithoutCreateRetries(lagging), config, await sourcesFor(config), {
      apply: { sleep, io },
    });
    expect(result.ok).toBe(true);
    expect(fake.requestsFor('dev-0').map((r) => r.failureReason ?? r.state)).toEqual([
      'SUCCEEDED',
      'EMAIL_ALREADY_EXISTS',
    ]);
    expect(fake.accounts.size).toBe(2); // management + dev-0
    expect(result.results.find((r) => r.address === 'account:dev-0')?.outputs?.id).toBe(
      fake.accountByName('dev-0')!.id,
    );
    expect(
      events.some((e) => e.type === 'update' && /already exists .*adopting it/.test(e.message ?? '')),
    ).toBe(true);
  });

  it('Given an e-mail used by an account outside the organisation, Then EMAIL_ALREADY_EXISTS is still a failure in words', async () => {
    const fake = new FakeOrganizations({
      withOrganization: true,
      externalEmails: ['aws+dev-0@acme.example.com'],
    });
    const config = accountsOnly(1);
    const { result } = await applyOnce(portOver(fake), config, await sourcesFor(config));
    expect(messageOf(result, 'account:dev-0')).toMatch(/another AWS account already uses the e-mail/);
  });
});

describe('apply: EnablePolicyType is asynchronous', () => {
  it('Given the root shows a new policy type PENDING_ENABLE for a while, Then estate waits for ENABLED before the first attach and every attachment succeeds', async () => {
    const fake = new FakeOrganizations({ policyTypeEnableCalls: 25 } satisfies FakeOrganizationsOptions);
    const config = orgConfig();
    const io = recordingIoHost();
    const events = io.events;
    const { result } = await applyOnce(portOver(fake), config, await sourcesFor(config), {
      apply: { io },
    });
    expect(result.results.filter((r) => r.status !== 'applied')).toEqual([]);
    expect(fake.policyTypes.has('TAG_POLICY') && fake.policyTypes.has('SERVICE_CONTROL_POLICY')).toBe(true);
    expect(fake.calls.ListRoots).toBeGreaterThan(2);
    expect(
      events.some(
        (e) =>
          e.type === 'update' && /PENDING_ENABLE; waiting until AWS shows it ENABLED/.test(e.message ?? ''),
      ),
    ).toBe(true);
  });

  it('Given a type still PENDING_ENABLE when the plan was made (so no enable is planned), Then attaching retries PolicyTypeNotEnabledException until it is ENABLED', async () => {
    const fake = new FakeOrganizations({ withOrganization: true });
    fake.pendingPolicyTypes.set('SERVICE_CONTROL_POLICY', 32);
    fake.policyTypes.add('TAG_POLICY');
    const config = orgConfig((raw) => {
      raw.accounts = [{ name: 'logs', kind: 'logs', ou: 'Security' }];
      raw.policies = raw.policies.filter((p: { targets: string[] }) => !p.targets.includes('dev-alice'));
    });
    fake.addOu('', 'Security');
    fake.addAccount({ name: 'logs', email: 'aws+logs@acme.example.com', ouPath: 'Security' });
    const { plan, result } = await applyOnce(portOver(fake), config, await sourcesFor(config));
    expect(plan.changes.map((c) => c.address)).not.toContain('policy-type:SERVICE_CONTROL_POLICY');
    expect(result.results.filter((r) => r.status !== 'applied')).toEqual([]);
    const attachments = plan.changes.filter((c) => c.action === 'attach').length;
    expect(fake.calls.AttachPolicy).toBeGreaterThan(attachments);
  });
});

describe('apply: how long it waits', () => {
  it('Given the default intervals, Then a creation is first polled after 2 s, and a lost answer waits 5 s before estate looks for the request', async () => {
    const waits: number[] = [];
    const sleep = async (ms: number) => void waits.push(ms);
    const polled = new FakeOrganizations({ withOrganization: true, createAccountPolls: 2 });
    const config = accountsOnly(1);
    await applyOnce(portWithoutCreateRetries(polled), config, await sourcesFor(config), {
      apply: { sleep, pollIntervalMs: undefined },
    });
    expect(waits[0]).toBe(2_000);
    expect(waits[1]).toBe(3_000);

    waits.length = 0;
    const lost = new FakeOrganizations({
      withOrganization: true,
      lostResponseRate: 1,
      lostResponseOps: ['CreateAccount'],
    });
    const { result } = await applyOnce(portWithoutCreateRetries(lost), config, await sourcesFor(config), {
      apply: { sleep, pollIntervalMs: undefined },
    });
    expect(result.ok).toBe(true);
    expect(waits[0]).toBe(5_000);
  });
});
