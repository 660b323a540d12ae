/**
 * `estate ct status` through the real CLI: with Control Tower disabled (no AWS at all), and
 * against the loopback emulator of a governed organisation.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { estate, tempDir } from '../_helpers/cli.js';
import { emulatedEstate, type EmulatedEstate } from '../_helpers/estate-emulator.js';

const MANAGEMENT = '111111111111';

const config = (controlTower: Record<string, unknown>) => ({
  version: 1,
  organization: {
    name: 'acme',
    managementAccountId: MANAGEMENT,
    homeRegion: 'eu-west-2',
    governedRegions: ['eu-west-2', 'us-east-1'],
    emailPattern: 'aws+{account}@acme.example.com',
  },
  controlTower,
  organizationalUnits: [{ name: 'Security' }, { name: 'Workloads', children: [{ name: 'Production' }] }],
  accounts: [
    { name: 'logs', kind: 'logs', ou: 'Security' },
    { name: 'audit', kind: 'monitoring', ou: 'Security' },
    { name: 'shop-prod', kind: 'prod-single-tenant', ou: 'Workloads/Production' },
  ],
});

describe('estate ct status with Control Tower disabled', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let file: string;
  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir());
    file = join(dir, 'estate.yaml');
    await writeFile(
      file,
      stringify(config({ enabled: false, logArchiveAccount: 'logs', auditAccount: 'audit' })),
    );
  });
  afterAll(async () => cleanup?.());

  // No endpoint and no credentials: any AWS call would fail the run.
  const offline = {
    AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
    AWS_ACCESS_KEY_ID: '',
    AWS_SECRET_ACCESS_KEY: '',
    AWS_PROFILE: 'estate-no-such-profile',
  };

  it('says what governance is missing and exits 0 without calling AWS', async () => {
    const r = await estate(['ct', 'status', '--config', file], { env: offline });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Control Tower is disabled in estate.yaml (controlTower.enabled: false)');
    expect(r.stdout).toContain('Governance the organisation does without:');
    expect(r.stdout).toContain('  - no landing zone:');
  });

  it('gives the same as one JSON document with --json', async () => {
    const r = await estate(['ct', 'status', '--config', file, '--json'], { env: offline });
    expect(r.code).toBe(0);
    const status = JSON.parse(r.stdout);
    expect(status).toMatchObject({ enabled: false, configured: true });
    expect(status.missing).toHaveLength(5);
  });
});

const HOME = 'eu-west-2';
const CT_BASELINE = `arn:aws:controltower:${HOME}::baseline/17BSJV3IGJ2QSGA2`;
const ENCRYPTED_VOLUMES = `arn:aws:controltower:${HOME}::control/AWS-GR_ENCRYPTED_VOLUMES`;

/**
 * A governed organisation in the emulator: the organisation seeded, then the governance stack
 * (landing zone, the Production OU's baseline and one control) and the monitoring stack
 * created through CloudFormation, whose Control Tower resources make the landing zone.
 */
