/**
 * MetricsPort over CloudWatch GetMetricData: the sum of each metric over one window, for the
 * reaper's idle detection (API Gateway Count, Lambda Invocations, CloudFront Requests).
 *
 * Facts from the GetMetricData reference this relies on:
 * - One call takes at most 500 MetricDataQuery structures (without a Metrics Insights query)
 *   and returns at most 100,800 data points (MaxDatapoints); more data comes with NextToken.
 * - Retention decides the period: for a StartTime more than 3 hours ago the period must be a
 *   multiple of 60 s when the start is under 15 days ago, of 300 s between 15 and 63 days,
 *   and of 3,600 s beyond 63 days, or no data points come back for that range. CloudWatch
 *   rounds StartTime down to the same granularity (minute, 5 minutes, hour).
 * - Each result has a StatusCode: Complete; PartialData (more with NextToken); InternalError
 *   or Forbidden (the values are not to be trusted). Top-level Messages (e.g. "Maximum number
 *   of allowed metrics exceeded") say the operation did only part of its work.
 *
 * Here one period covers the whole window (start aligned down to the granularity), so each
 * query yields one data point, two at most; the values of every page are added up. A result
 * that is not Complete once every page is read is an error: an environment is never called
 * idle on data CloudWatch did not fully give.
 */
import { CloudWatchClient, paginateGetMetricData, type MetricDataResult } from '@aws-sdk/client-cloudwatch';
import type { MetricQuery, MetricsPort, StackLocation } from '../core/env/ports.js';
import { EstateError } from '../errors.js';
import type { AwsClients } from './clients.js';
import { mapAwsError } from './errors.js';
import { collectPages, pagesOf } from './paginate.js';
import { perLocation, type SendLike } from './send.js';

/** Queries per GetMetricData call (the API's limit without a Metrics Insights query). */
export const MAX_QUERIES_PER_CALL = 500;
/** Data points one call returns at most (the API's default and largest MaxDatapoints). */
export const MAX_DATAPOINTS_PER_CALL = 100_800;

const MINUTE_S = 60;
const DAY_MS = 86_400_000;
const QUERY_ID = /^[a-z][a-zA-Z0-9_]*$/;

/** The period granularity CloudWatch keeps for data that starts `ageMs` ago (60, 300 or 3,600 s). */
export function granularitySeconds(ageMs: number): number {
  if (ageMs > 63 * DAY_MS) return 3600;
  if (ageMs > 15 * DAY_MS) return 300;
  return MINUTE_S;
}

/**
 * One period covering start..end: the start aligned down to the granularity its age allows,
 * the period the range rounded up to a multiple of that granularity.
 */
export function periodFor(start: Date, end: Date, now: Date): { start: Date; periodSeconds: number } {
  const unit = granularitySeconds(now.getTime() - start.getTime());
  const alignedMs = Math.floor(start.getTime() / (unit * 1000)) * unit * 1000;
  const rangeS = Math.max(1, Math.ceil((end.getTime() - alignedMs) / 1000));
  return { start: new Date(alignedMs), periodSeconds: Math.ceil(rangeS / unit) * unit };
}

export interface MetricsOptions {
  /** The clock that decides the retention granularity. @default () => new Date() */
  readonly now?: () => Date;
}

export class AwsMetrics implements MetricsPort {
  private readonly client: (at: StackLocation) => SendLike;

  constructor(
    clientFor: (at: StackLocation) => SendLike,
    private readonly options: MetricsOptions = {},
  ) {
    this.client = perLocation(clientFor);
  }

