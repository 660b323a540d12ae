import { writeFile } from 'node:fs/promises';
import { Flags } from '@oclif/core';
import { BaseCommand, awsFlags, configFlag } from '../cli/base-command.js';
import { renderPlan } from '../cli/render-plan.js';
import { computePlan } from '../cli/plan-run.js';
import type { Plan } from '../core/plan/types.js';

export default class PlanCommand extends BaseCommand<typeof PlanCommand> {
  static override summary = 'Show the changes that would make the AWS estate match estate.yaml.';
  static override description = `Reads the live organisation from the management account (or, with --offline, assumes an empty one and calls nothing) and prints what apply would do, section by section:
  + create   ~ update   → move   - delete/detach   ! drift estate reports but will not fix on its own.
With --detailed-exitcode the exit code is 0 for no changes, 2 for changes, 1 for an error.`;
  static override examples = [
    '<%= config.bin %> plan',
    '<%= config.bin %> plan --offline --config templates/examples/recall/estate.yaml',
    '<%= config.bin %> plan --out plan.json && <%= config.bin %> apply --plan plan.json',
    '<%= config.bin %> plan --json --detailed-exitcode',
  ];
  static override flags = {
    ...configFlag,
    ...awsFlags,
    offline: Flags.boolean({ summary: 'Plan against an empty organisation without any AWS call.' }),
    out: Flags.string({ char: 'o', summary: 'Also save the plan as JSON, for `estate apply --plan`.' }),
    prune: Flags.boolean({
      summary: 'Plan deletion of empty OUs that are not in estate.yaml (apply asks to confirm).',
    }),
    'detailed-exitcode': Flags.boolean({
      summary: 'Exit 0 when there are no changes, 2 when there are, 1 on error.',
    }),
  };

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
