/**
 * Budgets planner: (desired budgets, live snapshot) → typed changes. Pure.
 *
 * - Only budgets named `estate-…` are ever updated or deleted; every other budget in the
 *   account is left alone, whatever it watches.
 * - A budget's changes are one `budget` change whose payload lists the exact calls the
 *   applier makes, in order (notifications removed before others are added, so the
 *   10-per-budget limit is never crossed; subscribers removed before added, and a
 *   notification whose subscribers all change is replaced, so none is left without one).
 * - The deny-new-resources action is its own change, after the SCP it attaches exists.
 */
import type { EstateConfig } from '../../config/schema.js';
import type { Change } from '../plan/types.js';
import {
  ACTION_ROLE_POLICY_NAME,
  DENY_POLICY_DESCRIPTION,
  DENY_POLICY_NAME,
  ENFORCE_THRESHOLD_PERCENT,
  POLICY_ID_AT_APPLY,
  actionRoleManaged,
  actionRolePermissions,
  actionRoleTrustPolicy,
  roleNameOf,
  type AccountRef,
  type DesiredBudget,
  type DesiredFilter,
  compareNotifications,
  desiredBudgets,
  isOwnedBudget,
} from './desired.js';
import type {
  BudgetDetails,
  BudgetFilter,
  BudgetNotification,
  BudgetSummary,
  CostAllocationTagInfo,
  LiveActionRole,
  LiveBudgetAction,
  ScpInfo,
  Subscribers,
} from './ports.js';

export const SECTION_BUDGETS = 'budgets';

export interface LiveBudget extends BudgetSummary {
  /** Id of the account it lives in. */
  readonly home: string;
  /** Read for estate's own budgets only. */
  readonly details?: BudgetDetails;
}

export interface BudgetsSnapshot {
  /** '' when unknown (offline without organization.managementAccountId). */
  readonly managementAccountId: string;
  /** Accounts whose budgets were listed: the management account, members under placement member. */
  readonly homesRead: readonly string[];
  readonly budgets: readonly LiveBudget[];
  /** Status of estate's cost allocation tag keys; a key absent here has not appeared in billing data. */
  readonly costAllocationTags: readonly CostAllocationTagInfo[];
  readonly denyPolicy?: ScpInfo;
  /** estate's budget-action execution role, when it was read and exists. */
  readonly actionRole?: LiveActionRole;
}

/** Where a change acts: an account id when known, else the account name (resolved at apply time). */
export interface HomeRef {
  readonly label: string;
  readonly accountId?: string;
  /** Member account name, for an id resolved at apply time. */
  readonly account?: string;
}

export interface FilterPayload {
  readonly linkedAccount?: AccountRef;
  readonly tag?: { readonly key: string; readonly value: string };
}

export type Subscriber = { readonly kind: 'EMAIL' | 'SNS'; readonly address: string };

export type BudgetStep =
  | { readonly op: 'updateBudget'; readonly amountUsd: number; readonly filter: FilterPayload }
  | { readonly op: 'deleteNotification'; readonly notification: BudgetNotification }
  | { readonly op: 'createNotification'; readonly notification: BudgetNotification }
  | {
      readonly op: 'addSubscriber';
      readonly notification: BudgetNotification;
      readonly subscriber: Subscriber;
    }
  | {
      readonly op: 'removeSubscriber';
      readonly notification: BudgetNotification;
      readonly subscriber: Subscriber;
    };

export interface BudgetCreatePayload extends Record<string, unknown> {
  readonly home: HomeRef;
  readonly name: string;
  readonly amountUsd: number;
  readonly filter: FilterPayload;
  readonly notifications: readonly BudgetNotification[];
}

export interface BudgetUpdatePayload extends Record<string, unknown> {
  readonly home: HomeRef;
  readonly name: string;
  readonly amountUsd: number;
  readonly filter: FilterPayload;
  readonly steps: readonly BudgetStep[];
}

