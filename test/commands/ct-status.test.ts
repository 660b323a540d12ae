/**
 * `estate ct status` through the real CLI: with Control Tower disabled (no AWS at all), and
 * against the loopback emulator of a governed organisation.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { estate, tempDir } from '../_helpers/cli.js';

const MANAGEMENT = '111111111111';

const config = (controlTower: Record<string, unknown>) => ({
  version: 1,
  organization: {
    name: 'acme',
    managementAccountId: MANAGEMENT,
    homeRegion: 'eu-west-2',
    governedRegions: ['eu-west-2', 'us-east-1'],
    emailPattern: 'aws+{account}@acme.example.com',
  },
  controlTower,
  organizationalUnits: [{ name: 'Security' }, { name: 'Workloads', children: [{ name: 'Production' }] }],
  accounts: [
    { name: 'logs', kind: 'logs', ou: 'Security' },
    { name: 'audit', kind: 'monitoring', ou: 'Security' },
    { name: 'shop-prod', kind: 'prod-single-tenant', ou: 'Workloads/Production' },
  ],
});

describe('estate ct status with Control Tower disabled', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let file: string;
  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir());
    file = join(dir, 'estate.yaml');
    await writeFile(
      file,
      stringify(config({ enabled: false, logArchiveAccount: 'logs', auditAccount: 'audit' })),
    );
  });
  afterAll(async () => cleanup?.());

  // No endpoint and no credentials: any AWS call would fail the run.
  const offline = {
    AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
    AWS_ACCESS_KEY_ID: '',
    AWS_SECRET_ACCESS_KEY: '',
    AWS_PROFILE: 'estate-no-such-profile',
  };

  it('says what governance is missing and exits 0 without calling AWS', async () => {
    const r = await estate(['ct', 'status', '--config', file], { env: offline });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Control Tower is disabled in estate.yaml (controlTower.enabled: false)');
    expect(r.stdout).toContain('Governance the organisation does without:');
    expect(r.stdout).toContain('  - no landing zone:');
  });

  it('gives the same as one JSON document with --json', async () => {
    const r = await estate(['ct', 'status', '--config', file, '--json'], { env: offline });
    expect(r.code).toBe(0);
    const status = JSON.parse(r.stdout);
    expect(status).toMatchObject({ enabled: false, configured: true });
    expect(status.missing).toHaveLength(5);
  });
});
