import { describe, expect, it } from 'vitest';
import type { EstateConfig } from '../../../src/config/schema.js';
import { planOrganization, diffTags } from '../../../src/core/org/planner.js';
import type { PolicySources } from '../../../src/core/org/policies.js';
import {
  EMPTY_SNAPSHOT,
  type OrgSnapshot,
  type SnapshotAccount,
  type SnapshotOu,
} from '../../../src/core/org/snapshot.js';
import type { Change } from '../../../src/core/plan/types.js';
import { orgConfig, sourcesFor } from '../../_helpers/org-harness.js';

const MGMT = '111111111111';

/** A live organisation with the root only; parts override. */
function live(parts: Partial<OrgSnapshot> = {}): OrgSnapshot {
  return {
    ...EMPTY_SNAPSHOT,
    organization: { id: 'o-1', managementAccountId: MGMT, featureSet: 'ALL' },
    root: { id: 'r-1', policyTypes: ['SERVICE_CONTROL_POLICY', 'TAG_POLICY'] },
    trustedServices: ['member.org.stacksets.cloudformation.amazonaws.com'],
    accounts: [
      {
        id: MGMT,
        name: 'management',
        email: 'root@acme.example.com',
        status: 'ACTIVE',
        parentId: 'r-1',
        ouPath: '',
        tags: {},
      },
    ],
    ...parts,
  };
}

const ous: SnapshotOu[] = [
  {
    id: 'ou-sec',
    name: 'Security',
    path: 'Security',
    parentId: 'r-1',
    depth: 1,
    tags: { 'estate:purpose': 'security' },
  },
  { id: 'ou-sbx', name: 'Sandbox', path: 'Sandbox', parentId: 'r-1', depth: 1, tags: {} },
  { id: 'ou-wl', name: 'Workloads', path: 'Workloads', parentId: 'r-1', depth: 1, tags: {} },
  { id: 'ou-dev', name: 'Development', path: 'Workloads/Development', parentId: 'ou-wl', depth: 2, tags: {} },
  {
    id: 'ou-prd',
    name: 'Production',
    path: 'Workloads/Production',
    parentId: 'ou-wl',
    depth: 2,
    tags: { tier: 'prod' },
  },
];

function acct(
  name: string,
  id: string,
  parentId: string,
  ouPath: string,
  tags: Record<string, string>,
): SnapshotAccount {
  return { id, name, email: `aws+${name}@acme.example.com`, status: 'ACTIVE', parentId, ouPath, tags };
}

/** The live accounts exactly as orgConfig() wants them. */
const matchingAccounts = (): SnapshotAccount[] => [
  acct('logs', '200000000001', 'ou-sec', 'Security', {
    CostCenter: 'shared',
    Environment: 'shared',
    'estate:kind': 'logs',
  }),
  acct('audit', '200000000002', 'ou-sec', 'Security', {
    CostCenter: 'shared',
    Environment: 'dev',
    'estate:kind': 'monitoring',
  }),
  acct('shop-prod', '200000000003', 'ou-prd', 'Workloads/Production', {
    CostCenter: 'shared',
    Environment: 'prod',
    'estate:kind': 'prod-single-tenant',
    team: 'shop',
  }),
  acct('dev-alice', '200000000004', 'ou-sbx', 'Sandbox', {
    CostCenter: 'shared',
    Environment: 'dev',
    'estate:kind': 'developer',
    'estate:owner': 'alice@acme.example.com',
  }),
];

const config = (patch?: Parameters<typeof orgConfig>[0]) =>
  orgConfig((raw) => {
    raw.policies = [];
    patch?.(raw);
  });

async function plan(cfg: EstateConfig, snapshot: OrgSnapshot, prune = false) {
  const sources: PolicySources = await sourcesFor(cfg);
  return planOrganization(cfg, snapshot, { prune, policySources: sources });
}

const byAddress = (changes: Change[]) => new Map(changes.map((c) => [c.address, c]));
const actionable = (changes: Change[]) => changes.filter((c) => c.action !== 'drift');

