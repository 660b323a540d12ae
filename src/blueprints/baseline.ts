/**
 * The account baseline at scale: one service-managed StackSet in the management account that
 * gives every account of the workload OUs, without estate running, CDK's bootstrap resources,
 * the estate deployment role and (with observability on) the CloudWatch cross-account link.
 *
 * The member template is CDK's own bootstrap template, read at synth time from the
 * toolkit-lib estate deploys with (so a StackSet-bootstrapped account has the same roles,
 * bucket and `/cdk-bootstrap/<qualifier>/version` parameter as one `cdk bootstrap` made), its
 * parameters fixed through the StackSet, plus estate's resources built with CDK in a separate
 * app (so cdk-nag checks them) and merged in. It is sent inline: at most 51,200 bytes.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { App, Aws, BootstraplessSynthesizer, CfnCondition, CfnStackSet, Fn, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as oam from 'aws-cdk-lib/aws-oam';
import type { Construct } from 'constructs';
import { parseTemplate } from '../cfn-template.js';
import type { EstateConfig } from '../config/schema.js';
import { DEFAULT_QUALIFIER } from '../config/schema.js';
import { workloadOus } from '../config/workload-ous.js';
import { EstateError } from '../errors.js';
import { BlueprintError } from './errors.js';
import { oamResourceTypes } from './oam-types.js';
import { BASELINE_STACK_SET, type EstateBaselineStackProps } from './platform.js';
import { acknowledge } from './profile.js';

/** CloudFormation's limit on a template passed inline (TemplateBody), in bytes. */
export const INLINE_TEMPLATE_LIMIT_BYTES = 51_200;

/** The bootstrap template parameters the StackSet fixes; the rest keep CDK's defaults. */
export const FIXED_BOOTSTRAP_PARAMETERS = [
  'Qualifier',
  'TrustedAccounts',
  'CloudFormationExecutionPolicies',
] as const;

/** An OU id (ou-xxxx-yyyyyyyy) or the root id (r-xxxx): what DeploymentTargets takes. */
const OU_ID_RE = /^(ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}|r-[0-9a-z]{4,32})$/;
/** `arn:<partition>:oam:<region>:<account>:sink/<id>`. */
const SINK_ARN_RE = /^arn:aws[a-z-]*:oam:([a-z0-9-]+):(\d{12}):sink\/[A-Za-z0-9-]+$/;

export interface EstateBaselineStackOptions extends EstateBaselineStackProps {
  /**
   * The CDK bootstrap template (YAML or JSON) the member template starts from.
   * @default - bootstrap-template.yaml of the installed @aws-cdk/toolkit-lib
   */
  readonly bootstrapTemplateFile?: string;
}

/** A CloudFormation template as parsed JSON. */
export interface CfnTemplate {
  Description?: string;
  Parameters?: Record<string, unknown>;
  Conditions?: Record<string, unknown>;
  Resources: Record<string, unknown>;
  Outputs?: Record<string, unknown>;
  [section: string]: unknown;
}

/**
 * The `estate-baseline` StackSet: service-managed, deployed automatically to every account
 * that joins a workload OU (and removed from one that leaves), in the baseline regions, with
 * the operation preferences of controlTower.baseline. Service-managed StackSets never reach
 * the management account, and the log-archive and audit accounts are not in workload OUs:
 * those are bootstrapped directly by the Control Tower section.
 */
export class EstateBaselineStack extends Stack {
  readonly stackSet: CfnStackSet;
  /** The template every instance deploys (bootstrap + estate resources), as sent. */
  readonly memberTemplate: CfnTemplate;
  /** The estate part of the member template as a CDK stack (its own app), for cdk-nag. */
  readonly estateResources: Stack;

