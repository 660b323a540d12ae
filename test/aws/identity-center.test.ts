import {
  AccessDeniedException,
  AttachManagedPolicyToPermissionSetCommand,
  ConflictException,
  CreateAccountAssignmentCommand,
  CreatePermissionSetCommand,
  DeleteAccountAssignmentCommand,
  DescribeAccountAssignmentCreationStatusCommand,
  DescribeAccountAssignmentDeletionStatusCommand,
  DescribePermissionSetCommand,
  DescribePermissionSetProvisioningStatusCommand,
  ListAccountAssignmentsCommand,
  ListInstancesCommand,
  ListManagedPoliciesInPermissionSetCommand,
  ListPermissionSetsCommand,
  ListPermissionSetsProvisionedToAccountCommand,
  ProvisionPermissionSetCommand,
  ResourceNotFoundException,
  SSOAdminClient,
  ThrottlingException,
} from '@aws-sdk/client-sso-admin';
import {
  GetGroupIdCommand,
  GetUserIdCommand,
  IdentitystoreClient,
  ResourceNotFoundException as StoreNotFound,
} from '@aws-sdk/client-identitystore';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { endpointFor, IAM_PREFIX } from '../../src/aws/clients.js';
import {
  IDENTITY_CENTER_ERRORS,
  IdentityCenterAdapter,
  type IdentityCenterOptions,
} from '../../src/aws/identity-center.js';
import { withRetries } from '../../src/aws/send.js';
import type { AccountAssignment } from '../../src/core/onboard/ports.js';
import { EstateError } from '../../src/errors.js';

const meta = { $metadata: {} };
const admin = mockClient(SSOAdminClient);
const store = mockClient(IdentitystoreClient);
const credentials = { accessKeyId: 'a', secretAccessKey: 'b' };
const INSTANCE = 'arn:aws:sso:::instance/ssoins-1111111111111111';
const PS = 'arn:aws:sso:::permissionSet/ssoins-1111111111111111/ps-2222222222222222';
const ACCOUNT = '200000000001';
const ASSIGNMENT: AccountAssignment = {
  accountId: ACCOUNT,
  permissionSetArn: PS,
  principal: { type: 'USER', id: 'user-1' },
};

/** The sleeps the adapter asked for, in order; they return at once. */
let slept: number[];
const adapter = (options: IdentityCenterOptions = {}, region = 'eu-west-2') =>
  new IdentityCenterAdapter(
    new SSOAdminClient({ region, credentials }),
    new IdentitystoreClient({ region, credentials }),
    region,
    {
      sleep: async (ms) => {
        slept.push(ms);
      },
      ...options,
    },
  );

const conflict = (message = 'An operation is in progress') => new ConflictException({ message, ...meta });

beforeEach(() => {
  admin.reset();
  store.reset();
  slept = [];
});

async function rejection(promise: Promise<unknown>): Promise<EstateError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(EstateError);
  return error as EstateError;
}

describe('service keys', () => {
  it('reads AWS_ENDPOINT_URL_SSO_ADMIN and AWS_ENDPOINT_URL_IDENTITYSTORE (the SDK service ids "SSO Admin" and "identitystore")', () => {
    const env = {
      AWS_ENDPOINT_URL: 'http://all:1',
      AWS_ENDPOINT_URL_SSO_ADMIN: 'http://sso:2',
      AWS_ENDPOINT_URL_IDENTITYSTORE: 'http://store:3',
    };
    expect(endpointFor('SSO_ADMIN', env)).toBe('http://sso:2');
    expect(endpointFor('IDENTITYSTORE', env)).toBe('http://store:3');
    expect(endpointFor('SSO_ADMIN', { AWS_ENDPOINT_URL: 'http://all:1' })).toBe('http://all:1');
    expect([IAM_PREFIX.SSO_ADMIN, IAM_PREFIX.IDENTITYSTORE]).toEqual(['sso', 'identitystore']);
  });
});

