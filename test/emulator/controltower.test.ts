/**
 * FakeControlTower, StackSets in FakeCloudFormation and FakeIam's view of stack roles, driven
 * the way estate drives them: stacks created through the real CloudFormation client, read back
 * through estate's own adapters (the 3.332.0 Control Tower client, the signed REST-JSON calls,
 * StackSets with CallAs SELF, GetRole), all over the loopback emulator.
 */
import {
  CloudFormationClient,
  CreateChangeSetCommand,
  CreateStackCommand,
  DeleteStackCommand,
  DescribeStacksCommand,
  type DescribeStacksOutput,
} from '@aws-sdk/client-cloudformation';
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AwsClients } from '../../src/aws/clients.js';
import { controlTowerPort } from '../../src/aws/controltower.js';
import { serviceRolesPort } from '../../src/aws/iam.js';
import { stackSetsPort } from '../../src/aws/stacksets.js';
import { emulatedEstate, type EmulatedEstate } from '../_helpers/estate-emulator.js';
import { PREREQUISITE_ROLES } from '../../src/emulator/controltower.js';

const MGMT = '111111111111';
const REGION = 'eu-west-2';
const BASELINE = `arn:aws:controltower:${REGION}::baseline/17BSJV3IGJ2QSGA2`;
const CONTROL = `arn:aws:controltower:${REGION}::control/AWS-GR_ENCRYPTED_VOLUMES`;
const TRUST = {
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Principal: { Service: 'controltower.amazonaws.com' }, Action: 'sts:AssumeRole' },
  ],
};

let estate: EmulatedEstate;
let logs: string;
let audit: string;
let workloads: string;
let ouArn: string;

beforeEach(async () => {
  estate = await emulatedEstate({}, MGMT);
  const org = estate.fake;
  org.createOrganizationNow();
  workloads = org.addOu('', 'Workloads');
  org.addOu('Workloads', 'Team');
  logs = org.addAccount({ name: 'logs', email: 'logs@example.com' });
  audit = org.addAccount({ name: 'audit', email: 'audit@example.com' });
  org.addAccount({ name: 'dev', email: 'dev@example.com', ouPath: 'Workloads' });
  org.addAccount({ name: 'team', email: 'team@example.com', ouPath: 'Workloads/Team' });
  ouArn = `arn:aws:organizations::${MGMT}:ou/${org.org!.id}/${workloads}`;
});
afterEach(async () => estate?.close());

const clients = () =>
  new AwsClients({
    region: REGION,
    env: estate.env,
    credentials: async () => ({ accessKeyId: 'AKIDEMULATOR', secretAccessKey: 'emulator' }),
    retry: { maxAttempts: 1 },
  });

const cfn = () =>
  new CloudFormationClient({
    region: REGION,
    endpoint: estate.emulator.url,
    credentials: { accessKeyId: 'AKIDEMULATOR', secretAccessKey: 'emulator' },
  });

const roles = Object.fromEntries(
  PREREQUISITE_ROLES.map((name) => [
    name,
    {
      Type: 'AWS::IAM::Role',
      Properties: { RoleName: name, Path: '/service-role/', AssumeRolePolicyDocument: TRUST },
    },
  ]),
);

function governance(extra: Record<string, unknown> = {}) {
  return {
    Resources: {
      ...roles,
      LandingZone: {
        Type: 'AWS::ControlTower::LandingZone',
        DependsOn: PREREQUISITE_ROLES,
        Properties: {
          Version: '3.3',
          Manifest: {
            governedRegions: [REGION],
            centralizedLogging: { accountId: logs, enabled: true },
            securityRoles: { accountId: audit },
          },
        },
      },
      Workloads: {
        Type: 'AWS::ControlTower::EnabledBaseline',
        DependsOn: ['LandingZone'],
        Properties: { BaselineIdentifier: BASELINE, BaselineVersion: '4.0', TargetIdentifier: ouArn },
      },
      Encrypted: {
        Type: 'AWS::ControlTower::EnabledControl',
        DependsOn: ['Workloads'],
        Properties: { ControlIdentifier: CONTROL, TargetIdentifier: ouArn },
      },
      ...extra,
    },
    Outputs: { LandingZoneArn: { Value: { 'Fn::GetAtt': ['LandingZone', 'Arn'] } } },
  };
}

