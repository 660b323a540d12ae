import { Flags } from '@oclif/core';
import { awsClientsFor } from '../../cli/aws-context.js';
import { BaseCommand, awsFlags, configFlag } from '../../cli/base-command.js';
import { trackProgress } from '../../cli/output.js';
import { renderTagRepairPlan } from '../../cli/render-tags.js';
import { loadConfig } from '../../config/loader.js';
import { configThenOrganization, resolveAccounts } from '../../core/finops/account-ids.js';
import {
  applyTagRepair,
  planTagRepair,
  type TagRepairPlan,
  type TagRepairResult,
} from '../../core/tags/apply.js';
import { settleConcurrent } from '../../core/concurrency.js';
import type { TaggedResource } from '../../core/tags/ports.js';
import { mergeRegions, tagScanRegions, visibilityNotes } from '../../core/tags/regions.js';

export interface TagsApplyResult {
  readonly dryRun: boolean;
  readonly plan: TagRepairPlan;
  readonly result?: TagRepairResult;
}

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
    const account = config.accounts.find((a) => a.name === this.flags.account);
    const clients = awsClientsFor(config, { profile: this.flags.profile, timeout: this.flags.timeout }, dir);
    const { organizationAccountLister, organizationsFor } = await import('../../aws/finops.js');
    const { taggingPort } = await import('../../aws/tagging.js');
    const directory = configThenOrganization(config, organizationAccountLister(organizationsFor(clients)));
    const [target] = await resolveAccounts(config, directory, [this.flags.account]);
    const scan = tagScanRegions(config, this.flags.region);
    const { regions } = scan;
    const port = taggingPort(clients);

    const listed = await settleConcurrent(regions, this.flags.concurrency, (region) =>
      port.listResources(target!.id, region),
    );
    const failure = listed.find((r) => r.status === 'rejected');
    if (failure) throw (failure as PromiseRejectedResult).reason;
    // Each ARN once; global resources are tagged through the region that lists them.
    const resources = mergeRegions(
      new Map<string, TaggedResource[]>(
        regions.map((region, i) => [region, (listed[i] as PromiseFulfilledResult<TaggedResource[]>).value]),
      ),
      scan,
    );
    const plan = planTagRepair(config, account!, target!.id, resources, visibilityNotes(scan));

    if (!this.flags.yes || plan.additions.length === 0) {
      if (!this.jsonEnabled()) this.log(renderTagRepairPlan(plan, 'dry-run'));
      if (plan.additions.length)
        this.note(`dry run: re-run with --yes to tag ${plan.additions.length} resources`);
      return { dryRun: !this.flags.yes, plan };
    }
    if (!this.jsonEnabled()) this.log(renderTagRepairPlan(plan, 'applied'));
    const result = await trackProgress(
      this.mode,
      [{ id: `tags-apply:${plan.account}`, title: `tag resources in ${plan.account}` }],
      (progress) => applyTagRepair(port, plan, { concurrency: this.flags.concurrency, progress }),
    );
    if (!this.jsonEnabled()) {
      this.log(`Tagged ${result.tagged} of ${plan.additions.length} resources.`);
      for (const f of result.failed) this.log(`  ✖ ${f.arn}: ${f.reason}`);
    }
    if (result.failed.length) this.partialFailure();
    return { dryRun: false, plan, result };
  }
}