describe('IdentityCenterAdapter: reads', () => {
  it('Given two pages of instances, When asking for the instance, Then the ACTIVE one is returned with its portal URL', async () => {
    admin
      .on(ListInstancesCommand, { NextToken: undefined })
      .resolves({
        Instances: [
          {
            InstanceArn: 'arn:aws:sso:::instance/ssoins-0',
            IdentityStoreId: 'd-0',
            Status: 'DELETE_IN_PROGRESS',
          },
        ],
        NextToken: 't1',
      })
      .on(ListInstancesCommand, { NextToken: 't1' })
      .resolves({
        Instances: [{ InstanceArn: INSTANCE, IdentityStoreId: 'd-1234567890', Status: 'ACTIVE' }],
      });

    expect(await adapter().instance()).toEqual({
      instanceArn: INSTANCE,
      identityStoreId: 'd-1234567890',
      status: 'ACTIVE',
      portalUrl: 'https://d-1234567890.awsapps.com/start',
    });
    expect(admin.commandCalls(ListInstancesCommand)).toHaveLength(2);
  });

  it('Given no instance, When asking for the instance, Then it is undefined (Identity Center is not enabled)', async () => {
    admin.on(ListInstancesCommand).resolves({ Instances: [] });
    expect(await adapter().instance()).toBeUndefined();
  });

  it('finds a user by e-mail through the emails.value unique attribute, and a group by displayName', async () => {
    store.on(GetUserIdCommand).resolves({ UserId: 'user-1', IdentityStoreId: 'd-1' });
    store.on(GetGroupIdCommand).resolves({ GroupId: 'group-1', IdentityStoreId: 'd-1' });

    expect(await adapter().userByEmail('d-1', 'alice@example.com')).toBe('user-1');
    expect(await adapter().groupByName('d-1', 'Developers')).toBe('group-1');
    expect(store.commandCalls(GetUserIdCommand)[0]!.args[0].input).toEqual({
      IdentityStoreId: 'd-1',
      AlternateIdentifier: {
        UniqueAttribute: { AttributePath: 'emails.value', AttributeValue: 'alice@example.com' },
      },
    });
    expect(store.commandCalls(GetGroupIdCommand)[0]!.args[0].input).toEqual({
      IdentityStoreId: 'd-1',
      AlternateIdentifier: {
        UniqueAttribute: { AttributePath: 'displayName', AttributeValue: 'Developers' },
      },
    });
  });

  it('Given no such user or group (ResourceNotFoundException), When looking them up, Then they are undefined', async () => {
    store.on(GetUserIdCommand).rejects(new StoreNotFound({ message: 'USER not found', ...meta }));
    store.on(GetGroupIdCommand).rejects(new StoreNotFound({ message: 'GROUP not found', ...meta }));
    expect(await adapter().userByEmail('d-1', 'nobody@example.com')).toBeUndefined();
    expect(await adapter().groupByName('d-1', 'Nobody')).toBeUndefined();
  });

  it('rejects a lookup the caller may not make, naming the identitystore permission', async () => {
    store.on(GetUserIdCommand).rejects(new AccessDeniedException({ message: 'no', ...meta }));
    const error = await rejection(adapter().userByEmail('d-1', 'alice@example.com'));
    expect(error.code).toBe('AccessDenied');
    expect(error.message).toContain('identitystore:GetUserId');
    expect(error.suggestions.join(' ')).toMatch(
      /management account or the Identity Center delegated administrator/,
    );
  });

  it('lists every page of permission sets and describes each for its name', async () => {
    admin
      .on(ListPermissionSetsCommand, { NextToken: undefined })
      .resolves({ PermissionSets: [`${PS}a`, `${PS}b`], NextToken: 't1' })
      .on(ListPermissionSetsCommand, { NextToken: 't1' })
      .resolves({ PermissionSets: [`${PS}c`] });
    admin.on(DescribePermissionSetCommand).callsFake((input: { PermissionSetArn: string }) => ({
      PermissionSet: {
        PermissionSetArn: input.PermissionSetArn,
        Name: `name-${input.PermissionSetArn.slice(-1)}`,
      },
    }));

    expect(await adapter().permissionSets(INSTANCE)).toEqual([
      { arn: `${PS}a`, name: 'name-a' },
      { arn: `${PS}b`, name: 'name-b' },
      { arn: `${PS}c`, name: 'name-c' },
    ]);
  });

  it('asks whether the latest version of a permission set is provisioned to the account, over every page', async () => {
    admin
      .on(ListPermissionSetsProvisionedToAccountCommand, { NextToken: undefined })
      .resolves({ PermissionSets: ['other'], NextToken: 't1' })
      .on(ListPermissionSetsProvisionedToAccountCommand, { NextToken: 't1' })
      .resolves({ PermissionSets: [PS] });

    expect(await adapter().isProvisioned(INSTANCE, PS, ACCOUNT)).toBe(true);
    expect(admin.commandCalls(ListPermissionSetsProvisionedToAccountCommand)[0]!.args[0].input).toMatchObject(
      {
        InstanceArn: INSTANCE,
        AccountId: ACCOUNT,
        ProvisioningStatus: 'LATEST_PERMISSION_SET_PROVISIONED',
      },
    );
    admin.reset();
    admin.on(ListPermissionSetsProvisionedToAccountCommand).resolves({ PermissionSets: ['other'] });
    expect(await adapter().isProvisioned(INSTANCE, PS, ACCOUNT)).toBe(false);
  });

  it("lists an account's assignments across every permission set provisioned to it, every page of each", async () => {
    admin
      .on(ListPermissionSetsProvisionedToAccountCommand)
      .resolves({ PermissionSets: [`${PS}a`, `${PS}b`] });
    admin
      .on(ListAccountAssignmentsCommand, { PermissionSetArn: `${PS}a`, NextToken: undefined })
      .resolves({
        AccountAssignments: [
          { AccountId: ACCOUNT, PermissionSetArn: `${PS}a`, PrincipalType: 'USER', PrincipalId: 'u1' },
        ],
        NextToken: 't1',
      })
      .on(ListAccountAssignmentsCommand, { PermissionSetArn: `${PS}a`, NextToken: 't1' })
      .resolves({
        AccountAssignments: [
          { AccountId: ACCOUNT, PermissionSetArn: `${PS}a`, PrincipalType: 'GROUP', PrincipalId: 'g1' },
        ],
      })
      .on(ListAccountAssignmentsCommand, { PermissionSetArn: `${PS}b` })
      .resolves({ AccountAssignments: [] });

    expect(await adapter().accountAssignments(INSTANCE, ACCOUNT)).toEqual([
      { accountId: ACCOUNT, permissionSetArn: `${PS}a`, principal: { type: 'USER', id: 'u1' } },
      { accountId: ACCOUNT, permissionSetArn: `${PS}a`, principal: { type: 'GROUP', id: 'g1' } },
    ]);
    // Offboarding sees every set, not only the up-to-date ones.
    expect(
      admin.commandCalls(ListPermissionSetsProvisionedToAccountCommand)[0]!.args[0].input.ProvisioningStatus,
    ).toBeUndefined();
  });
});

