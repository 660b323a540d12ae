import { existsSync, statSync } from 'node:fs';
import { Duration } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpUserPoolAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as cognito from 'aws-cdk-lib/aws-cognito';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { API_LAMBDA_DEFAULTS, bySize, type Size } from './defaults.js';
import { BlueprintError } from './errors.js';
import { functionRole, tableDataStatement, tableEnvironment, type TableGrant } from './grants.js';
import { sampleApiCodePath } from './paths.js';
import { acknowledge, logGroup } from './profile.js';

/** What the API needs to call Bedrock: the ai blueprint's outputs. */
export interface BedrockAccess {
  readonly invokePolicy: iam.IManagedPolicy;
  readonly guardrailId: string;
  readonly guardrailVersion: string;
  readonly modelIds: readonly string[];
}

export interface ApiLambdaBlueprintProps {
  /** dev: small memory and low throttling; prod: more memory, higher limits, detailed metrics. */
  readonly size: Size;
  /** Prefix of resource names, normally the environment name. */
  readonly namePrefix: string;
  /** The pool whose tokens the JWT authorizer accepts. */
  readonly userPool: cognito.IUserPool;
  /** The app client(s) whose tokens are accepted (JWT audience). */
  readonly userPoolClients: readonly cognito.IUserPoolClient[];
  /** Absolute path of the folder with the handler code. @default templates/app/api (the sample handler) */
  readonly codePath?: string;
  /** @default 'index.handler' ('bootstrap' for provided.al2023) */
  readonly handler?: string;
  /** @default 'nodejs24.x' */
  readonly runtime?: 'nodejs20.x' | 'nodejs22.x' | 'nodejs24.x' | 'provided.al2023';
  /** @default 'arm64' */
  readonly architecture?: 'arm64' | 'x86_64';
  /** @default 256 in dev, 512 in prod */
  readonly memoryMb?: number;
  /** @default 10 */
  readonly timeoutSeconds?: number;
  /** Steady-state requests per second of the stage. @default 50 in dev, 1000 in prod */
  readonly throttleRatePerSecond?: number;
  /** @default 100 in dev, 2000 in prod */
  readonly throttleBurst?: number;
  /** Origins allowed by CORS. @default - no CORS (same origin through edge) */
  readonly corsOrigins?: readonly string[];
  /** Tables the function may read and write (data only). @default - none */
  readonly tables?: readonly TableGrant[];
  /** @default - no Bedrock access */
  readonly bedrock?: BedrockAccess;
  /** @default 7 in dev, 365 in prod */
  readonly logRetentionDays?: number;
}

const RUNTIMES: Record<NonNullable<ApiLambdaBlueprintProps['runtime']>, lambda.Runtime> = {
  'nodejs20.x': lambda.Runtime.NODEJS_20_X,
  'nodejs22.x': lambda.Runtime.NODEJS_22_X,
  'nodejs24.x': lambda.Runtime.NODEJS_24_X,
  'provided.al2023': lambda.Runtime.PROVIDED_AL2023,
};

/** Routes: `GET /api/health` is public; everything else under /api needs a valid JWT. */
export const PUBLIC_ROUTE = '/api/health';
export const PROTECTED_ROUTE = '/api/{proxy+}';

/**
 * HTTP API (API Gateway v2) in front of one Lambda function: a JWT authorizer on the auth
 * blueprint's user pool, CORS, stage throttling, JSON access logs, X-Ray on the function, and
 * least-privilege grants to the data tables and the ai blueprint's models. (API Gateway traces
 * only REST APIs with X-Ray; an HTTP API's requests are traced from the function onwards and
 * correlated through the access log's requestId.)
 */
export class ApiLambdaBlueprint extends Construct {
  readonly api: apigw.HttpApi;
  readonly stage: apigw.HttpStage;
  readonly handler: lambda.Function;
  /** `<api id>.execute-api.<region>.<suffix>`: the origin edge uses when it fronts the API. */
  readonly apiDomainName: string;

