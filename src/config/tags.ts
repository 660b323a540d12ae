/**
 * The mandatory tags' values in one account, as estate.yaml gives them. Pure config: the tag
 * repair planner (core) and the blueprints' stack tags both read it.
 */
import type { AccountConfig, EstateConfig } from './schema.js';

/**
 * The value estate.yaml gives each mandatory tag in this account: the account's own tags,
 * then its kind's tags (tags.byKind), then the tag's default; undefined when none does.
 */
export function mandatoryValues(
  config: EstateConfig,
  account: AccountConfig,
): Record<string, string | undefined> {
  const merged: Record<string, string> = {
    ...(config.tags?.byKind?.[account.kind] ?? {}),
    ...(account.tags ?? {}),
  };
  return Object.fromEntries((config.tags?.mandatory ?? []).map((m) => [m.key, merged[m.key] ?? m.default]));
}