export interface FiredAction {
  readonly actionId: string;
  /** The SCP a fired action attached, and where: detached before the action goes. */
  readonly policyId?: string;
  readonly targetIds: readonly string[];
}

export interface BudgetDeletePayload extends Record<string, unknown> {
  readonly home: HomeRef;
  readonly name: string;
  readonly actions: readonly FiredAction[];
}

export interface ActionSpecPayload {
  readonly thresholdPercent: number;
  readonly notificationType: 'ACTUAL';
  readonly approvalModel: 'AUTOMATIC';
  readonly executionRoleArn: string;
  readonly subscribers: Subscribers;
  readonly policy: { readonly name: string; readonly id?: string };
  readonly target: AccountRef;
}

export interface ActionPayload extends Record<string, unknown> {
  readonly home: HomeRef;
  readonly budget: string;
  readonly actionId?: string;
  readonly spec?: ActionSpecPayload;
  /** For deletes of an action that fired: detach its SCP first. */
  readonly detach?: FiredAction;
}

export interface PolicyPayload extends Record<string, unknown> {
  readonly name: string;
  readonly policyId?: string;
  readonly description?: string;
  readonly content?: string;
  readonly detachFrom?: readonly string[];
}

/** Create or bring up to date the role AWS Budgets assumes to run estate's action. */
export interface ActionRolePayload extends Record<string, unknown> {
  readonly name: string;
  readonly trustPolicy: string;
  readonly policyName: string;
  /** May hold POLICY_ID_AT_APPLY when the deny SCP is created in the same apply. */
  readonly permissions: string;
  readonly create: boolean;
  readonly updateTrust: boolean;
  readonly updatePermissions: boolean;
}

export interface TagActivationPayload extends Record<string, unknown> {
  readonly key: string;
}

export const ADDRESS = {
  budget: (home: string, name: string) => `budget:${home}/${name}`,
  action: (budget: string, id?: string) => `budget-action:${budget}${id ? `#${id}` : ''}`,
  policy: () => `budget-scp:${DENY_POLICY_NAME}`,
  role: (name: string) => `budget-action-role:${name}`,
  tag: (key: string) => `cost-allocation-tag:${key}`,
};

const usd = (n: number) => `$${Number.isInteger(n) ? n : n.toFixed(2)}`;
const sameAmount = (a: number, b: number) => Math.abs(a - b) < 0.005;
const notificationLabel = (n: Pick<BudgetNotification, 'type' | 'thresholdPercent'>) =>
  `${n.type} ${n.thresholdPercent} %`;
const subscribersLabel = (s: Subscribers) =>
  [...s.emails, ...(s.snsTopicArn ? [s.snsTopicArn] : [])].join(', ') || '(none)';

function filterLabel(f: FilterPayload | BudgetFilter): string {
  const parts: string[] = [];
  const linked = (f as FilterPayload).linkedAccount;
  if (typeof linked === 'string') parts.push(`account ${linked}`);
  else if (linked) parts.push(`account ${linked.id ?? `${linked.name} (id at apply)`}`);
  if (f.tag) parts.push(`tag ${f.tag.key}=${f.tag.value}`);
  return parts.join(' and ') || 'all spend in the account';
}

function sameFilter(desired: DesiredFilter, live: BudgetSummary): boolean {
  if (live.otherFilters) return false;
  const liveLinked = live.filter.linkedAccount;
  if (desired.linkedAccount ? desired.linkedAccount.id !== liveLinked : liveLinked !== undefined)
    return false;
  const a = desired.tag;
  const b = live.filter.tag;
  return a?.key === b?.key && a?.value === b?.value;
}

const subscriberList = (s: Subscribers): Subscriber[] => [
  ...s.emails.map((address) => ({ kind: 'EMAIL' as const, address })),
  ...(s.snsTopicArn ? [{ kind: 'SNS' as const, address: s.snsTopicArn }] : []),
];
const subscriberKey = (s: Subscriber) => `${s.kind}:${s.address}`;
const notificationKey = (n: BudgetNotification) =>
  n.foreignShape
    ? `foreign:${n.foreignShape}:${n.type}:${n.thresholdPercent}`
    : `${n.type}:${n.thresholdPercent}`;

