/**
 * The documented defaults of every blueprint setting, by size profile. No aws-cdk-lib import:
 * `estate blueprint list` prints this table without loading the CDK, and the constructs read
 * the same values, so what is listed is what is built.
 */

export type Size = 'dev' | 'prod';

/** A default that is the same for both profiles, differs by profile, or is described in words. */
export type SizeDefault<T> = T | { readonly dev: T; readonly prod: T };

export function bySize<T>(value: SizeDefault<T>, size: Size): T {
  if (
    value !== null &&
    typeof value === 'object' &&
    !Array.isArray(value) &&
    'dev' in value &&
    'prod' in value
  ) {
    return (value as { dev: T; prod: T })[size];
  }
  return value as T;
}

/** What the size profiles change across all blueprints. */
export interface Profile {
  /** CloudFormation removal policy of stateful resources. */
  readonly removal: 'destroy' | 'retain';
  readonly autoDeleteObjects: boolean;
  readonly deletionProtection: boolean;
  readonly pointInTimeRecovery: boolean;
  readonly versionedBuckets: boolean;
  readonly alarms: boolean;
  readonly logRetentionDays: number;
  readonly accessLogRetentionDays: number;
}

export const PROFILE: Readonly<Record<Size, Profile>> = {
  dev: {
    removal: 'destroy',
    autoDeleteObjects: true,
    deletionProtection: false,
    pointInTimeRecovery: false,
    versionedBuckets: false,
    alarms: false,
    logRetentionDays: 7,
    accessLogRetentionDays: 30,
  },
  prod: {
    removal: 'retain',
    autoDeleteObjects: false,
    deletionProtection: true,
    pointInTimeRecovery: true,
    versionedBuckets: true,
    alarms: true,
    logRetentionDays: 365,
    accessLogRetentionDays: 365,
  },
};

export const EDGE_DEFAULTS = {
  waf: true,
  wafManagedRules: { dev: false, prod: true },
  rateLimitPer5Minutes: { dev: 1000, prod: 2000 },
  priceClass: 'PriceClass_100',
  fronts: 'none',
  contentSecurityPolicy:
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: https:; " +
    "font-src 'self' data:; connect-src 'self' https:; frame-ancestors 'none'; base-uri 'self'; object-src 'none'",
} as const;

export const AUTH_DEFAULTS = {
  mfa: { dev: 'off', prod: 'optional' },
  groups: ['admins', 'users'],
  callbackUrls: { dev: ['http://localhost:5173/'], prod: [] as string[] },
  usersTable: 'users',
  passwordMinLength: 12,
} as const;

/** The table created when `data.tables` is not set, so auth's trigger has somewhere to write. */
export const DEFAULT_TABLES = [{ name: 'users', partitionKey: { name: 'userId', type: 'S' as const } }];

export const API_LAMBDA_DEFAULTS = {
  handler: 'index.handler',
  runtime: 'nodejs24.x',
  architecture: 'arm64',
  memoryMb: { dev: 256, prod: 512 },
  timeoutSeconds: 10,
  throttleRatePerSecond: { dev: 50, prod: 1000 },
  throttleBurst: { dev: 100, prod: 2000 },
} as const;

export const API_EKS_DEFAULTS = {
  kubernetesVersion: '1.33',
  endpointAccess: 'public-and-private',
  natGateways: { dev: 1 },
  apiNamespace: 'api',
  apiServiceAccount: 'api',
} as const;

export const AI_DEFAULTS = {
  modelIds: ['anthropic.claude-3-haiku-20240307-v1:0'],
  contentFilterStrength: { dev: 'MEDIUM', prod: 'HIGH' },
  piiAction: 'ANONYMIZE',
  invocationLogging: true,
} as const;

export const OBSERVABILITY_DEFAULTS = {
  alarms: { dev: PROFILE.dev.alarms, prod: PROFILE.prod.alarms },
  apiLatencyP99Ms: 2000,
  api5xxPerMinute: 5,
  cloudFront5xxPercent: 5,
  logRetentionDays: { dev: PROFILE.dev.logRetentionDays, prod: PROFILE.prod.logRetentionDays },
} as const;

/**
 * Defaults as shown by `estate blueprint list`: a value, a per-profile pair, or a sentence
 * where the default is derived (from the environment or another setting).
 */
export const SETTING_DEFAULTS: Record<
  string,
  Record<string, SizeDefault<unknown> | { readonly text: string }>
> = {
  edge: {
    ...EDGE_DEFAULTS,
    domainName: { text: 'none: the CloudFront domain (*.cloudfront.net) serves the site' },
    hostedZoneId: { text: 'none; required with domainName' },
    hostedZoneName: { text: 'none; required with domainName' },
    buildDir: { text: 'none: the bucket is left for your pipeline to fill' },
  },
  auth: {
    mfa: AUTH_DEFAULTS.mfa,
    groups: AUTH_DEFAULTS.groups,
    callbackUrls: {
      text: 'https://<edge.domainName>/ when edge has a custom domain; dev adds http://localhost:5173/',
    },
    logoutUrls: { text: 'same as callbackUrls' },
    domainPrefix: { text: '<organization name>-<environment>' },
    usersTable: AUTH_DEFAULTS.usersTable,
    email: {
      text: "dev: Cognito's default sender (a small daily quota); prod: none, required (an SES-verified fromEmail)",
    },
  },
  data: {
    tables: { text: 'one table "users" with partition key userId (S)' },
  },
  'api-lambda': {
    ...API_LAMBDA_DEFAULTS,
    codePath: { text: 'templates/app/api (the sample handler shipped with estate)' },
    corsOrigins: {
      text: 'https://<edge.domainName> when edge has a custom domain; dev adds http://localhost:5173; none: same origin only',
    },
  },
  'api-eks': {
    kubernetesVersion: API_EKS_DEFAULTS.kubernetesVersion,
    endpointAccess: API_EKS_DEFAULTS.endpointAccess,
    apiNamespace: API_EKS_DEFAULTS.apiNamespace,
    apiServiceAccount: API_EKS_DEFAULTS.apiServiceAccount,
    platformRoleArn: { text: 'the role estate assumes in the account (organization.accessRoleName)' },
    availabilityZones: {
      text: 'none: required, at least two zone names of the environment region (letters differ per account)',
    },
    natGateways: {
      text: 'dev: 1 (~$33/month plus $0.045/GB, egress of every zone through one), prod: one per zone; 0: no internet egress',
    },
  },
  ai: { ...AI_DEFAULTS },
  observability: {
    ...OBSERVABILITY_DEFAULTS,
    alarmEmail: { text: 'none: alarms go to an SNS topic without subscribers' },
  },
};
