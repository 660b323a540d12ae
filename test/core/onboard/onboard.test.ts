import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { AwsBudgets } from '../../../src/aws/budgets.js';
import { AwsActionRoles } from '../../../src/aws/iam.js';
import { organizationsPort } from '../../../src/aws/organizations.js';
import { withRetries } from '../../../src/aws/send.js';
import { parseConfig } from '../../../src/config/loader.js';
import type { EstateConfig } from '../../../src/config/schema.js';
import { enforcementPolicyOver } from '../../../src/core/budgets/enforcement-policy.js';
import { denyPolicyDocument } from '../../../src/core/budgets/policy-document.js';
import type { CostAllocationTagsPort } from '../../../src/core/budgets/ports.js';
import { budgetsSection } from '../../../src/core/budgets/section.js';
import { organizationSections, loadPolicySources } from '../../../src/core/org/index.js';
import {
  onboardDeveloper,
  type ConfigStore,
  type DeployedEnvironment,
  type EnrolmentState,
  type OnboardDeps,
  type OnboardRequest,
} from '../../../src/core/onboard/onboard.js';
import type {
  AccountAssignment,
  IdentityCenterPort,
  PermissionSetSpec,
} from '../../../src/core/onboard/ports.js';
import { FakeBudgets } from '../../_helpers/fake-budgets.js';
import { FakeIam } from '../../_helpers/fake-iam.js';
import { FakeOrganizations } from '../../_helpers/fake-organizations.js';
import { recordingIoHost } from '../../_helpers/recording-io.js';
import { minimalConfig } from '../../_helpers/config.js';

const MGMT = '111111111111';

/** Identity Center as the onboarding sees it: one instance, users, groups, sets, assignments. */
class MemoryIdentityCenter implements IdentityCenterPort {
  readonly sets = new Map<string, PermissionSetSpec & { arn: string }>();
  readonly provisioned = new Set<string>();
  readonly assigned: AccountAssignment[] = [];
  readonly mutations: string[] = [];
  failNext: string | undefined;
  constructor(
    readonly users: Record<string, string> = { 'bob@acme.example.com': 'u-bob' },
    readonly enabled = true,
  ) {}
  private fail(op: string) {
    if (this.failNext === op) {
      this.failNext = undefined;
      throw new Error(`${op} failed: ConflictException (injected)`);
    }
  }
  async instance() {
    return this.enabled
      ? {
          instanceArn: 'arn:aws:sso:::instance/ssoins-1',
          identityStoreId: 'd-123',
          portalUrl: 'https://d-123.awsapps.com/start',
        }
      : undefined;
  }
  async userByEmail(_store: string, email: string) {
    return this.users[email];
  }
  async groupByName(_store: string, name: string) {
    return name === 'developers' ? 'g-dev' : undefined;
  }
  async permissionSets() {
    return [...this.sets.values()].map((s) => ({ arn: s.arn, name: s.name }));
  }
  async createPermissionSet(_i: string, spec: PermissionSetSpec) {
    this.fail('createPermissionSet');
    const arn = `arn:aws:sso:::permissionSet/ssoins-1/ps-${this.sets.size + 1}`;
    this.sets.set(arn, { ...spec, arn });
    this.mutations.push(`create ${spec.name}`);
    return arn;
  }
  async isProvisioned(_i: string, arn: string, account: string) {
    return this.provisioned.has(`${arn}@${account}`);
  }
  async provisionPermissionSet(_i: string, arn: string, account: string) {
    this.provisioned.add(`${arn}@${account}`);
    this.mutations.push(`provision ${account}`);
  }
  async assignments(_i: string, account: string, arn: string) {
    return this.assigned.filter((a) => a.accountId === account && a.permissionSetArn === arn);
  }
  async accountAssignments(_i: string, account: string) {
    return this.assigned.filter((a) => a.accountId === account);
  }
  async createAssignment(_i: string, a: AccountAssignment) {
    this.fail('createAssignment');
    this.assigned.push(a);
    this.mutations.push(`assign ${a.principal.id}@${a.accountId}`);
  }
  async deleteAssignment(_i: string, a: AccountAssignment) {
    this.assigned.splice(this.assigned.indexOf(a), 1);
  }
}