type Diff = { field: string; before?: unknown; after?: unknown };

/** The calls that take one live notification list to the desired one. */
function notificationSteps(
  desired: readonly BudgetNotification[],
  live: readonly BudgetNotification[],
): { steps: BudgetStep[]; diff: Diff[] } {
  const diff: Diff[] = [];
  const deletes: BudgetStep[] = [];
  const creates: BudgetStep[] = [];
  const removes: BudgetStep[] = [];
  const adds: BudgetStep[] = [];
  const liveByKey = new Map(live.map((n) => [notificationKey(n), n]));
  const wantedKeys = new Set(desired.map(notificationKey));
  const unmatchedDesired = desired.filter((n) => !liveByKey.has(notificationKey(n)));
  const unmatchedLive = live.filter((n) => !wantedKeys.has(notificationKey(n))).sort(compareNotifications);

  for (const want of desired) {
    const have = liveByKey.get(notificationKey(want));
    if (!have) continue;
    const wanted = subscriberList(want);
    const had = subscriberList(have);
    const wantedSet = new Set(wanted.map(subscriberKey));
    const hadSet = new Set(had.map(subscriberKey));
    const toAdd = wanted.filter((s) => !hadSet.has(subscriberKey(s)));
    const toRemove = had.filter((s) => !wantedSet.has(subscriberKey(s)));
    if (toAdd.length === 0 && toRemove.length === 0) continue;
    diff.push({
      field: `${notificationLabel(want)} subscribers`,
      before: subscribersLabel(have),
      after: subscribersLabel(want),
    });
    if (toRemove.length === had.length) {
      // Every subscriber changes: AWS keeps at least one per notification, so replace it.
      deletes.push({ op: 'deleteNotification', notification: have });
      creates.push({ op: 'createNotification', notification: want });
      continue;
    }
    for (const subscriber of toRemove)
      removes.push({ op: 'removeSubscriber', notification: have, subscriber });
    for (const subscriber of toAdd) adds.push({ op: 'addSubscriber', notification: want, subscriber });
  }

  // A threshold that moved reads better as one line than as a removal and an addition.
  const pending = [...unmatchedLive];
  for (const want of [...unmatchedDesired].sort(compareNotifications)) {
    const i = pending.findIndex((n) => n.type === want.type && !n.foreignShape);
    const old = i >= 0 ? pending.splice(i, 1)[0] : undefined;
    if (old) {
      diff.push({
        field: `${want.type} threshold`,
        before: `${old.thresholdPercent} %`,
        after: `${want.thresholdPercent} %`,
      });
      if (subscribersLabel(old) !== subscribersLabel(want))
        diff.push({
          field: `${notificationLabel(want)} subscribers`,
          before: subscribersLabel(old),
          after: subscribersLabel(want),
        });
      deletes.push({ op: 'deleteNotification', notification: old });
    } else {
      diff.push({ field: `notification ${notificationLabel(want)}`, after: subscribersLabel(want) });
    }
    creates.push({ op: 'createNotification', notification: want });
  }
  for (const old of pending) {
    diff.push({
      field: `notification ${notificationLabel(old)}${old.foreignShape ? ` (${old.foreignShape})` : ''}`,
      before: subscribersLabel(old),
    });
    deletes.push({ op: 'deleteNotification', notification: old });
  }
  return { steps: [...deletes, ...creates, ...removes, ...adds], diff };
}

function filterPayload(f: DesiredFilter): FilterPayload {
  return { ...(f.linkedAccount ? { linkedAccount: f.linkedAccount } : {}), ...(f.tag ? { tag: f.tag } : {}) };
}

function subjectLabel(b: DesiredBudget): string {
  return b.subject.type === 'account'
    ? `account ${b.subject.account}`
    : `environment ${b.subject.environment} in ${b.subject.account}`;
}