describe('IdentityCenterAdapter: permission sets', () => {
  const spec = {
    name: 'EstateDeveloper',
    description: 'estate developers',
    sessionDuration: 'PT8H',
    managedPolicyArns: ['arn:aws:iam::aws:policy/PowerUserAccess', 'arn:aws:iam::aws:policy/ReadOnlyAccess'],
  };

  it('creates a permission set with its session duration, then attaches each managed policy', async () => {
    admin
      .on(CreatePermissionSetCommand)
      .resolves({ PermissionSet: { PermissionSetArn: PS, Name: spec.name } });
    admin.on(ListManagedPoliciesInPermissionSetCommand).resolves({ AttachedManagedPolicies: [] });
    admin.on(AttachManagedPolicyToPermissionSetCommand).resolves({});

    expect(await adapter().createPermissionSet(INSTANCE, spec)).toBe(PS);
    expect(admin.commandCalls(CreatePermissionSetCommand)[0]!.args[0].input).toEqual({
      InstanceArn: INSTANCE,
      Name: 'EstateDeveloper',
      SessionDuration: 'PT8H',
      Description: 'estate developers',
    });
    expect(
      admin
        .commandCalls(AttachManagedPolicyToPermissionSetCommand)
        .map((c) => c.args[0].input.ManagedPolicyArn),
    ).toEqual(spec.managedPolicyArns);
  });

  it('Given the name is taken (ConflictException), When creating, Then the existing set is used and only its missing policies are attached', async () => {
    admin
      .on(CreatePermissionSetCommand)
      .rejects(conflict('PermissionSet with name EstateDeveloper already exists.'));
    admin.on(ListPermissionSetsCommand).resolves({ PermissionSets: [PS] });
    admin
      .on(DescribePermissionSetCommand)
      .resolves({ PermissionSet: { PermissionSetArn: PS, Name: spec.name } });
    admin
      .on(ListManagedPoliciesInPermissionSetCommand)
      .resolves({ AttachedManagedPolicies: [{ Arn: spec.managedPolicyArns[0], Name: 'PowerUserAccess' }] });
    admin.on(AttachManagedPolicyToPermissionSetCommand).resolves({});

    expect(await adapter().createPermissionSet(INSTANCE, spec)).toBe(PS);
    expect(admin.commandCalls(CreatePermissionSetCommand)).toHaveLength(1);
    expect(
      admin
        .commandCalls(AttachManagedPolicyToPermissionSetCommand)
        .map((c) => c.args[0].input.ManagedPolicyArn),
    ).toEqual([spec.managedPolicyArns[1]]);
  });

  it('Given a ConflictException from a concurrent write, When creating, Then it backs off and sends again', async () => {
    admin
      .on(CreatePermissionSetCommand)
      .rejectsOnce(conflict())
      .resolves({ PermissionSet: { PermissionSetArn: PS } });
    admin.on(ListPermissionSetsCommand).resolves({ PermissionSets: [] });
    admin.on(ListManagedPoliciesInPermissionSetCommand).resolves({ AttachedManagedPolicies: [] });
    admin.on(AttachManagedPolicyToPermissionSetCommand).resolves({});

    expect(await adapter({ conflictDelayMs: 500 }).createPermissionSet(INSTANCE, spec)).toBe(PS);
    expect(admin.commandCalls(CreatePermissionSetCommand)).toHaveLength(2);
    expect(slept).toEqual([500]);
  });

  it('fails when conflicts go on past the attempts, saying another operation is in progress', async () => {
    admin.on(CreatePermissionSetCommand).rejects(conflict());
    admin.on(ListPermissionSetsCommand).resolves({ PermissionSets: [] });

    const error = await rejection(
      adapter({ conflictAttempts: 3, conflictDelayMs: 1000 }).createPermissionSet(INSTANCE, spec),
    );
    expect(error.code).toBe('ConflictException');
    expect(error.suggestions[0]).toMatch(/still in progress after 3 attempts/);
    expect(slept).toEqual([1000, 2000]);
  });
});

