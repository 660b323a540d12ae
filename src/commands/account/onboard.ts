import { Args, Flags } from '@oclif/core';
import { BaseCommand, awsFlags, configFlag } from '../../cli/base-command.js';
import { awsClientsFor } from '../../cli/aws-context.js';
import { cliIoHost } from '../../cli/io-host.js';
import { trackProgress } from '../../cli/output.js';
import { inquirer } from '../../cli/prompts.js';
import { renderOnboard } from '../../cli/render-onboard.js';
import { onboardDeps } from '../../cli/wiring.js';
import { loadCheckedConfig } from '../../config/load-checked.js';
import { onboardingSettings, RECYCLED_FROM_TAG } from '../../config/onboarding.js';
import type { EstateConfig } from '../../config/schema.js';
import { IO } from '../../core/io.js';
import {
  ONBOARD_STEPS,
  onboardDeveloper,
  type OnboardRequest,
  type OnboardResult,
} from '../../core/onboard/onboard.js';
import { missingFlags, userError } from '../../errors.js';

const EMAIL_RE = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
const NAME_RE = /^[a-z0-9][a-z0-9-]{1,48}[a-z0-9]$/;

export default class AccountOnboard extends BaseCommand<typeof AccountOnboard> {
  static override summary = 'Onboard a developer: account, budget, access and first environment in one run.';
  static override description = `In order, each step skipped when it is already done, so a re-run does nothing and a run that failed at a step continues from it:
  1. adds the developer account and its first environment to estate.yaml, keeping its comments and layout (--no-config-write to skip);
  2. creates the account in the developer OU through the organisation engine (tags, owner) and waits for it;
  3. waits for Control Tower enrolment when the OU is registered with a managed landing zone;
  4. creates its budget and alerts (to the developer and onboarding.platformEmails);
  5. gives the IAM Identity Center user or group the permission set in the account (created and provisioned when absent);
  6. checks the CDK bootstrap (the estate-baseline StackSet, or the deploy bootstraps it directly);
  7. deploys the first environment with its TTL;
then prints a welcome: account id, access-portal URL, an ~/.aws/config profile, the environment's URLs, budget and expiry.
With --recycle <old>, an account offboarded earlier (estate account offboard <old>: in onboarding.suspendedOu, tagged estate:recycled) is handed over instead of a new one being created: AWS Organizations cannot rename an account or change its root e-mail, so it keeps both in AWS, while its estate.yaml entry changes hands (the new name, owner and OU, accounts[].id set to the account's id, tag estate:recycled-from: <old>); step 2 then moves it back to the developer OU and retags it, and step 4 replaces the old name's budget.
Missing flags are asked for on a terminal; a non-interactive run names every missing one at once.`;
  static override examples = [
    '<%= config.bin %> account onboard dev-bob --owner bob@acme.example.com --sso-user bob@acme.example.com',
    '<%= config.bin %> account onboard dev-bob --owner bob@acme.example.com --sso-group developers --budget 150 --yes --json',
    '<%= config.bin %> account onboard dev-bob --owner bob@acme.example.com --sso-user bob@acme.example.com --dry-run',
    '<%= config.bin %> account onboard dev-erin --recycle dev-dora --owner erin@acme.example.com --sso-user erin@acme.example.com --yes',
  ];
  static override args = {
    name: Args.string({
      description: 'The account name, as estate.yaml will know it (e.g. dev-bob).',
      required: true,
    }),
  };
  static override flags = {
    ...configFlag,
    ...awsFlags,
    email: Flags.string({
      summary: "The account's root e-mail. Default: organization.emailPattern.",
      exclusive: ['recycle'],
    }),
    recycle: Flags.string({
      summary:
        'Hand this offboarded account (its estate.yaml name) to the developer instead of creating one; it keeps its AWS name and root e-mail.',
      exclusive: ['email'],
    }),
    owner: Flags.string({ summary: "The developer's e-mail: the owner of the account and its environment." }),
    budget: Flags.integer({
      summary: 'Monthly budget in USD. Default: onboarding.budgetUsd, else the developer kind.',
      min: 1,
    }),
    'sso-user': Flags.string({
      summary: 'IAM Identity Center user (by e-mail) who gets access.',
      exclusive: ['sso-group'],
    }),
    'sso-group': Flags.string({
      summary: 'IAM Identity Center group (by name) that gets access.',
      exclusive: ['sso-user'],
    }),
    'permission-set': Flags.string({
      summary: 'Permission set to assign. Default: onboarding.permissionSet.name.',
    }),
    env: Flags.string({ summary: 'The first environment. Default: <name>-dev.' }),
    'dry-run': Flags.boolean({
      summary: 'Say what each step would do; change nothing (estate.yaml included).',
    }),
    'config-write': Flags.boolean({
      summary:
        'Add the account and environment to estate.yaml (--no-config-write: they must be there already).',
      allowNo: true,
      default: true,
    }),
  };

  async run(): Promise<OnboardResult> {
    const { args, flags } = await this.parse(AccountOnboard);
    const loaded = await loadCheckedConfig(flags.config);
    const request = await this.request(args.name, loaded.config);
    const clients = awsClientsFor(loaded.config, flags, loaded.dir);
    const base = cliIoHost(this.mode, { interactive: false });
    const result = await trackProgress(
      this.mode,
      ONBOARD_STEPS.map((step) => ({ id: `onboard:${step}`, title: step })),
      async (io) => {
        const deps = await onboardDeps(loaded, clients, io);
        return onboardDeveloper(deps, request);
      },
      process.stderr,
      { running: 'Onboarding', finished: 'Onboarded', noun: 'step' },
      base,
    );
    if (!this.jsonEnabled())
      this.log(
        renderOnboard(result, { color: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR }).trimEnd(),
      );
    if (!result.ok) this.partialFailure();
    return result;
  }

