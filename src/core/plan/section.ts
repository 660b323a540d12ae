/**
 * `estate plan` / `estate apply` are an umbrella over sections (organization, budgets,
 * Control Tower, ...). Each section reads its part of the live estate, plans typed
 * changes purely, and applies its own changes. Sections run in order; later sections read
 * the typed outputs earlier ones produced (the id of an account created a moment ago).
 */
import type { EstateConfig } from '../../config/schema.js';
import type { IoHost } from '../io.js';
import type { EstateOutputs, OutputRecorder } from './outputs.js';
import type { PlanScope } from './scope.js';
import type { Change, ChangeResult } from './types.js';

export interface SectionContext {
  readonly config: EstateConfig;
  /** What earlier sections produced (account ids, ...). */
  readonly outputs: EstateOutputs;
  /** True for `plan --offline`: no AWS calls, an empty estate. */
  readonly offline: boolean;
  /** The clock: every reading of the time in a section goes through it. */
  readonly now: () => Date;
  /** What this run covers (`--section`, `--account`); empty means everything. */
  readonly scope: PlanScope;
}

export interface ApplyContext extends SectionContext {
  /** Where changes report themselves (and questions go). */
  readonly io: IoHost;
  readonly concurrency: number;
  /** Lets a section record what it created (account ids after CreateAccount). */
  readonly record: OutputRecorder;
}

export interface PlanSection<Snapshot> {
  readonly name: string;
  /** Reads the live state this section plans against. Never called offline. */
  read(context: SectionContext): Promise<Snapshot>;
  /** The state of an estate that does not exist yet (offline planning). */
  empty(context: SectionContext): Snapshot;
  /** Pure: the changes that take the snapshot to the config. */
  plan(snapshot: Snapshot, context: SectionContext): Change[];
  /** Applies this section's changes; one result per change, failures included. */
  apply(changes: readonly Change[], context: ApplyContext): Promise<ChangeResult[]>;
  /** Footnotes for the plan (data lag, activation delays, ...). */
  notes?(snapshot: Snapshot, changes: readonly Change[], context: SectionContext): string[];
  /** The outputs this snapshot provides to later sections (the organisation: account ids). */
  outputs?(snapshot: Snapshot, context: SectionContext): Partial<EstateOutputs>;
  /**
   * The estate accounts a change concerns, for `--account`; a change that concerns no one
   * account (an OU, a policy) is left out of an account-scoped plan unless a kept change
   * depends on it. Without this method, an account-scoped plan leaves the section out.
   */
  accountsOf?(change: Change, context: SectionContext): readonly string[];
}
