/**
 * Cost Explorer from the management (payer) account: monthly cost grouped by account,
 * service or the estate:env tag (GetCostAndUsage, every NextPageToken followed), and the
 * cost allocation tags estate activates (ListCostAllocationTags, paginated;
 * UpdateCostAllocationTagsStatus). Errors become EstateErrors naming the ce: permission.
 */
import {
  CostExplorerClient,
  GetCostAndUsageCommand,
  paginateListCostAllocationTags,
  UpdateCostAllocationTagsStatusCommand,
  type CostAllocationTag,
  type GetCostAndUsageRequest,
  type GetCostAndUsageResponse,
  type ResultByTime,
} from '@aws-sdk/client-cost-explorer';
import type { CostAllocationTagInfo, CostAllocationTagsPort } from '../core/budgets/ports.js';
import type { CostPoint, CostPort, CostQuery, CostResult } from '../core/cost/ports.js';
import type { AwsClients } from './clients.js';
import { mapAwsError } from './errors.js';
import { collectPages, pagesOf } from './paginate.js';
import type { SendLike } from './send.js';

/** UpdateCostAllocationTagsStatus and ListCostAllocationTags take at most this many keys. */
const TAG_BATCH = 20;

const chunks = <T>(items: readonly T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, i * size + size));

/** 'estate:env$alice' → 'alice'; a resource without the tag groups under 'estate:env$' → ''. */
export function tagGroupValue(key: string, tagKey: string): string {
  const prefix = `${tagKey}$`;
  return key.startsWith(prefix) ? key.slice(prefix.length) : key;
}

export class AwsCostExplorer implements CostPort, CostAllocationTagsPort {
  private sent = 0;

  constructor(private readonly client: SendLike) {}

  /** Cost Explorer bills every request ($0.01), every page included: each send counts. */
  private send(command: unknown): Promise<unknown> {
    this.sent++;
    return this.client.send(command);
  }

  /** Requests this adapter has sent so far (all operations, every page). */
  requestCount(): number {
    return this.sent;
  }

  /** GetCostAndUsage has no SDK paginator: its pages, following NextPageToken to the end. */
  private async *costAndUsagePages(input: GetCostAndUsageRequest): AsyncGenerator<GetCostAndUsageResponse> {
    let token: string | undefined;
    for (;;) {
      const page = (await this.send(
        new GetCostAndUsageCommand({ ...input, ...(token ? { NextPageToken: token } : {}) }),
      )) as GetCostAndUsageResponse;
      yield page;
      if (!page.NextPageToken || page.NextPageToken === token) return;
      token = page.NextPageToken;
    }
  }

  async costAndUsage(query: CostQuery): Promise<CostResult> {
    const groupNames: Record<string, string> = {};
    const before = this.sent;
    const input = {
      TimePeriod: { Start: query.start, End: query.end },
      Granularity: 'MONTHLY' as const,
      Metrics: ['UnblendedCost'],
      GroupBy: [
        query.groupBy.type === 'tag'
          ? { Type: 'TAG' as const, Key: query.groupBy.key }
          : { Type: 'DIMENSION' as const, Key: query.groupBy.key },
      ],
    };
    let results: ResultByTime[];
    try {
      results = await collectPages('GetCostAndUsage', this.costAndUsagePages(input), (page) => {
        for (const d of page.DimensionValueAttributes ?? [])
          if (d.Value && d.Attributes?.description) groupNames[d.Value] = d.Attributes.description;
        return page.ResultsByTime;
      });
    } catch (error) {
      throw mapAwsError(error, {
        action: 'GetCostAndUsage',
        target: `${query.start} to ${query.end}`,
        permission: 'ce:GetCostAndUsage',
        fix: 'run from the management account (or a member account with Cost Explorer access enabled)',
      });
    }

    const points: CostPoint[] = [];
    for (const r of results) {
      const period = (r.TimePeriod?.Start ?? '').slice(0, 7);
      for (const g of r.Groups ?? []) {
        const raw = g.Keys?.[0] ?? '';
        const group = query.groupBy.type === 'tag' ? tagGroupValue(raw, query.groupBy.key) : raw;
        const amount = Number(g.Metrics?.UnblendedCost?.Amount ?? 0);
        points.push({
          period,
          group,
          amountUsd: Number.isFinite(amount) ? amount : 0,
          estimated: r.Estimated ?? false,
        });
      }
    }
    return { points, groupNames, requests: this.sent - before };
  }

  async listCostAllocationTags(keys: readonly string[]): Promise<CostAllocationTagInfo[]> {
    const out: CostAllocationTagInfo[] = [];
    for (const batch of chunks(keys, TAG_BATCH)) {
      let tags: CostAllocationTag[];
      try {
        tags = await collectPages(
          'ListCostAllocationTags',
          paginateListCostAllocationTags(pagesOf(CostExplorerClient, { send: (c) => this.send(c) }), {
            TagKeys: batch,
            Type: 'UserDefined',
          }),
          (page) => page.CostAllocationTags,
        );
      } catch (error) {
        throw mapAwsError(error, {
          action: 'ListCostAllocationTags',
          target: batch.join(', '),
          permission: 'ce:ListCostAllocationTags',
          fix: 'cost allocation tags are managed from the management (payer) account',
        });
      }
      out.push(...tags.map((t) => ({ key: t.TagKey ?? '', status: t.Status ?? '', type: t.Type ?? '' })));
    }
    return out;
  }

  async activateCostAllocationTags(keys: readonly string[]): Promise<{ key: string; reason: string }[]> {
    const refused: { key: string; reason: string }[] = [];
    for (const batch of chunks(keys, TAG_BATCH)) {
      try {
        const out = (await this.send(
          new UpdateCostAllocationTagsStatusCommand({
            CostAllocationTagsStatus: batch.map((TagKey) => ({ TagKey, Status: 'Active' })),
          }),
        )) as { Errors?: { TagKey?: string; Code?: string; Message?: string }[] };
        for (const e of out.Errors ?? [])
          refused.push({ key: e.TagKey ?? '', reason: [e.Code, e.Message].filter(Boolean).join(': ') });
      } catch (error) {
        throw mapAwsError(error, {
          action: 'UpdateCostAllocationTagsStatus',
          target: batch.join(', '),
          permission: 'ce:UpdateCostAllocationTagsStatus',
          fix: 'cost allocation tags are activated from the management (payer) account',
        });
      }
    }
    return refused;
  }
}

/** Cost Explorer as the caller (the management account). */
export function costExplorerPort(clients: AwsClients): AwsCostExplorer {
  return new AwsCostExplorer(clients.client(CostExplorerClient, 'COST_EXPLORER'));
}
