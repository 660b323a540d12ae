/**
 * The sandbox's state file: every service, changed through the real SDK clients over the
 * loopback emulator, closed, started again from the same state folder and read back; ids made
 * after the restart do not collide with those made before; in-flight asynchronous work
 * (CreateAccount, Identity Center assignments) carries on after the restart.
 */
import {
  BudgetsClient,
  CreateBudgetActionCommand,
  CreateBudgetCommand,
  DescribeBudgetActionsForBudgetCommand,
  DescribeBudgetsCommand,
  DescribeSubscribersForNotificationCommand,
} from '@aws-sdk/client-budgets';
import {
  CloudFormationClient,
  CreateChangeSetCommand,
  CreateStackCommand,
  DescribeChangeSetCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  GetTemplateCommand,
  ListExportsCommand,
} from '@aws-sdk/client-cloudformation';
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  ControlTowerClient,
  GetControlOperationCommand,
  ListEnabledControlsCommand,
} from '@aws-sdk/client-controltower';
import {
  CostExplorerClient,
  ListCostAllocationTagsCommand,
  UpdateCostAllocationTagsStatusCommand,
} from '@aws-sdk/client-cost-explorer';
import {
  CreateRoleCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { GetGroupIdCommand, GetUserIdCommand, IdentitystoreClient } from '@aws-sdk/client-identitystore';
import {
  AttachPolicyCommand,
  CreateAccountCommand,
  CreateOrganizationalUnitCommand,
  CreateOrganizationCommand,
  CreatePolicyCommand,
  DescribeCreateAccountStatusCommand,
  DescribeOrganizationCommand,
  EnablePolicyTypeCommand,
  ListAccountsCommand,
  ListOrganizationalUnitsForParentCommand,
  ListRootsCommand,
  ListTagsForResourceCommand,
  ListTargetsForPolicyCommand,
  MoveAccountCommand,
  OrganizationsClient,
  TagResourceCommand,
} from '@aws-sdk/client-organizations';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import {
  AttachManagedPolicyToPermissionSetCommand,
  CreateAccountAssignmentCommand,
  CreatePermissionSetCommand,
  DescribeAccountAssignmentCreationStatusCommand,
  ListAccountAssignmentsCommand,
  ListInstancesCommand,
  SSOAdminClient,
} from '@aws-sdk/client-sso-admin';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PREREQUISITE_ROLES } from '../../src/emulator/controltower.js';
import {
  SANDBOX_ACCESS_KEY_ID,
  SANDBOX_MANAGEMENT_ACCOUNT,
  SANDBOX_REGION,
  SANDBOX_SECRET_ACCESS_KEY,
  SANDBOX_STATE_FORMAT,
  SANDBOX_STATE_VERSION,
  startSandbox,
  type Sandbox,
} from '../../src/emulator/sandbox.js';

const MGMT = SANDBOX_MANAGEMENT_ACCOUNT;
const REGION = SANDBOX_REGION;
let dir: string;
let running: Sandbox | undefined;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'estate-sandbox-state-'));
});
afterEach(async () => {
  await running?.close();
  running = undefined;
  await rm(dir, { recursive: true, force: true });
});

async function start(): Promise<Sandbox> {
  running = await startSandbox({ stateDir: dir });
  return running;
}

/** Closes the running sandbox (which writes the state file) and starts another from the same folder. */
async function restart(): Promise<Sandbox> {
  await running?.close();
  running = undefined;
  const next = await start();
  expect(next.restored).toBe(true);
  return next;
}

function clients(
  url: string,
  credentials = { accessKeyId: SANDBOX_ACCESS_KEY_ID, secretAccessKey: SANDBOX_SECRET_ACCESS_KEY },
) {
  const config = { region: REGION, endpoint: url, credentials, maxAttempts: 1 };
  return {
    org: new OrganizationsClient({ ...config, region: 'us-east-1' }),
    budgets: new BudgetsClient({ ...config, region: 'us-east-1' }),
    ce: new CostExplorerClient({ ...config, region: 'us-east-1' }),
    cfn: new CloudFormationClient(config),
    s3: new S3Client({ ...config, forcePathStyle: true }),
    ssm: new SSMClient(config),
    iam: new IAMClient({ ...config, region: 'us-east-1' }),
    ct: new ControlTowerClient(config),
    sso: new SSOAdminClient(config),
    ids: new IdentitystoreClient(config),
    cw: new CloudWatchClient(config),
    sns: new SNSClient(config),
    ses: new SESv2Client(config),
    sts: new STSClient(config),
  };
}

