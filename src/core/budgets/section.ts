/**
 * The "budgets" section of `estate plan` / `estate apply`: reads estate's budgets (and
 * only names the others), plans with the pure planner, and applies its own changes in
 * dependency order — cost allocation tags, the deny SCP, budgets, budget actions, budget
 * deletions, the SCP's deletion. Account ids unknown at plan time (accounts created in
 * the same apply) are resolved from `context.outputs.accountIds` when the change runs.
 */
import { parseDuration } from '../../config/rules.js';
import type { EstateConfig } from '../../config/schema.js';
import { EstateError } from '../../errors.js';
import { settleConcurrent } from '../concurrency.js';
import type { Task } from '../io.js';
import {
  type ChangeHandler,
  type ChangeHandlers,
  executeChanges,
  newExecutionState,
} from '../plan/execute.js';
import { costExplorerBill } from '../cost/cache.js';
import type { ApplyContext, PlanSection, SectionContext } from '../plan/section.js';
import type { Change, ChangeResult } from '../plan/types.js';
import {
  ACTION_ROLE_POLICY_NAME,
  DEFAULT_ACTION_ROLE_NAME,
  DENY_POLICY_NAME,
  ENFORCE_THRESHOLD_PERCENT,
  POLICY_ID_AT_APPLY,
  actionRoleManaged,
  roleNameOf,
  accountBudgetName,
  envBudgetName,
  type DesiredBudgets,
  costAllocationTagKeys,
  desiredBudgets,
  isOwnedBudget,
  type AccountRef,
} from './desired.js';
import {
  SECTION_BUDGETS,
  planBudgets,
  type ActionPayload,
  type ActionRolePayload,
  type BudgetCreatePayload,
  type BudgetDeletePayload,
  type BudgetUpdatePayload,
  type BudgetsSnapshot,
  type FilterPayload,
  type FiredAction,
  type HomeRef,
  type LiveBudget,
  type PolicyPayload,
  type TagActivationPayload,
} from './planner.js';
import { denyPolicyDocument } from './policy-document.js';
import type {
  ActionRolePort,
  BudgetDetails,
  BudgetFilter,
  BudgetsPort,
  CostAllocationTagsPort,
  EnforcementPolicyPort,
  LiveActionRole,
  ScpActionSpec,
} from './ports.js';

export interface BudgetsSectionDeps {
  /** Budgets in the management account and, through the assumed role, in member accounts. */
  readonly budgets: BudgetsPort;
  /** Cost Explorer in the management (payer) account. */
  readonly costAllocationTags: CostAllocationTagsPort;
  /** Organizations in the management account: the deny-new-resources SCP. */
  readonly enforcementPolicy: EnforcementPolicyPort;
  /**
   * IAM in the management account: the role AWS Budgets assumes to run the action. Needed
   * only when an account enforces (`enforce: deny-new-resources`).
   */
  readonly actionRoles?: ActionRolePort;
  /** Used when organization.managementAccountId is not set: the caller's account. */
  readonly managementAccountId: () => Promise<string>;
  /** The deny SCP document; defaults to templates/policies/budget-deny-new-resources.json. */
  readonly policyDocument?: string;
  /** Waits between retries (tests pass a fake clock). @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Accounts read at once under placement member. @default 8 */
  readonly readConcurrency?: number;
}

const ACTION_ROLE_DESCRIPTION =
  'estate: assumed by AWS Budgets to attach the deny-new-resources SCP when an account reaches its budget';

/** Environments that live less than this are too short-lived for budgets to guard. */
const SHORT_LIVED_MS = 7 * 86_400_000;