  constructor(scope: Construct, id: string, props: EstateBaselineStackOptions) {
    const { config } = props;
    const ct = config.controlTower;
    if (!ct?.enabled || !ct.baseline.enabled)
      throw new BlueprintError('baseline', 'controlTower or controlTower.baseline is absent or disabled', [
        'set controlTower.enabled and controlTower.baseline.enabled, or do not build the baseline stack',
      ]);
    if (!/^\d{12}$/.test(props.managementAccountId))
      throw new BlueprintError(
        'baseline',
        `managementAccountId "${props.managementAccountId}" is not a 12-digit account id`,
      );
    super(scope, id, {
      ...props,
      env: props.env ?? { region: config.organization.homeRegion, account: props.managementAccountId },
    });
    const policies = config.deployments?.executionPolicies;
    if (!policies?.length)
      throw new BlueprintError(
        'baseline',
        'deployments.executionPolicies is not set: the CloudFormation execution role the baseline bootstraps would have no permissions, since it trusts the management account',
        ['list the managed policies of the execution role under deployments.executionPolicies'],
      );
    const targets = ouTargets(config, props.ouIds);
    const regions = [...(ct.baseline.regions ?? config.organization.governedRegions)];
    const sink = sinkOf(config, props.sinkArn, regions);
    const qualifier = config.deployments?.qualifier ?? DEFAULT_QUALIFIER;

    this.estateResources = estateMemberStack({
      qualifier,
      roleName: ct.baseline.deploymentRoleName,
      managementAccountId: props.managementAccountId,
      sink: sink && { ...sink, resourceTypes: oamResourceTypes(config) },
    });
    this.memberTemplate = mergeTemplates(
      readBootstrapTemplate(props.bootstrapTemplateFile),
      synthesizedTemplate(this.estateResources),
    );
    this.memberTemplate.Description =
      `estate-baseline: CDK bootstrap (qualifier ${qualifier}), the ${ct.baseline.deploymentRoleName} role` +
      (sink ? `, an observability link to the sink in ${sink.region}` : '');
    const body = JSON.stringify(this.memberTemplate);
    const bytes = Buffer.byteLength(body, 'utf8');
    if (bytes > INLINE_TEMPLATE_LIMIT_BYTES)
      throw new BlueprintError(
        'baseline',
        `the member template is ${bytes} bytes; a StackSet template passed inline takes at most ${INLINE_TEMPLATE_LIMIT_BYTES}`,
        ['this is a defect in estate (the bootstrap template grew): report it with the toolkit-lib version'],
      );

    const { baseline } = ct;
    this.stackSet = new CfnStackSet(this, 'StackSet', {
      stackSetName: BASELINE_STACK_SET,
      description: 'estate account baseline: CDK bootstrap, estate deployment role, observability link',
      permissionModel: 'SERVICE_MANAGED',
      autoDeployment: { enabled: true, retainStacksOnAccountRemoval: false },
      callAs: 'SELF',
      managedExecution: { Active: true },
      capabilities: ['CAPABILITY_NAMED_IAM'],
      operationPreferences: {
        maxConcurrentPercentage: baseline.maxConcurrentPercentage,
        failureTolerancePercentage: baseline.failureTolerancePercentage,
        regionConcurrencyType: baseline.regionConcurrency,
        // With the default (strict) mode the concurrency is capped at the failure tolerance + 1:
        // a tolerance of 0 would deploy one account at a time whatever maxConcurrentPercentage says.
        concurrencyMode: 'SOFT_FAILURE_TOLERANCE',
      },
      stackInstancesGroup: [{ deploymentTargets: { organizationalUnitIds: targets }, regions }],
      parameters: [
        { parameterKey: 'Qualifier', parameterValue: qualifier },
        { parameterKey: 'TrustedAccounts', parameterValue: props.managementAccountId },
        { parameterKey: 'CloudFormationExecutionPolicies', parameterValue: policies.join(',') },
      ],
      templateBody: body,
    });
  }
}

/** The OU ids of the workload OUs, in their order; a BlueprintError naming the first OU without one. */
function ouTargets(config: EstateConfig, ouIds: Readonly<Record<string, string>>): string[] {
  const ous = workloadOus(config);
  if (ous.length === 0)
    throw new BlueprintError('baseline', 'there is no workload OU to deploy the baseline to', [
      'list OUs under controlTower.workloadOus, or place accounts in OUs other than the log-archive and audit accounts',
    ]);
  return [
    ...new Set(
      ous.map((ou) => {
        const found = ouIds[ou];
        if (!found || !OU_ID_RE.test(found))
          throw new BlueprintError(
            'baseline',
            found
              ? `OU "${ou}" has id "${found}", not an OU id (ou-xxxx-yyyyyyyy)`
              : `no OU id for workload OU "${ou}"`,
            ['create the OU first (the organisation section does), then pass its id in ouIds'],
          );
        return found;
      }),
    ),
  ];
}

