/**
 * Runs the plan sections: read (or assume an empty estate offline), plan, and apply in
 * order, passing typed outputs (account ids) forward. A scope narrows what runs to some
 * sections and accounts. The plan it returns is exactly what apply executes.
 */
import type { EstateConfig } from '../../config/schema.js';
import { EstateError } from '../../errors.js';
import { canonicalJson, digest } from './canonical.js';
import type { IoHost } from '../io.js';
import { Outputs, type EstateOutputs } from './outputs.js';
import { FULL_SCOPE, checkScope, describeScope, isPartial, withinAccounts, type PlanScope } from './scope.js';
import type { ApplyContext, PlanSection, SectionContext } from './section.js';
import type { ApplyResult, Change, ChangeResult, Plan } from './types.js';
import { isActionable } from './types.js';

export { canonicalJson, digest };

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnySection = PlanSection<any>;

const names = (items: readonly { name: string }[]) => items.map((i) => i.name).join(', ');

/**
 * Config that validates but that no section acts on. The plan says so plainly, so that
 * nobody reads a clean plan as "my environments and schedules are in place".
 */
/** Who acts on these environments' lifetimes: `ci` ones by the reaper, `aws` ones by the lifecycle stack. */
function byExecutor(envs: EstateConfig['environments'], ci: string, aws: string): string {
  const onCi = envs.filter((e) => e.executor !== 'aws');
  const onAws = envs.filter((e) => e.executor === 'aws');
  return [
    onCi.length ? `${ci} (executor ci: ${names(onCi)})` : '',
    onAws.length ? `${aws} (executor aws: ${names(onAws)})` : '',
  ]
    .filter(Boolean)
    .join('; ');
}

export function unappliedConfigNotes(config: EstateConfig): string[] {
  const notes: string[] = [];
  if (config.environments.length > 0)
    notes.push(
      `environments are not deployed by plan/apply (${names(config.environments)}): \`estate env deploy <env>\` deploys one into its account (\`estate env diff <env>\` shows what would change).`,
    );
  const scheduled = config.environments.filter((e) => e.schedule);
  if (scheduled.length > 0)
    notes.push(
      `environments[].schedule is acted on outside plan/apply (${names(scheduled)}): ${byExecutor(scheduled, '`estate env reap` takes an environment down outside its window and `estate env up --due` brings it back, run from CI (templates/ci)', 'the estate-lifecycle stack in its account takes it down and brings it back')}.`,
    );
  const expiring = config.environments.filter((e) => e.ttl || e.expires);
  if (expiring.length > 0)
    notes.push(
      `environments[].ttl and expires are enforced outside plan/apply (${names(expiring)}): ${byExecutor(expiring, '`estate env reap` destroys an expired environment, run from CI (templates/ci)', 'the estate-lifecycle stack in its account destroys it at its expiry')}.`,
    );
  return notes;
}

export interface PlanRun {
  readonly plan: Plan;
  /** The snapshots each section read, by section name (not serialised into the plan). */
  readonly snapshots: ReadonlyMap<string, unknown>;
  /** What the sections read provides to apply (account ids). */
  readonly outputs: EstateOutputs;
}

export interface PlanOptions {
  readonly offline: boolean;
  /** The clock for the plan and every section. @default the system clock */
  readonly now?: () => Date;
  /** Only these sections and accounts. @default everything */
  readonly scope?: PlanScope;
  /** Called as each section starts reading, for progress output. */
  readonly onSection?: (name: string) => void;
}

const systemClock = () => new Date();

/** The context a section plans in: what the engine hands every section (tests build it too). */
export function sectionContext(
  config: EstateConfig,
  options: Partial<Pick<SectionContext, 'outputs' | 'offline' | 'now' | 'scope'>> = {},
): SectionContext {
  return {
    config,
    outputs: options.outputs ?? new Outputs(config),
    offline: options.offline ?? false,
    now: options.now ?? systemClock,
    scope: options.scope ?? FULL_SCOPE,
  };
}

/**
 * The sections a run reads: those in scope, and before them any out-of-scope section whose
 * outputs a later one reads (`--section budgets` still learns account ids from the
 * organisation, without planning it).
 */
function sectionsToRead(sections: readonly AnySection[], scope: PlanScope) {
  const inScope = (s: AnySection) => !scope.sections?.length || scope.sections.includes(s.name);
  const last = sections.findLastIndex(inScope);
  return sections.flatMap((section, i) => {
    if (inScope(section)) return [{ section, plan: true }];
    return section.outputs && i < last ? [{ section, plan: false }] : [];
  });
}

export async function planEstate(
  config: EstateConfig,
  sections: readonly AnySection[],
  options: PlanOptions,
): Promise<PlanRun> {
  const scope = options.scope ?? FULL_SCOPE;
  checkScope(
    scope,
    sections.map((s) => s.name),
    config,
  );
  const outputs = new Outputs(config);
  const context = sectionContext(config, { outputs, offline: options.offline, now: options.now, scope });
  const snapshots = new Map<string, unknown>();
  let changes: Change[] = [];
  const owners = new Map<Change, AnySection>();
  const notes: string[] = unappliedConfigNotes(config);
  for (const { section, plan } of sectionsToRead(sections, scope)) {
    options.onSection?.(section.name);
    const snapshot = options.offline ? section.empty(context) : await section.read(context);
    outputs.merge(section.outputs?.(snapshot, context) ?? {});
    if (!plan) continue;
    snapshots.set(section.name, snapshot);
    const planned = section.plan(snapshot, context);
    for (const change of planned) owners.set(change, section);
    changes.push(...planned);
    notes.push(...(section.notes?.(snapshot, planned, context) ?? []));
  }
  if (scope.accounts?.length)
    changes = withinAccounts(changes, scope.accounts, (c) => owners.get(c)?.accountsOf?.(c, context) ?? []);
  if (isPartial(scope))
    notes.unshift(
      `partial plan (${describeScope(scope)}): changes outside this scope are not shown and apply leaves them alone.`,
    );
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
      createdAt: context.now().toISOString(),
      configDigest: digest(config),
      snapshotDigest: digest([...snapshots.entries()]),
      offline: options.offline,
      ...(isPartial(scope) ? { scope } : {}),
      changes,
      notes: [...new Set(notes)],
    },
    snapshots,
    outputs,
  };
}

export interface ApplyOptions {
  readonly io: IoHost;
  readonly concurrency: number;
  /** @default the system clock */
  readonly now?: () => Date;
}

/**
 * Applies a plan section by section. A failed change never stops independent ones; the
 * result lists every change with its status.
 */
export async function applyEstate(
  config: EstateConfig,
  sections: readonly AnySection[],
  run: Pick<PlanRun, 'plan' | 'outputs'>,
  options: ApplyOptions,
): Promise<ApplyResult> {
  const outputs = new Outputs(config, run.outputs);
  const base = sectionContext(config, { outputs, now: options.now, scope: run.plan.scope });
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
      ...base,
      io: options.io,
      concurrency: options.concurrency,
      record: outputs,
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
  if (canonicalJson(saved.scope ?? {}) !== canonicalJson(fresh.scope ?? {}))
    throw new EstateError(
      `the saved plan covers ${saved.scope ? describeScope(saved.scope) : 'the whole estate'}, this run ${fresh.scope ? describeScope(fresh.scope) : 'the whole estate'}`,
      {
        code: 'StalePlan',
        source: 'user',
        suggestions: [
          'apply the saved plan without --section/--account: it keeps the scope it was made with',
        ],
      },
    );
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
