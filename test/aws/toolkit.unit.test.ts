/**
 * CdkToolkit over a stand-in for toolkit-lib that follows its protocol as read in its source
 * (toolkit.js `_deploy`/`_destroy`): a deploy asks I5060 unless the change set is empty and
 * throws when declined; a destroy asks I7010 and returns no stacks when declined; stack
 * events come as I5502. The real library runs against the emulator in toolkit.test.ts.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { MemoryAuditLog } from '../../src/aws/audit.js';
import { CDK, CdkToolkit, pointTemplateUrlsAtS3 } from '../../src/aws/toolkit.js';
import type { StackFailure } from '../../src/core/env/ports.js';
import { startTask } from '../../src/core/io.js';
import { recordingIoHost } from '../_helpers/recording-io.js';

type Host = { notify(m: unknown): Promise<void>; requestResponse(m: unknown): Promise<unknown> };
interface Script {
  permission?: 'none' | 'non-broadening' | 'broadening';
  noOp?: boolean;
  failWith?: { event?: Record<string, string>; error: Error };
}
const made: { props: Record<string, unknown>; deploys: Record<string, unknown>[]; sources: string[] }[] = [];
let script: Script = {};

const msg = (code: string, level: string, message: string, data?: unknown) => ({
  time: new Date(),
  level,
  action: 'deploy',
  code,
  message,
  data,
});

class FakeToolkit {
  readonly record: (typeof made)[number];
  private readonly host: Host;
  constructor(props: Record<string, unknown>) {
    this.host = props.ioHost as Host;
    this.record = { props, deploys: [], sources: [] };
    made.push(this.record);
  }
  async fromAssemblyDirectory(dir: string) {
    this.record.sources.push(dir);
    return { dir };
  }
  async deploy(_source: unknown, options: Record<string, unknown>) {
    this.record.deploys.push(options);
    if (!script.noOp) {
      const yes = await this.host.requestResponse({
        ...msg(CDK.CONFIRM_DEPLOY, 'info', 'deploy?', {
          motivation: 'm',
          permissionChangeType: script.permission ?? 'none',
        }),
        defaultResponse: true,
      });
      if (!yes)
        throw Object.assign(new Error('❌  dev-api failed: AbortError: Deployment cancelled'), {
          cause: new Error('Deployment cancelled'),
        });
    }
    if (script.failWith) {
      if (script.failWith.event)
        await this.host.notify(
          msg(CDK.STACK_ACTIVITY, 'info', 'ev', {
            event: script.failWith.event,
            progress: { formatted: '[1/2]' },
          }),
        );
      throw script.failWith.error;
    }
    await this.host.notify(
      msg(CDK.DEPLOY_RESULT, 'result', 'ok', {
        type: 'did-deploy-stack',
        noOp: script.noOp ?? false,
        outputs: { Url: 'https://x' },
        stackArn: 'arn',
      }),
    );
    return { stacks: [{ stackName: 'dev-api', outputs: { Url: 'https://x' } }] };
  }
  async bootstrap(environments: unknown, options: Record<string, unknown>) {
    this.record.deploys.push({ environments, ...options });
    if (script.failWith) {
      if (script.failWith.event)
        await this.host.notify(msg(CDK.STACK_ACTIVITY, 'info', 'ev', { event: script.failWith.event }));
      throw script.failWith.error;
    }
    return { environments: [{ status: 'success' }] };
  }
  async diff(_source: unknown, options: Record<string, unknown>) {
    this.record.deploys.push(options);
    const { fullDiff } = await import('@aws-cdk/cloudformation-diff');
    const diff = fullDiff({ Resources: {} }, { Resources: { Topic: { Type: 'AWS::SNS::Topic' } } });
    await this.host.notify(
      msg(CDK.DIFF_STACK, 'result', '[+] AWS::SNS::Topic Topic', {
        permissionChanges: 'none',
        formattedDiff: { diff: 'Resources\n[+] AWS::SNS::Topic Topic' },
      }),
    );
    return { 'dev-api': diff };
  }
  async destroy(_source: unknown, options: Record<string, unknown>) {
    this.record.deploys.push(options);
    const yes = await this.host.requestResponse({
      ...msg(CDK.CONFIRM_DESTROY, 'info', 'delete?', { motivation: 'm' }),
      defaultResponse: true,
    });
    if (!yes) return { stacks: [] };
    if (script.failWith) throw script.failWith.error;
    return { stacks: [{ stackName: 'dev-api', stackExisted: true }] };
  }
}
const lib = {
  Toolkit: FakeToolkit,
  BootstrapEnvironments: { fromList: (list: string[]) => ({ list }) },
  BootstrapStackParameters: {
    withExisting: (parameters: unknown) => ({ parameters, keepExistingParameters: true }),
  },
  BaseCredentials: { custom: (o: unknown) => ({ custom: o }) },
  StackSelectionStrategy: { PATTERN_MUST_MATCH_SINGLE: 'pattern-must-match-single' },
} as never;

const at = { accountId: '222222222222', region: 'eu-west-2' };
const providers: string[] = [];
function adapter(extra: { failures?: StackFailure[]; env?: NodeJS.ProcessEnv; now?: () => number } = {}) {
  const io = recordingIoHost();
  const auditLog = new MemoryAuditLog();
  const toolkit = new CdkToolkit(lib, {
    credentialsFor: (id) => {
      providers.push(id);
      return async () => ({ accessKeyId: id, secretAccessKey: 's' });
    },
    region: 'us-east-1',
    io,
    auditLog,
    pollMs: 10,
    env: extra.env ?? {},
    stacks: { failures: async () => extra.failures ?? [] },
    ...(extra.now ? { now: extra.now } : {}),
  });
  return { toolkit, io, auditLog };
}
const request = async (
  io: ReturnType<typeof recordingIoHost>,
  approve: (change: string) => Promise<boolean> = async () => true,
) => ({
  assemblyDir: '/tmp/cdk.out/dev',
  artifactId: 'devapi',
  stackName: 'dev-api',
  at,
  task: await startTask(io, 'dev-api', 'deploy dev-api'),
  tags: { 'estate:env': 'dev', 'estate:deployed-by': 'arn:aws:iam::1:user/a' },
  approve,
});

beforeEach(() => {
  made.length = 0;
  providers.length = 0;
  script = {};
});

describe('CdkToolkit: deploy', () => {
  it('Given an approved change, Then the stack is selected alone by artifact id, with every tag, through a change set, and the outcome is audited', async () => {
    const { toolkit, io, auditLog } = adapter();
    const asked: string[] = [];
    script = { permission: 'broadening' };
    const outcome = await toolkit.deploy(await request(io, async (c: string) => (asked.push(c), true)));
    expect(outcome).toEqual({ status: 'deployed', outputs: { Url: 'https://x' } });
    expect(asked).toEqual(['broadening']);
    expect(made[0]!.deploys[0]).toEqual({
      stacks: { strategy: 'pattern-must-match-single', patterns: ['devapi'] },
      tags: [
        { Key: 'estate:env', Value: 'dev' },
        { Key: 'estate:deployed-by', Value: 'arn:aws:iam::1:user/a' },
      ],
      deploymentMethod: { method: 'change-set' },
      stackEventPollingInterval: 10,
    });
    expect(made[0]!.props).toMatchObject({
      emojis: false,
      color: false,
      sdkConfig: { baseCredentials: { custom: { region: 'us-east-1' } } },
    });
    expect(auditLog.entries).toEqual([
      {
        service: 'cloudformation',
        account: '222222222222',
        action: 'Deploy',
        input: { StackName: 'dev-api' },
        result: 'ok',
      },
    ]);
  });

  it('Given execute: false, Then the change set is prepared under its name and not executed, and the audit says CreateChangeSet', async () => {
    const { toolkit, io, auditLog } = adapter();
    const outcome = await toolkit.deploy({
      ...(await request(io)),
      execute: false,
      changeSetName: 'estate-governance-20261202',
    });
    expect(outcome).toEqual({
      status: 'deployed',
      outputs: { Url: 'https://x' },
      changeSetName: 'estate-governance-20261202',
    });
    expect(made[0]!.deploys[0]!.deploymentMethod).toEqual({
      method: 'change-set',
      execute: false,
      changeSetName: 'estate-governance-20261202',
    });
    expect(auditLog.entries.map((e) => e.action)).toEqual(['CreateChangeSet']);
  });

  it('rejects execute: false without a change set name', async () => {
    const { toolkit, io } = adapter();
    await expect(toolkit.deploy({ ...(await request(io)), execute: false })).rejects.toMatchObject({
      code: 'NoChangeSetName',
    });
  });

  it('Given stack events while a deploy runs, Then each activity line starts with the time since the deploy started', async () => {
    let clock = 1_000_000;
    const { toolkit, io } = adapter({ now: () => clock });
    script = {
      failWith: {
        event: {
          LogicalResourceId: 'LandingZone',
          ResourceType: 'AWS::ControlTower::LandingZone',
          ResourceStatus: 'CREATE_IN_PROGRESS',
        },
        error: new Error('stop'),
      },
    };
    const pending = toolkit.deploy(await request(io));
    clock += 754_000;
    await pending;
    expect(io.tasks()).toContain(
      'update dev-api: 12m34s [1/2] LandingZone (AWS::ControlTower::LandingZone) CREATE_IN_PROGRESS',
    );
  });

  it('Given an empty change set, Then the outcome is unchanged and nobody is asked', async () => {
    const { toolkit, io } = adapter();
    script = { noOp: true };
    let asked = false;
    expect(await toolkit.deploy(await request(io, async () => (asked = true)))).toEqual({
      status: 'unchanged',
      outputs: { Url: 'https://x' },
    });
    expect(asked).toBe(false);
  });

  it('Given a declined approval, Then the outcome is declined (not failed) and the audit says so', async () => {
    const { toolkit, io, auditLog } = adapter();
    script = { permission: 'broadening' };
    expect(await toolkit.deploy(await request(io, async () => false))).toEqual({
      status: 'declined',
      reason: 'the broadening IAM/security-group change was not approved',
    });
    expect(auditLog.entries[0]).toMatchObject({
      action: 'Deploy',
      result: 'error',
      error: 'declined: the broadening IAM/security-group change was not approved',
    });
  });

  it('Given a failing resource in the events, Then the outcome names it with CloudFormation’s reason', async () => {
    const { toolkit, io } = adapter();
    script = {
      failWith: {
        event: {
          StackId: 'arn:s',
          StackName: 'dev-api',
          LogicalResourceId: 'Fn',
          PhysicalResourceId: 'fn',
          ResourceType: 'AWS::Lambda::Function',
          ResourceStatus: 'CREATE_FAILED',
          ResourceStatusReason: 'Role is invalid',
        },
        error: Object.assign(new Error('❌  dev-api failed: DeploymentError: wrapped'), {
          cause: new Error('The stack named dev-api failed creation: ROLLBACK_COMPLETE'),
        }),
      },
    };
    expect(await toolkit.deploy(await request(io))).toEqual({
      status: 'failed',
      reason: 'The stack named dev-api failed creation: ROLLBACK_COMPLETE',
      failure: {
        logicalId: 'Fn',
        resourceType: 'AWS::Lambda::Function',
        status: 'CREATE_FAILED',
        reason: 'Role is invalid',
      },
    });
  });

  it('Given a failure the events did not show, Then the failing resource comes from CloudFormation’s events', async () => {
    const failure = { logicalId: 'Table', status: 'UPDATE_FAILED', reason: 'limit exceeded' };
    const { toolkit, io } = adapter({ failures: [failure] });
    script = { failWith: { error: new Error('boom') } };
    expect(await toolkit.deploy(await request(io))).toEqual({ status: 'failed', reason: 'boom', failure });
  });
});

describe('CdkToolkit: destroy and toolkits', () => {
  it('Given a declined destroy (toolkit-lib returns an empty result, no error), Then the outcome is declined', async () => {
    const { toolkit, io, auditLog } = adapter();
    const outcome = await toolkit.destroy({ ...(await request(io)), confirm: async () => false });
    expect(outcome).toEqual({ status: 'declined', reason: 'the destroy was not confirmed' });
    expect(auditLog.entries[0]).toMatchObject({ action: 'Destroy', result: 'error' });
    expect(await toolkit.destroy({ ...(await request(io)), confirm: async () => true })).toEqual({
      status: 'destroyed',
    });
  });

  it('Given calls in two accounts, Then each account gets one Toolkit with its own credentials and one source per folder', async () => {
    const { toolkit, io } = adapter();
    script = { noOp: true };
    await toolkit.deploy(await request(io));
    await toolkit.deploy(await request(io));
    await toolkit.deploy({ ...(await request(io)), at: { accountId: '333333333333', region: 'eu-west-2' } });
    expect(made).toHaveLength(2);
    expect(providers).toEqual(['222222222222', '333333333333']);
    expect(made.map((m) => m.sources)).toEqual([['/tmp/cdk.out/dev'], ['/tmp/cdk.out/dev']]);
  });
});

describe('CdkToolkit: bootstrap and diff', () => {
  const bootstrapRequest = async (io: ReturnType<typeof recordingIoHost>) => ({
    at,
    qualifier: 'estate1',
    trustedAccounts: ['111111111111'],
    executionPolicies: ['arn:aws:iam::aws:policy/PowerUserAccess'],
    task: await startTask(io, 'bootstrap', 'bootstrap'),
  });

  it('Given a bootstrap, Then the environment is aws://account/region with the qualifier, trust and execution policies (other parameters kept), audited on CDKToolkit', async () => {
    const { toolkit, io, auditLog } = adapter();
    await toolkit.bootstrap(await bootstrapRequest(io));
    expect(made[0]!.deploys[0]).toEqual({
      environments: { list: ['aws://222222222222/eu-west-2'] },
      parameters: {
        parameters: {
          qualifier: 'estate1',
          trustedAccounts: ['111111111111'],
          cloudFormationExecutionPolicies: ['arn:aws:iam::aws:policy/PowerUserAccess'],
        },
        keepExistingParameters: true,
      },
    });
    expect(auditLog.entries).toEqual([
      {
        service: 'cloudformation',
        account: '222222222222',
        action: 'Bootstrap',
        input: { StackName: 'CDKToolkit' },
        result: 'ok',
      },
    ]);
  });

  it('Given a failing bootstrap, Then the error names the environment, qualifier and failing resource', async () => {
    const { toolkit, io, auditLog } = adapter();
    script = {
      failWith: {
        event: {
          StackId: 'arn:t',
          StackName: 'CDKToolkit',
          LogicalResourceId: 'StagingBucket',
          PhysicalResourceId: 'b',
          ResourceType: 'AWS::S3::Bucket',
          ResourceStatus: 'CREATE_FAILED',
          ResourceStatusReason: 'already exists',
        },
        error: new Error('CDKToolkit failed: ROLLBACK_COMPLETE'),
      },
    };
    await expect(toolkit.bootstrap(await bootstrapRequest(io))).rejects.toThrow(
      'cannot bootstrap 222222222222/eu-west-2 (qualifier estate1): CDKToolkit failed: ROLLBACK_COMPLETE (StagingBucket: already exists)',
    );
    expect(auditLog.entries[0]).toMatchObject({ action: 'Bootstrap', result: 'error' });
  });

  it('Given a diff, Then the stack’s resource changes, permission change and formatted text come back', async () => {
    const { toolkit, io } = adapter();
    const diff = await toolkit.diff(await request(io));
    expect(diff).toEqual({
      stackName: 'dev-api',
      resources: [{ logicalId: 'Topic', type: 'AWS::SNS::Topic', change: 'add' }],
      permissionChange: 'none',
      securityChanges: [],
      text: 'Resources\n[+] AWS::SNS::Topic Topic',
    });
    expect(made[0]!.deploys[0]).toEqual({
      stacks: { strategy: 'pattern-must-match-single', patterns: ['devapi'] },
    });
  });
});

describe('pointTemplateUrlsAtS3', () => {
  it('sets the CloudFormation S3 variable from the S3 endpoint, else the global one, and never overrides it', () => {
    const a: NodeJS.ProcessEnv = {
      AWS_ENDPOINT_URL: 'http://127.0.0.1:4566',
      AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:4572',
    };
    pointTemplateUrlsAtS3(a);
    expect(a.AWS_ENDPOINT_URL_S3_FOR_CLOUDFORMATION).toBe('http://127.0.0.1:4572');
    const b: NodeJS.ProcessEnv = { AWS_ENDPOINT_URL: 'http://127.0.0.1:4566' };
    pointTemplateUrlsAtS3(b);
    expect(b.AWS_ENDPOINT_URL_S3_FOR_CLOUDFORMATION).toBe('http://127.0.0.1:4566');
    const c: NodeJS.ProcessEnv = {
      AWS_ENDPOINT_URL: 'http://x',
      AWS_ENDPOINT_URL_S3_FOR_CLOUDFORMATION: 'http://mine',
    };
    pointTemplateUrlsAtS3(c);
    expect(c.AWS_ENDPOINT_URL_S3_FOR_CLOUDFORMATION).toBe('http://mine');
    const d: NodeJS.ProcessEnv = {};
    pointTemplateUrlsAtS3(d);
    expect(d).toEqual({});
  });

  it('is applied before a Toolkit is built', async () => {
    const env: NodeJS.ProcessEnv = { AWS_ENDPOINT_URL: 'http://127.0.0.1:4566' };
    const { toolkit } = adapter({ env });
    expect(env.AWS_ENDPOINT_URL_S3_FOR_CLOUDFORMATION).toBeUndefined();
    toolkit.toolkitFor('222222222222');
    expect(env.AWS_ENDPOINT_URL_S3_FOR_CLOUDFORMATION).toBe('http://127.0.0.1:4566');
  });
});