/** The sink the links point at, checked: a sink ARN, observability on, a region the baseline deploys to. */
function sinkOf(
  config: EstateConfig,
  sinkArn: string | undefined,
  regions: readonly string[],
): { arn: string; region: string; account: string } | undefined {
  if (sinkArn === undefined) return undefined;
  if (!config.controlTower?.observability.enabled)
    throw new BlueprintError(
      'baseline',
      `a sink ARN was given (${sinkArn}) but controlTower.observability is disabled`,
      ['pass no sinkArn, or enable controlTower.observability'],
    );
  const match = SINK_ARN_RE.exec(sinkArn);
  if (!match)
    throw new BlueprintError(
      'baseline',
      `"${sinkArn}" is not an OAM sink ARN (arn:aws:oam:<region>:<account>:sink/<id>)`,
    );
  const region = match[1]!;
  // Cross-account observability works within one region: a link reaches only a sink of its own region.
  if (!regions.includes(region))
    throw new BlueprintError(
      'baseline',
      `the sink is in ${region}, where the baseline deploys no instance (regions: ${regions.join(', ')}); no link could reach it`,
      ['add the sink region to controlTower.baseline.regions'],
    );
  return { arn: sinkArn, region, account: match[2]! };
}

/** Where toolkit-lib ships CDK's bootstrap template (its package exports only the package.json). */
export function bootstrapTemplatePath(): string {
  const require = createRequire(import.meta.url);
  const manifest = require.resolve('@aws-cdk/toolkit-lib/package.json');
  return join(dirname(manifest), 'lib', 'api', 'bootstrap', 'bootstrap-template.yaml');
}

/** CDK's bootstrap template, parsed (short-form intrinsics in long form), with the parameters the StackSet fixes. */
export function readBootstrapTemplate(file = bootstrapTemplatePath()): CfnTemplate {
  let parsed: unknown;
  try {
    parsed = parseTemplate(readFileSync(file, 'utf8'));
  } catch (cause) {
    throw new EstateError(`cannot read the CDK bootstrap template ${file}`, {
      code: 'TemplatesMissing',
      source: 'internal',
      cause,
      suggestions: [
        'reinstall estate: it depends on @aws-cdk/toolkit-lib, which ships the bootstrap template',
      ],
    });
  }
  const t = parsed as Partial<CfnTemplate> | null;
  const missing = FIXED_BOOTSTRAP_PARAMETERS.filter((p) => !t?.Parameters?.[p]);
  if (!t?.Resources || typeof t.Resources !== 'object' || missing.length)
    throw new EstateError(
      `${file} is not the CDK bootstrap template estate expects${missing.length ? `: no parameter ${missing.join(', ')}` : ': no Resources'}`,
      { code: 'TemplatesMissing', source: 'internal' },
    );
  return t as CfnTemplate;
}

interface MemberOptions {
  readonly qualifier: string;
  readonly roleName: string;
  readonly managementAccountId: string;
  readonly sink?: {
    readonly arn: string;
    readonly region: string;
    readonly account: string;
    readonly resourceTypes: string[];
  };
}

/**
 * Estate's resources in every member account, as a stack of its own app (never part of the
 * assembly the toolkit deploys): the deployment role and, with a sink, the OAM link.
 */
