import { isAbsolute, resolve } from 'node:path';
import { CfnOutput, Stack, Tags, type App, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { EnvironmentConfig, EstateConfig } from '../config/schema.js';
import { AiBlueprint, BedrockInvocationLogging } from './ai.js';
import { ApiEksBlueprint } from './api-eks.js';
import { ApiLambdaBlueprint, type BedrockAccess } from './api-lambda.js';
import { AuthBlueprint } from './auth.js';
import { BLUEPRINT_CATALOG, type BlueprintName } from './catalog.js';
import { DataBlueprint, type TableSpec } from './data.js';
import { AI_DEFAULTS, AUTH_DEFAULTS, DEFAULT_TABLES, PROFILE } from './defaults.js';
import { EdgeBlueprint } from './edge.js';
import {
  BEDROCK_LOGGING_STACK,
  EDGE_REGION,
  accountTags,
  defaultDomainPrefix,
  environmentTags,
  environmentTarget,
  mergedSettings,
  stackName,
} from './environment.js';
import { BlueprintError } from './errors.js';
import type { TableGrant } from './grants.js';
import { ObservabilityBlueprint } from './observability.js';
import { LOCAL_DEV_ORIGIN, ZONES_FIX, defaultCallbackUrls } from './rules.js';

export interface ComposeOptions {
  /** Folder of estate.yaml: codePath and buildDir are relative to it. */
  readonly configDir: string;
  /** Account ids by estate account name, when known; otherwise accounts[].id, else account-agnostic. */
  readonly accountIds?: Readonly<Record<string, string>>;
}

/** One stack of an environment and the blueprint it holds. */
export interface ComposedStack {
  readonly blueprint: BlueprintName | 'observability-edge' | 'bedrock-logging';
  readonly stack: Stack;
  /**
   * A stack of the account and region that the environments there share (Bedrock invocation
   * logging): tearing an environment down must leave it in place.
   */
  readonly shared?: true;
}

export interface EstateStackProps extends StackProps {
  /** Returned by `availabilityZones`, so that no context lookup is ever made. */
  readonly zones: readonly string[];
}

/** A stack whose availability zones are fixed, never looked up. */
export class EstateStack extends Stack {
  private readonly zones: string[];
  constructor(scope: Construct, id: string, props: EstateStackProps) {
    super(scope, id, props);
    this.zones = [...props.zones];
  }
  override get availabilityZones(): string[] {
    return this.zones;
  }
}

function loggingOn(config: EstateConfig, env: EnvironmentConfig): boolean {
  return (
    env.blueprints.includes('ai') &&
    (mergedSettings(config, env).ai?.invocationLogging ?? AI_DEFAULTS.invocationLogging)
  );
}

/**
 * The stack `estate-bedrock-logging` of the environment's account and region, holding the one
 * invocation-logging setting Bedrock has there. Every environment of that account and region
 * builds it identically from estate.yaml (retention: the longest any of them asks for), so
 * deploying any of them converges on the same stack, and none of them owns it: deleting an
 * environment's stacks (`<env>-*`) leaves logging on for the others.
 */
function bedrockLoggingStack(
  app: App,
  config: EstateConfig,
  env: EnvironmentConfig,
  target: { region: string; account?: string },
): ComposedStack {
  const id = `${BEDROCK_LOGGING_STACK}-${env.account}-${target.region}`;
  const existing = app.node.tryFindChild(id);
  if (existing instanceof Stack) return { blueprint: 'bedrock-logging', stack: existing, shared: true };
  const sharing = config.environments.filter(
    (e) =>
      e.account === env.account &&
      environmentTarget(config, e).region === target.region &&
      loggingOn(config, e),
  );
  const logRetentionDays = Math.max(
    ...sharing.map(
      (e) => mergedSettings(config, e).observability?.logRetentionDays ?? PROFILE[e.size].logRetentionDays,
    ),
  );
  const s = new EstateStack(app, id, {
    stackName: BEDROCK_LOGGING_STACK,
    env: { region: target.region, ...(target.account ? { account: target.account } : {}) },
    zones: [`${target.region}a`, `${target.region}b`],
    description: `estate: Bedrock model-invocation logging of account ${env.account} in ${target.region}, shared by its environments (${sharing.map((e) => e.name).join(', ')}); environment teardown leaves it`,
  });
  const tags = { ...accountTags(config, env.account), 'estate:shared': 'bedrock-invocation-logging' };
  for (const [k, v] of Object.entries(tags)) Tags.of(s).add(k, v);
  new BedrockInvocationLogging(s, 'InvocationLogging', { logRetentionDays });
  return { blueprint: 'bedrock-logging', stack: s, shared: true };
}

/**
 * Builds the stacks of one environment in `app`: `<env>-<blueprint>` per blueprint, with
 * explicit cross-stack references (the API gets table names, the pool and the guardrail; edge
 * may front the API). All stacks are in the environment's region except `<env>-edge` (and the
 * CloudFront alarm stack `<env>-observability-edge`), which are in us-east-1; references between
 * regions use CDK's crossRegionReferences (SSM parameters written by a custom resource).
 */
export function composeEnvironment(
  app: App,
  config: EstateConfig,
  env: EnvironmentConfig,
  opts: ComposeOptions,
): ComposedStack[] {
  const settings = mergedSettings(config, env);
  const target = environmentTarget(config, env, opts.accountIds);
  const has = (b: BlueprintName) => env.blueprints.includes(b);
  const size = env.size;
  const prefix = env.name;
  const logRetentionDays = settings.observability?.logRetentionDays;
  const crossRegion = target.region !== EDGE_REGION && has('edge');
  const fromConfigDir = (p: string) => (isAbsolute(p) ? p : resolve(opts.configDir, p));
  // Only the VPC of api-eks uses zones; the other stacks get placeholders that are never read.
  const eksZones = has('api-eks') ? settings['api-eks']?.availabilityZones : undefined;

  const composed: ComposedStack[] = [];
  const stack = (blueprint: BlueprintName | 'observability-edge', region = target.region): Stack => {
    const name = stackName(env.name, blueprint);
    const info =
      blueprint === 'observability-edge' ? BLUEPRINT_CATALOG.observability : BLUEPRINT_CATALOG[blueprint];
    const s = new EstateStack(app, name, {
      stackName: name,
      env: { region, ...(target.account ? { account: target.account } : {}) },
      zones: region === target.region && eksZones ? eksZones : [`${region}a`, `${region}b`],
      description: `estate ${env.name} (${size}): ${info.summary}`,
      crossRegionReferences: crossRegion,
      terminationProtection: env.protected,
    });
    for (const [k, v] of Object.entries(environmentTags(config, env, info.name))) Tags.of(s).add(k, v);
    composed.push({ blueprint, stack: s });
    return s;
  };
  const edgeDomain = has('edge') ? settings.edge?.domainName : undefined;
  const c: Composition = {
    app,
    config,
    env,
    opts,
    settings,
    target,
    has,
    size,
    prefix,
    logRetentionDays,
    fromConfigDir,
    eksZones,
    stack,
    composed,
    edgeDomain,
  };

  const { data, tableSpecs, tableGrants } = composeData(c);
  const bedrock = composeAi(c);
  const auth = composeAuth(c, { data, tableSpecs });
  const api = composeApiLambda(c, auth, tableGrants, bedrock);
  composeApiEks(c, tableGrants, bedrock);
  const edge = composeEdge(c, api);
  const obs = composeObservability(c, { api, auth, edge, tableGrants });
  endpointOutputs({ api, auth, edge, obs, region: target.region });
  return composed;
}

/** What the blueprint parts of one environment's composition share. */
interface Composition {
  readonly app: App;
  readonly config: EstateConfig;
  readonly env: EnvironmentConfig;
  readonly opts: ComposeOptions;
  readonly settings: ReturnType<typeof mergedSettings>;
  readonly target: ReturnType<typeof environmentTarget>;
  readonly has: (b: BlueprintName) => boolean;
  readonly size: EnvironmentConfig['size'];
  readonly prefix: string;
  readonly logRetentionDays: number | undefined;
  readonly fromConfigDir: (p: string) => string;
  readonly eksZones: readonly string[] | undefined;
  /** A new stack of the environment, tagged, and added to the composition. */
  readonly stack: (blueprint: BlueprintName | 'observability-edge', region?: string) => Stack;
  readonly composed: ComposedStack[];
  readonly edgeDomain: string | undefined;
}

/** The tables, and what the other blueprints are granted on them. */
function composeData(c: Composition): {
  data?: DataBlueprint;
  tableSpecs: readonly TableSpec[];
  tableGrants: TableGrant[];
} {
  const { settings, has, size, prefix, stack } = c;
  let data: DataBlueprint | undefined;
  let tableSpecs: readonly TableSpec[] = [];
  if (has('data')) {
    tableSpecs = settings.data?.tables ?? DEFAULT_TABLES;
    data = new DataBlueprint(stack('data'), 'Data', { size, namePrefix: prefix, tables: tableSpecs });
  }
  const tableGrants: TableGrant[] = data
    ? tableSpecs.map((t) => ({
        name: t.name,
        table: data!.table(t.name),
        indexNames: (t.globalSecondaryIndexes ?? []).map((g) => g.name),
      }))
    : [];
  return { data, tableSpecs, tableGrants };
}

/** The guardrail and model access; with logging on, the account's shared logging stack first. */
function composeAi(c: Composition): BedrockAccess | undefined {
  const { app, config, env, settings, target, has, size, prefix, stack, composed } = c;
  let bedrock: BedrockAccess | undefined;
  if (has('ai')) {
    const aiStack = stack('ai');
    const ai = new AiBlueprint(aiStack, 'Ai', {
      size,
      namePrefix: prefix,
      modelIds: settings.ai?.modelIds,
      contentFilterStrength: settings.ai?.contentFilterStrength,
      piiAction: settings.ai?.piiAction,
    });
    bedrock = ai;
    if (loggingOn(config, env)) {
      const shared = bedrockLoggingStack(app, config, env, target);
      // Deployed first: the setting points at the shared log group before <env>-ai retires its own.
      aiStack.addStackDependency(shared.stack);
      composed.push(shared);
    }
  }
  return bedrock;
}

/** The user pool; its post-confirmation function may write the users table. */
function composeAuth(
  c: Composition,
  { data, tableSpecs }: { data?: DataBlueprint; tableSpecs: readonly TableSpec[] },
): AuthBlueprint | undefined {
  const { config, env, settings, has, size, prefix, logRetentionDays, stack, edgeDomain } = c;
  let auth: AuthBlueprint | undefined;
  if (has('auth')) {
    const s = settings.auth ?? {};
    const usersTableName = s.usersTable ?? AUTH_DEFAULTS.usersTable;
    const usersSpec = tableSpecs.find((t) => t.name === usersTableName);
    if (data && !usersSpec && s.usersTable)
      throw new BlueprintError(
        'auth',
        `usersTable "${usersTableName}" is not a table of the data blueprint`,
        [`declare a table named ${usersTableName} under data.tables, or change auth.usersTable`],
      );
    if (usersSpec && (usersSpec.partitionKey.type ?? 'S') !== 'S')
      throw new BlueprintError(
        'auth',
        `the partition key of table "${usersTableName}" must be a string (S) to hold the user's sub`,
      );
    const callbackUrls = s.callbackUrls ?? defaultCallbackUrls(size, edgeDomain);
    auth = new AuthBlueprint(stack('auth'), 'Auth', {
      size,
      namePrefix: prefix,
      domainPrefix: s.domainPrefix ?? defaultDomainPrefix(config.organization.name, env.name),
      mfa: s.mfa,
      callbackUrls,
      logoutUrls: s.logoutUrls,
      groups: s.groups,
      email: s.email,
      usersTable: data && usersSpec ? data.table(usersTableName) : undefined,
      usersTableKey: usersSpec?.partitionKey.name,
      logRetentionDays,
    });
  }
  return auth;
}

/** The HTTP API behind the pool's JWT authorizer, granted the tables and Bedrock. */
function composeApiLambda(
  c: Composition,
  auth: AuthBlueprint | undefined,
  tableGrants: TableGrant[],
  bedrock: BedrockAccess | undefined,
): ApiLambdaBlueprint | undefined {
  const { env, settings, has, size, prefix, logRetentionDays, fromConfigDir, stack, edgeDomain } = c;
  let api: ApiLambdaBlueprint | undefined;
  if (has('api-lambda')) {
    if (!auth)
      throw new BlueprintError(
        'api-lambda',
        'the JWT authorizer needs the auth blueprint in the same environment',
        [`add auth to environments.${env.name}.blueprints`],
      );
    const s = settings['api-lambda'] ?? {};
    api = new ApiLambdaBlueprint(stack('api-lambda'), 'Api', {
      size,
      namePrefix: prefix,
      userPool: auth.userPool,
      userPoolClients: [auth.client],
      codePath: s.codePath ? fromConfigDir(s.codePath) : undefined,
      handler: s.handler,
      runtime: s.runtime,
      architecture: s.architecture,
      memoryMb: s.memoryMb,
      timeoutSeconds: s.timeoutSeconds,
      throttleRatePerSecond: s.throttleRatePerSecond,
      throttleBurst: s.throttleBurst,
      corsOrigins: s.corsOrigins ?? [
        ...(edgeDomain ? [`https://${edgeDomain}`] : []),
        ...(size === 'dev' ? [LOCAL_DEV_ORIGIN] : []),
      ],
      tables: tableGrants,
      bedrock,
      logRetentionDays,
    });
  }
  return api;
}

function composeApiEks(c: Composition, tableGrants: TableGrant[], bedrock: BedrockAccess | undefined): void {
  const { config, env, settings, has, size, prefix, logRetentionDays, eksZones, stack } = c;
  if (has('api-eks')) {
    const s = settings['api-eks'] ?? {};
    if (!eksZones)
      throw new BlueprintError('api-eks', `environment ${env.name} has no api-eks.availabilityZones`, [
        ZONES_FIX,
      ]);
    new ApiEksBlueprint(stack('api-eks'), 'Eks', {
      size,
      namePrefix: prefix,
      kubernetesVersion: s.kubernetesVersion,
      availabilityZones: eksZones,
      natGateways: s.natGateways,
      platformRoleArn: s.platformRoleArn,
      platformRoleName: config.organization.accessRoleName,
      endpointAccess: s.endpointAccess,
      apiNamespace: s.apiNamespace,
      apiServiceAccount: s.apiServiceAccount,
      tables: tableGrants,
      bedrock,
      logRetentionDays,
    });
  }
}

/** CloudFront in us-east-1, optionally fronting the API. */
function composeEdge(c: Composition, api: ApiLambdaBlueprint | undefined): EdgeBlueprint | undefined {
  const { settings, has, size, prefix, logRetentionDays, fromConfigDir, stack } = c;
  let edge: EdgeBlueprint | undefined;
  if (has('edge')) {
    const s = settings.edge ?? {};
    if (s.fronts === 'api' && !api)
      throw new BlueprintError('edge', 'fronts: api needs the api-lambda blueprint in the same environment', [
        'add api-lambda to the environment, or set edge.fronts: none',
      ]);
    edge = new EdgeBlueprint(stack('edge', EDGE_REGION), 'Edge', {
      size,
      namePrefix: prefix,
      domainName: s.domainName,
      hostedZoneId: s.hostedZoneId,
      hostedZoneName: s.hostedZoneName,
      buildDir: s.buildDir ? fromConfigDir(s.buildDir) : undefined,
      waf: s.waf,
      wafManagedRules: s.wafManagedRules,
      rateLimitPer5Minutes: s.rateLimitPer5Minutes,
      priceClass: s.priceClass,
      apiDomainName: s.fronts === 'api' ? api!.apiDomainName : undefined,
      contentSecurityPolicy: s.contentSecurityPolicy,
      logRetentionDays,
    });
  }
  return edge;
}

/** Alarms and the dashboard over what was composed; CloudFront's alarms in us-east-1. */
function composeObservability(
  c: Composition,
  {
    api,
    auth,
    edge,
    tableGrants,
  }: {
    api?: ApiLambdaBlueprint;
    auth?: AuthBlueprint;
    edge?: EdgeBlueprint;
    tableGrants: TableGrant[];
  },
): ObservabilityBlueprint | undefined {
  const { settings, target, has, size, prefix, stack } = c;
  if (!has('observability')) return undefined;
  const s = settings.observability ?? {};
  const common = {
    size,
    namePrefix: prefix,
    alarms: s.alarms,
    alarmEmail: s.alarmEmail,
    apiLatencyP99Ms: s.apiLatencyP99Ms,
    api5xxPerMinute: s.api5xxPerMinute,
    cloudFront5xxPercent: s.cloudFront5xxPercent,
  };
  const obs = new ObservabilityBlueprint(stack('observability'), 'Observability', {
    ...common,
    httpApi: api?.api,
    functions: [api?.handler, auth?.postConfirmation].filter((f) => f !== undefined),
    tables: tableGrants.map((t) => t.table),
    distributionId: edge?.distribution.distributionId,
  });
  // CloudFront metrics exist only in us-east-1, and an alarm can watch only its own region.
  if (edge && target.region !== EDGE_REGION && obs.topic) {
    new ObservabilityBlueprint(stack('observability-edge', EDGE_REGION), 'Observability', {
      ...common,
      namePrefix: `${prefix}-edge`,
      dashboard: false,
      distributionId: edge.distribution.distributionId,
    });
  }
  return obs;
}

/**
 * What a person needs after a deploy, as stack outputs with fixed logical ids (the engine reads
 * them by name): the site URL, the API URL, the user pool and its client, the dashboard link.
 */
function endpointOutputs({
  api,
  auth,
  edge,
  obs,
  region,
}: {
  api?: ApiLambdaBlueprint;
  auth?: AuthBlueprint;
  edge?: EdgeBlueprint;
  obs?: ObservabilityBlueprint;
  region: string;
}): void {
  if (edge) new CfnOutput(Stack.of(edge), 'SiteUrl', { value: edge.url, description: 'The site' });
  if (api)
    new CfnOutput(Stack.of(api), 'ApiUrl', { value: api.api.apiEndpoint, description: 'The HTTP API' });
  if (auth) {
    new CfnOutput(Stack.of(auth), 'UserPoolId', { value: auth.userPool.userPoolId });
    new CfnOutput(Stack.of(auth), 'UserPoolClientId', { value: auth.client.userPoolClientId });
  }
  const dashboard = obs?.dashboardResource;
  if (dashboard)
    new CfnOutput(Stack.of(dashboard), 'DashboardUrl', {
      value: `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#dashboards/dashboard/${dashboard.dashboardName}`,
      description: 'The CloudWatch dashboard',
    });
}
