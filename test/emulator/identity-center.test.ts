import {
  CreateAccountAssignmentCommand,
  DescribeAccountAssignmentCreationStatusCommand,
  ListPermissionSetsCommand,
  ProvisionPermissionSetCommand,
  SSOAdminClient,
} from '@aws-sdk/client-sso-admin';
import { IdentitystoreClient } from '@aws-sdk/client-identitystore';
import { afterEach, describe, expect, it } from 'vitest';
import { AwsClients } from '../../src/aws/clients.js';
import {
  IDENTITY_CENTER_ERRORS,
  IdentityCenterAdapter,
  identityCenterFor,
} from '../../src/aws/identity-center.js';
import { withRetries } from '../../src/aws/send.js';
import { EstateError } from '../../src/errors.js';
import { startEmulator, type Emulator } from '../../src/emulator/server.js';
import { minimalConfig } from '../_helpers/config.js';
import { emulatedEstate } from '../_helpers/estate-emulator.js';
import { FakeIdentityCenter } from '../../src/emulator/identity-center.js';

const ACCOUNT = '200000000001';
const SPEC = {
  name: 'EstateDeveloper',
  sessionDuration: 'PT8H',
  managedPolicyArns: ['arn:aws:iam::aws:policy/PowerUserAccess'],
};
const instant = async () => undefined;

/** The real adapter over the fake, with estate's retry layer (no real waits). */
function adapterOver(fake: FakeIdentityCenter) {
  const client = withRetries(fake, { sleep: instant });
  return new IdentityCenterAdapter(client, client, 'eu-west-2', { sleep: instant });
}

const nameOf = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e: Error) => e.name,
  );