function sameSubscribers(a: Subscribers, b: Subscribers): boolean {
  return subscribersLabel(a) === subscribersLabel(b);
}

export interface BudgetsPlanInput {
  readonly config: EstateConfig;
  readonly accountIds: ReadonlyMap<string, string>;
  readonly snapshot: BudgetsSnapshot;
  /** The deny-new-resources SCP document, rendered. */
  readonly policyDocument: string;
}

/** JSON compared by meaning, not by whitespace. */
function sameDocument(a: string, b: string): boolean {
  try {
    return JSON.stringify(JSON.parse(a)) === JSON.stringify(JSON.parse(b));
  } catch {
    return a === b;
  }
}

/** What every part of the budgets plan reads. */
interface BudgetsDraft extends BudgetsPlanInput {
  readonly mgmt: BudgetsSnapshot['managementAccountId'];
  readonly desired: ReturnType<typeof desiredBudgets>;
  readonly mgmtHome: HomeRef;
  readonly livePolicy: BudgetsSnapshot['denyPolicy'];
  /** Some budget enforces: the deny SCP (and the action role) must exist. */
  readonly enforcing: boolean;
  readonly policyAddress: string;
}

export function planBudgets(input: BudgetsPlanInput): Change[] {
  const mgmt = input.snapshot.managementAccountId;
  const desired = desiredBudgets(input.config, input.accountIds, mgmt);
  const draft: BudgetsDraft = {
    ...input,
    mgmt,
    desired,
    mgmtHome: { label: 'management', ...(mgmt ? { accountId: mgmt } : {}) },
    livePolicy: input.snapshot.denyPolicy,
    enforcing: desired.budgets.some((b) => b.enforce),
    policyAddress: ADDRESS.policy(),
  };
  const { policyChanges, policyCreated } = planDenyPolicy(draft);
  const { roleChanges, roleAddress } = planActionRole(draft, policyCreated);

  const owned = input.snapshot.budgets.filter((b) => isOwnedBudget(b.name));
  const liveByKey = new Map(owned.map((b) => [`${b.home}/${b.name}`, b]));
  const kept = new Set<string>();
  const budgetChanges: Change[] = [];
  const actionChanges: Change[] = [];
  for (const want of desired.budgets) {
    const home = homeOf(draft, want);
    const address = ADDRESS.budget(home.label, want.name);
    const homeId = home.accountId;
    const live = homeId ? liveByKey.get(`${homeId}/${want.name}`) : undefined;
    if (live) kept.add(`${live.home}/${live.name}`);
    const change = live ? planBudgetUpdate(want, live, home, address) : planBudgetCreate(want, home, address);
    if (change) budgetChanges.push(change);
    actionChanges.push(
      ...planBudgetActions(draft, want, live, home, address, {
        budgetCreated: !live,
        policyCreated,
        roleAddress,
      }),
    );
  }
  const deletes = planDroppedBudgets(draft, owned, kept);
  const policyDelete = planPolicyDelete(draft, [...actionChanges, ...deletes]);
  if (policyDelete) policyChanges.push(policyDelete);
  const tagChanges = planTagActivations(draft);

  const policyFirst = policyChanges.filter((c) => c.action !== 'delete');
  const policyLast = policyChanges.filter((c) => c.action === 'delete');
  return [
    ...tagChanges,
    ...policyFirst,
    ...roleChanges,
    ...budgetChanges,
    ...actionChanges,
    ...deletes,
    ...policyLast,
  ];
}

function homeOf({ mgmtHome }: BudgetsDraft, b: DesiredBudget): HomeRef {
  return b.home.placement === 'management'
    ? mgmtHome
    : {
        label: b.home.account.name,
        account: b.home.account.name,
        ...(b.home.account.id ? { accountId: b.home.account.id } : {}),
      };
}

