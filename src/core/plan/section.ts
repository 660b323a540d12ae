/**
 * `estate plan` / `estate apply` are an umbrella over sections (organization, budgets,
 * Control Tower, ...). Each section reads its part of the live estate, plans typed
 * changes purely, and applies its own changes. Sections run in order; later sections see
 * the account ids earlier ones produced (a budget for an account created a moment ago).
 */
import type { EstateConfig } from '../../config/schema.js';
import type { IoHost } from '../io.js';
import type { Change, ChangeResult } from './types.js';

export interface SectionContext {
  readonly config: EstateConfig;
  /** Account name → 12-digit id, for accounts that exist (from config ids or the live org). */
  readonly accountIds: ReadonlyMap<string, string>;
  /** True for `plan --offline`: no AWS calls, an empty estate. */
  readonly offline: boolean;
}

export interface ApplyContext extends SectionContext {
  /** Where changes report themselves (and questions go). */
  readonly io: IoHost;
  readonly concurrency: number;
  /** Lets a section record ids it created (account ids after CreateAccount). */
  readonly recordAccountId: (name: string, id: string) => void;
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
  /** Account name → id pairs this snapshot knows about (the organisation section provides them). */
  accountIds?(snapshot: Snapshot): ReadonlyMap<string, string>;
}
