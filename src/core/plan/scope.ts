/**
 * What one `plan` / `apply` run covers: some sections, some accounts. A scoped plan is
 * partial (it says so, and a saved plan records its scope); the engine filters what each
 * section reads and plans, never the planners themselves.
 */
import type { EstateConfig } from '../../config/schema.js';
import { EstateError } from '../../errors.js';
import type { Change } from './types.js';

export interface PlanScope {
  /** Section names (`--section`); absent: every section. */
  readonly sections?: readonly string[];
  /** Account names from estate.yaml (`--account`); absent: every account. */
  readonly accounts?: readonly string[];
}

export const FULL_SCOPE: PlanScope = {};

export const isPartial = (scope: PlanScope): boolean =>
  Boolean(scope.sections?.length || scope.accounts?.length);

/** "section budgets, account dev-alice": how a plan names its scope. */
export function describeScope(scope: PlanScope): string {
  const part = (noun: string, items?: readonly string[]) =>
    items?.length ? [`${noun}${items.length === 1 ? '' : 's'} ${items.join(', ')}`] : [];
  return [...part('section', scope.sections), ...part('account', scope.accounts)].join('; ');
}

function unknownNames(flag: string, given: readonly string[], valid: readonly string[]): void {
  const unknown = given.filter((g) => !valid.includes(g));
  if (unknown.length === 0) return;
  throw new EstateError(
    `${flag} ${unknown.join(', ')}: no such ${flag === '--section' ? 'section' : 'account in estate.yaml'}`,
    {
      code: flag === '--section' ? 'UnknownSection' : 'UnknownAccount',
      source: 'user',
      suggestions: [`pass one of: ${valid.join(', ')}`],
    },
  );
}

/** A usage error naming the flag and the valid values when a scope names nothing real. */
export function checkScope(scope: PlanScope, sections: readonly string[], config: EstateConfig): void {
  unknownNames('--section', scope.sections ?? [], sections);
  unknownNames(
    '--account',
    scope.accounts ?? [],
    config.accounts.map((a) => a.name),
  );
}

/**
 * The changes an account scope keeps: those that concern a scoped account, and every change
 * they depend on (an account's OU must exist before the account moves into it).
 */
export function withinAccounts(
  changes: readonly Change[],
  accounts: readonly string[],
  accountsOf: (change: Change) => readonly string[],
): Change[] {
  const byAddress = new Map(changes.map((c) => [c.address, c]));
  const kept = new Set<string>();
  const keep = (change: Change) => {
    if (kept.has(change.address)) return;
    kept.add(change.address);
    for (const dep of change.dependsOn ?? []) {
      const target = byAddress.get(dep);
      if (target) keep(target);
    }
  };
  for (const change of changes) if (accountsOf(change).some((a) => accounts.includes(a))) keep(change);
  return changes.filter((c) => kept.has(c.address));
}
