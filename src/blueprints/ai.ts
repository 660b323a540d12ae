import { createHash } from 'node:crypto';
import { Aws, Stack } from 'aws-cdk-lib';
import * as bedrock from 'aws-cdk-lib/aws-bedrock';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { AI_DEFAULTS, bySize, type Size } from './defaults.js';
import { BlueprintError } from './errors.js';
import { functionRole } from './grants.js';
import { acknowledge, logGroup } from './profile.js';

export interface AiBlueprintProps {
  /** dev: MEDIUM content filters, short log retention; prod: HIGH filters, one-year retention. */
  readonly size: Size;
  /** Prefix of resource names, normally the environment name. */
  readonly namePrefix: string;
  /**
   * Bedrock foundation-model ids (`anthropic.claude-3-haiku-20240307-v1:0`) or cross-region
   * inference-profile ids (`eu.anthropic...`) the API may invoke; nothing else is allowed.
   * @default ['anthropic.claude-3-haiku-20240307-v1:0']
   */
  readonly modelIds?: readonly string[];
  /** @default 'MEDIUM' in dev, 'HIGH' in prod */
  readonly contentFilterStrength?: 'LOW' | 'MEDIUM' | 'HIGH';
  /** What the guardrail does with personal data (names, e-mails, phone numbers, addresses). @default 'ANONYMIZE' */
  readonly piiAction?: 'BLOCK' | 'ANONYMIZE';
}

export interface BedrockInvocationLoggingProps {
  /** Days the invocation logs are kept. */
  readonly logRetentionDays: number;
}

/** Cross-region inference-profile ids start with a geography. */
const GEO_PREFIX = /^(us|eu|apac|us-gov|jp|au|ca|global)\./;
const MODEL_ID = /^[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z0-9-]+[a-zA-Z0-9.:-]*$/;

/** Personal data: handled as configured. */
const PERSONAL_PII = ['NAME', 'EMAIL', 'PHONE', 'ADDRESS', 'AGE', 'USERNAME', 'IP_ADDRESS'] as const;
/** Secrets and payment data: always blocked. */
const SECRET_PII = [
  'PASSWORD',
  'AWS_ACCESS_KEY',
  'AWS_SECRET_KEY',
  'CREDIT_DEBIT_CARD_NUMBER',
  'CREDIT_DEBIT_CARD_CVV',
  'CREDIT_DEBIT_CARD_EXPIRY',
  'PIN',
  'US_SOCIAL_SECURITY_NUMBER',
  'UK_NATIONAL_INSURANCE_NUMBER',
  'INTERNATIONAL_BANK_ACCOUNT_NUMBER',
] as const;
const CONTENT_FILTERS = ['SEXUAL', 'VIOLENCE', 'HATE', 'INSULTS', 'MISCONDUCT'] as const;

/**
 * Bedrock access for the API: a managed policy allowing InvokeModel and
 * InvokeModelWithResponseStream on the listed models only (plus ApplyGuardrail on this
 * guardrail) and a guardrail with content filters and PII handling. Model-invocation logging is
 * one setting per account and region, so it lives in BedrockInvocationLogging, in a stack of the
 * account and region that no environment owns (see compose.ts).
 */
export class AiBlueprint extends Construct {
  /** Attach to the role of whatever calls Bedrock. */
  readonly invokePolicy: iam.ManagedPolicy;
  readonly guardrailId: string;
  readonly guardrailArn: string;
  /** A published, immutable guardrail version; replaced whenever the guardrail's config changes. */
  readonly guardrailVersion: string;
  readonly modelIds: readonly string[];

