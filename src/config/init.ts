/**
 * Builds a first estate.yaml from a handful of answers. Pure: the command asks the
 * questions (or reads flags), this turns answers into a config that validates.
 */
import { stringify } from 'yaml';
import type { AccountKind } from './rules.js';
import { ACCOUNT_KINDS } from './rules.js';
import { EDGE_REGION } from '../blueprints/environment.js';
import { partitionOfRegion } from './regions.js';
import { DEFAULT_DEPLOY_CONCURRENCY, configSchema } from './schema.js';

export const INIT_TEMPLATES = ['recall', 'minimal'] as const;
export type InitTemplate = (typeof INIT_TEMPLATES)[number];

export interface InitAnswers {
  readonly template: InitTemplate;
  readonly organizationName: string;
  /** e.g. aws+{account}@example.com */
  readonly emailPattern: string;
  readonly homeRegion: string;
  readonly governedRegions: readonly string[];
  /** Developer handles; each gets an account `dev-<handle>` in the Sandbox OU. */
  readonly developers: readonly string[];
  readonly budgets: Readonly<Partial<Record<AccountKind, number>>>;
  readonly alertEmails: readonly string[];
  /** The production site (recall template): its custom domain and the Route 53 zone holding it. */
  readonly production?: ProductionSite;
}

export interface ProductionSite {
  readonly domainName: string;
  readonly hostedZoneId: string;
  readonly hostedZoneName: string;
  /** Sender of the user pool's mail through Amazon SES, inside a domain verified there. */
  readonly senderEmail: string;
}

/** The sender's default: `no-reply@<hosted zone>`, a domain SES can verify through Route 53. */
export function defaultSenderEmail(hostedZoneName: string): string {
  return `no-reply@${hostedZoneName}`;
}

export const HOSTED_ZONE_ID_RE = /^Z[A-Z0-9]{1,31}$/;
export const DOMAIN_NAME_RE = /^(?!-)[a-z0-9-]+(\.[a-z0-9-]+)+$/;

/** The production site's default domain: `app.<e-mail domain>`. */
export function defaultSiteDomain(emailPattern: string): string {
  return `app.${domainOf(emailPattern)}`;
}

/** The zone that most likely holds a domain: the e-mail domain when it is a suffix, else the parent. */
export function defaultHostedZoneName(domainName: string, emailPattern: string): string {
  const mail = domainOf(emailPattern);
  if (domainName === mail || domainName.endsWith(`.${mail}`)) return mail;
  return domainName.split('.').length > 2 ? domainName.slice(domainName.indexOf('.') + 1) : domainName;
}

export const DEFAULT_BUDGETS: Readonly<Record<AccountKind, number>> = {
  'prod-multi-tenant': 5000,
  'prod-single-tenant': 1000,
  integration: 400,
  developer: 100,
  monitoring: 200,
  logs: 150,
};

/** The e-mail domain of a pattern: `aws+{account}@example.com` → `example.com`. */
export function domainOf(pattern: string): string {
  return pattern.slice(pattern.lastIndexOf('@') + 1);
}

export function patternForDomain(domain: string): string {
  return `aws+{account}@${domain}`;
}

export function defaultGovernedRegions(homeRegion: string): string[] {
  // us-east-1 hosts CloudFront certificates and WAF for the edge blueprint.
  return [...new Set([homeRegion, 'us-east-1'])];
}

/** Parses `developer=100` budget flags; throws with the offending text. */
export function parseBudgetFlag(text: string): [AccountKind, number] {
  const [kind, amount] = text.split('=');
  if (!kind || !ACCOUNT_KINDS.includes(kind as AccountKind))
    throw new Error(`--budget ${text}: the kind must be one of ${ACCOUNT_KINDS.join(', ')}`);
  const usd = Number(amount);
  if (!amount || !Number.isFinite(usd) || usd <= 0)
    throw new Error(`--budget ${text}: the amount must be a positive number of US dollars, e.g. ${kind}=100`);
  return [kind as AccountKind, usd];
}

