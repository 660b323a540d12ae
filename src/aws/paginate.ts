/**
 * Follows a list call's continuation token until AWS stops returning one. Pages may be
 * short or empty; a token that never ends is a service bug, so there is a ceiling.
 */
import { EstateError } from '../errors.js';

const MAX_PAGES = 100_000;

export async function paginateAll<T>(
  what: string,
  fetchPage: (
    token: string | undefined,
  ) => Promise<{ items?: readonly T[] | undefined; next?: string | undefined }>,
): Promise<T[]> {
  const out: T[] = [];
  let token: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const { items, next } = await fetchPage(token);
    if (items) out.push(...items);
    if (!next || next === token) return out;
    token = next;
  }
  throw new EstateError(`${what} returned more than ${MAX_PAGES} pages; stopping`, {
    code: 'PaginationRunaway',
    source: 'internal',
  });
}

export const errorName = (error: unknown): string => (error as { name?: string } | undefined)?.name ?? '';