  constructor(scope: Construct, id: string, props: AiBlueprintProps) {
    super(scope, id);
    const modelIds = props.modelIds ?? AI_DEFAULTS.modelIds;
    if (modelIds.length === 0)
      throw new BlueprintError('ai', 'modelIds is empty: the API could not call any model', [
        "list the Bedrock model ids the API uses, e.g. modelIds: ['anthropic.claude-3-haiku-20240307-v1:0']",
      ]);
    for (const m of modelIds) {
      if (m.includes('*') || !MODEL_ID.test(m))
        throw new BlueprintError('ai', `"${m}" is not a Bedrock model id (wildcards are not allowed)`, [
          'use an id such as anthropic.claude-3-haiku-20240307-v1:0 or eu.anthropic.claude-3-haiku-20240307-v1:0',
        ]);
    }
    this.modelIds = modelIds;
    const strength = props.contentFilterStrength ?? bySize(AI_DEFAULTS.contentFilterStrength, props.size);
    const piiAction = props.piiAction ?? AI_DEFAULTS.piiAction;

    const contentPolicyConfig = {
      filtersConfig: [
        ...CONTENT_FILTERS.map((type) => ({ type, inputStrength: strength, outputStrength: strength })),
        // Prompt-attack filtering applies to input only; AWS requires NONE on output.
        { type: 'PROMPT_ATTACK', inputStrength: 'HIGH', outputStrength: 'NONE' },
      ],
    };
    const sensitiveInformationPolicyConfig = {
      piiEntitiesConfig: [
        ...PERSONAL_PII.map((type) => ({ type, action: piiAction })),
        ...SECRET_PII.map((type) => ({ type, action: 'BLOCK' })),
      ],
    };
    const guardrail = new bedrock.CfnGuardrail(this, 'Guardrail', {
      name: `${props.namePrefix}-guardrail`,
      description: `estate guardrail of ${props.namePrefix}`,
      blockedInputMessaging: 'Sorry, this request was blocked by the content policy.',
      blockedOutputsMessaging: 'Sorry, the response was blocked by the content policy.',
      contentPolicyConfig,
      sensitiveInformationPolicyConfig,
    });
    const configHash = createHash('sha256')
      .update(JSON.stringify({ contentPolicyConfig, sensitiveInformationPolicyConfig }))
      .digest('hex')
      .slice(0, 12);
    // A version is immutable: a new description (the config hash) makes CloudFormation publish a new one.
    const version = new bedrock.CfnGuardrailVersion(this, `GuardrailVersion${configHash}`, {
      guardrailIdentifier: guardrail.attrGuardrailId,
      description: `config ${configHash}`,
    });
    this.guardrailId = guardrail.attrGuardrailId;
    this.guardrailArn = guardrail.attrGuardrailArn;
    this.guardrailVersion = version.attrVersion;

    this.invokePolicy = new iam.ManagedPolicy(this, 'InvokePolicy', {
      description: `Invoke the Bedrock models of ${props.namePrefix} (${modelIds.join(', ')}) through its guardrail`,
      statements: [...modelStatements(this, modelIds), applyGuardrail(guardrail.attrGuardrailArn)],
    });
    const wildcardFindings = modelIds
      .filter((m) => GEO_PREFIX.test(m))
      .map(
        (m) =>
          `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:bedrock:*::foundation-model/${m.replace(GEO_PREFIX, '')}]`,
      );
    for (const finding of wildcardFindings) {
      acknowledge(this.invokePolicy, {
        [finding]:
          'a cross-region inference profile routes to the same model in several regions; the statement is limited to this model and, by the bedrock:InferenceProfileArn condition, to calls through the listed profile',
      });
    }
    this.retireInvocationLogging(props);
  }

  /**
   * Earlier versions set invocation logging from this stack with a custom resource
   * (Ai/InvocationLogging) whose delete switched it off account-wide. Removing that resource
   * from the template would make CloudFormation run its old delete on the next update, so it
   * stays under the same logical and physical id with a read-only call and no delete: the
   * update stores the harmless properties, and deleting this stack later changes nothing.
   */
  private retireInvocationLogging(props: AiBlueprintProps): void {
    const read: cr.AwsSdkCall = {
      service: 'Bedrock',
      action: 'GetModelInvocationLoggingConfiguration',
      physicalResourceId: cr.PhysicalResourceId.of(`${props.namePrefix}-bedrock-invocation-logging`),
    };
    const handlerLogs = logGroup(this, 'InvocationLoggingHandlerLogs', props.size);
    loggingConfigResource(this, {
      apply: read,
      actions: ['bedrock:GetModelInvocationLoggingConfiguration'],
      handlerLogs,
      does: 'Reads the Bedrock invocation-logging configuration (retired setter)',
      reason:
        'GetModelInvocationLoggingConfiguration reads the account-wide setting and supports no resource-level permissions',
    });
  }
}

/**
 * Bedrock model-invocation logging of one account and region, to a retained log group through a
 * scoped role. `PutModelInvocationLoggingConfiguration` sets a single account-wide value, so
 * this construct belongs in a stack shared by every environment of the account and region:
 * deleting one environment must not switch logging off for the others. Only deleting the shared
 * stack itself does that.
 */
