/**
 * The toolkit adapter end to end: the real toolkit-lib, its own SDK clients and signing,
 * estate's credentials (AssumeRole into the member account through estate's client factory)
 * against the loopback emulator's CloudFormation, S3, SSM and per-account STS. One emulator
 * for the file; each test works on its own environment (its own stacks).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryAuditLog } from '../../src/aws/audit.js';
import { AwsClients } from '../../src/aws/clients.js';
import { stacksPort } from '../../src/aws/cloudformation.js';
import { bootstrapPort } from '../../src/aws/ssm.js';
import { loadToolkit, type CdkToolkit } from '../../src/aws/toolkit.js';
import type { PermissionChange, StackLocation } from '../../src/core/env/ports.js';
import { synthEnvironment, type SynthResult } from '../../src/core/env/synth.js';
import { startTask } from '../../src/core/io.js';
import { estate } from '../blueprints/_helpers.js';
import { emulatedEstate, type EmulatedEstate } from '../_helpers/estate-emulator.js';
import { recordingIoHost } from '../_helpers/recording-io.js';

const MGMT = '111111111111';
const MEMBER = '222222222222';
const at: StackLocation = { accountId: MEMBER, region: 'eu-west-2' };
const ENVS = ['dev', 'nope', 'bad'] as const;
const config = estate({
  environments: ENVS.map((name) => ({
    name,
    account: 'dev-acct',
    blueprints: ['data'],
    size: 'dev',
    owner: 'alice@acme.example.com',
  })),
});

let world: EmulatedEstate;
let toolkit: CdkToolkit;
let clients: AwsClients;
const io = recordingIoHost();
const audit = new MemoryAuditLog();
const synthesised = new Map<string, SynthResult>();
const saved = { ...process.env };

beforeAll(async () => {
  world = await emulatedEstate(config, MGMT, {
    faults: [
      {
        stackName: 'bad-data',
        resourceType: 'AWS::DynamoDB::GlobalTable',
        operation: 'create',
        reason: 'Table limit exceeded for the account',
      },
    ],
  });
  // toolkit-lib's own SDK clients read process.env (endpoint, keys, region).
  for (const key of Object.keys(process.env)) if (key.startsWith('AWS_')) delete process.env[key];
  Object.assign(process.env, world.env);
  clients = new AwsClients({ region: 'eu-west-2', env: process.env, auditLog: audit });
  toolkit = await loadToolkit({
    credentialsFor: (id) => clients.credentialsFor(id),
    region: 'eu-west-2',
    io,
    auditLog: audit,
    stacks: stacksPort(clients),
    pollMs: 5,
  });
  const cwd = mkdtempSync(join(tmpdir(), 'estate-toolkit-'));
  for (const env of ENVS)
    synthesised.set(
      env,
      await synthEnvironment(config, env, { configDir: cwd, cwd, accountIds: { 'dev-acct': MEMBER } }),
    );
}, 120_000);

afterAll(async () => {
  process.env = saved;
  await world?.close();
});

const stackRequest = async (env: string) => {
  const synth = synthesised.get(env)!;
  const stack = synth.stacks[0]!;
  return {
    assemblyDir: synth.assemblyDir,
    artifactId: stack.artifactId,
    stackName: stack.name,
    at,
    task: await startTask(io, stack.name, `deploy ${stack.name}`),
  };
};
const tags = (env: string) => ({
  'estate:env': env,
  'estate:deployed-by': `arn:aws:iam::${MGMT}:user/platform`,
});
const deploy = async (env: string, approve: (c: PermissionChange) => Promise<boolean> = async () => true) =>
  toolkit.deploy({ ...(await stackRequest(env)), tags: tags(env), approve });

describe('toolkit adapter against the emulator', () => {
  it('bootstraps the member account: the SSM version parameter of the qualifier appears, and the TemplateURL variable points at the emulator', async () => {
    expect(process.env.AWS_ENDPOINT_URL_S3_FOR_CLOUDFORMATION).toBeUndefined();
    expect(await bootstrapPort(clients).bootstrapVersion(at, 'hnb659fds')).toBeUndefined();
    await toolkit.bootstrap({
      at,
      qualifier: 'hnb659fds',
      trustedAccounts: [MGMT],
      executionPolicies: ['arn:aws:iam::aws:policy/PowerUserAccess'],
      task: await startTask(io, 'bootstrap', 'bootstrap'),
    });
    expect(process.env.AWS_ENDPOINT_URL_S3_FOR_CLOUDFORMATION).toBe(world.emulator.url);
    expect(await bootstrapPort(clients).bootstrapVersion(at, 'hnb659fds')).toBeGreaterThanOrEqual(6);
    expect(audit.entries).toContainEqual({
      service: 'cloudformation',
      account: MEMBER,
      action: 'Bootstrap',
      input: { StackName: 'CDKToolkit' },
      result: 'ok',
    });
  });

  it('deploys a synthesised environment into the member account with its tags, then an unchanged re-deploy asks nothing', async () => {
    const asked: PermissionChange[] = [];
    const first = await deploy('dev', async (c) => (asked.push(c), true));
    expect(first).toEqual({ status: 'deployed', outputs: {} });
    expect(asked).toHaveLength(1);
    const live = await stacksPort(clients).describeStack(at, 'dev-data');
    expect(live?.status).toMatch(/^CREATE_COMPLETE$/);
    expect(live?.tags).toEqual(tags('dev'));
    expect(live?.id).toContain(`:${MEMBER}:stack/dev-data/`);
    // The template went through the emulator's S3, named by the endpoint estate set.
    const changeSets = world.emulator.requests.filter((r) => r.target.endsWith('.CreateChangeSet'));
    expect(JSON.stringify(changeSets.at(-1)?.body)).toContain(
      `${world.emulator.url}/cdk-hnb659fds-assets-${MEMBER}-eu-west-2/`,
    );

    const again = await deploy('dev', async (c) => (asked.push(c), true));
    expect(again.status).toBe('unchanged');
    expect(asked).toHaveLength(1);
    expect(
      audit.entries.filter((e) => e.action === 'Deploy' && e.input.StackName === 'dev-data'),
    ).toHaveLength(2);
  });

  it('a declined approval leaves a new stack uncreated and reports declined', async () => {
    const outcome = await deploy('nope', async () => false);
    expect(outcome).toEqual({ status: 'declined', reason: 'the change was not approved' });
    expect(await stacksPort(clients).describeStack(at, 'nope-data')).toBeUndefined();
  });

  it('a failing resource gives failed with the resource and CloudFormation’s reason', async () => {
    const outcome = await deploy('bad');
    expect(outcome.status).toBe('failed');
    expect(outcome.status === 'failed' && outcome.failure).toMatchObject({
      resourceType: 'AWS::DynamoDB::GlobalTable',
      status: 'CREATE_FAILED',
      reason: 'Table limit exceeded for the account',
    });
    expect(audit.entries.find((e) => e.input.StackName === 'bad-data')).toMatchObject({
      action: 'Deploy',
      result: 'error',
    });
  });

  it('a declined destroy keeps the stack and reports declined; a confirmed one deletes it', async () => {
    const declined = await toolkit.destroy({ ...(await stackRequest('dev')), confirm: async () => false });
    expect(declined).toEqual({ status: 'declined', reason: 'the destroy was not confirmed' });
    expect(await stacksPort(clients).describeStack(at, 'dev-data')).toBeDefined();

    const destroyed = await toolkit.destroy({ ...(await stackRequest('dev')), confirm: async () => true });
    expect(destroyed).toEqual({ status: 'destroyed' });
    expect(await stacksPort(clients).describeStack(at, 'dev-data')).toBeUndefined();
    expect(audit.entries.filter((e) => e.action === 'Destroy').map((e) => e.result)).toEqual(['error', 'ok']);
  });
});
