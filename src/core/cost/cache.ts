/**
 * A day's Cost Explorer answer, kept on disk. Cost Explorer bills $0.01 per request and
 * its data refreshes a few times a day, so asking the same question twice on one UTC day
 * buys nothing: the answer is stored under the cache folder, keyed by the account asked,
 * the query and the UTC day, and a hit costs no request. `refresh` asks again (and stores
 * the new answer); `off` neither reads nor writes.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { digest } from '../plan/canonical.js';
import type { CostPort, CostQuery, CostResult } from './ports.js';

/** Cost Explorer's price per request (each page counts). */
export const COST_EXPLORER_USD_PER_REQUEST = 0.01;

export type CacheMode = 'use' | 'refresh' | 'off';

/** How the report's answer was obtained. */
export interface CostCacheInfo {
  readonly mode: CacheMode;
  readonly hit: boolean;
  /** The cache file, when the cache is on. */
  readonly file?: string;
  /** When the cached answer was fetched (ISO), on a hit. */
  readonly savedAt?: string;
}

interface CacheEntry {
  readonly key: CacheKey;
  readonly savedAt: string;
  readonly result: CostResult;
}

interface CacheKey {
  readonly account: string;
  readonly day: string;
  readonly query: CostQuery;
}

export interface CostCacheOptions {
  /** Folder for cache files (e.g. `<config dir>/.estate-cache/cost`). */
  readonly dir: string;
  /** The account whose Cost Explorer answers (the management account). */
  readonly account: string;
  readonly mode: CacheMode;
  readonly now: () => Date;
}

const utcDay = (d: Date) => d.toISOString().slice(0, 10);

function fileFor(dir: string, key: CacheKey): string {
  return join(dir, `${key.day}-${digest(key)}.json`);
}

/** "4 Cost Explorer requests, $0.04" */
export function costExplorerBill(requests: number): string {
  return `${requests} Cost Explorer request${requests === 1 ? '' : 's'}, $${(requests * COST_EXPLORER_USD_PER_REQUEST).toFixed(2)}`;
}

/**
 * Wraps a CostPort with the day cache. `info()` tells, after a query, whether it was a hit.
 * A cache file that cannot be read or parsed is a miss; one that cannot be written is
 * reported through `onWriteError` and otherwise ignored (the answer is still returned).
 */
export function cachedCostPort(
  port: CostPort,
  options: CostCacheOptions & { onWriteError?: (error: Error) => void },
): CostPort & { info(): CostCacheInfo } {
  let info: CostCacheInfo = { mode: options.mode, hit: false };
  return {
    info: () => info,
    async costAndUsage(query) {
      if (options.mode === 'off') {
        info = { mode: 'off', hit: false };
        return port.costAndUsage(query);
      }
      const key: CacheKey = { account: options.account, day: utcDay(options.now()), query };
      const file = fileFor(options.dir, key);
      if (options.mode === 'use') {
        const entry = await readEntry(file);
        if (entry && JSON.stringify(entry.key) === JSON.stringify(key)) {
          info = { mode: 'use', hit: true, file, savedAt: entry.savedAt };
          return { ...entry.result, requests: 0 };
        }
      }
      const result = await port.costAndUsage(query);
      info = { mode: options.mode, hit: false, file };
      try {
        await mkdir(options.dir, { recursive: true });
        const entry: CacheEntry = { key, savedAt: options.now().toISOString(), result };
        // Written aside and renamed, so a concurrent run never reads half a file.
        const temp = `${file}.${process.pid}.tmp`;
        await writeFile(temp, `${JSON.stringify(entry)}\n`);
        await rename(temp, file);
      } catch (error) {
        options.onWriteError?.(error as Error);
      }
      return result;
    },
  };
}

async function readEntry(file: string): Promise<CacheEntry | undefined> {
  try {
    const entry = JSON.parse(await readFile(file, 'utf8')) as CacheEntry;
    return entry && typeof entry === 'object' && entry.result && Array.isArray(entry.result.points)
      ? entry
      : undefined;
  } catch {
    return undefined;
  }
}
