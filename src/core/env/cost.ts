/**
 * What an environment costs a month, from the price table in templates/prices.json (per
 * blueprint and size profile, always on and idle): always on, and with its off-hours schedule,
 * where the stateful stacks stay up and the stateless ones (API, EKS) run only inside the up
 * window. Pure: the table comes in as data (the CLI reads the file), no AWS call, so
 * `env cost`, `env list`, `env deploy` and the reaper's savings line answer offline alike.
 */
import { BLUEPRINT_CATALOG, BLUEPRINT_NAMES, type StackRole } from '../../blueprints/catalog.js';
import type { Size } from '../../blueprints/defaults.js';
import { mergedSettings, stackRoles } from '../../blueprints/environment.js';
import type { EnvironmentConfig, EstateConfig } from '../../config/schema.js';
import { parseDuration } from '../../config/rules.js';
import { EstateError } from '../../errors.js';
import { environmentWindow, parseScheduleTag, upShare, type UpWindow } from './lifetime.js';

/** Hours in an average month (8,760 / 12), the figure AWS's own calculator uses. */
export const HOURS_PER_MONTH = 730;
const MONTH_MS = HOURS_PER_MONTH * 3_600_000;

export interface PriceEntry {
  /** Deployed and always on, with modest traffic. */
  readonly monthlyUsd: number;
  /** Deployed with no traffic at all. */
  readonly idleMonthlyUsd: number;
  /** What the figures count. */
  readonly note: string;
}

export interface PriceTable {
  /** When the prices were read (YYYY-MM-DD). */
  readonly date: string;
  readonly region: string;
  readonly currency: string;
  readonly blueprints: Readonly<Record<string, Readonly<Record<Size, PriceEntry>>>>;
}

/** Where the table comes from; the CLI gives core one that reads templates/prices.json. */
export type PriceLoader = () => PriceTable;

const PROFILES: readonly Size[] = ['dev', 'prod'];

/**
 * The table, checked: a date, a region, and for every blueprint of the catalog both profiles
 * with non-negative figures (idle at most always-on) and a note. `source` names the file in errors.
 */
export function parsePriceTable(raw: unknown, source: string): PriceTable {
  const problems: string[] = [];
  const obj = (raw ?? {}) as Record<string, unknown>;
  if (typeof obj.date !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(obj.date))
    problems.push('date: must be the day the prices were read, YYYY-MM-DD');
  if (typeof obj.region !== 'string' || !obj.region) problems.push('region: must name the region priced');
  if (obj.currency !== 'USD') problems.push('currency: must be USD');
  const blueprints = (obj.blueprints ?? {}) as Record<string, Record<string, Partial<PriceEntry>>>;
  if (typeof obj.blueprints !== 'object' || obj.blueprints === null)
    problems.push('blueprints: must map each blueprint to its dev and prod prices');
  for (const name of BLUEPRINT_NAMES)
    for (const profile of PROFILES) {
      const e = blueprints[name]?.[profile];
      const at = `blueprints.${name}.${profile}`;
      if (!e) {
        problems.push(`${at}: missing`);
        continue;
      }
      const money = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v >= 0;
      if (!money(e.monthlyUsd)) problems.push(`${at}.monthlyUsd: must be a number ≥ 0`);
      if (!money(e.idleMonthlyUsd)) problems.push(`${at}.idleMonthlyUsd: must be a number ≥ 0`);
      else if (money(e.monthlyUsd) && e.idleMonthlyUsd! > e.monthlyUsd!)
        problems.push(`${at}: idleMonthlyUsd ${e.idleMonthlyUsd} is more than monthlyUsd ${e.monthlyUsd}`);
      if (typeof e.note !== 'string' || e.note.trim().length < 10)
        problems.push(`${at}.note: must say what the figures count`);
    }
  if (problems.length)
    throw new EstateError(`${source}: ${problems.join('; ')}`, {
      code: 'PriceTableInvalid',
      source: 'internal',
      suggestions: ['reinstall estate, or fix the price table to give every blueprint dev and prod prices'],
    });
  return obj as unknown as PriceTable;
}

/** What to price when there is no estate.yaml entry (an orphan, a stack's tags). */
export interface CostTarget {
  readonly environment?: string;
  readonly blueprints: readonly string[];
  readonly profile: Size;
  /** The up window; absent: always on. */
  readonly window?: UpWindow;
  /** Each blueprint's role when known (stack records); absent: the catalog's, from the blueprints present. */
  readonly roles?: Readonly<Record<string, StackRole>>;
  /** edge fronts the API (edge.fronts: api), which makes edge stateless. @default false */
  readonly edgeFrontsApi?: boolean;
  readonly ttl?: string;
  /** Absolute expiry (ISO). */
  readonly expires?: string;
}

