/**
 * The `onboarding` block of estate.yaml: what `estate account onboard` and `offboard` use
 * when a flag does not say (issue 13). Its schema, the checks that need the rest of the
 * config, and the settings with every default resolved (some depend on the estate: the
 * developer OU, the budget of the developer kind, the partition of the managed policy).
 */
import { z } from 'zod';
import { BLUEPRINT_NAMES, type BlueprintName } from '../blueprints/catalog.js';
import { DURATION_RE, OU_NAME_RE, isEmail, partitionOf } from './rules.js';
import type { EstateConfig } from './schema.js';

export const DEFAULT_PERMISSION_SET_NAME = 'EstateDeveloper';
/** The managed policy of the developer permission set, written for the home region's partition. */
export const DEFAULT_DEVELOPER_POLICY = 'PowerUserAccess';
export const DEFAULT_SESSION_DURATION = 'PT8H';
export const DEFAULT_DEVELOPER_TTL = '72h';
export const DEFAULT_SUSPENDED_OU = 'Suspended';
/** The first environment's blueprints: users, a table and an HTTP API (its JWT authorizer needs auth), which cost nothing while idle. */
export const DEFAULT_FIRST_BLUEPRINTS: readonly BlueprintName[] = ['auth', 'data', 'api-lambda'];

/** AWS managed policies only: AttachManagedPolicyToPermissionSet takes no customer policy ARN. */
const AWS_MANAGED_POLICY_RE = /^arn:(aws[a-z-]*):iam::aws:policy\/[\w+=,.@/-]{1,512}$/;
/** ISO 8601 hours and minutes, as Identity Center writes session durations. */
const SESSION_RE = /^PT(?:(\d{1,2})H)?(?:(\d{1,3})M)?$/;

function sessionProblem(value: string): string | undefined {
  const m = SESSION_RE.exec(value);
  if (!m || (m[1] === undefined && m[2] === undefined))
    return `"${value}" is not an ISO 8601 duration in hours and minutes: write it like PT8H or PT1H30M`;
  const minutes = Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0);
  if (minutes < 60 || minutes > 12 * 60)
    return `${value} is outside what IAM Identity Center allows for a session: 1 to 12 hours (PT1H to PT12H)`;
  return undefined;
}

const ouPath = z.string().refine((p) => p.split('/').every((part) => OU_NAME_RE.test(part)), {
  message:
    'must be an OU path such as Sandbox or Workloads/Developers (names of 1–128 characters, "/" between)',
});

export const onboardingSchema = z
  .strictObject({
    permissionSet: z
      .strictObject({
        name: z
          .string()
          .regex(/^[\w+=,.@-]{1,32}$/, {
            error: (iss) =>
              `"${String(iss.input)}" is not a permission set name: IAM Identity Center takes 1–32 letters, digits and + = , . @ _ -`,
          })
          .default(DEFAULT_PERMISSION_SET_NAME)
          .describe('Permission set developers get in their account; created when absent'),
        managedPolicyArns: z
          .array(
            z.string().regex(AWS_MANAGED_POLICY_RE, {
              error: (iss) =>
                `"${String(iss.input)}" is not an AWS managed policy ARN such as arn:aws:iam::aws:policy/PowerUserAccess (a permission set attaches customer policies by name, not ARN)`,
            }),
          )
          .min(1, 'list at least one managed policy, or remove managedPolicyArns for PowerUserAccess')
          .max(
            10,
            'at most 10 managed policies: IAM attaches at most 10 to the role in each account by default',
          )
          .optional()
          .describe(
            "AWS managed policies of the permission set. Default: arn:<partition>:iam::aws:policy/PowerUserAccess in the home region's partition",
          ),
        sessionDuration: z
          .string()
          .superRefine((value, ctx) => {
            const problem = sessionProblem(value);
            if (problem) ctx.addIssue({ code: 'custom', message: problem });
          })
          .default(DEFAULT_SESSION_DURATION)
          .describe('How long a portal session lasts, ISO 8601 (PT1H to PT12H)'),
      })
      .prefault({})
      .describe('The IAM Identity Center permission set of developer accounts'),
    developerOu: ouPath
      .optional()
      .describe(
        'OU new developer accounts go in. Default: the OU of the developer accounts, when they are all in one',
      ),
    ttl: z
      .string()
      .regex(DURATION_RE, 'ttl must be a number and a unit: 30m, 72h, 7d or 2w')
      .default(DEFAULT_DEVELOPER_TTL)
      .describe("Lifetime of a developer's first environment, from its first deployment"),
    blueprints: z
      .array(z.enum(BLUEPRINT_NAMES))
      .min(1, 'the first environment needs at least one blueprint')
      .optional()
      .describe("Blueprints of a developer's first environment. Default: auth, data and api-lambda"),
    budgetUsd: z
      .number({ error: 'budgetUsd must be a number of US dollars' })
      .positive('budgetUsd must be a positive amount of US dollars')
      .max(1_000_000_000)
      .optional()
      .describe('Monthly budget of a new developer account. Default: budgets.byKind.developer.monthlyUsd'),
    platformEmails: z
      .array(z.string().refine(isEmail, { message: 'must be an e-mail address such as ops@example.com' }))
      .max(
        9,
        "at most 9: AWS Budgets allows 10 e-mail subscribers per notification, and the developer's own address is one",
      )
      .default([])
      .describe("Who gets a developer account's budget alerts besides the developer"),
    suspendedOu: ouPath
      .default(DEFAULT_SUSPENDED_OU)
      .describe('OU offboarded accounts move to (created if absent, with a deny-all SCP) until recycled'),
  })
  .describe('Defaults of `estate account onboard` and `estate account offboard`');

