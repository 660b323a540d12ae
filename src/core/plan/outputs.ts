/**
 * What sections hand to the sections after them, typed. The organisation section provides
 * account ids (read from the live organisation, or recorded as CreateAccount finishes);
 * later issues add the landing-zone and bootstrap state here, next to them.
 */
import type { EstateConfig } from '../../config/schema.js';
import { resolveAccountIds } from '../finops/account-ids.js';

export interface EstateOutputs {
  /** Account name → 12-digit id, for accounts that exist (config ids, the live org, created this apply). */
  readonly accountIds: ReadonlyMap<string, string>;
}

/** How a section's apply reports what it produced, as it produces it. */
export interface OutputRecorder {
  /** CreateAccount finished: later sections (a budget for this account) use the id. */
  accountCreated(name: string, id: string): void;
}

/** The engine's one mutable copy; sections see it read-only through EstateOutputs. */
export class Outputs implements EstateOutputs, OutputRecorder {
  private readonly accounts: Map<string, string>;

  /** Seeded with the ids estate.yaml itself declares. */
  constructor(config: EstateConfig, from?: EstateOutputs) {
    this.accounts = new Map(from?.accountIds ?? resolveAccountIds(config, []));
  }

  get accountIds(): ReadonlyMap<string, string> {
    return this.accounts;
  }

  /** What a section read adds; an id already known (from the config) is kept. */
  merge(read: Partial<EstateOutputs>): void {
    for (const [name, id] of read.accountIds ?? []) if (!this.accounts.has(name)) this.accounts.set(name, id);
  }

  accountCreated(name: string, id: string): void {
    this.accounts.set(name, id);
  }
}
