/** Bounded concurrency for fan-outs over the organisation (rate limits pace the calls themselves). */

export type Limit = <T>(task: () => Promise<T>) => Promise<T>;

/** Runs at most `concurrency` tasks at once; the rest wait in arrival order. */
export function limiter(concurrency: number): Limit {
  const max = Math.max(1, Math.floor(concurrency));
  let active = 0;
  const waiting: (() => void)[] = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    // A finishing task hands its slot straight to the next waiter, so `active` never overshoots.
    if (active >= max) await new Promise<void>((resolve) => waiting.push(resolve));
    else active++;
    try {
      return await task();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else active--;
    }
  };
}

/** Maps with bounded concurrency, keeping the input order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: Limit,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  return Promise.all(items.map((item) => limit(() => fn(item))));
}
