/**
 * The real @aws-cdk/toolkit-lib against the emulator: bootstrap an account, deploy a small
 * assembly, re-deploy it unchanged, diff, list and destroy it, with per-account credentials
 * (the deploy and file-publishing roles the bootstrap created are assumed through STS).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as ToolkitLib from '@aws-cdk/toolkit-lib';
import type * as Cdk from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync } from 'node:fs';
import { synthEnvironment } from '../../src/core/env/synth.js';
import { sampleApiCodePath } from '../../src/blueprints/paths.js';
import { estate as estateConfig } from '../blueprints/_helpers.js';
import { emulatedEstate, type EmulatedEstate } from '../_helpers/estate-emulator.js';

const MANAGEMENT = '111111111111';
const MEMBER = '222222222222';
const REGION = 'eu-west-2';

let estate: EmulatedEstate;
let toolkitLib: typeof ToolkitLib;
let cdk: typeof Cdk;
const saved = { ...process.env };
const messages: { code?: string; level: string; message: string }[] = [];

/** A toolkit signed as the management account, or (bootstrap) as OrganizationAccountAccessRole in a member. */
async function newToolkit(account = MANAGEMENT) {
  const { Toolkit, BaseCredentials } = toolkitLib;
  const { fromTemporaryCredentials } = await import('@aws-sdk/credential-providers');
  const base = async () => ({ accessKeyId: 'AKIDEMULATOR', secretAccessKey: 'emulator' });
  const provider =
    account === MANAGEMENT
      ? base
      : fromTemporaryCredentials({
          masterCredentials: base,
          params: {
            RoleArn: `arn:aws:iam::${account}:role/OrganizationAccountAccessRole`,
            RoleSessionName: 'estate',
          },
          clientConfig: { region: REGION, endpoint: estate.emulator.url },
        });
  return new Toolkit({
    ioHost: {
      notify: async (msg: { code?: string; level: string; message: string }) => {
        messages.push({ code: msg.code, level: msg.level, message: msg.message });
      },
      requestResponse: async (msg: { defaultResponse: unknown }) => msg.defaultResponse,
    } as never,
    sdkConfig: {
      baseCredentials: BaseCredentials.custom({
        provider,
        region: REGION,
      }),
    },
  });
}

beforeAll(async () => {
  estate = await emulatedEstate({}, MANAGEMENT);
  process.env.AWS_ENDPOINT_URL = estate.emulator.url;
  process.env.AWS_ENDPOINT_URL_S3_FOR_CLOUDFORMATION = estate.emulator.url;
  process.env.AWS_REGION = REGION;
  delete process.env.AWS_PROFILE;
  toolkitLib = await import('@aws-cdk/toolkit-lib');
  cdk = await import('aws-cdk-lib');
}, 60_000);

afterAll(async () => {
  process.env = saved;
  await estate?.close();
});

function smallApp(account: string, bucketVersion: string) {
  return async (props: { outdir?: string; context?: Record<string, unknown> }) => {
    const app = new cdk.App({ outdir: props.outdir, context: props.context });
    const stack = new cdk.Stack(app, 'Small', { env: { account, region: REGION } });
    const bucket = new cdk.aws_s3.CfnBucket(stack, 'Data', {
      tags: [{ key: 'version', value: bucketVersion }],
    });
    new cdk.CfnOutput(stack, 'BucketName', { value: bucket.ref, exportName: 'small-bucket' });
    new cdk.CfnOutput(stack, 'BucketArn', { value: bucket.attrArn });
    return app.synth();
  };
}

