/**
 * The names and relationships of the blueprints, without importing aws-cdk-lib: the
 * config schema, `graph` and `plan` need them on every start, synthesis only sometimes.
 */

export const BLUEPRINT_NAMES = [
  'edge',
  'auth',
  'data',
  'api-lambda',
  'api-eks',
  'ai',
  'observability',
] as const;
export type BlueprintName = (typeof BLUEPRINT_NAMES)[number];

export interface BlueprintInfo {
  readonly name: BlueprintName;
  readonly summary: string;
  /** Blueprints whose outputs this one consumes when they are in the same environment. */
  readonly uses: readonly BlueprintName[];
}

export const BLUEPRINT_CATALOG: Readonly<Record<BlueprintName, BlueprintInfo>> = {
  edge: {
    name: 'edge',
    summary: 'S3 + CloudFront (OAC, security headers, SPA fallback) + ACM + Route 53 + WAF',
    uses: ['api-lambda'],
  },
  auth: {
    name: 'auth',
    summary: 'Cognito user pool, SPA client, managed login, post-confirmation Lambda',
    uses: ['data'],
  },
  data: { name: 'data', summary: 'DynamoDB tables (on-demand, encrypted, PITR in prod)', uses: [] },
  'api-lambda': {
    name: 'api-lambda',
    summary: 'HTTP API (API Gateway v2) + JWT authorizer + Lambda, with grants to tables and Bedrock',
    uses: ['auth', 'data', 'ai'],
  },
  'api-eks': {
    name: 'api-eks',
    summary:
      'EKS Auto Mode cluster in a VPC over the configured zones, Pod Identity role with grants to tables and Bedrock',
    uses: ['data', 'ai'],
  },
  ai: { name: 'ai', summary: 'Bedrock model access policy, guardrail and invocation logging', uses: [] },
  observability: {
    name: 'observability',
    summary: 'CloudWatch dashboard and alarms (API, Lambda, DynamoDB, CloudFront) on an encrypted SNS topic',
    uses: ['edge', 'api-lambda', 'auth', 'data'],
  },
};
