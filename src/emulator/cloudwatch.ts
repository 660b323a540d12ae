/**
 * CloudWatch GetMetricData over fixture data points that a test sets per account, region,
 * namespace, metric and dimensions, behaving as the API reference says:
 * - at most 500 MetricDataQueries a call, else `InvalidParameterValueException` (query code InvalidParameterValue: "The collection
 *   MetricDataQueries must not have a size greater than 500.");
 * - Period a positive multiple of 60 s (1 s is high resolution, not kept here); for a
 *   StartTime over 15 days ago a period that is not a multiple of 300 s (over 63 days ago, of
 *   3,600 s) returns no data points, as retention has aggregated them away;
 * - StartTime rounded down to the minute (5 minutes, hour for older starts);
 * - a metric matches only with exactly its dimensions; Stat Sum adds the points of each period;
 * - at most MaxDatapoints (default 100,800) values a page, the rest behind NextToken with the
 *   results still running over marked PartialData.
 * The emulator serves it as awsJson1_0 (X-Amz-Target GraniteServiceVersion20100801.*).
 */
import type { ServiceCommand } from './server.js';

import { cloneState, refillArray } from './state.js';

type Input = Record<string, any>;

/** The data points put (fixtures or by hand); access denials and page sizes are test settings, not kept. */
export interface CloudWatchState {
  readonly points: FakeDatapoint[];
}

export interface FakeDatapoint {
  readonly account: string;
  readonly region: string;
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Readonly<Record<string, string>>;
  readonly timestamp: Date;
  readonly value: number;
}

const fail = (name: string, message: string) => Object.assign(new Error(message), { name, $metadata: {} });

const DAY_MS = 86_400_000;
const MAX_QUERIES = 500;
const MAX_DATAPOINTS = 100_800;

const sameDimensions = (a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>) => {
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && a[k] === b[k]);
};

/** awsJson timestamps are epoch seconds; in-process callers pass Dates. */
const toDate = (v: unknown): Date => (v instanceof Date ? v : new Date(Number(v) * 1000));

export class FakeCloudWatch {
  readonly targetPrefix = 'GraniteServiceVersion20100801';
  readonly points: FakeDatapoint[] = [];
  /** Every call: where, how many queries, which page. */
  readonly calls: { op: string; account: string; region: string; queries: number; nextToken?: string }[] = [];
  /** Locations (`account/region`) whose calls answer AccessDenied. */
  readonly forbidden = new Set<string>();
  /** Values a page holds at most, when smaller than MaxDatapoints (to exercise NextToken). */
  pageSize?: number;

  constructor(private readonly clock: () => Date = () => new Date()) {}

  snapshot(): CloudWatchState {
    return cloneState({ points: this.points });
  }

  restore(state: CloudWatchState): void {
    refillArray(this.points, cloneState(state).points);
  }

  /** Adds one data point (a test's fixture). */
  put(point: Omit<FakeDatapoint, 'timestamp'> & { timestamp?: Date }): void {
    this.points.push({ ...point, timestamp: point.timestamp ?? this.clock() });
  }

  async send(command: ServiceCommand): Promise<any> {
    const op = command.constructor.name.replace(/Command$/, '');
    const input = (command.input ?? {}) as Input;
    const account = command.account ?? '000000000000';
    const region = command.region ?? 'us-east-1';
    const queries = (input.MetricDataQueries ?? []) as Input[];
    this.calls.push({
      op,
      account,
      region,
      queries: queries.length,
      ...(input.NextToken ? { nextToken: String(input.NextToken) } : {}),
    });
    if (op !== 'GetMetricData') throw fail('UnknownOperationException', `CloudWatch ${op} is not emulated`);
    if (this.forbidden.has(`${account}/${region}`))
      throw Object.assign(
        fail('AccessDenied', `User is not authorized to perform: cloudwatch:GetMetricData`),
        { $metadata: { httpStatusCode: 403 } },
      );
    return this.getMetricData(input, account, region);
  }

