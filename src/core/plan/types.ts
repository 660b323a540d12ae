/**
 * A plan is plain, serialisable data: the list of typed changes that several planners
 * (organisation, policies, budgets, Control Tower, ...) computed from the desired config
 * and a live snapshot. What is printed and confirmed is exactly what is applied.
 */
import type { PlanScope } from './scope.js';

export type ChangeAction =
  | 'create' // + a resource that does not exist yet
  | 'update' // ~ a resource whose properties differ
  | 'delete' // - a resource estate owns and the config dropped
  | 'move' // → an account in the wrong OU
  | 'attach' // + a policy attachment
  | 'detach' // - a policy attachment
  | 'drift'; // ! a difference estate reports but will not fix on its own

export interface Change {
  /** The planner that produced it: 'organization', 'policies', 'budgets', 'controltower', ... */
  readonly section: string;
  readonly action: ChangeAction;
  /** 'organization', 'ou', 'account', 'tags', 'policy', 'policy-attachment', 'budget', ... */
  readonly resourceType: string;
  /** Stable, unique within a plan: 'ou:Workloads/Production', 'account:dev-alice'. */
  readonly address: string;
  /** One line a person reads in the plan. */
  readonly summary: string;
  /** Property-level differences for updates, shown under the summary. */
  readonly diff?: readonly { readonly field: string; readonly before?: unknown; readonly after?: unknown }[];
  /** Everything the applier needs, serialisable. */
  readonly payload: Readonly<Record<string, unknown>>;
  /** Addresses of changes that must be applied first. */
  readonly dependsOn?: readonly string[];
}

export interface Plan {
  readonly version: 1;
  readonly createdAt: string;
  /** Hash of the normalised config the plan was computed from. */
  readonly configDigest: string;
  /** Hash of the live snapshot; `apply --plan` refuses when reality moved since. */
  readonly snapshotDigest: string;
  readonly offline: boolean;
  /** Set when the plan covers only some sections or accounts (`--section`, `--account`). */
  readonly scope?: PlanScope;
  readonly changes: readonly Change[];
  /** Footnotes a person should read (data lag, activation delays, ...). */
  readonly notes: readonly string[];
}

export type ChangeStatus = 'applied' | 'failed' | 'skipped';

export interface ChangeResult {
  readonly address: string;
  readonly status: ChangeStatus;
  readonly message?: string;
  /** Identifiers the change produced (account id, OU id, policy id, ...). */
  readonly outputs?: Readonly<Record<string, string>>;
  /** Skipped because the run was interrupted before it started (ExecuteOptions.signal). */
  readonly interrupted?: true;
}

export interface ApplyResult {
  readonly ok: boolean;
  readonly results: readonly ChangeResult[];
}

/** True when a change needs no action from estate (drift is reported, never applied). */
export function isActionable(change: Change): boolean {
  return change.action !== 'drift';
}