async function governedEstate(controlTower: Record<string, unknown>): Promise<EmulatedEstate> {
  const e = await emulatedEstate(config(controlTower), MANAGEMENT);
  e.fake.createOrganizationNow();
  e.fake.addOu('', 'Security');
  e.fake.addOu('', 'Workloads');
  const production = e.fake.addOu('Workloads', 'Production');
  const logs = e.fake.addAccount({ name: 'logs', email: 'aws+logs@acme.example.com', ouPath: 'Security' });
  const audit = e.fake.addAccount({ name: 'audit', email: 'aws+audit@acme.example.com', ouPath: 'Security' });
  e.fake.addAccount({
    name: 'shop-prod',
    email: 'aws+shop-prod@acme.example.com',
    ouPath: 'Workloads/Production',
  });
  const org = e.fake.org!.id;
  const ouArn = `arn:aws:organizations::${MANAGEMENT}:ou/${org}/${production}`;
  // The four service roles CreateLandingZone needs, as the governance stack creates them.
  const roles = Object.fromEntries(
    [
      ['AWSControlTowerAdmin', 'controltower.amazonaws.com'],
      ['AWSControlTowerCloudTrailRole', 'cloudtrail.amazonaws.com'],
      ['AWSControlTowerStackSetRole', 'cloudformation.amazonaws.com'],
      ['AWSControlTowerConfigAggregatorRoleForOrganizations', 'config.amazonaws.com'],
    ].map(([name, service]) => [
      name,
      {
        Type: 'AWS::IAM::Role',
        Properties: {
          RoleName: name,
          Path: '/service-role/',
          AssumeRolePolicyDocument: {
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }],
          },
        },
      },
    ]),
  );
  const governance = {
    Resources: {
      ...roles,
      LandingZone: {
        Type: 'AWS::ControlTower::LandingZone',
        DeletionPolicy: 'Retain',
        DependsOn: Object.keys(roles),
        Properties: {
          Version: '3.3',
          Manifest: {
            governedRegions: [HOME, 'us-east-1'],
            organizationStructure: { security: { name: 'Security' }, sandbox: { name: 'Sandbox' } },
            centralizedLogging: {
              accountId: logs,
              configurations: {
                loggingBucket: { retentionDays: 365 },
                accessLoggingBucket: { retentionDays: 3650 },
              },
              enabled: true,
            },
            securityRoles: { accountId: audit },
            accessManagement: { enabled: false },
          },
        },
      },
      BaselineProduction: {
        Type: 'AWS::ControlTower::EnabledBaseline',
        DependsOn: 'LandingZone',
        Properties: { BaselineIdentifier: CT_BASELINE, BaselineVersion: '4.0', TargetIdentifier: ouArn },
      },
      ControlProduction: {
        Type: 'AWS::ControlTower::EnabledControl',
        DependsOn: 'BaselineProduction',
        Properties: { ControlIdentifier: ENCRYPTED_VOLUMES, TargetIdentifier: ouArn },
      },
    },
    Outputs: { LandingZoneArn: { Value: { 'Fn::GetAtt': ['LandingZone', 'Arn'] } } },
  };
  e.cloudformation.onCreateStack(
    {
      StackName: 'estate-governance',
      TemplateBody: JSON.stringify(governance),
      Capabilities: ['CAPABILITY_NAMED_IAM'],
    },
    MANAGEMENT,
    HOME,
  );
  // The account baseline: a service-managed StackSet to the Production OU, in both regions.
  e.cloudformation.onActivateOrganizationsAccess({}, MANAGEMENT);
  const baseline = {
    Resources: {
      Baseline: {
        Type: 'AWS::CloudFormation::StackSet',
        Properties: {
          StackSetName: 'estate-baseline',
          PermissionModel: 'SERVICE_MANAGED',
          AutoDeployment: { Enabled: true, RetainStacksOnAccountRemoval: false },
          ManagedExecution: { Active: true },
          StackInstancesGroup: [
            { DeploymentTargets: { OrganizationalUnitIds: [production] }, Regions: [HOME, 'us-east-1'] },
          ],
          TemplateBody: JSON.stringify({ Resources: { Topic: { Type: 'AWS::SNS::Topic' } } }),
        },
      },
    },
  };
  e.cloudformation.onCreateStack(
    { StackName: 'estate-baseline', TemplateBody: JSON.stringify(baseline) },
    MANAGEMENT,
    HOME,
  );
  const monitoring = {
    Resources: { Topic: { Type: 'AWS::SNS::Topic' } },
    Outputs: {
      ObservabilitySinkArn: {
        Value: `arn:aws:oam:${HOME}:${audit}:sink/a1b2c3d4-5e6f-7a8b-9c0d-e1f2a3b4c5d6`,
      },
      OverviewDashboardName: { Value: 'estate-overview' },
    },
  };
  e.cloudformation.onCreateStack(
    { StackName: 'estate-monitoring', TemplateBody: JSON.stringify(monitoring) },
    audit,
    HOME,
  );
  return e;
}

const governed = { logArchiveAccount: 'logs', auditAccount: 'audit' };