async function organisation(c: ReturnType<typeof clients>) {
  await c.org.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
  const root = (await c.org.send(new ListRootsCommand({}))).Roots![0]!.Id!;
  return root;
}

describe('the sandbox state file', () => {
  it('Given a fresh state folder, Then the seeded state is written at once, as a versioned snapshot', async () => {
    await start();
    const doc = JSON.parse(await readFile(join(dir, 'sandbox.json'), 'utf8'));
    expect(doc).toMatchObject({
      format: SANDBOX_STATE_FORMAT,
      version: SANDBOX_STATE_VERSION,
      managementAccountId: MGMT,
    });
    expect(Date.parse(doc.savedAt)).toBeGreaterThan(Date.now() - 60_000);
    expect(Object.keys(doc.services).sort()).toEqual(
      [
        'budgets',
        'cloudformation',
        'cloudwatch',
        'controltower',
        'costAllocationTags',
        'iam',
        'identityCenter',
        'organizations',
        's3',
        'ses',
        'sns',
        'ssm',
      ].sort(),
    );
  });

  it('writes after a change without waiting for close (debounced), atomically (no temp file left)', async () => {
    const sandbox = await start();
    const c = clients(sandbox.url);
    const root = await organisation(c);
    await c.org.send(new CreateOrganizationalUnitCommand({ ParentId: root, Name: 'Written-Early' }));
    const deadline = Date.now() + 3_000;
    let text = '';
    while (Date.now() < deadline) {
      text = await readFile(join(dir, 'sandbox.json'), 'utf8');
      if (text.includes('Written-Early')) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(text).toContain('Written-Early');
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('Organizations: the tree, accounts, tags, policies and targets survive; an account still being created completes after the restart; new ids do not collide', async () => {
    let c = clients((await start()).url);
    const root = await organisation(c);
    const ou = (await c.org.send(new CreateOrganizationalUnitCommand({ ParentId: root, Name: 'Workloads' })))
      .OrganizationalUnit!.Id!;
    await c.org.send(new TagResourceCommand({ ResourceId: ou, Tags: [{ Key: 'team', Value: 'core' }] }));
    await c.org.send(new EnablePolicyTypeCommand({ RootId: root, PolicyType: 'SERVICE_CONTROL_POLICY' }));
    await c.org.send(new ListRootsCommand({}));
    await c.org.send(new ListRootsCommand({}));
    const policy = (
      await c.org.send(
        new CreatePolicyCommand({
          Name: 'deny-leave',
          Description: 'no leaving',
          Type: 'SERVICE_CONTROL_POLICY',
          Content: '{"Version":"2012-10-17","Statement":[]}',
        }),
      )
    ).Policy!.PolicySummary!.Id!;
    await c.org.send(new AttachPolicyCommand({ PolicyId: policy, TargetId: ou }));
    const first = (
      await c.org.send(new CreateAccountCommand({ AccountName: 'dev', Email: 'dev@example.com' }))
    ).CreateAccountStatus!.Id!;
    const done = (await c.org.send(new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: first })))
      .CreateAccountStatus!;
    expect(done.State).toBe('SUCCEEDED');
    await c.org.send(
      new MoveAccountCommand({ AccountId: done.AccountId!, SourceParentId: root, DestinationParentId: ou }),
    );
    // Asked for, never polled before the restart.
    const pending = (
      await c.org.send(new CreateAccountCommand({ AccountName: 'late', Email: 'late@example.com' }))
    ).CreateAccountStatus!.Id!;

    c = clients((await restart()).url);
    expect((await c.org.send(new DescribeOrganizationCommand({}))).Organization?.FeatureSet).toBe('ALL');
    const ous = (await c.org.send(new ListOrganizationalUnitsForParentCommand({ ParentId: root })))
      .OrganizationalUnits!;
    expect(ous.map((o) => `${o.Id}/${o.Name}`)).toEqual([`${ou}/Workloads`]);
    expect((await c.org.send(new ListTagsForResourceCommand({ ResourceId: ou }))).Tags).toEqual([
      { Key: 'team', Value: 'core' },
    ]);
    expect((await c.org.send(new ListRootsCommand({}))).Roots![0]!.PolicyTypes).toEqual([
      { Type: 'SERVICE_CONTROL_POLICY', Status: 'ENABLED' },
    ]);
    expect(
      (await c.org.send(new ListTargetsForPolicyCommand({ PolicyId: policy }))).Targets!.map(
        (t) => t.TargetId,
      ),
    ).toEqual([ou]);
    const late = (
      await c.org.send(new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: pending }))
    ).CreateAccountStatus!;
    expect(late.State).toBe('SUCCEEDED');
    const accounts = (await c.org.send(new ListAccountsCommand({}))).Accounts!;
    expect(accounts.map((a) => a.Name).sort()).toEqual(['dev', 'late', 'management']);
    expect(new Set(accounts.map((a) => a.Id)).size).toBe(3);
    const again = (await c.org.send(new CreateOrganizationalUnitCommand({ ParentId: root, Name: 'Sandbox' })))
      .OrganizationalUnit!.Id!;
    expect(again).not.toBe(ou);
    const policy2 = (
      await c.org.send(
        new CreatePolicyCommand({
          Name: 'other',
          Description: '',
          Type: 'SERVICE_CONTROL_POLICY',
          Content: '{}',
        }),
      )
    ).Policy!.PolicySummary!.Id!;
    expect(policy2).not.toBe(policy);
  });

  it('Budgets and cost allocation tags: budgets with notifications, subscribers and actions survive; a new action id is new', async () => {
    let c = clients((await start()).url);
    await c.budgets.send(
      new CreateBudgetCommand({
        AccountId: MGMT,
        Budget: {
          BudgetName: 'dev-alice',
          BudgetType: 'COST',
          TimeUnit: 'MONTHLY',
          BudgetLimit: { Amount: '100', Unit: 'USD' },
        },
        NotificationsWithSubscribers: [
          {
            Notification: {
              NotificationType: 'ACTUAL',
              ComparisonOperator: 'GREATER_THAN',
              Threshold: 80,
              ThresholdType: 'PERCENTAGE',
            },
            Subscribers: [{ SubscriptionType: 'EMAIL', Address: 'alice@example.com' }],
          },
        ],
      }),
    );
    const action = (
      await c.budgets.send(
        new CreateBudgetActionCommand({
          AccountId: MGMT,
          BudgetName: 'dev-alice',
          NotificationType: 'ACTUAL',
          ActionType: 'APPLY_IAM_POLICY',
          ActionThreshold: { ActionThresholdValue: 100, ActionThresholdType: 'PERCENTAGE' },
          Definition: {
            IamActionDefinition: { PolicyArn: 'arn:aws:iam::aws:policy/AWSDenyAll', Roles: ['dev'] },
          },
          ExecutionRoleArn: `arn:aws:iam::${MGMT}:role/budgets`,
          ApprovalModel: 'AUTOMATIC',
          Subscribers: [{ SubscriptionType: 'EMAIL', Address: 'alice@example.com' }],
        }),
      )
    ).ActionId!;
    await c.ce.send(
      new UpdateCostAllocationTagsStatusCommand({
        CostAllocationTagsStatus: [{ TagKey: 'cost-center', Status: 'Active' }],
      }),
    );

    c = clients((await restart()).url);
    const budgets = (await c.budgets.send(new DescribeBudgetsCommand({ AccountId: MGMT }))).Budgets!;
    expect(budgets.map((b) => `${b.BudgetName} ${b.BudgetLimit?.Amount}`)).toEqual(['dev-alice 100']);
    const subscribers = await c.budgets.send(
      new DescribeSubscribersForNotificationCommand({
        AccountId: MGMT,
        BudgetName: 'dev-alice',
        Notification: {
          NotificationType: 'ACTUAL',
          ComparisonOperator: 'GREATER_THAN',
          Threshold: 80,
          ThresholdType: 'PERCENTAGE',
        },
      }),
    );
    expect(subscribers.Subscribers).toEqual([{ SubscriptionType: 'EMAIL', Address: 'alice@example.com' }]);
    const actions = (
      await c.budgets.send(
        new DescribeBudgetActionsForBudgetCommand({ AccountId: MGMT, BudgetName: 'dev-alice' }),
      )
    ).Actions!;
    expect(actions.map((a) => `${a.ActionId} ${a.Status}`)).toEqual([`${action} STANDBY`]);
    const tags = (await c.ce.send(new ListCostAllocationTagsCommand({ TagKeys: ['cost-center'] })))
      .CostAllocationTags!;
    expect(tags.map((t) => `${t.TagKey} ${t.Status}`)).toEqual(['cost-center Active']);
    const another = (
      await c.budgets.send(
        new CreateBudgetActionCommand({
          AccountId: MGMT,
          BudgetName: 'dev-alice',
          NotificationType: 'ACTUAL',
          ActionType: 'APPLY_IAM_POLICY',
          ActionThreshold: { ActionThresholdValue: 90, ActionThresholdType: 'PERCENTAGE' },
          Definition: {
            IamActionDefinition: { PolicyArn: 'arn:aws:iam::aws:policy/AWSDenyAll', Roles: ['dev'] },
          },
          ExecutionRoleArn: `arn:aws:iam::${MGMT}:role/budgets`,
          ApprovalModel: 'AUTOMATIC',
          Subscribers: [{ SubscriptionType: 'EMAIL', Address: 'alice@example.com' }],
        }),
      )
    ).ActionId!;
    expect(another).not.toBe(action);
  });

  it('CloudFormation, S3 and SSM: stacks with templates, events, outputs and exports, an unexecuted change set, the bucket and parameter they made, objects (bytes) and parameters survive', async () => {
    let c = clients((await start()).url);
    const template = {
      Resources: {
        Param: {
          Type: 'AWS::SSM::Parameter',
          Properties: { Name: '/app/version', Type: 'String', Value: '7' },
        },
        Bucket: { Type: 'AWS::S3::Bucket', Properties: { BucketName: 'app-data-bucket' } },
      },
      Outputs: { BucketName: { Value: { Ref: 'Bucket' }, Export: { Name: 'app-bucket' } } },
    };
    const stackId = (
      await c.cfn.send(new CreateStackCommand({ StackName: 'app', TemplateBody: JSON.stringify(template) }))
    ).StackId!;
    const events = (await c.cfn.send(new DescribeStackEventsCommand({ StackName: 'app' }))).StackEvents!
      .length;
    await c.cfn.send(
      new CreateChangeSetCommand({
        StackName: 'app',
        ChangeSetName: 'next',
        ChangeSetType: 'UPDATE',
        TemplateBody: JSON.stringify({
          ...template,
          Resources: {
            ...template.Resources,
            Param: {
              ...template.Resources.Param,
              Properties: { ...template.Resources.Param.Properties, Value: '8' },
            },
          },
        }),
      }),
    );
    await c.s3.send(
      new CreateBucketCommand({
        Bucket: 'assets-bucket',
        CreateBucketConfiguration: { LocationConstraint: REGION },
      }),
    );
    const bytes = Buffer.from([0, 1, 2, 250, 255, 10, 13]);
    await c.s3.send(new PutObjectCommand({ Bucket: 'assets-bucket', Key: 'a/b.bin', Body: bytes }));
    await c.ssm.send(new PutParameterCommand({ Name: '/estate/x', Value: 'one', Type: 'String' }));
    await c.ssm.send(
      new PutParameterCommand({ Name: '/estate/x', Value: 'two', Type: 'String', Overwrite: true }),
    );

    c = clients((await restart()).url);
    const stack = (await c.cfn.send(new DescribeStacksCommand({ StackName: 'app' }))).Stacks![0]!;
    expect([stack.StackId, stack.StackStatus]).toEqual([stackId, 'CREATE_COMPLETE']);
    expect(stack.Outputs).toEqual([
      expect.objectContaining({
        OutputKey: 'BucketName',
        OutputValue: 'app-data-bucket',
        ExportName: 'app-bucket',
      }),
    ]);
    expect(
      JSON.parse((await c.cfn.send(new GetTemplateCommand({ StackName: 'app' }))).TemplateBody!),
    ).toEqual(template);
    expect((await c.cfn.send(new DescribeStackEventsCommand({ StackName: 'app' }))).StackEvents).toHaveLength(
      events,
    );
    expect(
      (await c.cfn.send(new ListExportsCommand({}))).Exports!.map((e) => `${e.Name}=${e.Value}`),
    ).toEqual(['app-bucket=app-data-bucket']);
    const cs = await c.cfn.send(new DescribeChangeSetCommand({ StackName: 'app', ChangeSetName: 'next' }));
    expect([cs.Status, cs.ExecutionStatus]).toEqual(['CREATE_COMPLETE', 'AVAILABLE']);
    expect((await c.ssm.send(new GetParameterCommand({ Name: '/app/version' }))).Parameter?.Value).toBe('7');
    const x = (await c.ssm.send(new GetParameterCommand({ Name: '/estate/x' }))).Parameter!;
    expect([x.Value, x.Version]).toEqual(['two', 2]);
    const object = await c.s3.send(new GetObjectCommand({ Bucket: 'assets-bucket', Key: 'a/b.bin' }));
    expect(Buffer.from(await object.Body!.transformToByteArray())).toEqual(bytes);
    // A new stack gets a new id.
    const second = (
      await c.cfn.send(
        new CreateStackCommand({
          StackName: 'app2',
          TemplateBody: JSON.stringify({
            Resources: { P: { Type: 'AWS::SSM::Parameter', Properties: { Type: 'String', Value: 'v' } } },
          }),
        }),
      )
    ).StackId!;
    expect(second).not.toBe(stackId);
  });

  it('IAM and Control Tower: roles with inline policies, the landing zone, baselines, controls and their operations survive', async () => {
    const sandbox = await start();
    let c = clients(sandbox.url);
    const root = await organisation(c);
    const ou = (await c.org.send(new CreateOrganizationalUnitCommand({ ParentId: root, Name: 'Workloads' })))
      .OrganizationalUnit!.Id!;
    const orgId = (await c.org.send(new DescribeOrganizationCommand({}))).Organization!.Id!;
    const trust = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: { Service: 'controltower.amazonaws.com' }, Action: 'sts:AssumeRole' },
      ],
    });
    const roleId = (
      await c.iam.send(new CreateRoleCommand({ RoleName: 'budgets', AssumeRolePolicyDocument: trust }))
    ).Role!.RoleId!;
    await c.iam.send(
      new PutRolePolicyCommand({
        RoleName: 'budgets',
        PolicyName: 'deny',
        PolicyDocument: '{"Version":"2012-10-17","Statement":[]}',
      }),
    );
    for (const name of PREREQUISITE_ROLES)
      await c.iam.send(
        new CreateRoleCommand({ RoleName: name, Path: '/service-role/', AssumeRolePolicyDocument: trust }),
      );
    const ouArn = `arn:aws:organizations::${MGMT}:ou/${orgId}/${ou}`;
    const control = `arn:aws:controltower:${REGION}::control/AWS-GR_ENCRYPTED_VOLUMES`;
    const created = await c.cfn.send(
      new CreateStackCommand({
        StackName: 'governance',
        TemplateBody: JSON.stringify({
          Resources: {
            LandingZone: {
              Type: 'AWS::ControlTower::LandingZone',
              Properties: { Version: '3.3', Manifest: { governedRegions: [REGION] } },
            },
            Workloads: {
              Type: 'AWS::ControlTower::EnabledBaseline',
              DependsOn: ['LandingZone'],
              Properties: {
                BaselineIdentifier: `arn:aws:controltower:${REGION}::baseline/17BSJV3IGJ2QSGA2`,
                BaselineVersion: '4.0',
                TargetIdentifier: ouArn,
              },
            },
            Encrypted: {
              Type: 'AWS::ControlTower::EnabledControl',
              DependsOn: ['Workloads'],
              Properties: { ControlIdentifier: control, TargetIdentifier: ouArn },
            },
          },
        }),
      }),
    );
    expect(
      (await c.cfn.send(new DescribeStacksCommand({ StackName: created.StackId }))).Stacks![0]!.StackStatus,
    ).toBe('CREATE_COMPLETE');
    const before = sandbox.services.controltower.snapshot();
    expect(before.landingZones.size).toBe(1);

    const after = await restart();
    c = clients(after.url);
    const role = (await c.iam.send(new GetRoleCommand({ RoleName: 'budgets' }))).Role!;
    expect(role.RoleId).toBe(roleId);
    expect(
      decodeURIComponent(
        (await c.iam.send(new GetRolePolicyCommand({ RoleName: 'budgets', PolicyName: 'deny' })))
          .PolicyDocument!,
      ),
    ).toBe('{"Version":"2012-10-17","Statement":[]}');
    const newRole = (
      await c.iam.send(new CreateRoleCommand({ RoleName: 'another', AssumeRolePolicyDocument: trust }))
    ).Role!.RoleId!;
    expect(newRole).not.toBe(roleId);
    const enabled = (await c.ct.send(new ListEnabledControlsCommand({ targetIdentifier: ouArn })))
      .enabledControls!;
    expect(enabled.map((e) => e.controlIdentifier)).toEqual([control]);
    const operation = after.services.controltower.operations[0]!.operationIdentifier;
    expect(
      (await c.ct.send(new GetControlOperationCommand({ operationIdentifier: operation }))).controlOperation
        ?.status,
    ).toBe('SUCCEEDED');
    expect([...after.services.controltower.landingZones.keys()]).toEqual([...before.landingZones.keys()]);
    expect([...after.services.controltower.baselines.keys()]).toEqual([...before.baselines.keys()]);
  });

  it('Identity Center: permission sets, assignments and an assignment still in progress survive; the seeded users stay findable', async () => {
    let c = clients((await start()).url);
    const instance = (await c.sso.send(new ListInstancesCommand({}))).Instances![0]!;
    const userId = (
      await c.ids.send(
        new GetUserIdCommand({
          IdentityStoreId: instance.IdentityStoreId,
          AlternateIdentifier: {
            UniqueAttribute: { AttributePath: 'emails.value', AttributeValue: 'dev@sandbox.example' },
          },
        }),
      )
    ).UserId!;
    const set = (
      await c.sso.send(
        new CreatePermissionSetCommand({
          InstanceArn: instance.InstanceArn,
          Name: 'EstateDeveloper',
          SessionDuration: 'PT8H',
        }),
      )
    ).PermissionSet!.PermissionSetArn!;
    await c.sso.send(
      new AttachManagedPolicyToPermissionSetCommand({
        InstanceArn: instance.InstanceArn,
        PermissionSetArn: set,
        ManagedPolicyArn: 'arn:aws:iam::aws:policy/PowerUserAccess',
      }),
    );
    const request = (
      await c.sso.send(
        new CreateAccountAssignmentCommand({
          InstanceArn: instance.InstanceArn,
          PermissionSetArn: set,
          TargetType: 'AWS_ACCOUNT',
          TargetId: '222222222222',
          PrincipalType: 'USER',
          PrincipalId: userId,
        }),
      )
    ).AccountAssignmentCreationStatus!.RequestId!;

    c = clients((await restart()).url);
    let status = 'IN_PROGRESS';
    for (let i = 0; i < 5 && status === 'IN_PROGRESS'; i++)
      status = (
        await c.sso.send(
          new DescribeAccountAssignmentCreationStatusCommand({
            InstanceArn: instance.InstanceArn,
            AccountAssignmentCreationRequestId: request,
          }),
        )
      ).AccountAssignmentCreationStatus!.Status!;
    expect(status).toBe('SUCCEEDED');
    const assignments = (
      await c.sso.send(
        new ListAccountAssignmentsCommand({
          InstanceArn: instance.InstanceArn,
          AccountId: '222222222222',
          PermissionSetArn: set,
        }),
      )
    ).AccountAssignments!;
    expect(assignments.map((a) => a.PrincipalId)).toEqual([userId]);
    const group = await c.ids.send(
      new GetGroupIdCommand({
        IdentityStoreId: instance.IdentityStoreId,
        AlternateIdentifier: {
          UniqueAttribute: { AttributePath: 'displayName', AttributeValue: 'developers' },
        },
      }),
    );
    expect(group.GroupId).toBeTruthy();
    const second = (
      await c.sso.send(new CreatePermissionSetCommand({ InstanceArn: instance.InstanceArn, Name: 'Other' }))
    ).PermissionSet!.PermissionSetArn!;
    expect(second).not.toBe(set);
  });

  it('CloudWatch data points, SNS topics and messages, SES identities and mail, and STS-issued keys survive', async () => {
    const sandbox = await start();
    let c = clients(sandbox.url);
    const at = new Date(Date.now() - 10 * 60_000);
    sandbox.services.cloudwatch.put({
      account: MGMT,
      region: REGION,
      namespace: 'AWS/Lambda',
      metricName: 'Invocations',
      dimensions: { FunctionName: 'api' },
      timestamp: at,
      value: 42,
    });
    const topic = `arn:aws:sns:${REGION}:${MGMT}:alerts`;
    sandbox.services.sns.topics.add(topic);
    sandbox.services.ses.verify(MGMT, REGION, 'example.com');
    await c.sns.send(new PublishCommand({ TopicArn: topic, Subject: 'hello', Message: 'body' }));
    await c.ses.send(
      new SendEmailCommand({
        FromEmailAddress: 'no-reply@example.com',
        Destination: { ToAddresses: ['alice@example.com'] },
        Content: { Simple: { Subject: { Data: 'expiring' }, Body: { Text: { Data: 'soon' } } } },
      }),
    );
    const assumed = (
      await c.sts.send(
        new AssumeRoleCommand({
          RoleArn: `arn:aws:iam::222222222222:role/OrganizationAccountAccessRole`,
          RoleSessionName: 'estate',
        }),
      )
    ).Credentials!;

    const after = await restart();
    c = clients(after.url);
    const data = await c.cw.send(
      new GetMetricDataCommand({
        StartTime: new Date(Date.now() - 60 * 60_000),
        EndTime: new Date(),
        MetricDataQueries: [
          {
            Id: 'm',
            MetricStat: {
              Metric: {
                Namespace: 'AWS/Lambda',
                MetricName: 'Invocations',
                Dimensions: [{ Name: 'FunctionName', Value: 'api' }],
              },
              Period: 3600,
              Stat: 'Sum',
            },
          },
        ],
      }),
    );
    expect(data.MetricDataResults![0]!.Values).toEqual([42]);
    expect(after.services.sns.published).toEqual([
      expect.objectContaining({ topicArn: topic, subject: 'hello', message: 'body' }),
    ]);
    await c.sns.send(new PublishCommand({ TopicArn: topic, Message: 'again' }));
    expect(after.services.ses.sent).toEqual([
      expect.objectContaining({ from: 'no-reply@example.com', subject: 'expiring' }),
    ]);
    const identity = await clients(after.url, {
      accessKeyId: assumed.AccessKeyId!,
      secretAccessKey: assumed.SecretAccessKey!,
      sessionToken: assumed.SessionToken!,
    } as never).sts.send(new GetCallerIdentityCommand({}));
    expect(identity.Arn).toBe('arn:aws:sts::222222222222:assumed-role/OrganizationAccountAccessRole/estate');
  });
});
