import { DEFAULT_SUSPENDED_OU } from './onboarding.js';
import type { EstateConfig } from './schema.js';

/**
 * The OU paths to register with the AWSControlTowerBaseline: controlTower.workloadOus when
 * given, else every OU holding an account other than the log-archive and audit accounts
 * (Control Tower places and governs those itself), in declaration order. The suspended OU
 * (onboarding.suspendedOu) is never one by default: its accounts are parked under a deny-all
 * SCP, where a baseline, its StackSet instances and enrolment have nothing to do.
 */
export function workloadOus(
  config: Pick<EstateConfig, 'controlTower' | 'accounts'> & {
    readonly onboarding?: { readonly suspendedOu?: string } | undefined;
  },
): string[] {
  const ct = config.controlTower;
  if (ct?.workloadOus) return [...new Set(ct.workloadOus)];
  const shared = new Set([ct?.logArchiveAccount, ct?.auditAccount]);
  const suspended = config.onboarding?.suspendedOu ?? DEFAULT_SUSPENDED_OU;
  return [
    ...new Set(config.accounts.filter((a) => !shared.has(a.name) && a.ou !== suspended).map((a) => a.ou)),
  ];
}