export class BedrockInvocationLogging extends Construct {
  constructor(scope: Construct, id: string, props: BedrockInvocationLoggingProps) {
    super(scope, id);
    // Retained like prod data: the logs outlive any one environment.
    const group = logGroup(this, 'InvocationLogs', 'prod', props.logRetentionDays);
    const role = new iam.Role(this, 'InvocationLoggingRole', {
      description: 'Lets Bedrock write model-invocation logs',
      assumedBy: new iam.ServicePrincipal('bedrock.amazonaws.com', {
        conditions: {
          StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
          ArnLike: { 'aws:SourceArn': `arn:${Aws.PARTITION}:bedrock:${Aws.REGION}:${Aws.ACCOUNT_ID}:*` },
        },
      }),
    });
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [group.logGroupArn],
      }),
    );
    const loggingConfig = {
      cloudWatchConfig: { logGroupName: group.logGroupName, roleArn: role.roleArn },
      textDataDeliveryEnabled: true,
      imageDataDeliveryEnabled: false,
      embeddingDataDeliveryEnabled: false,
    };
    const put: cr.AwsSdkCall = {
      service: 'Bedrock',
      action: 'PutModelInvocationLoggingConfiguration',
      parameters: { loggingConfig },
      physicalResourceId: cr.PhysicalResourceId.of('bedrock-invocation-logging'),
      logging: cr.Logging.withDataHidden(),
    };
    const handlerLogs = logGroup(this, 'InvocationLoggingHandlerLogs', 'prod', props.logRetentionDays);
    const setting = loggingConfigResource(this, {
      apply: put,
      remove: { service: 'Bedrock', action: 'DeleteModelInvocationLoggingConfiguration' },
      actions: [
        'bedrock:PutModelInvocationLoggingConfiguration',
        'bedrock:DeleteModelInvocationLoggingConfiguration',
      ],
      passRole: role.roleArn,
      handlerLogs,
      does: 'Sets the Bedrock invocation-logging configuration',
      reason:
        'Put/DeleteModelInvocationLoggingConfiguration act on the account-wide setting and support no resource-level permissions',
    });
    setting.node.addDependency(role);
  }
}

/** The custom resource (Ai/InvocationLogging or the shared stack's) that calls Bedrock's logging API. */
function loggingConfigResource(
  scope: Construct,
  opts: {
    apply: cr.AwsSdkCall;
    remove?: cr.AwsSdkCall;
    actions: string[];
    passRole?: string;
    handlerLogs: logs.ILogGroup;
    does: string;
    reason: string;
  },
): cr.AwsCustomResource {
  const resource = new cr.AwsCustomResource(scope, 'InvocationLogging', {
    resourceType: 'Custom::BedrockInvocationLogging',
    onCreate: opts.apply,
    onUpdate: opts.apply,
    onDelete: opts.remove,
    policy: cr.AwsCustomResourcePolicy.fromStatements([
      new iam.PolicyStatement({ actions: opts.actions, resources: ['*'] }),
      ...(opts.passRole
        ? [new iam.PolicyStatement({ actions: ['iam:PassRole'], resources: [opts.passRole] })]
        : []),
    ]),
    installLatestAwsSdk: false,
    logGroup: opts.handlerLogs,
    role: functionRole(scope, 'InvocationLoggingHandlerRole', opts.handlerLogs, opts.does),
  });
  acknowledge(resource, { 'AwsSolutions-IAM5[Resource::*]': opts.reason });
  return resource;
}

function modelStatements(scope: Construct, modelIds: readonly string[]): iam.PolicyStatement[] {
  const { partition, region, account } = Stack.of(scope);
  const actions = ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'];
  const direct = modelIds.filter((m) => !GEO_PREFIX.test(m));
  const profiles = modelIds.filter((m) => GEO_PREFIX.test(m));
  const out: iam.PolicyStatement[] = [];
  if (direct.length)
    out.push(
      new iam.PolicyStatement({
        sid: 'InvokeListedModels',
        actions,
        resources: direct.map((m) => `arn:${partition}:bedrock:${region}::foundation-model/${m}`),
      }),
    );
  if (profiles.length) {
    const profileArns = profiles.map(
      (m) => `arn:${partition}:bedrock:${region}:${account}:inference-profile/${m}`,
    );
    out.push(
      new iam.PolicyStatement({ sid: 'InvokeListedInferenceProfiles', actions, resources: profileArns }),
    );
    out.push(
      new iam.PolicyStatement({
        sid: 'InvokeModelsBehindListedProfiles',
        actions,
        resources: profiles.map(
          (m) => `arn:${partition}:bedrock:*::foundation-model/${m.replace(GEO_PREFIX, '')}`,
        ),
        conditions: { StringLike: { 'bedrock:InferenceProfileArn': profileArns } },
      }),
    );
  }
  return out;
}

function applyGuardrail(guardrailArn: string): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'ApplyGuardrail',
    actions: ['bedrock:ApplyGuardrail'],
    resources: [guardrailArn],
  });
}
