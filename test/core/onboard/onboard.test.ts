import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { AwsBudgets } from '../../../src/aws/budgets.js';
import { AwsActionRoles } from '../../../src/aws/iam.js';
import { organizationsPort } from '../../../src/aws/organizations.js';
import { withRetries } from '../../../src/aws/send.js';
import { parseConfig } from '../../../src/config/loader.js';
import { handOverText, recycleAccountText } from '../../../src/config/write-back.js';
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
import {
  offboardDeveloper,
  type OffboardConfigStore,
  type OffboardDeps,
  type OffboardRequest,
} from '../../../src/core/onboard/offboard.js';
import type {
  AccountAssignment,
  IdentityCenterPort,
  PermissionSetSpec,
} from '../../../src/core/onboard/ports.js';
import { FakeBudgets } from '../../../src/emulator/budgets.js';
import { FakeIam } from '../../../src/emulator/iam.js';
import { FakeOrganizations } from '../../../src/emulator/organizations.js';
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
    readonly users: Record<string, string> = {
      'bob@acme.example.com': 'u-bob',
      'carol@acme.example.com': 'u-carol',
    },
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
class MemoryConfig implements ConfigStore, OffboardConfigStore {
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
  /** The real write-back over the YAML text (onboard --recycle), as the CLI's store does. */
  async handOver(r: OnboardRequest, accountId: string, write: boolean) {
    const result = handOverText(stringify(this.raw), this.current(), {
      from: r.recycle!.from,
      suspendedOu: r.recycle!.suspendedOu,
      accountId,
      account: { name: r.name, owner: r.owner, ou: r.ou },
      environment: { ...r.environment, owner: r.owner },
    });
    if (result.changed && write) {
      this.raw = parse(result.text);
      this.writes++;
    }
    return { changed: result.changed, config: parseConfig(write ? stringify(this.raw) : result.text) };
  }
  /** The real write-back over the YAML text, as the CLI's store does. */
  async recycle(r: OffboardRequest, write: boolean) {
    const text = stringify(this.raw);
    const result = recycleAccountText(text, this.current(), {
      name: r.name,
      suspendedOu: r.suspendedOu,
      date: '2026-12-02',
    });
    if (result.changed && write) {
      this.raw = parse(result.text);
      this.writes++;
    }
    return { changed: result.changed, config: parseConfig(write ? stringify(this.raw) : result.text) };
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
  const org = Object.assign(
    new FakeOrganizations({ withOrganization: true, callerAccountId: MGMT, createAccountPolls: 1 }),
    { closeRequests: [] as string[] },
  );
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
  const destroyed: string[] = [];
  let destroyFails = 0;
  const offboardDeps: OffboardDeps = {
    config,
    sections: deps.sections,
    identityCenter: ic,
    destroyEnvironments: async (c, names, dryRun) => ({
      environments: names.map((name) => {
        const env = c.environments.find((e) => e.name === name)!;
        if (env.protected) return { environment: name, status: 'refused', reason: 'protected' };
        if (destroyFails > 0) {
          destroyFails--;
          return { environment: name, status: 'failed', reason: 'DELETE_FAILED Bucket (injected)' };
        }
        if (dryRun) return { environment: name, status: 'dry-run' };
        if (!deployed.delete(name)) return { environment: name, status: 'absent' };
        destroyed.push(name);
        return { environment: name, status: 'destroyed' };
      }),
    }),
    closure: {
      closeAccount: async ({ accountId }) => {
        org.closeRequests.push(accountId);
      },
      accountStatus: async (id) =>
        org.closeRequests.includes(id) ? (closePolls++ > 0 ? 'SUSPENDED' : 'PENDING_CLOSURE') : 'ACTIVE',
    },
    io,
    sleep: async () => {},
    pollMs: 1,
  };
  let closePolls = 0;
  return {
    deps,
    offboardDeps,
    destroyed,
    failDestroy: () => void (destroyFails = 1),
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

  it('skips both waits, saying how to create it, when no landing zone has been applied yet', async () => {
    const r = rig({ controlTower: true });
    let reads = 0;
    let governanceReads = 0;
    const deps: OnboardDeps = {
      ...r.deps,
      governance: async () => (governanceReads++, { landingZone: false, baselineStackSet: false }),
      enrolment: async () => (reads++, { state: 'not-enrolled' }),
      // A clock that runs: a wait would time out rather than hang the test.
      enrolmentTimeoutMs: 1,
      bootstrapTimeoutMs: 1,
    };
    const result = await onboardDeveloper(deps, bob());
    expect(statuses(result)).toMatchObject({
      enrolment: 'skipped',
      bootstrap: 'skipped',
      environment: 'done',
    });
    const detail = (step: string) => result.steps.find((s) => s.step === step)!.detail;
    expect(detail('enrolment')).toContain('no landing zone yet: `estate apply --section controltower`');
    expect(detail('bootstrap')).toMatch(/no estate-baseline StackSet yet.*bootstraps it directly/);
    expect(reads).toBe(0);
    expect(governanceReads).toBe(1);
    expect(result.ok).toBe(true);
  });

  it('waits for enrolment but bootstraps directly when the landing zone exists and the baseline StackSet does not', async () => {
    const r = rig({ controlTower: true });
    const enrolment = r.deps.enrolment!;
    const deps: OnboardDeps = {
      ...r.deps,
      governance: async () => ({ landingZone: true, baselineStackSet: false }),
      enrolment: async (id) => (r.enrolled.set(id, 'enrolled'), enrolment(id)),
      bootstrapTimeoutMs: 1,
    };
    const result = await onboardDeveloper(deps, bob());
    expect(statuses(result)).toMatchObject({
      enrolment: 'already',
      bootstrap: 'skipped',
      environment: 'done',
    });
  });

  it('looks at enrolment once in a dry run and never waits', async () => {
    const r = rig({ controlTower: true });
    const first = await onboardDeveloper(
      { ...r.deps, enrolment: async () => ({ state: 'enrolled' }), bootstrapVersion: async () => 21 },
      bob(),
    );
    expect(first.ok).toBe(true);
    let reads = 0;
    const deps: OnboardDeps = {
      ...r.deps,
      enrolment: async () => (reads++, { state: 'in-progress' }),
      enrolmentTimeoutMs: 1,
    };
    const result = await onboardDeveloper(deps, bob({ dryRun: true }));
    expect(result.steps.find((s) => s.step === 'enrolment')).toMatchObject({
      status: 'planned',
      detail: 'wait for Control Tower enrolment',
    });
    expect(reads).toBe(1);
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

const leave = (over: Partial<OffboardRequest> = {}): OffboardRequest => ({
  name: 'dev-bob',
  suspendedOu: 'Suspended',
  configWrite: true,
  close: false,
  dryRun: false,
  ...over,
});

async function onboarded(options: { enforce?: boolean } = {}) {
  const r = rig();
  if (options.enforce) {
    // deny-new-resources on developer accounts, as a platform team would configure it
    const raw = (r.config as any).raw;
    raw.budgets.byKind.developer.enforce = 'deny-new-resources';
  }
  const result = await onboardDeveloper(r.deps, bob());
  expect(result.ok, JSON.stringify(result.steps)).toBe(true);
  return r;
}

type View = {
  accounts: { name: string; tags: Record<string, string> }[];
  policies: { name: string; targets: string[] }[];
};
const view = (r: ReturnType<typeof rig>) => r.org.view() as View;
const scpsOn = (r: ReturnType<typeof rig>, path: string) =>
  view(r)
    .policies.filter((p) => p.targets.includes(`ou:${path}`))
    .map((p) => p.name);
const actionCount = (r: ReturnType<typeof rig>) =>
  budgetNames(r).reduce((n, name) => n + (r.budgets.budget(MGMT, name)?.actions.size ?? 0), 0);

describe('offboardDeveloper', () => {
  it('offboards on a first run: environments destroyed, access removed, recycled, moved to Suspended under a deny-all SCP', async () => {
    const r = await onboarded();
    const result = await offboardDeveloper(r.offboardDeps, leave());
    expect(statuses(result), JSON.stringify(result.steps)).toEqual({
      environments: 'done',
      access: 'done',
      config: 'done',
      budget: 'already',
      organisation: 'done',
      close: 'skipped',
    });
    expect(r.destroyed).toEqual(['dev-bob-dev']);
    const id = bobAccount(r)!.Id;
    expect(r.ic.assigned.filter((a) => a.accountId === id)).toHaveLength(0);
    expect(bobAccount(r)!.ou).toBe('Suspended');
    expect(view(r).accounts.find((a) => a.name === 'dev-bob')!.tags['estate:recycled']).toBe('2026-12-02');
    const config = r.config.current();
    expect(config.environments.some((e) => e.account === 'dev-bob')).toBe(false);
    expect(config.policies).toContainEqual(
      expect.objectContaining({ builtin: 'deny-all', type: 'scp', targets: ['Suspended'] }),
    );
    expect(
      scpsOn(r, 'Suspended'),
      JSON.stringify(view(r).policies.map((p) => [p.name, p.targets])),
    ).toContain('estate-deny-all');
    // The budget stays: what the parked account still costs is visible.
    expect(budgetNames(r).some((n) => n.includes('dev-bob'))).toBe(true);
  });

  it('does nothing on a re-run: every step is already in place', async () => {
    const r = await onboarded();
    await offboardDeveloper(r.offboardDeps, leave());
    r.org.resetCounters();
    const writes = r.config.writes;
    const again = await offboardDeveloper(r.offboardDeps, leave());
    expect(statuses(again)).toEqual({
      environments: 'already',
      access: 'already',
      config: 'already',
      budget: 'already',
      organisation: 'already',
      close: 'skipped',
    });
    expect(r.config.writes).toBe(writes);
    expect(r.org.mutatingCalls()).toBe(0);
  });

  it('removes the budget deny action of a recycled account, keeping the budget', async () => {
    const r = await onboarded({ enforce: true });
    expect(actionCount(r)).toBeGreaterThan(0);
    const result = await offboardDeveloper(r.offboardDeps, leave());
    expect(statuses(result).budget).toBe('done');
    expect(actionCount(r)).toBe(0);
    expect(budgetNames(r).some((n) => n.includes('dev-bob'))).toBe(true);
  });

  it('stops at a failed destroy, changes nothing after it, and a re-run continues from it', async () => {
    const r = await onboarded();
    r.failDestroy();
    const first = await offboardDeveloper(r.offboardDeps, leave());
    expect(first.ok).toBe(false);
    expect(statuses(first)).toEqual({
      environments: 'failed',
      access: 'not-reached',
      config: 'not-reached',
      budget: 'not-reached',
      organisation: 'not-reached',
      close: 'not-reached',
    });
    expect(bobAccount(r)!.ou).toBe('Sandbox');
    expect(r.ic.assigned).toHaveLength(1);
    const second = await offboardDeveloper(r.offboardDeps, leave());
    expect(second.ok, JSON.stringify(second.steps)).toBe(true);
    expect(statuses(second).environments).toBe('done');
    expect(bobAccount(r)!.ou).toBe('Suspended');
  });

  it('rejects a protected environment, naming the command that destroys it on purpose', async () => {
    const r = await onboarded();
    (r.config as any).raw.environments.find((e: any) => e.name === 'dev-bob-dev').protected = true;
    (r.config as any).raw.environments.find((e: any) => e.name === 'dev-bob-dev').ttl = undefined;
    const result = await offboardDeveloper(r.offboardDeps, leave());
    expect(statuses(result).environments).toBe('failed');
    expect(result.steps[0]!.detail).toContain('dev-bob-dev');
    expect(r.destroyed).toEqual([]);
    expect(r.ic.assigned).toHaveLength(1);
  });

  it('changes nothing on a dry run and says what it would do', async () => {
    const r = await onboarded();
    const writes = r.config.writes;
    const result = await offboardDeveloper(r.offboardDeps, leave({ dryRun: true }));
    expect(result.ok, JSON.stringify(result.steps)).toBe(true);
    expect(statuses(result)).toMatchObject({
      environments: 'planned',
      access: 'planned',
      config: 'planned',
      organisation: 'planned',
    });
    expect(r.config.writes).toBe(writes);
    expect(bobAccount(r)!.ou).toBe('Sandbox');
    expect(r.ic.assigned).toHaveLength(1);
  });

  it('rejects --no-config-write when estate.yaml does not mark the account recycled', async () => {
    const r = await onboarded();
    const result = await offboardDeveloper(r.offboardDeps, leave({ configWrite: false }));
    expect(statuses(result).config).toBe('failed');
    expect(result.steps.find((s) => s.step === 'config')!.detail).toContain('--no-config-write');
    expect(bobAccount(r)!.ou).toBe('Sandbox');
  });

  it('closes the account only with close, polling until SUSPENDED', async () => {
    const r = await onboarded();
    await offboardDeveloper(r.offboardDeps, leave());
    expect(r.org.closeRequests).toEqual([]);
    const result = await offboardDeveloper(r.offboardDeps, leave({ close: true }));
    expect(statuses(result).close).toBe('done');
    expect(r.org.closeRequests).toEqual([bobAccount(r)!.Id]);
    expect(r.io.messages.some((m: { code: string }) => m.code === 'ESTATE_W0812')).toBe(true);
    const again = await offboardDeveloper(r.offboardDeps, leave({ close: true }));
    expect(statuses(again).close).toBe('already');
    expect(r.org.closeRequests).toHaveLength(1);
  });
});

const carol = (over: Partial<OnboardRequest> = {}): OnboardRequest =>
  bob({
    name: 'dev-carol',
    email: 'aws+dev-bob@acme.example.com',
    owner: 'carol@acme.example.com',
    principal: { kind: 'user', email: 'carol@acme.example.com' },
    environment: { name: 'dev-carol-dev', blueprints: ['data'], ttl: '72h' },
    recycle: { from: 'dev-bob', suspendedOu: 'Suspended' },
    ...over,
  });

/** dev-bob onboarded, then offboarded: his account parked in Suspended, free to hand on. */
async function parked() {
  const r = await onboarded();
  const off = await offboardDeveloper(r.offboardDeps, leave());
  expect(off.ok, JSON.stringify(off.steps)).toBe(true);
  r.org.resetCounters();
  return r;
}

describe('onboardDeveloper with recycle', () => {
  it("hands dev-bob's parked account to dev-carol: no new account, moved back, retagged, her budget, access and environment", async () => {
    const r = await parked();
    const accounts = r.org.accounts.size;
    const id = bobAccount(r)!.Id;
    const result = await onboardDeveloper(r.deps, carol());
    expect(statuses(result), JSON.stringify(result.steps)).toEqual({
      config: 'done',
      account: 'done',
      enrolment: 'skipped',
      budget: 'done',
      access: 'done',
      bootstrap: 'skipped',
      environment: 'done',
    });
    // The same AWS account (AWS keeps its name and root e-mail), back in the developer OU.
    expect(r.org.accounts.size).toBe(accounts);
    expect(bobAccount(r)).toEqual({ Id: id, ou: 'Sandbox' });
    const tags = view(r).accounts.find((a) => a.name === 'dev-bob')!.tags;
    expect(tags['estate:owner']).toBe('carol@acme.example.com');
    expect(tags['estate:recycled']).toBeUndefined();
    expect(tags['estate:recycled-from']).toBe('dev-bob');
    const config = r.config.current();
    expect(config.accounts.find((a) => a.name === 'dev-bob')).toBeUndefined();
    expect(config.accounts.find((a) => a.name === 'dev-carol')).toMatchObject({ id, ou: 'Sandbox' });
    // The old name's budget goes (it alerted bob), the new one is there.
    expect(budgetNames(r)).toContain('estate-dev-carol-monthly');
    expect(budgetNames(r)).not.toContain('estate-dev-bob-monthly');
    expect(r.ic.assigned).toEqual([
      { accountId: id, permissionSetArn: expect.any(String), principal: { type: 'USER', id: 'u-carol' } },
    ]);
    expect(r.deployed.has('dev-carol-dev')).toBe(true);
    expect(result.welcome).toMatchObject({ accountId: id, accountName: 'dev-carol' });
  });

  it('does nothing on a re-run of the same hand-over', async () => {
    const r = await parked();
    await onboardDeveloper(r.deps, carol());
    r.org.resetCounters();
    const writes = r.config.writes;
    const mutations = r.ic.mutations.length;
    const again = await onboardDeveloper(r.deps, carol());
    expect(statuses(again), JSON.stringify(again.steps)).toEqual({
      config: 'already',
      account: 'already',
      enrolment: 'skipped',
      budget: 'already',
      access: 'already',
      bootstrap: 'skipped',
      environment: 'already',
    });
    expect(r.config.writes).toBe(writes);
    expect(r.org.mutatingCalls()).toBe(0);
    expect(r.ic.mutations.length).toBe(mutations);
  });

  it('stops when the move fails, leaving estate.yaml handed over, and a re-run moves it', async () => {
    const r = await parked();
    r.org.failNext(
      'MoveAccount',
      Object.assign(new Error('access denied (injected)'), {
        name: 'AccessDeniedException',
        $fault: 'client',
      }),
    );
    const first = await onboardDeveloper(r.deps, carol());
    expect(statuses(first)).toMatchObject({ config: 'done', account: 'failed', budget: 'not-reached' });
    expect(bobAccount(r)!.ou).toBe('Suspended');
    const second = await onboardDeveloper(r.deps, carol());
    expect(statuses(second), JSON.stringify(second.steps)).toMatchObject({
      config: 'already',
      account: 'done',
      budget: 'done',
      access: 'done',
      environment: 'done',
    });
    expect(bobAccount(r)!.ou).toBe('Sandbox');
  });

  it('changes nothing on a dry run and says it would move the parked account, not create one', async () => {
    const r = await parked();
    const writes = r.config.writes;
    const result = await onboardDeveloper(r.deps, carol({ dryRun: true }));
    expect(
      result.steps.every((s) => s.status === 'planned'),
      JSON.stringify(result.steps),
    ).toBe(true);
    const account = result.steps.find((s) => s.step === 'account')!.detail;
    expect(account).toContain(`from Suspended to Sandbox`);
    expect(account).not.toContain('create account');
    expect(r.config.writes).toBe(writes);
    expect(r.org.mutatingCalls()).toBe(0);
    expect(bobAccount(r)!.ou).toBe('Suspended');
  });

  it('refuses an account that was not offboarded, naming --recycle and the offboard command, and changes nothing', async () => {
    const r = await onboarded();
    r.org.resetCounters();
    const writes = r.config.writes;
    const result = await onboardDeveloper(r.deps, carol());
    expect(statuses(result)).toMatchObject({ config: 'failed', account: 'not-reached' });
    const detail = result.steps[0]!.detail;
    expect(detail).toContain('--recycle dev-bob');
    expect(detail).toContain('not in Suspended');
    expect(r.config.writes).toBe(writes);
    expect(r.org.mutatingCalls()).toBe(0);
  });

  it('refuses an account estate.yaml marks recycled but AWS does not (moved back by hand)', async () => {
    const r = await parked();
    r.org.moveByHand(bobAccount(r)!.Id, 'Sandbox');
    const result = await onboardDeveloper(r.deps, carol());
    expect(statuses(result).config).toBe('failed');
    expect(result.steps[0]!.detail).toMatch(
      /--recycle dev-bob: account \d{12} is not offboarded: it is in Sandbox, not in Suspended/,
    );
  });
});

describe('offboardDeveloper and environments estate.yaml no longer declares', () => {
  it('Given the environment taken out of estate.yaml by hand, When offboarding with --no-config-write, Then the one still deployed in the account is reaped', async () => {
    const r = await onboarded();
    const reaped: string[] = [];
    const deps: OffboardDeps = {
      ...r.offboardDeps,
      // As reapUndeclared does: what is deployed in the account but not declared there.
      reapUndeclared: async (c, account, dryRun) => ({
        environments: [...r.deployed]
          .filter((name) => !c.environments.some((e) => e.name === name && e.account === account))
          .map((name) => {
            if (dryRun) return { environment: name, status: 'dry-run' };
            r.deployed.delete(name);
            reaped.push(name);
            return { environment: name, status: 'destroyed' };
          }),
      }),
    };
    // The platform engineer's hand edit: recycled, its environment gone.
    const raw = (r.config as any).raw;
    raw.environments = [];
    await r.config.recycle(leave(), true);
    const result = await offboardDeveloper(deps, leave({ configWrite: false }));
    expect(statuses(result), JSON.stringify(result.steps)).toMatchObject({
      environments: 'done',
      config: 'skipped',
      organisation: 'done',
    });
    expect(result.steps[0]!.detail).toBe('destroyed dev-bob-dev (not in estate.yaml: dev-bob-dev)');
    expect(reaped).toEqual(['dev-bob-dev']);
    const again = await offboardDeveloper(deps, leave({ configWrite: false }));
    expect(statuses(again).environments).toBe('already');
  });
});
