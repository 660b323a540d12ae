/**
 * `estate init` as a service: the answers (each from its option, else --yes's default, else
 * a question through the interaction port), checked one by one, then estate.yaml and the
 * schema it points editors at. A non-interactive run names every missing answer at once
 * before asking anything, so it never waits; the command only maps flags to options.
 */
import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import {
  DEFAULT_BUDGETS,
  DOMAIN_NAME_RE,
  HOSTED_ZONE_ID_RE,
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
import { ioMessage, type IoHost, type IoRequest } from './io.js';

/** Answers given up front (the command's flags); undefined means "not given". */
export interface InitOptions {
  /** Where to write estate.yaml (absolute). */
  readonly file: string;
  readonly force: boolean;
  /** Take the default of every question not answered up front (--yes). */
  readonly acceptDefaults: boolean;
  /** False: nothing may be asked, so every answer without a default must be given. */
  readonly interactive: boolean;
  readonly template?: InitTemplate;
  readonly organizationName?: string;
  readonly emailDomain?: string;
  readonly emailPattern?: string;
  readonly homeRegion?: string;
  readonly governedRegions?: readonly string[];
  readonly developers?: readonly string[];
  /** `kind=usd` texts. */
  readonly budgets?: readonly string[];
  readonly alertEmails?: readonly string[];
  readonly appDomain?: string;
  readonly hostedZoneId?: string;
  readonly hostedZoneName?: string;
  readonly senderEmail?: string;
}

export interface InitResult {
  readonly file: string;
  readonly answers: InitAnswers;
}

/** How a host asks a question: a choice, a line of text (parsed), or a number. */
export type InitPrompt =
  | {
      readonly kind: 'select';
      readonly message: string;
      readonly choices: readonly { value: string; name: string }[];
    }
  | {
      readonly kind: 'input';
      readonly message: string;
      /** The text offered for editing. */
      readonly default?: string;
      /** True, or why the text is not an answer. */
      readonly validate?: (text: string) => true | string;
      /** The answer the text stands for (the text itself when absent). */
      readonly parse?: (text: string) => unknown;
    }
  | { readonly kind: 'number'; readonly message: string; readonly default: number; readonly min: number };

/** What a question request carries: how to answer it without asking, and how to ask it. */
export interface InitQuestionData {
  /** The option that answers it in a non-interactive run, e.g. `--home-region <region>`. */
  readonly flag: string;
  /** What it is: 'the home region'. */
  readonly what: string;
  readonly prompt: InitPrompt;
}

/** Codes of the messages `estate init` sends. */
export const INIT_IO = {
  /** A question. data: InitQuestionData; the default response is the answer's default. */
  QUESTION: 'ESTATE_I0400',
  /** The sender domain has to be verified in Amazon SES. */
  VERIFY_SES: 'ESTATE_W0401',
  /** estate.yaml and its schema were written. data: { file, schemaFile } */
  WROTE: 'ESTATE_I0402',
  /** A CI workflow was written. data: CiFile */
  WROTE_CI: 'ESTATE_I0403',
} as const;

const handleRe = /^[a-z][a-z0-9-]{0,44}[a-z0-9]$/;

type Ask = <T>(
  given: T | undefined,
  question: Omit<InitQuestionData, 'prompt'> & { fallback?: T },
  prompt: () => InitPrompt,
) => Promise<T>;

/** From the option, else --yes's default, else the host's answer (a missing one names its flag). */
function asker(io: IoHost, options: InitOptions): Ask {
  return async function askOne<T>(
    given: T | undefined,
    { fallback, ...question }: Omit<InitQuestionData, 'prompt'> & { fallback?: T },
    prompt: () => InitPrompt,
  ): Promise<T> {
    if (given !== undefined) return given;
    if (options.acceptDefaults && fallback !== undefined) return fallback;
    if (!options.interactive) throw missingFlag(question.flag, question.what);
    const shown = prompt();
    const request: IoRequest<InitQuestionData, T | undefined> = {
      ...ioMessage('info', INIT_IO.QUESTION, shown.message, { ...question, prompt: shown }),
      defaultResponse: fallback,
    };
    const answer = await io.requestResponse(request);
    if (answer === undefined) throw missingFlag(question.flag, question.what);
    return answer;
  };
}

export async function initService(options: InitOptions, io: IoHost): Promise<InitResult> {
  const { file } = options;
  if (!options.force && (await exists(file)))
    throw userError('ConfigExists', `${file} already exists`, [
      'pass --force to overwrite it, or --out <file>',
    ]);
  if (!options.interactive) requireAnswers(questionsOf(options), options.acceptDefaults);
  const ask = asker(io, options);

  const template = await askTemplate(ask, options);
  const emailPattern = await askEmailPattern(ask, options);
  const organizationName = await ask(
    options.organizationName,
    {
      flag: '--org-name <name>',
      what: 'the organisation name',
      fallback: emailPattern.slice(emailPattern.lastIndexOf('@') + 1).split('.')[0],
    },
    () => ({
      kind: 'input',
      message: 'Organisation name',
      default: emailPattern.split('@')[1]?.split('.')[0],
    }),
  );
  const { homeRegion, governedRegions } = await askRegions(ask, options);
  const developers = await askDevelopers(ask, options);
  const budgets = await askBudgets(ask, options, template);
  const alertEmails = await askAlertEmails(ask, options, emailPattern);
  const production =
    template === 'recall' ? await askProductionSite(ask, io, options, emailPattern, homeRegion) : undefined;

  const answers: InitAnswers = {
    template,
    production,
    organizationName: organizationName!,
    emailPattern,
    homeRegion,
    governedRegions,
    developers,
    budgets,
    alertEmails,
  };
  await writeFile(file, renderInitialConfig(answers), { encoding: 'utf8', flag: options.force ? 'w' : 'wx' });
  // The schema the file's first line points editors at; generated, so always rewritten.
  const schemaFile = join(dirname(file), 'estate.schema.json');
  await writeFile(schemaFile, estateJsonSchemaText(), 'utf8');
  await io.notify(
    ioMessage('info', INIT_IO.WROTE, `✔ wrote ${file} (and ${basename(schemaFile)} for editor completion)`, {
      file,
      schemaFile,
    }),
  );
  return { file, answers };
}

function askTemplate(ask: Ask, options: InitOptions): Promise<InitTemplate> {
  return ask<InitTemplate>(
    options.template,
    { flag: '--template <recall|minimal>', what: 'the template', fallback: 'recall' },
    () => ({
      kind: 'select',
      message: 'Start from',
      choices: [
        {
          value: 'recall',
          name: 'recall: production, single-tenant, integration, developers, monitoring, logs',
        },
        { value: 'minimal', name: 'minimal: logs, monitoring and developer accounts' },
      ],
    }),
  );
}

async function askEmailPattern(ask: Ask, options: InitOptions): Promise<string> {
  const emailPattern = await ask<string>(
    options.emailPattern ?? (options.emailDomain ? patternForDomain(options.emailDomain) : undefined),
    { flag: '--email-domain <domain> (or --email-pattern)', what: 'the root e-mail domain' },
    () => ({
      kind: 'input',
      message:
        'Root e-mail domain for new accounts (example.com, or a pattern such as aws+{account}@example.com)',
      default: 'example.com',
      validate: (v) => emailPatternFrom(v).problem ?? true,
      parse: (v) => emailPatternFrom(v).pattern!,
    }),
  );
  const patternProblem = validPattern(emailPattern);
  if (patternProblem) throw userError('InvalidFlag', `--email-domain/--email-pattern: ${patternProblem}`);
  return emailPattern;
}

async function askRegions(
  ask: Ask,
  options: InitOptions,
): Promise<{ homeRegion: string; governedRegions: string[] }> {
  const homeRegion = await ask<string>(
    options.homeRegion,
    { flag: '--home-region <region>', what: 'the home region' },
    () => ({
      kind: 'input',
      message: 'Home region',
      default: 'eu-west-2',
      validate: (v) => REGION_RE.test(v) || 'an AWS region such as eu-west-2',
    }),
  );
  if (!REGION_RE.test(homeRegion))
    throw userError('InvalidFlag', `--home-region "${homeRegion}" is not an AWS region such as eu-west-2`);
  const governedRegions = [
    ...(await ask<readonly string[]>(
      options.governedRegions,
      {
        flag: '--governed-region <region>',
        what: 'the governed regions',
        fallback: defaultGovernedRegions(homeRegion),
      },
      () => ({
        kind: 'input',
        message: 'Governed regions (comma-separated)',
        default: defaultGovernedRegions(homeRegion).join(', '),
        validate: (v) =>
          splitList(v).every((r) => REGION_RE.test(r)) || 'AWS regions such as eu-west-2, us-east-1',
        parse: splitList,
      }),
    )),
  ];
  const badRegion = governedRegions.find((r) => !REGION_RE.test(r));
  if (badRegion) throw userError('InvalidFlag', `--governed-region "${badRegion}" is not an AWS region`);
  if (!governedRegions.includes(homeRegion)) governedRegions.unshift(homeRegion);
  return { homeRegion, governedRegions };
}

async function askDevelopers(ask: Ask, options: InitOptions): Promise<string[]> {
  const developers = await ask<readonly string[]>(
    options.developers,
    { flag: '--developer <handle>', what: 'the developers to give accounts', fallback: [] },
    () => ({
      kind: 'input',
      message: 'Developers to give their own account (handles, comma-separated; empty for none)',
      validate: (v) => splitList(v).every((h) => handleRe.test(h)) || 'lowercase handles such as alice, bob',
      parse: splitList,
    }),
  );
  const badHandle = developers.find((h) => !handleRe.test(h));
  if (badHandle)
    throw userError(
      'InvalidFlag',
      `--developer "${badHandle}": use a lowercase handle such as alice (letters, digits, hyphens)`,
    );
  return [...developers];
}

/** Given as kind=usd texts, or --yes's none, or one question per account kind of the template. */
async function askBudgets(
  ask: Ask,
  options: InitOptions,
  template: InitTemplate,
): Promise<Partial<Record<AccountKind, number>>> {
  if (options.budgets) {
    try {
      return Object.fromEntries(options.budgets.map(parseBudgetFlag));
    } catch (error) {
      throw userError('InvalidFlag', (error as Error).message);
    }
  }
  const question = { flag: '--budget <kind=usd>', what: 'the monthly budget per account kind' };
  if (options.acceptDefaults) return {};
  if (!options.interactive) throw missingFlag(question.flag, question.what);
  const out: Partial<Record<AccountKind, number>> = {};
  const kinds = template === 'recall' ? ACCOUNT_KINDS : (['developer', 'monitoring', 'logs'] as const);
  for (const kind of kinds)
    out[kind] = await ask<number>(undefined, { ...question, fallback: DEFAULT_BUDGETS[kind] }, () => ({
      kind: 'number',
      message: `Monthly budget (USD) for ${kind} accounts`,
      default: DEFAULT_BUDGETS[kind],
      min: 1,
    }));
  return out;
}

async function askAlertEmails(ask: Ask, options: InitOptions, emailPattern: string): Promise<string[]> {
  const fallback = emailPattern.replace('{account}', 'budgets');
  const alertEmails = await ask<readonly string[]>(
    options.alertEmails,
    { flag: '--alert-email <address>', what: 'the budget alert e-mails', fallback: [fallback] },
    () => ({
      kind: 'input',
      message: 'Budget alert e-mails (comma-separated)',
      default: fallback,
      validate: (v) => splitList(v).every(isEmail) || 'e-mail addresses such as finops@example.com',
      parse: splitList,
    }),
  );
  const badEmail = alertEmails.find((e) => !isEmail(e));
  if (badEmail) throw userError('InvalidFlag', `--alert-email "${badEmail}" is not an e-mail address`);
  return [...alertEmails];
}

/** The recall template's production site: a custom domain in a Route 53 zone. */
async function askProductionSite(
  ask: Ask,
  io: IoHost,
  options: InitOptions,
  emailPattern: string,
  homeRegion: string,
): Promise<ProductionSite> {
  const { domainName, hostedZoneId } = await askSiteDomain(ask, options, emailPattern);
  const zoneDefault = defaultHostedZoneName(domainName, emailPattern);
  const hostedZoneName = await ask<string>(
    options.hostedZoneName,
    { flag: '--hosted-zone-name <zone>', what: 'the hosted zone name', fallback: zoneDefault },
    () => ({ kind: 'input', message: 'Name of that hosted zone', default: zoneDefault }),
  );
  if (domainName !== hostedZoneName && !domainName.endsWith(`.${hostedZoneName}`))
    throw userError(
      'InvalidFlag',
      `--app-domain ${domainName} is not inside the hosted zone ${hostedZoneName}`,
      ['pass --hosted-zone-name with the zone that holds the domain'],
    );
  const senderDefault = defaultSenderEmail(hostedZoneName);
  const senderEmail = await ask<string>(
    options.senderEmail,
    {
      flag: '--sender-email <address>',
      what: 'the sender of sign-up mail (Amazon SES)',
      fallback: senderDefault,
    },
    () => ({
      kind: 'input',
      message: 'Sender of sign-up and recovery mail (its domain verified in Amazon SES)',
      default: senderDefault,
      validate: (v) => isEmail(v) || 'an e-mail address such as no-reply@example.com',
    }),
  );
  if (!isEmail(senderEmail))
    throw userError('InvalidFlag', `--sender-email "${senderEmail}" is not an e-mail address`);
  await io.notify(
    ioMessage(
      'warn',
      INIT_IO.VERIFY_SES,
      `note: verify ${senderEmail.slice(senderEmail.indexOf('@') + 1)} in Amazon SES (${homeRegion}) before deploying production: its user pool sends mail through SES`,
    ),
  );
  return { domainName, hostedZoneId, hostedZoneName, senderEmail };
}

async function askSiteDomain(
  ask: Ask,
  options: InitOptions,
  emailPattern: string,
): Promise<{ domainName: string; hostedZoneId: string }> {
  const domainName = await ask<string>(
    options.appDomain,
    {
      flag: '--app-domain <domain>',
      what: 'the production site domain',
      fallback: defaultSiteDomain(emailPattern),
    },
    () => ({
      kind: 'input',
      message: 'Production site domain (CloudFront serves it; the login returns to it)',
      default: defaultSiteDomain(emailPattern),
      validate: (v) => DOMAIN_NAME_RE.test(v) || 'a lowercase DNS name such as app.example.com',
    }),
  );
  if (!DOMAIN_NAME_RE.test(domainName))
    throw userError(
      'InvalidFlag',
      `--app-domain "${domainName}" is not a lowercase DNS name such as app.example.com`,
    );
  const hostedZoneId = await ask<string>(
    options.hostedZoneId,
    { flag: '--hosted-zone-id <id>', what: 'the Route 53 hosted zone id of the production domain' },
    () => ({
      kind: 'input',
      message: `Route 53 public hosted zone id that holds ${domainName}`,
      validate: (v) => HOSTED_ZONE_ID_RE.test(v) || 'a hosted zone id such as Z0123456789ABCDEFGHIJ',
    }),
  );
  if (!HOSTED_ZONE_ID_RE.test(hostedZoneId))
    throw userError(
      'InvalidFlag',
      `--hosted-zone-id "${hostedZoneId}" is not a Route 53 hosted zone id such as Z0123456789ABCDEFGHIJ`,
      ['`aws route53 list-hosted-zones-by-name --dns-name <zone>` shows it'],
    );
  return { domainName, hostedZoneId };
}

interface Question {
  readonly flag: string;
  readonly what: string;
  readonly given: boolean;
  /** Has a default that --yes takes. */
  readonly hasDefault: boolean;
}

/** Every question init would ask, for the non-interactive check. */
function questionsOf(o: InitOptions): Question[] {
  const q = (flag: string, what: string, given: unknown, hasDefault: boolean): Question => ({
    flag,
    what,
    given: given !== undefined,
    hasDefault,
  });
  const questions = [
    q('--template <recall|minimal>', 'the template', o.template, true),
    q(
      '--email-domain <domain> (or --email-pattern)',
      'the root e-mail domain',
      o.emailPattern ?? o.emailDomain,
      false,
    ),
    q('--org-name <name>', 'the organisation name', o.organizationName, true),
    q('--home-region <region>', 'the home region', o.homeRegion, false),
    q('--governed-region <region>', 'the governed regions', o.governedRegions, true),
    q('--developer <handle>', 'the developers to give accounts', o.developers, true),
    q('--budget <kind=usd>', 'the monthly budget per account kind', o.budgets, true),
    q('--alert-email <address>', 'the budget alert e-mails', o.alertEmails, true),
  ];
  if ((o.template ?? 'recall') === 'recall')
    questions.push(
      q('--app-domain <domain>', 'the production site domain', o.appDomain, true),
      q(
        '--hosted-zone-id <id>',
        'the Route 53 hosted zone id of the production domain',
        o.hostedZoneId,
        false,
      ),
      q('--hosted-zone-name <zone>', 'the hosted zone name', o.hostedZoneName, true),
      q('--sender-email <address>', 'the sender of sign-up mail (Amazon SES)', o.senderEmail, true),
    );
  return questions;
}

/** A non-interactive run names every missing answer at once, not one per run. */
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

// ---------------------------------------------------------------------------------------------
// init --ci

export const CI_SYSTEMS = ['github', 'gitlab'] as const;
export type CiSystem = (typeof CI_SYSTEMS)[number];

export interface CiInitOptions {
  readonly ci: CiSystem;
  /** The project folder (where estate.yaml is). */
  readonly dir: string;
  /** Overwrite a file estate would write. */
  readonly force: boolean;
  /** templates/ci of the installed package. */
  readonly templatesDir: string;
}

export interface CiFile {
  /** Absolute path. */
  readonly file: string;
  /** Relative to the project folder. */
  readonly path: string;
  readonly action: 'written' | 'overwritten';
}

export interface CiInitResult {
  readonly ci: CiSystem;
  readonly files: readonly CiFile[];
  /** What a person still has to do (variables, the OIDC role, schedules, an include). */
  readonly next: readonly string[];
}

/** The first line of estate's own GitLab pipeline: a .gitlab-ci.yml with it is estate's to replace. */
const ESTATE_PIPELINE_MARK = '# estate: the reaper';
export const GITLAB_INCLUDE_PATH = 'ci/estate-reap.gitlab-ci.yml';

/**
 * Writes the scheduled reaper workflow into the project: GitHub Actions at
 * .github/workflows/estate-reap.yml; GitLab at .gitlab-ci.yml when the project has none (or has
 * estate's own), else at ci/estate-reap.gitlab-ci.yml for the project's pipeline to include,
 * so an existing pipeline is never replaced. A file that exists is overwritten only with force.
 */
export async function initCi(options: CiInitOptions, io: IoHost): Promise<CiInitResult> {
  const source =
    options.ci === 'github'
      ? join(options.templatesDir, 'github', 'estate-reap.yml')
      : join(options.templatesDir, 'gitlab', '.gitlab-ci.yml');
  const text = await readFile(source, 'utf8');
  let path = options.ci === 'github' ? '.github/workflows/estate-reap.yml' : '.gitlab-ci.yml';
  const next: string[] = [];
  if (options.ci === 'gitlab') {
    const main = join(options.dir, path);
    if ((await exists(main)) && !(await readFile(main, 'utf8')).startsWith(ESTATE_PIPELINE_MARK)) {
      path = GITLAB_INCLUDE_PATH;
      next.push(
        `.gitlab-ci.yml is your own pipeline, so the jobs went to ${path}: add \`include: [{ local: ${path} }]\` to .gitlab-ci.yml`,
      );
    }
  }
  const file = join(options.dir, path);
  const existed = await exists(file);
  if (existed && !options.force)
    throw userError('CiFileExists', `${file} already exists`, [
      'pass --force to overwrite it with the template of this estate version',
    ]);
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, text, { encoding: 'utf8', flag: options.force ? 'w' : 'wx' });
  const written: CiFile = {
    file,
    path: relative(options.dir, file),
    action: existed ? 'overwritten' : 'written',
  };
  await io.notify(ioMessage('info', INIT_IO.WROTE_CI, `✔ ${written.action} ${file}`, written));
  next.push(
    ...(options.ci === 'github'
      ? [
          'create the IAM role the workflow assumes through GitHub OIDC (README: "Schedules and the reaper in CI")',
          'set the repository variable ESTATE_ROLE_ARN to its ARN (optional: AWS_REGION, ESTATE_PACKAGE, ESTATE_CONFIG)',
          'set the MORNING cron in the workflow to just after your earliest window start (UTC)',
        ]
      : [
          'create the IAM role the jobs assume with GitLab OIDC (README: "Schedules and the reaper in CI")',
          'set the CI/CD variable ESTATE_ROLE_ARN to its ARN (optional: AWS_REGION, ESTATE_PACKAGE, ESTATE_CONFIG)',
          'add two pipeline schedules: hourly with ESTATE_ACTION=reap, weekday mornings with ESTATE_ACTION=up',
        ]),
    'set `executor: ci` (the default) and schedule.hours on the environments the reaper should manage',
  );
  return { ci: options.ci, files: [written], next };
}
