/**
 * `estate env destroy` refusals that need only the caller's identity (STS on the loopback
 * emulator): a protected environment in CI without --force-protected, an unprotected one
 * without --yes. Nothing else is called: CloudFormation is not even emulated here.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { emulatorEnv, startEmulator, type Emulator } from '../../src/emulator/server.js';
import { estate, tempDir } from '../_helpers/cli.js';

const MGMT = '111111111111';
const DEV = '222222222222';
const PROD = '333333333333';

const config = {
  version: 1,
  organization: {
    name: 'acme',
    managementAccountId: MGMT,
    homeRegion: 'eu-west-2',
    governedRegions: ['eu-west-2', 'us-east-1'],
    emailPattern: 'aws+{account}@acme.example.com',
  },
  organizationalUnits: [{ name: 'Sandbox' }, { name: 'Prod' }],
  accounts: [
    { name: 'dev-alice', kind: 'developer', ou: 'Sandbox', id: DEV },
    { name: 'prod', kind: 'prod-multi-tenant', ou: 'Prod', id: PROD },
  ],
  environments: [
    { name: 'alice', account: 'dev-alice', blueprints: ['data'] },
    { name: 'production', account: 'prod', blueprints: ['data'], size: 'prod' },
  ],
};

let emulator: Emulator;
let dir: string;
let cleanup: () => Promise<void>;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  await writeFile(join(dir, 'estate.yaml'), stringify(config));
  emulator = await startEmulator({ callerAccountId: MGMT, services: [] });
  env = emulatorEnv(emulator.url, join(dir, 'audit.log'));
});
afterAll(async () => {
  await emulator.close();
  await cleanup();
});

describe('estate env destroy in CI: refusals', () => {
  it('Given a protected environment and no --force-protected, When destroyed in CI, Then it is refused naming the flag, exit 1, nothing deleted', async () => {
    const r = await estate(['env', 'destroy', 'production', '--yes', '--json'], { env, cwd: dir });
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout);
    expect(doc.ok).toBe(false);
    expect(doc.environments).toHaveLength(1);
    expect(doc.environments[0]).toMatchObject({
      environment: 'production',
      account: 'prod',
      accountId: PROD,
      protected: true,
      status: 'refused',
      stacks: [],
    });
    expect(doc.environments[0].reason).toContain('--force-protected');
    expect(emulator.requests.some((q) => /cloudformation/i.test(q.target))).toBe(false);
  });

  it('Given the same without --json, Then the refusal is printed and the exit code is 1', async () => {
    const r = await estate(['env', 'destroy', 'production', '--yes'], { env, cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`production → prod (${PROD}, eu-west-2): refused [protected]`);
    expect(r.stdout).toContain('pass --force-protected');
    expect(r.stdout).toContain('Destroyed 0 of 1 environment');
  });
});