async function deploy(name: string, template: object) {
  const client = cfn();
  await client.send(
    new CreateStackCommand({
      StackName: name,
      TemplateBody: JSON.stringify(template),
      Capabilities: ['CAPABILITY_NAMED_IAM'],
    }),
  );
  return ((await client.send(new DescribeStacksCommand({ StackName: name }))) as DescribeStacksOutput)
    .Stacks![0]!;
}

/** The reason the stack's first failed resource gave. */
const failureOf = (stackName: string) =>
  estate.cloudformation
    .stack(MGMT, REGION, stackName)
    ?.events.find((e) => e.ResourceStatus === 'CREATE_FAILED')?.ResourceStatusReason;

describe('FakeControlTower through CloudFormation and estate’s adapters', () => {
  it('Given the governance stack, When created, Then the landing zone, the OU baseline with one child per account of the OU, and the control are live', async () => {
    const stack = await deploy('estate-governance', governance());
    expect(stack.StackStatus).toBe('CREATE_COMPLETE');
    const port = controlTowerPort(clients());
    const [arn] = await port.landingZones();
    expect(stack.Outputs?.find((o) => o.OutputKey === 'LandingZoneArn')?.OutputValue).toBe(arn);
    expect(await port.landingZone(arn!)).toMatchObject({
      arn,
      version: '3.3',
      status: 'ACTIVE',
      driftStatus: 'IN_SYNC',
      latestAvailableVersion: '4.0',
      manifest: { governedRegions: [REGION] },
    });
    const baselines = await port.enabledBaselines();
    const ouLevel = baselines.find((b) => b.targetIdentifier === ouArn)!;
    expect(ouLevel).toMatchObject({ baselineIdentifier: BASELINE, status: 'SUCCEEDED' });
    const dev = estate.fake.accountByName('dev')!.id;
    // Control Tower enrols the OU's own accounts; the nested OU is registered on its own.
    expect(
      baselines.filter((b) => b.parentIdentifier === ouLevel.arn).map((b) => b.targetIdentifier),
    ).toEqual([`arn:aws:organizations::${MGMT}:account/${estate.fake.org!.id}/${dev}`]);
    expect((await port.listEnabledControls(ouArn)).map((c) => c.controlIdentifier)).toEqual([CONTROL]);
    expect(await port.controlOperationsInFlight()).toEqual([]);
    expect(
      [...(await serviceRolesPort(clients()).existingRoles(PREREQUISITE_ROLES, '/service-role/'))].sort(),
    ).toEqual([...PREREQUISITE_ROLES].sort());
  });

  it('Given an account moved into the registered OU, When baselines are listed, Then it is enrolled', async () => {
    await deploy('estate-governance', governance());
    estate.fake.moveByHand(logs, 'Workloads');
    const children = (await controlTowerPort(clients()).enabledBaselines()).filter((b) => b.parentIdentifier);
    expect(children.map((b) => b.targetIdentifier.split('/').pop()).sort()).toEqual(
      [logs, estate.fake.accountByName('dev')!.id].sort(),
    );
  });

  it('Given the governance stack, When deleted, Then the landing zone, baseline and control are gone', async () => {
    await deploy('estate-governance', governance());
    await cfn().send(new DeleteStackCommand({ StackName: 'estate-governance' }));
    const port = controlTowerPort(clients());
    expect(await port.landingZones()).toEqual([]);
    expect(await port.enabledBaselines()).toEqual([]);
    expect(await port.listEnabledControls(ouArn)).toEqual([]);
    expect(estate.controltower.operations.map((o) => o.operationType)).toEqual([
      'ENABLE_CONTROL',
      'DISABLE_CONTROL',
    ]);
  });

  it('fails the landing zone when a prerequisite role is missing, as Control Tower does', async () => {
    const template = governance();
    delete (template.Resources as Record<string, unknown>).AWSControlTowerAdmin;
    (template.Resources.LandingZone as unknown as { DependsOn: string[] }).DependsOn =
      PREREQUISITE_ROLES.filter((r) => r !== 'AWSControlTowerAdmin');
    const stack = await deploy('estate-governance', template);
    expect(stack.StackStatus).toBe('ROLLBACK_COMPLETE');
    expect(failureOf('estate-governance')).toMatch(
      /cannot find the role\(s\) AWSControlTowerAdmin under \/service-role\//,
    );
    expect(estate.controltower.landingZones.size).toBe(0);
  });

  it('rejects what the API reference rejects: maxResults out of range, a forged token, an unknown landing zone', async () => {
    const call = (path: string, body: object) =>
      estate.controltower.handle({
        method: 'POST',
        path,
        query: new URLSearchParams(),
        headers: {},
        body: Buffer.from(JSON.stringify(body)),
        account: MGMT,
        region: REGION,
      });
    const small = await call('/list-enabled-baselines', { maxResults: 2 });
    expect(small.status).toBe(400);
    expect(small.headers?.['x-amzn-errortype']).toMatch(/^ValidationException:/);
    expect((await call('/list-control-operations', { nextToken: 'forged' })).status).toBe(400);
    expect((await call('/list-landingzones', { maxResults: 5 })).status).toBe(400);
    const missing = await call('/get-landingzone', { landingZoneIdentifier: 'LZ0' });
    expect(missing.status).toBe(404);
    expect(missing.headers?.['x-amzn-errortype']).toMatch(/^ResourceNotFoundException:/);
  });

  it('fails a second landing zone in the organisation', async () => {
    await deploy('estate-governance', governance());
    const again = await deploy('other', {
      Resources: {
        Other: {
          Type: 'AWS::ControlTower::LandingZone',
          Properties: { Version: '3.3', Manifest: { governedRegions: [REGION] } },
        },
      },
    });
    expect(again.StackStatus).toBe('ROLLBACK_COMPLETE');
    expect(failureOf('other')).toMatch(/A landing zone already exists/);
  });
});

