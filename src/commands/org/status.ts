import { Flags } from '@oclif/core';
import { BaseCommand, awsFlags, configFlag } from '../../cli/base-command.js';
import { awsClientsFor } from '../../cli/aws-context.js';
import { orgStatusDeps } from '../../cli/wiring.js';
import { renderOrgStatus, statusMermaid } from '../../cli/render-org-status.js';
import { loadConfig } from '../../config/loader.js';
import type { OrgStatus } from '../../core/org/status.js';

export default class OrgStatusCommand extends BaseCommand<typeof OrgStatusCommand> {
  static override summary = 'List the live organisation and where it differs from estate.yaml.';
  static override description =
    'Reads the organisation from the management account: OUs, accounts with id, status, kind, owner and tags, each with its differences from estate.yaml (wrong OU, tag values, items not in the config), and what the config declares that AWS does not have yet. Read-only.';
  static override examples = [
    '<%= config.bin %> org status',
    '<%= config.bin %> org status --format mermaid',
    '<%= config.bin %> org status --json',
  ];
  static override flags = {
    ...configFlag,
    ...awsFlags,
    format: Flags.string({
      char: 'f',
      summary: 'Output format.',
      options: ['table', 'mermaid'] as const,
      default: 'table',
    }),
  };

  async run(): Promise<OrgStatus> {
    const loaded = await loadConfig(this.flags.config);
    const clients = awsClientsFor(loaded.config, this.flags, loaded.dir);
    const [deps, { orgStatusService }] = await Promise.all([
      orgStatusDeps(clients),
      import('../../core/org/status.js'),
    ]);
    const { status, snapshot } = await orgStatusService(
      loaded.config,
      { configDir: loaded.dir, concurrency: Math.max(this.flags.concurrency, 4) },
      deps,
    );
    if (this.jsonEnabled()) return status;
    this.log(
      this.flags.format === 'mermaid' ? statusMermaid(status, snapshot).trimEnd() : renderOrgStatus(status),
    );
    return status;
  }
}
