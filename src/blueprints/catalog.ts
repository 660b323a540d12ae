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

/**
 * What off-hours shutdown does with a stack: keeps a `stateful` one, deletes a `stateless` one
 * and re-creates it from its template.
 */
export type StackRole = 'stateful' | 'stateless';

export interface BlueprintInfo {
  readonly name: BlueprintName;
  readonly summary: string;
  /** Blueprints whose outputs this one consumes when they are in the same environment. */
  readonly uses: readonly BlueprintName[];
  /** Its stack's role when it depends on no stateless stack. */
  readonly role: StackRole;
  /**
   * When a stateful blueprint's stack is stateless instead: it depends on a stateless stack
   * and cannot outlive it. Absent: the role is fixed, and a dependency on a stateless stack is
   * a composition defect.
   */
  readonly statelessWhen?: string;
  /** The state its stack holds (what deleting it would lose). */
  readonly holds: string;
  /** What the prod profile keeps when the stack is deleted (retained resources). */
  readonly prodRetains: string;
}

export const BLUEPRINT_CATALOG: Readonly<Record<BlueprintName, BlueprintInfo>> = {
  edge: {
    name: 'edge',
    summary: 'S3 + CloudFront (OAC, security headers, SPA fallback) + ACM + Route 53 + WAF',
    uses: ['api-lambda'],
    role: 'stateful',
    statelessWhen: 'it fronts the API (edge.fronts: api)',
    holds: 'the site bucket (the built SPA), the certificate, the distribution and its WebACL',
    prodRetains: 'the site and access-log buckets',
  },
  auth: {
    name: 'auth',
    summary: 'Cognito user pool, SPA client, managed login, post-confirmation Lambda',
    uses: ['data'],
    role: 'stateful',
    holds: 'the users (Cognito user pool: accounts, passwords, groups)',
    prodRetains: 'the user pool (named <env>-users) and the post-confirmation log group',
  },
  data: {
    name: 'data',
    summary: 'DynamoDB tables (on-demand, encrypted, PITR in prod)',
    uses: [],
    role: 'stateful',
    holds: "the application's data (DynamoDB tables)",
    prodRetains: 'every table (named <env>-<table>)',
  },
  'api-lambda': {
    name: 'api-lambda',
    summary: 'HTTP API (API Gateway v2) + JWT authorizer + Lambda, with grants to tables and Bedrock',
    uses: ['auth', 'data', 'ai'],
    role: 'stateless',
    holds: 'no data: the HTTP API, the function and their log groups',
    prodRetains: 'the API access-log and function log groups (generated names)',
  },
  'api-eks': {
    name: 'api-eks',
    summary:
      'EKS Auto Mode cluster in a VPC over the configured zones, Pod Identity role with grants to tables and Bedrock',
    uses: ['data', 'ai'],
    role: 'stateless',
    holds: 'no data: the VPC, NAT gateways, the cluster and its Pod Identity role',
    prodRetains: 'the VPC flow-log group (generated name)',
  },
  ai: {
    name: 'ai',
    summary: 'Bedrock model access policy, guardrail and invocation logging',
    uses: [],
    role: 'stateful',
    holds:
      "the guardrail and model access; invocation logs go to the account's shared estate-bedrock-logging stack (stateful, kept by environment teardown too)",
    prodRetains: "the logging function's log group; the shared stack retains its log groups in both profiles",
  },
  observability: {
    name: 'observability',
    summary: 'CloudWatch dashboard and alarms (API, Lambda, DynamoDB, CloudFront) on an encrypted SNS topic',
    uses: ['edge', 'api-lambda', 'auth', 'data'],
    role: 'stateful',
    statelessWhen: 'it watches a stateless stack (api-lambda, or an edge fronting the API)',
    holds: 'no data: the dashboard, the alarms and their encrypted SNS topic',
    prodRetains: "the alarm topic's KMS key",
  },
};