export function budgetsSection(deps: BudgetsSectionDeps): PlanSection<BudgetsSnapshot> {
  let document: string | undefined = deps.policyDocument;
  const policyDocument = () => (document ??= denyPolicyDocument());
  let management: Promise<string> | undefined;
  const managementId = (config: EstateConfig) =>
    (management ??= config.organization.managementAccountId
      ? Promise.resolve(config.organization.managementAccountId)
      : deps.managementAccountId());

  return {
    name: SECTION_BUDGETS,

    async read(context) {
      const { config } = context;
      const mgmt = await managementId(config);
      const homes = [mgmt];
      if (config.budgets?.placement === 'member')
        for (const account of inAccountScope(config, context)) {
          const id = account.id ?? context.outputs.accountIds.get(account.name);
          if (id && !homes.includes(id)) homes.push(id);
        }
      const [budgetLists, costAllocationTags, denyPolicy, actionRole] = await Promise.all([
        settleConcurrent(homes, deps.readConcurrency ?? 8, (home) => readHome(deps.budgets, home)),
        deps.costAllocationTags.listCostAllocationTags(costAllocationTagKeys(config)),
        deps.enforcementPolicy.findPolicy(DENY_POLICY_NAME),
        readActionRole(deps.actionRoles, config, context.outputs.accountIds, mgmt),
      ]);
      const failed = budgetLists.flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
      if (failed.length) throw failed[0];
      const budgets = budgetLists.flatMap((r) => (r.status === 'fulfilled' ? r.value : []));
      return {
        managementAccountId: mgmt,
        homesRead: homes,
        budgets,
        costAllocationTags,
        ...(denyPolicy ? { denyPolicy } : {}),
        ...(actionRole ? { actionRole } : {}),
      };
    },

    empty(context) {
      return {
        managementAccountId: context.config.organization.managementAccountId ?? '',
        homesRead: [],
        budgets: [],
        costAllocationTags: [],
      };
    },

    plan(snapshot, context) {
      return planBudgets({
        config: context.config,
        accountIds: context.outputs.accountIds,
        snapshot,
        policyDocument: policyDocument(),
      });
    },

    accountsOf: (change, context) => budgetAccounts(change, context.config),

    notes(snapshot, changes, context) {
      const notes = budgetNotes(snapshot, changes, context);
      const requests = context.offline ? undefined : deps.costAllocationTags.requestCount?.();
      if (requests)
        notes.push(
          `Reading the cost allocation tags took ${costExplorerBill(requests)} (Cost Explorer bills every request).`,
        );
      return notes;
    },

    async apply(changes, context) {
      return applyBudgetChanges(deps, changes, context, () => managementId(context.config));
    },
  };
}

/** `--account`: a member-placed estate reads only the scoped accounts' budgets. */
const inAccountScope = (config: EstateConfig, context: SectionContext) =>
  context.scope.accounts?.length
    ? config.accounts.filter((a) => context.scope.accounts!.includes(a.name))
    : config.accounts;

/**
 * The account a budget change concerns: the account of an account budget, the account an
 * environment lives in for an environment budget. The SCP, the action role and the cost
 * allocation tags serve every account.
 */
function budgetAccounts(change: Change, config: EstateConfig): string[] {
  if (change.resourceType !== 'budget' && change.resourceType !== 'budget-action') return [];
  const budget = change.payload.budget ?? change.payload.name;
  const account = config.accounts.find((a) => accountBudgetName(a.name) === budget)?.name;
  const env = config.environments.find((e) => envBudgetName(e.name) === budget)?.account;
  return [account ?? env].filter((n) => n !== undefined);
}

/**
 * The execution role, read only when an account enforces. estate's own role may be
 * missing (the plan creates it); a role named in budgets.actionRoleArn is the user's, so
 * it must exist, sit in the management account and trust AWS Budgets, or the plan fails.
 */