export interface BlueprintCost {
  readonly blueprint: string;
  readonly role: StackRole;
  readonly monthlyUsd: number;
  readonly idleMonthlyUsd: number;
  /** With the schedule: stateful in full, stateless × the up share. */
  readonly scheduledMonthlyUsd: number;
  readonly note: string;
}

export interface CostEstimate {
  readonly environment?: string;
  readonly profile: Size;
  readonly alwaysOnMonthlyUsd: number;
  /** Equal to alwaysOn without a schedule. */
  readonly scheduledMonthlyUsd: number;
  /** Always on with no traffic. */
  readonly idleMonthlyUsd: number;
  /** alwaysOn − scheduled: what the schedule saves a month. */
  readonly savingMonthlyUsd: number;
  readonly schedule?: { readonly hours: string; readonly timezone: string; readonly upShare: number };
  /** An environment that expires costs money only until then. */
  readonly expiry?: {
    readonly ttl?: string;
    readonly expires?: string;
    /** What it costs over its TTL (with its schedule), when it has one. */
    readonly lifetimeUsd?: number;
    readonly note: string;
  };
  readonly byBlueprint: readonly BlueprintCost[];
  /** Blueprint names the table has no price for (e.g. from an old stack's tag): not counted. */
  readonly unpriced: readonly string[];
  readonly prices: { readonly date: string; readonly region: string; readonly currency: string };
}

const cents = (n: number): number => Math.round(n * 100) / 100;

function isEnvironmentConfig(t: EnvironmentConfig | CostTarget): t is EnvironmentConfig {
  return 'name' in t && 'account' in t;
}

/** An environment of estate.yaml as a cost target: its size, window, TTL or expiry, edge.fronts. */
export function costTarget(config: EstateConfig, env: EnvironmentConfig): CostTarget {
  const fronts = (mergedSettings(config, env).edge as { fronts?: string } | undefined)?.fronts;
  const window = environmentWindow(env);
  return {
    environment: env.name,
    blueprints: env.blueprints,
    profile: env.size,
    ...(window ? { window } : {}),
    edgeFrontsApi: fronts === 'api',
    ...(env.ttl ? { ttl: env.ttl } : {}),
    ...(env.expires ? { expires: env.expires } : {}),
  };
}

/**
 * Each blueprint's role in this environment, by the rule synthesis applies (`stackRoles`):
 * a blueprint using a stateless one present in the environment is stateless too (edge fronting
 * the API, observability watching it). Blueprints the catalog does not know are left out.
 */
export function blueprintRoles(
  blueprints: readonly string[],
  edgeFrontsApi: boolean,
): Record<string, StackRole> {
  const known = blueprints.filter((b): b is keyof typeof BLUEPRINT_CATALOG => b in BLUEPRINT_CATALOG);
  const present = new Set<string>(known);
  const stacks = known.map((b) => ({
    name: b,
    blueprint: b,
    dependsOn: BLUEPRINT_CATALOG[b].uses.filter(
      (u) => present.has(u) && (b !== 'edge' || (u === 'api-lambda' && edgeFrontsApi)),
    ),
  }));
  return Object.fromEntries(stackRoles(stacks));
}

/**
 * The monthly estimate of an environment (from estate.yaml, or a target built from tags):
 * per blueprint always on and with the schedule, the totals, the saving, the expiry note and
 * the table's date and region.
 */
export function estimateCost(
  prices: PriceTable,
  config: EstateConfig | undefined,
  env: EnvironmentConfig | CostTarget,
): CostEstimate {
  const target = isEnvironmentConfig(env) ? costTarget(config!, env) : env;
  const share = target.window ? upShare(target.window) : 1;
  const roles = { ...blueprintRoles(target.blueprints, target.edgeFrontsApi ?? false), ...target.roles };
  const byBlueprint: BlueprintCost[] = [];
  const unpriced: string[] = [];
  for (const blueprint of [...new Set(target.blueprints)]) {
    const entry = prices.blueprints[blueprint]?.[target.profile];
    const role = roles[blueprint];
    if (!entry || !role) {
      unpriced.push(blueprint);
      continue;
    }
    byBlueprint.push({
      blueprint,
      role,
      monthlyUsd: entry.monthlyUsd,
      idleMonthlyUsd: entry.idleMonthlyUsd,
      scheduledMonthlyUsd: cents(role === 'stateless' ? entry.monthlyUsd * share : entry.monthlyUsd),
      note: entry.note,
    });
  }
  const sum = (f: (b: BlueprintCost) => number) => cents(byBlueprint.reduce((n, b) => n + f(b), 0));
  const alwaysOn = sum((b) => b.monthlyUsd);
  const scheduled = target.window
    ? cents(
        byBlueprint.reduce((n, b) => n + (b.role === 'stateless' ? b.monthlyUsd * share : b.monthlyUsd), 0),
      )
    : alwaysOn;
  return {
    ...(target.environment ? { environment: target.environment } : {}),
    profile: target.profile,
    alwaysOnMonthlyUsd: alwaysOn,
    scheduledMonthlyUsd: scheduled,
    idleMonthlyUsd: sum((b) => b.idleMonthlyUsd),
    savingMonthlyUsd: cents(alwaysOn - scheduled),
    ...(target.window
      ? {
          schedule: {
            hours: target.window.text,
            timezone: target.window.timezone,
            upShare: Math.round(share * 10_000) / 10_000,
          },
        }
      : {}),
    ...expiryOf(target, scheduled),
    byBlueprint,
    unpriced,
    prices: { date: prices.date, region: prices.region, currency: prices.currency },
  };
}

