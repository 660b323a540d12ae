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
import { startEmulator, type Emulator, type HttpFaults, type StsSession } from './server.js';
import { FakeBudgets, type BudgetsState } from './budgets.js';
import {
  FakeCloudFormation,
  type CloudFormationState,
  type FakeCloudFormationOptions,
} from './cloudformation.js';
import { FakeCloudWatch, type CloudWatchState } from './cloudwatch.js';
import { FakeControlTower, type ControlTowerState } from './controltower.js';
import { FakeCostAllocationTags, type CostAllocationTagsState } from './cost-allocation-tags.js';
import { FakeIdentityCenter, type IdentityCenterState } from './identity-center.js';
import { FakeIam, iamQueryService, type IamState } from './iam.js';
import { FakeOrganizations, type OrganizationsState } from './organizations.js';
import { FakeSes, FakeSns, type SesState, type SnsState } from './notify.js';
import { FakeS3, type S3State } from './s3.js';
import { FakeSsm, type SsmState } from './ssm.js';

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

/** Every service's snapshot, by service: what `estate sandbox` keeps in its state file. */
export interface EstateServicesState {
  readonly organizations: OrganizationsState;
  readonly budgets: BudgetsState;
  readonly costAllocationTags: CostAllocationTagsState;
  readonly cloudformation: CloudFormationState;
  readonly iam: IamState;
  readonly controltower: ControlTowerState;
  readonly s3: S3State;
  readonly ssm: SsmState;
  readonly cloudwatch: CloudWatchState;
  readonly sns: SnsState;
  readonly ses: SesState;
  readonly identityCenter: IdentityCenterState;
}

/** Each service's snapshot (detached copies; JSON-serialisable with state.ts's encodeState). */
export function snapshotServices(services: EstateServices): EstateServicesState {
  // CloudFormation first: finishing a stack operation still waiting for polls can touch S3, SSM, Control Tower.
  const cloudformation = services.cloudformation.snapshot();
  return {
    organizations: services.fake.snapshot(),
    budgets: services.budgets.snapshot(),
    costAllocationTags: services.tags.snapshot(),
    cloudformation,
    iam: services.iam.snapshot(),
    controltower: services.controltower.snapshot(),
    s3: services.s3.snapshot(),
    ssm: services.ssm.snapshot(),
    cloudwatch: services.cloudwatch.snapshot(),
    sns: services.sns.snapshot(),
    ses: services.ses.snapshot(),
    identityCenter: services.identityCenter.snapshot(),
  };
}

/** Puts every service back as a snapshot left it; throws on a snapshot that misses a service. */
export function restoreServices(services: EstateServices, state: EstateServicesState): void {
  const missing = (
    [
      'organizations',
      'budgets',
      'costAllocationTags',
      'cloudformation',
      'iam',
      'controltower',
      's3',
      'ssm',
      'cloudwatch',
      'sns',
      'ses',
      'identityCenter',
    ] as const
  ).filter((key) => !state || typeof state[key] !== 'object' || state[key] === null);
  if (missing.length) throw new Error(`the snapshot has no state for ${missing.join(', ')}`);
  services.fake.restore(state.organizations);
  services.budgets.restore(state.budgets);
  services.tags.restore(state.costAllocationTags);
  services.cloudformation.restore(state.cloudformation);
  services.iam.restore(state.iam);
  services.controltower.restore(state.controltower);
  services.s3.restore(state.s3);
  services.ssm.restore(state.ssm);
  services.cloudwatch.restore(state.cloudwatch);
  services.sns.restore(state.sns);
  services.ses.restore(state.ses);
  services.identityCenter.restore(state.identityCenter);
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
  /** 127.0.0.1 or ::1 (server.ts refuses any other). @default 127.0.0.1 */
  readonly host?: string;
  readonly faults?: HttpFaults;
  /** Called after each request that may have changed state (server.ts changesState). */
  readonly onStateChange?: (operation: string) => void;
  /** STS-issued keys, e.g. restored from a state file. @default none */
  readonly sessions?: Map<string, StsSession>;
  /** Fills the services before the server listens (a restore, a seed). */
  readonly prepare?: (services: EstateServices) => void;
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
  options.prepare?.(services);
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
    ...(options.host !== undefined ? { host: options.host } : {}),
    ...(options.faults ? { faults: options.faults } : {}),
    ...(options.onStateChange ? { onStateChange: options.onStateChange } : {}),
    ...(options.sessions ? { sessions: options.sessions } : {}),
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
