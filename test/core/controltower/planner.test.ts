import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PREREQUISITE_ROLES as STACK_ROLES } from '../../../src/blueprints/governance.js';
import { PREREQUISITE_ROLES } from '../../../src/core/controltower/desired.js';
import { planControlTower, type StackPayload } from '../../../src/core/controltower/planner.js';
import type { ControlTowerSnapshot } from '../../../src/core/controltower/snapshot.js';
import type { Change } from '../../../src/core/plan/types.js';
import { tempDir } from '../../_helpers/cli.js';
import {
  ACCOUNT_IDS,
  LANDING_ZONE_ARN,
  MGMT,
  appliedSnapshot,
  ctConfig,
  desiredFor,
  emptySnapshot,
  outputsFor,
} from './_fixtures.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ dir, cleanup } = await tempDir('estate-ct-')));
afterAll(() => cleanup());

const byAddress = (changes: readonly Change[]) => new Map(changes.map((c) => [c.address, c]));
const payloadOf = (c: Change | undefined) => c?.payload as unknown as StackPayload;

describe('planControlTower', () => {
  it('keeps the prerequisite role names the governance stack creates', () => {
    expect([...PREREQUISITE_ROLES]).toEqual([...STACK_ROLES]);
  });

  it('Given nothing deployed, When planned, Then it bootstraps the management and audit accounts, activates organisations access and creates the three stacks in order', () => {
    const config = ctConfig();
    const { changes, notes } = planControlTower(config, desiredFor(config), emptySnapshot());
    expect(changes.map((c) => `${c.action} ${c.address}`)).toEqual([
      `create bootstrap:${MGMT}/eu-west-2`,
      `create bootstrap:${ACCOUNT_IDS.audit}/eu-west-2`,
      'create stack:estate-governance',
      'create stack:estate-monitoring',
      'create stacksets:organizations-access',
      'create stack:estate-baseline',
    ]);
    const c = byAddress(changes);
    expect(c.get('stack:estate-governance')!.dependsOn).toEqual([`bootstrap:${MGMT}/eu-west-2`]);
    expect(c.get('stack:estate-monitoring')!.dependsOn).toEqual([`bootstrap:${ACCOUNT_IDS.audit}/eu-west-2`]);
    expect(c.get('stack:estate-baseline')!.dependsOn).toEqual([
      `bootstrap:${MGMT}/eu-west-2`,
      'stacksets:organizations-access',
      'stack:estate-monitoring',
    ]);
    expect(c.get('stack:estate-governance')!.summary).toBe(
      `create estate-governance (${MGMT}, eu-west-2): landing zone 3.3 (30–45 min), the 4 prerequisite roles, 2 OU baselines, 10 controls`,
    );
    expect(c.get('stack:estate-baseline')!.summary).toContain(
      'StackSet estate-baseline on 2 workload OUs in eu-west-2, eu-west-1',
    );
    expect(payloadOf(c.get('stack:estate-governance')).prerequisiteRolesExist).toBe(false);
    expect(notes.join('\n')).toContain('30–45 minutes');
  });

  it('Given everything applied, When planned again, Then nothing changes', async () => {
    const config = ctConfig();
    const { changes } = planControlTower(config, desiredFor(config), await appliedSnapshot(config, dir));
    expect(changes).toEqual([]);
  });

  it('Given an account in a new OU, When planned, Then the governance stack adds its OU baseline and default controls and the StackSet targets the OU', async () => {
    const before = ctConfig();
    const snapshot = await appliedSnapshot(before, dir);
    const config = ctConfig((_ct, raw) =>
      raw.accounts.push({
        name: 'dev-bob',
        kind: 'developer',
        ou: 'Workloads/Development',
        owner: 'bob@acme.example.com',
      }),
    );
    const c = byAddress(planControlTower(config, desiredFor(config), snapshot).changes);
    expect(c.get('stack:estate-governance')).toMatchObject({
      action: 'update',
      summary: `update estate-governance (${MGMT}, eu-west-2): OU baseline added on Workloads/Development; 5 controls added`,
    });
    expect(c.get('stack:estate-baseline')!.summary).toBe(
      `update estate-baseline (${MGMT}, eu-west-2): targets + Workloads/Development`,
    );
    expect(c.has(`bootstrap:${MGMT}/eu-west-2`)).toBe(false);
  });

  it('Given a control added to an OU and one removed, When planned, Then the update names both', async () => {
    const before = ctConfig(
      (ct) => (ct.controls = [{ ou: 'Sandbox', identifiers: ['AWS-GR_RESTRICT_ROOT_USER'] }]),
    );
    const snapshot = await appliedSnapshot(before, dir);
    const config = ctConfig(
      (ct) =>
        (ct.controls = [
          { ou: 'Workloads/Production', identifiers: ['AWS-GR_RDS_INSTANCE_PUBLIC_ACCESS_CHECK'] },
        ]),
    );
    const c = byAddress(planControlTower(config, desiredFor(config), snapshot).changes);
    expect(c.get('stack:estate-governance')!.summary).toBe(
      `update estate-governance (${MGMT}, eu-west-2): 1 control added: AWS-GR_RDS_INSTANCE_PUBLIC_ACCESS_CHECK on Workloads/Production; 1 control removed: AWS-GR_RESTRICT_ROOT_USER on Sandbox`,
    );
    expect([...c.keys()]).toEqual(['stack:estate-governance']);
  });

  it('Given a new landing-zone version and governed region, When planned, Then the update says so', async () => {
    const snapshot = await appliedSnapshot(ctConfig(), dir);
    const config = ctConfig((ct, raw) => {
      ct.logRetentionDays = 400;
      raw.organization.governedRegions.push('us-east-1');
    });
    const summary = byAddress(planControlTower(config, desiredFor(config), snapshot).changes).get(
      'stack:estate-governance',
    )!.summary;
    expect(summary).toContain('governed regions + us-east-1');
    expect(summary).toContain('log retention days 365 → 400');
  });

  it('Given a live stack whose template differs in what the plan does not itemise, When planned, Then it is updated and the summary says so; a template found equal is never updated', async () => {
    const config = ctConfig();
    const applied = await appliedSnapshot(config, dir);
    const moved = planControlTower(config, desiredFor(config), {
      ...applied,
      templatesCurrent: { monitoring: false, governance: true },
    }).changes;
    expect(moved.map((c) => `${c.action} ${c.address}: ${c.summary}`)).toEqual([
      `update stack:estate-monitoring: update estate-monitoring (${ACCOUNT_IDS.audit}, eu-west-2): its template changes in what the plan does not itemise (estate version, dashboard, policies)`,
    ]);
    const changedConfig = ctConfig((ct) => (ct.logRetentionDays = 90));
    const equal = planControlTower(changedConfig, desiredFor(changedConfig), {
      ...applied,
      templatesCurrent: { governance: true },
    }).changes;
    expect(equal.map((c) => c.address)).not.toContain('stack:estate-governance');
  });

  it('Given Control Tower disabled, When planned, Then nothing changes and a note says what governance is missing', () => {
    const config = ctConfig((ct) => (ct.enabled = false));
    const { changes, notes } = planControlTower(config, desiredFor(config), emptySnapshot());
    expect(changes).toEqual([]);
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatch(/SCPs in policies only/);
    for (const missing of ['landing zone', 'registered OUs', 'controls', 'estate-baseline StackSet'])
      expect(notes[0]).toContain(missing);
  });

  describe('prerequisite roles', () => {
    const roles = [...PREREQUISITE_ROLES];

    it('Given the four roles exist outside estate (a console setup), When planned, Then the stack does not create them', () => {
      const config = ctConfig();
      const snapshot: ControlTowerSnapshot = { ...emptySnapshot(), existingRoles: roles };
      const gov = byAddress(planControlTower(config, desiredFor(config), snapshot).changes).get(
        'stack:estate-governance',
      );
      expect(payloadOf(gov).prerequisiteRolesExist).toBe(true);
      expect(gov!.summary).toContain('the existing prerequisite roles');
    });

    it('Given the roles exist because the governance stack created them, When planned, Then the stack keeps them and nothing changes', async () => {
      const config = ctConfig();
      const snapshot = await appliedSnapshot(config, dir);
      expect(snapshot.existingRoles).toEqual(roles);
      const { changes } = planControlTower(config, desiredFor(config), snapshot);
      expect(changes).toEqual([]);
    });

    it('Given a stack that created the roles and an update, When planned, Then the update still holds the roles (prerequisiteRolesExist false)', async () => {
      const snapshot = await appliedSnapshot(ctConfig(), dir);
      const config = ctConfig((ct) => (ct.logRetentionDays = 90));
      const gov = byAddress(planControlTower(config, desiredFor(config), snapshot).changes).get(
        'stack:estate-governance',
      );
      expect(payloadOf(gov).prerequisiteRolesExist).toBe(false);
      expect(gov!.summary).not.toContain('prerequisite role');
    });

    it('rejects two of the four roles existing outside the stack: a drift line names them instead of a deploy', () => {
      const config = ctConfig();
      const snapshot: ControlTowerSnapshot = { ...emptySnapshot(), existingRoles: roles.slice(0, 2) };
      const gov = byAddress(planControlTower(config, desiredFor(config), snapshot).changes).get(
        'stack:estate-governance',
      )!;
      expect(gov.action).toBe('drift');
      expect(gov.summary).toContain(
        'AWSControlTowerAdmin, AWSControlTowerCloudTrailRole exist outside estate-governance',
      );
    });
  });

  it('rejects creating a second landing zone when one exists that the governance stack does not hold', () => {
    const config = ctConfig();
    const snapshot: ControlTowerSnapshot = { ...emptySnapshot(), landingZones: [LANDING_ZONE_ARN] };
    const { changes, notes } = planControlTower(config, desiredFor(config), snapshot);
    const c = byAddress(changes);
    expect(c.get('stack:estate-governance')).toMatchObject({
      action: 'drift',
      summary: `refusing to create a second landing zone: ${LANDING_ZONE_ARN} exists and estate-governance did not create it`,
    });
    expect(notes.join('\n')).toContain('Import it into estate-governance');
    // The platform stacks that do not need the landing zone still go ahead.
    expect(c.get('stack:estate-monitoring')!.action).toBe('create');
    expect(c.get('stack:estate-baseline')!.action).toBe('create');
  });

  it('Given OUs and accounts the organisation section has not created yet, When planned, Then the stacks wait for it', () => {
    const config = ctConfig();
    const outputs = outputsFor(config, {
      ous: ['Workloads/Production'],
      accounts: ['audit'],
      organization: true,
    });
    const d = desiredFor(config, outputs);
    const c = byAddress(planControlTower(config, d, emptySnapshot()).changes);
    expect(c.get('stack:estate-governance')!.summary).toMatch(
      /waits for the organization section: the organisation, account audit, OU Workloads\/Production\)$/,
    );
    expect(payloadOf(c.get('stack:estate-monitoring')).pending).toEqual([
      'the organisation',
      'account audit',
    ]);
    expect(c.get('bootstrap:audit/eu-west-2')!.summary).toContain('bootstrap audit in eu-west-2');
  });

  it('Given a governance stack still being created (--no-wait), When planned, Then it is a drift line and estate leaves it alone', async () => {
    const config = ctConfig();
    const applied = await appliedSnapshot(config, dir);
    const snapshot = { ...applied, governance: { ...applied.governance!, status: 'CREATE_IN_PROGRESS' } };
    const { changes } = planControlTower(config, desiredFor(config), snapshot);
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ action: 'drift', address: 'stack:estate-governance' });
    expect(changes[0]!.summary).toContain('estate ct status');
  });

  it('Given access management on and no Identity Center baseline yet, When planned, Then the governance stack deploys the landing zone first', () => {
    const config = ctConfig((ct) => (ct.accessManagement = true));
    const { changes, notes } = planControlTower(config, desiredFor(config), emptySnapshot());
    expect(payloadOf(byAddress(changes).get('stack:estate-governance')).landingZoneFirst).toBe(true);
    expect(notes.join('\n')).toContain('the landing zone first, then the OU baselines');
  });

  it('Given a bootstrap older than the platform stacks need, When planned, Then the management account is bootstrapped again', async () => {
    const config = ctConfig((ct) => (ct.logRetentionDays = 90));
    const applied = await appliedSnapshot(ctConfig(), dir);
    const snapshot = { ...applied, bootstrap: { ...applied.bootstrap, [`${MGMT}/eu-west-2`]: 5 } };
    const c = byAddress(planControlTower(config, desiredFor(config), snapshot).changes);
    expect(c.get(`bootstrap:${MGMT}/eu-west-2`)!.summary).toContain('version 5 is older than 6');
    expect(c.get('stack:estate-governance')!.dependsOn).toEqual([`bootstrap:${MGMT}/eu-west-2`]);
  });

  it('Given no executionPolicies and an unbootstrapped account, When planned, Then a note says the bootstrap will fail', () => {
    const config = ctConfig((_ct, raw) => delete raw.deployments);
    const { notes } = planControlTower(config, desiredFor(config), emptySnapshot());
    expect(notes.join('\n')).toContain('deployments.executionPolicies is not set');
  });

  describe('baseline instances', () => {
    it('Given an account without an instance in one region and another OUTDATED, When planned, Then one drift line per account says so', async () => {
      const config = ctConfig();
      const applied = await appliedSnapshot(config, dir);
      const prod = ACCOUNT_IDS['shop-prod']!;
      const alice = ACCOUNT_IDS['dev-alice']!;
      const snapshot: ControlTowerSnapshot = {
        ...applied,
        instances: [
          { accountId: prod, region: 'eu-west-2', status: 'CURRENT' },
          { accountId: alice, region: 'eu-west-2', status: 'CURRENT' },
          {
            accountId: alice,
            region: 'eu-west-1',
            status: 'OUTDATED',
            detailedStatus: 'FAILED',
            statusReason: 'Role estate-deployment already exists',
          },
        ],
      };
      const { changes } = planControlTower(config, desiredFor(config), snapshot);
      expect(changes.map((c) => `${c.action} ${c.address}: ${c.summary}`)).toEqual([
        `drift baseline-instances:shop-prod: estate-baseline for shop-prod (${prod}): no instance in eu-west-1`,
        `drift baseline-instances:dev-alice: estate-baseline for dev-alice (${alice}): OUTDATED in eu-west-1 (FAILED: Role estate-deployment already exists)`,
      ]);
    });

    it('Given the baseline disabled, When planned, Then neither the StackSet nor organisations access is planned', () => {
      const config = ctConfig((ct) => (ct.baseline = { enabled: false }));
      const addresses = planControlTower(config, desiredFor(config), emptySnapshot()).changes.map(
        (c) => c.address,
      );
      expect(addresses).not.toContain('stack:estate-baseline');
      expect(addresses).not.toContain('stacksets:organizations-access');
    });
  });
});
