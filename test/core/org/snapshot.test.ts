import { describe, expect, it } from 'vitest';
import { recordingIoHost } from '../../_helpers/recording-io.js';
import { EMPTY_SNAPSHOT, readSnapshot } from '../../../src/core/org/snapshot.js';
import type { EstateError } from '../../../src/errors.js';
import { digest } from '../../../src/core/plan/canonical.js';
import { FakeOrganizations } from '../../../src/emulator/organizations.js';
import { portOver } from '../../_helpers/org-harness.js';

/** An organisation of `accounts` accounts spread over `ous` OUs (two levels). */
function bigOrg(
  accounts: number,
  ous: number,
  options: ConstructorParameters<typeof FakeOrganizations>[0] = {},
) {
  const fake = new FakeOrganizations({ withOrganization: true, ...options });
  const paths: string[] = [];
  const top = Math.max(1, Math.floor(ous / 5));
  for (let i = 0; i < top; i++) {
    fake.addOu('', `Top${i}`);
    paths.push(`Top${i}`);
  }
  for (let i = top; i < ous; i++) {
    const parent = paths[i % top]!;
    fake.addOu(parent, `Child${i}`, { team: `t${i}` });
    paths.push(`${parent}/Child${i}`);
  }
  for (let i = 0; i < accounts; i++)
    fake.addAccount({
      name: `acct-${i}`,
      email: `acct-${i}@example.com`,
      ouPath: paths[i % paths.length]!,
      tags: { n: String(i) },
    });
  return fake;
}

describe('readSnapshot', () => {
  it('Given 400 accounts in 40 OUs, When read, Then list calls are O(accounts/20 + OUs) and there are no per-account describes', async () => {
    const fake = bigOrg(400, 40);
    const snapshot = await readSnapshot(portOver(fake));

    expect(snapshot.accounts).toHaveLength(401);
    expect(snapshot.ous).toHaveLength(40);
    const parents = 41; // 40 OUs + the root
    expect(fake.calls.ListOrganizationalUnitsForParent).toBe(parents);
    // one call per parent, plus one more for each further page of 20
    expect(fake.calls.ListAccountsForParent).toBeLessThanOrEqual(Math.ceil(401 / 20) + parents);
    expect(fake.calls.ListTagsForResource).toBe(401 + 40);
    expect(fake.calls.DescribeAccount ?? 0).toBe(0);
    expect(fake.calls.ListAccounts ?? 0).toBe(0);
    expect(fake.calls.ListParents ?? 0).toBe(0);
    expect(fake.calls.ListRoots).toBe(1);
  });

  it('places every account in its OU path with its tags', async () => {
    const fake = bigOrg(10, 5);
    const snapshot = await readSnapshot(portOver(fake));
    for (const a of snapshot.accounts.filter((x) => x.name.startsWith('acct-'))) {
      const truth = fake.accounts.get(a.id)!;
      expect(a.ouPath).toBe(fake.pathOf(truth.parentId));
      expect(a.tags).toEqual(fake.tags.get(a.id));
    }
    expect(snapshot.ous.map((o) => o.depth)).toEqual([...snapshot.ous.map((o) => o.depth)].sort());
  });

  it('Given pages that may come back empty, Then nothing is lost', async () => {
    const fake = bigOrg(60, 6, { emptyFirstPages: true });
    const snapshot = await readSnapshot(portOver(fake));
    expect(snapshot.accounts).toHaveLength(61);
    expect(snapshot.ous).toHaveLength(6);
  });

  it('Given latency, When read, Then calls overlap but never exceed the concurrency bound per pool', async () => {
    const fake = bigOrg(100, 10, { latencyMs: 1, sleep: () => new Promise((r) => setImmediate(r)) });
    await readSnapshot(portOver(fake), { concurrency: 4 });
    expect(fake.maxInFlight).toBeGreaterThan(1);
    expect(fake.maxInFlight).toBeLessThanOrEqual(8); // tree pool + tag pool
  });

  it('Given 30 % of calls throttled, When read, Then the snapshot is the same as without throttling', async () => {
    const calm = await readSnapshot(portOver(bigOrg(80, 8)));
    const throttled = bigOrg(80, 8, { throttleRate: 0.3, seed: 9 });
    const snapshot = await readSnapshot(portOver(throttled));
    expect(digest(snapshot)).toBe(digest(calm));
    expect(throttled.totalCalls()).toBeGreaterThan(calm.accounts.length);
  });

  it('Given no organisation, Then the snapshot is empty after one call', async () => {
    const fake = new FakeOrganizations();
    expect(await readSnapshot(portOver(fake))).toEqual(EMPTY_SNAPSHOT);
    expect(fake.totalCalls()).toBe(1);
  });

  it('Given credentials of a member account, Then it stops after DescribeOrganization naming both accounts', async () => {
    const fake = bigOrg(3, 1);
    fake.callerAccountId = '999999999999';
    const error = await readSnapshot(portOver(fake), { callerAccountId: '999999999999' }).catch(
      (e: EstateError) => e,
    );
    expect((error as EstateError).code).toBe('NotManagementAccount');
    expect((error as EstateError).message).toMatch(
      /account 999999999999.*management account is 111111111111/,
    );
    expect(fake.calls).toEqual({ DescribeOrganization: 1 });
  });

  it('Given SCPs estate does not manage, Then their targets are read, but not the whole-organisation FullAWSAccess', async () => {
    const fake = bigOrg(10, 2);
    const ou = fake.idOfPath('Top0')!;
    fake.policies.set('p-guard', {
      id: 'p-guard',
      name: 'aws-guardrails-xyz',
      description: 'by Control Tower',
      type: 'SERVICE_CONTROL_POLICY',
      content: '{"Version":"2012-10-17","Statement":[]}',
      awsManaged: false,
    });
    fake.attachments.set('p-guard', new Set([ou]));
    fake.attachments.get('p-FullAWSAccess')!.add(ou);
    const snapshot = await readSnapshot(portOver(fake));
    expect(snapshot.otherScps).toEqual([{ id: 'p-guard', name: 'aws-guardrails-xyz', targets: [ou] }]);
    expect(fake.calls.ListTargetsForPolicy).toBe(1);
  });

  it('reports progress as one task', async () => {
    const io = recordingIoHost();
    const events = io.events;
    await readSnapshot(portOver(bigOrg(3, 1)), { io });
    expect(events.map((e) => e.type)).toEqual(['start', 'done']);
    expect(events[1]).toMatchObject({ message: '4 accounts in 1 OUs' });
  });
});

describe('the snapshot digest a saved plan is checked against', () => {
  it('is stable for the same organisation and changes when a tag changes', async () => {
    const fake = bigOrg(20, 3);
    const first = await readSnapshot(portOver(fake));
    const again = await readSnapshot(portOver(fake));
    expect(digest(again)).toBe(digest(first));

    fake.tags.get(fake.accountByName('acct-3')!.id)!.n = 'changed';
    const moved = await readSnapshot(portOver(fake));
    expect(digest(moved)).not.toBe(digest(first));
  });
});
