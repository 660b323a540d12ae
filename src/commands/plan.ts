import { writeFile } from 'node:fs/promises';
import { Flags } from '@oclif/core';
import { BaseCommand, awsFlags, configFlag } from '../cli/base-command.js';
import { renderPlan } from '../cli/render-plan.js';
import { computePlan, scopeFlags } from '../cli/plan-run.js';
import type { Plan } from '../core/plan/types.js';
import type { EstateError } from '../errors.js';

export default class PlanCommand extends BaseCommand<typeof PlanCommand> {
  static override summary = 'Show the changes that would make the AWS estate match estate.yaml.';
  static override description = `Reads the live organisation from the management account (or, with --offline, assumes an empty one and calls nothing) and prints what apply would do, section by section:
  + create   ~ update   → move   - delete/detach   ! drift estate reports but will not fix on its own.
With --detailed-exitcode the exit code follows Terraform's contract: 0 for no changes, 2 for changes, 1 for any error (a bad config or flag included). Without it, 0 means the plan was computed, 1 an AWS or internal error and 2 a usage or config error.`;
  static override examples = [
    '<%= config.bin %> plan',
    '<%= config.bin %> plan --offline --config templates/examples/recall/estate.yaml',
    '<%= config.bin %> plan --out plan.json && <%= config.bin %> apply --plan plan.json',
    '<%= config.bin %> plan --json --detailed-exitcode',
    '<%= config.bin %> plan --section budgets --account dev-alice',
  ];
  static override flags = {
    ...configFlag,
    ...awsFlags,
    ...scopeFlags,
    offline: Flags.boolean({ summary: 'Plan against an empty organisation without any AWS call.' }),
    out: Flags.string({ char: 'o', summary: 'Also save the plan as JSON, for `estate apply --plan`.' }),
    prune: Flags.boolean({
      summary: 'Plan deletion of empty OUs that are not in estate.yaml (apply asks to confirm).',
    }),
    'detailed-exitcode': Flags.boolean({
      summary: 'Exit 0 when there are no changes, 2 when there are, 1 on any error (bad config or flag too).',
      description:
        "Terraform's contract, for CI: 2 means changes only. Without this flag a usage or config error exits 2 and an AWS error 1.",
    }),
  };

  /** Under --detailed-exitcode 2 means "changes", so every error exits 1 (even a bad flag, before parsing). */
  protected override exitCodeFor(error: EstateError): number {
    const detailed = this.argv.some((arg) => arg === '--detailed-exitcode');
    return detailed ? 1 : super.exitCodeFor(error);
  }

  async run(): Promise<Plan> {
    const { plan } = await computePlan(this.flags, this.mode);
    if (this.flags.out) {
      await writeFile(this.flags.out, `${JSON.stringify(plan, null, 2)}\n`, 'utf8');
      this.note(`saved the plan to ${this.flags.out}`);
    }
    if (!this.jsonEnabled())
      this.log(renderPlan(plan, { color: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR }).trimEnd());
    if (this.flags['detailed-exitcode'] && plan.changes.some((c) => c.action !== 'drift'))
      process.exitCode = 2;
    return plan;
  }
}
