import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { ListRootsCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { AwsClients, endpointFor, partitionOf, roleSessionName } from '../../src/aws/clients.js';
import { MemoryAuditLog } from '../../src/aws/audit.js';
import { EstateHttpHandler } from '../../src/aws/http.js';
import type { SendLike } from '../../src/aws/send.js';
import { EstateError } from '../../src/errors.js';

const creds = async () => ({ accessKeyId: 'AKIDBASE', secretAccessKey: 'base' });

describe('endpointFor', () => {
  it('prefers the per-service variable over AWS_ENDPOINT_URL', () => {
    const env = {
      AWS_ENDPOINT_URL: 'http://localhost:4566',
      AWS_ENDPOINT_URL_ORGANIZATIONS: 'http://orgs:9000',
    };
    expect(endpointFor('ORGANIZATIONS', env)).toBe('http://orgs:9000');
    expect(endpointFor('STS', env)).toBe('http://localhost:4566');
    expect(endpointFor('STS', {})).toBeUndefined();
    expect(endpointFor('STS', { AWS_ENDPOINT_URL: '' })).toBeUndefined();
  });

  it('knows the partition of a region', () => {
    expect(partitionOf('eu-west-2')).toBe('aws');
    expect(partitionOf('cn-north-1')).toBe('aws-cn');
    expect(partitionOf('us-gov-west-1')).toBe('aws-us-gov');
  });
});

describe('AwsClients', () => {
  const sts = mockClient(STSClient);
  afterEach(() => sts.reset());

  it("builds clients with the endpoint, region, one SDK attempt and estate's timeouts", async () => {
    const clients = new AwsClients({
      region: 'eu-west-2',
      credentials: creds,
      env: { AWS_ENDPOINT_URL: 'http://127.0.0.1:4566/' },
      timeoutSeconds: 20,
    });
    const org = clients.client(OrganizationsClient, 'ORGANIZATIONS');
    const endpoint = await org.config.endpoint!();
    expect(`${endpoint.protocol}//${endpoint.hostname}:${endpoint.port}`).toBe('http://127.0.0.1:4566');
    // Organizations is a global service served from us-east-1.
    expect(await org.config.region()).toBe('us-east-1');
    // estate's retry layer is the only one.
    expect(await org.config.maxAttempts()).toBe(1);
    const handler = org.config.requestHandler as EstateHttpHandler;
    expect(handler).toBeInstanceOf(EstateHttpHandler);
    expect(handler.timeouts).toEqual({ connectMs: 10_000, requestMs: 20_000 });
  });

  it('gives every client the default timeouts (30 s, connecting within 10 s), and a shorter --timeout to both', () => {
    expect(new AwsClients({ region: 'eu-west-2', credentials: creds }).timeouts).toEqual({
      requestMs: 30_000,
      connectMs: 10_000,
    });
    expect(new AwsClients({ region: 'eu-west-2', credentials: creds, timeoutSeconds: 1 }).timeouts).toEqual({
      requestMs: 1_000,
      connectMs: 1_000,
    });
  });

  it('uses the per-service endpoint variable when set', async () => {
    const clients = new AwsClients({
      region: 'eu-west-2',
      credentials: creds,
      env: { AWS_ENDPOINT_URL: 'http://a:1', AWS_ENDPOINT_URL_ORGANIZATIONS: 'http://b:2' },
    });
    const endpoint = await clients.client(OrganizationsClient, 'ORGANIZATIONS').config.endpoint!();
    expect(endpoint.hostname).toBe('b');
  });

  it('addresses S3 by path behind a custom endpoint (an emulator has no bucket host names), by host name otherwise', () => {
    const emulated = new AwsClients({
      region: 'eu-west-2',
      credentials: creds,
      env: { AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:4566' },
    });
    expect(emulated.config('S3', 'eu-west-2', creds).forcePathStyle).toBe(true);
    expect(emulated.config('SSM', 'eu-west-2', creds).forcePathStyle).toBeUndefined();
    const real = new AwsClients({ region: 'eu-west-2', credentials: creds, env: {} });
    expect(real.config('S3', 'eu-west-2', creds).forcePathStyle).toBeUndefined();
  });

  it('assumes the configured role once per account and caches it until near expiry', async () => {
    let now = Date.parse('2026-11-24T10:00:00Z');
    sts
      .on(GetCallerIdentityCommand)
      .resolves({ Account: '111111111111', Arn: 'arn:aws:iam::111111111111:user/ops' });
    sts.on(AssumeRoleCommand).callsFake((input) => ({
      Credentials: {
        AccessKeyId: `AKID-${input.RoleArn.split(':')[4]}`,
        SecretAccessKey: 's',
        SessionToken: 't',
        Expiration: new Date(now + 60 * 60_000),
      },
    }));
    const clients = new AwsClients({
      region: 'eu-west-2',
      credentials: creds,
      roleName: 'EstateRole',
      stsClient: new STSClient({ region: 'eu-west-2' }),
      now: () => now,
    });
    const provider = clients.credentialsFor('222222222222');
    expect((await provider()).accessKeyId).toBe('AKID-222222222222');
    await provider();
    await clients.credentialsFor('222222222222')();
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(1);
    expect(sts.commandCalls(AssumeRoleCommand)[0]!.args[0].input.RoleArn).toBe(
      'arn:aws:iam::222222222222:role/EstateRole',
    );

    // 56 minutes later the credentials are within 5 minutes of expiry: refreshed.
    now += 56 * 60_000;
    await provider();
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(2);

    // The caller's own account is never assumed into.
    expect((await clients.credentialsFor('111111111111')()).accessKeyId).toBe('AKIDBASE');
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(2);
    expect(sts.commandCalls(GetCallerIdentityCommand)).toHaveLength(1);
  });

  it('explains a failed AssumeRole with the account, role and fix', async () => {
    sts.on(GetCallerIdentityCommand).resolves({ Account: '111111111111', Arn: 'arn' });
    sts.on(AssumeRoleCommand).rejects(Object.assign(new Error('not authorized'), { name: 'AccessDenied' }));
    const clients = new AwsClients({ region: 'eu-west-2', credentials: creds, stsClient: new STSClient({}) });
    const error = await clients
      .credentialsFor('333333333333')()
      .catch((e) => e);
    expect(error).toBeInstanceOf(EstateError);
    expect(error.message).toContain('333333333333');
    expect(error.suggestions.join(' ')).toContain('OrganizationAccountAccessRole exists in 333333333333');
    // The permission is STS's, not Organizations'.
    expect(error.message).toContain('the caller lacks sts:AssumeRole');
    expect(error.message).not.toContain('organizations:AssumeRole');
  });

  it('names the session after the caller, in the characters STS allows', async () => {
    sts.on(GetCallerIdentityCommand).resolves({
      Account: '111111111111',
      Arn: "arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_Admin_0123/alice.o'neil@acme.example.com",
      UserId: 'AROAEXAMPLE:alice',
    });
    sts.on(AssumeRoleCommand).resolves({
      Credentials: {
        AccessKeyId: 'A',
        SecretAccessKey: 'S',
        SessionToken: 'T',
        Expiration: new Date(Date.now() + 3_600_000),
      },
    });
    const clients = new AwsClients({ region: 'eu-west-2', credentials: creds, stsClient: new STSClient({}) });
    await clients.credentialsFor('222222222222')();
    const input = sts.commandCalls(AssumeRoleCommand)[0]!.args[0].input;
    expect(input.RoleSessionName).toBe('estate-alice.o-neil@acme.example.com');
    // SourceIdentity needs sts:SetSourceIdentity in the trust policy, which OrganizationAccountAccessRole lacks.
    expect(input.SourceIdentity).toBeUndefined();
  });

  it.each([
    ['arn:aws:iam::111111111111:user/ops/bob', 'estate-bob'],
    ['arn:aws:iam::111111111111:root', 'estate-root'],
    ['arn:aws:sts::111111111111:assumed-role/Deploy/estate-ci', 'estate-ci'],
    [`arn:aws:sts::111111111111:assumed-role/R/${'x'.repeat(80)}`, `estate-${'x'.repeat(57)}`],
  ])('session name for %s is %s', (arn, expected) => {
    const name = roleSessionName({ arn, userId: 'AIDA' });
    expect(name).toBe(expected);
    expect(name).toMatch(/^[\w+=,.@-]{2,64}$/);
  });

  describe('AssumeRole into accounts created in this run', () => {
    const notYet = (name: string) => Object.assign(new Error('not yet'), { name });
    const setup = () => {
      let now = 1_000_000;
      const sleeps: number[] = [];
      sts
        .on(GetCallerIdentityCommand)
        .resolves({ Account: '111111111111', Arn: 'arn:aws:iam::111111111111:user/ops' });
      const clients = new AwsClients({
        region: 'eu-west-2',
        credentials: creds,
        stsClient: new STSClient({}),
        now: () => now,
        sleep: async (ms) => {
          sleeps.push(ms);
          now += ms;
        },
      });
      return { clients, sleeps, advance: (ms: number) => (now += ms) };
    };
    const ok = {
      Credentials: {
        AccessKeyId: 'NEW',
        SecretAccessKey: 'S',
        SessionToken: 'T',
        Expiration: new Date(9e12),
      },
    };

    it('Given a new account whose role is not ready, Then AssumeRole is retried with growing waits until it works', async () => {
      const { clients, sleeps } = setup();
      sts
        .on(AssumeRoleCommand)
        .rejectsOnce(notYet('AccessDenied'))
        .rejectsOnce(notYet('RegionDisabledException'))
        .rejectsOnce(notYet('InvalidClientTokenId'))
        .resolves(ok);
      clients.accountCreated('444444444444');
      expect((await clients.credentialsFor('444444444444')()).accessKeyId).toBe('NEW');
      expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(4);
      expect(sleeps).toEqual([5_000, 10_000, 20_000]);
    });

    it('Given an account that was not created in this run, Then AccessDenied fails at once', async () => {
      const { clients, sleeps } = setup();
      sts.on(AssumeRoleCommand).rejects(notYet('AccessDenied'));
      const error = await clients
        .credentialsFor('555555555555')()
        .catch((e) => e);
      expect(error).toBeInstanceOf(EstateError);
      expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(1);
      expect(sleeps).toEqual([]);
    });

    it('Given a new account whose role never becomes usable, Then it gives up after the window and says so', async () => {
      const { clients, sleeps } = setup();
      sts.on(AssumeRoleCommand).rejects(notYet('AccessDenied'));
      clients.accountCreated('444444444444');
      const error = await clients
        .credentialsFor('444444444444')()
        .catch((e) => e);
      expect(error).toBeInstanceOf(EstateError);
      expect(error.message).toContain('sts:AssumeRole');
      expect(error.suggestions[0]).toContain('was created in this run');
      expect(sleeps.reduce((a, b) => a + b, 0)).toBe(10 * 60_000);
      expect(Math.max(...sleeps)).toBe(60_000);
    });

    it('Given a new account and an error that waiting cannot fix, Then it fails at once', async () => {
      const { clients, sleeps } = setup();
      sts.on(AssumeRoleCommand).rejects(notYet('MalformedPolicyDocument'));
      clients.accountCreated('444444444444');
      await expect(clients.credentialsFor('444444444444')()).rejects.toBeInstanceOf(EstateError);
      expect(sleeps).toEqual([]);
    });
  });

  it('explains a timeout with the action, the endpoint and the fix', async () => {
    const clients = new AwsClients({
      region: 'eu-west-2',
      credentials: creds,
      env: { AWS_ENDPOINT_URL: 'http://127.0.0.1:9' },
      retry: { sleep: async () => {} },
    });
    let calls = 0;
    const silent = clients.wrap<SendLike>(
      {
        send: async () => {
          calls++;
          throw Object.assign(new Error('a request has exceeded the configured 1000 ms requestTimeout.'), {
            name: 'TimeoutError',
            code: 'ETIMEDOUT',
            $endpoint: 'http://127.0.0.1:9',
            $timeouts: { connectMs: 1_000, requestMs: 1_000 },
          });
        },
      },
      'ORGANIZATIONS',
    );
    const error = await silent.send(new ListRootsCommand({})).catch((e) => e);
    expect(calls).toBe(2);
    expect(error).toBeInstanceOf(EstateError);
    expect(error.code).toBe('Timeout');
    expect(error.message).toBe(
      'organizations:ListRoots got no answer from http://127.0.0.1:9 within 1 s: check AWS_ENDPOINT_URL, which points there, or raise --timeout (ESTATE_TIMEOUT)',
    );
  });

  it('wraps clients with retries, rate limits and the audit log', async () => {
    const org = mockClient(OrganizationsClient);
    org
      .on(ListRootsCommand)
      .rejectsOnce(Object.assign(new Error('slow down'), { name: 'TooManyRequestsException' }))
      .resolves({ Roots: [] });
    const audit = new MemoryAuditLog();
    const clients = new AwsClients({
      region: 'eu-west-2',
      credentials: creds,
      auditLog: audit,
      retry: { sleep: async () => {} },
    });
    const client = clients.client(OrganizationsClient, 'ORGANIZATIONS');
    await expect(client.send(new ListRootsCommand({}))).resolves.toEqual({ Roots: [] });
    expect(org.commandCalls(ListRootsCommand)).toHaveLength(2);
    // Reads are not audited.
    expect(audit.entries).toHaveLength(0);
    // One limiter per (service, account); the throttled operation slowed down, the others did not.
    const limiter = clients.limiter('ORGANIZATIONS', undefined);
    expect(limiter.rateFor('ListRoots')).toBeLessThan(limiter.rateFor('ListAccounts'));
    org.restore();
  });
});
