/**
 * Auto-deployment of a service-managed StackSet, driven only through the SDK as estate drives
 * it: an account created after the StackSet exists and moved into a target OU gets its instance
 * at once (the member template's SSM parameter is there without anyone reading the StackSet:
 * onboarding waits on that parameter); one moved out loses it; without auto-deployment a late
 * account gets none; and the instances survive a sandbox restart.
 */
import {
  ActivateOrganizationsAccessCommand,
  CloudFormationClient,
  CreateStackCommand,
  ListStackInstancesCommand,
} from '@aws-sdk/client-cloudformation';
import {
  CreateAccountCommand,
  CreateOrganizationalUnitCommand,
  CreateOrganizationCommand,
  DescribeCreateAccountStatusCommand,
  ListRootsCommand,
  MoveAccountCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { GetParameterCommand, ParameterNotFound, SSMClient } from '@aws-sdk/client-ssm';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  SANDBOX_ACCESS_KEY_ID,
  SANDBOX_REGION,
  SANDBOX_SECRET_ACCESS_KEY,
  startSandbox,
  type Sandbox,
} from '../../src/emulator/sandbox.js';

const REGION = SANDBOX_REGION;
const PARAMETER = '/cdk-bootstrap/estate/version';
let dir: string;
let sandbox: Sandbox | undefined;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'estate-stacksets-'));
  sandbox = await startSandbox({ stateDir: dir });
});
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
  await rm(dir, { recursive: true, force: true });
});

const credentials = { accessKeyId: SANDBOX_ACCESS_KEY_ID, secretAccessKey: SANDBOX_SECRET_ACCESS_KEY };
const config = () => ({ region: REGION, endpoint: sandbox!.url, credentials, maxAttempts: 1 });
const org = () => new OrganizationsClient({ ...config(), region: 'us-east-1' });
const cfn = () => new CloudFormationClient(config());

function baseline(ouId: string, autoDeployment: boolean, name = 'estate-baseline') {
  return {
    Resources: {
      Baseline: {
        Type: 'AWS::CloudFormation::StackSet',
        Properties: {
          StackSetName: name,
          PermissionModel: 'SERVICE_MANAGED',
          AutoDeployment: { Enabled: autoDeployment, RetainStacksOnAccountRemoval: false },
          Capabilities: ['CAPABILITY_NAMED_IAM'],
          StackInstancesGroup: [{ DeploymentTargets: { OrganizationalUnitIds: [ouId] }, Regions: [REGION] }],
          TemplateBody: JSON.stringify({
            Resources: {
              Version: {
                Type: 'AWS::SSM::Parameter',
                Properties: { Name: PARAMETER, Type: 'String', Value: '27' },
              },
            },
          }),
        },
      },
    },
  };
}

/** An organisation with a Workloads OU and organisations access for StackSets. */
async function organisation(): Promise<{ root: string; workloads: string }> {
  await org().send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
  const root = (await org().send(new ListRootsCommand({}))).Roots![0]!.Id!;
  const workloads = (
    await org().send(new CreateOrganizationalUnitCommand({ ParentId: root, Name: 'Workloads' }))
  ).OrganizationalUnit!.Id!;
  await cfn().send(new ActivateOrganizationsAccessCommand({}));
  return { root, workloads };
}

async function deployStackSet(template: object, stackName = 'estate-baseline') {
  await cfn().send(
    new CreateStackCommand({
      StackName: stackName,
      TemplateBody: JSON.stringify(template),
      Capabilities: ['CAPABILITY_NAMED_IAM'],
    }),
  );
}

/** CreateAccount polled to the end, as estate's organisation engine does: the account lands in the root. */
async function createAccount(name: string): Promise<string> {
  const id = (await org().send(new CreateAccountCommand({ AccountName: name, Email: `${name}@example.com` })))
    .CreateAccountStatus!.Id!;
  for (;;) {
    const status = (await org().send(new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: id })))
      .CreateAccountStatus!;
    if (status.State === 'SUCCEEDED') return status.AccountId!;
    if (status.State === 'FAILED') throw new Error(status.FailureReason);
  }
}

