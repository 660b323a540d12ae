import { z } from 'zod';

/**
 * Settings for each blueprint, in estate.yaml under `blueprints.<name>` (estate-wide) and
 * `environments[].settings.<name>` (per environment, merged over the estate-wide values).
 * Defaults are applied by the blueprints themselves (src/blueprints/defaults.ts) so that both
 * layers stay partial here. Every field carries a description: `estate blueprint list` and the
 * JSON Schema show them.
 */

/** CloudWatch Logs accepts only these retention periods (days). */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

const logRetentionDays = z
  .number()
  .int()
  .refine((d) => (LOG_RETENTION_DAYS as readonly number[]).includes(d), {
    message: `CloudWatch Logs retention must be one of ${LOG_RETENTION_DAYS.join(', ')} days`,
  });

const keyAttribute = z.strictObject({
  name: z.string().min(1).max(255).describe('Attribute name'),
  type: z.enum(['S', 'N', 'B']).default('S').describe('S (string), N (number) or B (binary)'),
});

export const tableSchema = z.strictObject({
  name: z
    .string()
    .regex(/^[a-zA-Z0-9_.-]{3,200}$/, 'table name: 3–200 characters of letters, digits, _ . -')
    .describe('Logical table name; the physical name is <environment>-<name>'),
  partitionKey: keyAttribute.describe('Partition (hash) key'),
  sortKey: keyAttribute.optional().describe('Sort (range) key'),
  globalSecondaryIndexes: z
    .array(
      z.strictObject({
        name: z
          .string()
          .regex(/^[a-zA-Z0-9_.-]{3,255}$/, 'index name: 3–255 characters of letters, digits, _ . -'),
        partitionKey: keyAttribute,
        sortKey: keyAttribute.optional(),
      }),
    )
    .max(20, 'DynamoDB allows at most 20 global secondary indexes per table')
    .optional(),
  ttlAttribute: z.string().min(1).optional().describe('Attribute holding an epoch-seconds expiry'),
  stream: z
    .enum(['NEW_IMAGE', 'OLD_IMAGE', 'NEW_AND_OLD_IMAGES', 'KEYS_ONLY'])
    .optional()
    .describe('DynamoDB stream view type; no stream when absent'),
});

const httpsUrl = z.string().regex(/^https?:\/\/[^\s]+$/, 'must be an http(s) URL');

export const edgeSettings = z.strictObject({
  domainName: z
    .string()
    .regex(/^(?!-)[a-z0-9-]+(\.[a-z0-9-]+)+$/, 'must be a lowercase DNS name such as app.example.com')
    .optional()
    .describe('Custom domain; needs hostedZoneId and hostedZoneName'),
  hostedZoneId: z
    .string()
    .regex(/^Z[A-Z0-9]{1,31}$/, 'must be a Route 53 hosted zone id such as Z0123456789ABCDEFGHIJ')
    .optional()
    .describe('Route 53 public hosted zone that holds domainName (no lookup is made)'),
  hostedZoneName: z.string().optional().describe('Name of that hosted zone, e.g. example.com'),
  buildDir: z
    .string()
    .optional()
    .describe('Local folder uploaded to the bucket on deploy, relative to estate.yaml'),
  waf: z.boolean().optional().describe('Attach a WAF WebACL (scope CLOUDFRONT) with a per-IP rate limit'),
  wafManagedRules: z
    .boolean()
    .optional()
    .describe('Add the AWS managed common and known-bad-inputs rule groups to the WebACL'),
  rateLimitPer5Minutes: z
    .number()
    .int()
    .min(10, 'WAF rate limits start at 10 requests per 5 minutes')
    .max(2_000_000_000)
    .optional()
    .describe('Requests one IP may make in 5 minutes before WAF blocks it'),
  priceClass: z
    .enum(['PriceClass_100', 'PriceClass_200', 'PriceClass_All'])
    .optional()
    .describe('CloudFront edge locations used'),
  fronts: z.enum(['none', 'api']).optional().describe('Also route /api/* through CloudFront to the API'),
  contentSecurityPolicy: z.string().min(1).optional().describe('Content-Security-Policy header value'),
});