async function readActionRole(
  port: ActionRolePort | undefined,
  config: EstateConfig,
  accountIds: ReadonlyMap<string, string>,
  mgmt: string,
): Promise<LiveActionRole | undefined> {
  const desired = desiredBudgets(config, accountIds, mgmt);
  if (!desired.budgets.some((b) => b.enforce)) return undefined;
  const arn = desired.actionRoleArn;
  const name = roleNameOf(arn);
  const role = await needRoles(port).describeRole(name, ACTION_ROLE_POLICY_NAME);
  if (actionRoleManaged(config)) return role;
  const fix = `create it in the management account ${mgmt} with a trust policy for budgets.amazonaws.com and permission to organizations:AttachPolicy and organizations:DetachPolicy on SCP ${DENY_POLICY_NAME}, or remove budgets.actionRoleArn and estate creates ${DEFAULT_ACTION_ROLE_NAME} itself`;
  const roleAccount = /^arn:[^:]+:iam::(\d{12}):/.exec(arn)?.[1];
  if (roleAccount && roleAccount !== mgmt)
    throw new EstateError(
      `budgets.actionRoleArn ${arn} is in account ${roleAccount}, but AWS Budgets runs the action with a role in the budget's account, the management account ${mgmt}`,
      { code: 'ActionRoleAccount', source: 'user', suggestions: [fix] },
    );
  if (!role)
    throw new EstateError(`budgets.actionRoleArn ${arn} does not exist, so the budget action could not run`, {
      code: 'ActionRoleMissing',
      source: 'user',
      suggestions: [fix],
    });
  if (!role.trustPolicy.includes('budgets.amazonaws.com'))
    throw new EstateError(
      `budgets.actionRoleArn ${arn} does not trust budgets.amazonaws.com, so AWS Budgets cannot assume it`,
      {
        code: 'ActionRoleUntrusted',
        source: 'user',
        suggestions: [fix],
      },
    );
  return role;
}

function needRoles(port: ActionRolePort | undefined): ActionRolePort {
  if (!port)
    throw new EstateError('the budgets section was built without IAM, which a budget action needs', {
      code: 'NoIamPort',
      source: 'internal',
    });
  return port;
}

async function readHome(port: BudgetsPort, home: string): Promise<LiveBudget[]> {
  const all = await port.listBudgets(home);
  const owned = all.filter((b) => isOwnedBudget(b.name)).map((b) => b.name);
  const details = owned.length ? await port.describeBudgets(home, owned) : new Map<string, BudgetDetails>();
  // Spend moves every few hours; keeping it out of the snapshot keeps `apply --plan` from
  // calling an unchanged estate stale.
  return all.map(({ actualUsd: _a, forecastUsd: _f, ...b }) => {
    const d = details.get(b.name);
    return d ? { ...b, home, details: d } : { ...b, home };
  });
}

// ---------------------------------------------------------------- notes

/** The budgets (and enforcement) that watch an environment's spend, in words. */
function guardsOf(env: EstateConfig['environments'][number], desired: DesiredBudgets): string {
  const guards: string[] = [];
  const own = desired.budgets.find((b) => b.name === envBudgetName(env.name));
  if (own) guards.push(`budget ${own.name}`);
  const account = desired.budgets.find((b) => b.name === accountBudgetName(env.account));
  if (account)
    guards.push(
      `account budget ${account.name}${account.enforce ? ` (denies new resources at ${ENFORCE_THRESHOLD_PERCENT} %)` : ''}`,
    );
  return guards.length ? guards.join(' and ') : 'no budget at all';
}

/** What ends short-lived environments on time: the reaper from CI, or the lifecycle stack in the account. */
function expiryGuard(envs: readonly EstateConfig['environments'][number][]): string {
  const onAws = envs.filter((e) => e.executor === 'aws').map((e) => e.name);
  const onCi = envs.filter((e) => e.executor !== 'aws').map((e) => e.name);
  return [
    onCi.length
      ? `\`estate env reap\` destroys ${onCi.join(', ')} once expired, when CI runs it on a schedule (\`estate init --ci github|gitlab\` writes the workflow)`
      : '',
    onAws.length ? `the estate-lifecycle stack in the account destroys ${onAws.join(', ')} at expiry` : '',
  ]
    .filter(Boolean)
    .join('; ');
}

