import { Flags } from '@oclif/core';
import { BaseCommand, awsFlags, configFlag } from '../../cli/base-command.js';
import { awsClientsFor } from '../../cli/aws-context.js';
import { orgStatusDeps } from '../../cli/wiring.js';
import { table } from '../../cli/table.js';
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
    const [{ organizations: port, callerAccountId }, org, { orgStatus, statusMermaid }] = await Promise.all([
      orgStatusDeps(clients),
      import('../../core/org/index.js'),
      import('../../core/org/status.js'),
    ]);
    const sources = await org.loadPolicySources(loaded.config, { configDir: loaded.dir });
    const snapshot = await org.readSnapshot(port, {
      concurrency: Math.max(this.flags.concurrency, 4),
      ...org.managementCheckOptions(loaded.config, await callerAccountId()),
    });
    const status = orgStatus(snapshot, org.desiredOrganization(loaded.config, sources));
    if (this.jsonEnabled()) return status;
    if (this.flags.format === 'mermaid') {
      this.log(statusMermaid(status, snapshot).trimEnd());
      return status;
    }
    if (!snapshot.organization) {
      this.log('This account is not in an organisation yet: `estate plan` shows what apply would create.');
      return status;
    }
    this.log(`Organisation ${status.organizationId} (management account ${status.managementAccountId})\n`);
    this.log(
      table(
        ['PATH', 'ID', 'STATUS', 'KIND', 'OWNER', 'DIFFERS FROM estate.yaml'],
        status.rows.map((r) => [
          r.type === 'ou' ? `${r.path}/` : r.path || 'Root',
          r.id,
          r.status ?? '',
          r.kind ?? '',
          r.owner ?? '',
          r.differences.join('; '),
        ]),
      ),
    );
    if (status.missing.length)
      this.log(`\nNot in AWS yet: ${status.missing.join(', ')} (run \`estate plan\`)`);
    this.log(status.inSync ? '\n✔ in sync with estate.yaml' : '\n! differs from estate.yaml');
    return status;
  }
}
