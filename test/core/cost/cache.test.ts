import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cachedCostPort, type CacheMode } from '../../../src/core/cost/cache.js';
import type { CostPort, CostQuery } from '../../../src/core/cost/ports.js';
import { costReport } from '../../../src/core/cost/report.js';
import { tempDir } from '../../_helpers/cli.js';
import { minimalConfig } from '../../_helpers/config.js';
import { parseConfig } from '../../../src/config/loader.js';
import { stringify } from 'yaml';

const QUERY: CostQuery = {
  start: '2026-10-01',
  end: '2026-12-01',
  groupBy: { type: 'dimension', key: 'SERVICE' },
};

/** Cost Explorer that answers with 3 pages' worth of requests and counts the questions. */
function billedPort(): CostPort & { asked: number } {
  return {
    asked: 0,
    async costAndUsage() {
      this.asked++;
      return {
        points: [{ period: '2026-11', group: 'Amazon S3', amountUsd: 4.2, estimated: true }],
        groupNames: {},
        requests: 3,
      };
    },
  };
}

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir()));
afterEach(async () => cleanup());

const cached = (port: CostPort, mode: CacheMode, now: string, account = '111111111111') =>
  cachedCostPort(port, { dir: join(dir, 'cost'), account, mode, now: () => new Date(now) });

describe('the Cost Explorer day cache', () => {
  it('Given a question asked once today, When asked again the same UTC day, Then the cache answers at no cost; the next day asks again', async () => {
    const port = billedPort();
    const first = await cached(port, 'use', '2026-11-16T08:00:00Z').costAndUsage(QUERY);
    const again = cached(port, 'use', '2026-11-16T23:59:00Z');
    const second = await again.costAndUsage(QUERY);
    expect([first.requests, second.requests, port.asked]).toEqual([3, 0, 1]);
    expect(second.points).toEqual(first.points);
    expect(again.info()).toMatchObject({ hit: true, savedAt: '2026-11-16T08:00:00.000Z' });

    await cached(port, 'use', '2026-11-17T00:01:00Z').costAndUsage(QUERY);
    expect(port.asked).toBe(2);
  });

  it('Given a cached answer, When the query or the account differs, Then it is a miss', async () => {
    const port = billedPort();
    await cached(port, 'use', '2026-11-16T08:00:00Z').costAndUsage(QUERY);
    await cached(port, 'use', '2026-11-16T09:00:00Z').costAndUsage({ ...QUERY, start: '2026-09-01' });
    await cached(port, 'use', '2026-11-16T09:00:00Z', '999999999999').costAndUsage(QUERY);
    expect(port.asked).toBe(3);
  });

  it('Given a cached answer, When refreshed, Then Cost Explorer is asked and the new answer is kept; with the cache off nothing is read or written', async () => {
    const port = billedPort();
    await cached(port, 'use', '2026-11-16T08:00:00Z').costAndUsage(QUERY);
    const refreshed = cached(port, 'refresh', '2026-11-16T09:00:00Z');
    expect((await refreshed.costAndUsage(QUERY)).requests).toBe(3);
    expect(refreshed.info().hit).toBe(false);
    const hit = cached(port, 'use', '2026-11-16T10:00:00Z');
    await hit.costAndUsage(QUERY);
    expect(hit.info().savedAt).toBe('2026-11-16T09:00:00.000Z');
    expect(port.asked).toBe(2);

    const offDir = join(dir, 'off');
    const off = cachedCostPort(port, { dir: offDir, account: 'x', mode: 'off', now: () => new Date() });
    await off.costAndUsage(QUERY);
    await off.costAndUsage(QUERY);
    expect(port.asked).toBe(4);
    await expect(readdir(offDir)).rejects.toThrow();
  });

  it('Given a hit, When the report is built, Then it says 0 requests, $0.00 and that the cache answered', async () => {
    const port = billedPort();
    const config = parseConfig(stringify(minimalConfig()));
    const options = {
      by: 'service' as const,
      months: 2,
      today: new Date('2026-11-16T08:00:00Z'),
      accountIds: new Map(),
    };
    const miss = await costReport(cached(port, 'use', '2026-11-16T08:00:00Z'), config, options);
    const hit = await costReport(cached(port, 'use', '2026-11-16T09:00:00Z'), config, options);
    expect([miss.requests, miss.costUsd, miss.cache?.hit]).toEqual([3, 0.03, false]);
    expect(miss.notes.at(-1)).toMatch(
      /^3 Cost Explorer requests, \$0\.03 .*cached until the end of the UTC day/,
    );
    expect([hit.requests, hit.costUsd, hit.cache?.hit]).toEqual([0, 0, true]);
    expect(hit.notes.at(-1)).toBe(
      "0 Cost Explorer requests, $0.00: today's answer came from the cache (fetched 08:00 UTC); --refresh asks Cost Explorer again.",
    );
  });
});