describe('planOrganization: from nothing', () => {
  it('Given no organisation, Then everything is created top-down and each change follows what it depends on', async () => {
    const { changes } = await plan(orgConfig(), EMPTY_SNAPSHOT);
    const addresses = changes.map((c) => c.address);

    expect(addresses[0]).toBe('organization');
    expect(new Set(addresses).size).toBe(addresses.length);
    changes.forEach((c, i) => {
      for (const dep of c.dependsOn ?? [])
        expect(addresses.indexOf(dep), `${c.address} → ${dep}`).toBeGreaterThanOrEqual(0);
      for (const dep of c.dependsOn ?? [])
        expect(addresses.indexOf(dep), `${c.address} after ${dep}`).toBeLessThan(i);
    });
    const map = byAddress(changes);
    expect(map.get('ou:Workloads/Production')?.dependsOn).toEqual(['organization', 'ou:Workloads']);
    expect(map.get('ou:Workloads/Production')?.payload.parent).toEqual({ ref: 'ou:Workloads', key: 'id' });
    expect(map.get('ou:Workloads')?.payload.parent).toEqual({ ref: 'organization', key: 'rootId' });
    expect(map.get('account:shop-prod#ou')?.dependsOn).toEqual([
      'account:shop-prod',
      'ou:Workloads/Production',
    ]);
    expect(map.get('policy:estate-deny-root-user@Workloads')?.dependsOn).toEqual([
      'policy:estate-deny-root-user',
      'ou:Workloads',
      'policy-type:SERVICE_CONTROL_POLICY',
    ]);
    // estate uses no service that needs trusted access (see TRUSTED_ACCESS).
    expect([...map.keys()].filter((a) => a.startsWith('trusted-access:'))).toEqual([]);
    expect(changes.filter((c) => c.action === 'drift')).toEqual([]);
  });

  it('Given no organisation, Then a new account carries e-mail, role, billing access and the merged tags', async () => {
    const { changes } = await plan(orgConfig(), EMPTY_SNAPSHOT);
    expect(byAddress(changes).get('account:shop-prod')?.payload).toEqual({
      name: 'shop-prod',
      email: 'aws+shop-prod@acme.example.com',
      roleName: 'OrganizationAccountAccessRole',
      iamUserAccessToBilling: true,
      tags: { CostCenter: 'shared', Environment: 'prod', 'estate:kind': 'prod-single-tenant', team: 'shop' },
      ouPath: 'Workloads/Production',
    });
  });

  it('Given the controlTower block (not applied by estate yet), Then no trusted access is planned for it', async () => {
    const cfg = config((raw) => {
      raw.controlTower = { logArchiveAccount: 'logs', auditAccount: 'audit' };
    });
    const { changes } = await plan(cfg, live({ ous, accounts: [...live().accounts, ...matchingAccounts()] }));
    expect(actionable(changes).map((c) => c.address)).toEqual([]);
  });
});

describe('planOrganization: an organisation that matches', () => {
  it('Given AWS already matches the config, Then nothing is planned', async () => {
    const { changes } = await plan(
      config(),
      live({ ous, accounts: [...live().accounts, ...matchingAccounts()] }),
    );
    expect(changes).toEqual([]);
  });
});

