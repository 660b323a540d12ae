import { Flags } from '@oclif/core';
import { awsClientsFor } from '../../cli/aws-context.js';
import { BaseCommand, awsFlags, configFlag } from '../../cli/base-command.js';
import { cliIoHost } from '../../cli/io-host.js';
import { tagsDeps } from '../../cli/wiring.js';
import { trackProgress } from '../../cli/output.js';
import { renderTagRepairPlan } from '../../cli/render-tags.js';
import { loadConfig } from '../../config/loader.js';
import { tagsApplyService, type TagsApplyResult } from '../../core/tags/service.js';

export default class TagsApply extends BaseCommand<typeof TagsApply> {
  static override summary =
    'Add the mandatory tags that resources in one account lack (a dry run unless --yes).';
  static override description = `Lists the account's resources in each governed region with the Resource Groups Tagging API and adds every mandatory tag a resource lacks, with the value estate.yaml gives the account (accounts[].tags, tags.byKind, else the tag's default). Values already set are never changed.
Global resources (CloudFront distributions, ...) are listed and tagged only through us-east-1, so it is scanned too. Resources never tagged, and services the Tagging API does not cover, are invisible to it: the output says so.
Without --yes it only prints what it would tag.`;
  static override examples = [
    '<%= config.bin %> tags apply --account dev-alice --missing-only',
    '<%= config.bin %> tags apply --account dev-alice --missing-only --yes',
  ];
  static override flags = {
    ...configFlag,
    ...awsFlags,
    region: Flags.string({
      summary:
        'Tag only in this region; default: every governed region, and us-east-1 for global resources (CloudFront, ...).',
      env: 'ESTATE_REGION',
    }),
    account: Flags.string({ char: 'a', required: true, summary: 'The account to repair (its estate name).' }),
    'missing-only': Flags.boolean({
      required: true,
      summary: 'Add only tags that are missing (the one mode today: existing values are never changed).',
    }),
  };

  async run(): Promise<TagsApplyResult> {
    const { config, dir } = await loadConfig(this.flags.config);
    const clients = awsClientsFor(config, { profile: this.flags.profile, timeout: this.flags.timeout }, dir);
    const deps = await tagsDeps(config, clients);
    const out = await tagsApplyService(
      config,
      {
        account: this.flags.account,
        region: this.flags.region,
        concurrency: this.flags.concurrency,
        apply: this.flags.yes,
      },
      {
        ...deps,
        io: cliIoHost(this.mode, { interactive: false }),
        track: (work, run) => trackProgress(this.mode, work, run),
      },
    );
    const { plan, result } = out;
    if (!result) {
      if (!this.jsonEnabled()) this.log(renderTagRepairPlan(plan, 'dry-run'));
      if (plan.additions.length)
        this.note(`dry run: re-run with --yes to tag ${plan.additions.length} resources`);
      return out;
    }
    if (!this.jsonEnabled()) {
      this.log(renderTagRepairPlan(plan, 'applied'));
      this.log(`Tagged ${result.tagged} of ${plan.additions.length} resources.`);
      for (const f of result.failed) this.log(`  ✖ ${f.arn}: ${f.reason}`);
    }
    if (result.failed.length) this.partialFailure();
    return out;
  }
}
