/**
 * Cost Explorer's cost allocation tag calls at the SDK command level: keys AWS has seen
 * on resources (only those can be activated), their status, paginated listing, and the
 * per-key Errors list UpdateCostAllocationTagsStatus answers for unknown keys.
 */
import { cloneState, refill } from './state.js';

type Input = Record<string, any>;

/** The keys Cost Explorer has seen and their status. */
export interface CostAllocationTagsState {
  readonly status: Map<string, 'Active' | 'Inactive'>;
}

export class FakeCostAllocationTags {
  readonly status = new Map<string, 'Active' | 'Inactive'>();
  readonly updates: string[][] = [];

  constructor(
    seenKeys: readonly string[] = [],
    private readonly pageSize = 2,
  ) {
    for (const key of seenKeys) this.status.set(key, 'Inactive');
  }

  snapshot(): CostAllocationTagsState {
    return cloneState({ status: this.status });
  }

  restore(state: CostAllocationTagsState): void {
    refill(this.status, cloneState(state).status);
  }

  async send(command: { input?: Input; constructor: { name: string } }): Promise<unknown> {
    const input = command.input ?? {};
    switch (command.constructor.name) {
      case 'ListCostAllocationTagsCommand': {
        const wanted: string[] | undefined = input.TagKeys;
        const all = [...this.status.entries()]
          .filter(([key]) => !wanted || wanted.includes(key))
          .filter(([, status]) => !input.Status || input.Status === status)
          .map(([TagKey, Status]) => ({ TagKey, Status, Type: 'UserDefined' }));
        const start = input.NextToken ? Number(input.NextToken) : 0;
        const page = all.slice(start, start + this.pageSize);
        const next = start + this.pageSize < all.length ? String(start + this.pageSize) : undefined;
        return { CostAllocationTags: page, ...(next ? { NextToken: next } : {}) };
      }
      case 'UpdateCostAllocationTagsStatusCommand': {
        const entries: { TagKey: string; Status: 'Active' | 'Inactive' }[] =
          input.CostAllocationTagsStatus ?? [];
        this.updates.push(entries.map((e) => e.TagKey));
        const Errors = [];
        for (const e of entries) {
          if (this.status.has(e.TagKey)) this.status.set(e.TagKey, e.Status);
          else
            Errors.push({
              TagKey: e.TagKey,
              Code: 'TagKeysNotFoundException',
              Message: 'no resource carries this tag yet',
            });
        }
        return { Errors };
      }
      default:
        throw Object.assign(new Error(`${command.constructor.name} is not emulated`), {
          name: 'UnknownOperationException',
        });
    }
  }
}
