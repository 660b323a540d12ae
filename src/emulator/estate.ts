/**
 * A whole empty AWS estate behind one loopback emulator: Organizations, Budgets and Cost
 * Explorer (cost allocation tags), CloudFormation, S3 and SSM for deployments, IAM (which sees
 * the roles stacks create), Control Tower (whose landing zone, baselines and controls
 * CloudFormation's AWS::ControlTower::* resources make; service-managed StackSets deploy
 * through the Organizations fake's OUs), CloudWatch, SNS, SES and IAM Identity Center.
 *
 * The tests' emulated estate and `estate sandbox` both start it. What it models and what it
 * does not: README.md beside this file.
 */
import { startEmulator, type Emulator, type HttpFaults } from './server.js';
import { FakeBudgets } from './budgets.js';
import { FakeCloudFormation, type FakeCloudFormationOptions } from './cloudformation.js';
import { FakeCloudWatch } from './cloudwatch.js';
import { FakeControlTower } from './controltower.js';
import { FakeCostAllocationTags } from './cost-allocation-tags.js';
import { FakeIdentityCenter } from './identity-center.js';
import { FakeIam, iamQueryService } from './iam.js';
import { FakeOrganizations } from './organizations.js';
import { FakeSes, FakeSns } from './notify.js';
import { FakeS3 } from './s3.js';
import { FakeSsm } from './ssm.js';

/** The services of one emulated estate, each reachable for seeding and inspection. */
export interface EstateServices {
  readonly fake: FakeOrganizations;
  readonly budgets: FakeBudgets;
  readonly tags: FakeCostAllocationTags;
  readonly cloudformation: FakeCloudFormation;
  /** IAM in the management account (the caller); GetRole also sees roles stacks created. */
  readonly iam: FakeIam;
  /** Control Tower in the management account: made by CloudFormation's AWS::ControlTower::* resources. */
  readonly controltower: FakeControlTower;
  readonly s3: FakeS3;
  readonly ssm: FakeSsm;
  /** GetMetricData over data points put by hand; SNS Publish and SES SendEmail recorded. */
  readonly cloudwatch: FakeCloudWatch;
  readonly sns: FakeSns;
  readonly ses: FakeSes;
  /** IAM Identity Center (SSO Admin and Identity Store), enabled and empty: seed users with addUser. */
  readonly identityCenter: FakeIdentityCenter;
}

/** CloudFormation options for the estate (faults, polls), besides the S3 and SSM it is wired to. */
export type CloudFormationTuning = Omit<
  FakeCloudFormationOptions,
  's3' | 'ssm' | 's3Origins' | 'providers' | 'organizations'
>;

export interface EstateEmulatorOptions {
  /** The management account: the caller of every request not signed with assumed-role keys. */
  readonly callerAccountId: string;
  readonly cloudformation?: CloudFormationTuning;
  /** Port on 127.0.0.1. @default 0 (any free port) */
  readonly port?: number;
  readonly faults?: HttpFaults;
}

export interface EstateEmulator extends EstateServices {
  readonly emulator: Emulator;
  /** http://127.0.0.1:<port> */
  readonly url: string;
  close(): Promise<void>;
}

/** The services, wired to each other, with no server: for snapshots and in-process use. */
export function estateServices(
  callerAccountId: string,
  cloudformationOptions: CloudFormationTuning = {},
  url: () => string = () => '',
): EstateServices {
  const fake = new FakeOrganizations({ callerAccountId, createAccountPolls: 0 });
  const budgets = new FakeBudgets();
  const tags = new FakeCostAllocationTags(['cost-center', 'estate:env']);
  const s3 = new FakeS3();
  const ssm = new FakeSsm();
  const cloudwatch = new FakeCloudWatch();
  const sns = new FakeSns();
  const ses = new FakeSes();
  const identityCenter = new FakeIdentityCenter({ ownerAccountId: callerAccountId });
  const controltower: FakeControlTower = new FakeControlTower({
    organizations: fake,
    // The prerequisite roles live under /service-role/ in the management account: IAM's own or a stack's.
    serviceRoleExists: (account: string, name: string): boolean =>
      account === callerAccountId
        ? iam.hasRole(name, '/service-role/')
        : cloudformation.rolePaths.get(`${account}/${name}`) === '/service-role/',
  });
  const cloudformation: FakeCloudFormation = new FakeCloudFormation({
    ...cloudformationOptions,
    s3,
    ssm,
    s3Origins: () => [url()],
    providers: controltower.providers(),
    organizations: fake,
  });
  const iam: FakeIam = new FakeIam(callerAccountId, { stackRoles: cloudformation });
  return {
    fake,
    budgets,
    tags,
    cloudformation,
    iam,
    controltower,
    s3,
    ssm,
    cloudwatch,
    sns,
    ses,
    identityCenter,
  };
}

export async function startEstateEmulator(options: EstateEmulatorOptions): Promise<EstateEmulator> {
  let url = '';
  const services = estateServices(options.callerAccountId, options.cloudformation, () => url);
  const {
    fake,
    budgets,
    tags,
    cloudformation,
    iam,
    controltower,
    s3,
    ssm,
    cloudwatch,
    sns,
    ses,
    identityCenter,
  } = services;
  const emulator = await startEmulator({
    callerAccountId: options.callerAccountId,
    ...(options.port !== undefined ? { port: options.port } : {}),
    ...(options.faults ? { faults: options.faults } : {}),
    queryServices: [cloudformation, sns, iamQueryService(iam)],
    restServices: [s3, ses, controltower],
    assumeRolePolicy: cloudformation.assumeRolePolicy,
    services: [
      { targetPrefix: 'AWSOrganizationsV20161128', send: (c) => fake.send(c) },
      { targetPrefix: 'AWSBudgetServiceGateway', send: (c) => budgets.send(c) },
      { targetPrefix: 'AWSInsightsIndexService', send: (c) => tags.send(c) },
      { targetPrefix: 'AmazonSSM', send: (c) => ssm.send(c) },
      cloudwatch,
      ...identityCenter.services,
    ],
  });
  url = emulator.url;
  return { ...services, emulator, url, close: () => emulator.close() };
}
