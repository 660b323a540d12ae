import type { EstateConfig } from './schema.js';

/**
 * The OU paths to register with the AWSControlTowerBaseline: controlTower.workloadOus when
 * given, else every OU holding an account other than the log-archive and audit accounts
 * (Control Tower places and governs those itself), in declaration order.
 */
export function workloadOus(config: Pick<EstateConfig, 'controlTower' | 'accounts'>): string[] {
  const ct = config.controlTower;
  if (ct?.workloadOus) return [...new Set(ct.workloadOus)];
  const shared = new Set([ct?.logArchiveAccount, ct?.auditAccount]);
  return [...new Set(config.accounts.filter((a) => !shared.has(a.name)).map((a) => a.ou))];
}
