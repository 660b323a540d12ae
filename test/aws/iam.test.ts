import {
  CreateRoleCommand,
  EntityAlreadyExistsException,
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  NoSuchEntityException,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AwsActionRoles, AwsServiceRoles } from '../../src/aws/iam.js';
import { EstateError } from '../../src/errors.js';
import { startEmulator, type Emulator } from '../../src/emulator/server.js';
import { FakeIam, iamQueryService } from '../../src/emulator/iam.js';

const MGMT = '111111111111';
const meta = { $metadata: {} };
const TRUST =
  '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"budgets.amazonaws.com"},"Action":"sts:AssumeRole"}]}';
const PERMS =
  '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"organizations:AttachPolicy","Resource":"*"}]}';
const client = (endpoint?: string) =>
  new IAMClient({
    region: 'eu-west-2',
    credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    ...(endpoint ? { endpoint } : {}),
  });

describe('AwsActionRoles over a mocked IAM client', () => {
  const mock = mockClient(IAMClient);
  beforeEach(() => mock.reset());
  afterAll(() => mock.restore());

  it('Given a role whose documents IAM returns URL-encoded, When described, Then they come back as plain JSON', async () => {
    mock.on(GetRoleCommand).resolves({
      Role: {
        RoleName: 'r',
        Arn: `arn:aws:iam::${MGMT}:role/r`,
        Path: '/',
        RoleId: 'AROA',
        CreateDate: new Date(),
        AssumeRolePolicyDocument: encodeURIComponent(TRUST),
      },
    });
    mock
      .on(GetRolePolicyCommand)
      .resolves({ RoleName: 'r', PolicyName: 'p', PolicyDocument: encodeURIComponent(PERMS) });
    expect(await new AwsActionRoles(client(), MGMT).describeRole('r', 'p')).toEqual({
      name: 'r',
      arn: `arn:aws:iam::${MGMT}:role/r`,
      trustPolicy: TRUST,
      permissions: PERMS,
    });
    expect(mock.commandCalls(GetRolePolicyCommand)[0]!.args[0].input).toEqual({
      RoleName: 'r',
      PolicyName: 'p',
    });
  });

  it('Given no such role, When described, Then undefined; a role created twice is "existed"; a denied write names the permission', async () => {
    mock.on(GetRoleCommand).rejects(new NoSuchEntityException({ message: 'no role', ...meta }));
    mock.on(CreateRoleCommand).rejects(new EntityAlreadyExistsException({ message: 'exists', ...meta }));
    mock.on(PutRolePolicyCommand).rejects(
      Object.assign(new Error('not authorized'), {
        name: 'AccessDenied',
        $metadata: { httpStatusCode: 403 },
      }),
    );
    const roles = new AwsActionRoles(client(), MGMT);
    expect(await roles.describeRole('r', 'p')).toBeUndefined();
    expect(await roles.createRole('r', TRUST, 'd')).toEqual({ existed: true });
    const error = (await roles.putRolePolicy('r', 'p', PERMS).catch((e: unknown) => e)) as EstateError;
    expect(error).toBeInstanceOf(EstateError);
    expect(error.message).toContain('PutRolePolicy');
    expect(error.message).toContain('iam:PutRolePolicy');
    expect(error.message).toContain(MGMT);
  });
  it('Given a Control Tower role on another path, When asked for roles under /service-role/, Then it fails naming both paths; a denied GetRole names iam:GetRole', async () => {
    mock.on(GetRoleCommand, { RoleName: 'AWSControlTowerAdmin' }).resolves({
      Role: {
        RoleName: 'AWSControlTowerAdmin',
        Arn: `arn:aws:iam::${MGMT}:role/AWSControlTowerAdmin`,
        Path: '/',
        RoleId: 'AROA',
        CreateDate: new Date(),
        AssumeRolePolicyDocument: encodeURIComponent(TRUST),
      },
    });
    mock
      .on(GetRoleCommand, { RoleName: 'AWSControlTowerStackSetRole' })
      .rejects(
        Object.assign(new Error('denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }),
      );
    const roles = new AwsServiceRoles(client(), async () => MGMT);
    const other = (await roles
      .existingRoles(['AWSControlTowerAdmin'], '/service-role/')
      .catch((e: unknown) => e)) as EstateError;
    expect(other).toBeInstanceOf(EstateError);
    expect(other.code).toBe('RoleOnOtherPath');
    expect(other.message).toContain('path /');
    expect(other.message).toContain('/service-role/');
    const denied = (await roles
      .existingRoles(['AWSControlTowerStackSetRole'], '/service-role/')
      .catch((e: unknown) => e)) as EstateError;
    expect(denied.message).toContain('iam:GetRole');
    expect(denied.message).toContain(MGMT);
  });
});

describe('the IAM adapters through the real IAM client against the emulator (Query protocol)', () => {
  let emulator: Emulator;
  const iam = new FakeIam(MGMT);
  beforeAll(async () => {
    emulator = await startEmulator({
      callerAccountId: MGMT,
      services: [],
      queryServices: [iamQueryService(iam)],
    });
  });
  afterAll(async () => emulator?.close());

  it('Given no role, When created, given its policy and read back, Then IAM behaves as AWS does end to end', async () => {
    const roles = new AwsActionRoles(client(emulator.url), MGMT);
    expect(await roles.describeRole('estate-budgets-action', 'p')).toBeUndefined();
    expect(await roles.createRole('estate-budgets-action', TRUST, 'for budgets')).toEqual({ existed: false });
    expect(await roles.createRole('estate-budgets-action', TRUST, 'for budgets')).toEqual({ existed: true });
    expect(await roles.describeRole('estate-budgets-action', 'p')).toEqual({
      name: 'estate-budgets-action',
      arn: `arn:aws:iam::${MGMT}:role/estate-budgets-action`,
      trustPolicy: TRUST,
    });
    await roles.putRolePolicy('estate-budgets-action', 'p', PERMS);
    expect((await roles.describeRole('estate-budgets-action', 'p'))?.permissions).toBe(PERMS);
    await expect(roles.putRolePolicy('estate-budgets-action', 'p', 'not json')).rejects.toThrow(
      /MalformedPolicyDocument/,
    );
    expect(emulator.requests.map((r) => r.target)).toContain('2010-05-08.CreateRole');
  });

  it('Given two of three roles under /service-role/, When asked, Then exactly those two exist', async () => {
    for (const name of ['AWSControlTowerAdmin', 'AWSControlTowerCloudTrailRole'])
      iam.onCreateRole({ RoleName: name, AssumeRolePolicyDocument: TRUST, Path: '/service-role/' });
    const found = await new AwsServiceRoles(client(emulator.url)).existingRoles(
      ['AWSControlTowerAdmin', 'AWSControlTowerCloudTrailRole', 'AWSControlTowerStackSetRole'],
      '/service-role/',
    );
    expect([...found].sort()).toEqual(['AWSControlTowerAdmin', 'AWSControlTowerCloudTrailRole']);
  });
});
