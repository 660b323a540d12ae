import {
  AccountAlreadyClosedException,
  CloseAccountCommand,
  AccessDeniedException,
  AttachPolicyCommand,
  AWSOrganizationsNotInUseException,
  ConstraintViolationException,
  CreateAccountCommand,
  CreateOrganizationalUnitCommand,
  CreatePolicyCommand,
  DescribeAccountCommand,
  DescribeOrganizationCommand,
  DetachPolicyCommand,
  DuplicateAccountException,
  DuplicateOrganizationalUnitException,
  DuplicatePolicyAttachmentException,
  DuplicatePolicyException,
  EnablePolicyTypeCommand,
  FinalizingOrganizationException,
  ListAccountsForParentCommand,
  ListCreateAccountStatusCommand,
  ListOrganizationalUnitsForParentCommand,
  ListPoliciesCommand,
  ListTagsForResourceCommand,
  MoveAccountCommand,
  OrganizationsClient,
  PolicyNotAttachedException,
  PolicyTypeAlreadyEnabledException,
  PolicyTypeNotEnabledException,
  ServiceException,
  SourceParentNotFoundException,
  TooManyRequestsException,
} from '@aws-sdk/client-organizations';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { OrganizationsAdapter } from '../../src/aws/organizations.js';
import { withRetries } from '../../src/aws/send.js';
import { CREATE_ACCOUNT_ERRORS, POLICY_TYPE_NOT_ENABLED } from '../../src/core/org/ports.js';
import { EstateError } from '../../src/errors.js';