/** The deny-new-resources SCP: created unattached, or its document brought back in line. */
function planDenyPolicy(draft: BudgetsDraft): { policyChanges: Change[]; policyCreated: boolean } {
  const { livePolicy, enforcing, policyAddress, policyDocument } = draft;
  const policyChanges: Change[] = [];
  let policyCreated = false;
  if (enforcing && !livePolicy) {
    policyCreated = true;
    policyChanges.push({
      section: SECTION_BUDGETS,
      action: 'create',
      resourceType: 'policy',
      address: policyAddress,
      summary: `create SCP ${DENY_POLICY_NAME} (unattached; a budget action attaches it at ${ENFORCE_THRESHOLD_PERCENT} % of actual spend)`,
      payload: {
        name: DENY_POLICY_NAME,
        description: DENY_POLICY_DESCRIPTION,
        content: policyDocument,
      } satisfies PolicyPayload,
    });
  } else if (enforcing && livePolicy && !sameDocument(livePolicy.content, policyDocument)) {
    policyChanges.push({
      section: SECTION_BUDGETS,
      action: 'update',
      resourceType: 'policy',
      address: policyAddress,
      summary: `update SCP ${DENY_POLICY_NAME}: its document differs from templates/policies/budget-deny-new-resources.json`,
      diff: [{ field: 'content', before: livePolicy.content, after: policyDocument }],
      payload: {
        name: DENY_POLICY_NAME,
        policyId: livePolicy.id,
        content: policyDocument,
      } satisfies PolicyPayload,
    });
  }
  return { policyChanges, policyCreated };
}

/** The execution role the action runs as: estate creates its own, in the management account. */
function planActionRole(
  draft: BudgetsDraft,
  policyCreated: boolean,
): { roleChanges: Change[]; roleAddress: string | undefined } {
  const { config, mgmt, desired, snapshot, livePolicy, enforcing, policyAddress } = draft;
  const roleChanges: Change[] = [];
  let roleAddress: string | undefined;
  if (enforcing && actionRoleManaged(config)) {
    const name = roleNameOf(desired.actionRoleArn);
    const trustPolicy = actionRoleTrustPolicy(mgmt);
    const permissions = actionRolePermissions(
      config,
      mgmt,
      livePolicy && !policyCreated ? livePolicy.id : POLICY_ID_AT_APPLY,
    );
    const live = snapshot.actionRole;
    const updateTrust = !live || !sameDocument(live.trustPolicy, trustPolicy);
    const updatePermissions = !live?.permissions || !sameDocument(live.permissions, permissions);
    if (updateTrust || updatePermissions) {
      roleAddress = ADDRESS.role(name);
      roleChanges.push({
        section: SECTION_BUDGETS,
        action: live ? 'update' : 'create',
        resourceType: 'budget-action-role',
        address: roleAddress,
        summary: live
          ? `update IAM role ${name}: ${[updateTrust ? 'trust policy' : '', updatePermissions ? `policy ${ACTION_ROLE_POLICY_NAME}` : ''].filter(Boolean).join(', ')}`
          : `create IAM role ${name} for the budget action (trusts budgets.amazonaws.com; may only attach and detach SCP ${DENY_POLICY_NAME})`,
        ...(live
          ? {
              diff: [
                ...(updateTrust
                  ? [{ field: 'trust policy', before: live.trustPolicy, after: trustPolicy }]
                  : []),
                ...(updatePermissions
                  ? [
                      {
                        field: ACTION_ROLE_POLICY_NAME,
                        before: live.permissions ?? '(none)',
                        after: permissions,
                      },
                    ]
                  : []),
              ],
            }
          : {}),
        payload: {
          name,
          trustPolicy,
          policyName: ACTION_ROLE_POLICY_NAME,
          permissions,
          create: !live,
          updateTrust: Boolean(live) && updateTrust,
          updatePermissions: !live || updatePermissions,
        } satisfies ActionRolePayload,
        ...(policyCreated ? { dependsOn: [policyAddress] } : {}),
      });
    }
  }
  return { roleChanges, roleAddress };
}