class NoCostTags implements CostAllocationTagsPort {
  async listCostAllocationTags(keys: readonly string[]) {
    return keys.map((key) => ({ key, status: 'Active', type: 'UserDefined' }));
  }
  async activateCostAllocationTags() {
    return [];
  }
}

/** estate.yaml held in memory: what write-back adds, parsed again like the real loader does. */
class MemoryConfig implements ConfigStore {
  writes = 0;
  constructor(private raw: Record<string, any>) {}
  private parsed = (): EstateConfig => parseConfig(stringify(this.raw));
  current() {
    return this.parsed();
  }
  async addDeveloper(r: OnboardRequest, write: boolean) {
    const next = structuredClone(this.raw);
    const missingAccount = !next.accounts.some((a: any) => a.name === r.name);
    const missingEnv = !(next.environments ?? []).some((e: any) => e.name === r.environment.name);
    if (missingAccount)
      next.accounts.push({ name: r.name, kind: 'developer', ou: r.ou, owner: r.owner, email: r.email });
    if (missingEnv)
      (next.environments ??= []).push({
        name: r.environment.name,
        account: r.name,
        blueprints: [...r.environment.blueprints],
        ttl: r.environment.ttl,
        owner: r.owner,
      });
    const changed = missingAccount || missingEnv;
    if (changed && write) {
      this.raw = next;
      this.writes++;
    }
    return { changed, config: parseConfig(stringify(write ? this.raw : next)) };
  }
}

function rig(options: { controlTower?: boolean } = {}) {
  const raw = minimalConfig();
  raw.organization.managementAccountId = MGMT;
  raw.budgets = { alertEmails: ['finops@acme.example.com'], byKind: { developer: { monthlyUsd: 100 } } };
  if (options.controlTower) {
    raw.organizationalUnits.push({ name: 'Audit' });
    raw.accounts.push({ name: 'audit', kind: 'monitoring', ou: 'Audit' });
    raw.controlTower = { logArchiveAccount: 'logs', auditAccount: 'audit', workloadOus: ['Sandbox'] };
  }
  const config = new MemoryConfig(raw);
  const org = new FakeOrganizations({ withOrganization: true, callerAccountId: MGMT, createAccountPolls: 1 });
  const iam = new FakeIam(MGMT);
  const budgets = new FakeBudgets({ roleExists: (arn) => iam.usable(arn) });
  const ic = new MemoryIdentityCenter();
  const bootstrapped = new Map<string, number>();
  const enrolled = new Map<string, EnrolmentState>();
  const deployed = new Set<string>();
  let deployFails = 0;
  const io = recordingIoHost();
  const retry = <T extends object>(client: T) => withRetries(client as any, { sleep: async () => {} }) as T;
  const deps: OnboardDeps = {
    config,
    sections: async (c) => {
      const policySources = await loadPolicySources(c, { configDir: process.cwd() });
      const port = organizationsPort(retry(org));
      return [
        ...organizationSections({
          port,
          policySources,
          callerAccountId: async () => MGMT,
          apply: { sleep: async () => {} },
        }),
        budgetsSection({
          budgets: new AwsBudgets(() => retry(budgets)),
          costAllocationTags: new NoCostTags(),
          enforcementPolicy: enforcementPolicyOver(port),
          actionRoles: new AwsActionRoles(iam, MGMT),
          managementAccountId: async () => MGMT,
          policyDocument: denyPolicyDocument(),
          sleep: async () => {},
        }),
      ];
    },
    identityCenter: ic,
    enrolment: async (id) => ({ state: enrolled.get(id) ?? 'not-enrolled' }),
    bootstrapVersion: async (id) => bootstrapped.get(id),
    deployEnvironment: async (_c, name): Promise<DeployedEnvironment> => {
      if (deployFails > 0) {
        deployFails--;
        return { status: 'failed' as const, reason: 'CREATE_FAILED Table (injected)', endpoints: {} };
      }
      const first = !deployed.has(name);
      deployed.add(name);
      return {
        status: first ? ('deployed' as const) : ('unchanged' as const),
        endpoints: { api: 'https://api.example.com' },
        expiresAt: '2026-12-05T04:00:00.000Z',
      };
    },
    io,
    sleep: async () => {},
    pollMs: 1,
  };
  return {
    deps,
    config,
    org,
    budgets,
    ic,
    bootstrapped,
    enrolled,
    deployed,
    io,
    failDeploy: () => void (deployFails = 1),
  };
}