export function buildInitialConfig(answers: InitAnswers): Record<string, unknown> {
  const domain = domainOf(answers.emailPattern);
  const platform = `platform@${domain}`;
  const budgets = { ...DEFAULT_BUDGETS, ...answers.budgets };
  const developers = answers.developers.map((handle) => ({
    name: `dev-${handle}`,
    kind: 'developer',
    ou: 'Sandbox',
    owner: `${handle}@${domain}`,
  }));
  const full = answers.template === 'recall';
  if (full && !answers.production)
    throw new Error('the recall template needs the production site: its domain and Route 53 hosted zone');
  const accounts = initialAccounts(full, platform, developers);

  const kindsUsed = new Set(accounts.map((a) => a.kind as AccountKind));
  const environments = initialEnvironments(answers, full, domain, platform);

  const config = {
    version: 1,
    organization: {
      name: answers.organizationName,
      homeRegion: answers.homeRegion,
      // The edge stack always deploys to us-east-1, which must then be governed (regions.ts).
      governedRegions: environments.some((e) => e.blueprints.includes('edge'))
        ? [...new Set([...answers.governedRegions, EDGE_REGION])]
        : [...answers.governedRegions],
      emailPattern: answers.emailPattern,
    },
    controlTower: {
      enabled: true,
      logArchiveAccount: 'logs',
      auditAccount: 'monitoring',
      logRetentionDays: 365,
    },
    organizationalUnits: [
      { name: 'Security' },
      ...(full
        ? [
            {
              name: 'Workloads',
              children: [{ name: 'Production' }, { name: 'SingleTenant' }, { name: 'Integration' }],
            },
          ]
        : []),
      { name: 'Sandbox' },
    ],
    accounts,
    tags: initialTags(kindsUsed),
    budgets: initialBudgets(kindsUsed, budgets, answers.alertEmails),
    policies: initialPolicies(full),
    blueprints: {
      data: { tables: [{ name: 'users', partitionKey: { name: 'userId' } }] },
    },
    environments,
  };
  return config;
}

/** The Security accounts, the recall workloads, then one account per developer. */
function initialAccounts(full: boolean, platform: string, developers: readonly Record<string, string>[]) {
  return [
    { name: 'logs', kind: 'logs', ou: 'Security', owner: platform },
    { name: 'monitoring', kind: 'monitoring', ou: 'Security', owner: platform },
    ...(full
      ? [
          { name: 'prod', kind: 'prod-multi-tenant', ou: 'Workloads/Production', owner: platform },
          { name: 'prod-tenant1', kind: 'prod-single-tenant', ou: 'Workloads/SingleTenant', owner: platform },
          { name: 'integration', kind: 'integration', ou: 'Workloads/Integration', owner: platform },
        ]
      : []),
    ...developers,
  ];
}

/** A developer environment each (the first only for minimal); recall adds integration and production. */
function initialEnvironments(answers: InitAnswers, full: boolean, domain: string, platform: string) {
  return [
    ...answers.developers.slice(0, full ? answers.developers.length : 1).map((handle) => ({
      name: handle,
      account: `dev-${handle}`,
      blueprints: ['edge', 'auth', 'data', 'api-lambda', 'observability'],
      size: 'dev',
      owner: `${handle}@${domain}`,
      ttl: '72h',
      schedule: { hours: 'Mon-Fri 08:00-19:00', timezone: 'Europe/London' },
    })),
    ...(full
      ? [
          {
            name: 'integration',
            account: 'integration',
            blueprints: ['edge', 'auth', 'data', 'api-lambda', 'ai', 'observability'],
            size: 'dev',
            owner: platform,
          },
          {
            name: 'production',
            account: 'prod',
            blueprints: ['edge', 'auth', 'data', 'api-lambda', 'ai', 'observability'],
            size: 'prod',
            owner: platform,
            protected: true,
            // A prod environment serves its own domain and the login returns there.
            ...(answers.production ? { settings: productionSettings(answers.production) } : {}),
          },
        ]
      : []),
  ];
}