describe('toolkit-lib against the emulator', () => {
  it('bootstraps, deploys, re-deploys unchanged, diffs, lists and destroys', async () => {
    const toolkit = await newToolkit();
    const { BootstrapEnvironments, BootstrapStackParameters, StackSelectionStrategy } = toolkitLib;
    const boot = await (
      await newToolkit(MEMBER)
    ).bootstrap(BootstrapEnvironments.fromList([`aws://${MEMBER}/${REGION}`]), {
      parameters: BootstrapStackParameters.withExisting({
        trustedAccounts: [MANAGEMENT],
        trustedAccountsForLookup: [MANAGEMENT],
        cloudFormationExecutionPolicies: ['arn:aws:iam::aws:policy/PowerUserAccess'],
      }),
    });
    expect(boot.environments[0]?.status).toBe('success');
    const toolkitStack = estate.cloudformation.stack(MEMBER, REGION, 'CDKToolkit');
    expect(toolkitStack?.status).toBe('CREATE_COMPLETE');
    expect(estate.ssm.get(MEMBER, REGION, '/cdk-bootstrap/hnb659fds/version')?.Value).toMatch(/^\d+$/);
    expect(estate.s3.buckets.has(`cdk-hnb659fds-assets-${MEMBER}-${REGION}`)).toBe(true);

    const outdir = mkdtempSync(join(tmpdir(), 'estate-tk-'));
    try {
      const cx = await toolkit.fromAssemblyBuilder(smallApp(MEMBER, '1') as never, {
        outdir,
        clobberEnv: false,
      });
      const selector = { strategy: StackSelectionStrategy.ALL_STACKS };
      const deployed = await toolkit.deploy(cx, { stacks: selector, stackEventPollingInterval: 5 });
      expect(deployed.stacks[0]?.outputs.BucketArn).toMatch(/^arn:aws:s3:::small-data-/);
      const live = estate.cloudformation.stack(MEMBER, REGION, 'Small')!;
      expect(live.status).toBe('CREATE_COMPLETE');
      // The deploy went through the deploy role the bootstrap made, in the member account.
      const describe = estate.cloudformation.log.filter((l) => l.op === 'ExecuteChangeSet');
      expect(describe.at(-1)?.account).toBe(MEMBER);

      // Unchanged, forced through a change set: AWS's "no changes" answer is a no-op, not an error.
      const events = live.events.length;
      const again = await toolkit.deploy(cx, {
        stacks: selector,
        forceDeployment: true,
        stackEventPollingInterval: 5,
      });
      expect(again.stacks[0]?.stackArn).toBe(live.id);
      expect(estate.cloudformation.stack(MEMBER, REGION, 'Small')?.status).toBe('CREATE_COMPLETE');
      expect(live.events.length).toBe(events);

      // A change: diff sees it through a change set, deploy updates in place.
      const cx2 = await toolkit.fromAssemblyBuilder(smallApp(MEMBER, '2') as never, {
        outdir,
        clobberEnv: false,
      });
      const diffs = await toolkit.diff(cx2, { stacks: selector, method: toolkitLib.DiffMethod.ChangeSet() });
      expect(Object.values(diffs)[0]?.resources.differenceCount).toBe(1);
      await toolkit.deploy(cx2, { stacks: selector, stackEventPollingInterval: 5 });
      expect(estate.cloudformation.stack(MEMBER, REGION, 'Small')?.status).toBe('UPDATE_COMPLETE');

      const listed = await toolkit.list(cx2, { stacks: selector });
      expect(listed.map((d) => d.name)).toEqual(['Small']);

      // Drift: toolkit-lib reads it with the base credentials (no CDK role), so as the member account;
      // in sync until the bucket is changed behind CloudFormation's back.
      const member = await newToolkit(MEMBER);
      const inSync = await member.drift(cx2, { stacks: selector });
      expect(Object.values(inSync)[0]?.numResourcesWithDrift).toBe(0);
      estate.cloudformation.driftResource(MEMBER, REGION, 'Small', 'Data', { Tags: [] });
      const drifted = await member.drift(cx2, { stacks: selector });
      expect(Object.values(drifted)[0]?.numResourcesWithDrift).toBe(1);

      const bucketName = live.outputs.find((o) => o.OutputKey === 'BucketName')!.OutputValue;
      expect(estate.s3.buckets.has(bucketName)).toBe(true);
      const destroyed = await toolkit.destroy(cx2, { stacks: selector, stackEventPollingInterval: 5 });
      expect(destroyed.stacks[0]?.stackExisted).toBe(true);
      expect(estate.cloudformation.stack(MEMBER, REGION, 'Small')).toBeUndefined();
      expect(estate.cloudformation.stack(MEMBER, REGION, live.id)?.status).toBe('DELETE_COMPLETE');
      expect(estate.s3.buckets.has(bucketName)).toBe(false);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  }, 120_000);

  it("deploys and destroys an estate environment's stacks (data, auth, api-lambda with its code asset)", async () => {
    const toolkit = await newToolkit();
    const configDir = mkdtempSync(join(tmpdir(), 'estate-project-'));
    const cwd = mkdtempSync(join(tmpdir(), 'estate-cwd-'));
    try {
      cpSync(sampleApiCodePath(), join(configDir, 'api'), { recursive: true });
      const config = estateConfig({
        blueprints: { 'api-lambda': { codePath: 'api' } },
        environments: [
          {
            name: 'dev',
            account: 'dev-acct',
            blueprints: ['data', 'auth', 'api-lambda'],
            size: 'dev',
            owner: 'alice@acme.example.com',
          },
        ],
      });
      const synth = await synthEnvironment(config, 'dev', {
        configDir,
        cwd,
        accountIds: { 'dev-acct': MEMBER },
      });
      const cx = await toolkit.fromAssemblyDirectory(synth.assemblyDir);
      const selector = { strategy: toolkitLib.StackSelectionStrategy.ALL_STACKS };
      const deployed = await toolkit.deploy(cx, {
        stacks: selector,
        stackEventPollingInterval: 5,
        concurrency: 3,
      });
      const names = synth.stacks.map((s) => s.name).sort();
      expect(deployed.stacks.map((s) => s.stackName).sort()).toEqual(names);
      for (const name of names)
        expect(estate.cloudformation.stack(MEMBER, REGION, name)?.status).toBe('CREATE_COMPLETE');
      // The Lambda code went to the bootstrap bucket through the file-publishing role.
      const assets = estate.s3.buckets.get(`cdk-hnb659fds-assets-${MEMBER}-${REGION}`)!;
      expect([...assets.objects.keys()].some((k) => k.endsWith('.zip'))).toBe(true);
      const tags = estate.cloudformation.stack(MEMBER, REGION, 'dev-data')!.tags;
      expect(tags).toContainEqual({ Key: 'estate:env', Value: 'dev' });

      await toolkit.destroy(cx, { stacks: selector, stackEventPollingInterval: 5 });
      for (const name of names) expect(estate.cloudformation.stack(MEMBER, REGION, name)).toBeUndefined();
    } finally {
      rmSync(configDir, { recursive: true, force: true });
      rmSync(cwd, { recursive: true, force: true });
    }
  }, 120_000);

  it('reports a failed create (a fault on one resource) after polling it through its rollback', async () => {
    const toolkit = await newToolkit();
    estate.cloudformation.faults.push({
      stackName: 'Small',
      logicalId: 'Data',
      operation: 'create',
      reason: 'quota exceeded',
    });
    estate.cloudformation.inProgressPolls = 3;
    const outdir = mkdtempSync(join(tmpdir(), 'estate-tk-'));
    try {
      const cx = await toolkit.fromAssemblyBuilder(smallApp(MEMBER, '1') as never, {
        outdir,
        clobberEnv: false,
      });
      const selector = { strategy: toolkitLib.StackSelectionStrategy.ALL_STACKS };
      await expect(toolkit.deploy(cx, { stacks: selector, stackEventPollingInterval: 5 })).rejects.toThrow(
        /Resource updates failed[\s\S]*quota exceeded/,
      );
      const reads = estate.cloudformation.log.filter(
        (l) => l.op === 'DescribeStacks' && l.account === MEMBER,
      );
      expect(reads.length).toBeGreaterThan(3);
      expect(estate.cloudformation.stack(MEMBER, REGION, 'Small')?.status).toBe('ROLLBACK_COMPLETE');
    } finally {
      estate.cloudformation.faults.length = 0;
      estate.cloudformation.inProgressPolls = 0;
      rmSync(outdir, { recursive: true, force: true });
    }
  }, 60_000);

  it('refuses to deploy into an account that is not bootstrapped (no deploy role to assume)', async () => {
    const toolkit = await newToolkit();
    const outdir = mkdtempSync(join(tmpdir(), 'estate-tk-'));
    try {
      const cx = await toolkit.fromAssemblyBuilder(smallApp('333333333333', '1') as never, {
        outdir,
        clobberEnv: false,
      });
      await expect(
        toolkit.deploy(cx, { stacks: { strategy: toolkitLib.StackSelectionStrategy.ALL_STACKS } }),
      ).rejects.toThrow(/333333333333/);
      expect(estate.cloudformation.stack('333333333333', REGION, 'Small')).toBeUndefined();
      expect(estate.emulator.requests.some((r) => r.target === 'STS.AssumeRole')).toBe(true);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  }, 60_000);
});
