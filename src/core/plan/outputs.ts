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
  /** OU path (as estate.yaml writes it, e.g. Workloads/Production) → OU id, for OUs that exist. */
  readonly ouIds: ReadonlyMap<string, string>;
  /** The organisation (id o-..., management account), once read. */
  readonly organization?: { readonly id: string; readonly managementAccountId: string };
}

/** How a section's apply reports what it produced, as it produces it. */
export interface OutputRecorder {
  /** CreateAccount finished: later sections (a budget for this account) use the id. */
  accountCreated(name: string, id: string): void;
  /** CreateOrganizationalUnit finished: the Control Tower section registers it by id. */
  ouCreated(path: string, id: string): void;
}

/** The engine's one mutable copy; sections see it read-only through EstateOutputs. */
export class Outputs implements EstateOutputs, OutputRecorder {
  private readonly accounts: Map<string, string>;
  private readonly ous: Map<string, string>;
  private org: EstateOutputs['organization'];

  /** Seeded with the ids estate.yaml itself declares. */
  constructor(config: EstateConfig, from?: EstateOutputs) {
    this.accounts = new Map(from?.accountIds ?? resolveAccountIds(config, []));
    this.ous = new Map(from?.ouIds ?? []);
    this.org = from?.organization;
  }

  get ouIds(): ReadonlyMap<string, string> {
    return this.ous;
  }

  get organization(): EstateOutputs['organization'] {
    return this.org;
  }

  get accountIds(): ReadonlyMap<string, string> {
    return this.accounts;
  }

  /** What a section read adds; an id already known (from the config) is kept. */
  merge(read: Partial<EstateOutputs>): void {
    for (const [name, id] of read.accountIds ?? []) if (!this.accounts.has(name)) this.accounts.set(name, id);
    for (const [path, id] of read.ouIds ?? []) if (!this.ous.has(path)) this.ous.set(path, id);
    this.org ??= read.organization;
  }

  accountCreated(name: string, id: string): void {
    this.accounts.set(name, id);
  }

  ouCreated(path: string, id: string): void {
    this.ous.set(path, id);
  }
}
