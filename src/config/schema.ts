import { z } from 'zod';
import { BLUEPRINT_NAMES } from '../blueprints/catalog.js';
import { parseWindow, windowProblem } from './window.js';
import { parseCron, type Cron } from './cron.js';
import { blueprintChecks } from './blueprint-checks.js';
import { blueprintSettingsSchema } from './blueprint-settings.js';
import {
  ACCOUNT_ID_RE,
  ACCOUNT_KINDS,
  ACCOUNT_NAME_RE,
  ACCOUNT_NAME_RULE,
  DURATION_RE,
  ENV_NAME_RE,
  ENV_NAME_RULE,
  OU_NAME_RE,
  SNS_TOPIC_ARN_RE,
  isEmail,
  isTimeZone,
  isoInstantProblem,
  tagKeyProblem,
  tagValueProblem,
} from './rules.js';
import {
  KMS_KEY_ARN_RE,
  LANDING_ZONE_VERSIONS,
  controlArnRegion,
  controlIdProblem,
  isLandingZoneVersion,
} from './controltower.js';
import { workloadOus } from './workload-ous.js';
import { onboardingChecks, onboardingSchema } from './onboarding.js';
import { edgeRegionProblem, partitionOfRegion, partitionProblem, regionProblem } from './regions.js';

/**
 * estate.yaml, version 1. One strict schema: unknown keys are errors, every field is
 * described (the descriptions feed templates/estate.schema.json for editor completion).
 * Cross-field rules (references, uniqueness, tag limits) live in `crossCheck` below and
 * report every problem at once.
 */

