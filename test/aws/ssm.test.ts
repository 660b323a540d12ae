import { GetParameterCommand, ParameterNotFound, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { AwsBootstrap } from '../../src/aws/ssm.js';

const mock = mockClient(SSMClient);
const at = { accountId: '222222222222', region: 'eu-west-2' };
const adapter = () =>
  new AwsBootstrap(
    (where) =>
      new SSMClient({ region: where.region, credentials: { accessKeyId: 'a', secretAccessKey: 'b' } }),
  );

beforeEach(() => mock.reset());

describe('AwsBootstrap', () => {
  it('Given a bootstrapped environment, When its version is read, Then the qualifier’s parameter is asked and its number returned', async () => {
    mock
      .on(GetParameterCommand, { Name: '/cdk-bootstrap/estate1/version' })
      .resolves({ Parameter: { Name: '/cdk-bootstrap/estate1/version', Value: '30' } });
    expect(await adapter().bootstrapVersion(at, 'estate1')).toBe(30);
  });

  it('Given no parameter, When the version is read, Then it is undefined', async () => {
    mock.on(GetParameterCommand).rejects(new ParameterNotFound({ message: 'not found', $metadata: {} }));
    expect(await adapter().bootstrapVersion(at, 'hnb659fds')).toBeUndefined();
  });

  it('Given a parameter that is not a number, When read, Then the error names it and its value', async () => {
    mock.on(GetParameterCommand).resolves({ Parameter: { Value: 'abc' } });
    await expect(adapter().bootstrapVersion(at, 'hnb659fds')).rejects.toThrow(
      /\/cdk-bootstrap\/hnb659fds\/version in 222222222222\/eu-west-2 holds "abc"/,
    );
  });
});