describe('estate ct status against an emulated landing zone', () => {
  let e: EmulatedEstate;
  beforeAll(async () => {
    e = await governedEstate(governed);
  });
  afterAll(async () => e?.close());

  it('shows the landing zone, the registered OU, enrolment, controls and where logs land, exit 0', async () => {
    const r = await estate(['ct', 'status', '--config', e.file], { env: e.env });
    expect(r.stderr).toBe(`sandbox: talking to an AWS emulator on loopback at ${e.url}, not AWS\n`);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ {2}status +ACTIVE$/m);
    expect(r.stdout).toMatch(/^ {2}version +3\.3/m);
    expect(r.stdout).toMatch(/^ {2}stack +estate-governance CREATE_COMPLETE/m);
    expect(r.stdout).toMatch(/^Workloads\/Production +ou-\S+ +SUCCEEDED +4\.0 /m);
    expect(r.stdout).toMatch(/^shop-prod +\d{12} +Workloads\/Production +enrolled/m);
    expect(r.stdout).toMatch(/^logs +\d{12} +Security +shared +the landing zone's log-archive account/m);
    expect(r.stdout).toMatch(/^Workloads\/Production +AWS-GR_ENCRYPTED_VOLUMES +SUCCEEDED/m);
    expect(r.stdout).toMatch(
      /^CloudTrail organization trail +logs \(\d{12}\) +S3 aws-controltower-logs-\d{12}-eu-west-2 +365 days$/m,
    );
    expect(r.stdout).toMatch(/^Overview dashboard +audit \(\d{12}\) +CloudWatch dashboard estate-overview$/m);
  });

  it('gives the typed status as one JSON document with --json', async () => {
    const r = await estate(['ct', 'status', '--config', e.file, '--json'], { env: e.env });
    expect(r.code).toBe(0);
    const status = JSON.parse(r.stdout);
    expect(status).toMatchObject({
      enabled: true,
      homeRegion: HOME,
      managementAccountId: MANAGEMENT,
      unreadable: [],
      landingZone: { source: 'governance-stack', status: 'ACTIVE', version: '3.3' },
      governanceStack: { name: 'estate-governance', inProgress: false },
    });
    expect(status.landingZone.arn).toMatch(/^arn:aws:controltower:eu-west-2:111111111111:landingzone\//);
    expect(status.ous.find((o: { path?: string }) => o.path === 'Workloads/Production')).toMatchObject({
      workload: true,
      registration: { status: 'SUCCEEDED' },
      accounts: { total: 1, enrolled: 1 },
    });
  });
  it('counts the baseline StackSet instances per OU, and a new account in the OU as it gets its own (enrolled by auto-enrolment)', async () => {
    const before = await estate(['ct', 'status', '--config', e.file], { env: e.env });
    expect(before.stdout).toMatch(/^Workloads\/Production +2 +0 +0 +0$/m);
    // Automatic deployment: an account moved into the OU gets its instances.
    e.fake.addAccount({
      name: 'shop-staging',
      email: 'aws+shop-staging@acme.example.com',
      ouPath: 'Workloads/Production',
    });
    const after = JSON.parse(
      (await estate(['ct', 'status', '--config', e.file, '--json'], { env: e.env })).stdout,
    );
    // Auto-enrolment (landing zone 3.1+): an account moved into a registered OU is enrolled.
    expect(after.accounts.find((a: { name: string }) => a.name === 'shop-staging')).toMatchObject({
      enrolment: 'enrolled',
      ouPath: 'Workloads/Production',
    });
    expect(after.baseline.byOu).toEqual([
      expect.objectContaining({
        path: 'Workloads/Production',
        current: 4,
        outdated: 0,
        inoperable: 0,
        missing: 0,
      }),
    ]);
  });
});

describe('estate ct status when a part cannot be read', () => {
  let e: EmulatedEstate;
  beforeAll(async () => {
    // A role the audit account does not have: its estate-monitoring stack cannot be read.
    e = await governedEstate(governed);
    const raw = config(governed) as Record<string, any>;
    raw.organization.accessRoleName = 'cdk-estate-missing';
    await writeFile(e.file, stringify(raw));
  });
  afterAll(async () => e?.close());

  it('prints the rest, names the part and its reason, and exits 1', async () => {
    const r = await estate(['ct', 'status', '--config', e.file, '--json'], { env: e.env });
    expect(r.code).toBe(1);
    const status = JSON.parse(r.stdout);
    expect(status.unreadable.map((u: { part: string }) => u.part)).toEqual(['monitoring stack']);
    expect(status.unreadable[0].reason).toContain('cdk-estate-missing');
    expect(status.landingZone.status).toBe('ACTIVE');
    expect(status.monitoring.unreadable).toContain('cdk-estate-missing');
  });
});
