import {
  AttachPolicyCommand,
  CloseAccountCommand,
  ConcurrentModificationException,
  ConstraintViolationException,
  CreateAccountCommand,
  CreateOrganizationalUnitCommand,
  CreateOrganizationCommand,
  CreatePolicyCommand,
  DeleteOrganizationalUnitCommand,
  DescribeAccountCommand,
  DescribeCreateAccountStatusCommand,
  DescribeOrganizationCommand,
  EnablePolicyTypeCommand,
  ListAccountsCommand,
  ListAccountsForParentCommand,
  ListCreateAccountStatusCommand,
  ListRootsCommand,
  ListTagsForResourceCommand,
  MoveAccountCommand,
  TagResourceCommand,
  TooManyRequestsException,
} from '@aws-sdk/client-organizations';
import { describe, expect, it } from 'vitest';
import { FakeOrganizations, FakeProcessKilled } from '../../src/emulator/organizations.js';

const nameOf = async (p: Promise<unknown>) =>
  p.then(
    () => 'resolved',
    (e: { name?: string }) => e.name,
  );

function orgWith(accounts: number, options: ConstructorParameters<typeof FakeOrganizations>[0] = {}) {
  const fake = new FakeOrganizations({ withOrganization: true, ...options });
  fake.addOu('', 'Sandbox');
  for (let i = 0; i < accounts; i++)
    fake.addAccount({ name: `a${i}`, email: `a${i}@example.com`, ouPath: 'Sandbox' });
  return fake;
}

describe('FakeOrganizations: organisation', () => {
  it('Given no organisation, When describing, Then AWSOrganizationsNotInUseException; after CreateOrganization the caller is management', async () => {
    const fake = new FakeOrganizations({ callerAccountId: '123456789012' });
    expect(await nameOf(fake.send(new DescribeOrganizationCommand({})))).toBe(
      'AWSOrganizationsNotInUseException',
    );
    await fake.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
    const out = await fake.send(new DescribeOrganizationCommand({}));
    expect(out.Organization).toMatchObject({ FeatureSet: 'ALL', MasterAccountId: '123456789012' });
    expect(await nameOf(fake.send(new CreateOrganizationCommand({})))).toBe('AlreadyInOrganizationException');
  });

  it('Given a member account caller, When listing the tree, Then AccessDeniedException', async () => {
    const fake = new FakeOrganizations({ withOrganization: true });
    fake.callerAccountId = '999999999999';
    expect(await nameOf(fake.send(new ListAccountsCommand({})))).toBe('AccessDeniedException');
  });
});

describe('FakeOrganizations: pagination', () => {
  it('Given 45 accounts, When listing, Then pages of 20, 20 and 5 with opaque NextTokens', async () => {
    const fake = orgWith(44); // + the management account
    const sizes: number[] = [];
    let token: string | undefined;
    do {
      const out = await fake.send(new ListAccountsCommand({ NextToken: token }));
      sizes.push(out.Accounts.length);
      token = out.NextToken;
      if (token) expect(token).not.toMatch(/^\d+$/);
    } while (token);
    expect(sizes).toEqual([20, 20, 5]);
    expect(fake.calls.ListAccounts).toBe(3);
  });

  it('Given a forged token or MaxResults above 20, Then InvalidInputException', async () => {
    const fake = orgWith(3);
    expect(await nameOf(fake.send(new ListAccountsCommand({ NextToken: 'abc' })))).toBe(
      'InvalidInputException',
    );
    expect(await nameOf(fake.send(new ListAccountsCommand({ MaxResults: 50 })))).toBe(
      'InvalidInputException',
    );
  });

  it('Given emptyFirstPages, When listing, Then the first page is empty but carries a NextToken', async () => {
    const fake = orgWith(3, { emptyFirstPages: true });
    const first = await fake.send(new ListAccountsForParentCommand({ ParentId: fake.idOfPath('Sandbox') }));
    expect(first.Accounts).toEqual([]);
    const second = await fake.send(
      new ListAccountsForParentCommand({ ParentId: fake.idOfPath('Sandbox'), NextToken: first.NextToken }),
    );
    expect(second.Accounts).toHaveLength(3);
    expect(second.NextToken).toBeUndefined();
  });
});