const meta = { $metadata: {} };
const mock = mockClient(OrganizationsClient);
const client = () =>
  new OrganizationsClient({ region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
const adapter = () => new OrganizationsAdapter(client());

const account = (id: string, name = `acct-${id}`) => ({
  Id: id,
  Arn: `arn:aws:organizations::111111111111:account/o-1/${id}`,
  Name: name,
  Email: `${name}@example.com`,
  State: 'ACTIVE' as const,
});

beforeEach(() => mock.reset());

describe('OrganizationsAdapter: pagination', () => {
  it('Given three pages of accounts, When listing a parent, Then every page is requested with the previous NextToken', async () => {
    mock
      .on(ListAccountsForParentCommand, { ParentId: 'ou-1', NextToken: undefined })
      .resolves({ Accounts: [account('200000000001'), account('200000000002')], NextToken: 't1' })
      .on(ListAccountsForParentCommand, { ParentId: 'ou-1', NextToken: 't1' })
      .resolves({ Accounts: [], NextToken: 't2' })
      .on(ListAccountsForParentCommand, { ParentId: 'ou-1', NextToken: 't2' })
      .resolves({ Accounts: [account('200000000003')] });

    const accounts = await adapter().listAccountsForParent('ou-1');

    expect(accounts.map((a) => a.id)).toEqual(['200000000001', '200000000002', '200000000003']);
    expect(accounts[0]).toEqual({
      id: '200000000001',
      arn: 'arn:aws:organizations::111111111111:account/o-1/200000000001',
      name: 'acct-200000000001',
      email: 'acct-200000000001@example.com',
      status: 'ACTIVE',
    });
    const calls = mock.commandCalls(ListAccountsForParentCommand).map((c) => c.args[0].input);
    expect(calls).toEqual([
      { ParentId: 'ou-1', NextToken: undefined },
      { ParentId: 'ou-1', NextToken: 't1' },
      { ParentId: 'ou-1', NextToken: 't2' },
    ]);
  });

  it('Given paged OUs, tags, policies and creation requests, When listed, Then all pages are joined', async () => {
    mock
      .on(ListOrganizationalUnitsForParentCommand, { NextToken: undefined })
      .resolves({ OrganizationalUnits: [{ Id: 'ou-a', Name: 'A' }], NextToken: 'n' })
      .on(ListOrganizationalUnitsForParentCommand, { NextToken: 'n' })
      .resolves({ OrganizationalUnits: [{ Id: 'ou-b', Name: 'B' }] })
      .on(ListTagsForResourceCommand, { NextToken: undefined })
      .resolves({ Tags: [{ Key: 'a', Value: '1' }], NextToken: 'n' })
      .on(ListTagsForResourceCommand, { NextToken: 'n' })
      .resolves({ Tags: [{ Key: 'b', Value: '2' }] })
      .on(ListPoliciesCommand, { NextToken: undefined })
      .resolves({ Policies: [{ Id: 'p-1', Name: 'one', Type: 'SERVICE_CONTROL_POLICY' }], NextToken: 'n' })
      .on(ListPoliciesCommand, { NextToken: 'n' })
      .resolves({ Policies: [{ Id: 'p-2', Name: 'two', Type: 'SERVICE_CONTROL_POLICY', AwsManaged: true }] })
      .on(ListCreateAccountStatusCommand, { NextToken: undefined })
      .resolves({
        CreateAccountStatuses: [{ Id: 'car-1', AccountName: 'x', State: 'IN_PROGRESS' }],
        NextToken: 'n',
      })
      .on(ListCreateAccountStatusCommand, { NextToken: 'n' })
      .resolves({ CreateAccountStatuses: [{ Id: 'car-2', AccountName: 'y', State: 'IN_PROGRESS' }] });

    const a = adapter();
    expect((await a.listOrganizationalUnits('r-1')).map((o) => o.name)).toEqual(['A', 'B']);
    expect(await a.listTags('ou-a')).toEqual({ a: '1', b: '2' });
    expect((await a.listPolicies('SERVICE_CONTROL_POLICY')).map((p) => [p.name, p.awsManaged])).toEqual([
      ['one', false],
      ['two', true],
    ]);
    expect((await a.listCreateAccountRequests(['IN_PROGRESS'])).map((r) => r.id)).toEqual(['car-1', 'car-2']);
    expect(mock.commandCalls(ListPoliciesCommand)[0]!.args[0].input).toEqual({
      Filter: 'SERVICE_CONTROL_POLICY',
      NextToken: undefined,
    });
    expect(mock.commandCalls(ListCreateAccountStatusCommand)[0]!.args[0].input.States).toEqual([
      'IN_PROGRESS',
    ]);
  });
});

describe('OrganizationsAdapter: command inputs', () => {
  it('When creating an account, Then the request carries name, e-mail, role, billing access and tags', async () => {
    mock
      .on(CreateAccountCommand)
      .resolves({ CreateAccountStatus: { Id: 'car-1', AccountName: 'dev', State: 'IN_PROGRESS' } });

    const request = await adapter().createAccount({
      name: 'dev',
      email: 'aws+dev@example.com',
      roleName: 'OrganizationAccountAccessRole',
      iamUserAccessToBilling: true,
      tags: { CostCenter: 'shared', 'estate:kind': 'developer' },
    });

    expect(request).toEqual({ id: 'car-1', accountName: 'dev', state: 'IN_PROGRESS' });
    expect(mock.commandCalls(CreateAccountCommand)[0]!.args[0].input).toEqual({
      AccountName: 'dev',
      Email: 'aws+dev@example.com',
      RoleName: 'OrganizationAccountAccessRole',
      IamUserAccessToBilling: 'ALLOW',
      Tags: [
        { Key: 'CostCenter', Value: 'shared' },
        { Key: 'estate:kind', Value: 'developer' },
      ],
    });
  });

  it('When moving an account, Then source and destination parents are sent', async () => {
    mock.on(MoveAccountCommand).resolves({});
    await adapter().moveAccount({ accountId: '200000000001', fromParentId: 'r-1', toParentId: 'ou-1' });
    expect(mock.commandCalls(MoveAccountCommand)[0]!.args[0].input).toEqual({
      AccountId: '200000000001',
      SourceParentId: 'r-1',
      DestinationParentId: 'ou-1',
    });
  });

  it('When creating an OU without tags, Then no empty Tags list is sent', async () => {
    mock
      .on(CreateOrganizationalUnitCommand)
      .resolves({ OrganizationalUnit: { Id: 'ou-9', Name: 'Sandbox' } });
    const ou = await adapter().createOrganizationalUnit({ parentId: 'r-1', name: 'Sandbox', tags: {} });
    expect(ou).toEqual({ id: 'ou-9', arn: '', name: 'Sandbox', existed: false });
    expect(mock.commandCalls(CreateOrganizationalUnitCommand)[0]!.args[0].input).toEqual({
      ParentId: 'r-1',
      Name: 'Sandbox',
    });
  });
});

describe('OrganizationsAdapter: "already there" answers', () => {
  it('Given the OU already exists, When creating it, Then the existing OU is returned', async () => {
    mock
      .on(CreateOrganizationalUnitCommand)
      .rejects(new DuplicateOrganizationalUnitException({ message: 'dup', ...meta }))
      .on(ListOrganizationalUnitsForParentCommand, { ParentId: 'r-1' })
      .resolves({
        OrganizationalUnits: [
          { Id: 'ou-x', Name: 'Other' },
          { Id: 'ou-s', Name: 'Sandbox' },
        ],
      });
    const ou = await adapter().createOrganizationalUnit({
      parentId: 'r-1',
      name: 'Sandbox',
      tags: { a: 'b' },
    });
    expect(ou).toMatchObject({ id: 'ou-s', existed: true });
  });

  it('Given the account is already in the destination, When moving it, Then that counts as done', async () => {
    mock.on(MoveAccountCommand).rejects(new DuplicateAccountException({ message: 'dup', ...meta }));
    await expect(
      adapter().moveAccount({ accountId: '200000000001', fromParentId: 'r-1', toParentId: 'ou-1' }),
    ).resolves.toBeUndefined();
  });

  it('Given the policy is attached already, or not attached, When attaching or detaching, Then both succeed', async () => {
    mock
      .on(AttachPolicyCommand)
      .rejects(new DuplicatePolicyAttachmentException({ message: 'dup', ...meta }))
      .on(DetachPolicyCommand)
      .rejects(new PolicyNotAttachedException({ message: 'no', ...meta }));
    await expect(adapter().attachPolicy({ policyId: 'p-1', targetId: 'ou-1' })).resolves.toBeUndefined();
    await expect(adapter().detachPolicy({ policyId: 'p-1', targetId: 'ou-1' })).resolves.toBeUndefined();
  });

  it('Given a policy of that name exists, When creating it, Then the existing one is returned by name and type', async () => {
    mock
      .on(CreatePolicyCommand)
      .rejects(new DuplicatePolicyException({ message: 'dup', ...meta }))
      .on(ListPoliciesCommand, { Filter: 'TAG_POLICY' })
      .resolves({ Policies: [{ Id: 'p-t', Name: 'estate-tags', Type: 'TAG_POLICY' }] });
    const policy = await adapter().createPolicy({
      name: 'estate-tags',
      type: 'TAG_POLICY',
      description: 'd',
      content: '{}',
    });
    expect(policy).toMatchObject({ id: 'p-t', existed: true });
  });

  it('Given the policy type is enabled already, When enabling it, Then that counts as done', async () => {
    mock
      .on(EnablePolicyTypeCommand)
      .rejects(new PolicyTypeAlreadyEnabledException({ message: 'on', ...meta }));
    await expect(adapter().enablePolicyType('r-1', 'SERVICE_CONTROL_POLICY')).resolves.toBeUndefined();
  });

  it('Given the caller is in no organisation, When describing it, Then the answer is "none" rather than an error', async () => {
    mock
      .on(DescribeOrganizationCommand)
      .rejects(new AWSOrganizationsNotInUseException({ message: 'no', ...meta }));
    await expect(adapter().describeOrganization()).resolves.toBeUndefined();
  });
});

describe('OrganizationsAdapter: error mapping', () => {
  it('Given AccessDenied on MoveAccount, Then the error names the action, the account and OU, and the permission', async () => {
    mock.on(MoveAccountCommand).rejects(new AccessDeniedException({ message: 'denied', ...meta }));
    const error = await adapter()
      .moveAccount({
        accountId: '111122223333',
        fromParentId: 'r-1',
        toParentId: 'ou-1',
        label: 'account 111122223333 (dev-alice) to OU Sandbox',
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EstateError);
    expect((error as EstateError).message).toBe(
      'cannot MoveAccount account 111122223333 (dev-alice) to OU Sandbox: the caller lacks organizations:MoveAccount (AccessDeniedException)',
    );
  });

  it('Given the account left its source parent, When moving it, Then the fix says to plan again', async () => {
    mock.on(MoveAccountCommand).rejects(new SourceParentNotFoundException({ message: 'gone', ...meta }));
    const error = (await adapter()
      .moveAccount({ accountId: '111122223333', fromParentId: 'ou-old', toParentId: 'ou-1' })
      .catch((e: unknown) => e)) as EstateError;
    expect(error.code).toBe('SourceParentNotFoundException');
    expect(error.suggestions[0]).toMatch(/estate plan/);
  });

  const newAccount = {
    name: 'x',
    email: 'x@example.com',
    roleName: 'R',
    iamUserAccessToBilling: false,
    tags: {},
  };
  const createError = async () =>
    (await adapter()
      .createAccount(newAccount)
      .catch((e: unknown) => e)) as EstateError;

  it('Given ACCOUNT_CREATION_RATE_LIMIT_EXCEEDED, When creating an account, Then the code and message mean the daily limit', async () => {
    mock.on(CreateAccountCommand).rejects(
      new ConstraintViolationException({
        message: 'You attempted to exceed the number of accounts that you can create in one day.',
        Reason: 'ACCOUNT_CREATION_RATE_LIMIT_EXCEEDED',
        ...meta,
      }),
    );
    const error = await createError();
    expect(error.code).toBe(CREATE_ACCOUNT_ERRORS.dailyLimit);
    expect(error.message).toMatch(/in one day/);
    expect(error.message).not.toMatch(/in progress/);
  });

  it('Given ACCOUNT_NUMBER_LIMIT_EXCEEDED or FinalizingOrganizationException, Then each has its own code', async () => {
    mock.on(CreateAccountCommand).rejectsOnce(
      new ConstraintViolationException({
        message: 'limit',
        Reason: 'ACCOUNT_NUMBER_LIMIT_EXCEEDED',
        ...meta,
      }),
    );
    expect((await createError()).code).toBe(CREATE_ACCOUNT_ERRORS.numberLimit);
    mock.on(CreateAccountCommand).rejects(new FinalizingOrganizationException({ message: 'init', ...meta }));
    expect((await createError()).code).toBe(CREATE_ACCOUNT_ERRORS.finalizing);
  });

  it('Given a 5xx, a timeout or a reset connection on CreateAccount, Then the outcome is unknown (the request may exist); a 4xx refusal is not', async () => {
    const unknown = [
      new ServiceException({ message: 'boom', ...meta }),
      Object.assign(new Error('socket hang up'), { name: 'Error', code: 'ECONNRESET' }),
      Object.assign(new Error('Request timed out'), { name: 'TimeoutError' }),
      Object.assign(new Error('bad gateway'), { name: 'Unknown', $metadata: { httpStatusCode: 502 } }),
    ];
    for (const e of unknown) {
      mock.on(CreateAccountCommand).rejects(e);
      const error = await createError();
      expect(error.code, e.message).toBe(CREATE_ACCOUNT_ERRORS.outcomeUnknown);
      expect(error.suggestions[0]).toMatch(/looks for the request and the account/);
    }
    const refused = [
      new AccessDeniedException({ message: 'no', ...meta }),
      new ConstraintViolationException({ message: 'x', Reason: 'EMAIL_VERIFICATION_CODE_EXPIRED', ...meta }),
      new TooManyRequestsException({ message: 'Rate exceeded', ...meta }),
    ];
    for (const e of refused) {
      mock.on(CreateAccountCommand).rejects(e);
      expect((await createError()).code, e.name).not.toBe(CREATE_ACCOUNT_ERRORS.outcomeUnknown);
    }
  });

  it('Given PolicyTypeNotEnabledException on AttachPolicy, Then a dedicated code lets the applier wait and retry', async () => {
    mock
      .on(AttachPolicyCommand)
      .rejects(new PolicyTypeNotEnabledException({ message: 'not enabled', ...meta }));
    const error = (await adapter()
      .attachPolicy({ policyId: 'p-1', targetId: 'r-1', label: 'estate-x to Root' })
      .catch((e: unknown) => e)) as EstateError;
    expect(error.code).toBe(POLICY_TYPE_NOT_ENABLED);
    expect(error.message).toMatch(/estate-x to Root/);
  });

  it('When describing an account, Then its JoinedTimestamp comes back as joinedAt', async () => {
    mock.on(DescribeAccountCommand, { AccountId: '111111111111' }).resolves({
      Account: {
        ...account('111111111111', 'management'),
        JoinedTimestamp: new Date('2026-12-01T10:00:00Z'),
      },
    });
    expect(await adapter().describeAccount('111111111111')).toMatchObject({
      id: '111111111111',
      joinedAt: '2026-12-01T10:00:00.000Z',
    });
  });

  it('Given throttling outlasts the retries, Then the error says so with the attempts and what to lower', async () => {
    mock
      .on(ListTagsForResourceCommand)
      .rejects(new TooManyRequestsException({ message: 'Rate exceeded', ...meta }));
    const throttled = new OrganizationsAdapter(
      withRetries(client(), { maxAttempts: 3, sleep: async () => {} }),
    );
    const error = (await throttled.listTags('200000000001').catch((e: unknown) => e)) as EstateError;
    expect(mock.commandCalls(ListTagsForResourceCommand)).toHaveLength(3);
    expect(error.code).toBe('Throttled');
    expect(error.message).toMatch(
      /ListTagsForResource 200000000001 was still throttled by AWS after 3 attempts/,
    );
  });

  it('Given a transient throttle, When the client retries, Then the adapter sees only the success', async () => {
    mock
      .on(ListTagsForResourceCommand)
      .rejectsOnce(new TooManyRequestsException({ message: 'Rate exceeded', ...meta }))
      .resolves({ Tags: [{ Key: 'k', Value: 'v' }] });
    const retried = new OrganizationsAdapter(withRetries(client(), { sleep: async () => {} }));
    expect(await retried.listTags('200000000001')).toEqual({ k: 'v' });
    expect(mock.commandCalls(ListTagsForResourceCommand)).toHaveLength(2);
  });
});

describe('OrganizationsAdapter: closing an account', () => {
  it('sends CloseAccount with the account id and reads the state back from DescribeAccount', async () => {
    mock.on(CloseAccountCommand).resolves(meta);
    mock
      .on(DescribeAccountCommand)
      .resolves({ Account: { ...account('222233334444'), State: 'PENDING_CLOSURE' } });
    await adapter().closeAccount({ accountId: '222233334444' });
    expect(mock.commandCalls(CloseAccountCommand)[0]!.args[0].input).toEqual({ AccountId: '222233334444' });
    expect(await adapter().accountStatus('222233334444')).toBe('PENDING_CLOSURE');
  });

  it('treats an account already closed as closed', async () => {
    mock.on(CloseAccountCommand).rejects(new AccountAlreadyClosedException({ message: 'closed', ...meta }));
    await expect(adapter().closeAccount({ accountId: '222233334444' })).resolves.toBeUndefined();
  });

  it('fails with the closure quota named when AWS refuses for CLOSE_ACCOUNT_QUOTA_EXCEEDED', async () => {
    mock.on(CloseAccountCommand).rejects(
      Object.assign(new ConstraintViolationException({ message: 'quota', ...meta }), {
        Reason: 'CLOSE_ACCOUNT_QUOTA_EXCEEDED',
      }),
    );
    const error = (await adapter()
      .closeAccount({ accountId: '222233334444', label: '222233334444 (dev-bob)' })
      .catch((e: unknown) => e)) as EstateError;
    expect(error.code).toBe('CloseAccountQuota');
    expect(error.message).toContain('222233334444 (dev-bob)');
    expect(error.message).toContain('30 days');
  });

  it('fails naming CloseAccount and the fix on AccessDenied', async () => {
    mock.on(CloseAccountCommand).rejects(new AccessDeniedException({ message: 'denied', ...meta }));
    const error = (await adapter()
      .closeAccount({ accountId: '222233334444' })
      .catch((e: unknown) => e)) as EstateError;
    expect(error).toBeInstanceOf(EstateError);
    expect(error.message).toContain('CloseAccount');
  });
});
