/**
 * An empty estate served on loopback for CLI tests: the Organizations, Budgets and Cost
 * Explorer (cost allocation tags) fakes, CloudFormation, S3 and SSM for deployments, IAM (which
 * sees the roles stacks create) and Control Tower (whose landing zone, baselines and controls
 * CloudFormation's AWS::ControlTower::* resources make; service-managed StackSets deploy through
 * the Organizations fake's OUs), behind one emulator, with estate.yaml written to a temporary
 * folder and the environment that points the CLI at them.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { emulatorEnv, startEmulator, type Emulator } from './aws-emulator.js';
import { tempDir } from './cli.js';
import { FakeBudgets } from './fake-budgets.js';
import { FakeCloudFormation, type FakeCloudFormationOptions } from './fake-cloudformation.js';
import { FakeCloudWatch } from './fake-cloudwatch.js';
import { FakeControlTower } from './fake-controltower.js';
import { FakeCostAllocationTags } from './fake-cost-allocation-tags.js';
import { FakeIam, iamQueryService } from './fake-iam.js';
import { FakeOrganizations } from './fake-organizations.js';
import { FakeSes, FakeSns } from './fake-notify.js';
import { FakeS3 } from './fake-s3.js';
import { FakeSsm } from './fake-ssm.js';

export interface EmulatedEstate {
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
  /** GetMetricData over data points a test puts; SNS Publish and SES SendEmail recorded. */
  readonly cloudwatch: FakeCloudWatch;
  readonly sns: FakeSns;
  readonly ses: FakeSes;
  readonly emulator: Emulator;
  readonly dir: string;
  /** estate.yaml in `dir`. */
  readonly file: string;
  readonly env: NodeJS.ProcessEnv;
  close(): Promise<void>;
}

/** CloudFormation options for the estate (faults, polls), besides the S3 and SSM it is wired to. */
export type CloudFormationTuning = Omit<
  FakeCloudFormationOptions,
  's3' | 'ssm' | 's3Origins' | 'providers' | 'organizations'
>;

export async function emulatedEstate(
  config: object,
  callerAccountId: string,
  cloudformationOptions: CloudFormationTuning = {},
): Promise<EmulatedEstate> {
  const { dir, cleanup } = await tempDir();
  const file = join(dir, 'estate.yaml');
  await writeFile(file, stringify(config));
  const fake = new FakeOrganizations({ callerAccountId, createAccountPolls: 0 });
  const budgets = new FakeBudgets();
  const tags = new FakeCostAllocationTags(['cost-center', 'estate:env']);
  const s3 = new FakeS3();
  const ssm = new FakeSsm();
  const cloudwatch = new FakeCloudWatch();
  const sns = new FakeSns();
  const ses = new FakeSes();
  let url = '';
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
    s3Origins: () => [url],
    providers: controltower.providers(),
    organizations: fake,
  });
  const iam: FakeIam = new FakeIam(callerAccountId, { stackRoles: cloudformation });
  const emulator = await startEmulator({
    callerAccountId,
    queryServices: [cloudformation, sns, iamQueryService(iam)],
    restServices: [s3, ses, controltower],
    assumeRolePolicy: cloudformation.assumeRolePolicy,
    services: [
      { targetPrefix: 'AWSOrganizationsV20161128', send: (c) => fake.send(c) },
      { targetPrefix: 'AWSBudgetServiceGateway', send: (c) => budgets.send(c) },
      { targetPrefix: 'AWSInsightsIndexService', send: (c) => tags.send(c) },
      { targetPrefix: 'AmazonSSM', send: (c) => ssm.send(c) },
      cloudwatch,
    ],
  });
  url = emulator.url;
  const env = emulatorEnv(emulator.url, join(dir, 'audit.log'));
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
    emulator,
    dir,
    file,
    env,
    close: async () => {
      await emulator.close();
      await cleanup();
    },
  };
}
