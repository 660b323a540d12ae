/**
 * What the cost report needs from Cost Explorer, in domain shapes. The adapter
 * (src/aws/cost-explorer.ts) follows NextPageToken and maps errors. Each Cost Explorer
 * request is billed ($0.01), so the report makes one grouped query, not one per row.
 */

export type CostGrouping =
  | { readonly type: 'dimension'; readonly key: 'LINKED_ACCOUNT' | 'SERVICE' }
  | { readonly type: 'tag'; readonly key: string };

export interface CostQuery {
  /** Inclusive, YYYY-MM-DD. */
  readonly start: string;
  /** Exclusive, YYYY-MM-DD. */
  readonly end: string;
  readonly groupBy: CostGrouping;
}

export interface CostPoint {
  /** YYYY-MM of the month the amount belongs to. */
  readonly period: string;
  /** Account id, service name, or tag value ('' for resources without the tag). */
  readonly group: string;
  readonly amountUsd: number;
  /** AWS marks the current, unfinished month as estimated. */
  readonly estimated: boolean;
}

export interface CostResult {
  readonly points: readonly CostPoint[];
  /** Display names AWS returns for groups (LINKED_ACCOUNT: the account name). */
  readonly groupNames: Readonly<Record<string, string>>;
  /** Requests made (each is billed). */
  readonly requests: number;
}

export interface CostPort {
  costAndUsage(query: CostQuery): Promise<CostResult>;
}