describe('FakeIdentityCenter behaves like IAM Identity Center', () => {
  it('Given users and groups, When looked up by unique attribute, Then their ids; nobody → ResourceNotFoundException', async () => {
    const fake = new FakeIdentityCenter();
    const alice = fake.addUser('Alice@example.com');
    const devs = fake.addGroup('Developers');
    const ic = adapterOver(fake);
    const instance = (await ic.instance())!;

    expect(instance).toMatchObject({
      instanceArn: fake.instanceArn,
      identityStoreId: 'd-1234567890',
      status: 'ACTIVE',
    });
    expect(await ic.userByEmail(instance.identityStoreId, 'alice@example.com')).toBe(alice);
    expect(await ic.groupByName(instance.identityStoreId, 'Developers')).toBe(devs);
    expect(await ic.userByEmail(instance.identityStoreId, 'bob@example.com')).toBeUndefined();
    expect(await ic.groupByName(instance.identityStoreId, 'developers')).toBeUndefined();
  });

  it('Given Identity Center disabled, When asking for the instance, Then there is none', async () => {
    const fake = new FakeIdentityCenter({ enabled: false });
    expect(await adapterOver(fake).instance()).toBeUndefined();
  });

  it('Given a permission set name in use, When created again, Then ConflictException (the adapter reuses the set)', async () => {
    const fake = new FakeIdentityCenter();
    const ic = adapterOver(fake);
    const arn = await ic.createPermissionSet(fake.instanceArn, SPEC);
    expect(fake.permissionSetNamed('EstateDeveloper')).toEqual({
      arn,
      policies: SPEC.managedPolicyArns,
      sessionDuration: 'PT8H',
    });

    expect(await ic.createPermissionSet(fake.instanceArn, SPEC)).toBe(arn);
    expect(fake.calls.filter((c) => c === 'CreatePermissionSet')).toHaveLength(2);
    expect(fake.calls.filter((c) => c === 'AttachManagedPolicyToPermissionSet')).toHaveLength(1);
  });

  it('pages lists by MaxResults with opaque tokens bound to the operation', async () => {
    const fake = new FakeIdentityCenter({ pageSize: 2 });
    const ic = adapterOver(fake);
    for (let i = 0; i < 5; i++) await ic.createPermissionSet(fake.instanceArn, { ...SPEC, name: `set-${i}` });
    const first = await fake.send(new ListPermissionSetsCommand({ InstanceArn: fake.instanceArn }));
    expect(first.PermissionSets).toHaveLength(2);
    expect(
      await nameOf(
        fake.send({ input: { NextToken: first.NextToken }, constructor: { name: 'ListInstancesCommand' } }),
      ),
    ).toBe('ValidationException');
    expect((await ic.permissionSets(fake.instanceArn)).map((p) => p.name)).toEqual([
      'set-0',
      'set-1',
      'set-2',
      'set-3',
      'set-4',
    ]);
  });

  it('Given provisioning, When polled, Then IN_PROGRESS for the configured polls, then SUCCEEDED and provisioned', async () => {
    const fake = new FakeIdentityCenter({ operationPolls: 2 });
    const ic = adapterOver(fake);
    const arn = await ic.createPermissionSet(fake.instanceArn, SPEC);
    const started = await fake.send(
      new ProvisionPermissionSetCommand({
        InstanceArn: fake.instanceArn,
        PermissionSetArn: arn,
        TargetType: 'AWS_ACCOUNT',
        TargetId: ACCOUNT,
      }),
    );
    expect(started.PermissionSetProvisioningStatus.Status).toBe('IN_PROGRESS');
    // One permission set per account at a time: a second operation meanwhile conflicts.
    expect(
      await nameOf(
        fake.send(
          new ProvisionPermissionSetCommand({
            InstanceArn: fake.instanceArn,
            PermissionSetArn: arn,
            TargetType: 'AWS_ACCOUNT',
            TargetId: ACCOUNT,
          }),
        ),
      ),
    ).toBe('ConflictException');
    const statuses: string[] = [];
    for (let i = 0; i < 3; i++) {
      const out = await fake.send({
        input: {
          InstanceArn: fake.instanceArn,
          ProvisionPermissionSetRequestId: started.PermissionSetProvisioningStatus.RequestId,
        },
        constructor: { name: 'DescribePermissionSetProvisioningStatusCommand' },
      });
      statuses.push(out.PermissionSetProvisioningStatus.Status);
    }
    expect(statuses).toEqual(['IN_PROGRESS', 'IN_PROGRESS', 'SUCCEEDED']);
    expect(await ic.isProvisioned(fake.instanceArn, arn, ACCOUNT)).toBe(true);
  });

  it('Given a permission set changed after provisioning, Then it is no longer the latest version in the account', async () => {
    const fake = new FakeIdentityCenter({ operationPolls: 0 });
    const ic = adapterOver(fake);
    const arn = await ic.createPermissionSet(fake.instanceArn, SPEC);
    await ic.provisionPermissionSet(fake.instanceArn, arn, ACCOUNT);
    expect(await ic.isProvisioned(fake.instanceArn, arn, ACCOUNT)).toBe(true);
    await ic.createPermissionSet(fake.instanceArn, {
      ...SPEC,
      managedPolicyArns: [...SPEC.managedPolicyArns, 'arn:aws:iam::aws:policy/ReadOnlyAccess'],
    });
    expect(await ic.isProvisioned(fake.instanceArn, arn, ACCOUNT)).toBe(false);
  });

  it('creates an assignment (provisioning the set to the account) and deletes it, each polled to the end', async () => {
    const fake = new FakeIdentityCenter({ operationPolls: 3 });
    const user = fake.addUser('alice@example.com');
    const ic = adapterOver(fake);
    const arn = await ic.createPermissionSet(fake.instanceArn, SPEC);
    const assignment = {
      accountId: ACCOUNT,
      permissionSetArn: arn,
      principal: { type: 'USER' as const, id: user },
    };

    await ic.createAssignment(fake.instanceArn, assignment);
    expect(await ic.assignments(fake.instanceArn, ACCOUNT, arn)).toEqual([assignment]);
    expect(fake.isProvisioned(ACCOUNT, arn)).toBe(true);
    expect(await ic.accountAssignments(fake.instanceArn, ACCOUNT)).toEqual([assignment]);
    expect(fake.calls.filter((c) => c === 'DescribeAccountAssignmentCreationStatus')).toHaveLength(4);

    await ic.deleteAssignment(fake.instanceArn, assignment);
    expect(fake.assignmentsOf(ACCOUNT)).toEqual([]);
    // Deleting again: nothing to delete, which the adapter takes as done.
    await ic.deleteAssignment(fake.instanceArn, assignment);
    expect(fake.inProgress).toBe(0);
  });

  it('fails when the principal does not exist, or when a failure is injected, with the reason', async () => {
    const fake = new FakeIdentityCenter({ operationPolls: 0 });
    const ic = adapterOver(fake);
    const arn = await ic.createPermissionSet(fake.instanceArn, SPEC);
    const ghost = {
      accountId: ACCOUNT,
      permissionSetArn: arn,
      principal: { type: 'GROUP' as const, id: 'gone' },
    };
    const error = await ic.createAssignment(fake.instanceArn, ghost).catch((e: unknown) => e as EstateError);
    expect(error).toBeInstanceOf(EstateError);
    expect((error as EstateError).code).toBe(IDENTITY_CENTER_ERRORS.failed);
    expect((error as EstateError).message).toContain(
      'GROUP gone does not exist in identity store d-1234567890',
    );

    fake.failNext('ProvisionPermissionSet', 'Received a 404 status error: Not supported policy');
    const failed = await ic
      .provisionPermissionSet(fake.instanceArn, arn, ACCOUNT)
      .catch((e: unknown) => e as EstateError);
    expect((failed as EstateError).message).toMatch(
      /failed: Received a 404 status error: Not supported policy$/,
    );
    expect(fake.isProvisioned(ACCOUNT, arn)).toBe(false);
    // The next one succeeds: the failure was injected once.
    await ic.provisionPermissionSet(fake.instanceArn, arn, ACCOUNT);
    expect(fake.isProvisioned(ACCOUNT, arn)).toBe(true);
  });

  it('rejects injected errors before any effect: throttling is retried by the send layer, conflicts by the adapter', async () => {
    const fake = new FakeIdentityCenter({ operationPolls: 0 });
    const user = fake.addUser('alice@example.com');
    const ic = adapterOver(fake);
    const arn = await ic.createPermissionSet(fake.instanceArn, SPEC);
    fake.rejectNext('CreateAccountAssignment', 'ThrottlingException');
    fake.rejectNext('DescribeAccountAssignmentCreationStatus', 'ThrottlingException', 2);
    await ic.createAssignment(fake.instanceArn, {
      accountId: ACCOUNT,
      permissionSetArn: arn,
      principal: { type: 'USER', id: user },
    });
    expect(fake.assignmentsOf(ACCOUNT)).toHaveLength(1);

    fake.rejectNext('ProvisionPermissionSet', 'ConflictException', 2);
    await ic.provisionPermissionSet(fake.instanceArn, arn, '200000000002');
    expect(fake.isProvisioned('200000000002', arn)).toBe(true);
    expect(await nameOf(fake.send(new CreateAccountAssignmentCommand({} as never)))).toBe(
      'ResourceNotFoundException',
    );
  });

  it('answers AccessDenied to a caller outside the owner account (through the emulator)', async () => {
    const fake = new FakeIdentityCenter({ ownerAccountId: '111111111111' });
    expect(
      await nameOf(
        fake.send({ input: {}, constructor: { name: 'ListInstancesCommand' }, account: '222222222222' }),
      ),
    ).toBe('AccessDeniedException');
  });
});

