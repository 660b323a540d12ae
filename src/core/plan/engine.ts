/**
 * Runs the plan sections: read (or assume an empty estate offline), plan, and apply in
 * order, passing account ids forward. The plan it returns is exactly what apply executes.
 */
import { createHash } from 'node:crypto';
import type { EstateConfig } from '../../config/schema.js';
import { EstateError } from '../../errors.js';
import type { IoHost } from '../io.js';
import type { ApplyContext, PlanSection, SectionContext } from './section.js';
import type { ApplyResult, Change, ChangeResult, Plan } from './types.js';
import { isActionable } from './types.js';

/** Stable JSON: object keys sorted, so digests do not depend on insertion order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v instanceof Map)
      return Object.fromEntries([...v.entries()].sort(([a], [b]) => String(a).localeCompare(String(b))));
    if (v instanceof Set) return [...v].sort();
    if (v && typeof v === 'object' && !Array.isArray(v))
      return Object.fromEntries(
        Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)),
      );
    return v;
  });
}

export function digest(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex').slice(0, 16);
}

/** Account ids the config itself declares (`accounts[].id`). */
export function configAccountIds(config: EstateConfig): Map<string, string> {
  return new Map(config.accounts.filter((a) => a.id).map((a) => [a.name, a.id!]));
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnySection = PlanSection<any>;

const names = (items: readonly { name: string }[]) => items.map((i) => i.name).join(', ');

/**
 * Config that validates but that no section acts on yet. The plan says so plainly, so
 * that nobody reads a clean plan as "my landing zone and schedules are in place".
 */
export function unappliedConfigNotes(config: EstateConfig): string[] {
  const notes: string[] = [];
  const ct = config.controlTower;
  if (ct) {
    const controls = (ct.controls ?? []).reduce((n, c) => n + c.identifiers.length, 0);
    notes.push(
      `controlTower is not applied: estate does not set up or update the landing zone${ct.landingZoneVersion ? ` (version ${ct.landingZoneVersion})` : ''}, its log archive and audit configuration, log retention${controls ? ` or the ${controls} control${controls === 1 ? '' : 's'} listed` : ''}; set them up in AWS Control Tower until estate does.`,
    );
  }
  if (config.environments.length > 0)
    notes.push(
      `environments are not deployed by plan/apply (${names(config.environments)}): \`estate blueprint synth <env>\` builds each one's CDK assembly to deploy with the CDK toolkit.`,
    );
  const scheduled = config.environments.filter((e) => e.schedule);
  if (scheduled.length > 0)
    notes.push(
      `environments[].schedule is not acted on (${names(scheduled)}): nothing stops or starts environments on a schedule yet.`,
    );
  const expiring = config.environments.filter((e) => e.ttl);
  if (expiring.length > 0)
    notes.push(
      `environments[].ttl is not enforced (${names(expiring)}): nothing removes an environment when its TTL runs out yet.`,
    );
  return notes;
}

export interface PlanRun {
  readonly plan: Plan;
  /** The snapshots each section read, by section name (not serialised into the plan). */
  readonly snapshots: ReadonlyMap<string, unknown>;
  readonly accountIds: ReadonlyMap<string, string>;
}

export interface PlanOptions {
  readonly offline: boolean;
  readonly now?: () => Date;
  /** Called as each section starts reading, for progress output. */
  readonly onSection?: (name: string) => void;
}

export async function planEstate(
  config: EstateConfig,
  sections: readonly AnySection[],
  options: PlanOptions,
): Promise<PlanRun> {
  const accountIds = configAccountIds(config);
  const snapshots = new Map<string, unknown>();
  const changes: Change[] = [];
  const notes: string[] = unappliedConfigNotes(config);
  for (const section of sections) {
    options.onSection?.(section.name);
    const context: SectionContext = { config, accountIds, offline: options.offline };
    const snapshot = options.offline ? section.empty(context) : await section.read(context);
    snapshots.set(section.name, snapshot);
    for (const [name, id] of section.accountIds?.(snapshot) ?? [])
      if (!accountIds.has(name)) accountIds.set(name, id);
    const planned = section.plan(snapshot, context);
    changes.push(...planned);
    notes.push(...(section.notes?.(snapshot, planned, context) ?? []));
  }
  const addresses = new Set<string>();
  for (const change of changes) {
    if (addresses.has(change.address))
      throw new EstateError(`two planned changes share the address ${change.address}`, {
        code: 'PlanConflict',
        source: 'internal',
      });
    addresses.add(change.address);
  }
  return {
    plan: {
      version: 1,
      createdAt: (options.now?.() ?? new Date()).toISOString(),
      configDigest: digest(config),
      snapshotDigest: digest([...snapshots.entries()]),
      offline: options.offline,
      changes,
      notes: [...new Set(notes)],
    },
    snapshots,
    accountIds,
  };
}

export interface ApplyOptions {
  readonly io: IoHost;
  readonly concurrency: number;
}

/**
 * Applies a plan section by section. A failed change never stops independent ones; the
 * result lists every change with its status.
 */
export async function applyEstate(
  config: EstateConfig,
  sections: readonly AnySection[],
  run: Pick<PlanRun, 'plan' | 'accountIds'>,
  options: ApplyOptions,
): Promise<ApplyResult> {
  const accountIds = new Map(run.accountIds);
  const results: ChangeResult[] = [];
  const known = new Set(sections.map((s) => s.name));
  const orphan = run.plan.changes.find((c) => !known.has(c.section));
  if (orphan)
    throw new EstateError(
      `the plan has a change for section "${orphan.section}" that this estate version does not know`,
      {
        code: 'UnknownSection',
        source: 'user',
        suggestions: ['re-run `estate plan` with this version of estate'],
      },
    );
  for (const section of sections) {
    const changes = run.plan.changes.filter((c) => c.section === section.name && isActionable(c));
    if (changes.length === 0) continue;
    const context: ApplyContext = {
      config,
      accountIds,
      offline: false,
      io: options.io,
      concurrency: options.concurrency,
      recordAccountId: (name, id) => accountIds.set(name, id),
    };
    results.push(...(await section.apply(changes, context)));
  }
  return { ok: results.every((r) => r.status === 'applied'), results };
}

/** `apply --plan`: the saved plan must have been made from this config and this reality. */
export function assertPlanCurrent(saved: Plan, fresh: Plan): void {
  if (saved.version !== 1)
    throw new EstateError(
      `the saved plan has version ${String(saved.version)}; this estate reads version 1`,
      {
        code: 'StalePlan',
        source: 'user',
        suggestions: ['run `estate plan --out plan.json` again'],
      },
    );
  if (saved.offline)
    throw new EstateError('the saved plan was made with --offline and cannot be applied', {
      code: 'OfflinePlan',
      source: 'user',
      suggestions: ['run `estate plan --out plan.json` against the live organisation'],
    });
  if (saved.configDigest !== fresh.configDigest)
    throw new EstateError('estate.yaml changed since the plan was saved', {
      code: 'StalePlan',
      source: 'user',
      suggestions: ['run `estate plan --out plan.json` again and review it'],
    });
  if (
    saved.snapshotDigest !== fresh.snapshotDigest ||
    canonicalJson(saved.changes) !== canonicalJson(fresh.changes)
  )
    throw new EstateError(
      'the live estate changed since the plan was saved; the saved plan no longer matches reality',
      {
        code: 'StalePlan',
        source: 'user',
        details: { savedChanges: saved.changes.length, currentChanges: fresh.changes.length },
        suggestions: ['run `estate plan --out plan.json` again and review what changed'],
      },
    );
}
