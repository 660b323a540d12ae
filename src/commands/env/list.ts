import { Flags } from '@oclif/core';
import { BaseCommand, awsFlags, configFlag } from '../../cli/base-command.js';
import { awsClientsFor } from '../../cli/aws-context.js';
import { checkAccounts, colorOnStdout } from '../../cli/env-run.js';
import { cliIoHost } from '../../cli/io-host.js';
import { loadPriceTable } from '../../cli/prices.js';
import { renderList } from '../../cli/render-env.js';
import { envServiceDeps } from '../../cli/wiring.js';
import { loadConfig } from '../../config/loader.js';
import { listEnvironments, type ListResult } from '../../core/env/service.js';

export default class EnvList extends BaseCommand<typeof EnvList> {
  static override summary = 'List the environments deployed in the accounts, from their stack tags.';
  static override description = `Reads the stacks of every configured account (or --account ones) in their regions, all accounts at once, and groups them by their estate:env tag: environment, account, blueprints, worst stack status, age, owner, expiry, protection, and the estimated monthly cost always on and with its schedule (templates/prices.json; env cost breaks it down). Environments that estate.yaml does not declare (left by a PR preview, renamed) are listed too and flagged orphan. An account that cannot be read is reported and the others are still listed (exit 1). Read-only; never loads the CDK toolkit.`;
  static override examples = [
    '<%= config.bin %> env list',
    '<%= config.bin %> env list --account dev-alice --account dev-bob',
    '<%= config.bin %> env list --json',
  ];
  static override flags = {
    ...configFlag,
    ...awsFlags,
    account: Flags.string({
      char: 'a',
      multiple: true,
      summary: 'Only this account (its estate name); repeat for several. Default: every account.',
    }),
  };

  async run(): Promise<ListResult> {
    const loaded = await loadConfig(this.flags.config);
    if (this.flags.account?.length) checkAccounts(loaded.config, this.flags.account);
    const clients = awsClientsFor(loaded.config, this.flags, loaded.dir);
    const io = cliIoHost(this.mode, { interactive: false });
    const result = await listEnvironments(
      await envServiceDeps(loaded.config, clients, io),
      loaded.config,
      {
        ...(this.flags.account?.length ? { accounts: [...new Set(this.flags.account)] } : {}),
        prices: loadPriceTable(),
      },
      { io, interactive: false },
    );
    if (!this.jsonEnabled()) this.log(renderList(result, { color: colorOnStdout() }));
    if (result.unreadable.length) this.partialFailure();
    return result;
  }
}