describe('planOrganization: accounts', () => {
  it('Given an account moved by hand and a changed tag, Then a move back and a tag update are planned', async () => {
    const accounts = matchingAccounts();
    accounts[3] = { ...accounts[3]!, parentId: 'ou-dev', ouPath: 'Workloads/Development' };
    accounts[2] = { ...accounts[2]!, tags: { ...accounts[2]!.tags, Environment: 'dev', 'hand-made': 'x' } };
    const { changes } = await plan(config(), live({ ous, accounts: [...live().accounts, ...accounts] }));

    expect(actionable(changes).map((c) => [c.action, c.address])).toEqual([
      ['update', 'account:shop-prod#tags'],
      ['move', 'account:dev-alice#ou'],
    ]);
    const move = byAddress(changes).get('account:dev-alice#ou')!;
    expect(move.payload).toMatchObject({
      account: { id: '200000000004' },
      from: { id: 'ou-dev' },
      to: { id: 'ou-sbx' },
    });
    expect(move.summary).toBe('move account dev-alice (200000000004) from Workloads/Development to Sandbox');
    const tags = byAddress(changes).get('account:shop-prod#tags')!;
    expect(tags.payload).toMatchObject({ set: { Environment: 'prod' }, remove: [] });
  });

  it('Given an account found by e-mail in another case, Then it is adopted, not created', async () => {
    const accounts = matchingAccounts();
    accounts[0] = { ...accounts[0]!, email: 'AWS+LOGS@acme.example.com' };
    const { changes } = await plan(config(), live({ ous, accounts: [...live().accounts, ...accounts] }));
    expect(changes.filter((c) => c.resourceType === 'account')).toEqual([]);
  });

  it('Given accounts[].id, Then the account with that id is adopted whatever its e-mail', async () => {
    const cfg = config((raw) => {
      raw.accounts[0].id = '333333333333';
    });
    const accounts = matchingAccounts().slice(1);
    accounts.push(acct('old-logs', '333333333333', 'r-1', '', {}));
    const { changes } = await plan(cfg, live({ ous, accounts: [...live().accounts, ...accounts] }));
    expect(actionable(changes).map((c) => c.address)).toEqual(['account:logs#ou', 'account:logs#tags']);
    expect(changes.find((c) => c.address === 'account:logs')).toBeUndefined();
  });

  it('Given accounts[].id that is not in the organisation, Then drift is reported and nothing is created', async () => {
    const cfg = config((raw) => {
      raw.accounts[0].id = '333333333333';
    });
    const { changes } = await plan(cfg, live({ ous, accounts: [...live().accounts, ...matchingAccounts()] }));
    const logs = byAddress(changes).get('account:logs')!;
    expect(logs.action).toBe('drift');
    expect(logs.summary).toMatch(/333333333333\) is not in the organisation/);
    expect(actionable(changes)).toEqual([]);
  });

  it('Given a creation in progress from an interrupted run, Then it is followed by request id, not requested again', async () => {
    const accounts = matchingAccounts().filter((a) => a.name !== 'audit');
    const snapshot = live({
      ous,
      accounts: [...live().accounts, ...accounts],
      accountCreations: [{ id: 'car-123', accountName: 'audit', state: 'IN_PROGRESS' }],
    });
    const { changes, notes } = await plan(config(), snapshot);
    const create = byAddress(changes).get('account:audit')!;
    expect(create.payload.requestId).toBe('car-123');
    expect(create.summary).toBe(
      'finish creating account audit <aws+audit@acme.example.com> (request car-123 already in progress)',
    );
    expect(notes).toEqual([]);
  });

  it('Given an account not in the config, Then it is drift (never closed), and the management account is not', async () => {
    const accounts = [
      ...live().accounts,
      ...matchingAccounts(),
      acct('legacy', '444444444444', 'r-1', '', {}),
    ];
    const { changes } = await plan(config(), live({ ous, accounts }));
    expect(changes.map((c) => [c.action, c.address])).toEqual([['drift', 'unmanaged']]);
    expect(changes[0]!.summary).toBe(
      '1 account in AWS is not in estate.yaml (legacy); estate leaves them alone',
    );
    expect(changes[0]!.payload).toMatchObject({
      accounts: 1,
      ous: 0,
      listedAccounts: [{ id: '444444444444', name: 'legacy', path: '' }],
    });
  });

  it('Given 1,097 accounts not in the config, Then they are one drift line with the count, naming at most 100 in the data', async () => {
    const strays = Array.from({ length: 1097 }, (_, i) =>
      acct(`stray-${String(i).padStart(4, '0')}`, String(500000000000 + i), 'r-1', '', {}),
    );
    const { changes } = await plan(
      config(),
      live({ ous, accounts: [...live().accounts, ...matchingAccounts(), ...strays] }),
    );
    expect(changes).toHaveLength(1);
    expect(changes[0]!.summary).toBe(
      '1,097 accounts in AWS are not in estate.yaml (stray-0000, stray-0001, stray-0002, and 1,094 more); estate leaves them alone',
    );
    expect(changes[0]!.payload.accounts).toBe(1097);
    expect(changes[0]!.payload.listedAccounts).toHaveLength(100);
  });

  it('Given a suspended account, Then drift is reported and it is neither moved nor retagged', async () => {
    const accounts = matchingAccounts();
    accounts[3] = { ...accounts[3]!, status: 'SUSPENDED', parentId: 'r-1', ouPath: '', tags: {} };
    const { changes } = await plan(config(), live({ ous, accounts: [...live().accounts, ...accounts] }));
    expect(changes.map((c) => [c.action, c.address])).toEqual([['drift', 'account:dev-alice']]);
  });
});