describe('IdentityCenterAdapter: provisioning', () => {
  it('Given provisioning IN_PROGRESS, When provisioning, Then it polls with a growing interval until SUCCEEDED', async () => {
    admin
      .on(ProvisionPermissionSetCommand)
      .resolves({ PermissionSetProvisioningStatus: { Status: 'IN_PROGRESS', RequestId: 'req-1' } });
    admin
      .on(DescribePermissionSetProvisioningStatusCommand)
      .resolvesOnce({ PermissionSetProvisioningStatus: { Status: 'IN_PROGRESS', RequestId: 'req-1' } })
      .resolvesOnce({ PermissionSetProvisioningStatus: { Status: 'IN_PROGRESS', RequestId: 'req-1' } })
      .resolves({ PermissionSetProvisioningStatus: { Status: 'SUCCEEDED', RequestId: 'req-1' } });

    await adapter({ pollMs: 1000 }).provisionPermissionSet(INSTANCE, PS, ACCOUNT);

    expect(admin.commandCalls(ProvisionPermissionSetCommand)[0]!.args[0].input).toEqual({
      InstanceArn: INSTANCE,
      PermissionSetArn: PS,
      TargetType: 'AWS_ACCOUNT',
      TargetId: ACCOUNT,
    });
    expect(
      admin.commandCalls(DescribePermissionSetProvisioningStatusCommand).map((c) => c.args[0].input),
    ).toEqual(Array(3).fill({ InstanceArn: INSTANCE, ProvisionPermissionSetRequestId: 'req-1' }));
    expect(slept).toEqual([1000, 1500, 2250]);
  });

  it('fails when provisioning ends FAILED, with the reason, the account and the permission set', async () => {
    admin
      .on(ProvisionPermissionSetCommand)
      .resolves({ PermissionSetProvisioningStatus: { Status: 'IN_PROGRESS', RequestId: 'req-1' } });
    admin.on(DescribePermissionSetProvisioningStatusCommand).resolves({
      PermissionSetProvisioningStatus: {
        Status: 'FAILED',
        RequestId: 'req-1',
        FailureReason: 'Received a 404 status error: Not supported policy arn:aws:iam::aws:policy/Nope',
      },
    });

    const error = await rejection(adapter().provisionPermissionSet(INSTANCE, PS, ACCOUNT));
    expect(error.code).toBe(IDENTITY_CENTER_ERRORS.failed);
    expect(error.message).toBe(
      `provisioning permission set ${PS} to account ${ACCOUNT} failed: Received a 404 status error: Not supported policy arn:aws:iam::aws:policy/Nope`,
    );
    expect(error.details).toMatchObject({ accountId: ACCOUNT, permissionSetArn: PS, requestId: 'req-1' });
    expect(error.suggestions[0]).toMatch(/managed policies/);
  });

  it('fails when provisioning is still IN_PROGRESS at the timeout, naming the request to follow', async () => {
    admin
      .on(ProvisionPermissionSetCommand)
      .resolves({ PermissionSetProvisioningStatus: { Status: 'IN_PROGRESS', RequestId: 'req-9' } });
    admin
      .on(DescribePermissionSetProvisioningStatusCommand)
      .resolves({ PermissionSetProvisioningStatus: { Status: 'IN_PROGRESS', RequestId: 'req-9' } });

    const error = await rejection(
      adapter({ pollMs: 1000, maxPollIntervalMs: 2000, timeoutMs: 5000 }).provisionPermissionSet(
        INSTANCE,
        PS,
        ACCOUNT,
      ),
    );
    expect(error.code).toBe(IDENTITY_CENTER_ERRORS.timeout);
    expect(error.message).toContain('was still IN_PROGRESS after 5 s (request req-9)');
    expect(slept.reduce((a, b) => a + b, 0)).toBe(5000);
    expect(slept).toEqual([1000, 1500, 2000, 500]);
  });

  it('Given a ConflictException (another permission set is being provisioned to the account), When provisioning, Then it sends again', async () => {
    admin
      .on(ProvisionPermissionSetCommand)
      .rejectsOnce(conflict())
      .resolves({ PermissionSetProvisioningStatus: { Status: 'SUCCEEDED', RequestId: 'req-1' } });

    await adapter().provisionPermissionSet(INSTANCE, PS, ACCOUNT);
    expect(admin.commandCalls(ProvisionPermissionSetCommand)).toHaveLength(2);
    expect(admin.commandCalls(DescribePermissionSetProvisioningStatusCommand)).toHaveLength(0);
  });
});

