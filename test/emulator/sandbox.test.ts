/**
 * startSandbox: the fresh sandbox's seed (what the Quick start needs), the state file refused
 * when it cannot be read back (named, with the fix), and loopback-only binding.
 */
import { IdentitystoreClient, GetUserIdCommand, GetGroupIdCommand } from '@aws-sdk/client-identitystore';
import {
  AWSOrganizationsNotInUseException,
  CreateOrganizationCommand,
  DescribeOrganizationCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { ListInstancesCommand, SSOAdminClient } from '@aws-sdk/client-sso-admin';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EstateError } from '../../src/errors.js';
import { changesState, startEmulator } from '../../src/emulator/server.js';
import {
  SANDBOX_GROUPS,
  SANDBOX_MANAGEMENT_ACCOUNT,
  SANDBOX_STATE_FORMAT,
  SANDBOX_USERS,
  sandboxEnv,
  startSandbox,
  type Sandbox,
} from '../../src/emulator/sandbox.js';

let dir: string;
let running: Sandbox | undefined;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'estate-sandbox-'));
});
afterEach(async () => {
  await running?.close();
  running = undefined;
  await rm(dir, { recursive: true, force: true });
});

/** SDK clients configured only from sandboxEnv's variables, as a shell that ran `eval "$(estate sandbox start)"`. */
function fromEnv(url: string) {
  const env = sandboxEnv(url);
  const config = {
    region: env.AWS_REGION!,
    endpoint: env.AWS_ENDPOINT_URL!,
    credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID!, secretAccessKey: env.AWS_SECRET_ACCESS_KEY! },
    maxAttempts: 1,
  };
  return {
    org: new OrganizationsClient({ ...config, region: 'us-east-1' }),
    sts: new STSClient(config),
    sso: new SSOAdminClient(config),
    ids: new IdentitystoreClient(config),
  };
}

async function refusal(promise: Promise<unknown>): Promise<EstateError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(EstateError);
  return error as EstateError;
}

describe('a fresh sandbox (seedSandbox)', () => {
  it('answers as the management account with no organisation yet, which CreateOrganization makes (all features)', async () => {
    running = await startSandbox();
    expect(running.restored).toBe(false);
    const c = fromEnv(running.url);
    expect((await c.sts.send(new GetCallerIdentityCommand({}))).Account).toBe(SANDBOX_MANAGEMENT_ACCOUNT);
    await expect(c.org.send(new DescribeOrganizationCommand({}))).rejects.toBeInstanceOf(
      AWSOrganizationsNotInUseException,
    );
    await c.org.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
    const org = (await c.org.send(new DescribeOrganizationCommand({}))).Organization!;
    expect([org.FeatureSet, org.MasterAccountId]).toEqual(['ALL', SANDBOX_MANAGEMENT_ACCOUNT]);
  });

  it('has Identity Center enabled in the management account with the demo users and groups', async () => {
    running = await startSandbox();
    const c = fromEnv(running.url);
    const instances = (await c.sso.send(new ListInstancesCommand({}))).Instances!;
    expect(instances.map((i) => i.OwnerAccountId)).toEqual([SANDBOX_MANAGEMENT_ACCOUNT]);
    const store = instances[0]!.IdentityStoreId!;
    expect(SANDBOX_USERS).toContain('dev@sandbox.example');
    expect(SANDBOX_USERS).toEqual(
      expect.arrayContaining(['alice@recall.example.com', 'bob@recall.example.com']),
    );
    const ids = new Set<string>();
    for (const email of SANDBOX_USERS) {
      const out = await c.ids.send(
        new GetUserIdCommand({
          IdentityStoreId: store,
          AlternateIdentifier: { UniqueAttribute: { AttributePath: 'emails.value', AttributeValue: email } },
        }),
      );
      ids.add(out.UserId!);
    }
    expect(ids.size).toBe(SANDBOX_USERS.length);
    expect(SANDBOX_GROUPS).toContain('developers');
    for (const group of SANDBOX_GROUPS)
      expect(
        (
          await c.ids.send(
            new GetGroupIdCommand({
              IdentityStoreId: store,
              AlternateIdentifier: {
                UniqueAttribute: { AttributePath: 'displayName', AttributeValue: group },
              },
            }),
          )
        ).GroupId,
      ).toBeTruthy();
  });
});