describe('planOrganization: tags', () => {
  it('removes only keys estate manages', () => {
    const managed = ['CostCenter', 'team'];
    const d = diffTags(
      { CostCenter: 'old', team: 'x', 'estate:stale': 'y', note: 'by hand' },
      { CostCenter: 'new' },
      managed,
    );
    expect(d.set).toEqual({ CostCenter: 'new' });
    expect(d.remove).toEqual(['estate:stale', 'team']);
    expect(d.diff).toEqual([
      { field: 'tags.CostCenter', before: 'old', after: 'new' },
      { field: 'tags.estate:stale', before: 'y' },
      { field: 'tags.team', before: 'x' },
    ]);
  });

  it('Given an OU tag changed by hand, Then the OU tag update restores it', async () => {
    const changed = ous.map((o) =>
      o.path === 'Workloads/Production' ? { ...o, tags: { tier: 'gold', extra: 'kept' } } : o,
    );
    const { changes } = await plan(
      config(),
      live({ ous: changed, accounts: [...live().accounts, ...matchingAccounts()] }),
    );
    expect(changes.map((c) => c.address)).toEqual(['ou:Workloads/Production#tags']);
    expect(changes[0]!.payload).toMatchObject({
      resource: { id: 'ou-prd' },
      set: { tier: 'prod' },
      remove: [],
    });
    expect(changes[0]!.summary).toBe('update tags of OU Workloads/Production: ~tier: gold → prod');
  });
});

describe('planOrganization: OUs not in the config', () => {
  const extra = [
    ...ous,
    { id: 'ou-leg', name: 'Legacy', path: 'Legacy', parentId: 'r-1', depth: 1, tags: {} },
    { id: 'ou-old', name: 'Old', path: 'Legacy/Old', parentId: 'ou-leg', depth: 2, tags: {} },
  ];

  it('Given extra OUs and no --prune, Then they are drift and never deleted', async () => {
    const { changes } = await plan(
      config(),
      live({ ous: extra, accounts: [...live().accounts, ...matchingAccounts()] }),
    );
    expect(changes.map((c) => [c.action, c.address])).toEqual([['drift', 'unmanaged']]);
    expect(changes[0]!.summary).toBe(
      '2 OUs in AWS are not in estate.yaml (Legacy/, Legacy/Old/); estate leaves them alone',
    );
    expect(changes[0]!.payload.listedOus).toEqual([
      { id: 'ou-leg', name: 'Legacy', path: 'Legacy' },
      { id: 'ou-old', name: 'Old', path: 'Legacy/Old' },
    ]);
  });

  it('Given --prune, Then empty extra OUs are deleted children first', async () => {
    const { changes } = await plan(
      config(),
      live({ ous: extra, accounts: [...live().accounts, ...matchingAccounts()] }),
      true,
    );
    expect(changes.map((c) => [c.action, c.address, c.dependsOn])).toEqual([
      ['delete', 'ou:Legacy/Old', undefined],
      ['delete', 'ou:Legacy', ['ou:Legacy/Old']],
    ]);
  });

  it('Given --prune and a managed account in the extra OU, Then the delete waits for the move out', async () => {
    const accounts = matchingAccounts();
    accounts[3] = { ...accounts[3]!, parentId: 'ou-old', ouPath: 'Legacy/Old' };
    const { changes } = await plan(
      config(),
      live({ ous: extra, accounts: [...live().accounts, ...accounts] }),
      true,
    );
    expect(byAddress(changes).get('ou:Legacy/Old')?.dependsOn).toEqual(['account:dev-alice#ou']);
  });

  it('Given --prune and an unmanaged account inside, Then the OU stays as drift', async () => {
    const accounts = [
      ...live().accounts,
      ...matchingAccounts(),
      acct('stray', '555555555555', 'ou-old', 'Legacy/Old', {}),
    ];
    const { changes } = await plan(config(), live({ ous: extra, accounts }), true);
    expect(changes.map((c) => [c.action, c.address])).toEqual([['drift', 'unmanaged']]);
    expect(changes[0]!.payload).toMatchObject({ accounts: 1, ous: 2 });
    expect(changes[0]!.summary).toMatch(/OUs are not pruned while they hold accounts or OUs/);
  });
});