describe('FakeIdentityCenter on the loopback emulator', () => {
  let emulator: Emulator | undefined;
  afterEach(async () => {
    await emulator?.close();
    emulator = undefined;
  });

  it("serves SSO Admin (SWBExternalService) and Identity Store (AWSIdentityStore) to the real SDK clients through estate's client factory", async () => {
    const fake = new FakeIdentityCenter({ operationPolls: 1 });
    const user = fake.addUser('alice@example.com');
    emulator = await startEmulator({ callerAccountId: '111111111111', services: fake.services });
    const clients = new AwsClients({
      region: 'us-east-1',
      env: { AWS_ENDPOINT_URL: emulator.url },
      credentials: async () => ({ accessKeyId: 'AKIDEMULATOR', secretAccessKey: 'emulator' }),
      retry: { sleep: instant },
    });
    const ic = identityCenterFor(clients, 'eu-west-2', { sleep: instant });

    const instance = (await ic.instance())!;
    const arn = await ic.createPermissionSet(instance.instanceArn, SPEC);
    const id = await ic.userByEmail(instance.identityStoreId, 'alice@example.com');
    await ic.createAssignment(instance.instanceArn, {
      accountId: ACCOUNT,
      permissionSetArn: arn,
      principal: { type: 'USER', id: id! },
    });

    expect(id).toBe(user);
    expect(fake.assignmentsOf(ACCOUNT)).toEqual([{ permissionSetArn: arn, type: 'USER', id: user }]);
    const targets = emulator.requests.map((r) => r.target);
    expect(targets).toContain('SWBExternalService.CreateAccountAssignment');
    expect(targets).toContain('AWSIdentityStore.GetUserId');
    // Identity Center is called in the home region, not the clients' default region.
    expect(new Set(emulator.requests.map((r) => r.region))).toEqual(new Set(['eu-west-2']));
  });

  it('is reached through AWS_ENDPOINT_URL_SSO_ADMIN and AWS_ENDPOINT_URL_IDENTITYSTORE', async () => {
    const fake = new FakeIdentityCenter();
    fake.addGroup('Developers');
    emulator = await startEmulator({ callerAccountId: '111111111111', services: fake.services });
    const clients = new AwsClients({
      region: 'eu-west-2',
      env: {
        AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
        AWS_ENDPOINT_URL_SSO_ADMIN: emulator.url,
        AWS_ENDPOINT_URL_IDENTITYSTORE: emulator.url,
      },
      credentials: async () => ({ accessKeyId: 'AKIDEMULATOR', secretAccessKey: 'emulator' }),
    });
    const admin = clients.client(SSOAdminClient, 'SSO_ADMIN');
    const store = clients.client(IdentitystoreClient, 'IDENTITYSTORE');
    const ic = new IdentityCenterAdapter(admin, store, 'eu-west-2');
    const instance = (await ic.instance())!;
    expect(await ic.groupByName(instance.identityStoreId, 'Developers')).toBeDefined();
  });

  it('fails a DescribeAccountAssignmentCreationStatus for an unknown request with ResourceNotFoundException', async () => {
    const fake = new FakeIdentityCenter();
    expect(
      await nameOf(
        fake.send(
          new DescribeAccountAssignmentCreationStatusCommand({
            InstanceArn: fake.instanceArn,
            AccountAssignmentCreationRequestId: 'nope',
          }),
        ),
      ),
    ).toBe('ResourceNotFoundException');
  });

  it('is part of the emulated estate, administered from its management account', async () => {
    const estate = await emulatedEstate(minimalConfig(), '111111111111');
    try {
      estate.identityCenter.addUser('alice@acme.example.com');
      const clients = new AwsClients({
        region: 'eu-west-2',
        env: estate.env,
        credentials: async () => ({ accessKeyId: 'AKIDEMULATOR', secretAccessKey: 'emulator' }),
        retry: { sleep: instant },
      });
      const ic = identityCenterFor(clients, 'eu-west-2', { sleep: instant });
      const instance = (await ic.instance())!;
      expect(instance.instanceArn).toBe(estate.identityCenter.instanceArn);
      expect(await ic.userByEmail(instance.identityStoreId, 'alice@acme.example.com')).toBeDefined();
    } finally {
      await estate.close();
    }
  });
});
