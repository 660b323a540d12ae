import { Args, Flags } from '@oclif/core';
import { BaseCommand, awsFlags, configFlag } from '../../cli/base-command.js';
import { awsClientsFor } from '../../cli/aws-context.js';
import { cliIoHost } from '../../cli/io-host.js';
import { trackProgress } from '../../cli/output.js';
import { inquirer } from '../../cli/prompts.js';
import { renderOffboard } from '../../cli/render-offboard.js';
import { offboardDeps } from '../../cli/wiring.js';
import { loadCheckedConfig } from '../../config/load-checked.js';
import { onboardingSettings } from '../../config/onboarding.js';
import { IO } from '../../core/io.js';
import {
  CLOSE_WARNINGS,
  OFFBOARD_STEPS,
  offboardDeveloper,
  type OffboardRequest,
  type OffboardResult,
} from '../../core/onboard/offboard.js';
import { missingFlags, userError } from '../../errors.js';

export default class AccountOffboard extends BaseCommand<typeof AccountOffboard> {
  static override summary = 'Offboard a developer: empty their account and park it for the next one.';
  static override description = `In order, each step skipped when it is already done, so a re-run does nothing and a run that failed at a step continues from it:
  1. destroys the account's environments through the env engine (a protected one is refused: destroy it with estate env destroy --force-protected first), and any whose stacks (tagged estate:env) are in the account although estate.yaml no longer declares them there, as the reaper finds orphans;
  2. deletes every IAM Identity Center assignment in the account;
  3. marks the account recycled in estate.yaml: tag estate:recycled, ou onboarding.suspendedOu (declared with a deny-all SCP), its environments taken out (--no-config-write: it must be so already);
  4. removes the budget's deny-new-resources action (the budget stays);
  5. moves the account to the suspended OU, attaches its deny-all SCP and tags it, through the organisation engine;
  6. with --close only: closes the account (CloseAccount), after a typed confirmation.
Closing counts against the Organizations quota (10% of member accounts, between 10 and 1000, in a rolling 30 days); a closed account is SUSPENDED for 90 days, then gone.`;
  static override examples = [
    '<%= config.bin %> account offboard dev-bob',
    '<%= config.bin %> account offboard dev-bob --yes --json',
    '<%= config.bin %> account offboard dev-bob --dry-run',
    '<%= config.bin %> account offboard dev-bob --close --confirm-close dev-bob --yes',
  ];
  static override args = {
    name: Args.string({ description: 'The account to offboard, as estate.yaml names it.', required: true }),
  };
  static override flags = {
    ...configFlag,
    ...awsFlags,
    'dry-run': Flags.boolean({
      summary: 'Say what each step would do; change nothing (estate.yaml included).',
    }),
    'config-write': Flags.boolean({
      summary: 'Mark the account recycled in estate.yaml (--no-config-write: it must be marked already).',
      allowNo: true,
      default: true,
    }),
    close: Flags.boolean({ summary: 'Close the account after parking it (asks for its name to be typed).' }),
    'confirm-close': Flags.string({
      summary: 'The account name, typed again: the confirmation --close needs in a non-interactive run.',
      dependsOn: ['close'],
    }),
  };

  async run(): Promise<OffboardResult> {
    const { args, flags } = await this.parse(AccountOffboard);
    const loaded = await loadCheckedConfig(flags.config);
    if (!loaded.config.accounts.some((a) => a.name === args.name))
      throw userError('UnknownAccount', `estate.yaml declares no account "${args.name}"`, [
        `known accounts: ${loaded.config.accounts.map((a) => a.name).join(', ')}`,
      ]);
    const request: OffboardRequest = {
      name: args.name,
      suspendedOu: onboardingSettings(loaded.config).suspendedOu,
      configWrite: flags['config-write'],
      close: flags.close,
      dryRun: flags['dry-run'],
    };
    await this.confirm(request);
    const clients = awsClientsFor(loaded.config, flags, loaded.dir);
    const result = await trackProgress(
      this.mode,
      OFFBOARD_STEPS.map((step) => ({ id: `offboard:${step}`, title: step })),
      async (io) => {
        return offboardDeveloper(await offboardDeps(loaded, clients, io), request);
      },
      process.stderr,
      { running: 'Offboarding', finished: 'Offboarded', noun: 'step' },
      cliIoHost(this.mode, { interactive: false }),
    );
    if (!this.jsonEnabled())
      this.log(
        renderOffboard(result, { color: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR }).trimEnd(),
      );
    if (!result.ok) this.partialFailure();
    return result;
  }

  /** --yes and, with --close, the typed name; in CI every missing one is named at once. */
  private async confirm(request: OffboardRequest): Promise<void> {
    const { flags } = this;
    const yes = Boolean((flags as Record<string, unknown>).yes) || request.dryRun;
    const typed = flags['confirm-close'];
    if (typed !== undefined && typed !== request.name)
      throw userError(
        'CloseNotConfirmed',
        `--confirm-close ${typed}: it must be the account name, ${request.name}`,
        [`pass --confirm-close ${request.name}`],
      );
    const needsName = request.close && !request.dryRun && typed === undefined;
    if (!this.interactive) {
      const missing = [
        ...(yes ? [] : [{ flag: '--yes', what: 'confirmation to offboard the account' }]),
        ...(needsName
          ? [{ flag: `--confirm-close ${request.name}`, what: 'the account name, to close it' }]
          : []),
      ];
      if (missing.length) throw missingFlags(missing);
    }
    if (request.close && !request.dryRun) for (const w of CLOSE_WARNINGS) this.warn(w);
    if (yes && !needsName) return;
    const { confirm, input } = await inquirer();
    if (!yes) {
      const ok = await confirm({
        message: `Offboard ${request.name}: destroy its environments, remove its access and park it in ${request.suspendedOu}?`,
        default: false,
      });
      if (!ok)
        throw userError(IO.CONFIRM_APPLY, 'offboarding cancelled: nothing was changed', [
          'run it again and answer yes, or pass --yes',
        ]);
    }
    if (needsName) {
      const name = await input({ message: `Type the account name (${request.name}) to close it for good` });
      if (name.trim() !== request.name)
        throw userError('CloseNotConfirmed', 'the name typed is not the account name: nothing was changed', [
          'run it again and type the name exactly',
        ]);
    }
  }
}
