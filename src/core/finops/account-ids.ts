/**
 * Account name → id for the commands that act per account (`tags`, `cost --by account`)
 * outside the plan/apply umbrella. Behind a port so the organisation snapshot can replace
 * it: ids come from estate.yaml first, then from the live organisation, matched by root
 * e-mail (accounts[].email, else organization.emailPattern).
 */
import { emailFromPattern } from '../../config/rules.js';
import type { AccountConfig, EstateConfig } from '../../config/schema.js';
import { EstateError } from '../../errors.js';
import type { OrganizationsPort } from '../org/ports.js';

export interface AccountDirectory {
  /** Ids for the named accounts that exist; names without an id are left out. */
  accountIds(names: readonly string[]): Promise<ReadonlyMap<string, string>>;
}

export interface OrganizationAccount {
  readonly id: string;
  readonly name: string;
  readonly email: string;
  readonly status: string;
}

/** ListAccounts, every page. */
export type ListOrganizationAccounts = () => Promise<readonly OrganizationAccount[]>;

/** ListAccounts (every page) over the Organizations port, for the account directory. */
export function organizationAccountLister(
  organizations: Pick<OrganizationsPort, 'listAccounts'>,
): ListOrganizationAccounts {
  return async () =>
    (await organizations.listAccounts()).map((a) => ({
      id: a.id,
      name: a.name,
      email: a.email,
      status: a.status,
    }));
}

export const rootEmail = (config: EstateConfig, account: AccountConfig): string =>
  (account.email ?? emailFromPattern(config.organization.emailPattern, account.name)).toLowerCase();

/**
 * The one account name → id rule: accounts[].id when set, else the live account whose root
 * e-mail matches (case-insensitively). Suspended accounts are closed: they resolve to nothing.
 * Only the named accounts (default: every account in estate.yaml) that resolve are returned.
 */
export function resolveAccountIds(
  config: EstateConfig,
  live: readonly Pick<OrganizationAccount, 'id' | 'email' | 'status'>[],
  names?: readonly string[],
): Map<string, string> {
  const byEmail = new Map(
    live.filter((a) => a.status !== 'SUSPENDED').map((a) => [a.email.toLowerCase(), a.id]),
  );
  const wanted = names
    ? names.map((n) => config.accounts.find((a) => a.name === n)).filter((a) => a !== undefined)
    : config.accounts;
  const out = new Map<string, string>();
  for (const account of wanted) {
    const id = account.id ?? byEmail.get(rootEmail(config, account));
    if (id) out.set(account.name, id);
  }
  return out;
}

/** Config ids first; the organisation is listed once, and only when some id is missing. */
export function configThenOrganization(
  config: EstateConfig,
  list: ListOrganizationAccounts,
): AccountDirectory {
  let live: Promise<readonly OrganizationAccount[]> | undefined;
  return {
    async accountIds(names) {
      const fromConfig = resolveAccountIds(config, [], names);
      const wanted = names.filter((n) => config.accounts.some((a) => a.name === n));
      if (wanted.every((n) => fromConfig.has(n))) return fromConfig;
      live ??= list();
      return resolveAccountIds(config, await live, names);
    },
  };
}

/** The named accounts (all of them when `names` is empty), each with its id, or a user error. */
export async function resolveAccounts(
  config: EstateConfig,
  directory: AccountDirectory,
  names: readonly string[],
): Promise<{ name: string; id: string }[]> {
  const known = config.accounts.map((a) => a.name);
  const unknown = names.filter((n) => !known.includes(n));
  if (unknown.length)
    throw new EstateError(`no account named ${unknown.join(', ')} in estate.yaml`, {
      code: 'UnknownAccount',
      source: 'user',
      suggestions: [`known accounts: ${known.join(', ')}`],
    });
  const chosen = names.length ? [...new Set(names)] : known;
  const ids = await directory.accountIds(chosen);
  const absent = chosen.filter((n) => !ids.has(n));
  if (absent.length === chosen.length)
    throw new EstateError(`none of ${chosen.join(', ')} exists in the organisation yet`, {
      code: 'AccountsNotCreated',
      source: 'user',
      suggestions: ['run `estate apply` to create them, or set accounts[].id to adopt existing accounts'],
    });
  return chosen.filter((n) => ids.has(n)).map((name) => ({ name, id: ids.get(name)! }));
}