  async sums(
    at: StackLocation,
    queries: readonly MetricQuery[],
    start: Date,
    end: Date,
  ): Promise<ReadonlyMap<string, number>> {
    const sums = new Map<string, number>();
    if (queries.length === 0) return sums;
    const ids = new Set<string>();
    for (const q of queries) {
      if (!QUERY_ID.test(q.id) || ids.has(q.id))
        throw new EstateError(`metric query id "${q.id}" is ${ids.has(q.id) ? 'repeated' : 'not valid'}`, {
          code: 'MetricQueryId',
          source: 'internal',
        });
      ids.add(q.id);
    }
    if (!(end > start))
      throw new EstateError(`the metrics window ends (${end.toISOString()}) before it starts`, {
        code: 'MetricWindow',
        source: 'internal',
      });
    const { start: alignedStart, periodSeconds } = periodFor(
      start,
      end,
      (this.options.now ?? (() => new Date()))(),
    );
    // One period covers the window: a query yields one point, two if CloudWatch splits at the edge.
    const pointsPerQuery = Math.ceil((end.getTime() - alignedStart.getTime()) / (periodSeconds * 1000)) + 1;
    const perCall = Math.min(MAX_QUERIES_PER_CALL, Math.floor(MAX_DATAPOINTS_PER_CALL / pointsPerQuery));
    for (let i = 0; i < queries.length; i += perCall) {
      const batch = queries.slice(i, i + perCall);
      for (const [id, value] of await this.call(at, batch, alignedStart, end, periodSeconds))
        sums.set(id, value);
    }
    return sums;
  }

  private async call(
    at: StackLocation,
    batch: readonly MetricQuery[],
    start: Date,
    end: Date,
    periodSeconds: number,
  ): Promise<Map<string, number>> {
    const messages: string[] = [];
    let results: MetricDataResult[];
    try {
      results = await collectPages(
        'GetMetricData',
        paginateGetMetricData(pagesOf(CloudWatchClient, this.client(at)), {
          StartTime: start,
          EndTime: end,
          ScanBy: 'TimestampAscending',
          MetricDataQueries: batch.map((q) => ({
            Id: q.id,
            ReturnData: true,
            MetricStat: {
              Metric: {
                Namespace: q.namespace,
                MetricName: q.metricName,
                Dimensions: Object.entries(q.dimensions).map(([Name, Value]) => ({ Name, Value })),
              },
              Period: periodSeconds,
              Stat: 'Sum',
            },
          })),
        }),
        (page) => {
          for (const m of page.Messages ?? []) messages.push(`${m.Code ?? 'Message'}: ${m.Value ?? ''}`);
          return page.MetricDataResults;
        },
      );
    } catch (error) {
      throw mapAwsError(error, {
        action: 'GetMetricData',
        service: 'cloudwatch',
        account: at.accountId,
        target: `for ${batch.length} metrics in ${at.region}`,
      });
    }
    const sums = new Map<string, number>(batch.map((q) => [q.id, 0]));
    const status = new Map<string, string>();
    for (const r of results) {
      if (!r.Id || !sums.has(r.Id)) continue;
      sums.set(
        r.Id,
        (r.Values ?? []).reduce((total, v) => total + v, sums.get(r.Id)!),
      );
      status.set(r.Id, r.StatusCode ?? 'Complete');
      for (const m of r.Messages ?? []) messages.push(`${r.Id}: ${m.Code ?? 'Message'}: ${m.Value ?? ''}`);
    }
    const incomplete = [...status].filter(([, s]) => s !== 'Complete');
    if (incomplete.length || messages.length)
      throw new EstateError(
        `GetMetricData in account ${at.accountId} (${at.region}) did not give complete data: ${[
          ...incomplete.map(([id, s]) => `${id} ${s}`),
          ...messages,
        ].join('; ')}`,
        {
          code: incomplete.some(([, s]) => s === 'Forbidden') ? 'MetricsForbidden' : 'MetricsIncomplete',
          source: 'aws',
          details: { account: at.accountId, region: at.region, incomplete: Object.fromEntries(incomplete) },
          suggestions: [
            incomplete.some(([, s]) => s === 'Forbidden')
              ? 'grant cloudwatch:GetMetricData to the role estate runs as in that account'
              : 'run again later; until then nothing there is treated as idle',
          ],
        },
      );
    return sums;
  }
}

export function metricsPort(clients: AwsClients, options: MetricsOptions = {}): AwsMetrics {
  return new AwsMetrics(
    (at) => clients.client(CloudWatchClient, 'CLOUDWATCH', { account: at.accountId, region: at.region }),
    options,
  );
}