  private getMetricData(input: Input, account: string, region: string) {
    const queries = (input.MetricDataQueries ?? []) as Input[];
    if (queries.length === 0)
      throw fail('InvalidParameterValueException', 'The parameter MetricDataQueries is required.');
    if (queries.length > MAX_QUERIES)
      throw fail(
        'InvalidParameterValue',
        `The collection MetricDataQueries must not have a size greater than ${MAX_QUERIES}.`,
      );
    const ids = new Set<string>();
    for (const q of queries) {
      if (!/^[a-z][a-zA-Z0-9_]*$/.test(String(q.Id)))
        throw fail(
          'InvalidParameterValueException',
          `The value ${String(q.Id)} for parameter MetricDataQueries.member.Id is invalid.`,
        );
      if (ids.has(q.Id))
        throw fail(
          'InvalidParameterValueException',
          `The values for parameter id in MetricDataQueries are not unique.`,
        );
      ids.add(q.Id);
    }
    const start = toDate(input.StartTime);
    const end = toDate(input.EndTime);
    if (!(end > start))
      throw fail(
        'InvalidParameterValueException',
        'The parameter StartTime must be less than the parameter EndTime.',
      );
    const age = this.clock().getTime() - start.getTime();
    const granularity = age > 63 * DAY_MS ? 3600 : age > 15 * DAY_MS ? 300 : 60;
    const from = Math.floor(start.getTime() / (granularity * 1000)) * granularity * 1000;
    const max = Math.min(Number(input.MaxDatapoints ?? MAX_DATAPOINTS), this.pageSize ?? Infinity);

    // Every (id, period start, sum), in query order then time order.
    const series: { id: string; values: { t: number; v: number }[] }[] = queries.map((q) => {
      const stat = q.MetricStat ?? {};
      const period = Number(stat.Period);
      if (!Number.isInteger(period) || period <= 0 || period % 60 !== 0)
        throw fail(
          'InvalidParameterValueException',
          `The parameter Period must be a multiple of 60 (got ${String(stat.Period)}).`,
        );
      if (stat.Stat !== 'Sum')
        throw fail('InvalidParameterValueException', `only Stat Sum is emulated, not ${String(stat.Stat)}`);
      if (period % granularity !== 0) return { id: q.Id, values: [] };
      const metric = stat.Metric ?? {};
      const dims = Object.fromEntries(
        ((metric.Dimensions ?? []) as { Name: string; Value: string }[]).map((d) => [d.Name, d.Value]),
      );
      const buckets = new Map<number, number>();
      for (const p of this.points) {
        const t = p.timestamp.getTime();
        if (p.account !== account || p.region !== region) continue;
        if (p.namespace !== metric.Namespace || p.metricName !== metric.MetricName) continue;
        if (!sameDimensions(p.dimensions, dims) || t < from || t >= end.getTime()) continue;
        const bucket = from + Math.floor((t - from) / (period * 1000)) * period * 1000;
        buckets.set(bucket, (buckets.get(bucket) ?? 0) + p.value);
      }
      const values = [...buckets].sort(([a], [b]) => a - b).map(([t, v]) => ({ t, v }));
      if (input.ScanBy === 'TimestampDescending') values.reverse();
      return { id: q.Id, values };
    });

    // Paging: a flat list of values, `max` a page; a token is the offset.
    const flat: { id: string; t?: number; v?: number }[] = series.flatMap((s) =>
      s.values.length ? s.values.map((x) => ({ id: s.id, ...x })) : [{ id: s.id }],
    );
    const offset = input.NextToken ? Number(String(input.NextToken).replace(/^cw-/, '')) : 0;
    if (!Number.isInteger(offset) || offset < 0 || offset > flat.length)
      throw fail(
        'InvalidNextToken',
        'The service couldn’t process your request because the NextToken is invalid.',
      );
    let taken = 0;
    let i = offset;
    const page: typeof flat = [];
    while (i < flat.length && (taken < max || flat[i]!.v === undefined)) {
      if (flat[i]!.v !== undefined) taken++;
      page.push(flat[i]!);
      i++;
    }
    const more = i < flat.length;
    const remaining = new Set(flat.slice(i).map((x) => x.id));
    const results = new Map<
      string,
      { Id: string; Label: string; Timestamps: Date[]; Values: number[]; StatusCode: string }
    >();
    for (const x of page) {
      const r = results.get(x.id) ?? {
        Id: x.id,
        Label: x.id,
        Timestamps: [],
        Values: [],
        StatusCode: remaining.has(x.id) ? 'PartialData' : 'Complete',
      };
      if (x.v !== undefined) {
        r.Timestamps.push(new Date(x.t!));
        r.Values.push(x.v);
      }
      results.set(x.id, r);
    }
    return {
      MetricDataResults: [...results.values()],
      Messages: [],
      ...(more ? { NextToken: `cw-${i}` } : {}),
    };
  }
}

/**
 * The MetricsPort over a FakeCloudWatch, for core tests: each `sums` call is one
 * GetMetricData per 500 queries (as the adapter makes them), Stat Sum over one period.
 */
export class FakeMetrics {
  /** Every `sums` call: location and number of queries. */
  readonly calls: { account: string; region: string; queries: number }[] = [];

  constructor(readonly cloudwatch: FakeCloudWatch) {}

  async sums(
    at: { accountId: string; region: string },
    queries: readonly {
      id: string;
      namespace: string;
      metricName: string;
      dimensions: Readonly<Record<string, string>>;
    }[],
    start: Date,
    end: Date,
  ): Promise<ReadonlyMap<string, number>> {
    this.calls.push({ account: at.accountId, region: at.region, queries: queries.length });
    const out = new Map<string, number>();
    const period = Math.max(60, Math.ceil((end.getTime() - start.getTime()) / 60_000) * 60);
    for (let i = 0; i < queries.length; i += MAX_QUERIES) {
      let token: string | undefined;
      do {
        const page = (await this.cloudwatch.send({
          constructor: { name: 'GetMetricDataCommand' },
          account: at.accountId,
          region: at.region,
          input: {
            StartTime: start,
            EndTime: end,
            ...(token ? { NextToken: token } : {}),
            MetricDataQueries: queries.slice(i, i + MAX_QUERIES).map((q) => ({
              Id: q.id,
              MetricStat: {
                Metric: {
                  Namespace: q.namespace,
                  MetricName: q.metricName,
                  Dimensions: Object.entries(q.dimensions).map(([Name, Value]) => ({ Name, Value })),
                },
                Period: period,
                Stat: 'Sum',
              },
            })),
          },
        })) as { MetricDataResults: { Id: string; Values: number[] }[]; NextToken?: string };
        for (const r of page.MetricDataResults)
          out.set(
            r.Id,
            r.Values.reduce((a, b) => a + b, out.get(r.Id) ?? 0),
          );
        token = page.NextToken;
      } while (token);
    }
    for (const q of queries) if (!out.has(q.id)) out.set(q.id, 0);
    return out;
  }
}
