import { dirname, resolve } from 'node:path';
import { Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base-command.js';
import { initPromptHost } from '../cli/init-prompts.js';
import { INIT_TEMPLATES, type InitTemplate } from '../config/init.js';
import { CI_SYSTEMS, initCi, initService, type CiInitResult, type InitResult } from '../core/init.js';
import { templatePath } from '../package.js';

export type { CiInitResult, InitResult };

export default class Init extends BaseCommand<typeof Init> {
  static override summary = 'Write a new estate.yaml, by questions or by flags.';
  static override description =
    'Asks for the organisation name, root e-mail pattern, regions, developers, budgets per account kind and alert e-mails. In CI or without a terminal every answer must come from a flag; --yes takes the defaults for the rest.\n--ci github|gitlab writes the scheduled reaper instead, beside estate.yaml (the folder of --out): a GitHub Actions workflow at .github/workflows/estate-reap.yml, or a GitLab pipeline at .gitlab-ci.yml (at ci/estate-reap.gitlab-ci.yml to include when the project has its own .gitlab-ci.yml), running `estate env reap` hourly and `estate env up --due` on weekday mornings with OIDC credentials; an existing file is overwritten only with --force. It prints what it wrote and what to set next.';
  static override examples = [
    '<%= config.bin %> init',
    '<%= config.bin %> init --template recall --email-domain example.com --home-region eu-west-2 --developer alice --developer bob --yes',
    '<%= config.bin %> init --ci github',
    '<%= config.bin %> init --ci gitlab --force --json',
  ];
  static override flags = {
    out: Flags.string({ char: 'o', summary: 'Where to write.', default: 'estate.yaml' }),
    force: Flags.boolean({ summary: 'Overwrite an existing file.' }),
    ci: Flags.string({
      summary:
        'Write the scheduled reaper workflow for this CI system (GitHub Actions or GitLab CI) instead of estate.yaml.',
      options: [...CI_SYSTEMS],
    }),
    yes: Flags.boolean({ char: 'y', summary: 'Take the default for every question not answered by a flag.' }),
    template: Flags.string({ summary: 'Starting point.', options: [...INIT_TEMPLATES] }),
    'org-name': Flags.string({ summary: 'Organisation name.' }),
    'email-domain': Flags.string({
      summary: 'Domain for account root e-mails (pattern aws+{account}@DOMAIN).',
    }),
    'email-pattern': Flags.string({
      summary: 'Root e-mail pattern with {account}, e.g. aws+{account}@example.com.',
      exclusive: ['email-domain'],
    }),
    'home-region': Flags.string({ summary: 'Home region (Control Tower home region).' }),
    'governed-region': Flags.string({ summary: 'Governed region (repeatable).', multiple: true }),
    developer: Flags.string({
      summary: 'Developer handle to give an account dev-<handle> (repeatable).',
      multiple: true,
    }),
    budget: Flags.string({
      summary: 'Monthly USD budget per account kind, e.g. developer=100 (repeatable).',
      multiple: true,
    }),
    'alert-email': Flags.string({ summary: 'E-mail for budget alerts (repeatable).', multiple: true }),
    'app-domain': Flags.string({
      summary: 'recall template: the production site domain (default app.<e-mail domain>).',
    }),
    'hosted-zone-id': Flags.string({
      summary: 'recall template: Route 53 public hosted zone id holding --app-domain, e.g. Z0123456789ABC.',
    }),
    'sender-email': Flags.string({
      summary:
        'recall template: sender of sign-up mail through Amazon SES (default no-reply@<hosted zone>); verify its domain in SES.',
    }),
    'hosted-zone-name': Flags.string({
      summary: 'recall template: name of that hosted zone (default: the e-mail domain or the parent domain).',
    }),
  };

  async run(): Promise<InitResult | CiInitResult> {
    const flags = this.flags;
    if (flags.ci) {
      const ci = await initCi(
        {
          ci: flags.ci as (typeof CI_SYSTEMS)[number],
          dir: dirname(resolve(flags.out)),
          force: flags.force,
          templatesDir: templatePath('ci'),
        },
        initPromptHost((line) => this.note(line)),
      );
      for (const step of ci.next) this.note(`  next: ${step}`);
      return ci;
    }
    const result = await initService(
      {
        file: resolve(flags.out),
        force: flags.force,
        acceptDefaults: flags.yes,
        interactive: this.interactive,
        template: flags.template as InitTemplate | undefined,
        organizationName: flags['org-name'],
        emailDomain: flags['email-domain'],
        emailPattern: flags['email-pattern'],
        homeRegion: flags['home-region'],
        governedRegions: flags['governed-region'],
        developers: flags.developer,
        budgets: flags.budget,
        alertEmails: flags['alert-email'],
        appDomain: flags['app-domain'],
        hostedZoneId: flags['hosted-zone-id'],
        hostedZoneName: flags['hosted-zone-name'],
        senderEmail: flags['sender-email'],
      },
      initPromptHost((line) => this.note(line)),
    );
    this.note(
      '  next: `estate config validate`, then `estate plan --offline` to see what estate would create',
    );
    return result;
  }
}
