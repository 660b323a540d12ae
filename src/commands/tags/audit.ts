import { Flags } from '@oclif/core';
import { awsClientsFor } from '../../cli/aws-context.js';
import { BaseCommand, awsFlags, configFlag } from '../../cli/base-command.js';
import { cliIoHost } from '../../cli/io-host.js';
import { tagsDeps } from '../../cli/wiring.js';
import { trackProgress } from '../../cli/output.js';
import { loadConfig } from '../../config/loader.js';
import type { TagAuditReport } from '../../core/tags/audit.js';
import { tagsAuditService } from '../../core/tags/service.js';
import { renderAuditReport } from '../../cli/render-tags.js';

export default class TagsAudit extends BaseCommand<typeof TagsAudit> {
  static override summary =
    'Report resources missing a mandatory tag or holding a value estate.yaml does not allow.';
  static override description = `Lists resources in each account (through the access role, several accounts at once) and each governed region with the Resource Groups Tagging API, and checks them against tags.mandatory: a missing key, or a value outside its allowed list, makes a resource non-compliant.
Prints a summary table per account and one line per non-compliant resource. Exit 1 when an account could not be read, or with --strict when anything is non-compliant.
The Tagging API is regional: global resources (CloudFront distributions, ...) are listed only in us-east-1, so it is scanned too (for global resources only when it is not governed), and a resource seen in two regions counts once. It lists only resources that carry (or once carried) a tag, and only services it supports: the report says so.`;
  static override examples = [
    '<%= config.bin %> tags audit',
    '<%= config.bin %> tags audit --account dev-alice --account dev-bob --strict',
    '<%= config.bin %> tags audit --region eu-west-2 --json',
  ];
  static override flags = {
    ...configFlag,
    profile: awsFlags.profile,
    timeout: awsFlags.timeout,
    region: Flags.string({
      summary:
        'Audit only this region; default: every governed region, and us-east-1 for global resources (CloudFront, ...).',
      env: 'ESTATE_REGION',
    }),
    concurrency: awsFlags.concurrency,
    account: Flags.string({
      char: 'a',
      multiple: true,
      summary: 'Audit only this account (repeat the flag for several); default: every account.',
    }),
    strict: Flags.boolean({ summary: 'Exit 1 when any resource is non-compliant (for CI).' }),
  };

  async run(): Promise<TagAuditReport> {
    const { config, dir } = await loadConfig(this.flags.config);
    const clients = awsClientsFor(config, { profile: this.flags.profile, timeout: this.flags.timeout }, dir);
    const deps = await tagsDeps(config, clients);
    const report = await tagsAuditService(
      config,
      { accounts: this.flags.account ?? [], region: this.flags.region, concurrency: this.flags.concurrency },
      {
        ...deps,
        io: cliIoHost(this.mode, { interactive: false }),
        track: (work, run) => trackProgress(this.mode, work, run),
      },
    );
    if (!this.jsonEnabled()) this.log(renderAuditReport(report));
    if (report.failed > 0 || (this.flags.strict && report.nonCompliant > 0)) this.partialFailure();
    return report;
  }
}