function planBudgetCreate(want: DesiredBudget, home: HomeRef, address: string): Change {
  const filter = filterPayload(want.filter);
  const alerts = want.notifications.map(notificationLabel).join(', ');
  return {
    section: SECTION_BUDGETS,
    action: 'create',
    resourceType: 'budget',
    address,
    summary: `create budget ${want.name} (${subjectLabel(want)}): ${usd(want.amountUsd)}/month${
      home.label === 'management' ? '' : ` in ${home.label}`
    }, ${alerts ? `alerts at ${alerts}` : 'no alerts (no subscribers)'}`,
    payload: {
      home,
      name: want.name,
      amountUsd: want.amountUsd,
      filter,
      notifications: want.notifications,
    } satisfies BudgetCreatePayload,
  };
}

/** The budget's amount, filter and notifications where they differ; undefined when none do. */
function planBudgetUpdate(
  want: DesiredBudget,
  live: LiveBudget,
  home: HomeRef,
  address: string,
): Change | undefined {
  const filter = filterPayload(want.filter);
  const diff: Diff[] = [];
  const steps: BudgetStep[] = [];
  const budgetDiffers =
    !sameAmount(live.amountUsd, want.amountUsd) ||
    !sameFilter(want.filter, live) ||
    live.timeUnit !== 'MONTHLY' ||
    live.budgetType !== 'COST' ||
    Boolean(live.legacyFilters);
  if (!sameAmount(live.amountUsd, want.amountUsd))
    diff.push({ field: 'amountUsd', before: live.amountUsd, after: want.amountUsd });
  if (!sameFilter(want.filter, live))
    diff.push({
      field: 'filter',
      before: `${filterLabel(live.filter)}${live.otherFilters ? ' and other filters' : ''}`,
      after: filterLabel(filter),
    });
  if (live.timeUnit !== 'MONTHLY') diff.push({ field: 'timeUnit', before: live.timeUnit, after: 'MONTHLY' });
  if (live.legacyFilters)
    diff.push({
      field: 'filter format',
      before: 'CostFilters/CostTypes (deprecated)',
      after: 'FilterExpression with Metrics UnblendedCost',
    });
  if (budgetDiffers) steps.push({ op: 'updateBudget', amountUsd: want.amountUsd, filter });
  const notes = notificationSteps(want.notifications, live.details?.notifications ?? []);
  steps.push(...notes.steps);
  diff.push(...notes.diff);
  if (steps.length) {
    return {
      section: SECTION_BUDGETS,
      action: 'update',
      resourceType: 'budget',
      address,
      summary: `update budget ${want.name} (${subjectLabel(want)}): ${diff.map((d) => d.field).join(', ')}`,
      diff,
      payload: {
        home,
        name: want.name,
        amountUsd: want.amountUsd,
        filter,
        steps,
      } satisfies BudgetUpdatePayload,
    };
  }
  return undefined;
}