function expiryOf(target: CostTarget, scheduledMonthly: number): Pick<CostEstimate, 'expiry'> {
  if (target.ttl) {
    const ms = parseDuration(target.ttl);
    if (ms === undefined) return {};
    const lifetimeUsd = cents((scheduledMonthly * ms) / MONTH_MS);
    return {
      expiry: {
        ttl: target.ttl,
        lifetimeUsd,
        note: `expires ${target.ttl} after its first deploy: about $${lifetimeUsd.toFixed(2)} over its whole life, not a month`,
      },
    };
  }
  if (target.expires)
    return {
      expiry: {
        expires: target.expires,
        note: `expires at ${target.expires}: it costs the monthly rate only until then`,
      },
    };
  return {};
}

/** What the reaper does to an environment: take its stateless stacks down, or destroy it all. */
export type SavingAction = 'down' | 'destroy';

/**
 * The monthly saving of an action, for the reaper's report:
 * - destroy: what the environment would go on costing (with its schedule when it has one);
 * - down with a window: what keeping to the window saves (stateless × the share outside it);
 * - down without one: its stateless stacks' whole monthly cost (they stay down until brought up).
 * `idle: true` prices at the idle figures (an environment nobody uses costs those).
 */
export function monthlySaving(
  prices: PriceTable,
  config: EstateConfig | undefined,
  env: EnvironmentConfig | CostTarget,
  action: SavingAction,
  options: { idle?: boolean } = {},
): number {
  const e = estimateCost(prices, config, env);
  const target = isEnvironmentConfig(env) ? costTarget(config!, env) : env;
  const share = target.window ? upShare(target.window) : 1;
  const price = (b: BlueprintCost) => (options.idle ? b.idleMonthlyUsd : b.monthlyUsd);
  const stateless = e.byBlueprint.filter((b) => b.role === 'stateless');
  if (action === 'destroy')
    return cents(
      e.byBlueprint.reduce((n, b) => n + (b.role === 'stateless' ? price(b) * share : price(b)), 0),
    );
  return cents(stateless.reduce((n, b) => n + price(b) * (target.window ? 1 - share : 1), 0));
}

/** The cost fields `env list` and `env deploy` append to each environment. */
export interface CostSummary {
  readonly alwaysOnMonthlyUsd: number;
  /** With the schedule (equal to always-on without one). */
  readonly scheduledMonthlyUsd: number;
  /** The up window the scheduled figure assumes, e.g. `Mon-Fri 08:00-19:00 Europe/London`. */
  readonly schedule?: string;
  /** Blueprints without a price, not counted. */
  readonly unpriced?: readonly string[];
  readonly pricesDate: string;
  readonly pricesRegion: string;
}

export function costSummary(e: CostEstimate): CostSummary {
  return {
    alwaysOnMonthlyUsd: e.alwaysOnMonthlyUsd,
    scheduledMonthlyUsd: e.scheduledMonthlyUsd,
    ...(e.schedule ? { schedule: `${e.schedule.hours} ${e.schedule.timezone}` } : {}),
    ...(e.unpriced.length ? { unpriced: e.unpriced } : {}),
    pricesDate: e.prices.date,
    pricesRegion: e.prices.region,
  };
}

/**
 * The cost of an environment as `env list` finds it: estate.yaml's entry when it has one (an
 * orphan is priced from its stacks' blueprint and profile tags), with the window of its live
 * `estate:schedule` tag when that parses (the tag is what down and up act on), else the config's.
 */
export function listedCost(
  prices: PriceTable,
  config: EstateConfig,
  listed: {
    readonly environment: string;
    readonly blueprints: readonly string[];
    readonly profile?: string;
    readonly schedule?: string;
  },
): CostSummary {
  const live = listed.schedule ? parseScheduleTag(listed.schedule) : undefined;
  const env = config.environments.find((e) => e.name === listed.environment);
  const base: CostTarget = env
    ? costTarget(config, env)
    : {
        environment: listed.environment,
        blueprints: listed.blueprints,
        profile: listed.profile === 'prod' ? 'prod' : 'dev',
      };
  const target: CostTarget = live ? { ...base, window: live } : base;
  return costSummary(estimateCost(prices, config, target));
}
