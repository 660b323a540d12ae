import { describe, expect, it } from 'vitest';
import { mapAwsError } from '../../src/aws/errors.js';

const awsError = (name: string, message = 'x', status?: number) =>
  Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });

describe('mapAwsError', () => {
  it('turns AccessDenied into a message naming the action, the target and the permission', () => {
    const e = mapAwsError(awsError('AccessDeniedException'), {
      action: 'MoveAccount',
      target: 'account 111122223333 (dev-alice) to OU Sandbox',
    });
    expect(e.message).toBe(
      'cannot MoveAccount account 111122223333 (dev-alice) to OU Sandbox: the caller lacks organizations:MoveAccount (AccessDeniedException)',
    );
    expect(e.suggestions).toContain('organisation-wide changes must run from the management account');
    expect(e.source).toBe('aws');
  });

  it('explains absent and expired credentials with the way to get new ones', () => {
    const absent = mapAwsError(
      awsError('CredentialsProviderError', 'Could not load credentials from any providers'),
      { action: 'GetCallerIdentity' },
    );
    expect(absent.code).toBe('NoCredentials');
    expect(absent.message).toBe(
      'no AWS credentials found for GetCallerIdentity: Could not load credentials from any providers',
    );
    const loading = mapAwsError(
      awsError('CredentialsProviderError', 'Could not load credentials from any providers'),
      { action: 'load credentials' },
    );
    expect(loading.message).toBe('no AWS credentials found: Could not load credentials from any providers');
    expect(absent.suggestions.join('\n')).toMatch(/aws sso login/);
    const expired = mapAwsError(
      awsError('ExpiredTokenException', 'The security token included in the request is expired'),
      { action: 'ListAccounts' },
    );
    expect(expired.code).toBe('ExpiredCredentials');
  });

  it('says when throttling outlasted the retries and what to lower', () => {
    const e = mapAwsError(Object.assign(awsError('TooManyRequestsException'), { $attempts: 10 }), {
      action: 'ListParents',
    });
    expect(e.message).toMatch(/still throttled by AWS after 10 attempts/);
    expect(e.suggestions.join(' ')).toMatch(/--concurrency/);
  });

  it('recognises a caller outside any organisation', () => {
    const e = mapAwsError(awsError('AWSOrganizationsNotInUseException'), {
      action: 'DescribeOrganization',
      account: '111111111111',
    });
    expect(e.code).toBe('NotInOrganization');
    expect(e.message).toContain('111111111111');
  });

  it('keeps other errors with their AWS name', () => {
    const e = mapAwsError(awsError('ConstraintViolationException', 'too many accounts'), {
      action: 'CreateAccount',
    });
    expect(e.message).toBe('CreateAccount failed: ConstraintViolationException: too many accounts');
  });
});

describe('mapAwsError network failures', () => {
  it('says AWS could not be reached and points at the endpoint variables', () => {
    const e = mapAwsError(
      Object.assign(new Error('getaddrinfo ENOTFOUND sts.eu-west-2.amazonaws.com'), { code: 'ENOTFOUND' }),
      {
        action: 'GetCallerIdentity',
      },
    );
    expect(e.code).toBe('NetworkError');
    expect(e.message).toBe(
      'GetCallerIdentity could not reach AWS (getaddrinfo ENOTFOUND sts.eu-west-2.amazonaws.com): check the network (proxy, VPN, firewall) and the region',
    );
    expect(e.suggestions.join('\n')).toMatch(/AWS_ENDPOINT_URL/);
  });

  it('names the endpoint a refused connection tried, and the IAM action', () => {
    const e = mapAwsError(
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4566'), {
        code: 'ECONNREFUSED',
        $endpoint: 'http://127.0.0.1:4566',
      }),
      { action: 'GetCallerIdentity', service: 'sts' },
    );
    expect(e.code).toBe('NetworkError');
    expect(e.message).toContain('sts:GetCallerIdentity could not reach http://127.0.0.1:4566');
  });

  it('names the endpoint and the --timeout fix on a timeout', () => {
    const e = mapAwsError(
      Object.assign(
        new Error(
          '@smithy/node-http-handler - the request socket did not establish a connection with the server within the configured timeout of 2000 ms.',
        ),
        {
          name: 'TimeoutError',
          $endpoint: 'https://portal.sso.eu-west-2.amazonaws.com',
          $timeouts: { connectMs: 2_000, requestMs: 5_000 },
        },
      ),
      { action: 'load credentials' },
    );
    expect(e.code).toBe('Timeout');
    expect(e.message).toBe(
      'load credentials could not connect to https://portal.sso.eu-west-2.amazonaws.com within 2 s: check the network (proxy, VPN, firewall) and the region, or raise --timeout (ESTATE_TIMEOUT)',
    );
  });
  it('says a dropped connection is one, not a timeout, although smithy names it TimeoutError', () => {
    const e = mapAwsError(
      Object.assign(new Error('socket hang up'), {
        name: 'TimeoutError',
        code: 'ECONNRESET',
        $endpoint: 'http://127.0.0.1:4566',
        $timeouts: { connectMs: 10_000, requestMs: 30_000 },
      }),
      { action: 'UpdatePolicy', service: 'organizations' },
    );
    expect(e.code).toBe('NetworkError');
    expect(e.message).toContain(
      'organizations:UpdatePolicy: http://127.0.0.1:4566 dropped the connection before answering (ECONNRESET)',
    );
    expect(e.message).not.toContain('30 s');
  });
});
