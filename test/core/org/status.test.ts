import { describe, expect, it } from 'vitest';
import { orgStatusService } from '../../../src/core/org/status.js';
import { FakeOrganizations, orgConfig, portOver } from '../../_helpers/org-harness.js';

const MANAGEMENT = '111111111111';

function world(callerAccount = MANAGEMENT) {
  const fake = new FakeOrganizations({ withOrganization: true });
  fake.addOu('', 'Security', { 'estate:purpose': 'security' });
  fake.addAccount({
    name: 'logs',
    email: 'aws+logs@acme.example.com',
    ouPath: 'Security',
    tags: { 'estate:kind': 'logs', CostCenter: 'shared', Environment: 'shared' },
  });
  fake.addAccount({ name: 'stray', email: 'stray@elsewhere.example.com' });
  const asked: string[] = [];
  const deps = {
    organizations: portOver(fake),
    callerAccountId: async () => {
      asked.push(callerAccount);
      return callerAccount;
    },
  };
  return { fake, deps, asked };
}

describe('orgStatusService', () => {
  it('Given a partly built organisation, When its status is read, Then each live item carries its differences and what estate.yaml declares but AWS lacks is listed', async () => {
    const w = world();
    const { status, snapshot } = await orgStatusService(
      orgConfig(),
      { configDir: process.cwd(), concurrency: 4 },
      w.deps,
    );

    expect(w.asked).toEqual([MANAGEMENT]);
    expect(snapshot.accounts.map((a) => a.name).sort()).toEqual(['logs', 'management', 'stray'].sort());
    expect(status.organizationId).toBe(snapshot.organization!.id);
    const byName = new Map(status.rows.map((r) => [r.name, r]));
    expect(byName.get('logs')).toMatchObject({ type: 'account', path: 'Security/logs', differences: [] });
    expect(byName.get('stray')!.differences).toEqual(['not in estate.yaml']);
    expect(status.missing).toEqual(
      expect.arrayContaining(['OU Workloads', 'OU Sandbox', 'account audit', 'account dev-alice']),
    );
    expect(status.inSync).toBe(false);
  });

  it('Given credentials of another account than organization.managementAccountId, When the status is read, Then it refuses before comparing', async () => {
    const w = world('999999999999');
    await expect(
      orgStatusService(orgConfig(), { configDir: process.cwd(), concurrency: 4 }, w.deps),
    ).rejects.toThrow(/999999999999/);
  });
});
