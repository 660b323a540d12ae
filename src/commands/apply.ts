import { readFile } from 'node:fs/promises';
import { Flags } from '@oclif/core';
import { BaseCommand, awsFlags, configFlag } from '../cli/base-command.js';
import { applySummary, trackProgress } from '../cli/output.js';
import { computePlan, scopeFlags, scopeFromFlags } from '../cli/plan-run.js';
import { cliIoHost } from '../cli/io-host.js';
import { renderApplyResult, renderPlan, summaryLine } from '../cli/render-plan.js';
import { IO } from '../core/io.js';
import { confirmApply } from '../core/plan/confirm.js';
import { applyEstate, assertPlanCurrent } from '../core/plan/engine.js';
import { isActionable, type ApplyResult, type Plan } from '../core/plan/types.js';
import { userError } from '../errors.js';

export interface ApplyOutput {
  readonly plan: Plan;
  readonly dryRun: boolean;
  readonly applied: boolean;
  readonly result?: ApplyResult;
  /** By action, e.g. "Applied in 12s: 2 accounts created, 1 account moved, 1 failed". */
  readonly summary?: string;
  readonly elapsedMs?: number;
}

export default class Apply extends BaseCommand<typeof Apply> {
  static override summary = 'Make the AWS estate match estate.yaml.';
  static override description = `Computes the plan, shows it, asks for confirmation (or --yes; a non-interactive run without --yes fails), then applies it with live progress. Running it twice in a row changes nothing the second time. If it is interrupted, run it again: it resumes from what AWS shows, and follows account creations already in flight instead of requesting them twice.
With --plan it re-reads the organisation and refuses when the saved plan no longer matches reality.`;
  static override examples = [
    '<%= config.bin %> apply',
    '<%= config.bin %> apply --dry-run',
    '<%= config.bin %> apply --plan plan.json --yes',
    '<%= config.bin %> apply --section controltower --no-wait',
  ];
  static override flags = {
    ...configFlag,
    ...awsFlags,
    ...scopeFlags,
    plan: Flags.string({
      summary: 'Apply this saved plan (from `estate plan --out`), if it still matches reality.',
    }),
    'dry-run': Flags.boolean({ summary: 'Show the plan and stop: change nothing.' }),
    prune: Flags.boolean({ summary: 'Also delete empty OUs that are not in estate.yaml.' }),
    'no-wait': Flags.boolean({
      summary:
        'Start the Control Tower landing zone (30–45 minutes) and return; `estate ct status` follows it.',
      description:
        'With --no-wait the estate-governance stack (the Control Tower landing zone) is started and the apply returns: follow it with `estate ct status`, and apply again once it is done. The other stacks still wait (minutes).',
    }),
    'confirm-prune': Flags.string({
      summary: 'The organisation name, typed, to allow --prune deletions without a prompt.',
      dependsOn: ['prune'],
    }),
  };

  async run(): Promise<ApplyOutput> {
    // In CI the confirmations come from flags: say which are missing before planning (AWS reads).
    if (!this.flags['dry-run'])
      this.requireInCi([
        {
          flag: '--confirm-prune <organisation name>',
          what: 'typed confirmation of OU deletion',
          given: !this.flags.prune || this.flags['confirm-prune'] !== undefined,
        },
        { flag: '--yes', what: 'confirmation to apply the changes', given: Boolean(this.flags.yes) },
      ]);
    // A bad plan file is a usage error: say so before any AWS call.
    const saved = this.flags.plan ? await readSavedPlan(this.flags.plan) : undefined;
    // A saved plan keeps the scope it was made with; flags that ask for another one are refused.
    const flagged = scopeFromFlags(this.flags);
    const scope = saved && !flagged.sections && !flagged.accounts ? (saved.scope ?? {}) : flagged;
    const computed = await computePlan(
      { ...this.flags, offline: false, noWait: this.flags['no-wait'] },
      this.mode,
      scope,
    );
    let plan = computed.plan;
    if (saved) {
      assertPlanCurrent(saved, plan);
      plan = saved;
    }
    const color = Boolean(process.stderr.isTTY) && !process.env.NO_COLOR;
    if (!this.jsonEnabled()) process.stderr.write(renderPlan(plan, { color }));
    const actionable = plan.changes.filter(isActionable);
    if (actionable.length === 0) {
      this.log('No changes to apply.');
      return { plan, dryRun: Boolean(this.flags['dry-run']), applied: false };
    }
    if (this.flags['dry-run']) {
      this.log(`Dry run: ${summaryLine(plan.changes)} Nothing was changed.`);
      return { plan, dryRun: true, applied: false };
    }
    // Flags answer first; a person at a terminal is asked; otherwise the safe default stops the run.
    const io = cliIoHost(this.mode, {
      interactive: this.interactive,
      answers: {
        [IO.CONFIRM_APPLY]: this.flags.yes ? true : undefined,
        [IO.CONFIRM_PRUNE]: this.flags['confirm-prune'],
      },
    });
    await confirmApply(io, {
      plan,
      organizationName: computed.loaded.config.organization.name,
      summary: summaryLine(plan.changes),
    });

    const steps = actionable.map((c) => ({ id: c.address, title: c.summary }));
    const started = Date.now();
    const result = await trackProgress(
      this.mode,
      steps,
      (io) =>
        applyEstate(computed.loaded.config, computed.sections.list, computed, {
          io,
          concurrency: this.flags.concurrency,
        }),
      process.stderr,
      { running: 'Applying', finished: 'Applied', noun: 'change' },
      io,
    );
    const elapsedMs = Date.now() - started;
    const summary = applySummary(plan.changes, result.results, elapsedMs);
    if (!this.jsonEnabled()) {
      // Applied but still running (--no-wait): what follows.
      for (const r of result.results.filter((x) => x.status === 'applied' && x.message))
        this.log(`${plan.changes.find((c) => c.address === r.address)?.summary ?? r.address}: ${r.message}`);
      this.log(renderApplyResult(plan, result, { color: Boolean(process.stdout.isTTY) }).trimEnd());
      this.log(summary);
    }
    if (!result.ok) this.partialFailure();
    return { plan, dryRun: false, applied: true, result, summary, elapsedMs };
  }
}

async function readSavedPlan(path: string): Promise<Plan> {
  try {
    const plan = JSON.parse(await readFile(path, 'utf8')) as Plan;
    if (!plan || plan.version !== 1 || !Array.isArray(plan.changes)) throw new Error('not an estate plan');
    return plan;
  } catch (error) {
    throw userError('InvalidPlanFile', `--plan ${path}: ${(error as Error).message}`, [
      'pass a file written by `estate plan --out <file>`',
    ]);
  }
}