describe('planOrganization: policies', () => {
  const policyConfig = () =>
    orgConfig((raw) => {
      raw.policies = [
        { name: 'deny-root-user', type: 'scp', builtin: 'deny-root-user', targets: ['Sandbox'] },
      ];
    });

  async function rendered() {
    const cfg = policyConfig();
    const { changes } = await plan(cfg, EMPTY_SNAPSHOT);
    return byAddress(changes).get('policy:estate-deny-root-user')!.payload.content as string;
  }

  const withPolicies = (policies: OrgSnapshot['policies']) =>
    live({ ous, accounts: [...live().accounts, ...matchingAccounts()], policies });

  it('Given the same document with other spacing and key order, Then no update is planned', async () => {
    const { Version, ...rest } = JSON.parse(await rendered());
    const reordered = JSON.stringify({ ...rest, Version }, null, 4);
    expect(reordered).not.toBe(await rendered());
    const { changes } = await plan(
      policyConfig(),
      withPolicies([
        {
          id: 'p-1',
          name: 'estate-deny-root-user',
          type: 'SERVICE_CONTROL_POLICY',
          description: 'estate: the root user of member accounts cannot act',
          content: reordered,
          targets: ['ou-sbx'],
        },
      ]),
    );
    expect(changes).toEqual([]);
  });

  it('Given a document edited by hand and an extra target, Then the document is updated and the target detached', async () => {
    const { changes } = await plan(
      policyConfig(),
      withPolicies([
        {
          id: 'p-1',
          name: 'estate-deny-root-user',
          type: 'SERVICE_CONTROL_POLICY',
          description: 'estate: the root user of member accounts cannot act',
          content: '{"Version":"2012-10-17","Statement":[]}',
          targets: ['ou-sbx', 'ou-wl'],
        },
      ]),
    );
    expect(changes.map((c) => [c.action, c.address])).toEqual([
      ['update', 'policy:estate-deny-root-user'],
      ['detach', 'policy:estate-deny-root-user@Workloads'],
    ]);
    expect(changes[0]!.payload).toEqual({
      policyId: 'p-1',
      name: 'estate-deny-root-user',
      content: await rendered(),
      documentDiff: { statements: [{ change: 'added', statement: 'DenyRootUser' }], fields: [] },
    });
    expect(changes[0]!.summary).toBe(
      'update SCP estate-deny-root-user: document (DenyRootUser added) changed',
    );
    expect(changes[1]!.payload).toMatchObject({ policy: { id: 'p-1' }, target: { id: 'ou-wl' } });
  });

  it('Given the governed regions changed, Then the update names the statement and the regions added and removed, not two JSON texts', async () => {
    const regionsConfig = (regions: string[]) =>
      orgConfig((raw) => {
        raw.organization.governedRegions = regions;
        raw.policies = [
          {
            name: 'deny-outside-governed-regions',
            type: 'scp',
            builtin: 'deny-outside-governed-regions',
            targets: ['Sandbox'],
          },
        ];
      });
    const before = await plan(regionsConfig(['eu-west-2', 'us-west-2']), EMPTY_SNAPSHOT);
    const liveContent = byAddress(before.changes).get('policy:estate-deny-outside-governed-regions')!.payload
      .content as string;
    const { changes } = await plan(
      regionsConfig(['eu-west-2', 'eu-central-1']),
      withPolicies([
        {
          id: 'p-9',
          name: 'estate-deny-outside-governed-regions',
          type: 'SERVICE_CONTROL_POLICY',
          description: 'estate: regional services only in the governed regions',
          content: liveContent,
          targets: ['ou-sbx'],
        },
      ]),
    );
    const update = byAddress(changes).get('policy:estate-deny-outside-governed-regions')!;
    expect(update.summary).toBe(
      'update SCP estate-deny-outside-governed-regions: document (DenyOutsideGovernedRegions changed) changed',
    );
    expect(update.diff).toEqual([]);
    expect(update.payload.documentDiff).toEqual({
      statements: [
        {
          change: 'changed',
          statement: 'DenyOutsideGovernedRegions',
          fields: [
            {
              path: 'Condition.StringNotEquals.aws:RequestedRegion',
              added: ['eu-central-1'],
              removed: ['us-west-2'],
            },
          ],
        },
      ],
      fields: [],
    });
    // --json carries it: the change is plain data.
    expect(JSON.parse(JSON.stringify(update)).payload.documentDiff).toEqual(update.payload.documentDiff);
  });

  it('Given an estate policy the config dropped, Then it is detached everywhere and then deleted', async () => {
    const { changes } = await plan(
      policyConfig(),
      withPolicies([
        {
          id: 'p-1',
          name: 'estate-deny-root-user',
          type: 'SERVICE_CONTROL_POLICY',
          description: 'estate: the root user of member accounts cannot act',
          content: await rendered(),
          targets: ['ou-sbx'],
        },
        {
          id: 'p-2',
          name: 'estate-old',
          type: 'SERVICE_CONTROL_POLICY',
          description: '',
          content: '{}',
          targets: ['r-1', '200000000004'],
        },
      ]),
    );
    expect(changes.map((c) => [c.action, c.address, c.dependsOn])).toEqual([
      ['detach', 'policy:estate-old@Root', undefined],
      ['detach', 'policy:estate-old@dev-alice', undefined],
      ['delete', 'policy:estate-old', ['policy:estate-old@Root', 'policy:estate-old@dev-alice']],
    ]);
  });

  it('Given the budgets section’s estate-budget-* SCP, Then the policies planner leaves it alone', async () => {
    const { changes } = await plan(
      policyConfig(),
      withPolicies([
        {
          id: 'p-1',
          name: 'estate-deny-root-user',
          type: 'SERVICE_CONTROL_POLICY',
          description: 'estate: the root user of member accounts cannot act',
          content: await rendered(),
          targets: ['ou-sbx'],
        },
        {
          id: 'p-b',
          name: 'estate-budget-deny-new-resources',
          type: 'SERVICE_CONTROL_POLICY',
          description: '',
          content: '{}',
          targets: ['200000000004'],
        },
      ]),
    );
    expect(changes).toEqual([]);
  });

  it('Given policy types not enabled, Then they are enabled before policies are attached', async () => {
    const snapshot = live({
      ous,
      accounts: [...live().accounts, ...matchingAccounts()],
      root: { id: 'r-1', policyTypes: [] },
    });
    const { changes } = await plan(policyConfig(), snapshot);
    expect(changes.map((c) => c.address)).toEqual([
      'policy-type:SERVICE_CONTROL_POLICY',
      'policy:estate-deny-root-user',
      'policy:estate-deny-root-user@Sandbox',
    ]);
    expect(changes[2]!.dependsOn).toEqual([
      'policy:estate-deny-root-user',
      'policy-type:SERVICE_CONTROL_POLICY',
    ]);
    expect(changes[2]!.payload).toMatchObject({
      policy: { ref: 'policy:estate-deny-root-user', key: 'id' },
      target: { id: 'ou-sbx' },
    });
  });
});