export const authSettings = z.strictObject({
  mfa: z.enum(['off', 'optional', 'required']).optional().describe('Multi-factor authentication (TOTP)'),
  callbackUrls: z.array(httpsUrl).optional().describe('OAuth callback URLs of the SPA'),
  logoutUrls: z.array(httpsUrl).optional().describe('OAuth sign-out URLs of the SPA'),
  groups: z
    .array(
      z.string().regex(/^[\p{L}\p{M}\p{S}\p{N}\p{P}]{1,128}$/u, 'group names: 1–128 characters, no spaces'),
    )
    .optional()
    .describe('Cognito groups created in the pool'),
  domainPrefix: z
    .string()
    .regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/, 'lowercase letters, digits and hyphens')
    .refine((p) => !/aws|amazon|cognito/.test(p), {
      message: 'Cognito domain prefixes may not contain aws, amazon or cognito',
    })
    .optional()
    .describe(
      'Managed login domain prefix (<prefix>.auth.<region>.amazoncognito.com); globally unique per region',
    ),
  usersTable: z
    .string()
    .min(1)
    .optional()
    .describe('Logical name of the data table the post-confirmation trigger writes new users to'),
  email: z
    .strictObject({
      fromEmail: z
        .string()
        .regex(/^[^@\s]+@[^@\s]+\.[^@\s]+$/, 'must be an e-mail address')
        .describe('Sender address; an identity verified in Amazon SES (or inside sesVerifiedDomain)'),
      fromName: z.string().min(1).optional().describe('Sender name shown with the address'),
      replyTo: z
        .string()
        .regex(/^[^@\s]+@[^@\s]+\.[^@\s]+$/, 'must be an e-mail address')
        .optional()
        .describe('Reply-To address; default: fromEmail'),
      sesRegion: z
        .string()
        .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region such as eu-west-2')
        .optional()
        .describe(
          "Region of the SES identity when it is not the user pool's (Cognito also accepts us-east-1, us-west-2 or eu-west-1 for some regions)",
        ),
      sesVerifiedDomain: z
        .string()
        .regex(/^(?!-)[a-z0-9-]+(\.[a-z0-9-]+)+$/, 'must be a lowercase DNS name such as example.com')
        .optional()
        .describe(
          'Verified SES domain identity that holds fromEmail, when the address itself is not verified',
        ),
      configurationSetName: z
        .string()
        .min(1)
        .optional()
        .describe('SES configuration set applied to the mails'),
    })
    .optional()
    .describe(
      "Send sign-up and recovery mail through Amazon SES (required in prod: Cognito's default sender has a small daily quota)",
    ),
});

export const dataSettings = z.strictObject({
  tables: z.array(tableSchema).optional().describe('DynamoDB tables of the environment'),
});

export const apiLambdaSettings = z.strictObject({
  codePath: z.string().optional().describe('Folder with the handler code, relative to estate.yaml'),
  handler: z.string().optional().describe('Handler as file.export'),
  runtime: z
    .enum(['nodejs20.x', 'nodejs22.x', 'nodejs24.x', 'provided.al2023'])
    .optional()
    .describe('Lambda runtime'),
  architecture: z.enum(['arm64', 'x86_64']).optional().describe('Lambda instruction set architecture'),
  memoryMb: z.number().int().min(128).max(10_240).optional().describe('Lambda memory in MB'),
  timeoutSeconds: z
    .number()
    .int()
    .min(1)
    .max(29, 'HTTP API integrations time out after 29 s')
    .optional()
    .describe('Lambda timeout in seconds'),
  throttleRatePerSecond: z.number().positive().optional().describe('Steady-state request rate of the stage'),
  throttleBurst: z.number().int().positive().optional().describe('Burst request limit of the stage'),
  corsOrigins: z.array(z.string()).optional().describe('Origins allowed by CORS'),
});