/** The environment tag per account kind in use. */
function initialTags(kindsUsed: ReadonlySet<AccountKind>) {
  return {
    mandatory: [{ key: 'cost-center', default: 'platform' }, { key: 'environment' }],
    byKind: Object.fromEntries(
      [...kindsUsed].map((kind) => [
        kind,
        {
          environment: kind.startsWith('prod')
            ? 'production'
            : kind === 'developer'
              ? 'development'
              : kind === 'integration'
                ? 'integration'
                : 'shared',
        },
      ]),
    ),
  };
}

/** A monthly budget per account kind in use; developers' deny new resources when over. */
function initialBudgets(
  kindsUsed: ReadonlySet<AccountKind>,
  budgets: Readonly<Record<AccountKind, number>>,
  alertEmails: readonly string[],
) {
  return {
    placement: 'management',
    alertEmails: [...alertEmails],
    byKind: Object.fromEntries(
      [...kindsUsed].map((kind) => [
        kind,
        kind === 'developer'
          ? { monthlyUsd: budgets[kind], enforce: 'deny-new-resources' }
          : { monthlyUsd: budgets[kind] },
      ]),
    ),
  };
}

function initialPolicies(full: boolean) {
  return [
    { name: 'deny-leave-organization', type: 'scp', builtin: 'deny-leave-organization', targets: ['Root'] },
    {
      name: 'deny-root-user',
      type: 'scp',
      builtin: 'deny-root-user',
      targets: full ? ['Workloads', 'Sandbox'] : ['Sandbox'],
    },
    {
      name: 'deny-outside-governed-regions',
      type: 'scp',
      builtin: 'deny-outside-governed-regions',
      targets: full ? ['Workloads', 'Sandbox'] : ['Sandbox'],
    },
  ];
}

function productionSettings(site: ProductionSite): Record<string, unknown> {
  return {
    edge: {
      domainName: site.domainName,
      hostedZoneId: site.hostedZoneId,
      hostedZoneName: site.hostedZoneName,
    },
    auth: {
      callbackUrls: [`https://${site.domainName}/`],
      email: {
        fromEmail: site.senderEmail,
        sesVerifiedDomain: site.senderEmail.slice(site.senderEmail.indexOf('@') + 1),
      },
    },
  };
}

/** The file `init` writes: a schema comment for editors, then the config. */
export function renderInitialConfig(answers: InitAnswers, schemaRef = './estate.schema.json'): string {
  const config = buildInitialConfig(answers);
  // Never write a file `config validate` would reject.
  configSchema.parse(config);
  return `# yaml-language-server: $schema=${schemaRef}\n# Written by \`estate init\`; see \`estate config validate\` and \`estate plan --offline\`.\n${stringify(config, { lineWidth: 120 })}${deploymentsComment(answers.homeRegion)}`;
}

/**
 * The deployments block, commented out: the execution role's policies are the user's choice
 * (bootstrapping without them stops and names deployments.executionPolicies), so init proposes
 * one in the home region's partition and says what it grants rather than choosing silently.
 */
function deploymentsComment(homeRegion: string): string {
  const p = partitionOfRegion(homeRegion);
  return [
    '',
    '# `estate env deploy` bootstraps each account it deploys into (CDK bootstrap). Choose the',
    "# policies of CloudFormation's execution role there before the first deploy, e.g.:",
    '# PowerUserAccess (every service but IAM and Organizations) and IAMFullAccess (the',
    "# blueprints' roles). The IAM grant is broad: narrow it with a customer-managed policy of the",
    '# same name in every account you deploy to. AdministratorAccess only as a conscious choice.',
    '# deployments:',
    `#   executionPolicies: [arn:${p}:iam::aws:policy/PowerUserAccess, arn:${p}:iam::aws:policy/IAMFullAccess]`,
    `#   concurrency: ${DEFAULT_DEPLOY_CONCURRENCY}  # stacks deployed at once`,
    '',
  ].join('\n');
}
