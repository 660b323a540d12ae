/**
 * Discovery: every environment that has stacks, found by the stacks' `estate:env` tag in every
 * configured account (or the named ones) and every region environments can be in (the home
 * region, each environment's region, us-east-1 for edge), all accounts and regions at once.
 * `env list`, `env down|up` and `env reap` start from it. An account or region that cannot be
 * read is reported (and warned about), never fatal: the others are still found.
 */
import { EDGE_REGION } from '../../blueprints/environment.js';
import { isParked } from '../../config/onboarding.js';
import type { EstateConfig } from '../../config/schema.js';
import { mapConcurrent } from '../concurrency.js';
import { resolveAccounts } from '../finops/account-ids.js';
import { ioMessage } from '../io.js';
import { describeError } from '../plan/execute.js';
import { ENV_TAG, identityProblems } from './common.js';
import { ENV_IO } from './io.js';
import type { DeployedStack, StackLocation } from './ports.js';
import type { EnvRun, EnvServiceDeps } from './service.js';

/** Accounts and regions read at once. */
export const READ_CONCURRENCY = 8;

export interface FoundStack {
  readonly s: DeployedStack;
  readonly at: StackLocation;
}

/** One environment as its live stacks show it, in one account. */
export interface FoundEnvironment {
  readonly environment: string;
  /** The configured account it was found in. */
  readonly account: { readonly name: string; readonly id: string };
  /** Its entry in estate.yaml (same name, same account); undefined for an orphan. */
  readonly declared?: EstateConfig['environments'][number];
  readonly stacks: readonly FoundStack[];
}

export interface Unreadable {
  readonly accountId: string;
  /** `*` when the account's credentials could not be confirmed at all. */
  readonly region: string;
  readonly reason: string;
}

export interface Discovery {
  /** By environment name, then account id. */
  readonly environments: readonly FoundEnvironment[];
  readonly unreadable: readonly Unreadable[];
}

/** The regions an estate's environments can have stacks in. */
export function discoveryRegions(config: EstateConfig): string[] {
  return [
    ...new Set([
      config.organization.homeRegion,
      ...config.environments.map((e) => e.region ?? config.organization.homeRegion),
      EDGE_REGION,
    ]),
  ];
}

export async function discoverEnvironments(
  deps: Pick<EnvServiceDeps, 'accounts' | 'identity' | 'stacks'>,
  config: EstateConfig,
  options: { readonly accounts?: readonly string[] },
  run: Pick<EnvRun, 'io'>,
): Promise<Discovery> {
  // Every account by default, but the parked ones (offboarded, in the suspended OU): nothing of
  // estate's runs there. Named, they are read like any other (offboarding reaps what is left).
  const names = options.accounts?.length
    ? options.accounts
    : config.accounts.filter((a) => !isParked(a, config)).map((a) => a.name);
  if (names.length === 0) return { environments: [], unreadable: [] };
  const accounts = await resolveAccounts(config, deps.accounts, names);
  const identity = await identityProblems(
    deps,
    accounts.map((a) => a.id),
  );
  const regions = discoveryRegions(config);
  const unreadable: Unreadable[] = [];
  const places = accounts
    .filter((a) => {
      const problem = identity.get(a.id);
      if (problem) unreadable.push({ accountId: a.id, region: '*', reason: problem });
      return !problem;
    })
    .flatMap((a) => regions.map((region) => ({ account: a, at: { accountId: a.id, region } })));
  const found = await mapConcurrent(places, READ_CONCURRENCY, async ({ account, at }) => {
    try {
      return { account, at, stacks: await deps.stacks.listStacks(at) };
    } catch (error) {
      const reason = describeError(error);
      unreadable.push({ accountId: at.accountId, region: at.region, reason });
      await run.io.notify(
        ioMessage(
          'warn',
          ENV_IO.REGION_UNREADABLE,
          `cannot list stacks in ${at.accountId} ${at.region}: ${reason}`,
          at,
        ),
      );
      return { account, at, stacks: [] as DeployedStack[] };
    }
  });

  const groups = new Map<string, { account: { name: string; id: string }; stacks: FoundStack[] }>();
  for (const { account, at, stacks } of found)
    for (const s of stacks) {
      const name = s.tags[ENV_TAG];
      if (!name) continue;
      const key = `${account.id}\0${name}`;
      const group = groups.get(key) ?? { account, stacks: [] };
      group.stacks.push({ s, at });
      groups.set(key, group);
    }
  const environments: FoundEnvironment[] = [...groups].map(([key, { account, stacks }]) => {
    const environment = key.split('\0')[1]!;
    const declared = config.environments.find((e) => e.name === environment && e.account === account.name);
    return { environment, account, ...(declared ? { declared } : {}), stacks };
  });
  environments.sort(
    (a, b) => a.environment.localeCompare(b.environment) || a.account.id.localeCompare(b.account.id),
  );
  return { environments, unreadable };
}