describe('IdentityCenterAdapter: assignments', () => {
  it('creates an assignment and polls its creation status to SUCCEEDED', async () => {
    admin
      .on(CreateAccountAssignmentCommand)
      .resolves({ AccountAssignmentCreationStatus: { Status: 'IN_PROGRESS', RequestId: 'req-2' } });
    admin
      .on(DescribeAccountAssignmentCreationStatusCommand)
      .resolvesOnce({ AccountAssignmentCreationStatus: { Status: 'IN_PROGRESS', RequestId: 'req-2' } })
      .resolves({ AccountAssignmentCreationStatus: { Status: 'SUCCEEDED', RequestId: 'req-2' } });

    await adapter().createAssignment(INSTANCE, ASSIGNMENT);

    expect(admin.commandCalls(CreateAccountAssignmentCommand)[0]!.args[0].input).toEqual({
      InstanceArn: INSTANCE,
      TargetId: ACCOUNT,
      TargetType: 'AWS_ACCOUNT',
      PermissionSetArn: PS,
      PrincipalType: 'USER',
      PrincipalId: 'user-1',
    });
    expect(admin.commandCalls(DescribeAccountAssignmentCreationStatusCommand)[0]!.args[0].input).toEqual({
      InstanceArn: INSTANCE,
      AccountAssignmentCreationRequestId: 'req-2',
    });
    expect(admin.commandCalls(DescribeAccountAssignmentCreationStatusCommand)).toHaveLength(2);
  });

  it('fails when the assignment ends FAILED, naming the account, the permission set and the principal', async () => {
    admin.on(CreateAccountAssignmentCommand).resolves({
      AccountAssignmentCreationStatus: {
        Status: 'FAILED',
        RequestId: 'req-3',
        FailureReason: 'The principal was deleted',
      },
    });

    const error = await rejection(adapter().createAssignment(INSTANCE, ASSIGNMENT));
    expect(error.message).toBe(
      `assigning permission set ${PS} to USER user-1 in account ${ACCOUNT} failed: The principal was deleted`,
    );
    expect(error.details).toMatchObject({
      principal: { type: 'USER', id: 'user-1' },
      failureReason: 'The principal was deleted',
    });
    expect(error.suggestions[0]).toMatch(/identity store/);
  });

  it('Given throttling on the status, When polling through the retry layer, Then it is sent again and the wait ends', async () => {
    admin
      .on(CreateAccountAssignmentCommand)
      .resolves({ AccountAssignmentCreationStatus: { Status: 'IN_PROGRESS', RequestId: 'req-2' } });
    admin
      .on(DescribeAccountAssignmentCreationStatusCommand)
      .rejectsOnce(new ThrottlingException({ message: 'Rate exceeded', ...meta }))
      .resolves({ AccountAssignmentCreationStatus: { Status: 'SUCCEEDED', RequestId: 'req-2' } });
    const retrying = withRetries(new SSOAdminClient({ region: 'eu-west-2', credentials }), {
      sleep: async () => undefined,
    });
    const a = new IdentityCenterAdapter(
      retrying,
      new IdentitystoreClient({ region: 'eu-west-2', credentials }),
      'eu-west-2',
      {
        sleep: async () => undefined,
      },
    );

    await a.createAssignment(INSTANCE, ASSIGNMENT);
    expect(admin.commandCalls(DescribeAccountAssignmentCreationStatusCommand)).toHaveLength(2);
  });

  it('deletes an assignment and polls its deletion status to SUCCEEDED', async () => {
    admin
      .on(DeleteAccountAssignmentCommand)
      .resolves({ AccountAssignmentDeletionStatus: { Status: 'IN_PROGRESS', RequestId: 'req-4' } });
    admin
      .on(DescribeAccountAssignmentDeletionStatusCommand)
      .resolves({ AccountAssignmentDeletionStatus: { Status: 'SUCCEEDED', RequestId: 'req-4' } });

    await adapter().deleteAssignment(INSTANCE, ASSIGNMENT);
    expect(admin.commandCalls(DescribeAccountAssignmentDeletionStatusCommand)[0]!.args[0].input).toEqual({
      InstanceArn: INSTANCE,
      AccountAssignmentDeletionRequestId: 'req-4',
    });
  });

  it('Given the assignment is gone (ResourceNotFoundException), When deleting, Then it is done', async () => {
    admin
      .on(DeleteAccountAssignmentCommand)
      .rejects(new ResourceNotFoundException({ message: 'gone', ...meta }));
    await adapter().deleteAssignment(INSTANCE, ASSIGNMENT);
    expect(admin.commandCalls(DescribeAccountAssignmentDeletionStatusCommand)).toHaveLength(0);
  });

  it('fails when the deletion ends FAILED, with the reason', async () => {
    admin
      .on(DeleteAccountAssignmentCommand)
      .resolves({ AccountAssignmentDeletionStatus: { Status: 'IN_PROGRESS', RequestId: 'req-5' } });
    admin.on(DescribeAccountAssignmentDeletionStatusCommand).resolves({
      AccountAssignmentDeletionStatus: {
        Status: 'FAILED',
        RequestId: 'req-5',
        FailureReason: 'Internal failure',
      },
    });

    const error = await rejection(adapter().deleteAssignment(INSTANCE, ASSIGNMENT));
    expect(error.message).toBe(
      `removing the assignment of permission set ${PS} from USER user-1 in account ${ACCOUNT} failed: Internal failure`,
    );
    expect(error.code).toBe(IDENTITY_CENTER_ERRORS.failed);
  });
});