export function budgetNotes(
  snapshot: BudgetsSnapshot,
  changes: readonly Change[],
  context: SectionContext,
): string[] {
  const { config } = context;
  const notes: string[] = [];
  const desired = desiredBudgets(config, context.outputs.accountIds, snapshot.managementAccountId);

  const shortLived = config.environments.filter((e) => {
    const ms = e.ttl ? parseDuration(e.ttl) : undefined;
    return ms !== undefined && ms <= SHORT_LIVED_MS;
  });
  const unguarded = config.environments.filter((e) => e.size === 'dev' && !e.ttl && !e.expires);
  notes.push(
    'Budgets and Cost Explorer data refresh up to three times a day: an alert or a budget action can come a day after the spend.' +
      (shortLived.length
        ? ` ${shortLived.map((e) => `${e.name} (ttl ${e.ttl})`).join(', ')} live${shortLived.length === 1 ? 's' : ''} too briefly for a budget to guard: ${expiryGuard(shortLived)}. What also watches ${shortLived.length === 1 ? 'it' : 'them'}, a day late: ${shortLived.map((e) => `${e.name}: ${guardsOf(e, desired)}`).join('; ')}.`
        : '') +
      (unguarded.length
        ? ` Dev environments without a ttl or expires (${unguarded.map((e) => e.name).join(', ')}) are watched only by budgets: give them a ttl.`
        : ''),
  );

  const tagKeys = desired.costAllocationTags;
  const activating = changes.filter((c) => c.resourceType === 'cost-allocation-tag').map((c) => c.address);
  if (context.offline)
    notes.push(
      `estate activates the cost allocation tags ${tagKeys.join(', ')} (Cost Explorer UpdateCostAllocationTagsStatus); budgets and cost reports can filter by them up to 24 hours after activation.`,
    );
  else {
    if (activating.length)
      notes.push(
        `Activating cost allocation tags takes up to 24 hours: until then the estate:env budgets count nothing.`,
      );
    const unseen = tagKeys.filter((k) => !snapshot.costAllocationTags.some((t) => t.key === k));
    if (unseen.length)
      notes.push(
        `Cost allocation tag${unseen.length === 1 ? '' : 's'} ${unseen.join(', ')} ${unseen.length === 1 ? 'has' : 'have'} not appeared in billing data yet, so AWS cannot activate ${unseen.length === 1 ? 'it' : 'them'}; the first apply after tagged resources are billed (usually within a day) will.`,
      );
  }

  if (desired.unbudgetedAccounts.length)
    notes.push(
      `No budget for ${desired.unbudgetedAccounts.join(', ')}: nothing watches ${desired.unbudgetedAccounts.length === 1 ? 'its' : 'their'} spend. Set budgets.byKind.<kind>.monthlyUsd or accounts[].budget.monthlyUsd.`,
    );
  if (desired.withoutSubscribers.length)
    notes.push(
      `${desired.withoutSubscribers.join(', ')} alert${desired.withoutSubscribers.length === 1 ? 's' : ''} nobody: set budgets.alertEmails or budgets.snsTopicArn.`,
    );
  if (desired.budgets.some((b) => b.enforce))
    notes.push(
      actionRoleManaged(config)
        ? `Budget actions run as ${desired.actionRoleArn}, which estate creates and keeps: it trusts only budgets.amazonaws.com for this account and may only attach and detach SCP ${DENY_POLICY_NAME}. The caller needs iam:CreateRole, iam:PutRolePolicy and iam:PassRole on it.`
        : `Budget actions run as ${desired.actionRoleArn} (budgets.actionRoleArn): estate checked that it exists and trusts budgets.amazonaws.com; it must allow organizations:AttachPolicy and organizations:DetachPolicy on SCP ${DENY_POLICY_NAME}.`,
    );
  if (config.budgets?.snsTopicArn || Object.values(config.budgets?.byKind ?? {}).some((k) => k?.snsTopicArn))
    notes.push(
      'SNS topics receiving budget alerts need a topic policy that lets budgets.amazonaws.com publish.',
    );
  const foreign = snapshot.budgets.filter((b) => !isOwnedBudget(b.name));
  if (foreign.length)
    notes.push(
      `${foreign.length} budget${foreign.length === 1 ? '' : 's'} not named estate-… (${foreign
        .slice(0, 5)
        .map((b) => b.name)
        .join(', ')}${foreign.length > 5 ? ', …' : ''}) ${foreign.length === 1 ? 'is' : 'are'} left alone.`,
    );
  return notes;
}

// ---------------------------------------------------------------- apply