describe('FakeOrganizations: asynchronous CreateAccount', () => {
  it('Given createAccountPolls 2, Then the request is IN_PROGRESS for two polls and then SUCCEEDED with the account in the root', async () => {
    const fake = new FakeOrganizations({ withOrganization: true, createAccountPolls: 2 });
    const created = await fake.send(
      new CreateAccountCommand({
        AccountName: 'dev',
        Email: 'dev@example.com',
        Tags: [{ Key: 'k', Value: 'v' }],
      }),
    );
    const id = created.CreateAccountStatus.Id;
    const states: string[] = [];
    for (let i = 0; i < 3; i++) {
      const out = await fake.send(new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: id }));
      states.push(out.CreateAccountStatus.State);
    }
    expect(states).toEqual(['IN_PROGRESS', 'IN_PROGRESS', 'SUCCEEDED']);
    const account = fake.accountByName('dev')!;
    expect(account.parentId).toBe(fake.rootId);
    expect(fake.tags.get(account.id)).toEqual({ k: 'v' });
  });

  it('Given five creations in progress, When a sixth is requested, Then it is pushed back (throttled, nothing created) and counted', async () => {
    const fake = new FakeOrganizations({ withOrganization: true });
    for (let i = 0; i < 5; i++)
      await fake.send(new CreateAccountCommand({ AccountName: `a${i}`, Email: `a${i}@example.com` }));
    const error = await fake
      .send(new CreateAccountCommand({ AccountName: 'a5', Email: 'a5@example.com' }))
      .catch((e) => e);
    expect(error).toBeInstanceOf(TooManyRequestsException);
    expect(fake.requests).toHaveLength(5);
    expect(fake.creationsRefusedInProgress).toBe(1);
    expect(fake.maxCreationsInProgress).toBe(5);
  });

  it('Given maxCreationsPerDay, When more are requested within 24 hours, Then ACCOUNT_CREATION_RATE_LIMIT_EXCEEDED (the daily limit), and again the next day', async () => {
    let now = Date.parse('2026-12-01T10:00:00Z');
    const fake = new FakeOrganizations({
      withOrganization: true,
      createAccountPolls: 0,
      maxCreationsPerDay: 2,
      now: () => now,
    });
    for (let i = 0; i < 2; i++) {
      const { CreateAccountStatus } = await fake.send(
        new CreateAccountCommand({ AccountName: `a${i}`, Email: `a${i}@example.com` }),
      );
      await fake.send(
        new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: CreateAccountStatus.Id }),
      );
    }
    const error = await fake
      .send(new CreateAccountCommand({ AccountName: 'a2', Email: 'a2@example.com' }))
      .catch((e) => e);
    expect(error).toBeInstanceOf(ConstraintViolationException);
    expect(error.Reason).toBe('ACCOUNT_CREATION_RATE_LIMIT_EXCEEDED');
    now += 86_400_000;
    await expect(
      fake.send(new CreateAccountCommand({ AccountName: 'a2', Email: 'a2@example.com' })),
    ).resolves.toBeDefined();
  });

  it('Given a new organisation, Then CreateAccount answers FinalizingOrganizationException, then ACCOUNT_NUMBER_LIMIT_EXCEEDED, until the windows pass; JoinedTimestamp shows its creation', async () => {
    let now = Date.parse('2026-12-01T10:00:00Z');
    const fake = new FakeOrganizations({
      finalizingForMs: 10 * 60_000,
      initialLimitForMs: 50 * 60_000,
      now: () => now,
    });
    await fake.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
    const create = () =>
      fake.send(new CreateAccountCommand({ AccountName: 'a', Email: 'a@example.com' })).catch((e) => e);
    expect((await create()).name).toBe('FinalizingOrganizationException');
    now += 20 * 60_000;
    const limited = await create();
    expect(limited.name).toBe('ConstraintViolationException');
    expect(limited.Reason).toBe('ACCOUNT_NUMBER_LIMIT_EXCEEDED');
    now += 40 * 60_000;
    expect((await create()).CreateAccountStatus.State).toBe('IN_PROGRESS');
    const { Account } = await fake.send(new DescribeAccountCommand({ AccountId: fake.callerAccountId }));
    expect(Account.JoinedTimestamp).toEqual(new Date('2026-12-01T10:00:00Z'));
  });

  it('Given two requests for one e-mail, Then the later ends CONCURRENT_ACCOUNT_MODIFICATION while the first is in progress, and only one account exists', async () => {
    const fake = new FakeOrganizations({ withOrganization: true, createAccountPolls: 0 });
    const send = () => fake.send(new CreateAccountCommand({ AccountName: 'x', Email: 'x@example.com' }));
    const first = (await send()).CreateAccountStatus.Id;
    const second = (await send()).CreateAccountStatus.Id;
    const poll = async (id: string) =>
      (await fake.send(new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: id })))
        .CreateAccountStatus;
    expect((await poll(second)).FailureReason).toBe('CONCURRENT_ACCOUNT_MODIFICATION');
    expect((await poll(first)).State).toBe('SUCCEEDED');
    const third = (await send()).CreateAccountStatus.Id;
    expect((await poll(third)).FailureReason).toBe('EMAIL_ALREADY_EXISTS');
    expect([...fake.accounts.values()].filter((a) => a.email === 'x@example.com')).toHaveLength(1);
  });

  it('Given an e-mail in use, or an injected reason, Then the request ends FAILED with that reason', async () => {
    const fake = new FakeOrganizations({
      withOrganization: true,
      createAccountPolls: 0,
      failEmails: { 'broke@example.com': 'ACCOUNT_LIMIT_EXCEEDED' },
    });
    fake.addAccount({ name: 'taken', email: 'Taken@example.com' });
    const results: string[] = [];
    for (const email of ['taken@example.com', 'broke@example.com']) {
      const { CreateAccountStatus } = await fake.send(
        new CreateAccountCommand({ AccountName: 'x', Email: email }),
      );
      const out = await fake.send(
        new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: CreateAccountStatus.Id }),
      );
      results.push(`${out.CreateAccountStatus.State} ${out.CreateAccountStatus.FailureReason}`);
    }
    expect(results).toEqual(['FAILED EMAIL_ALREADY_EXISTS', 'FAILED ACCOUNT_LIMIT_EXCEEDED']);
  });

  it('When filtering ListCreateAccountStatus by IN_PROGRESS, Then only open requests are listed', async () => {
    const fake = new FakeOrganizations({ withOrganization: true, createAccountPolls: 0 });
    const a = await fake.send(new CreateAccountCommand({ AccountName: 'a', Email: 'a@example.com' }));
    await fake.send(new CreateAccountCommand({ AccountName: 'b', Email: 'b@example.com' }));
    await fake.send(
      new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: a.CreateAccountStatus.Id }),
    );
    const out = await fake.send(new ListCreateAccountStatusCommand({ States: ['IN_PROGRESS'] }));
    expect(out.CreateAccountStatuses.map((r: { AccountName: string }) => r.AccountName)).toEqual(['b']);
  });
});

