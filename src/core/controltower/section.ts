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
import { desiredControlTower, SECTION_CONTROLTOWER } from './desired.js';
import {
  planControlTower,
  type BootstrapPayload,
  type ControlTowerPlan,
  type StackPayload,
} from './planner.js';
import { EMPTY_CT_SNAPSHOT, readControlTowerSnapshot, type ControlTowerSnapshot } from './snapshot.js';

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
      return readControlTowerSnapshot(
        { ct: deps.ct, stacks: deps.env.stacks, bootstrap: deps.env.bootstrap },
        desired,
      );
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
