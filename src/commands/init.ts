import { access, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base-command.js';
import { ask, inquirer } from '../cli/prompts.js';
import {
  DEFAULT_BUDGETS,
  DOMAIN_NAME_RE,
  HOSTED_ZONE_ID_RE,
  INIT_TEMPLATES,
  defaultGovernedRegions,
  defaultHostedZoneName,
  defaultSenderEmail,
  defaultSiteDomain,
  parseBudgetFlag,
  patternForDomain,
  renderInitialConfig,
  type InitAnswers,
  type InitTemplate,
  type ProductionSite,
} from '../config/init.js';
import { estateJsonSchemaText } from '../config/json-schema.js';
import { ACCOUNT_KINDS, REGION_RE, isEmail, type AccountKind } from '../config/rules.js';
import { EstateError, missingFlag, userError } from '../errors.js';

export interface InitResult {
  readonly file: string;
  readonly answers: InitAnswers;
}

const handleRe = /^[a-z][a-z0-9-]{0,44}[a-z0-9]$/;

export default class Init extends BaseCommand<typeof Init> {
  static override summary = 'Write a new estate.yaml, by questions or by flags.';
  static override description =
    'Asks for the organisation name, root e-mail pattern, regions, developers, budgets per account kind and alert e-mails. In CI or without a terminal every answer must come from a flag; --yes takes the defaults for the rest.';
  static override examples = [
    '<%= config.bin %> init',
    '<%= config.bin %> init --template recall --email-domain example.com --home-region eu-west-2 --developer alice --developer bob --yes',
  ];
  static override flags = {
    out: Flags.string({ char: 'o', summary: 'Where to write.', default: 'estate.yaml' }),
    force: Flags.boolean({ summary: 'Overwrite an existing file.' }),
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

  async run(): Promise<InitResult> {
    const flags = this.flags;
    const file = resolve(flags.out);
    if (!flags.force && (await exists(file)))
      throw userError('ConfigExists', `${file} already exists`, [
        'pass --force to overwrite it, or --out <file>',
      ]);

    const interactive = this.interactive;
    if (!interactive) requireAnswers(questionsOf(flags), flags.yes);
    const base = { interactive, acceptDefaults: flags.yes };
    const p = () => inquirer();

    const template = await ask<InitTemplate>({
      ...base,
      value: flags.template as InitTemplate | undefined,
      flag: '--template <recall|minimal>',
      what: 'the template',
      fallback: 'recall',
      prompt: async () =>
        (await p()).select<InitTemplate>({
          message: 'Start from',
          choices: [
            {
              value: 'recall',
              name: 'recall: production, single-tenant, integration, developers, monitoring, logs',
            },
            { value: 'minimal', name: 'minimal: logs, monitoring and developer accounts' },
          ],
        }),
    });
    const emailPattern = await ask<string>({
      ...base,
      value:
        flags['email-pattern'] ??
        (flags['email-domain'] ? patternForDomain(flags['email-domain']) : undefined),
      flag: '--email-domain <domain> (or --email-pattern)',
      what: 'the root e-mail domain',
      prompt: async () =>
        emailPatternFrom(
          await (
            await p()
          ).input({
            message:
              'Root e-mail domain for new accounts (example.com, or a pattern such as aws+{account}@example.com)',
            default: 'example.com',
            validate: (v) => emailPatternFrom(v).problem ?? true,
          }),
        ).pattern!,
    });
    const patternProblem = validPattern(emailPattern);
    if (patternProblem) throw userError('InvalidFlag', `--email-domain/--email-pattern: ${patternProblem}`);

    const organizationName = await ask<string>({
      ...base,
      value: flags['org-name'],
      flag: '--org-name <name>',
      what: 'the organisation name',
      fallback: emailPattern.slice(emailPattern.lastIndexOf('@') + 1).split('.')[0],
      prompt: async () =>
        (await p()).input({
          message: 'Organisation name',
          default: emailPattern.split('@')[1]?.split('.')[0],
        }),
    });
    const homeRegion = await ask<string>({
      ...base,
      value: flags['home-region'],
      flag: '--home-region <region>',
      what: 'the home region',
      prompt: async () =>
        (await p()).input({
          message: 'Home region',
          default: 'eu-west-2',
          validate: (v) => REGION_RE.test(v) || 'an AWS region such as eu-west-2',
        }),
    });
    if (!REGION_RE.test(homeRegion))
      throw userError('InvalidFlag', `--home-region "${homeRegion}" is not an AWS region such as eu-west-2`);
    const governedRegions = await ask<string[]>({
      ...base,
      value: flags['governed-region'],
      flag: '--governed-region <region>',
      what: 'the governed regions',
      fallback: defaultGovernedRegions(homeRegion),
      prompt: async () =>
        splitList(
          await (
            await p()
          ).input({
            message: 'Governed regions (comma-separated)',
            default: defaultGovernedRegions(homeRegion).join(', '),
            validate: (v) =>
              splitList(v).every((r) => REGION_RE.test(r)) || 'AWS regions such as eu-west-2, us-east-1',
          }),
        ),
    });
    const badRegion = governedRegions.find((r) => !REGION_RE.test(r));
    if (badRegion) throw userError('InvalidFlag', `--governed-region "${badRegion}" is not an AWS region`);
    if (!governedRegions.includes(homeRegion)) governedRegions.unshift(homeRegion);

    const developers = await ask<string[]>({
      ...base,
      value: flags.developer,
      flag: '--developer <handle>',
      what: 'the developers to give accounts',
      fallback: [],
      prompt: async () =>
        splitList(
          await (
            await p()
          ).input({
            message: 'Developers to give their own account (handles, comma-separated; empty for none)',
            validate: (v) =>
              splitList(v).every((h) => handleRe.test(h)) || 'lowercase handles such as alice, bob',
          }),
        ),
    });
    const badHandle = developers.find((h) => !handleRe.test(h));
    if (badHandle)
      throw userError(
        'InvalidFlag',
        `--developer "${badHandle}": use a lowercase handle such as alice (letters, digits, hyphens)`,
      );

    let budgets: Partial<Record<AccountKind, number>>;
    if (flags.budget) {
      try {
        budgets = Object.fromEntries(flags.budget.map(parseBudgetFlag));
      } catch (error) {
        throw userError('InvalidFlag', (error as Error).message);
      }
    } else {
      budgets = await ask<Partial<Record<AccountKind, number>>>({
        ...base,
        value: undefined,
        flag: '--budget <kind=usd>',
        what: 'the monthly budget per account kind',
        fallback: {},
        prompt: async () => {
          const out: Partial<Record<AccountKind, number>> = {};
          const kinds =
            template === 'recall' ? ACCOUNT_KINDS : (['developer', 'monitoring', 'logs'] as const);
          for (const kind of kinds)
            out[kind] = (await (
              await p()
            ).number({
              message: `Monthly budget (USD) for ${kind} accounts`,
              default: DEFAULT_BUDGETS[kind],
              min: 1,
              required: true,
            })) as number;
          return out;
        },
      });
    }
    const alertEmails = await ask<string[]>({
      ...base,
      value: flags['alert-email'],
      flag: '--alert-email <address>',
      what: 'the budget alert e-mails',
      fallback: [emailPattern.replace('{account}', 'budgets')],
      prompt: async () =>
        splitList(
          await (
            await p()
          ).input({
            message: 'Budget alert e-mails (comma-separated)',
            default: emailPattern.replace('{account}', 'budgets'),
            validate: (v) => splitList(v).every(isEmail) || 'e-mail addresses such as finops@example.com',
          }),
        ),
    });
    const badEmail = alertEmails.find((e) => !isEmail(e));
    if (badEmail) throw userError('InvalidFlag', `--alert-email "${badEmail}" is not an e-mail address`);

    const production =
      template === 'recall' ? await this.productionSite(base, emailPattern, homeRegion) : undefined;

    const answers: InitAnswers = {
      template,
      production,
      organizationName,
      emailPattern,
      homeRegion,
      governedRegions,
      developers,
      budgets,
      alertEmails,
    };
    await writeFile(file, renderInitialConfig(answers), { encoding: 'utf8', flag: flags.force ? 'w' : 'wx' });
    // The schema the file's first line points editors at; generated, so always rewritten.
    const schemaFile = join(dirname(file), 'estate.schema.json');
    await writeFile(schemaFile, estateJsonSchemaText(), 'utf8');
    this.note(`✔ wrote ${file} (and ${basename(schemaFile)} for editor completion)`);
    this.note(
      '  next: `estate config validate`, then `estate plan --offline` to see what estate would create',
    );
    return { file, answers };
  }

  /** The recall template's production site: a custom domain in a Route 53 zone. */
  private async productionSite(
    base: { interactive: boolean; acceptDefaults: boolean },
    emailPattern: string,
    homeRegion: string,
  ): Promise<ProductionSite> {
    const flags = this.flags;
    const p = () => inquirer();
    const domainName = await ask<string>({
      ...base,
      value: flags['app-domain'],
      flag: '--app-domain <domain>',
      what: 'the production site domain',
      fallback: defaultSiteDomain(emailPattern),
      prompt: async () =>
        (await p()).input({
          message: 'Production site domain (CloudFront serves it; the login returns to it)',
          default: defaultSiteDomain(emailPattern),
          validate: (v) => DOMAIN_NAME_RE.test(v) || 'a lowercase DNS name such as app.example.com',
        }),
    });
    if (!DOMAIN_NAME_RE.test(domainName))
      throw userError(
        'InvalidFlag',
        `--app-domain "${domainName}" is not a lowercase DNS name such as app.example.com`,
      );
    const hostedZoneId = await ask<string>({
      ...base,
      value: flags['hosted-zone-id'],
      flag: '--hosted-zone-id <id>',
      what: 'the Route 53 hosted zone id of the production domain',
      prompt: async () =>
        (await p()).input({
          message: `Route 53 public hosted zone id that holds ${domainName}`,
          validate: (v) => HOSTED_ZONE_ID_RE.test(v) || 'a hosted zone id such as Z0123456789ABCDEFGHIJ',
        }),
    });
    if (!HOSTED_ZONE_ID_RE.test(hostedZoneId))
      throw userError(
        'InvalidFlag',
        `--hosted-zone-id "${hostedZoneId}" is not a Route 53 hosted zone id such as Z0123456789ABCDEFGHIJ`,
        ['`aws route53 list-hosted-zones-by-name --dns-name <zone>` shows it'],
      );
    const zoneDefault = defaultHostedZoneName(domainName, emailPattern);
    const hostedZoneName = await ask<string>({
      ...base,
      value: flags['hosted-zone-name'],
      flag: '--hosted-zone-name <zone>',
      what: 'the hosted zone name',
      fallback: zoneDefault,
      prompt: async () => (await p()).input({ message: 'Name of that hosted zone', default: zoneDefault }),
    });
    if (domainName !== hostedZoneName && !domainName.endsWith(`.${hostedZoneName}`))
      throw userError(
        'InvalidFlag',
        `--app-domain ${domainName} is not inside the hosted zone ${hostedZoneName}`,
        ['pass --hosted-zone-name with the zone that holds the domain'],
      );
    const senderDefault = defaultSenderEmail(hostedZoneName);
    const senderEmail = await ask<string>({
      ...base,
      value: flags['sender-email'],
      flag: '--sender-email <address>',
      what: 'the sender of sign-up mail (Amazon SES)',
      fallback: senderDefault,
      prompt: async () =>
        (await p()).input({
          message: 'Sender of sign-up and recovery mail (its domain verified in Amazon SES)',
          default: senderDefault,
          validate: (v) => isEmail(v) || 'an e-mail address such as no-reply@example.com',
        }),
    });
    if (!isEmail(senderEmail))
      throw userError('InvalidFlag', `--sender-email "${senderEmail}" is not an e-mail address`);
    this.note(
      `note: verify ${senderEmail.slice(senderEmail.indexOf('@') + 1)} in Amazon SES (${homeRegion}) before deploying production: its user pool sends mail through SES`,
    );
    return { domainName, hostedZoneId, hostedZoneName, senderEmail };
  }
}

interface Question {
  readonly flag: string;
  readonly what: string;
  readonly given: boolean;
  /** Has a default that --yes takes. */
  readonly hasDefault: boolean;
}

type InitFlags = Init['flags'];

/** Every question init would ask, for the non-interactive check. */
function questionsOf(flags: InitFlags): Question[] {
  const q = (flag: string, what: string, given: unknown, hasDefault: boolean): Question => ({
    flag,
    what,
    given: given !== undefined,
    hasDefault,
  });
  const questions = [
    q('--template <recall|minimal>', 'the template', flags.template, true),
    q(
      '--email-domain <domain> (or --email-pattern)',
      'the root e-mail domain',
      flags['email-pattern'] ?? flags['email-domain'],
      false,
    ),
    q('--org-name <name>', 'the organisation name', flags['org-name'], true),
    q('--home-region <region>', 'the home region', flags['home-region'], false),
    q('--governed-region <region>', 'the governed regions', flags['governed-region'], true),
    q('--developer <handle>', 'the developers to give accounts', flags.developer, true),
    q('--budget <kind=usd>', 'the monthly budget per account kind', flags.budget, true),
    q('--alert-email <address>', 'the budget alert e-mails', flags['alert-email'], true),
  ];
  if ((flags.template ?? 'recall') === 'recall')
    questions.push(
      q('--app-domain <domain>', 'the production site domain', flags['app-domain'], true),
      q(
        '--hosted-zone-id <id>',
        'the Route 53 hosted zone id of the production domain',
        flags['hosted-zone-id'],
        false,
      ),
      q('--hosted-zone-name <zone>', 'the hosted zone name', flags['hosted-zone-name'], true),
      q('--sender-email <address>', 'the sender of sign-up mail (Amazon SES)', flags['sender-email'], true),
    );
  return questions;
}

/** A non-interactive run names every missing flag at once, not one per run. */
function requireAnswers(questions: readonly Question[], acceptDefaults: boolean): void {
  const missing = questions.filter((q) => !q.given && !(acceptDefaults && q.hasDefault));
  if (missing.length === 0) return;
  if (missing.length === 1) throw missingFlag(missing[0]!.flag, missing[0]!.what);
  const defaults = missing.filter((q) => q.hasDefault).length;
  throw new EstateError(
    `${missing.length} answers are required in a non-interactive run: pass ${missing.map((q) => q.flag.split(' ')[0]).join(', ')}`,
    {
      code: 'MissingFlag',
      source: 'user',
      details: { issues: missing.map((q) => `${q.flag}: ${q.what}`), missing: missing.map((q) => q.flag) },
      suggestions: [
        ...(defaults > 0 ? [`--yes takes the defaults of ${defaults} of them`] : []),
        'or run in a terminal without CI set to be asked',
      ],
    },
  );
}

function splitList(text: string): string[] {
  return text
    .split(/[,\s]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * What a person types for the root e-mails: a bare domain (`example.com`, as --email-domain
 * takes) or a pattern with {account}. Returns the pattern, or why the text is neither.
 */
function emailPatternFrom(text: string): { pattern?: string; problem?: string } {
  const value = text.trim();
  const pattern = value.includes('@') ? value : patternForDomain(value);
  const problem = validPattern(pattern);
  if (!problem) return { pattern };
  return {
    problem: value.includes('@')
      ? problem
      : `"${value}" is not a domain such as example.com (or a pattern such as aws+{account}@example.com)`,
  };
}

function validPattern(pattern: string): string | undefined {
  if (!pattern.includes('{account}'))
    return `"${pattern}" must contain {account}, e.g. aws+{account}@example.com`;
  if (!isEmail(pattern.replaceAll('{account}', 'name')))
    return `"${pattern}" does not make valid e-mail addresses`;
  return undefined;
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}