describe('FakeOrganizations: duplicates and constraints', () => {
  it('answers repeated creations, moves and attachments with the Duplicate* exceptions', async () => {
    const fake = new FakeOrganizations({ withOrganization: true });
    const root = fake.rootId!;
    await fake.send(new CreateOrganizationalUnitCommand({ ParentId: root, Name: 'A' }));
    expect(await nameOf(fake.send(new CreateOrganizationalUnitCommand({ ParentId: root, Name: 'A' })))).toBe(
      'DuplicateOrganizationalUnitException',
    );
    const id = fake.addAccount({ name: 'x', email: 'x@example.com' });
    const ou = fake.idOfPath('A');
    await fake.send(new MoveAccountCommand({ AccountId: id, SourceParentId: root, DestinationParentId: ou }));
    expect(
      await nameOf(
        fake.send(new MoveAccountCommand({ AccountId: id, SourceParentId: root, DestinationParentId: ou })),
      ),
    ).toBe('DuplicateAccountException');
    await fake.send(new EnablePolicyTypeCommand({ RootId: root, PolicyType: 'SERVICE_CONTROL_POLICY' }));
    expect(
      await nameOf(
        fake.send(new EnablePolicyTypeCommand({ RootId: root, PolicyType: 'SERVICE_CONTROL_POLICY' })),
      ),
    ).toBe('PolicyTypeAlreadyEnabledException');
    const policy = { Name: 'p', Type: 'SERVICE_CONTROL_POLICY' as const, Description: '', Content: '{}' };
    const created = await fake.send(new CreatePolicyCommand(policy));
    expect(await nameOf(fake.send(new CreatePolicyCommand(policy)))).toBe('DuplicatePolicyException');
    const attach = new AttachPolicyCommand({ PolicyId: created.Policy.PolicySummary.Id, TargetId: ou });
    await fake.send(attach);
    expect(await nameOf(fake.send(attach))).toBe('DuplicatePolicyAttachmentException');
  });

  it('Given EnablePolicyType, Then the root shows PENDING_ENABLE for policyTypeEnableCalls calls, attaching before ENABLED fails as AWS does, and then succeeds', async () => {
    const fake = new FakeOrganizations({ withOrganization: true, policyTypeEnableCalls: 3 });
    const root = fake.rootId!;
    await fake.send(new EnablePolicyTypeCommand({ RootId: root, PolicyType: 'TAG_POLICY' }));
    const status = async () =>
      (await fake.send(new ListRootsCommand({}))).Roots[0].PolicyTypes.find(
        (t: { Type: string }) => t.Type === 'TAG_POLICY',
      )?.Status;
    const policy = await fake.send(
      new CreatePolicyCommand({ Name: 't', Type: 'TAG_POLICY', Description: '', Content: '{}' }),
    );
    const attach = new AttachPolicyCommand({ PolicyId: policy.Policy.PolicySummary.Id, TargetId: root });
    expect(await nameOf(fake.send(attach))).toBe('PolicyTypeNotEnabledException');
    expect(await status()).toBe('ENABLED');
    await expect(fake.send(attach)).resolves.toBeDefined();

    const slow = new FakeOrganizations({ withOrganization: true, policyTypeEnableCalls: 2 });
    await slow.send(new EnablePolicyTypeCommand({ RootId: root, PolicyType: 'TAG_POLICY' }));
    const slowStatus = async () =>
      (await slow.send(new ListRootsCommand({}))).Roots[0].PolicyTypes.map(
        (t: { Status: string }) => t.Status,
      );
    expect(await slowStatus()).toEqual(['PENDING_ENABLE']);
    expect(await slowStatus()).toEqual(['ENABLED']);
  });

  it('refuses a sixth OU level, a non-empty OU delete and an account moved from the wrong parent', async () => {
    const fake = new FakeOrganizations({ withOrganization: true });
    let path = '';
    for (const name of ['L1', 'L2', 'L3', 'L4', 'L5']) {
      fake.addOu(path, name);
      path = path ? `${path}/${name}` : name;
    }
    const deep = await fake
      .send(new CreateOrganizationalUnitCommand({ ParentId: fake.idOfPath(path), Name: 'L6' }))
      .catch((e) => e);
    expect(deep.Reason).toBe('OU_DEPTH_LIMIT_EXCEEDED');
    expect(
      await nameOf(
        fake.send(new DeleteOrganizationalUnitCommand({ OrganizationalUnitId: fake.idOfPath('L1') })),
      ),
    ).toBe('OrganizationalUnitNotEmptyException');
    const id = fake.addAccount({ name: 'x', email: 'x@example.com', ouPath: 'L1' });
    expect(
      await nameOf(
        fake.send(
          new MoveAccountCommand({
            AccountId: id,
            SourceParentId: fake.rootId,
            DestinationParentId: fake.idOfPath('L1/L2'),
          }),
        ),
      ),
    ).toBe('SourceParentNotFoundException');
  });
});