const PHASES: readonly ((c: Change) => boolean)[] = [
  (c) => c.resourceType === 'cost-allocation-tag',
  (c) => c.resourceType === 'policy' && c.action !== 'delete',
  (c) => c.resourceType === 'budget-action-role',
  (c) => c.resourceType === 'budget' && c.action !== 'delete',
  (c) => c.resourceType === 'budget-action',
  (c) => c.resourceType === 'budget' && c.action === 'delete',
  (c) => c.resourceType === 'policy' && c.action === 'delete',
];

interface ApplyState {
  readonly context: ApplyContext;
  readonly managementId: () => Promise<string>;
  readonly policyIds: Map<string, string>;
  /** Set once estate's execution role was created in this apply (IAM is eventually consistent). */
  roleCreated: boolean;
}

/** Waits before each retry of CreateBudgetAction while a role created moments ago propagates. */
const ROLE_PROPAGATION_DELAYS_MS = [2_000, 4_000, 8_000, 15_000, 30_000];
const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function applyBudgetChanges(
  deps: BudgetsSectionDeps,
  changes: readonly Change[],
  context: ApplyContext,
  managementId: () => Promise<string>,
): Promise<ChangeResult[]> {
  const state: ApplyState = { context, managementId, policyIds: new Map(), roleCreated: false };
  const mine = changes.filter((c) => c.section === SECTION_BUDGETS);
  const phase = (c: Change) => PHASES.findIndex((p) => p(c));
  const known = mine.filter((c) => phase(c) >= 0);
  // Each phase waits for the one before it; only an explicit dependency skips a change.
  const byPhase = PHASES.map((_, i) => known.filter((c) => phase(c) === i).map((c) => c.address));
  const previous = (c: Change) => byPhase.slice(0, phase(c)).findLast((addresses) => addresses.length) ?? [];
  const execution = newExecutionState();
  for (const c of mine) if (phase(c) < 0) execution.statuses.set(c.address, 'skipped');
  const applied = await executeChanges(known, {
    state: execution,
    io: context.io,
    handlers: budgetHandlers(deps, state),
    concurrency: context.concurrency,
    after: previous,
    skipMessage: (blocker) => `not applied: ${blocker} did not succeed`,
    errorMessage: (error) => (error as Error)?.message ?? String(error),
  });
  const results = new Map(applied.map((r) => [r.address, r]));
  return mine.map(
    (c) =>
      results.get(c.address) ?? {
        address: c.address,
        status: 'skipped',
        message: `unknown change ${c.resourceType}`,
      },
  );
}

/**
 * A role created moments ago is not usable by AWS Budgets at once (IAM is eventually
 * consistent): while it propagates, CreateBudgetAction is refused (invalid role, access
 * denied). Only then, and only for a role this apply created, is it retried with backoff.
 */
async function createActionOnceRoleIsUsable(
  deps: BudgetsSectionDeps,
  state: ApplyState,
  task: Task,
  create: () => Promise<string>,
): Promise<string> {
  const sleep = deps.sleep ?? sleepFor;
  for (let attempt = 0; ; attempt++) {
    try {
      return await create();
    } catch (error) {
      const code = (error as { code?: string })?.code;
      const propagating = code === 'InvalidParameterException' || code === 'AccessDenied';
      if (!state.roleCreated || !propagating || attempt >= ROLE_PROPAGATION_DELAYS_MS.length) throw error;
      await task.update(`the execution role created moments ago is not usable yet (${code}); retrying`);
      await sleep(ROLE_PROPAGATION_DELAYS_MS[attempt]!);
    }
  }
}

function unresolved(what: string, name: string): EstateError {
  return new EstateError(`account ${name} has no id yet, so ${what} cannot be applied`, {
    code: 'AccountIdUnknown',
    source: 'aws',
    suggestions: [`check that account ${name} was created (estate org status), then run estate apply again`],
  });
}

async function homeId(home: HomeRef, state: ApplyState): Promise<string> {
  if (home.accountId) return home.accountId;
  if (home.account) {
    const id =
      state.context.outputs.accountIds.get(home.account) ??
      state.context.config.accounts.find((a) => a.name === home.account)?.id;
    if (!id) throw unresolved(`its budget in that account`, home.account);
    return id;
  }
  return state.managementId();
}

