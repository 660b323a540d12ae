import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { AwsClients } from '../../src/aws/clients.js';
import { reportingCreatedAccounts, type AnySection } from '../../src/cli/wiring.js';
import type { ApplyContext } from '../../src/core/plan/section.js';

const sts = mockClient(STSClient);
afterEach(() => sts.reset());

describe('accounts created by apply reach the AWS clients', () => {
  it('Given the organisation section creates an account, Then AssumeRole into it waits for the new role instead of failing', async () => {
    sts
      .on(GetCallerIdentityCommand)
      .resolves({ Account: '111111111111', Arn: 'arn:aws:iam::111111111111:user/ops' });
    sts
      .on(AssumeRoleCommand)
      .rejectsOnce(Object.assign(new Error('not yet'), { name: 'AccessDenied' }))
      .resolves({
        Credentials: {
          AccessKeyId: 'NEW',
          SecretAccessKey: 's',
          SessionToken: 't',
          Expiration: new Date(9e12),
        },
      });
    const sleeps: number[] = [];
    const clients = new AwsClients({
      region: 'eu-west-2',
      credentials: async () => ({ accessKeyId: 'BASE', secretAccessKey: 'b' }),
      stsClient: new STSClient({}),
      sleep: async (ms) => void sleeps.push(ms),
    });
    // A section that creates one account, as the organisation engine reports it.
    const section: AnySection = {
      name: 'organization',
      read: async () => ({}),
      empty: () => ({}),
      plan: () => [],
      apply: async (_changes, context) => {
        context.record.accountCreated('dev-alice', '444444444444');
        return [];
      },
    };
    const recorded = new Map<string, string>();
    const context = {
      config: {},
      outputs: { accountIds: recorded },
      offline: false,
      progress: { update: () => {} },
      concurrency: 1,
      record: { accountCreated: (name: string, id: string) => recorded.set(name, id) },
    } as unknown as ApplyContext;

    await reportingCreatedAccounts(section, clients).apply([], context);

    // Later sections still see the id...
    expect(recorded.get('dev-alice')).toBe('444444444444');
    // ...and the clients know the account is new: one AccessDenied is waited out.
    expect((await clients.credentialsFor('444444444444')()).accessKeyId).toBe('NEW');
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(2);
    expect(sleeps).toHaveLength(1);
  });
});
