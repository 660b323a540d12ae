/**
 * Pagination, one way: the SDK's own `paginateX` helpers (they follow every continuation
 * token) run over the adapter's client, and `collectPages` joins the pages with a ceiling.
 */
import { EstateError } from '../errors.js';
import type { SendLike } from './send.js';

const MAX_PAGES = 100_000;

/**
 * The configuration an SDK paginator takes, for any client an adapter is given. The
 * paginators accept only an instance of their client class: a (wrapped) SDK client is one; a
 * fake or any other SendLike gets an instance of the class that sends through it. Each page's
 * command gets its own copy of the input (the paginator reuses one object for every page), so
 * what a page was asked with stays as sent. A token handed back unchanged ends the listing.
 */
export function pagesOf<C extends object>(
  Client: { readonly prototype: C },
  client: SendLike,
): { client: C; stopOnSameToken: true; withCommand: <T>(command: T) => T } {
  const sdk = Object.prototype.isPrototypeOf.call(Client.prototype, client)
    ? (client as C)
    : Object.assign(Object.create(Client.prototype) as C, {
        send: (command: unknown, ...rest: unknown[]) => client.send(command, ...rest),
      });
  return {
    client: sdk,
    stopOnSameToken: true,
    withCommand: (command) => {
      const c = command as { input?: object };
      c.input = { ...c.input };
      return command;
    },
  };
}

/**
 * Joins the items of every page; a listing that never ends is a service bug, so it stops.
 * An error `endsList` accepts (Budgets' NotFoundException: "there are none") ends the
 * listing with what the earlier pages held.
 */
export async function collectPages<P, T>(
  what: string,
  pages: AsyncIterable<P>,
  items: (page: P) => readonly T[] | undefined,
  endsList: (error: unknown) => boolean = () => false,
): Promise<T[]> {
  const out: T[] = [];
  let count = 0;
  try {
    for await (const page of pages) {
      if (++count > MAX_PAGES)
        throw new EstateError(`${what} returned more than ${MAX_PAGES} pages; stopping`, {
          code: 'PaginationRunaway',
          source: 'internal',
        });
      out.push(...(items(page) ?? []));
    }
  } catch (error) {
    if (!endsList(error)) throw error;
  }
  return out;
}

export const errorName = (error: unknown): string => (error as { name?: string } | undefined)?.name ?? '';
