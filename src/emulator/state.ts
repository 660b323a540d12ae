/**
 * The emulator's state as JSON: one replacer and one reviver that keep what JSON alone loses
 * (Map, Set, Date, Buffer), so each fake's `snapshot()` can hand over its own fields as they are
 * and `restore()` take them back. Tagged objects: `{ "$map": [[k, v], …] }`, `{ "$set": […] }`,
 * `{ "$date": "<ISO 8601>" }`, `{ "$bytes": "<base64>" }`. Functions and symbols are dropped (as
 * JSON drops them): a fake must not put closures or other fakes in its snapshot.
 */

const isTagged = (v: unknown, tag: string): v is Record<string, unknown> =>
  !!v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 1 && tag in v;

/** JSON.stringify's replacer: reads the original value (Date and Buffer have toJSON of their own). */
export function stateReplacer(this: unknown, key: string, value: unknown): unknown {
  const original = (this as Record<string, unknown>)[key];
  if (original instanceof Map) return { $map: [...original.entries()] };
  if (original instanceof Set) return { $set: [...original] };
  if (original instanceof Date) return { $date: original.toISOString() };
  if (Buffer.isBuffer(original)) return { $bytes: original.toString('base64') };
  if (original instanceof Uint8Array) return { $bytes: Buffer.from(original).toString('base64') };
  return value;
}

/** JSON.parse's reviver: the tagged objects back as Map, Set, Date and Buffer. */
export function stateReviver(_key: string, value: unknown): unknown {
  if (isTagged(value, '$map') && Array.isArray(value.$map))
    return new Map(value.$map as [unknown, unknown][]);
  if (isTagged(value, '$set') && Array.isArray(value.$set)) return new Set(value.$set as unknown[]);
  if (isTagged(value, '$date') && typeof value.$date === 'string') return new Date(value.$date);
  if (isTagged(value, '$bytes') && typeof value.$bytes === 'string')
    return Buffer.from(value.$bytes, 'base64');
  return value;
}

export function encodeState(value: unknown, space?: number): string {
  return JSON.stringify(value, stateReplacer, space);
}

export function decodeState(text: string): unknown {
  return JSON.parse(text, stateReviver);
}

/**
 * A deep copy through the same encoding: what a snapshot would hold, detached from the fake
 * (restoring a snapshot taken in the same process must not share Maps with its source).
 */
export function cloneState<T>(value: T): T {
  return decodeState(encodeState(value)) as T;
}

/** Replaces a Map's (or Set's) content in place: the fakes' collections are readonly fields. */
export function refill<K, V>(target: Map<K, V>, source: Map<K, V> | undefined): void;
export function refill<V>(target: Set<V>, source: Set<V> | undefined): void;
export function refill(
  target: Map<unknown, unknown> | Set<unknown>,
  source: Iterable<unknown> | undefined,
): void {
  target.clear();
  if (!source) return;
  if (target instanceof Map) for (const [k, v] of source as Map<unknown, unknown>) target.set(k, v);
  else for (const v of source) target.add(v);
}

/** Replaces an array's content in place. */
export function refillArray<T>(target: T[], source: readonly T[] | undefined): void {
  target.splice(0, target.length, ...(source ?? []));
}