describe('service-managed StackSets in FakeCloudFormation', () => {
  const member = {
    Parameters: { Qualifier: { Type: 'String', Default: 'hnb659fds' } },
    Resources: {
      Version: {
        Type: 'AWS::SSM::Parameter',
        Properties: {
          Name: { 'Fn::Sub': '/cdk-bootstrap/${Qualifier}/version' },
          Type: 'String',
          Value: '27',
        },
      },
    },
  };
  const baseline = (ouIds: string[]) => ({
    Resources: {
      Baseline: {
        Type: 'AWS::CloudFormation::StackSet',
        Properties: {
          StackSetName: 'estate-baseline',
          PermissionModel: 'SERVICE_MANAGED',
          AutoDeployment: { Enabled: true, RetainStacksOnAccountRemoval: false },
          CallAs: 'SELF',
          Capabilities: ['CAPABILITY_NAMED_IAM'],
          ManagedExecution: { Active: true },
          Parameters: [{ ParameterKey: 'Qualifier', ParameterValue: 'estate' }],
          StackInstancesGroup: [
            { DeploymentTargets: { OrganizationalUnitIds: ouIds }, Regions: [REGION, 'eu-west-1'] },
          ],
          TemplateBody: JSON.stringify(member),
        },
      },
    },
  });

  it('fails the StackSet while organisations access is not activated', async () => {
    const stack = await deploy('estate-baseline', baseline([workloads]));
    expect(stack.StackStatus).toBe('ROLLBACK_COMPLETE');
    expect(failureOf('estate-baseline')).toMatch(/enable organizations access/);
  });

  it('Given access activated, When the StackSet is created, Then every account under the OUs (nested too, never the management account) gets an instance per region, bootstrapped', async () => {
    const port = stackSetsPort(clients(), { sleep: async () => {}, pollMs: 1 });
    expect(await port.organizationsAccess(REGION)).toBe('DISABLED');
    await port.activateOrganizationsAccess(REGION);
    expect(await port.organizationsAccess(REGION)).toBe('ENABLED');
    const stack = await deploy('estate-baseline', baseline([workloads]));
    expect(stack.StackStatus).toBe('CREATE_COMPLETE');
    expect(await port.stackSet(REGION, 'estate-baseline')).toEqual({
      name: 'estate-baseline',
      status: 'ACTIVE',
      permissionModel: 'SERVICE_MANAGED',
      autoDeployment: { enabled: true, retainStacksOnAccountRemoval: false },
      organizationalUnitIds: [workloads],
    });
    const dev = estate.fake.accountByName('dev')!.id;
    const team = estate.fake.accountByName('team')!.id;
    const instances = await port.instances(REGION, 'estate-baseline');
    expect(instances.map((i) => `${i.accountId}/${i.region}/${i.status}/${i.detailedStatus}`).sort()).toEqual(
      [`${dev}/eu-west-1`, `${dev}/${REGION}`, `${team}/eu-west-1`, `${team}/${REGION}`]
        .map((k) => `${k}/CURRENT/SUCCEEDED`)
        .sort(),
    );
    expect(estate.ssm.get(dev, REGION, '/cdk-bootstrap/estate/version')?.Value).toBe('27');
    expect((await port.operations(REGION, 'estate-baseline')).map((o) => `${o.action} ${o.status}`)).toEqual([
      'CREATE SUCCEEDED',
    ]);

    // Auto-deployment: a new account in a targeted OU gets its instances without a deploy.
    const late = estate.fake.addAccount({ name: 'late', email: 'late@example.com', ouPath: 'Workloads' });
    expect(
      (await port.instances(REGION, 'estate-baseline')).filter((i) => i.accountId === late),
    ).toHaveLength(2);

    await cfn().send(new DeleteStackCommand({ StackName: 'estate-baseline' }));
    expect(await port.stackSet(REGION, 'estate-baseline')).toBeUndefined();
    expect(estate.ssm.get(dev, REGION, '/cdk-bootstrap/estate/version')).toBeUndefined();
  });

  it('Given CDK’s bootstrap template as the member template, When the StackSet deploys, Then the member account reads as bootstrapped (SSM version) and its CDK roles trust the management account', async () => {
    const body = await readFile(
      'node_modules/@aws-cdk/toolkit-lib/lib/api/bootstrap/bootstrap-template.yaml',
      'utf8',
    );
    const template = baseline([workloads]);
    Object.assign(template.Resources.Baseline.Properties, {
      TemplateBody: JSON.stringify(parseYaml(body)),
      Parameters: [
        { ParameterKey: 'Qualifier', ParameterValue: 'estate' },
        { ParameterKey: 'TrustedAccounts', ParameterValue: MGMT },
        {
          ParameterKey: 'CloudFormationExecutionPolicies',
          ParameterValue: 'arn:aws:iam::aws:policy/AdministratorAccess',
        },
      ],
    });
    await stackSetsPort(clients(), { sleep: async () => {}, pollMs: 1 }).activateOrganizationsAccess(REGION);
    expect((await deploy('estate-baseline', template)).StackStatus).toBe('CREATE_COMPLETE');
    const dev = estate.fake.accountByName('dev')!.id;
    const instances = await stackSetsPort(clients()).instances(REGION, 'estate-baseline');
    expect(instances.every((i) => i.status === 'CURRENT')).toBe(true);
    expect(Number(estate.ssm.get(dev, REGION, '/cdk-bootstrap/estate/version')?.Value)).toBeGreaterThan(20);
    expect(
      estate.cloudformation.assumeRolePolicy({
        roleAccount: dev,
        roleName: `cdk-estate-deploy-role-${dev}-${REGION}`,
        callerAccount: MGMT,
        callerArn: `arn:aws:iam::${MGMT}:user/platform`,
      }),
    ).toBeUndefined();
  });

  it('Given a change set created without executing it (--no-wait), When ExecuteChangeSet runs through the adapter, Then the stack is created', async () => {
    await cfn().send(
      new CreateChangeSetCommand({
        StackName: 'estate-governance',
        ChangeSetName: 'estate-no-wait',
        ChangeSetType: 'CREATE',
        TemplateBody: JSON.stringify(governance()),
        Capabilities: ['CAPABILITY_NAMED_IAM'],
      }),
    );
    await stackSetsPort(clients()).executeChangeSet(
      { accountId: MGMT, region: REGION },
      'estate-governance',
      'estate-no-wait',
    );
    const stack = (
      (await cfn().send(
        new DescribeStacksCommand({ StackName: 'estate-governance' }),
      )) as DescribeStacksOutput
    ).Stacks![0]!;
    expect(stack.StackStatus).toBe('CREATE_COMPLETE');
    expect(estate.controltower.landingZones.size).toBe(1);
  });
});