function accountId(ref: AccountRef, state: ApplyState, what: string): string {
  const id = ref.id ?? state.context.outputs.accountIds.get(ref.name);
  if (!id) throw unresolved(what, ref.name);
  return id;
}

function resolveFilter(filter: FilterPayload, state: ApplyState, budget: string): BudgetFilter {
  return {
    ...(filter.linkedAccount
      ? { linkedAccount: accountId(filter.linkedAccount, state, `budget ${budget}`) }
      : {}),
    ...(filter.tag ? { tag: filter.tag } : {}),
  };
}

async function detachFired(deps: BudgetsSectionDeps, fired: FiredAction | undefined): Promise<void> {
  if (!fired?.policyId) return;
  for (const target of fired.targetIds) await deps.enforcementPolicy.detachPolicy(fired.policyId, target);
}

type Handler = (
  deps: BudgetsSectionDeps,
  change: Change,
  state: ApplyState,
  task: Task,
) => Promise<Record<string, string> | undefined>;

/** One handler per (resource type, action) of the budgets section. */
function budgetHandlers(deps: BudgetsSectionDeps, state: ApplyState): ChangeHandlers {
  const bind =
    (handler: Handler): ChangeHandler =>
    (change, task) =>
      handler(deps, change, state, task);
  return {
    'cost-allocation-tag/update': bind(activateTag),
    'policy/create': bind(createPolicy),
    'policy/update': bind(updatePolicy),
    'policy/delete': bind(deletePolicy),
    'budget-action-role/create': bind(putActionRole),
    'budget-action-role/update': bind(putActionRole),
    'budget/create': bind(createBudget),
    'budget/update': bind(updateBudget),
    'budget/delete': bind(deleteBudget),
    'budget-action/create': bind(putAction),
    'budget-action/update': bind(putAction),
    'budget-action/delete': bind(deleteAction),
  };
}

const activateTag: Handler = async (deps, change) => {
  const { key } = change.payload as TagActivationPayload;
  const refused = await deps.costAllocationTags.activateCostAllocationTags([key]);
  if (refused.length)
    throw new EstateError(`AWS did not activate cost allocation tag ${key}: ${refused[0]!.reason}`, {
      code: 'TagActivationRefused',
      source: 'aws',
      suggestions: ['a tag key can be activated once resources carrying it appear in billing data'],
    });
  return undefined;
};

const createPolicy: Handler = async (deps, change, state) => {
  const p = change.payload as PolicyPayload;
  const id = await deps.enforcementPolicy.createPolicy(p.name, p.description ?? '', p.content ?? '');
  state.policyIds.set(p.name, id);
  return { policyId: id };
};

const updatePolicy: Handler = async (deps, change) => {
  const p = change.payload as PolicyPayload;
  await deps.enforcementPolicy.updatePolicy(p.policyId!, p.content ?? '');
  return undefined;
};

const deletePolicy: Handler = async (deps, change) => {
  const p = change.payload as PolicyPayload;
  for (const target of p.detachFrom ?? []) await deps.enforcementPolicy.detachPolicy(p.policyId!, target);
  await deps.enforcementPolicy.deletePolicy(p.policyId!);
  return undefined;
};

/** The deny SCP's id: created in this apply, or found by name. */
async function policyIdOf(deps: BudgetsSectionDeps, state: ApplyState, name: string, why: string) {
  const id = state.policyIds.get(name) ?? (await deps.enforcementPolicy.findPolicy(name))?.id;
  if (!id)
    throw new EstateError(`SCP ${name} does not exist, so ${why}`, {
      code: 'PolicyMissing',
      source: 'aws',
      suggestions: ['run estate apply again: it creates the policy first'],
    });
  return id;
}

