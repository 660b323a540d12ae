/**
 * The one canonical JSON: object keys sorted (Maps as objects, Sets as sorted lists), so a
 * value's text, and so its digest, does not depend on insertion order. Plan digests, policy
 * document comparison and the synth cache key all use it.
 */
import { createHash } from 'node:crypto';

/** Stable JSON: object keys sorted, so digests do not depend on insertion order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v instanceof Map)
      return Object.fromEntries([...v.entries()].sort(([a], [b]) => String(a).localeCompare(String(b))));
    if (v instanceof Set) return [...v].sort();
    if (v && typeof v === 'object' && !Array.isArray(v))
      return Object.fromEntries(
        Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)),
      );
    return v;
  });
}

/** First 16 hex digits of the sha256 of the canonical JSON. */
export function digest(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex').slice(0, 16);
}