describe('planOrganization: the organisation itself', () => {
  it('Given consolidated billing only, Then drift explains how to enable all features', async () => {
    const snapshot = live({
      organization: { id: 'o-1', managementAccountId: MGMT, featureSet: 'CONSOLIDATED_BILLING' },
      ous,
      accounts: [...live().accounts, ...matchingAccounts()],
    });
    const { changes } = await plan(config(), snapshot);
    expect(changes.map((c) => [c.action, c.address])).toEqual([['drift', 'organization']]);
    expect(changes[0]!.payload.reason).toMatch(/enable all features/);
  });
});

describe('planOrganization: SCPs per target', () => {
  const scp = (name: string, builtin: string, targets: string[]) => ({ name, type: 'scp', builtin, targets });
  const four = (target: string) => [
    scp('deny-leave-organization', 'deny-leave-organization', [target]),
    scp('deny-disable-audit', 'deny-disable-audit', [target]),
    scp('deny-outside-governed-regions', 'deny-outside-governed-regions', [target]),
    scp('deny-root-user', 'deny-root-user', [target]),
  ];
  const matching = () => live({ ous, accounts: [...live().accounts, ...matchingAccounts()] });

  it('Given four SCPs on an OU, Then the plan passes: with FullAWSAccess that is the five AWS allows', async () => {
    const cfg = orgConfig((raw) => (raw.policies = four('Sandbox')));
    await expect(plan(cfg, matching())).resolves.toBeDefined();
  });

  it('Given five SCPs on an OU, Then the plan fails naming the OU and the six policies, FullAWSAccess included', async () => {
    const cfg = orgConfig(
      (raw) => (raw.policies = [...four('Sandbox'), scp('deny-root-user-2', 'deny-root-user', ['Sandbox'])]),
    );
    const error = await plan(cfg, matching()).then(
      () => undefined,
      (e: unknown) => e as { code: string; message: string },
    );
    expect(error?.code).toBe('TooManyScps');
    expect(error?.message).toMatch(
      /OU Sandbox would carry 6 SCPs: FullAWSAccess, estate-deny-leave-organization, estate-deny-disable-audit, estate-deny-outside-governed-regions, estate-deny-root-user, estate-deny-root-user-2.*at most 5/,
    );
  });

  it('Given an SCP estate does not manage on the target, Then it counts too', async () => {
    const cfg = orgConfig((raw) => (raw.policies = four('Workloads/Production')));
    const snapshot = {
      ...matching(),
      otherScps: [{ id: 'p-ct', name: 'aws-guardrails-abc', targets: ['ou-prd'] }],
    };
    await expect(plan(cfg, snapshot)).rejects.toThrow(
      /OU Workloads\/Production would carry 6 SCPs: .*aws-guardrails-abc/,
    );
    // The same policy elsewhere does not.
    await expect(
      plan(cfg, {
        ...snapshot,
        otherScps: [{ id: 'p-ct', name: 'aws-guardrails-abc', targets: ['ou-sbx'] }],
      }),
    ).resolves.toBeDefined();
  });

  it('Given an account whose budget action attaches the deny SCP, Then that slot is reserved', async () => {
    const cfg = orgConfig((raw) => {
      raw.policies = four('dev-alice');
      raw.budgets = {
        alertEmails: ['ops@acme.example.com'],
        byKind: { developer: { monthlyUsd: 50, enforce: 'deny-new-resources' } },
      };
    });
    await expect(plan(cfg, matching())).rejects.toThrow(
      /account dev-alice would carry 6 SCPs: .*estate-budget-deny-new-resources \(its budget action attaches estate-budget-deny-new-resources when it fires\)/,
    );
  });
});
