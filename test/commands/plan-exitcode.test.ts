/**
 * `plan --detailed-exitcode` keeps Terraform's contract through the real CLI: 0 no changes
 * (covered against the emulator in org-cli.test.ts), 2 changes, 1 for every error.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLE, estate } from '../_helpers/cli.js';
import { brokenExample } from '../_helpers/config.js';

let broken: string;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ file: broken, cleanup } = await brokenExample()));
afterAll(async () => cleanup());

/** No credentials anywhere: the first AWS call fails. */
const noAws = {
  AWS_ACCESS_KEY_ID: '',
  AWS_SECRET_ACCESS_KEY: '',
  AWS_PROFILE: '',
  AWS_CONFIG_FILE: '/nonexistent/config',
  AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials',
  AWS_EC2_METADATA_DISABLED: 'true',
};

describe('estate plan --detailed-exitcode', () => {
  it('exits 2 when there are changes', async () => {
    const r = await estate(['plan', '--offline', '--config', EXAMPLE, '--detailed-exitcode']);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/Plan: \d+ to create/);
  });

  it('exits 1, not 2, for a config error (2 would read as "changes")', async () => {
    const r = await estate(['plan', '--offline', '--config', broken, '--detailed-exitcode']);
    expect(r.stderr).toMatch(/broken\.yaml has \d+ problem/);
    expect(r.code).toBe(1);
    const json = await estate(['plan', '--offline', '--config', broken, '--detailed-exitcode', '--json']);
    expect(JSON.parse(json.stdout).error.code).toBe('InvalidConfig');
    expect(json.code).toBe(1);
  });

  it('exits 1 for a bad flag', async () => {
    const r = await estate(['plan', '--offline', '--config', EXAMPLE, '--detailed-exitcode', '--bogus']);
    expect(r.stderr).toContain('Nonexistent flag: --bogus');
    expect(r.code).toBe(1);
  });

  it('exits 1 for an AWS error', async () => {
    const r = await estate(['plan', '--config', EXAMPLE, '--detailed-exitcode'], { env: noAws });
    expect(r.stderr).toMatch(/no AWS credentials found/);
    expect(r.code).toBe(1);
  });

  it('keeps the usual codes without the flag: 2 for a config or usage error, 0 for changes', async () => {
    expect((await estate(['plan', '--offline', '--config', broken])).code).toBe(2);
    expect((await estate(['plan', '--offline', '--config', EXAMPLE, '--bogus'])).code).toBe(2);
    expect((await estate(['plan', '--offline', '--config', EXAMPLE])).code).toBe(0);
  });

  it('states the contract in its help', async () => {
    const r = await estate(['plan', '--help']);
    expect(r.stdout).toMatch(
      /--detailed-exitcode\s+Exit 0 when there are no changes, 2 when there are, 1 on\s+any error/,
    );
  });
});