export type OnboardingConfig = z.infer<typeof onboardingSchema>;

/** The onboarding settings with every default resolved. */
export interface OnboardingSettings {
  readonly permissionSet: {
    readonly name: string;
    readonly managedPolicyArns: readonly string[];
    readonly sessionDuration: string;
  };
  /** Undefined when it is not configured and the developer accounts are not all in one OU. */
  readonly developerOu?: string;
  readonly ttl: string;
  readonly blueprints: readonly BlueprintName[];
  /** Undefined when neither onboarding.budgetUsd nor budgets.byKind.developer.monthlyUsd is set. */
  readonly budgetUsd?: number;
  readonly platformEmails: readonly string[];
  readonly suspendedOu: string;
}

type ConfigPart = Pick<EstateConfig, 'accounts' | 'organization' | 'budgets'> & {
  readonly onboarding?: OnboardingConfig | undefined;
};

/** The tag offboarding puts on an account free for the next developer (src/config/write-back.ts). */
export const RECYCLED_TAG = 'estate:recycled';

/**
 * The tag a recycled account carries once `onboard --recycle` hands it to the next developer:
 * the estate.yaml name it had before (src/config/write-back.ts). It shows the account's history
 * in AWS, and tells a re-run of the same hand-over that it is done.
 */
export const RECYCLED_FROM_TAG = 'estate:recycled-from';

/**
 * An account parked by offboarding: in the suspended OU and tagged estate:recycled. Nothing of
 * estate's runs there (no environments, no baseline), so what estate does to "every account"
 * or "every workload OU" by default leaves it out.
 */
export function isParked(
  account: { readonly ou: string; readonly tags?: Record<string, string> | undefined },
  config: { readonly onboarding?: { readonly suspendedOu?: string } | undefined },
): boolean {
  const suspended = config.onboarding?.suspendedOu ?? DEFAULT_SUSPENDED_OU;
  return account.ou === suspended && account.tags?.[RECYCLED_TAG] !== undefined;
}

/**
 * The distinct OUs of the developer accounts in use, in the order they are declared: an
 * offboarded account (recycled, in the suspended OU) shows where developers went, not where
 * they go.
 */
export function developerOus(
  accounts: readonly { kind: string; ou: string; tags?: Record<string, string> | undefined }[],
  suspendedOu: string,
): string[] {
  const inUse = accounts.filter(
    (a) => a.kind === 'developer' && a.ou !== suspendedOu && a.tags?.[RECYCLED_TAG] === undefined,
  );
  return [...new Set(inUse.map((a) => a.ou))];
}

