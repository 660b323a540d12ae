import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { parseConfig } from '../../../src/config/loader.js';
import {
  configThenOrganization,
  resolveAccountIds,
  resolveAccounts,
} from '../../../src/core/finops/account-ids.js';
import { mapConcurrent } from '../../../src/core/concurrency.js';
import { minimalConfig } from '../../_helpers/config.js';

function estate() {
  const c = minimalConfig();
  c.accounts[0].id = '333333333333';
  c.accounts.push({ name: 'dev-bob', kind: 'developer', ou: 'Sandbox', email: 'Bob.Root@acme.example.com' });
  return parseConfig(stringify(c));
}

describe('account directory: estate.yaml first, then the organisation by root e-mail', () => {
  it('Given ids in the config, When every asked account has one, Then the organisation is not listed', async () => {
    let listed = 0;
    const directory = configThenOrganization(estate(), async () => {
      listed++;
      return [];
    });
    expect([...(await directory.accountIds(['logs']))]).toEqual([['logs', '333333333333']]);
    expect(listed).toBe(0);
  });

  it('Given accounts without ids, When resolved, Then they match by derived or explicit e-mail, case-insensitively, once', async () => {
    let listed = 0;
    const directory = configThenOrganization(estate(), async () => {
      listed++;
      return [
        {
          id: '222222222222',
          name: 'Alice (renamed)',
          email: 'AWS+dev-alice@acme.example.com',
          status: 'ACTIVE',
        },
        { id: '444444444444', name: 'dev-bob', email: 'bob.root@acme.example.com', status: 'ACTIVE' },
        { id: '555555555555', name: 'dev-alice', email: 'someone@else.example.com', status: 'ACTIVE' },
      ];
    });
    const ids = await directory.accountIds(['logs', 'dev-alice', 'dev-bob']);
    await directory.accountIds(['dev-alice']);
    expect(Object.fromEntries(ids)).toEqual({
      logs: '333333333333',
      'dev-alice': '222222222222',
      'dev-bob': '444444444444',
    });
    expect(listed).toBe(1);
  });

  it('Given a suspended account or one not created yet, When resolved, Then it is left out; when none exists, a user error', async () => {
    const directory = configThenOrganization(estate(), async () => [
      { id: '444444444444', name: 'dev-bob', email: 'bob.root@acme.example.com', status: 'SUSPENDED' },
    ]);
    expect(await resolveAccounts(estate(), directory, [])).toEqual([{ name: 'logs', id: '333333333333' }]);
    await expect(resolveAccounts(estate(), directory, ['dev-bob'])).rejects.toMatchObject({
      code: 'AccountsNotCreated',
      exitCode: 2,
    });
    await expect(resolveAccounts(estate(), directory, ['ghost'])).rejects.toMatchObject({
      code: 'UnknownAccount',
    });
  });

  it('Given ten tasks and a limit of three, When mapped, Then at most three run at once and the order is kept', async () => {
    let running = 0;
    let peak = 0;
    const out = await mapConcurrent([...Array(10).keys()], 3, async (n) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setImmediate(r));
      running--;
      return n * 2;
    });
    expect(out).toEqual([0, 2, 4, 6, 8, 10, 12, 14, 16, 18]);
    expect(peak).toBe(3);
  });
});

describe('the one account name → id rule (plan engine, organisation section, tags, cost)', () => {
  const live = [
    { id: '222222222222', email: 'AWS+dev-alice@acme.example.com', status: 'ACTIVE' },
    { id: '444444444444', email: 'bob.root@acme.example.com', status: 'SUSPENDED' },
    { id: '555555555555', email: 'aws+logs@acme.example.com', status: 'ACTIVE' },
  ];

  it('Given config ids and live accounts, When resolved, Then the config id wins, e-mails match case-insensitively and suspended accounts resolve to nothing', () => {
    expect(Object.fromEntries(resolveAccountIds(estate(), live))).toEqual({
      logs: '333333333333',
      'dev-alice': '222222222222',
    });
  });

  it('Given names, When resolved, Then only those accounts (known to estate.yaml) come back; without live accounts only config ids', () => {
    expect([...resolveAccountIds(estate(), live, ['dev-alice', 'ghost'])]).toEqual([
      ['dev-alice', '222222222222'],
    ]);
    expect([...resolveAccountIds(estate(), [])]).toEqual([['logs', '333333333333']]);
  });
});
