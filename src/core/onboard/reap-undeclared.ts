/**
 * Offboarding's second look at an account's environments: the ones whose stacks (tagged
 * estate:env) are still in the account although estate.yaml does not declare them there, as
 * the reaper finds orphans (discovery by tag, then the same teardown). They are what is left
 * when the environments were taken out of estate.yaml by hand before `offboard
 * --no-config-write`, or when a deploy outlived its entry; destroying only the declared ones
 * would park an account that still runs (and bills) them.
 */
import type { EstateConfig } from '../../config/schema.js';
import { EstateError } from '../../errors.js';
import { discoverEnvironments } from '../env/discover.js';
import type { EnvRun, EnvServiceDeps } from '../env/service.js';
import { tearDown, type TeardownDeps, type TeardownStatus } from '../env/teardown.js';
import type { DestroyedEnvironments } from './offboard.js';

export type ReapUndeclaredDeps = Pick<EnvServiceDeps, 'accounts' | 'identity' | 'stacks'> & TeardownDeps;

const STATUS: Readonly<Record<TeardownStatus, string>> = {
  done: 'destroyed',
  nothing: 'absent',
  'dry-run': 'dry-run',
  refused: 'refused',
  partial: 'partial',
  failed: 'failed',
  interrupted: 'failed',
};

/** Tears down (scope all) every environment found in `account` that estate.yaml does not declare there. */
export async function reapUndeclared(
  deps: ReapUndeclaredDeps,
  config: EstateConfig,
  account: string,
  dryRun: boolean,
  run: EnvRun,
): Promise<DestroyedEnvironments> {
  let discovery;
  try {
    discovery = await discoverEnvironments(deps, config, { accounts: [account] }, run);
  } catch (error) {
    // An account that does not exist yet has no stacks to reap.
    if (error instanceof EstateError && error.code === 'AccountsNotCreated') return { environments: [] };
    throw error;
  }
  if (discovery.unreadable.length)
    throw new EstateError(
      `cannot see which environments are left in ${account}: ${discovery.unreadable
        .map((u) => `${u.accountId} ${u.region === '*' ? '(credentials)' : u.region}: ${u.reason}`)
        .join('; ')}`,
      {
        code: 'OffboardStacksUnreadable',
        source: 'aws',
        suggestions: ['fix the access named and run the same command again: it continues from this step'],
      },
    );
  const environments: { environment: string; status: string; reason?: string }[] = [];
  for (const found of discovery.environments.filter((f) => !f.declared)) {
    const result = await tearDown(deps, config, found, { scope: 'all', dryRun }, run);
    environments.push({
      environment: found.environment,
      status: STATUS[result.status],
      ...(result.reason ? { reason: result.reason } : {}),
    });
  }
  return { environments };
}