  /** The request from the flags, then prompts on a terminal; every missing answer named at once in CI. */
  private async request(name: string, config: EstateConfig): Promise<OnboardRequest> {
    const { flags } = this;
    if (!NAME_RE.test(name))
      throw userError(
        'InvalidAccountName',
        `account name "${name}": use 3–50 lower-case letters, digits and hyphens`,
        ['e.g. dev-bob'],
      );
    const settings = onboardingSettings(config);
    if (!settings.developerOu)
      throw userError(
        'NoDeveloperOu',
        'estate.yaml: onboarding.developerOu is not set and the developer accounts are not all in one OU',
        ['set onboarding.developerOu to the OU path new developer accounts go to'],
      );
    const f = flags as Record<string, unknown>;
    const answers = {
      owner: flags.owner,
      principal: flags['sso-user']
        ? { kind: 'user' as const, email: flags['sso-user'] }
        : flags['sso-group']
          ? { kind: 'group' as const, name: flags['sso-group'] }
          : undefined,
      yes: Boolean(f.yes) || Boolean(flags['dry-run']),
    };
    if (!this.interactive) {
      const missing = [
        ...(answers.owner ? [] : [{ flag: '--owner <email>', what: "the developer's e-mail" }]),
        ...(answers.principal
          ? []
          : [{ flag: '--sso-user <email> or --sso-group <name>', what: 'who gets access' }]),
        ...(answers.yes
          ? []
          : [
              {
                flag: '--yes',
                what: flags.recycle
                  ? `confirmation to hand ${flags.recycle} over`
                  : 'confirmation to create the account',
              },
            ]),
      ];
      if (missing.length) throw missingFlags(missing);
    }
    const { input, select, confirm } = await (answers.owner && answers.principal && answers.yes
      ? Promise.resolve({ input: undefined, select: undefined, confirm: undefined })
      : inquirer());
    const owner =
      answers.owner ??
      (await input!({
        message: "Developer's e-mail (owner)",
        validate: (v: string) => EMAIL_RE.test(v) || 'an e-mail address',
      }));
    if (!EMAIL_RE.test(owner))
      throw userError('InvalidFlag', `--owner ${owner}: not an e-mail address`, [
        "pass the developer's e-mail",
      ]);
    let principal = answers.principal;
    if (!principal) {
      const kind = await select!({
        message: 'Who gets access in IAM Identity Center?',
        choices: [
          { name: `the user ${owner}`, value: 'user' },
          { name: 'a group', value: 'group' },
        ],
      });
      principal =
        kind === 'user'
          ? { kind: 'user', email: owner }
          : {
              kind: 'group',
              name: await input!({ message: 'Group name', validate: (v: string) => v.trim().length > 0 }),
            };
    }
    const recycle = flags.recycle;
    if (recycle !== undefined && recycle === name)
      throw userError('InvalidFlag', `--recycle ${recycle}: it is the new account's name too`, [
        'pass the new developer account name as the argument and the offboarded account as --recycle',
      ]);
    // A recycled account keeps its root e-mail: the old entry's, or the handed-over entry's on a re-run.
    const recycledEmail =
      recycle === undefined
        ? undefined
        : (config.accounts.find((a) => a.name === recycle)?.email ??
          config.accounts.find((a) => a.name === name && a.tags?.[RECYCLED_FROM_TAG] === recycle)?.email ??
          config.organization.emailPattern.replaceAll('{account}', recycle));
    const email =
      recycledEmail ?? flags.email ?? config.organization.emailPattern.replaceAll('{account}', name);
    if (!EMAIL_RE.test(email))
      throw userError('InvalidFlag', `--email ${email}: not an e-mail address`, [
        'pass the root e-mail of the account',
      ]);
    const environment = flags.env ?? `${name}-dev`;
    const budgetUsd = flags.budget ?? settings.budgetUsd;
    const request: OnboardRequest = {
      name,
      email,
      owner,
      ...(budgetUsd !== undefined ? { budgetUsd } : {}),
      // The developer, and the platform team: onboarding.platformEmails, else whoever the developer kind alerts.
      alertEmails: [
        ...new Set(
          [
            owner,
            ...(settings.platformEmails.length
              ? settings.platformEmails
              : (config.budgets?.byKind.developer?.emails ?? config.budgets?.alertEmails ?? [])),
          ].map((e) => e.toLowerCase()),
        ),
      ].slice(0, 10),
      principal,
      permissionSet: {
        ...settings.permissionSet,
        name: flags['permission-set'] ?? settings.permissionSet.name,
        description: 'estate: developer access',
      },
      ou: settings.developerOu,
      environment: { name: environment, blueprints: settings.blueprints, ttl: settings.ttl },
      configWrite: flags['config-write'],
      dryRun: Boolean(flags['dry-run']),
      ...(recycle !== undefined ? { recycle: { from: recycle, suspendedOu: settings.suspendedOu } } : {}),
    };
    if (!answers.yes) {
      const ok = await confirm!({
        message: `${recycle !== undefined ? `Hand the offboarded account ${recycle} (${email}) to ${name}, moving it back to` : `Create account ${name} (${email}) in`} ${settings.developerOu}, budget ${budgetUsd ?? 'by kind'} USD, access for ${principal.kind === 'user' ? principal.email : principal.name}, and deploy ${environment}?`,
        default: true,
      });
      if (!ok)
        throw userError(IO.CONFIRM_APPLY, 'onboarding cancelled: nothing was changed', [
          'run it again and answer yes, or pass --yes',
        ]);
    }
    return request;
  }
}
