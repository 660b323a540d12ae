import { describe, expect, it } from 'vitest';
import { isLoopbackUrl, sandboxBanner } from '../../src/cli/sandbox-banner.js';

describe('isLoopbackUrl', () => {
  it('takes 127.0.0.0/8, ::1 and localhost as loopback', () => {
    for (const url of [
      'http://127.0.0.1:4566',
      'http://127.1.2.3',
      'http://[::1]:4566',
      'http://localhost:4566',
      'https://s3.localhost',
    ])
      expect(isLoopbackUrl(url), url).toBe(true);
  });

  it('does not take AWS, a LAN address, 0.0.0.0 or a malformed value as loopback', () => {
    for (const url of [
      'https://organizations.us-east-1.amazonaws.com',
      'http://10.0.0.5:4566',
      'http://0.0.0.0:4566',
      'http://127.0.0.1.example.com',
      'localhost:4566',
      '',
    ])
      expect(isLoopbackUrl(url), url).toBe(false);
  });
});

describe('sandboxBanner', () => {
  it('names the estate sandbox when ESTATE_SANDBOX is set', () => {
    expect(
      sandboxBanner({ ESTATE_SANDBOX: 'http://127.0.0.1:4566', AWS_ENDPOINT_URL: 'http://127.0.0.1:4566' }),
    ).toBe('sandbox: talking to the estate sandbox at http://127.0.0.1:4566, not AWS');
  });

  it('names a loopback emulator when AWS_ENDPOINT_URL is on loopback', () => {
    expect(sandboxBanner({ AWS_ENDPOINT_URL: 'http://localhost:4566' })).toBe(
      'sandbox: talking to an AWS emulator on loopback at http://localhost:4566, not AWS',
    );
  });

  it('says which services still go elsewhere when a per-service endpoint is not loopback', () => {
    expect(
      sandboxBanner({
        AWS_ENDPOINT_URL: 'http://127.0.0.1:4566',
        AWS_ENDPOINT_URL_S3: 'https://s3.eu-west-2.amazonaws.com',
      }),
    ).toBe(
      'sandbox: talking to an AWS emulator on loopback at http://127.0.0.1:4566, not AWS (except S3: its AWS_ENDPOINT_URL_* is not loopback)',
    );
  });

  it('names the services a per-service loopback endpoint takes, and that the others are AWS', () => {
    expect(
      sandboxBanner({
        AWS_ENDPOINT_URL_SSM: 'http://127.0.0.1:9000',
        AWS_ENDPOINT_URL_CLOUDFORMATION: 'http://127.0.0.1:9000',
      }),
    ).toBe(
      'sandbox: CLOUDFORMATION, SSM calls go to an AWS emulator on loopback at http://127.0.0.1:9000; the other services are AWS',
    );
  });

  it('says nothing against AWS, a remote endpoint, or only the S3-for-CloudFormation address', () => {
    expect(sandboxBanner({})).toBeUndefined();
    expect(sandboxBanner({ AWS_ENDPOINT_URL: 'https://vpce-1.organizations.amazonaws.com' })).toBeUndefined();
    expect(sandboxBanner({ AWS_ENDPOINT_URL: '', ESTATE_SANDBOX: '' })).toBeUndefined();
    expect(
      sandboxBanner({ AWS_ENDPOINT_URL_S3_FOR_CLOUDFORMATION: 'http://127.0.0.1:4566' }),
    ).toBeUndefined();
  });
});