function estateMemberStack(o: MemberOptions): Stack {
  const app = new App({
    builtinCloudFormationValidation: false,
    outdir: mkdtempSync(join(tmpdir(), 'estate-baseline-')),
  });
  const stack = new Stack(app, 'estate-baseline-member', {
    synthesizer: new BootstraplessSynthesizer(),
    analyticsReporting: false,
  });
  const arn = (service: string, resource: string, region: string = Aws.REGION) =>
    `arn:${Aws.PARTITION}:${service}:${region}:${Aws.ACCOUNT_ID}:${resource}`;
  const cdkRoles = `arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}:role/cdk-${o.qualifier}-*-role-${Aws.ACCOUNT_ID}-*`;
  const role = new iam.Role(stack, 'EstateDeploymentRole', {
    roleName: o.roleName,
    description:
      'estate and CI deploy environments through the CDK bootstrap roles; trusted by the management account',
    assumedBy: new iam.AccountPrincipal(o.managementAccountId),
    inlinePolicies: {
      EstateDeployment: new iam.PolicyDocument({
        statements: [
          // toolkit-lib deploys through the bootstrap roles (deploy, file and image publishing, lookup).
          new iam.PolicyStatement({
            sid: 'AssumeCdkBootstrapRoles',
            actions: ['sts:AssumeRole'],
            resources: [cdkRoles],
          }),
          // env list, status, diff and the reaper read the environments' stacks.
          new iam.PolicyStatement({
            sid: 'ReadStacks',
            actions: [
              'cloudformation:DescribeStacks',
              'cloudformation:DescribeStackEvents',
              'cloudformation:DescribeStackResources',
              'cloudformation:ListStackResources',
              'cloudformation:GetTemplate',
            ],
            resources: [arn('cloudformation', 'stack/*', '*')],
          }),
          new iam.PolicyStatement({
            sid: 'ListStacks',
            actions: ['cloudformation:ListStacks'],
            resources: ['*'],
          }),
          // The stack records (/estate/env/<environment>/…) that env commands write and the reaper reads.
          new iam.PolicyStatement({
            sid: 'EstateRecords',
            actions: [
              'ssm:GetParameter',
              'ssm:GetParameters',
              'ssm:GetParametersByPath',
              'ssm:PutParameter',
              'ssm:DeleteParameter',
              'ssm:DeleteParameters',
            ],
            resources: [arn('ssm', 'parameter/estate/*', '*')],
          }),
          // How the env engine sees that an account is bootstrapped (by the StackSet or cdk bootstrap).
          new iam.PolicyStatement({
            sid: 'ReadBootstrapVersion',
            actions: ['ssm:GetParameter', 'ssm:GetParameters'],
            resources: [arn('ssm', `parameter/cdk-bootstrap/${o.qualifier}/*`, '*')],
          }),
          // env list and the reaper find environments by their estate:* tags; the reaper reads idle metrics.
          new iam.PolicyStatement({
            sid: 'ReadTagsAndMetrics',
            actions: ['tag:GetResources', 'tag:GetTagKeys', 'tag:GetTagValues', 'cloudwatch:GetMetricData'],
            resources: ['*'],
          }),
        ],
      }),
    },
  });
  // A readable, stable logical id in the member template (this stack is never deployed as such).
  (role.node.defaultChild as iam.CfnRole).overrideLogicalId('EstateDeploymentRole');
  acknowledge(role, {
    [`AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::<AWS::AccountId>:role/cdk-${o.qualifier}-*-role-<AWS::AccountId>-*]`]:
      'the bootstrap roles are named cdk-<qualifier>-<purpose>-role-<account>-<region>: the pattern matches only the roles of this qualifier in this account, in every region it is bootstrapped',
    'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:cloudformation:*:<AWS::AccountId>:stack/*]':
      "read-only stack calls on this account's stacks, whose names come from the environments and are not known when the baseline is deployed",
    'AwsSolutions-IAM5[Resource::*]':
      'cloudformation:ListStacks, tag:GetResources, tag:GetTagKeys, tag:GetTagValues and cloudwatch:GetMetricData are read-only calls without resource-level permissions',
    'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ssm:*:<AWS::AccountId>:parameter/estate/*]':
      "estate's own records live under /estate/ (one parameter per stack of each environment); nothing else is writable",
    [`AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ssm:*:<AWS::AccountId>:parameter/cdk-bootstrap/${o.qualifier}/*]`]:
      'read-only: the bootstrap version parameter of this qualifier, in every region',
  });
  if (o.sink) {
    // Links reach a sink of their own region only, and never one of their own account (the
    // audit account, when its OU is a workload OU, gets the baseline too).
    const inSinkRegion = new CfnCondition(stack, 'LinksToSink', {
      expression: Fn.conditionAnd(
        Fn.conditionEquals(Aws.REGION, o.sink.region),
        Fn.conditionNot(Fn.conditionEquals(Aws.ACCOUNT_ID, o.sink.account)),
      ),
    });
    const link = new oam.CfnLink(stack, 'ObservabilityLink', {
      labelTemplate: '$AccountName',
      resourceTypes: o.sink.resourceTypes,
      sinkIdentifier: o.sink.arn,
    });
    link.cfnOptions.condition = inSinkRegion;
  }
  return stack;
}

/** A stack's template, synthesised in its own (temporary) output folder. */
function synthesizedTemplate(stack: Stack): CfnTemplate {
  const app = stack.node.root as App;
  try {
    return app.synth().getStackByName(stack.stackName).template as CfnTemplate;
  } finally {
    rmSync(app.outdir, { recursive: true, force: true });
  }
}

/** The bootstrap template with estate's conditions, resources and outputs added; a clash is a defect. */
function mergeTemplates(bootstrap: CfnTemplate, estate: CfnTemplate): CfnTemplate {
  const out: CfnTemplate = structuredClone(bootstrap);
  for (const section of ['Conditions', 'Resources', 'Outputs'] as const) {
    const add = (estate[section] ?? {}) as Record<string, unknown>;
    if (Object.keys(add).length === 0) continue;
    const into = ((out[section] as Record<string, unknown> | undefined) ?? {}) as Record<string, unknown>;
    for (const [name, value] of Object.entries(add)) {
      if (name in into)
        throw new EstateError(
          `baseline: ${section}.${name} is in the CDK bootstrap template and in estate's resources`,
          {
            code: 'InvalidBlueprint',
            source: 'internal',
          },
        );
      into[name] = value;
    }
    out[section] = into;
  }
  return out;
}
