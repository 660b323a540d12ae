/**
 * What onboarding and offboarding share: plan the plan/apply sections scoped to one account,
 * and apply what they would change (nothing on a dry run).
 */
import type { EstateConfig } from '../../config/schema.js';
import { EstateError } from '../../errors.js';
import { ioMessage, startTask, type IoHost, type Task } from '../io.js';
import { describeError } from '../plan/execute.js';
import type { StepStatus } from './onboard.js';
import { applyEstate, planEstate } from '../plan/engine.js';
import type { PlanSection } from '../plan/section.js';
import { isActionable, type Change, type ChangeResult } from '../plan/types.js';

export interface ScopedRun {
  readonly sections: (config: EstateConfig) => Promise<readonly PlanSection<unknown>[]>;
  readonly io: IoHost;
  readonly config: EstateConfig;
  readonly account: string;
  readonly dryRun: boolean;
  readonly now: () => Date;
  /** The error code of a failed apply. */
  readonly failureCode: string;
}

export interface ScopedOutcome {
  readonly changes: Change[];
  /** The account's id, as the plan's outputs (or the apply's account creation) know it. */
  readonly accountId?: string;
  readonly results: readonly ChangeResult[];
}

/**
 * `also`: changes outside the account's scope to apply with it, picked from the sections'
 * whole plan (onboard --recycle: the budget of the account's old name, which no account of
 * estate.yaml concerns any more).
 */
export async function applyScoped(
  run: ScopedRun,
  sectionNames: readonly string[],
  also?: (change: Change) => boolean,
): Promise<ScopedOutcome> {
  const sections = await run.sections(run.config);
  const scope = { sections: [...sectionNames], accounts: [run.account] };
  let planned = await planEstate(run.config, sections, { offline: false, scope, now: run.now });
  if (also) {
    const whole = await planEstate(run.config, sections, {
      offline: false,
      scope: { sections: [...sectionNames] },
      now: run.now,
    });
    const extra = whole.plan.changes.filter(
      (c) => also(c) && !planned.plan.changes.some((p) => p.address === c.address),
    );
    planned = { ...planned, plan: { ...planned.plan, changes: [...planned.plan.changes, ...extra] } };
  }
  const changes = planned.plan.changes.filter(isActionable);
  const known = planned.outputs.accountIds.get(run.account);
  const id = (accountId: string | undefined) => (accountId ? { accountId } : {});
  if (changes.length === 0 || run.dryRun) return { changes, results: [], ...id(known) };
  const result = await applyEstate(run.config, sections, planned, {
    io: run.io,
    concurrency: 4,
    now: run.now,
  });
  const failures = result.results.filter((r) => r.status === 'failed');
  if (failures.length)
    throw new EstateError(failures.map((f) => `${f.address}: ${f.message ?? 'failed'}`).join('; '), {
      code: run.failureCode,
      source: 'aws',
      suggestions: ['fix the cause and run the same command again: it continues from this step'],
    });
  return { changes, results: result.results, ...id(known) };
}

/** What the steps of onboarding and offboarding share while they run. */
export interface StepRun<Deps, Request> {
  readonly deps: Deps;
  readonly request: Request;
  readonly now: () => Date;
  readonly sleep: (ms: number) => Promise<void>;
  config: EstateConfig;
  accountId?: string;
}

export interface StepOutcome {
  readonly status: Exclude<StepStatus, 'failed' | 'not-reached'>;
  readonly detail: string;
}

/** A step after an earlier one failed. */
export const notReached = <S extends string>(step: S) =>
  ({ step, status: 'not-reached', detail: 'not reached: an earlier step failed', elapsedMs: 0 }) as const;

/**
 * Runs one step as a task (`<prefix>:<step>`): its outcome, or `failed` with the error
 * described and reported (code `failedCode`), and how long it took.
 */
export async function runStep<S extends string>(
  run: StepRun<{ readonly io: IoHost }, { readonly name: string }>,
  step: { readonly id: S; readonly prefix: string; readonly title: string; readonly failedCode: string },
  runner: (task: Task) => Promise<StepOutcome>,
): Promise<{ step: S; status: StepStatus; detail: string; elapsedMs: number }> {
  const started = run.now().getTime();
  const task = await startTask(run.deps.io, `${step.prefix}:${step.id}`, step.title);
  try {
    const outcome = await runner(task);
    if (outcome.status === 'skipped') await task.skip(outcome.detail);
    else await task.done(outcome.detail);
    return { step: step.id, ...outcome, elapsedMs: run.now().getTime() - started };
  } catch (error) {
    const detail = describeError(error);
    await task.fail(detail);
    await run.deps.io.notify(
      ioMessage('error', step.failedCode, `${step.title}: ${detail}`, {
        step: step.id,
        name: run.request.name,
      }),
    );
    return { step: step.id, status: 'failed', detail, elapsedMs: run.now().getTime() - started };
  }
}

/** A run's start: the deps' clock and sleep (or the real ones), the config as last read. */
export function newRun<
  Deps extends {
    readonly now?: () => Date;
    readonly sleep?: (ms: number) => Promise<void>;
    readonly config: { current(): EstateConfig };
  },
  Request,
>(deps: Deps, request: Request): StepRun<Deps, Request> {
  return {
    deps,
    request,
    now: deps.now ?? (() => new Date()),
    sleep: deps.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))),
    config: deps.config.current(),
  };
}

/** The scoped apply of a step run: its sections, io, config, account, dry run and clock. */
export function scopedOf(
  run: StepRun<
    { readonly sections: ScopedRun['sections']; readonly io: IoHost },
    { readonly name: string; readonly dryRun: boolean }
  >,
  failureCode: string,
): ScopedRun {
  const { deps, request } = run;
  return {
    sections: deps.sections,
    io: deps.io,
    config: run.config,
    account: request.name,
    dryRun: request.dryRun,
    now: run.now,
    failureCode,
  };
}