/** The bootstrap parameter in the account, read with assumed-role keys (as estate's bootstrap check does). */
async function version(accountId: string): Promise<string | undefined> {
  const keys = (
    await new STSClient(config()).send(
      new AssumeRoleCommand({
        RoleArn: `arn:aws:iam::${accountId}:role/OrganizationAccountAccessRole`,
        RoleSessionName: 'estate',
      }),
    )
  ).Credentials!;
  const ssm = new SSMClient({
    ...config(),
    credentials: {
      accessKeyId: keys.AccessKeyId!,
      secretAccessKey: keys.SecretAccessKey!,
      sessionToken: keys.SessionToken!,
    },
  });
  try {
    return (await ssm.send(new GetParameterCommand({ Name: PARAMETER }))).Parameter?.Value;
  } catch (error) {
    if (error instanceof ParameterNotFound) return undefined;
    throw error;
  }
}

describe('service-managed StackSet auto-deployment', () => {
  it('Given an auto-deploying StackSet on Workloads, When an account is created later and moved into Workloads, Then its instance is deployed at once, and moving it out removes it', async () => {
    const { root, workloads } = await organisation();
    await deployStackSet(baseline(workloads, true));
    const account = await createAccount('dev-alice');
    // In the root: not targeted.
    expect(await version(account)).toBeUndefined();
    await org().send(
      new MoveAccountCommand({ AccountId: account, SourceParentId: root, DestinationParentId: workloads }),
    );
    // No StackSet read in between: the instance is there because the account arrived.
    expect(await version(account)).toBe('27');
    const instances = (await cfn().send(new ListStackInstancesCommand({ StackSetName: 'estate-baseline' })))
      .Summaries!;
    expect(instances.map((i) => `${i.Account}/${i.Region}/${i.Status}/${i.OrganizationalUnitId}`)).toEqual([
      `${account}/${REGION}/CURRENT/${workloads}`,
    ]);

    await org().send(
      new MoveAccountCommand({ AccountId: account, SourceParentId: workloads, DestinationParentId: root }),
    );
    expect(await version(account)).toBeUndefined();
  });

  it('Given an auto-deploying StackSet, When the sandbox restarts, Then its instances are still there and a later account still gets one', async () => {
    const { root, workloads } = await organisation();
    await deployStackSet(baseline(workloads, true));
    const first = await createAccount('dev-alice');
    await org().send(
      new MoveAccountCommand({ AccountId: first, SourceParentId: root, DestinationParentId: workloads }),
    );
    await sandbox!.close();
    sandbox = await startSandbox({ stateDir: dir });
    expect(await version(first)).toBe('27');
    const second = await createAccount('dev-bob');
    expect(second).not.toBe(first);
    await org().send(
      new MoveAccountCommand({ AccountId: second, SourceParentId: root, DestinationParentId: workloads }),
    );
    expect(await version(second)).toBe('27');
    const instances = (await cfn().send(new ListStackInstancesCommand({ StackSetName: 'estate-baseline' })))
      .Summaries!;
    expect(instances.map((i) => i.Account).sort()).toEqual([first, second].sort());
  });

  it('Given a StackSet without auto-deployment, When an account arrives in its OU later, Then it gets no instance (not even when the StackSet is read)', async () => {
    const { root, workloads } = await organisation();
    await deployStackSet(baseline(workloads, false));
    const account = await createAccount('dev-carol');
    await org().send(
      new MoveAccountCommand({ AccountId: account, SourceParentId: root, DestinationParentId: workloads }),
    );
    expect(
      (await cfn().send(new ListStackInstancesCommand({ StackSetName: 'estate-baseline' }))).Summaries,
    ).toEqual([]);
    expect(await version(account)).toBeUndefined();
  });
});