/** Budget actions: estate's budgets carry at most the one it wants. */
function planBudgetActions(
  draft: BudgetsDraft,
  want: DesiredBudget,
  live: LiveBudget | undefined,
  home: HomeRef,
  address: string,
  {
    budgetCreated,
    policyCreated,
    roleAddress,
  }: { budgetCreated: boolean; policyCreated: boolean; roleAddress?: string },
): Change[] {
  const { desired, livePolicy, policyAddress, mgmtHome } = draft;
  const actionChanges: Change[] = [];
  const liveActions = live?.details?.actions ?? [];
  let match: LiveBudgetAction | undefined;
  if (want.enforce) {
    const policy = { name: DENY_POLICY_NAME, ...(livePolicy ? { id: livePolicy.id } : {}) };
    const spec: ActionSpecPayload = {
      thresholdPercent: ENFORCE_THRESHOLD_PERCENT,
      notificationType: 'ACTUAL',
      approvalModel: 'AUTOMATIC',
      executionRoleArn: desired.actionRoleArn,
      subscribers: want.enforce.subscribers,
      policy,
      target: want.enforce.target,
    };
    match = liveActions.find((a) => a.actionType === 'APPLY_SCP_POLICY');
    const dependsOn = [
      ...(budgetCreated ? [address] : []),
      ...(policyCreated ? [policyAddress] : []),
      ...(roleAddress ? [roleAddress] : []),
    ];
    const target = want.enforce.target;
    if (!match) {
      actionChanges.push({
        section: SECTION_BUDGETS,
        action: 'create',
        resourceType: 'budget-action',
        address: ADDRESS.action(want.name),
        summary: `create budget action on ${want.name}: attach SCP ${DENY_POLICY_NAME} to ${target.name} at ${ENFORCE_THRESHOLD_PERCENT} % of actual spend (automatic)`,
        payload: { home: mgmtHome, budget: want.name, spec } satisfies ActionPayload,
        ...(dependsOn.length ? { dependsOn } : {}),
      });
    } else {
      const diff = actionDiff(match, spec, target);
      if (diff.length)
        actionChanges.push({
          section: SECTION_BUDGETS,
          action: 'update',
          resourceType: 'budget-action',
          address: ADDRESS.action(want.name),
          summary: `update budget action on ${want.name}: ${diff.map((d) => d.field).join(', ')}`,
          diff,
          payload: { home: mgmtHome, budget: want.name, actionId: match.id, spec } satisfies ActionPayload,
          ...(dependsOn.length ? { dependsOn } : {}),
        });
    }
  }
  for (const extra of liveActions) {
    if (extra === match) continue;
    actionChanges.push(
      actionDelete(
        want.name,
        extra,
        home,
        want.enforce ? 'not the action estate manages' : 'enforce is off in estate.yaml',
      ),
    );
  }
  return actionChanges;
}

/** How the live action differs from the one estate wants. */
function actionDiff(
  match: LiveBudgetAction,
  spec: ActionSpecPayload,
  target: ActionSpecPayload['target'],
): Diff[] {
  const { policy } = spec;
  const diff: Diff[] = [];
  if (match.thresholdPercent !== spec.thresholdPercent || match.notificationType !== spec.notificationType)
    diff.push({
      field: 'threshold',
      before: `${match.notificationType} ${match.thresholdPercent} %`,
      after: `ACTUAL ${spec.thresholdPercent} %`,
    });
  if (match.policyId !== policy.id)
    diff.push({
      field: 'policy',
      before: match.policyId,
      after: policy.id ?? `${DENY_POLICY_NAME} (new)`,
    });
  const targetIds = [...match.targetIds].sort().join(',');
  if (!target.id || targetIds !== target.id)
    diff.push({
      field: 'targets',
      before: targetIds,
      after: target.id ?? `${target.name} (id at apply)`,
    });
  if (match.executionRoleArn !== spec.executionRoleArn)
    diff.push({
      field: 'executionRoleArn',
      before: match.executionRoleArn,
      after: spec.executionRoleArn,
    });
  if (match.approvalModel !== spec.approvalModel)
    diff.push({ field: 'approvalModel', before: match.approvalModel, after: spec.approvalModel });
  if (!sameSubscribers(match.subscribers, spec.subscribers))
    diff.push({
      field: 'subscribers',
      before: subscribersLabel(match.subscribers),
      after: subscribersLabel(spec.subscribers),
    });
  return diff;
}