describe('a state file the sandbox cannot read back', () => {
  const file = () => join(dir, 'sandbox.json');

  it('not JSON: SandboxStateCorrupt naming the file, with the fix (delete it or pass another --state)', async () => {
    await writeFile(file(), '{"format": "estate-sandbox-state", "version": 1, ');
    const error = await refusal(startSandbox({ stateDir: dir }));
    expect(error.code).toBe('SandboxStateCorrupt');
    expect(error.source).toBe('user');
    expect(error.message).toContain(file());
    expect(error.suggestions.join('\n')).toMatch(new RegExp(`delete ${file().replace(/[.]/g, '\\.')}`));
    expect(error.suggestions.join('\n')).toMatch(/--state/);
    // Nothing was overwritten.
    expect(await readFile(file(), 'utf8')).toBe('{"format": "estate-sandbox-state", "version": 1, ');
  });

  it('another kind of sandbox.json (e.g. the runtime file): SandboxStateCorrupt', async () => {
    await writeFile(file(), JSON.stringify({ pid: 1, url: 'http://127.0.0.1:4566', port: 4566 }));
    const error = await refusal(startSandbox({ stateDir: dir }));
    expect(error.code).toBe('SandboxStateCorrupt');
    expect(error.message).toMatch(/format/);
  });

  it('another version: SandboxStateVersion, naming both versions', async () => {
    await writeFile(file(), JSON.stringify({ format: SANDBOX_STATE_FORMAT, version: 99 }));
    const error = await refusal(startSandbox({ stateDir: dir }));
    expect(error.code).toBe('SandboxStateVersion');
    expect(error.message).toContain(file());
    expect(error.message).toMatch(/version 99.*version 1/);
  });

  it('the right envelope around broken service state: SandboxStateCorrupt, not a crash', async () => {
    running = await startSandbox({ stateDir: dir });
    await running.close();
    running = undefined;
    const doc = JSON.parse(await readFile(file(), 'utf8'));
    delete doc.services.organizations;
    await writeFile(file(), JSON.stringify(doc));
    const error = await refusal(startSandbox({ stateDir: dir }));
    expect(error.code).toBe('SandboxStateCorrupt');
    expect(error.message).toMatch(/organizations/);
  });
});

describe('loopback only', () => {
  it('refuses a non-loopback host with SandboxNotLoopback before listening', async () => {
    for (const host of ['0.0.0.0', '::', '192.168.1.10', 'example.com']) {
      const error = await refusal(startSandbox({ host }));
      expect(error.code).toBe('SandboxNotLoopback');
      expect(error.message).toContain(host);
    }
    await expect(startEmulator({ services: [], callerAccountId: '1', host: '0.0.0.0' })).rejects.toThrow(
      /loopback only/,
    );
  });

  it('a port already taken: SandboxPortInUse naming --port and the way out', async () => {
    running = await startSandbox();
    const error = await refusal(startSandbox({ port: running.port }));
    expect(error.code).toBe('SandboxPortInUse');
    expect(error.message).toContain(`--port ${running.port}`);
    expect(error.suggestions.join('\n')).toMatch(/--port 0/);
  });

  it('listens on 127.0.0.1 only: another address of this machine is refused', async () => {
    running = await startSandbox({ host: 'localhost' });
    expect(new URL(running.url).hostname).toBe('127.0.0.1');
    const reach = (host: string) =>
      new Promise<string>((resolve) => {
        const req = request(
          { host, port: running!.port, path: '/', method: 'GET', timeout: 2_000 },
          (res) => {
            res.resume();
            resolve(`answered ${res.statusCode}`);
          },
        );
        req.on('timeout', () => req.destroy(new Error('timeout')));
        req.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
        req.end();
      });
    expect(await reach('127.0.0.1')).toMatch(/^answered/);
    const external = Object.values(networkInterfaces())
      .flat()
      .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
    if (external) expect(await reach(external)).toBe('ECONNREFUSED');
  });
});

describe('which requests rewrite the state file (changesState)', () => {
  it('mutations, other changing verbs and the reads that move asynchronous work on; not plain reads', () => {
    for (const op of [
      'CreateAccount',
      'MoveAccount',
      'PutParameter',
      'ExecuteChangeSet',
      'AssumeRole',
      'Publish',
      'ProvisionPermissionSet',
      'DescribeCreateAccountStatus',
      'DescribeAccountAssignmentCreationStatus',
      'DescribeAccount',
      'DescribeStacks',
      'ListRoots',
    ])
      expect([op, changesState(op)]).toEqual([op, true]);
    for (const op of [
      'ListAccounts',
      'GetParameter',
      'GetCallerIdentity',
      'ListStacks',
      'GetTemplate',
      'GetMetricData',
    ])
      expect([op, changesState(op)]).toEqual([op, false]);
  });
});