describe('FakeOrganizations: faults', () => {
  it('Given throttleRate 0.3 and a seed, Then about 30 % of calls throw TooManyRequestsException, identically per seed', async () => {
    const run = async (seed: number) => {
      const fake = orgWith(1, { throttleRate: 0.3, seed });
      const outcomes: string[] = [];
      for (let i = 0; i < 200; i++) outcomes.push((await nameOf(fake.send(new ListRootsCommand({})))) ?? '');
      return outcomes;
    };
    const first = await run(42);
    expect(await run(42)).toEqual(first);
    const throttled = first.filter((o) => o === 'TooManyRequestsException').length;
    expect(throttled).toBeGreaterThan(40);
    expect(throttled).toBeLessThan(80);
    const fake = orgWith(1, { throttleRate: 1 });
    await expect(fake.send(new ListRootsCommand({}))).rejects.toBeInstanceOf(TooManyRequestsException);
  });

  it('Given concurrentModificationRate 1, Then mutating calls fail before any effect and reads pass', async () => {
    const fake = new FakeOrganizations({ withOrganization: true, concurrentModificationRate: 1 });
    await expect(
      fake.send(new CreateOrganizationalUnitCommand({ ParentId: fake.rootId, Name: 'A' })),
    ).rejects.toBeInstanceOf(ConcurrentModificationException);
    expect(fake.ous.size).toBe(0);
    await expect(fake.send(new ListRootsCommand({}))).resolves.toBeDefined();
  });

  it('Given lost responses, Then the effect happens and the caller sees a retryable ServiceException', async () => {
    const fake = new FakeOrganizations({ withOrganization: true, lostResponseRate: 1 });
    expect(
      await nameOf(fake.send(new CreateOrganizationalUnitCommand({ ParentId: fake.rootId, Name: 'A' }))),
    ).toBe('ServiceException');
    expect(fake.ous.size).toBe(1);
  });

  it('Given killAfterMutations(2), Then the second change takes effect, its answer is lost, and every later call fails until revive', async () => {
    const fake = new FakeOrganizations({ withOrganization: true }).killAfterMutations(2);
    const root = fake.rootId!;
    await fake.send(new CreateOrganizationalUnitCommand({ ParentId: root, Name: 'A' }));
    await expect(
      fake.send(new CreateOrganizationalUnitCommand({ ParentId: root, Name: 'B' })),
    ).rejects.toBeInstanceOf(FakeProcessKilled);
    expect(fake.ous.size).toBe(2);
    await expect(fake.send(new ListRootsCommand({}))).rejects.toBeInstanceOf(FakeProcessKilled);
    fake.revive();
    await expect(fake.send(new ListRootsCommand({}))).resolves.toBeDefined();
  });

  it('Given failNext, Then exactly the next call to that operation throws the error', async () => {
    const fake = orgWith(1).failNext(
      'TagResource',
      new TooManyRequestsException({ message: 'slow', $metadata: {} }),
    );
    const id = fake.accountByName('a0')!.id;
    const tag = () => fake.send(new TagResourceCommand({ ResourceId: id, Tags: [{ Key: 'k', Value: 'v' }] }));
    expect(await nameOf(tag())).toBe('TooManyRequestsException');
    expect(await nameOf(tag())).toBe('resolved');
  });

  it('counts calls per operation and tracks calls in flight with injected latency', async () => {
    const waits: number[] = [];
    const fake = orgWith(2, {
      latencyMs: (op) => (op === 'ListTagsForResource' ? 30 : 10),
      sleep: async (ms) => {
        waits.push(ms);
        await new Promise((r) => setImmediate(r));
      },
    });
    const ids = [...fake.accounts.keys()];
    await Promise.all(ids.map((id) => fake.send(new ListTagsForResourceCommand({ ResourceId: id }))));
    await fake.send(new ListRootsCommand({}));
    expect(fake.calls).toEqual({ ListTagsForResource: 3, ListRoots: 1 });
    expect(waits).toEqual([30, 30, 30, 10]);
    expect(fake.maxInFlight).toBe(3);
  });
});

describe('FakeOrganizations: asynchronous CloseAccount', () => {
  it('shows PENDING_CLOSURE once, then SUSPENDED, and refuses a second close and the management account', async () => {
    const fake = orgWith(1);
    const id = fake.accountByName('a0')!.id;
    await fake.send(new CloseAccountCommand({ AccountId: id }));
    const state = async () => (await fake.send(new DescribeAccountCommand({ AccountId: id }))).Account?.State;
    expect(await state()).toBe('PENDING_CLOSURE');
    expect(await state()).toBe('SUSPENDED');
    expect(await nameOf(fake.send(new CloseAccountCommand({ AccountId: id })))).toBe(
      'AccountAlreadyClosedException',
    );
    const mgmt = (await fake.send(new DescribeOrganizationCommand({}))).Organization!.MasterAccountId!;
    expect(await nameOf(fake.send(new CloseAccountCommand({ AccountId: mgmt })))).toBe(
      'ConstraintViolationException',
    );
  });
});