/** Budgets estate created that estate.yaml no longer asks for. */
function planDroppedBudgets(
  { config, accountIds, mgmt, mgmtHome }: BudgetsDraft,
  owned: readonly LiveBudget[],
  kept: ReadonlySet<string>,
): Change[] {
  const deletes: Change[] = [];
  for (const live of owned) {
    if (kept.has(`${live.home}/${live.name}`)) continue;
    const home: HomeRef =
      live.home === mgmt ? mgmtHome : { label: labelOf(live.home, config, accountIds), accountId: live.home };
    const fired = (live.details?.actions ?? []).map(firedAction);
    const detaching = fired.filter((f) => f.policyId && f.targetIds.length);
    deletes.push({
      section: SECTION_BUDGETS,
      action: 'delete',
      resourceType: 'budget',
      address: ADDRESS.budget(home.label, live.name),
      summary: `delete budget ${live.name}${home.label === 'management' ? '' : ` in ${home.label}`} (estate created it; estate.yaml no longer asks for it)${
        detaching.length ? `, detaching the deny SCP its action attached` : ''
      }`,
      payload: { home, name: live.name, actions: fired } satisfies BudgetDeletePayload,
    });
  }
  return deletes;
}

/** The deny SCP once no budget enforces, after the action deletes. */
function planPolicyDelete(
  { config, accountIds, enforcing, livePolicy, policyAddress }: BudgetsDraft,
  changes: readonly Change[],
): Change | undefined {
  if (!enforcing && livePolicy) {
    const actionDeletes = changes.filter((c) => c.action === 'delete').map((c) => c.address);
    return {
      section: SECTION_BUDGETS,
      action: 'delete',
      resourceType: 'policy',
      address: policyAddress,
      summary: `delete SCP ${DENY_POLICY_NAME} (no account enforces its budget any more)${
        livePolicy.targetIds.length
          ? `, detaching it from ${livePolicy.targetIds.map((t) => labelOf(t, config, accountIds)).join(', ')}`
          : ''
      }`,
      payload: {
        name: DENY_POLICY_NAME,
        policyId: livePolicy.id,
        detachFrom: livePolicy.targetIds,
      } satisfies PolicyPayload,
      ...(actionDeletes.length ? { dependsOn: actionDeletes } : {}),
    };
  }
  return undefined;
}

/** Cost allocation tags estate filters by that are not active yet. */
function planTagActivations({ desired, snapshot }: BudgetsDraft): Change[] {
  const tagChanges: Change[] = [];
  for (const key of desired.costAllocationTags) {
    const info = snapshot.costAllocationTags.find((t) => t.key === key);
    if (!info || info.status === 'Active') continue;
    tagChanges.push({
      section: SECTION_BUDGETS,
      action: 'update',
      resourceType: 'cost-allocation-tag',
      address: ADDRESS.tag(key),
      summary: `activate cost allocation tag ${key} (budgets and Cost Explorer can filter by it up to 24 hours later)`,
      diff: [{ field: 'status', before: info.status, after: 'Active' }],
      payload: { key } satisfies TagActivationPayload,
    });
  }
  return tagChanges;
}

function firedAction(a: LiveBudgetAction): FiredAction {
  const fired = a.status === 'EXECUTION_SUCCESS' || a.status === 'REVERSE_FAILURE';
  return {
    actionId: a.id,
    ...(fired && a.policyId ? { policyId: a.policyId } : {}),
    targetIds: fired ? a.targetIds : [],
  };
}

function actionDelete(budget: string, action: LiveBudgetAction, home: HomeRef, why: string): Change {
  const detach = firedAction(action);
  const fired = Boolean(detach.policyId && detach.targetIds.length);
  return {
    section: SECTION_BUDGETS,
    action: 'delete',
    resourceType: 'budget-action',
    address: ADDRESS.action(budget, action.id),
    summary: `delete budget action ${action.id} on ${budget} (${why})${
      fired ? `, detaching the SCP it attached to ${detach.targetIds.join(', ')}` : ''
    }`,
    payload: { home, budget, actionId: action.id, detach } satisfies ActionPayload,
  };
}

function labelOf(accountId: string, config: EstateConfig, accountIds: ReadonlyMap<string, string>): string {
  const byConfig = config.accounts.find((a) => a.id === accountId)?.name;
  if (byConfig) return byConfig;
  for (const [name, id] of accountIds) if (id === accountId) return name;
  return accountId;
}
