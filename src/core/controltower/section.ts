/**
 * The "controltower" section of `estate plan` / `estate apply`, after the organisation and
 * policies (it registers the OUs and governs the accounts they create) and before budgets.
 * Reads the platform stacks and the Control Tower state, plans with the pure planner, and
 * applies through the environment engine's toolkit (apply.ts).
 */
import type { EstateConfig } from '../../config/schema.js';
import type { PlanSection, SectionContext } from '../plan/section.js';
import type { Change } from '../plan/types.js';
import { applyControlTower, type ControlTowerApplyDeps } from './apply.js';
import { assemblyStacks, isSettled, isUnchanged } from '../env/common.js';
import type { SynthResult } from '../env/synth.js';
import {
  baselinePending,
  desiredControlTower,
  governancePending,
  monitoringPending,
  ouArn,
  SECTION_CONTROLTOWER,
  type DesiredControlTower,
} from './desired.js';
import {
  planControlTower,
  prerequisiteRoles,
  STACK_NAMES,
  type BootstrapPayload,
  type ControlTowerPlan,
  type PlatformStackKind,
  type StackPayload,
} from './planner.js';
import {
  EMPTY_CT_SNAPSHOT,
  readControlTowerSnapshot,
  sinkArnOf,
  type ControlTowerSnapshot,
  type LiveStack,
} from './snapshot.js';
import type { PlatformSynth } from './synth.js';

export type ControlTowerSectionDeps = ControlTowerApplyDeps;

export function controlTowerSection(deps: ControlTowerSectionDeps): PlanSection<ControlTowerSnapshot> {
  // plan and notes are asked of the same (snapshot, context): compute once.
  let cached: { snapshot: ControlTowerSnapshot; context: SectionContext; plan: ControlTowerPlan } | undefined;
  const planFor = (snapshot: ControlTowerSnapshot, context: SectionContext): ControlTowerPlan => {
    if (cached?.snapshot !== snapshot || cached.context.config !== context.config) {
      const plan = planControlTower(
        context.config,
        desiredControlTower(context.config, context.outputs),
        snapshot,
      );
      cached = { snapshot, context, plan };
    }
    return cached.plan;
  };

  return {
    name: SECTION_CONTROLTOWER,
    async read(context) {
      const desired = desiredControlTower(context.config, context.outputs);
      if (!desired) return { ...EMPTY_CT_SNAPSHOT, read: true };
      const snapshot = await readControlTowerSnapshot(
        { ct: deps.ct, stacks: deps.env.stacks, bootstrap: deps.env.bootstrap },
        desired,
      );
      const templatesCurrent = await compareTemplates(deps.synth, context.config, desired, snapshot);
      return Object.keys(templatesCurrent).length ? { ...snapshot, templatesCurrent } : snapshot;
    },
    empty: () => EMPTY_CT_SNAPSHOT,
    plan: (snapshot, context) => planFor(snapshot, context).changes,
    notes: (snapshot, _changes, context) => planFor(snapshot, context).notes,
    accountsOf: (change, context) => accountsOfChange(change, context.config),
    async apply(changes, context) {
      return applyControlTower(deps, changes, context);
    },
  };
}

/**
 * Each deployed, settled platform stack synthesised with the ids known now and compared with
 * its live template (as the env engine does before a deploy): a stack whose template moved in
 * ways the plan's summary does not itemise (a new dashboard row, a new estate version) is
 * still updated, and one whose template is unchanged is never redeployed. Stacks still
 * waiting for an id (an OU to be created, the landing zone's Identity Center baseline, the
 * sink's ARN) are left to the apply.
 */
async function compareTemplates(
  synth: PlatformSynth,
  config: EstateConfig,
  d: DesiredControlTower,
  snapshot: ControlTowerSnapshot,
): Promise<Partial<Record<PlatformStackKind, boolean>>> {
  const out: Partial<Record<PlatformStackKind, boolean>> = {};
  const home = d.homeRegion;
  const accountIds = d.accountIds;
  const compare = async (
    kind: PlatformStackKind,
    live: LiveStack | undefined,
    accountId: string,
    made: () => Promise<SynthResult>,
  ) => {
    if (!live || !isSettled(live.status)) return;
    const [stack] = assemblyStacks(await made(), accountId);
    const deployed = {
      ...live,
      name: STACK_NAMES[kind],
      id: '',
      createdAt: new Date(0),
      terminationProtection: false,
    };
    out[kind] = stack !== undefined && isUnchanged(stack, deployed, live.template, false);
  };
  const roles = prerequisiteRoles(snapshot);
  const needsIdentityCenter = d.accessManagement && d.workloadOus.length > 0;
  if (
    governancePending(d).length === 0 &&
    !roles.problem &&
    (!needsIdentityCenter || snapshot.identityCenterBaselineArn)
  )
    await compare('governance', snapshot.governance, d.management.id!, () =>
      synth.governance({
        config,
        at: { accountId: d.management.id!, region: home },
        accountIds,
        ouArns: Object.fromEntries(
          d.ous.map((o) => [o.path, ouArn(d.partition, d.management.id!, d.organizationId!, o.id!)]),
        ),
        prerequisiteRolesExist: roles.exist,
        ...(needsIdentityCenter
          ? { identityCenterEnabledBaselineArn: snapshot.identityCenterBaselineArn! }
          : {}),
      }),
    );
  if (d.observability && monitoringPending(d).length === 0)
    await compare('monitoring', snapshot.monitoring, d.audit.id!, () =>
      synth.monitoring({
        config,
        at: { accountId: d.audit.id!, region: home },
        organizationId: d.organizationId!,
        accountIds,
      }),
    );
  const sinkArn = sinkArnOf(snapshot.monitoring);
  if (d.baseline && baselinePending(d).length === 0 && (!d.observability || sinkArn))
    await compare('baseline', snapshot.baselineStack, d.management.id!, () =>
      synth.baseline({
        config,
        at: { accountId: d.management.id!, region: home },
        managementAccountId: d.management.id!,
        ouIds: Object.fromEntries(d.workloadOus.map((o) => [o.path, o.id!])),
        ...(sinkArn ? { sinkArn } : {}),
      }),
    );
  return out;
}

/**
 * The estate account a change concerns: the account of a baseline drift line, the audit
 * account for the monitoring stack and its bootstrap. The governance and baseline stacks serve
 * the whole organisation.
 */
function accountsOfChange(change: Change, config: EstateConfig): string[] {
  if (change.resourceType === 'baseline-instances') return [String(change.payload.account)];
  const audit = config.controlTower?.auditAccount;
  if (change.resourceType === 'stack' && (change.payload as Partial<StackPayload>).kind === 'monitoring')
    return audit ? [audit] : [];
  if (change.resourceType === 'bootstrap') {
    const name = (change.payload as unknown as BootstrapPayload).account.name;
    return config.accounts.some((a) => a.name === name) ? [name] : [];
  }
  return [];
}