  // Long by design: a construct declares its resources in the order they depend on each
  // other, each set once from its props; split into helpers, the readonly fields it exposes
  // would have to be assigned out of line.
  constructor(scope: Construct, id: string, props: ApiLambdaBlueprintProps) {
    super(scope, id);
    const codePath = props.codePath ?? sampleApiCodePath();
    if (!existsSync(codePath) || !statSync(codePath).isDirectory())
      throw new BlueprintError('api-lambda', `codePath ${codePath} is not a folder`, [
        'set api-lambda.codePath to the folder with the handler, relative to estate.yaml',
      ]);
    if (props.userPoolClients.length === 0)
      throw new BlueprintError(
        'api-lambda',
        'no user pool client: the JWT authorizer would accept no audience',
      );
    const runtime = props.runtime ?? API_LAMBDA_DEFAULTS.runtime;
    const timeoutSeconds = props.timeoutSeconds ?? API_LAMBDA_DEFAULTS.timeoutSeconds;
    if (timeoutSeconds > 29)
      throw new BlueprintError(
        'api-lambda',
        `timeoutSeconds ${timeoutSeconds} exceeds the HTTP API limit of 29 s`,
      );
    const tables = props.tables ?? [];

    const logs = logGroup(this, 'HandlerLogs', props.size, props.logRetentionDays);
    const role = functionRole(this, 'HandlerRole', logs, `API handler of ${props.namePrefix}`);
    const data = tableDataStatement(tables);
    if (data) role.addToPolicy(data);
    if (props.bedrock) role.addManagedPolicy(props.bedrock.invokePolicy);

    this.handler = new lambda.Function(this, 'Handler', {
      description: `API handler of ${props.namePrefix}`,
      runtime: RUNTIMES[runtime],
      architecture:
        (props.architecture ?? API_LAMBDA_DEFAULTS.architecture) === 'arm64'
          ? lambda.Architecture.ARM_64
          : lambda.Architecture.X86_64,
      handler: props.handler ?? (runtime === 'provided.al2023' ? 'bootstrap' : API_LAMBDA_DEFAULTS.handler),
      code: lambda.Code.fromAsset(codePath),
      memorySize: props.memoryMb ?? bySize(API_LAMBDA_DEFAULTS.memoryMb, props.size),
      timeout: Duration.seconds(timeoutSeconds),
      tracing: lambda.Tracing.ACTIVE,
      logGroup: logs,
      loggingFormat: lambda.LoggingFormat.JSON,
      role,
      environment: {
        ENVIRONMENT: props.namePrefix,
        ...tableEnvironment(tables),
        ...(props.bedrock
          ? {
              BEDROCK_MODEL_IDS: props.bedrock.modelIds.join(','),
              BEDROCK_GUARDRAIL_ID: props.bedrock.guardrailId,
              BEDROCK_GUARDRAIL_VERSION: props.bedrock.guardrailVersion,
            }
          : {}),
      },
    });
    acknowledge(role, {
      'AwsSolutions-IAM5[Resource::*]':
        'X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level permissions (added by active tracing)',
    });

    const cors = props.corsOrigins ?? [];
    this.api = new apigw.HttpApi(this, 'Api', {
      apiName: `${props.namePrefix}-api`,
      description: `HTTP API of ${props.namePrefix}`,
      createDefaultStage: false,
      corsPreflight: cors.length
        ? {
            allowOrigins: [...cors],
            allowMethods: [
              apigw.CorsHttpMethod.GET,
              apigw.CorsHttpMethod.POST,
              apigw.CorsHttpMethod.PUT,
              apigw.CorsHttpMethod.PATCH,
              apigw.CorsHttpMethod.DELETE,
              apigw.CorsHttpMethod.OPTIONS,
            ],
            allowHeaders: ['authorization', 'content-type'],
            maxAge: Duration.hours(1),
          }
        : undefined,
    });
    const accessLogs = logGroup(this, 'AccessLogs', props.size, props.logRetentionDays);
    this.stage = new apigw.HttpStage(this, 'Stage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: {
        rateLimit:
          props.throttleRatePerSecond ?? bySize(API_LAMBDA_DEFAULTS.throttleRatePerSecond, props.size),
        burstLimit: props.throttleBurst ?? bySize(API_LAMBDA_DEFAULTS.throttleBurst, props.size),
      },
      detailedMetricsEnabled: props.size === 'prod',
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            ip: '$context.identity.sourceIp',
            requestTime: '$context.requestTime',
            method: '$context.httpMethod',
            routeKey: '$context.routeKey',
            status: '$context.status',
            protocol: '$context.protocol',
            responseLength: '$context.responseLength',
            latencyMs: '$context.responseLatency',
            integrationError: '$context.integrationErrorMessage',
            authorizerError: '$context.authorizer.error',
            sub: '$context.authorizer.claims.sub',
          }),
        ),
      },
    });

    const integration = new HttpLambdaIntegration('Handler', this.handler, {
      payloadFormatVersion: apigw.PayloadFormatVersion.VERSION_2_0,
    });
    const authorizer = new HttpUserPoolAuthorizer('Jwt', props.userPool, {
      userPoolClients: [...props.userPoolClients],
      authorizerName: `${props.namePrefix}-jwt`,
    });
    const health = this.api.addRoutes({ path: PUBLIC_ROUTE, methods: [apigw.HttpMethod.GET], integration });
    for (const r of health)
      acknowledge(r, {
        'AwsSolutions-APIG4':
          'the health check is public on purpose: it returns no data and lets probes reach the API',
      });
    this.api.addRoutes({
      path: PROTECTED_ROUTE,
      methods: [
        apigw.HttpMethod.GET,
        apigw.HttpMethod.POST,
        apigw.HttpMethod.PUT,
        apigw.HttpMethod.PATCH,
        apigw.HttpMethod.DELETE,
      ],
      integration,
      authorizer,
    });
    this.apiDomainName = `${this.api.apiId}.execute-api.${this.api.stack.region}.${this.api.stack.urlSuffix}`;
  }
}