export function onboardingSettings(config: ConfigPart): OnboardingSettings {
  const o = config.onboarding;
  const partition = partitionOf(config.organization.homeRegion);
  const ous = developerOus(config.accounts, o?.suspendedOu ?? DEFAULT_SUSPENDED_OU);
  const developerOu = o?.developerOu ?? (ous.length === 1 ? ous[0] : undefined);
  const budgetUsd = o?.budgetUsd ?? config.budgets?.byKind.developer?.monthlyUsd;
  return {
    permissionSet: {
      name: o?.permissionSet.name ?? DEFAULT_PERMISSION_SET_NAME,
      managedPolicyArns: o?.permissionSet.managedPolicyArns ?? [
        `arn:${partition}:iam::aws:policy/${DEFAULT_DEVELOPER_POLICY}`,
      ],
      sessionDuration: o?.permissionSet.sessionDuration ?? DEFAULT_SESSION_DURATION,
    },
    ...(developerOu !== undefined ? { developerOu } : {}),
    ttl: o?.ttl ?? DEFAULT_DEVELOPER_TTL,
    blueprints: o?.blueprints ?? DEFAULT_FIRST_BLUEPRINTS,
    ...(budgetUsd !== undefined ? { budgetUsd } : {}),
    platformEmails: o?.platformEmails ?? [],
    suspendedOu: o?.suspendedOu ?? DEFAULT_SUSPENDED_OU,
  };
}

type Issue = (path: (string | number)[], message: string) => void;

/**
 * What the block's own schema cannot see: the developer OU is declared (or derivable), the
 * suspended OU is somewhere it can be created and is not the developer OU, the managed
 * policies are of the home region's partition.
 */
export function onboardingChecks(
  config: {
    readonly accounts: readonly { kind: string; ou: string; tags?: Record<string, string> | undefined }[];
    readonly organization: { readonly homeRegion?: unknown };
    readonly onboarding?: unknown;
  },
  ouPaths: ReadonlyMap<string, unknown>,
  issue: Issue,
): void {
  const o = config.onboarding as Partial<OnboardingConfig> | undefined;
  if (!o || typeof o !== 'object') return;
  const known = `known OUs: ${[...ouPaths.keys()].join(', ')}`;
  let developerOu: string | undefined;
  if (typeof o.developerOu === 'string') {
    developerOu = o.developerOu;
    if (!ouPaths.has(o.developerOu))
      issue(
        ['onboarding', 'developerOu'],
        `OU "${o.developerOu}" is not declared under organizationalUnits; ${known}`,
      );
  } else if (o.developerOu === undefined) {
    const ous = developerOus(
      config.accounts,
      typeof o.suspendedOu === 'string' ? o.suspendedOu : DEFAULT_SUSPENDED_OU,
    );
    if (ous.length === 1) developerOu = ous[0];
    else
      issue(
        ['onboarding', 'developerOu'],
        ous.length === 0
          ? 'is required: no account of kind developer shows which OU new developer accounts go in; set onboarding.developerOu to a declared OU'
          : `is required: the developer accounts are in ${ous.length} OUs (${ous.join(', ')}); set onboarding.developerOu to the one new developer accounts go in`,
      );
  }
  const suspended = typeof o.suspendedOu === 'string' ? o.suspendedOu : DEFAULT_SUSPENDED_OU;
  const parent = suspended.includes('/') ? suspended.slice(0, suspended.lastIndexOf('/')) : undefined;
  if (parent !== undefined && !ouPaths.has(suspended) && !ouPaths.has(parent))
    issue(
      ['onboarding', 'suspendedOu'],
      `estate creates the OU "${suspended}" when absent, but its parent "${parent}" is not declared under organizationalUnits; ${known}`,
    );
  if (developerOu !== undefined && suspended === developerOu)
    issue(
      ['onboarding', 'suspendedOu'],
      `"${suspended}" is also the developer OU: offboarded accounts must leave it (the suspended OU gets a deny-all SCP)`,
    );
  const home = config.organization.homeRegion;
  const arns =
    o.permissionSet && Array.isArray(o.permissionSet.managedPolicyArns)
      ? o.permissionSet.managedPolicyArns
      : [];
  if (typeof home === 'string')
    arns.forEach((arn, i) => {
      const given = typeof arn === 'string' ? AWS_MANAGED_POLICY_RE.exec(arn)?.[1] : undefined;
      const partition = partitionOf(home);
      if (given && given !== partition)
        issue(
          ['onboarding', 'permissionSet', 'managedPolicyArns', i],
          `${arn} is in partition ${given}, but the home region ${home} is in ${partition}; write arn:${partition}:iam::aws:policy/…`,
        );
    });
}
