import { z } from 'zod';

/**
 * Settings for each blueprint, in estate.yaml under `blueprints.<name>` (estate-wide) and
 * `environments[].settings.<name>` (per environment, merged over the estate-wide values).
 * Defaults are applied by the blueprints themselves so that both layers stay partial here.
 */

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
        name: z.string().regex(/^[a-zA-Z0-9_.-]{3,255}$/, 'index name: 3–255 characters of letters, digits, _ . -'),
        partitionKey: keyAttribute,
        sortKey: keyAttribute.optional(),
      }),
    )
    .max(20, 'DynamoDB allows at most 20 global secondary indexes per table')
    .optional(),
  ttlAttribute: z.string().min(1).optional().describe('Attribute holding an epoch-seconds expiry'),
  stream: z.enum(['NEW_IMAGE', 'OLD_IMAGE', 'NEW_AND_OLD_IMAGES', 'KEYS_ONLY']).optional(),
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
    .optional(),
  hostedZoneName: z.string().optional(),
  buildDir: z.string().optional().describe('Local folder uploaded to the bucket on deploy'),
  rateLimitPer5Minutes: z
    .number()
    .int()
    .min(10, 'WAF rate limits start at 10 requests per 5 minutes')
    .max(2_000_000_000)
    .optional(),
  priceClass: z.enum(['PriceClass_100', 'PriceClass_200', 'PriceClass_All']).optional(),
  fronts: z.enum(['none', 'api']).optional().describe('Also route /api/* through CloudFront to the API'),
});

export const authSettings = z.strictObject({
  mfa: z.enum(['off', 'optional', 'required']).optional(),
  callbackUrls: z.array(httpsUrl).optional(),
  logoutUrls: z.array(httpsUrl).optional(),
  groups: z.array(z.string().regex(/^[\p{L}\p{M}\p{S}\p{N}\p{P}]{1,128}$/u, 'group names: 1–128 characters, no spaces')).optional(),
  domainPrefix: z
    .string()
    .regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/, 'lowercase letters, digits and hyphens')
    .optional(),
});

export const dataSettings = z.strictObject({
  tables: z.array(tableSchema).optional(),
});

export const apiLambdaSettings = z.strictObject({
  codePath: z.string().optional().describe('Folder with the handler code, relative to estate.yaml'),
  handler: z.string().optional(),
  runtime: z.enum(['nodejs20.x', 'nodejs22.x', 'provided.al2023']).optional(),
  memoryMb: z.number().int().min(128).max(10_240).optional(),
  timeoutSeconds: z.number().int().min(1).max(29, 'HTTP API integrations time out after 29 s').optional(),
  throttleRatePerSecond: z.number().positive().optional(),
  throttleBurst: z.number().int().positive().optional(),
  corsOrigins: z.array(z.string()).optional(),
});

export const apiEksSettings = z.strictObject({
  kubernetesVersion: z
    .string()
    .regex(/^1\.\d{2}$/, 'a Kubernetes minor version such as 1.33')
    .optional(),
  platformRoleArn: z
    .string()
    .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/, 'an IAM role ARN')
    .optional(),
  availabilityZones: z.array(z.string()).length(2, 'exactly two availability zones').optional(),
});

export const aiSettings = z.strictObject({
  modelIds: z.array(z.string().min(1)).optional().describe('Bedrock model ids the API may invoke'),
  contentFilterStrength: z.enum(['LOW', 'MEDIUM', 'HIGH']).optional(),
  piiAction: z.enum(['BLOCK', 'ANONYMIZE']).optional(),
});

export const observabilitySettings = z.strictObject({
  alarmEmail: z.string().optional(),
  apiLatencyP99Ms: z.number().int().positive().optional(),
  api5xxPerMinute: z.number().int().positive().optional(),
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
export type TableSettings = z.infer<typeof tableSchema>;