const email = z.string().refine(isEmail, { message: 'must be an e-mail address such as ops@example.com' });
const region = z.string().superRefine((value, ctx) => {
  const problem = regionProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

const tagKey = z.string().superRefine((key, ctx) => {
  const problem = tagKeyProblem(key);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

export const tagMapSchema = z
  .record(z.string(), z.string({ error: 'tag values must be strings (quote numbers and booleans)' }))
  .superRefine((tags, ctx) => {
    for (const [key, value] of Object.entries(tags)) {
      const problem = tagKeyProblem(key) ?? tagValueProblem(key, value);
      if (problem) ctx.addIssue({ code: 'custom', path: [key], message: problem });
    }
    const count = Object.keys(tags).length;
    if (count > 50)
      ctx.addIssue({ code: 'custom', message: `${count} tags; AWS allows at most 50 per resource` });
  })
  .describe('Tags as key: value');

export const notificationSchema = z.strictObject({
  type: z.enum(['ACTUAL', 'FORECASTED']).describe('Alert on actual or forecasted spend'),
  thresholdPercent: z
    .number()
    .min(1, 'threshold must be between 1 and 1000 %')
    .max(1000, 'threshold must be between 1 and 1000 %')
    .describe('Percentage of the budgeted amount'),
});

const emailList = z.array(email).max(10, 'AWS Budgets allows at most 10 e-mail subscribers per notification');
const snsTopicArn = z
  .string()
  .regex(
    SNS_TOPIC_ARN_RE,
    'must be an SNS topic ARN such as arn:aws:sns:us-east-1:111122223333:budget-alerts',
  )
  .superRefine((arn, ctx) => {
    const topicRegion = arn.split(':')[3];
    const problem = SNS_TOPIC_ARN_RE.test(arn) && topicRegion ? regionProblem(topicRegion) : undefined;
    if (problem) ctx.addIssue({ code: 'custom', message: `the topic's region: ${problem}` });
  });
const monthlyUsd = z
  .number({ error: 'must be a number of US dollars' })
  .positive('a budget must be a positive amount of US dollars')
  .max(1_000_000_000);

export const budgetPolicySchema = z.strictObject({
  monthlyUsd: monthlyUsd.describe('Monthly cost budget in USD'),
  notifications: z
    .array(notificationSchema)
    .max(10, 'AWS Budgets allows at most 10 notifications per budget')
    .optional()
    .describe('Overrides budgets.notifications'),
  emails: emailList.optional().describe('Overrides budgets.alertEmails'),
  snsTopicArn: snsTopicArn.optional(),
  enforce: z
    .enum(['none', 'deny-new-resources'])
    .optional()
    .describe('deny-new-resources: a budget action attaches a deny SCP at 100 % actual spend'),
});
export const budgetOverrideSchema = budgetPolicySchema.partial();

const accountKind = z.enum(ACCOUNT_KINDS);

export const accountSchema = z.strictObject({
  name: z
    .string()
    .regex(ACCOUNT_NAME_RE, `account name: ${ACCOUNT_NAME_RULE}`)
    .describe('estate name of the account'),
  kind: accountKind.describe('What the account is for; picks budget defaults and tags'),
  ou: z.string().min(1).describe('Path of the OU it belongs in, e.g. Workloads/Production'),
  email: email.optional().describe('Root e-mail; derived from organization.emailPattern when absent'),
  id: z
    .string()
    .regex(ACCOUNT_ID_RE, 'account id must be 12 digits')
    .optional()
    .describe('Adopt an existing account'),
  owner: email.optional().describe('Who answers for this account'),
  tags: tagMapSchema.optional(),
  budget: budgetOverrideSchema.optional(),
});

interface OuNode {
  name: string;
  tags?: Record<string, string> | undefined;
  children?: OuNode[] | undefined;
}
export const ouSchema: z.ZodType<OuNode> = z.lazy(() =>
  z.strictObject({
    name: z.string().regex(OU_NAME_RE, 'OU names are 1–128 characters without "/"'),
    tags: tagMapSchema.optional(),
    children: z.array(ouSchema).optional(),
  }),
);

export const BUILTIN_POLICIES = [
  'deny-leave-organization',
  'deny-disable-audit',
  'deny-outside-governed-regions',
  'deny-root-user',
  'require-mandatory-tags',
  'deny-all',
] as const;

export const policySchema = z
  .strictObject({
    name: z
      .string()
      .regex(/^[\w+=,.@-]{1,128}$/, 'policy names: 1–128 characters of letters, digits and + = , . @ - _'),
    type: z.enum(['scp', 'tag']).describe('Service control policy or tag policy'),
    builtin: z.enum(BUILTIN_POLICIES).optional().describe('A policy shipped in templates/policies'),
    file: z.string().optional().describe('A JSON policy document, relative to estate.yaml'),
    description: z.string().max(512).optional(),
    targets: z.array(z.string().min(1)).min(1, 'name at least one OU path, account name or Root'),
  })
  .refine((p) => (p.builtin === undefined) !== (p.file === undefined), {
    message: 'give exactly one of builtin or file',
  });

/**
 * The up window the retired `stop`/`start` cron pair meant, when it is the plain kind (one time
 * each, the same days, start before stop): `0 19 * * MON-FRI` / `0 7 * * MON-FRI` → `Mon-Fri 07:00-19:00`.
 */
export function hoursFromCrons(stop: unknown, start: unknown): string | undefined {
  if (typeof stop !== 'string' || typeof start !== 'string') return undefined;
  try {
    const [down, up] = [parseCron(stop), parseCron(start)];
    const single = (c: Cron) =>
      c.minutes.size === 1 && c.hours.size === 1 && !c.domRestricted && c.months.size === 12;
    const time = (c: Cron) => [...c.hours][0]! * 60 + [...c.minutes][0]!;
    const days = [...up.daysOfWeek].sort();
    if (!single(down) || !single(up) || days.join() !== [...down.daysOfWeek].sort().join()) return undefined;
    if (time(up) >= time(down)) return undefined;
    const hhmm = (m: number) =>
      `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
    const names = days.map((d) => ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'][d]).join('+');
    return parseWindow(`${names} ${hhmm(time(up))}-${hhmm(time(down))}`, 'UTC').text;
  } catch {
    return undefined;
  }
}

const retired = z
  .unknown()
  .optional()
  .meta({ deprecated: true, description: 'Removed: write hours instead' });

export const scheduleSchema = z
  .strictObject({
    hours: z
      .string()
      .superRefine((hours, ctx) => {
        const problem = windowProblem(hours);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      })
      .describe(
        'The up window: <days> <HH:MM>-<HH:MM>, e.g. "Mon-Fri 08:00-19:00"; days Mon-Fri, Sat-Sun, Mon, Mon+Wed+Fri or Daily; an end before the start runs overnight; 00:00-24:00 is the whole day. Outside it the stateless stacks are down',
      ),
    timezone: z
      .string()
      .refine(isTimeZone, { message: 'must be an IANA time zone such as Europe/London' })
      .describe('IANA time zone the hours are read in (DST-correct)'),
    stop: retired,
    start: retired,
  })
  .superRefine(
    (value, ctx) => {
      const raw = (value && typeof value === 'object' ? value : {}) as { stop?: unknown; start?: unknown };
      const key = raw.stop !== undefined ? 'stop' : raw.start !== undefined ? 'start' : undefined;
      if (!key) return;
      const hours = hoursFromCrons(raw.stop, raw.start);
      ctx.addIssue({
        code: 'custom',
        path: [key],
        message: `schedule.stop and schedule.start (cron expressions) are replaced by hours, the up window: ${hours ? `write hours: ${hours}` : 'write hours: <days> <HH:MM>-<HH:MM>, e.g. hours: Mon-Fri 08:00-19:00'} and remove stop and start`,
      });
    },
    { when: () => true },
  );

export const EXECUTORS = ['ci', 'aws'] as const;

export const environmentSchema = z.strictObject({
  name: z.string().regex(ENV_NAME_RE, `environment name: ${ENV_NAME_RULE}`),
  account: z.string().describe('Name of the account it is deployed into'),
  region: region.optional().describe('Defaults to organization.homeRegion'),
  blueprints: z.array(z.enum(BLUEPRINT_NAMES)).min(1, 'an environment needs at least one blueprint'),
  size: z
    .enum(['dev', 'prod'])
    .default('dev')
    .describe('dev: cheap and destroyable; prod: retained and protected'),
  owner: email.optional(),
  ttl: z
    .string()
    .regex(DURATION_RE, 'TTL must be a number and a unit: 30m, 72h, 7d or 2w')
    .optional()
    .describe('How long after its first deployment the environment may live; not with expires'),
  expires: z
    .string()
    .superRefine((value, ctx) => {
      const problem = isoInstantProblem(value);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .optional()
    .describe('When the environment expires, ISO 8601 with a zone: 2026-12-24T18:00Z; not with ttl'),
  schedule: scheduleSchema.optional().describe('Off-hours: the environment is up only inside this window'),
  executor: z
    .enum(EXECUTORS)
    .default('ci')
    .describe(
      'Who acts on the schedule and the expiry: ci (`estate env reap` and `estate env up --due` from templates/ci) or aws (the estate-lifecycle stack in the account)',
    ),
  protected: z.boolean().default(false).describe('Refuse teardown without explicit intent'),
  budgetUsd: monthlyUsd.optional().describe('Monthly budget filtered by the estate:env cost allocation tag'),
  settings: blueprintSettingsSchema.optional().describe('Per-environment blueprint settings'),
  tags: tagMapSchema.optional(),
});

/** The CDK's default bootstrap qualifier: what `cdk bootstrap` and synthesised stacks use unless told. */
export const DEFAULT_QUALIFIER = 'hnb659fds';
/** Stacks one `env deploy` works on at once, unless deployments.concurrency says otherwise. */
export const DEFAULT_DEPLOY_CONCURRENCY = 4;

/** `arn:<partition>:iam::aws:policy/<name>` (AWS managed) or `arn:<partition>:iam::<id>:policy/<path/name>`. */
export const IAM_POLICY_ARN_RE = /^arn:(aws[a-z-]*):iam::(aws|\d{12}):policy\/[\w+=,.@/-]{1,512}$/;

export const deploymentsSchema = z
  .strictObject({
    qualifier: z
      .string()
      .regex(/^[a-z0-9]{1,10}$/, {
        error: (iss) =>
          `"${String(iss.input)}" is not a qualifier: use 1–10 lowercase letters or digits, like the CDK's default ${DEFAULT_QUALIFIER}`,
      })
      .default(DEFAULT_QUALIFIER)
      .describe(
        'CDK bootstrap qualifier: names the bootstrap stack resources and the SSM parameter /cdk-bootstrap/<qualifier>/version',
      ),
    trustedAccounts: z
      .array(z.string().min(1))
      .min(1, 'list at least one account, or remove trustedAccounts to trust the management account')
      .optional()
      .describe(
        'Accounts (configured names or 12-digit ids) whose principals may deploy into bootstrapped accounts. Default: the management account (the caller)',
      ),
    executionPolicies: z
      .array(
        z.string().regex(IAM_POLICY_ARN_RE, {
          error: (iss) =>
            `"${String(iss.input)}" must be an IAM managed policy ARN such as arn:aws:iam::111122223333:policy/estate-cfn-execution or arn:aws:iam::aws:policy/PowerUserAccess`,
        }),
      )
      .min(1, 'list at least one managed policy ARN for the CloudFormation execution role')
      .optional()
      .describe(
        'Managed policies of the CloudFormation execution role that bootstrap creates. No default: bootstrapping needs it; arn:aws:iam::aws:policy/AdministratorAccess only if written here',
      ),
    concurrency: z
      .number({ error: 'concurrency must be a whole number of stacks' })
      .int({ error: (iss) => `concurrency must be a whole number of stacks, not ${String(iss.input)}` })
      .min(1, { error: (iss) => `concurrency must be at least 1, not ${String(iss.input)}` })
      .max(20, {
        error: (iss) =>
          `concurrency is at most 20, not ${String(iss.input)} (CloudFormation throttles more concurrent stack operations)`,
      })
      .default(DEFAULT_DEPLOY_CONCURRENCY)
      .describe('Stacks deployed at once per run, across environments and accounts'),
  })
  .describe('How `estate env deploy` bootstraps accounts and deploys stacks');

/** Hours before expiry the owner is warned, unless lifecycle.warnBeforeHours says otherwise. */
export const DEFAULT_WARN_BEFORE_HOURS = 24;
/** How old an environment without a config entry must be before the reaper destroys it. */
export const DEFAULT_ORPHANS_AFTER = '48h';

const duration = (what: string) =>
  z.string().regex(DURATION_RE, `${what} must be a number and a unit: 30m, 72h, 7d or 2w`);

export const lifecycleSchema = z
  .strictObject({
    warnBeforeHours: z
      .number({ error: 'warnBeforeHours must be a whole number of hours' })
      .int({ error: (iss) => `warnBeforeHours must be a whole number of hours, not ${String(iss.input)}` })
      .min(1, 'warnBeforeHours must be at least 1')
      .max(24 * 28, 'warnBeforeHours is at most 672 (four weeks)')
      .default(DEFAULT_WARN_BEFORE_HOURS)
      .describe('Warn the owner this many hours before an environment expires'),
    warnTopicArn: snsTopicArn.optional().describe('SNS topic the expiry warnings are published to'),
    warnFromEmail: email
      .optional()
      .describe("SES sender of the expiry warnings, mailed to the environment's owner"),
    idleFor: duration('idleFor')
      .optional()
      .describe('Default of `env reap --idle-for`; absent: idle detection is off unless the flag is given'),
    orphansAfter: duration('orphansAfter')
      .default(DEFAULT_ORPHANS_AFTER)
      .describe(
        'Default of `env reap --orphans-after`: age after which stacks of an environment not in estate.yaml are destroyed',
      ),
  })
  .describe("How schedules and expiry are acted on: warnings and the reaper's defaults");

const kmsKeyArn = z
  .string()
  .regex(
    KMS_KEY_ARN_RE,
    'must be a KMS key ARN such as arn:aws:kms:eu-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
  );

const controlId = z.string().superRefine((id, ctx) => {
  const problem = controlIdProblem(id);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

export const controlTowerSchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    landingZoneVersion: z
      .string({ error: `landingZoneVersion must be a quoted version: ${LANDING_ZONE_VERSIONS.join(' or ')}` })
      .refine(isLandingZoneVersion, {
        error: (iss) =>
          `landing-zone version "${String(iss.input)}" is not one AWS Control Tower offers: use ${LANDING_ZONE_VERSIONS.join(' or ')}`,
      })
      .default('3.3')
      .describe(`Landing-zone version: ${LANDING_ZONE_VERSIONS.join(' or ')}`),
    logArchiveAccount: z.string().describe('Name of the log-archive account (kind logs)'),
    auditAccount: z.string().describe('Name of the audit/security account (kind monitoring)'),
    logRetentionDays: z.number().int().min(1).max(3653).default(365),
    accessLogRetentionDays: z.number().int().min(1).max(3653).default(3650),
    kmsKeyArn: kmsKeyArn
      .optional()
      .describe('KMS key that encrypts the central log bucket. Default: S3-managed encryption'),
    securityOuName: z
      .string()
      .regex(OU_NAME_RE, 'OU names are 1–128 characters without "/"')
      .optional()
      .describe(
        '3.x only: the OU Control Tower creates for the log-archive and audit accounts. Default: Security',
      ),
    sandboxOuName: z
      .string()
      .regex(OU_NAME_RE, 'OU names are 1–128 characters without "/"')
      .optional()
      .describe('3.x only: the sandbox OU Control Tower creates. Default: Sandbox'),
    accessManagement: z
      .boolean()
      .default(true)
      .describe('IAM Identity Center: Control Tower sets it up and OU baselines take its enabled baseline'),
    awsConfig: z
      .boolean()
      .optional()
      .describe(
        '4.0 only: AWS Config integration, aggregated in the audit account. Default: true (always on in 3.x)',
      ),
    securityRoles: z
      .boolean()
      .optional()
      .describe(
        "4.0 only: the audit account's cross-account security roles. Default: true (always on in 3.x)",
      ),
    backup: z
      .strictObject({
        enabled: z.boolean().default(true),
        adminAccount: z.string().describe('Name of the AWS Backup administrator account'),
        centralAccount: z.string().describe('Name of the central backup account'),
        kmsKeyArn: kmsKeyArn.describe('KMS key of the backup vaults'),
      })
      .optional()
      .describe('4.0 only: AWS Backup integration'),
    workloadOus: z
      .array(z.string().min(1))
      .optional()
      .describe(
        'OU paths registered with the AWSControlTowerBaseline. Default: every OU holding an account other than the log-archive and audit accounts',
      ),
    defaultControls: z
      .boolean()
      .default(true)
      .describe(
        'Enable the strongly recommended controls of templates/controls/default.json on every workload OU',
      ),
    controls: z
      .array(
        z.strictObject({
          ou: z.string().describe('OU path'),
          identifiers: z
            .array(controlId)
            .min(1)
            .describe(
              'Control identifiers: arn:aws:controltower:<region>::control/<ID>, arn:aws:controlcatalog:::control/<id> or a guardrail name such as AWS-GR_RESTRICT_ROOT_USER_ACCESS_KEYS',
            ),
          parameters: z
            .record(z.string().min(1), z.unknown())
            .optional()
            .describe(
              'Parameters every control of this entry is enabled with, e.g. AllowedRegions for the OU Region deny control (CT.MULTISERVICE.PV.1)',
            ),
        }),
      )
      .default([]),
    baseline: z
      .strictObject({
        enabled: z
          .boolean()
          .default(true)
          .describe(
            'Deploy the estate-baseline StackSet (CDK bootstrap, estate deployment role, observability link) to the workload OUs',
          ),
        regions: z
          .array(region)
          .min(1)
          .optional()
          .describe(
            'Regions of the baseline instances, all governed (with observability on, the home region among them: links reach a sink of their own region only). Default: organization.governedRegions',
          ),
        deploymentRoleName: z
          .string()
          .regex(/^[\w+=,.@-]{1,64}$/, 'an IAM role name: 1–64 of letters, digits and +=,.@_-')
          .default('estate-deployment')
          .describe(
            'The role the baseline creates in every account for estate and CI, trusting the management account',
          ),
        maxConcurrentPercentage: z
          .number()
          .int()
          .min(1)
          .max(100)
          .default(25)
          .describe('StackSet operation preference: share of the accounts deployed at once, per region'),
        failureTolerancePercentage: z
          .number()
          .int()
          .min(0)
          .max(100)
          .default(10)
          .describe(
            'StackSet operation preference: share of the accounts that may fail, per region, before the operation stops',
          ),
        regionConcurrency: z
          .enum(['PARALLEL', 'SEQUENTIAL'])
          .default('PARALLEL')
          .describe('StackSet operation preference: deploy the regions at once or one after another'),
      })
      .prefault({})
      .describe('The account baseline every account in a workload OU gets without estate running'),
    observability: z
      .strictObject({
        enabled: z
          .boolean()
          .default(true)
          .describe(
            'A CloudWatch cross-account observability sink in the audit (monitoring) account, linked from every workload account',
          ),
        resourceTypes: z
          .array(z.enum(['metrics', 'logs', 'traces']))
          .min(1)
          .default(['metrics', 'logs', 'traces'])
          .describe('What workload accounts share with the monitoring account'),
        dashboard: z
          .boolean()
          .default(true)
          .describe(
            'An estate-overview CloudWatch dashboard of every environment, in the monitoring account',
          ),
      })
      .prefault({})
      .describe('Central observability in the monitoring account'),
  })
  .describe('AWS Control Tower landing zone, OU baselines and controls');

const configObject = z.strictObject({
  version: z.literal(1, { error: 'version must be 1' }),
  organization: z.strictObject({
    name: z.string().min(1).max(64),
    managementAccountId: z
      .string()
      .regex(ACCOUNT_ID_RE, 'account id must be 12 digits')
      .optional()
      .describe('Runs from any other account stop before changing anything'),
    homeRegion: region,
    governedRegions: z
      .array(region)
      .min(1)
      .describe('Regions workloads may use (Control Tower governed regions)'),
    emailPattern: z
      .string()
      .refine((p) => p.includes('{account}') && isEmail(p.replaceAll('{account}', 'name')), {
        message: 'must be an e-mail pattern containing {account}, e.g. aws+{account}@example.com',
      })
      .describe('Root e-mail of each account; {account} is replaced by the account name'),
    accessRoleName: z
      .string()
      .regex(/^[\w+=,.@-]{1,64}$/)
      .default('OrganizationAccountAccessRole')
      .describe('Role estate assumes in member accounts'),
    auditLog: z.string().optional().describe('Where mutating calls are logged; default ~/.estate/audit.log'),
  }),
  controlTower: controlTowerSchema.optional(),
  organizationalUnits: z.array(ouSchema).min(1, 'declare at least one OU'),
  accounts: z.array(accountSchema).min(1, 'declare at least one account'),
  tags: z
    .strictObject({
      mandatory: z
        .array(
          z.strictObject({
            key: tagKey,
            default: z.string().optional(),
            allowed: z.array(z.string()).optional().describe('Values tags audit accepts'),
          }),
        )
        .default([]),
      byKind: z.partialRecord(accountKind, tagMapSchema).optional().describe('Default tags per account kind'),
    })
    .default({ mandatory: [] }),
  budgets: z
    .strictObject({
      placement: z
        .enum(['management', 'member'])
        .default('management')
        .describe('management: all budgets in the management account filtered to the linked account'),
      alertEmails: emailList.default([]),
      snsTopicArn: snsTopicArn.optional(),
      notifications: z
        .array(notificationSchema)
        .max(10, 'AWS Budgets allows at most 10 notifications per budget')
        .default([
          { type: 'ACTUAL', thresholdPercent: 80 },
          { type: 'ACTUAL', thresholdPercent: 100 },
          { type: 'FORECASTED', thresholdPercent: 100 },
        ]),
      byKind: z.partialRecord(accountKind, budgetPolicySchema).default({}),
      actionRoleArn: z
        .string()
        .regex(
          /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/,
          'must be an IAM role ARN such as arn:aws:iam::111122223333:role/estate-budgets-action',
        )
        .optional()
        .describe(
          'Role AWS Budgets assumes to attach the deny SCP (enforce: deny-new-resources); it must be in the management account, trust budgets.amazonaws.com and allow organizations:AttachPolicy and DetachPolicy, and plan fails if it does not exist. Default: arn:aws:iam::<management account>:role/estate-budgets-action, which estate creates and keeps least-privileged',
        ),
    })
    .optional(),
  policies: z.array(policySchema).default([]),
  blueprints: blueprintSettingsSchema.default({}),
  environments: z.array(environmentSchema).default([]),
  deployments: deploymentsSchema.optional(),
  lifecycle: lifecycleSchema.optional(),
  onboarding: onboardingSchema.optional(),
});

// Cross-checks run even when fields failed, so one run reports every problem; they only
// look at the parts that parsed.
export const configSchema = configObject.superRefine((cfg, ctx) => crossCheck(loosen(cfg), ctx), {
  when: () => true,
});

/** Partial input seen by crossCheck when other fields failed: arrays of objects, or empty. */
function loosen(raw: unknown): z.output<typeof configObject> {
  const r = (raw ?? {}) as Record<string, unknown>;
  const arr = (v: unknown) => (Array.isArray(v) ? v.filter((x) => x && typeof x === 'object') : []);
  const org = (r.organization ?? {}) as Record<string, unknown>;
  return {
    ...r,
    organization: {
      ...org,
      emailPattern: typeof org.emailPattern === 'string' ? org.emailPattern : '{account}@invalid.example',
      governedRegions: Array.isArray(org.governedRegions) ? org.governedRegions : [],
    },
    organizationalUnits: arr(r.organizationalUnits),
    accounts: arr(r.accounts).filter((a) => typeof (a as { name?: unknown }).name === 'string'),
    policies: arr(r.policies).map((p) => ({ ...p, targets: Array.isArray(p.targets) ? p.targets : [] })),
    environments: arr(r.environments).map((e) => ({
      ...e,
      blueprints: Array.isArray(e.blueprints) ? e.blueprints : [],
    })),
    controlTower:
      r.controlTower && typeof r.controlTower === 'object'
        ? {
            ...(r.controlTower as object),
            controls: arr((r.controlTower as Record<string, unknown>).controls),
          }
        : undefined,
  } as unknown as z.output<typeof configObject>;
}

export type EstateConfig = z.infer<typeof configSchema>;
export type AccountConfig = z.infer<typeof accountSchema>;
export type EnvironmentConfig = z.infer<typeof environmentSchema>;
export type OuConfig = OuNode;
export type BudgetPolicy = z.infer<typeof budgetPolicySchema>;
export type LifecycleSettings = z.infer<typeof lifecycleSchema>;
export type Executor = (typeof EXECUTORS)[number];

/** The config's `lifecycle` block with its defaults (the block itself is optional). */
export function lifecycleSettings(config: Pick<EstateConfig, 'lifecycle'>): LifecycleSettings {
  return (
    config.lifecycle ?? { warnBeforeHours: DEFAULT_WARN_BEFORE_HOURS, orphansAfter: DEFAULT_ORPHANS_AFTER }
  );
}

/** Every OU path in the tree ("Workloads", "Workloads/Production"), with its config path. */
export function ouPaths(ous: readonly OuNode[]): Map<string, (string | number)[]> {
  const out = new Map<string, (string | number)[]>();
  const walk = (nodes: readonly OuNode[], prefix: string, at: (string | number)[], depth: number) => {
    nodes.forEach((ou, i) => {
      const p = prefix ? `${prefix}/${ou.name}` : ou.name;
      const here = [...at, i];
      out.set(p, here);
      if (Array.isArray(ou.children)) walk(ou.children, p, [...here, 'children'], depth + 1);
    });
  };
  walk(ous, '', ['organizationalUnits'], 1);
  return out;
}

function depthOf(ous: readonly OuNode[]): number {
  return ous.reduce((d, ou) => Math.max(d, 1 + depthOf(Array.isArray(ou.children) ? ou.children : [])), 0);
}

type Config = z.output<typeof configObject>;
type AccountEntry = Config['accounts'][number];

/** What the later checks look names up in: OU paths, the OU hint, account name → index. */
interface Known {
  paths: Map<string, (string | number)[]>;
  ouHint: string;
  accountNames: Map<string, number>;
}

/** Reports in a fixed order (OUs, accounts, Control Tower, regions, policies, budgets, environments, deployments, blueprints). */
function crossCheck(cfg: Config, ctx: z.RefinementCtx): void {
  const issue: Issue = (path, message) => ctx.addIssue({ code: 'custom', path, message });
  const paths = ouPaths(cfg.organizationalUnits);
  const ouHint = `known OUs: ${[...paths.keys()].join(', ')}`;
  ouTreeChecks(cfg, issue);
  const known: Known = { paths, ouHint, accountNames: accountChecks(cfg, issue, paths, ouHint) };
  controlTowerChecks(cfg, issue, known);
  governedRegionChecks(cfg, issue);
  policyChecks(cfg, issue, known);
  budgetChecks(cfg, issue);
  environmentChecks(cfg, issue, known);
  deploymentChecks(cfg, issue, known);
  // What synth would reject in the blueprint settings, at the key to set.
  blueprintChecks(cfg, issue);
  onboardingChecks(cfg, paths, issue);
}

/** OU tree: unique sibling names, depth ≤ 5 (Organizations' limit). */
function ouTreeChecks(cfg: Config, issue: Issue): void {
  const seenOu = new Set<string>();
  const walk = (nodes: readonly OuNode[], prefix: string, at: (string | number)[]) =>
    nodes.forEach((ou, i) => {
      const p = prefix ? `${prefix}/${ou.name}` : ou.name;
      if (seenOu.has(p)) issue([...at, i, 'name'], `OU "${p}" is declared twice`);
      seenOu.add(p);
      if (Array.isArray(ou.children)) walk(ou.children, p, [...at, i, 'children']);
    });
  walk(cfg.organizationalUnits, '', ['organizationalUnits']);
  if (depthOf(cfg.organizationalUnits) > 5)
    issue(['organizationalUnits'], 'OUs nest at most 5 levels deep in AWS Organizations');
}

/**
 * Each account in turn: its identity (name, e-mail, id, OU), then its tags, so an account's
 * problems are reported together. Returns account name → first index.
 */
function accountChecks(
  cfg: Config,
  issue: Issue,
  paths: Map<string, (string | number)[]>,
  ouHint: string,
): Map<string, number> {
  const seen = {
    names: new Map<string, number>(),
    emails: new Map<string, number>(),
    ids: new Map<string, number>(),
  };
  cfg.accounts.forEach((acct, i) => {
    accountIdentityChecks(cfg, acct, i, issue, seen);
    if (!paths.has(acct.ou))
      issue(['accounts', i, 'ou'], `OU "${acct.ou}" is not declared under organizationalUnits; ${ouHint}`);
    accountTagChecks(cfg, acct, i, issue);
  });
  return seen.names;
}

/** Unique name, a valid and unique root e-mail (given or derived), a unique id. */
function accountIdentityChecks(
  cfg: Config,
  acct: AccountEntry,
  i: number,
  issue: Issue,
  seen: { names: Map<string, number>; emails: Map<string, number>; ids: Map<string, number> },
): void {
  const { names: accountNames, emails, ids } = seen;
  if (accountNames.has(acct.name))
    issue(
      ['accounts', i, 'name'],
      `account "${acct.name}" is declared twice (also accounts[${accountNames.get(acct.name)}])`,
    );
  else accountNames.set(acct.name, i);

  const mail = (acct.email ?? cfg.organization.emailPattern.replaceAll('{account}', acct.name)).toLowerCase();
  if (!acct.email && !isEmail(mail))
    issue(
      ['accounts', i, 'name'],
      `derived e-mail "${mail}" is not valid (AWS allows 6–64 characters); set email explicitly`,
    );
  if (emails.has(mail) && (acct.email || accountNames.get(acct.name) === i))
    issue(
      ['accounts', i, acct.email ? 'email' : 'name'],
      `e-mail ${mail} is already used by accounts[${emails.get(mail)}]; each account needs its own root e-mail`,
    );
  else emails.set(mail, i);

  if (acct.id) {
    if (ids.has(acct.id))
      issue(['accounts', i, 'id'], `account id ${acct.id} is already used by accounts[${ids.get(acct.id)}]`);
    else ids.set(acct.id, i);
  }
}

/** Mandatory tags have a value from the account, its kind or a default; at most 50 tags. */
function accountTagChecks(cfg: Config, acct: AccountEntry, i: number, issue: Issue): void {
  // An account whose kind is invalid already has a problem; its kind-based tags would only echo it.
  if (!(ACCOUNT_KINDS as readonly string[]).includes(acct.kind)) return;
  const mandatory = cfg.tags?.mandatory ?? [];
  const merged = { ...(cfg.tags?.byKind?.[acct.kind] ?? {}), ...(acct.tags ?? {}) };
  for (const m of mandatory) {
    if (merged[m.key] === undefined && m.default === undefined)
      issue(
        ['accounts', i, 'tags'],
        `mandatory tag "${m.key}" has no value: set it here, under tags.byKind.${acct.kind}, or give it a default`,
      );
    const value = merged[m.key] ?? m.default;
    if (value !== undefined && m.allowed && !m.allowed.includes(value))
      issue(
        ['accounts', i, 'tags', m.key],
        `"${value}" is not an allowed value of ${m.key} (${m.allowed.join(', ')})`,
      );
  }
  const total = new Set([
    ...Object.keys(merged),
    ...mandatory.map((m) => m.key),
    'estate:kind',
    'estate:owner',
  ]).size;
  if (total > 50)
    issue(['accounts', i, 'tags'], `the account would carry ${total} tags; AWS allows 50 per account`);
}

/**
 * With Control Tower on: the log-archive and audit accounts, what the landing-zone version
 * offers, the OUs to baseline and their controls, a governed home region.
 */
function controlTowerChecks(cfg: Config, issue: Issue, known: Known): void {
  const ct = cfg.controlTower as Partial<NonNullable<Config['controlTower']>> | undefined;
  if (!ct || ct.enabled === false) return;
  const { paths, ouHint } = known;
  sharedAccountChecks(cfg, ct, issue, known);
  versionChecks(cfg, ct, issue);
  baselineChecks(cfg, ct, issue);
  (Array.isArray(ct.workloadOus) ? ct.workloadOus : []).forEach((ou, i) => {
    if (typeof ou === 'string' && !paths.has(ou))
      issue(['controlTower', 'workloadOus', i], `OU "${ou}" is not declared; ${ouHint}`);
  });
  const home = cfg.organization.homeRegion as string | undefined;
  // Before 4.0 a control needs a registered OU: one the AWSControlTowerBaseline is on.
  const registered = ct.landingZoneVersion === '4.0' ? undefined : new Set(workloadOus(cfg));
  (ct.controls ?? []).forEach((c, i) => {
    if (typeof c.ou === 'string' && !paths.has(c.ou))
      issue(['controlTower', 'controls', i, 'ou'], `OU "${c.ou}" is not declared; ${ouHint}`);
    else if (typeof c.ou === 'string' && registered && !registered.has(c.ou))
      issue(
        ['controlTower', 'controls', i, 'ou'],
        `OU "${c.ou}" is not registered with Control Tower (workload OUs: ${[...registered].join(', ') || 'none'}); landing zone ${ct.landingZoneVersion ?? '3.3'} enables controls only on registered OUs: add it to controlTower.workloadOus`,
      );
    (Array.isArray(c.identifiers) ? c.identifiers : []).forEach((id, j) => {
      const region = typeof id === 'string' ? controlArnRegion(id) : undefined;
      if (region && typeof home === 'string' && region !== home)
        issue(
          ['controlTower', 'controls', i, 'identifiers', j],
          `${id} names region ${region}; Control Tower takes control ARNs of the home region ${home}`,
        );
    });
  });
  if (typeof home === 'string' && !cfg.organization.governedRegions.includes(home))
    issue(
      ['organization', 'governedRegions'],
      `the home region ${home} must be governed: Control Tower runs from it; add it to governedRegions`,
    );
}

/**
 * The account baseline deploys only to governed regions, and with observability on it must
 * reach the sink's region (the home region): OAM links work within one region.
 */
function baselineChecks(cfg: Config, ct: Partial<NonNullable<Config['controlTower']>>, issue: Issue): void {
  const baseline = ct.baseline as Partial<NonNullable<typeof ct.baseline>> | undefined;
  if (!baseline || baseline.enabled === false) return;
  const governed = cfg.organization.governedRegions;
  const regions = Array.isArray(baseline.regions) ? baseline.regions : undefined;
  (regions ?? []).forEach((r, i) => {
    if (typeof r === 'string' && !governed.includes(r))
      issue(
        ['controlTower', 'baseline', 'regions', i],
        `region ${r} is not governed (governedRegions: ${governed.join(', ') || 'none'}); the baseline deploys only to governed regions: add ${r} to organization.governedRegions or remove it here`,
      );
  });
  const home = cfg.organization.homeRegion as string | undefined;
  const observability = ct.observability as Partial<NonNullable<typeof ct.observability>> | undefined;
  if (regions && observability?.enabled !== false && typeof home === 'string' && !regions.includes(home))
    issue(
      ['controlTower', 'baseline', 'regions'],
      `the observability sink is in the home region ${home}, and a link reaches a sink of its own region only: add ${home} to controlTower.baseline.regions, or set controlTower.observability.enabled: false`,
    );
}

/** The log-archive (kind logs) and audit (kind monitoring) accounts, and the 4.0 backup accounts, are declared. */
function sharedAccountChecks(
  cfg: Config,
  ct: Partial<NonNullable<Config['controlTower']>>,
  issue: Issue,
  { accountNames }: Known,
): void {
  const check = (field: 'logArchiveAccount' | 'auditAccount', kind: string, role: string) => {
    const name = ct[field];
    if (typeof name !== 'string') return;
    const idx = accountNames.get(name);
    const ofKind = cfg.accounts.filter((a) => a.kind === kind).map((a) => a.name);
    if (idx === undefined)
      issue(
        ['controlTower', field],
        ofKind.length
          ? `account "${name}" is not declared under accounts; accounts of kind ${kind}: ${ofKind.join(', ')}`
          : `account "${name}" is not declared under accounts; a landing zone needs ${role === 'audit' ? 'an' : 'a'} ${role} account: declare one of kind ${kind}`,
      );
    else if (cfg.accounts[idx]!.kind !== kind)
      issue(
        ['controlTower', field],
        `account "${name}" is of kind ${cfg.accounts[idx]!.kind}; expected ${kind} (the landing zone's ${role} account)`,
      );
  };
  check('logArchiveAccount', 'logs', 'log-archive');
  check('auditAccount', 'monitoring', 'audit');
  if (ct.logArchiveAccount !== undefined && ct.logArchiveAccount === ct.auditAccount)
    issue(['controlTower', 'auditAccount'], 'the audit and log-archive accounts must be different accounts');
  const backup = ct.backup as Partial<NonNullable<typeof ct.backup>> | undefined;
  for (const field of ['adminAccount', 'centralAccount'] as const) {
    const name = backup?.[field];
    if (typeof name === 'string' && !accountNames.has(name))
      issue(['controlTower', 'backup', field], `account "${name}" is not declared under accounts`);
  }
}

/** What each landing-zone version offers: 3.x creates the Security and sandbox OUs; 4.0 makes integrations switchable. */
function versionChecks(cfg: Config, ct: Partial<NonNullable<Config['controlTower']>>, issue: Issue): void {
  const version = ct.landingZoneVersion ?? '3.3';
  if (!isLandingZoneVersion(version)) return;
  if (version === '4.0') {
    for (const field of ['securityOuName', 'sandboxOuName'] as const)
      if (ct[field] !== undefined)
        issue(
          ['controlTower', field],
          `landing zone 4.0 creates no ${field === 'securityOuName' ? 'Security' : 'sandbox'} OU: remove ${field} and declare the OU under organizationalUnits yourself (or use landingZoneVersion 3.3)`,
        );
    const ouOf = (name: unknown) => cfg.accounts.find((a) => a.name === name)?.ou;
    const integration = [ct.logArchiveAccount, ct.auditAccount]
      .map((name) => ({ name, ou: ouOf(name) }))
      .filter((a): a is { name: string; ou: string } => typeof a.ou === 'string');
    const parents = new Set(integration.map((a) => a.ou));
    if (parents.size > 1)
      issue(
        ['controlTower', 'auditAccount'],
        `landing zone 4.0 wants its service-integration accounts under one parent OU: ${integration.map((a) => `${a.name} is in ${a.ou}`).join(', ')}`,
      );
    return;
  }
  for (const field of ['awsConfig', 'securityRoles'] as const)
    if (ct[field] === false)
      issue(
        ['controlTower', field],
        `landing zone ${version} always has ${field === 'awsConfig' ? 'AWS Config' : 'the security roles'}; switching it off needs landingZoneVersion 4.0`,
      );
  if (ct.backup !== undefined)
    issue(['controlTower', 'backup'], `the backup integration needs landingZoneVersion 4.0, not ${version}`);
}

/** Every governed region is in the home region's partition. */
function governedRegionChecks(cfg: Config, issue: Issue): void {
  const home = cfg.organization.homeRegion;
  if (typeof home === 'string')
    cfg.organization.governedRegions.forEach((r, i) => {
      const problem = typeof r === 'string' ? partitionProblem(r, home) : undefined;
      if (problem) issue(['organization', 'governedRegions', i], problem);
    });
}

/** Unique policy names, targets that exist, a type that matches the built-in policy. */
function policyChecks(cfg: Config, issue: Issue, { paths, accountNames }: Known): void {
  const policyNames = new Set<string>();
  cfg.policies.forEach((p, i) => {
    if (policyNames.has(p.name)) issue(['policies', i, 'name'], `policy "${p.name}" is declared twice`);
    policyNames.add(p.name);
    p.targets.forEach((t, j) => {
      if (t !== 'Root' && !paths.has(t) && !accountNames.has(t))
        issue(
          ['policies', i, 'targets', j],
          `target "${t}" is neither Root, a declared OU path nor an account name`,
        );
    });
    if (p.builtin === 'require-mandatory-tags' && p.type !== 'tag')
      issue(['policies', i, 'type'], 'require-mandatory-tags is a tag policy; set type: tag');
    else if (p.builtin && p.builtin !== 'require-mandatory-tags' && p.type !== 'scp')
      issue(['policies', i, 'type'], `${p.builtin} is a service control policy; set type: scp`);
  });
}

/** Unique names, a declared account, a governed region, a coherent blueprint list, a lifetime only where one may end. */
function environmentChecks(cfg: Config, issue: Issue, { accountNames }: Known): void {
  const envNames = new Map<string, number>();
  cfg.environments.forEach((env, i) => {
    if (envNames.has(env.name))
      issue(['environments', i, 'name'], `environment "${env.name}" is declared twice`);
    envNames.set(env.name, i);
    if (!accountNames.has(env.account))
      issue(
        ['environments', i, 'account'],
        `account "${env.account}" is not declared under accounts; known: ${[...accountNames.keys()].join(', ')}`,
      );
    if (env.region && !cfg.organization.governedRegions.includes(env.region))
      issue(
        ['environments', i, 'region'],
        `${env.region} is not in organization.governedRegions (${cfg.organization.governedRegions.join(', ')})`,
      );
    const edge = edgeRegionProblem(env.blueprints, cfg.organization.governedRegions);
    if (edge) issue(['environments', i, 'blueprints', env.blueprints.indexOf('edge')], edge);
    const dupes = env.blueprints.filter((b, j) => env.blueprints.indexOf(b) !== j);
    if (dupes.length) issue(['environments', i, 'blueprints'], `blueprint ${dupes[0]} is listed twice`);
    if (env.blueprints.includes('api-lambda') && env.blueprints.includes('api-eks'))
      issue(['environments', i, 'blueprints'], 'choose one of api-lambda and api-eks');
    lifetimeChecks(cfg, env, i, issue);
  });
}

type EnvEntry = Config['environments'][number];
const LIFETIME_FIELDS = ['ttl', 'expires', 'schedule'] as const;

/** Why an environment can never be taken down or expire: protected, a production account kind, size prod. */
function permanentBecause(cfg: Config, env: EnvEntry): string | undefined {
  const kind = cfg.accounts.find((a) => a.name === env.account)?.kind;
  if (env.protected === true) return 'it is protected (protected: true)';
  if (kind === 'prod-multi-tenant' || kind === 'prod-single-tenant')
    return `its account ${env.account} is of kind ${kind}, whose environments are protected`;
  if (env.size === 'prod') return 'it has size: prod (retained and protected)';
  return undefined;
}

/** ttl or expires, not both; no ttl, expires or schedule on an environment that must stay up. */
function lifetimeChecks(cfg: Config, env: EnvEntry, i: number, issue: Issue): void {
  if (env.ttl !== undefined && env.expires !== undefined)
    issue(
      ['environments', i, 'expires'],
      `environment "${env.name}" has both ttl and expires: keep one (ttl counts from the first deploy, expires is a fixed time)`,
    );
  const because = permanentBecause(cfg, env);
  if (!because) return;
  for (const field of LIFETIME_FIELDS)
    if (env[field] !== undefined)
      issue(
        ['environments', i, field],
        `environment "${env.name}" cannot have ${field === 'schedule' ? 'a schedule (off-hours down)' : `${field === 'ttl' ? 'a ttl' : 'expires'} (expiry destroys it)`}: ${because}; remove ${field}`,
      );
}

/** Trusted accounts that are configured (by name) or ids; execution policies of the home partition. */
function deploymentChecks(cfg: Config, issue: Issue, { accountNames }: Known): void {
  const d = cfg.deployments as Partial<NonNullable<Config['deployments']>> | undefined;
  if (!d || typeof d !== 'object') return;
  (Array.isArray(d.trustedAccounts) ? d.trustedAccounts : []).forEach((a, i) => {
    if (typeof a === 'string' && !ACCOUNT_ID_RE.test(a) && !accountNames.has(a))
      issue(
        ['deployments', 'trustedAccounts', i],
        `"${a}" is neither a 12-digit account id nor an account declared under accounts; known: ${[...accountNames.keys()].join(', ')}`,
      );
  });
  const home = cfg.organization.homeRegion as string | undefined;
  if (typeof home !== 'string' || regionProblem(home)) return;
  const partition = partitionOfRegion(home);
  (Array.isArray(d.executionPolicies) ? d.executionPolicies : []).forEach((arn, i) => {
    const given = typeof arn === 'string' ? IAM_POLICY_ARN_RE.exec(arn)?.[1] : undefined;
    if (given && given !== partition)
      issue(
        ['deployments', 'executionPolicies', i],
        `${arn} is in partition ${given}, but the home region ${home} is in ${partition}; write arn:${partition}:iam::…`,
      );
  });
}

type Issue = (path: (string | number)[], message: string) => void;
type NotificationInput = { type?: unknown; thresholdPercent?: unknown };

/**
 * AWS Budgets limits the field schemas cannot see on their own: one notification per type
 * and threshold (DuplicateRecordException), budget actions only from the management
 * account, at least one subscriber for an action, an amount for every overridden account.
 */
function budgetChecks(cfg: z.output<typeof configObject>, issue: Issue): void {
  const budgets = cfg.budgets as Partial<NonNullable<typeof cfg.budgets>> | undefined;
  const list = (v: unknown): NotificationInput[] =>
    Array.isArray(v) ? v.filter((x) => x && typeof x === 'object') : [];
  const duplicates = (notifications: unknown, at: (string | number)[]) => {
    const seen = new Set<string>();
    list(notifications).forEach((n, i) => {
      const key = `${String(n.type)} ${String(n.thresholdPercent)} %`;
      if (seen.has(key))
        issue(
          [...at, i],
          `a second ${key} notification; AWS Budgets allows one notification per type and threshold`,
        );
      seen.add(key);
    });
  };
  const byKind = (budgets?.byKind && typeof budgets.byKind === 'object' ? budgets.byKind : {}) as Record<
    string,
    Partial<BudgetPolicy> | undefined
  >;
  duplicates(budgets?.notifications, ['budgets', 'notifications']);
  for (const [kind, policy] of Object.entries(byKind))
    duplicates(policy?.notifications, ['budgets', 'byKind', kind, 'notifications']);

  const managementId = cfg.organization?.managementAccountId;
  const roleAccount = /^arn:[^:]+:iam::(\d{12}):/.exec(budgets?.actionRoleArn ?? '')?.[1];
  if (roleAccount && managementId && roleAccount !== managementId)
    issue(
      ['budgets', 'actionRoleArn'],
      `the role is in account ${roleAccount}; AWS Budgets runs actions with a role in the budget's account, the management account ${managementId}`,
    );

  cfg.accounts.forEach((acct, i) => {
    const override = (acct.budget ?? {}) as Partial<BudgetPolicy>;
    const kind = byKind[acct.kind] ?? {};
    if (acct.budget) duplicates(override.notifications, ['accounts', i, 'budget', 'notifications']);
    if (acct.budget && override.monthlyUsd === undefined && kind.monthlyUsd === undefined)
      issue(
        ['accounts', i, 'budget'],
        `no monthlyUsd here nor under budgets.byKind.${acct.kind}; give the account an amount`,
      );
    const enforce = override.enforce ?? kind.enforce;
    if (enforce !== 'deny-new-resources') return;
    const at = override.enforce
      ? ['accounts', i, 'budget', 'enforce']
      : ['budgets', 'byKind', acct.kind, 'enforce'];
    if (!budgets) {
      issue(at, 'enforce needs a budgets section');
      return;
    }
    if (budgets.placement === 'member')
      issue(
        at,
        `account "${acct.name}": deny-new-resources attaches an SCP, which only a budget in the management account can do; set budgets.placement: management or enforce: none`,
      );
    const emails: unknown = override.emails ?? kind.emails ?? budgets.alertEmails ?? [];
    const sns = override.snsTopicArn ?? kind.snsTopicArn ?? budgets.snsTopicArn;
    if ((!Array.isArray(emails) || emails.length === 0) && !sns)
      issue(
        at,
        `account "${acct.name}": a budget action needs at least one subscriber; set budgets.alertEmails or snsTopicArn`,
      );
  });
}
