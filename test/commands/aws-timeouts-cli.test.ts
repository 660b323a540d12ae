/**
 * The real CLI against endpoints that fail: one that accepts connections and never answers
 * (every AWS-facing command must fail with --timeout, naming the endpoint, the action and the
 * fix, instead of hanging), one that refuses connections, and a --profile that does not exist.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { estate, tempDir } from '../_helpers/cli.js';

const config = {
  version: 1,
  organization: {
    name: 'acme',
    managementAccountId: '111111111111',
    homeRegion: 'eu-west-2',
    governedRegions: ['eu-west-2'],
    emailPattern: 'aws+{account}@acme.example.com',
  },
  organizationalUnits: [{ name: 'Sandbox' }],
  accounts: [{ name: 'dev-alice', kind: 'developer', ou: 'Sandbox', owner: 'alice@acme.example.com' }],
  tags: { mandatory: [{ key: 'cost-center', default: 'platform' }] },
};

let silent: Server;
const sockets: Socket[] = [];
let url: string;
let dir: string;
let cleanup: () => Promise<void>;
let file: string;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  file = join(dir, 'estate.yaml');
  await writeFile(file, stringify(config));
  // Accepts every connection, reads nothing, answers nothing.
  silent = createServer((socket) => void sockets.push(socket));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
});
afterAll(async () => {
  // Closing the connections also ends any run that would otherwise hang.
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => silent?.close(resolve));
  await cleanup?.();
});

const env = (endpoint: string) => ({
  AWS_ENDPOINT_URL: endpoint,
  AWS_ACCESS_KEY_ID: 'AKIDEMULATOR',
  AWS_SECRET_ACCESS_KEY: 'emulator',
  AWS_REGION: 'eu-west-2',
  ESTATE_AUDIT_LOG: join(dir, 'audit.log'),
});

describe('an endpoint that accepts the connection and never answers', () => {
  it.each([
    ['plan', ['plan']],
    ['apply --yes', ['apply', '--yes']],
    ['org status', ['org', 'status']],
    ['tags audit', ['tags', 'audit']],
    ['cost', ['cost']],
  ])(
    '%s --timeout 1 fails naming the endpoint, the action and the fix',
    async (_name, args) => {
      const r = await estate([...args, '--config', file, '--timeout', '1'], { env: env(url) });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(
        new RegExp(`(organizations|sts|ce|tag|budgets):[A-Z]\\w+ got no answer from ${url} within 1 s`),
      );
      expect(r.stderr).toContain(
        'check AWS_ENDPOINT_URL, which points there, or raise --timeout (ESTATE_TIMEOUT)',
      );
    },
    60_000,
  );

  it('ESTATE_TIMEOUT sets the same timeout', async () => {
    const r = await estate(['org', 'status', '--config', file, '--json'], {
      env: { ...env(url), ESTATE_TIMEOUT: '1' },
    });
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out.error.code).toBe('Timeout');
    expect(out.error.message).toContain(`got no answer from ${url} within 1 s`);
  }, 60_000);
});

describe('an endpoint that refuses connections', () => {
  it('names the endpoint it tried', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const refused = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise((resolve) => closed.close(resolve));
    const r = await estate(['org', 'status', '--config', file], { env: env(refused) });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      new RegExp(`(organizations|sts):[A-Z]\\w+ could not reach ${refused} \\(connect ECONNREFUSED`),
    );
    expect(r.stderr).toContain('check AWS_ENDPOINT_URL, which points there');
  }, 60_000);
});

describe('--profile that is not configured', () => {
  it('names the profile and the files, and lists the profiles there', async () => {
    const home = join(dir, 'home');
    await mkdir(join(home, '.aws'), { recursive: true });
    await writeFile(
      join(home, '.aws', 'config'),
      '[default]\nregion = eu-west-2\n\n[profile dev]\nregion = eu-west-1\n',
    );
    const r = await estate(['org', 'status', '--config', file, '--profile', 'nosuch'], {
      env: {
        HOME: home,
        AWS_CONFIG_FILE: '',
        AWS_SHARED_CREDENTIALS_FILE: '',
        AWS_PROFILE: '',
        AWS_ENDPOINT_URL: url,
        ESTATE_AUDIT_LOG: join(dir, 'audit.log'),
      },
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("AWS profile 'nosuch' is not in ~/.aws/config or ~/.aws/credentials");
    expect(r.stderr).toContain('pass one of the profiles there: default, dev');
  }, 60_000);
});