const putActionRole: Handler = async (deps, change, state) => {
  const p = change.payload as ActionRolePayload;
  const roles = needRoles(deps.actionRoles);
  let updateTrust = p.updateTrust;
  if (p.create) {
    updateTrust = (await roles.createRole(p.name, p.trustPolicy, ACTION_ROLE_DESCRIPTION)).existed;
    if (!updateTrust) state.roleCreated = true;
  }
  if (updateTrust) await roles.updateTrustPolicy(p.name, p.trustPolicy);
  if (p.updatePermissions) {
    let permissions = p.permissions;
    if (permissions.includes(POLICY_ID_AT_APPLY)) {
      const id = await policyIdOf(deps, state, DENY_POLICY_NAME, `role ${p.name} cannot be scoped to it`);
      permissions = permissions.split(POLICY_ID_AT_APPLY).join(id);
    }
    await roles.putRolePolicy(p.name, p.policyName, permissions);
  }
  return undefined;
};

const createBudget: Handler = async ({ budgets }, change, state) => {
  const p = change.payload as BudgetCreatePayload;
  const home = await homeId(p.home, state);
  const filter = resolveFilter(p.filter, state, p.name);
  const budget = { name: p.name, amountUsd: p.amountUsd, filter };
  const { existed } = await budgets.createBudget(home, { ...budget, notifications: p.notifications });
  if (existed) {
    // Created since the plan (a rerun, another operator): converge instead of failing.
    await budgets.updateBudget(home, budget);
    for (const n of p.notifications) {
      const made = await budgets.createNotification(home, p.name, n);
      if (!made.existed) continue;
      for (const address of n.emails)
        await budgets.addSubscriber(home, p.name, n, { kind: 'EMAIL', address });
      if (n.snsTopicArn)
        await budgets.addSubscriber(home, p.name, n, { kind: 'SNS', address: n.snsTopicArn });
    }
  }
  return { accountId: home };
};

const updateBudget: Handler = async ({ budgets }, change, state) => {
  const p = change.payload as BudgetUpdatePayload;
  const home = await homeId(p.home, state);
  for (const step of p.steps) {
    switch (step.op) {
      case 'updateBudget':
        await budgets.updateBudget(home, {
          name: p.name,
          amountUsd: step.amountUsd,
          filter: resolveFilter(step.filter, state, p.name),
        });
        break;
      case 'deleteNotification':
        await budgets.deleteNotification(home, p.name, step.notification);
        break;
      case 'createNotification':
        await budgets.createNotification(home, p.name, step.notification);
        break;
      case 'addSubscriber':
        await budgets.addSubscriber(home, p.name, step.notification, step.subscriber);
        break;
      case 'removeSubscriber':
        await budgets.removeSubscriber(home, p.name, step.notification, step.subscriber);
        break;
    }
  }
  return undefined;
};

const deleteBudget: Handler = async (deps, change, state) => {
  const p = change.payload as BudgetDeletePayload;
  const home = await homeId(p.home, state);
  for (const action of p.actions) {
    await detachFired(deps, action);
    await deps.budgets.deleteAction(home, p.name, action.actionId);
  }
  await deps.budgets.deleteBudget(home, p.name);
  return undefined;
};

const deleteAction: Handler = async (deps, change, state) => {
  const p = change.payload as ActionPayload;
  const home = await homeId(p.home, state);
  await detachFired(deps, p.detach);
  await deps.budgets.deleteAction(home, p.budget, p.actionId!);
  return undefined;
};

const putAction: Handler = async (deps, change, state, task) => {
  const p = change.payload as ActionPayload;
  const home = await homeId(p.home, state);
  const spec = p.spec!;
  const policyId =
    spec.policy.id ?? (await policyIdOf(deps, state, spec.policy.name, 'the budget action cannot attach it'));
  const action: ScpActionSpec = {
    notificationType: spec.notificationType,
    thresholdPercent: spec.thresholdPercent,
    policyId,
    targetIds: [accountId(spec.target, state, `the budget action on ${p.budget}`)],
    executionRoleArn: spec.executionRoleArn,
    approvalModel: spec.approvalModel,
    subscribers: spec.subscribers,
  };
  if (change.action === 'create') {
    const actionId = await createActionOnceRoleIsUsable(deps, state, task, () =>
      deps.budgets.createScpAction(home, p.budget, action),
    );
    return { actionId };
  }
  await deps.budgets.updateScpAction(home, p.budget, p.actionId!, action);
  return undefined;
};
