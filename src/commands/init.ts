import { access, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base-command.js';
import { ask, inquirer } from '../cli/prompts.js';
import {
  DEFAULT_BUDGETS,
  INIT_TEMPLATES,
  defaultGovernedRegions,
  parseBudgetFlag,
  patternForDomain,
  renderInitialConfig,
  type InitAnswers,
  type InitTemplate,
} from '../config/init.js';
import { estateJsonSchemaText } from '../config/json-schema.js';
import { ACCOUNT_KINDS, REGION_RE, isEmail, type AccountKind } from '../config/rules.js';
import { userError } from '../errors.js';

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
  };

  async run(): Promise<InitResult> {
    const flags = this.flags;
    const file = resolve(flags.out);
    if (!flags.force && (await exists(file)))
      throw userError('ConfigExists', `${file} already exists`, [
        'pass --force to overwrite it, or --out <file>',
      ]);

    const interactive = this.interactive;
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
        (await p()).input({
          message: 'Root e-mail pattern for new accounts',
          default: 'aws+{account}@example.com',
          validate: (v) => validPattern(v) ?? true,
        }),
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

    const answers: InitAnswers = {
      template,
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
}

function splitList(text: string): string[] {
  return text
    .split(/[,\s]+/)
    .map((s) => s.trim())
    .filter(Boolean);
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
