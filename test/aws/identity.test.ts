import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { AwsIdentity } from '../../src/aws/identity.js';

const mock = mockClient(STSClient);
const asked: string[] = [];
const adapter = () =>
  new AwsIdentity((account) => {
    asked.push(account);
    return new STSClient({
      region: 'us-east-1',
      credentials: { accessKeyId: account, secretAccessKey: 'b' },
    });
  });

beforeEach(() => {
  mock.reset();
  asked.length = 0;
});

describe('AwsIdentity', () => {
  it('Given credentials that resolve to another account, When asked, Then the account they really are is returned, once per account', async () => {
    mock
      .on(GetCallerIdentityCommand)
      .resolves({ Account: '333333333333', Arn: 'arn:aws:sts::333333333333:assumed-role/R/s' });
    const identity = adapter();
    expect(await identity.accountOf('222222222222')).toBe('333333333333');
    expect(await identity.accountOf('222222222222')).toBe('333333333333');
    expect(asked).toEqual(['222222222222']);
    expect(mock.commandCalls(GetCallerIdentityCommand)).toHaveLength(1);
  });

  it('Given a failure, When asked again, Then it is asked again and the error names the account', async () => {
    mock
      .on(GetCallerIdentityCommand)
      .rejectsOnce(Object.assign(new Error('denied'), { name: 'AccessDenied', $metadata: {} }))
      .resolves({ Account: '222222222222' });
    const identity = adapter();
    await expect(identity.accountOf('222222222222')).rejects.toThrow(
      /GetCallerIdentity in account 222222222222/,
    );
    expect(await identity.accountOf('222222222222')).toBe('222222222222');
  });
});
