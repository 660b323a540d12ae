import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { ListRootsCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { AwsClients, endpointFor, partitionOf } from '../../src/aws/clients.js';
import { MemoryAuditLog } from '../../src/aws/audit.js';
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

  it('builds clients with the endpoint, region and adaptive retry', async () => {
    const clients = new AwsClients({
      region: 'eu-west-2',
      credentials: creds,
      env: { AWS_ENDPOINT_URL: 'http://127.0.0.1:4566/' },
    });
    const org = clients.client(OrganizationsClient, 'ORGANIZATIONS');
    const endpoint = await org.config.endpoint!();
    expect(`${endpoint.protocol}//${endpoint.hostname}:${endpoint.port}`).toBe('http://127.0.0.1:4566');
    // Organizations is a global service served from us-east-1.
    expect(await org.config.region()).toBe('us-east-1');
    expect(((await org.config.retryStrategy()) as { mode?: string }).mode).toBe('adaptive');
    expect(await org.config.maxAttempts()).toBe(3);
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
    // One limiter per (service, account); Organizations uses the published quotas.
    expect(clients.limiter('ORGANIZATIONS', undefined).rateFor('CreateAccount')).toEqual({
      perSecond: 0.1,
      burst: 3,
    });
    expect(clients.limiter('ORGANIZATIONS', undefined).rateFor('ListRoots')).toEqual({
      perSecond: 1,
      burst: 2,
    });
    org.restore();
  });
});