const bob = (over: Partial<OnboardRequest> = {}): OnboardRequest => ({
  name: 'dev-bob',
  email: 'aws+dev-bob@acme.example.com',
  owner: 'bob@acme.example.com',
  principal: { kind: 'user', email: 'bob@acme.example.com' },
  permissionSet: {
    name: 'EstateDeveloper',
    sessionDuration: 'PT8H',
    managedPolicyArns: ['arn:aws:iam::aws:policy/PowerUserAccess'],
  },
  ou: 'Sandbox',
  environment: { name: 'dev-bob-dev', blueprints: ['data'], ttl: '72h' },
  configWrite: true,
  dryRun: false,
  ...over,
});

const statuses = (r: { steps: readonly { step: string; status: string }[] }) =>
  Object.fromEntries(r.steps.map((s) => [s.step, s.status]));

const bobAccount = (r: ReturnType<typeof rig>) => {
  const a = r.org.accountByName('dev-bob');
  return a && { Id: a.id, ou: r.org.pathOf(a.parentId) };
};
const budgetNames = (r: ReturnType<typeof rig>) => [...(r.budgets.accounts.get(MGMT)?.keys() ?? [])];

describe('onboardDeveloper', () => {
  it('onboards a developer on a first run: config, account in its OU, budget, access, environment, welcome', async () => {
    const r = rig();
    const result = await onboardDeveloper(r.deps, bob());
    expect(statuses(result)).toEqual({
      config: 'done',
      account: 'done',
      enrolment: 'skipped',
      budget: 'done',
      access: 'done',
      bootstrap: 'skipped',
      environment: 'done',
    });
    expect(result.ok).toBe(true);
    const account = bobAccount(r);
    expect(account).toBeDefined();
    expect(account!.ou).toBe('Sandbox');
    expect(budgetNames(r).some((n) => n.includes('dev-bob'))).toBe(true);
    expect(r.ic.assigned).toEqual([
      {
        accountId: account!.Id,
        permissionSetArn: expect.any(String),
        principal: { type: 'USER', id: 'u-bob' },
      },
    ]);
    expect(result.welcome).toMatchObject({
      accountId: account!.Id,
      portalUrl: 'https://d-123.awsapps.com/start',
      environment: 'dev-bob-dev',
      endpoints: { api: 'https://api.example.com' },
      expiresAt: '2026-12-05T04:00:00.000Z',
    });
    expect(result.welcome!.profileSnippet).toContain(`sso_account_id = ${account!.Id}`);
    expect(result.welcome!.profileSnippet).toContain('sso_role_name = EstateDeveloper');
  });

  it('does nothing on a re-run: every step is already in place', async () => {
    const r = rig();
    await onboardDeveloper(r.deps, bob());
    const accounts = r.org.accounts.size;
    const mutations = r.ic.mutations.length;
    const again = await onboardDeveloper(r.deps, bob());
    expect(statuses(again)).toEqual({
      config: 'already',
      account: 'already',
      enrolment: 'skipped',
      budget: 'already',
      access: 'already',
      bootstrap: 'skipped',
      environment: 'already',
    });
    expect(r.org.accounts.size).toBe(accounts);
    expect(r.ic.mutations.length).toBe(mutations);
    expect(r.config.writes).toBe(1);
  });

  it('changes nothing on a dry run and says what it would do', async () => {
    const r = rig();
    const result = await onboardDeveloper(r.deps, bob({ dryRun: true }));
    expect(result.steps.every((s) => s.status === 'planned')).toBe(true);
    expect(result.steps.map((s) => s.step)).toHaveLength(7);
    expect(bobAccount(r)).toBeUndefined();
    expect(r.config.writes).toBe(0);
    expect(r.ic.mutations).toEqual([]);
    expect(result.welcome).toBeUndefined();
  });

  it('stops at a failed assignment, leaves the steps before it, and a re-run continues from it', async () => {
    const r = rig();
    r.ic.failNext = 'createAssignment';
    const first = await onboardDeveloper(r.deps, bob());
    expect(first.ok).toBe(false);
    expect(statuses(first)).toMatchObject({
      account: 'done',
      budget: 'done',
      access: 'failed',
      bootstrap: 'not-reached',
      environment: 'not-reached',
    });
    expect(first.steps.find((s) => s.step === 'access')!.detail).toContain('ConflictException');
    expect(r.deployed.size).toBe(0);
    const second = await onboardDeveloper(r.deps, bob());
    expect(statuses(second)).toMatchObject({
      config: 'already',
      account: 'already',
      budget: 'already',
      access: 'done',
      environment: 'done',
    });
    // The permission set made by the failed run is reused, not created twice.
    expect(r.ic.mutations.filter((m) => m.startsWith('create'))).toHaveLength(1);
  });

  it('stops at a failed deploy and resumes there', async () => {
    const r = rig();
    r.failDeploy();
    const first = await onboardDeveloper(r.deps, bob());
    expect(statuses(first)).toMatchObject({ access: 'done', environment: 'failed' });
    expect(first.steps.at(-1)!.detail).toContain('CREATE_FAILED Table');
    const second = await onboardDeveloper(r.deps, bob());
    expect(statuses(second)).toMatchObject({ access: 'already', environment: 'done' });
    expect(second.welcome).toBeDefined();
  });

  it('stops when account creation fails and creates it on the re-run', async () => {
    const r = rig();
    r.org.failNext(
      'CreateAccount',
      Object.assign(new Error('too many requests'), {
        name: 'ConcurrentModificationException',
        $fault: 'client',
      }),
    );
    r.org.failNext(
      'CreateAccount',
      Object.assign(new Error('limit'), {
        name: 'ConstraintViolationException',
        Reason: 'ACCOUNT_NUMBER_LIMIT_EXCEEDED',
      }),
    );
    const first = await onboardDeveloper(r.deps, bob());
    expect(statuses(first)).toMatchObject({ config: 'done', account: 'failed', budget: 'not-reached' });
    expect(bobAccount(r)).toBeUndefined();
    const second = await onboardDeveloper(r.deps, bob());
    expect(statuses(second)).toMatchObject({ config: 'already', account: 'done', budget: 'done' });
    expect(bobAccount(r)).toBeDefined();
  });

  it('fails at access naming the flag when the Identity Center user does not exist', async () => {
    const r = rig();
    const result = await onboardDeveloper(
      r.deps,
      bob({ principal: { kind: 'user', email: 'nobody@acme.example.com' } }),
    );
    expect(statuses(result)).toMatchObject({ access: 'failed', environment: 'not-reached' });
    expect(result.steps.find((s) => s.step === 'access')!.detail).toMatch(
      /--sso-user nobody@acme\.example\.com/,
    );
  });

  it('refuses --no-config-write for an account estate.yaml does not declare, before any AWS call', async () => {
    const r = rig();
    const result = await onboardDeveloper(r.deps, bob({ configWrite: false }));
    expect(statuses(result)).toMatchObject({ config: 'failed', account: 'not-reached' });
    expect(result.steps[0]!.detail).toMatch(/--no-config-write.*dev-bob/);
    expect(bobAccount(r)).toBeUndefined();
  });

  it('waits for Control Tower enrolment and the baseline bootstrap when the OU is registered', async () => {
    const r = rig({ controlTower: true });
    let polls = 0;
    const enrolment = r.deps.enrolment!;
    const deps: OnboardDeps = {
      ...r.deps,
      enrolment: async (id) =>
        ++polls < 3 ? { state: 'in-progress' } : (r.enrolled.set(id, 'enrolled'), enrolment(id)),
      bootstrapVersion: async (id) => (polls >= 3 ? (r.bootstrapped.set(id, 21), 21) : undefined),
    };
    const result = await onboardDeveloper(deps, bob());
    expect(statuses(result)).toMatchObject({ enrolment: 'done', bootstrap: 'already' });
    expect(polls).toBe(3);
    expect(r.io.messages.some((m) => m.message.startsWith('waiting for enrolment'))).toBe(true);
  });

  it("fails the enrolment step with Control Tower's reason", async () => {
    const r = rig({ controlTower: true });
    const deps: OnboardDeps = {
      ...r.deps,
      enrolment: async () => ({ state: 'failed', reason: 'AWSControlTowerExecution role missing' }),
    };
    const result = await onboardDeveloper(deps, bob());
    expect(statuses(result)).toMatchObject({ enrolment: 'failed', budget: 'not-reached' });
    expect(result.steps.find((s) => s.step === 'enrolment')!.detail).toContain(
      'AWSControlTowerExecution role missing',
    );
  });
});