export const apiEksSettings = z.strictObject({
  kubernetesVersion: z
    .string()
    .regex(/^1\.\d{2}$/, 'a Kubernetes minor version such as 1.33')
    .optional()
    .describe('Kubernetes minor version of the control plane'),
  platformRoleArn: z
    .string()
    .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/, 'an IAM role ARN')
    .optional()
    .describe('IAM role given cluster-admin through an EKS access entry'),
  availabilityZones: z
    .array(
      z
        .string()
        .regex(
          /^[a-z]{2}(-[a-z]+)+-\d[a-z]$/,
          'an availability zone name such as eu-west-2a (zone IDs such as euw2-az1 are not accepted)',
        ),
    )
    .min(2, 'at least two availability zones')
    .optional()
    .describe(
      'Availability-zone names of the VPC, at least two, in the environment region (required: zone letters differ between accounts)',
    ),
  natGateways: z
    .number()
    .int()
    .min(0)
    .optional()
    .describe(
      'NAT gateways of the VPC, at most one per zone. Each bills ~$0.045/h (~$33/month) plus $0.045/GB whether used or not (us-east-1 prices). 1: all egress through one zone; one per zone: redundant; 0: no internet egress from nodes or pods (isolated subnets; images then need VPC endpoints you add)',
    ),
  endpointAccess: z
    .enum(['public-and-private', 'private'])
    .optional()
    .describe('Reachability of the Kubernetes API endpoint'),
  apiNamespace: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'a Kubernetes namespace name')
    .optional()
    .describe('Namespace of the API workload (EKS Pod Identity association)'),
  apiServiceAccount: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'a Kubernetes service account name')
    .optional()
    .describe('Service account of the API workload (EKS Pod Identity association)'),
});

export const aiSettings = z.strictObject({
  modelIds: z
    .array(z.string().min(1))
    .min(1, 'list at least one Bedrock model id')
    .optional()
    .describe('Bedrock model or inference-profile ids the API may invoke'),
  contentFilterStrength: z
    .enum(['LOW', 'MEDIUM', 'HIGH'])
    .optional()
    .describe('Strength of the guardrail content filters'),
  piiAction: z.enum(['BLOCK', 'ANONYMIZE']).optional().describe('What the guardrail does with PII'),
  invocationLogging: z
    .boolean()
    .optional()
    .describe(
      'Bedrock model-invocation logging to CloudWatch Logs. It is one setting per account and region, so it lives in the stack estate-bedrock-logging shared by the environments there: deleting an environment leaves it on; delete that stack to switch it off',
    ),
});

export const observabilitySettings = z.strictObject({
  alarms: z.boolean().optional().describe('Create CloudWatch alarms'),
  alarmEmail: z
    .string()
    .regex(/^[^@\s]+@[^@\s]+\.[^@\s]+$/, 'must be an e-mail address')
    .optional()
    .describe('E-mail subscribed to the alarm topic'),
  apiLatencyP99Ms: z.number().int().positive().optional().describe('API p99 latency alarm threshold (ms)'),
  api5xxPerMinute: z
    .number()
    .int()
    .positive()
    .optional()
    .describe('API 5xx responses per minute alarm threshold'),
  cloudFront5xxPercent: z
    .number()
    .positive()
    .max(100)
    .optional()
    .describe('CloudFront 5xx error-rate alarm threshold (%)'),
  logRetentionDays: logRetentionDays
    .optional()
    .describe('Retention of every log group of the environment (days)'),
});

export const blueprintSettingsSchema = z.strictObject({
  edge: edgeSettings.optional(),
  auth: authSettings.optional(),
  data: dataSettings.optional(),
  'api-lambda': apiLambdaSettings.optional(),
  'api-eks': apiEksSettings.optional(),
  ai: aiSettings.optional(),
  observability: observabilitySettings.optional(),
});

export type BlueprintSettings = z.infer<typeof blueprintSettingsSchema>;

/** The settings object of each blueprint, for `estate blueprint list`. */
export const BLUEPRINT_SETTINGS_SHAPES = {
  edge: edgeSettings,
  auth: authSettings,
  data: dataSettings,
  'api-lambda': apiLambdaSettings,
  'api-eks': apiEksSettings,
  ai: aiSettings,
  observability: observabilitySettings,
} as const;
