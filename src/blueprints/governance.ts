import { CfnOutput, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as controltower from 'aws-cdk-lib/aws-controltower';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import {
  BASELINE_VERSIONS,
  CONTROL_TOWER_BASELINE_ID,
  controlArn,
  isLandingZoneVersion,
  type LandingZoneVersion,
} from '../config/controltower.js';
import { partitionOfRegion } from '../config/regions.js';
import type { EstateConfig } from '../config/schema.js';
import {
  readDefaultControls,
  resolveDefaultControls,
  type DefaultControl,
} from '../config/default-controls.js';
import { workloadOus } from '../config/workload-ous.js';
import { BlueprintError } from './errors.js';
import { PLATFORM_OUTPUTS } from './platform.js';
import { acknowledge } from './profile.js';

/** Control operations started at once unless maxConcurrentControlOperations says otherwise. */
export const DEFAULT_CONTROL_CONCURRENCY = 10;
/** Control Tower's limit of concurrent control operations. */
export const MAX_CONTROL_CONCURRENCY = 100;

export { PREREQUISITE_ROLES } from './platform.js';

export interface EstateGovernanceStackProps extends StackProps {
  /** The parsed estate.yaml; its controlTower block must be present and enabled. */
  readonly config: EstateConfig;
  /** Account name → 12-digit id, for the log-archive, audit and backup accounts. */
  readonly accountIds: Readonly<Record<string, string>>;
  /** OU path → OU ARN, for every workload OU and every OU the config lists controls for. */
  readonly ouArns: Readonly<Record<string, string>>;
  /**
   * Whether the four Control Tower service roles already exist in the management account
   * (a landing zone set up from the console creates them). When false, this stack creates them.
   * @default false - the roles are created
   */
  readonly prerequisiteRolesExist?: boolean;
  /**
   * ARN of the IdentityCenterBaseline enabled on the landing zone, passed to every OU
   * baseline as IdentityCenterEnabledBaselineArn. Required when controlTower.accessManagement is on.
   * @default - none; an error when access management is on
   */
  readonly identityCenterEnabledBaselineArn?: string;
  /**
   * Control operations started at once: controls are chained so that at most this many are in
   * flight, well below the 100 concurrent control operations Control Tower allows.
   * @default 10
   */
  readonly maxConcurrentControlOperations?: number;
  /**
   * The curated default controls, placeholders filled in.
   * @default - templates/controls/default.json, when controlTower.defaultControls is on
   */
  readonly defaultControls?: readonly DefaultControl[];
}

interface ControlSpec {
  readonly ou: string;
  readonly identifier: string;
  readonly parameters: Readonly<Record<string, unknown>>;
}

/**
 * The landing zone of the management account, in the home region: the prerequisite service
 * roles (when absent), the landing zone itself (manifest shaped by its version), the
 * AWSControlTowerBaseline on every workload OU, and the controls each OU lists, chained so
 * that at most `maxConcurrentControlOperations` control operations run at once.
 */
export class EstateGovernanceStack extends Stack {
  readonly roles: iam.Role[] = [];
  readonly landingZone: controltower.CfnLandingZone;
  readonly baselines = new Map<string, controltower.CfnEnabledBaseline>();
  readonly controls: controltower.CfnEnabledControl[] = [];

  constructor(scope: Construct, id: string, props: EstateGovernanceStackProps) {
    const { config } = props;
    const ct = config.controlTower;
    if (!ct?.enabled)
      throw new BlueprintError('governance', 'controlTower is absent or disabled in estate.yaml', [
        'set controlTower.enabled: true, or do not build the governance stack',
      ]);
    const home = config.organization.homeRegion;
    super(scope, id, {
      ...props,
      env: props.env ?? { region: home, account: config.organization.managementAccountId },
    });
    const version = ct.landingZoneVersion;
    if (!isLandingZoneVersion(version))
      throw new BlueprintError('governance', `landing-zone version ${version} is not 3.3 or 4.0`);
    const concurrency = props.maxConcurrentControlOperations ?? DEFAULT_CONTROL_CONCURRENCY;
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > MAX_CONTROL_CONCURRENCY)
      throw new BlueprintError(
        'governance',
        `maxConcurrentControlOperations must be a whole number from 1 to ${MAX_CONTROL_CONCURRENCY}, got ${concurrency}`,
      );
    const accountId = (name: string, what: string) => {
      const found = props.accountIds[name];
      if (!found || !/^\d{12}$/.test(found))
        throw new BlueprintError('governance', `no account id for ${what} "${name}"`, [
          'create the account first (the organisation section does), then pass its id in accountIds',
        ]);
      return found;
    };
    const ouArn = (path: string) => {
      const found = props.ouArns[path];
      if (!found)
        throw new BlueprintError('governance', `no ARN for OU "${path}"`, [
          'create the OU first (the organisation section does), then pass its ARN in ouArns',
        ]);
      return found;
    };
    const partition = partitionOfRegion(home);

    if (!props.prerequisiteRolesExist) this.roles.push(...prerequisiteRoles(this, partition));

    this.landingZone = new controltower.CfnLandingZone(this, 'LandingZone', {
      version,
      manifest: manifestFor(version, config, accountId),
    });
    // Deleting the stack must not decommission the landing zone of the whole organisation.
    this.landingZone.applyRemovalPolicy(RemovalPolicy.RETAIN);
    for (const role of this.roles) this.landingZone.node.addDependency(role);
    // The engine and `estate ct status` read the landing zone's identifier from here.
    new CfnOutput(this, PLATFORM_OUTPUTS.landingZoneArn, {
      value: this.landingZone.attrArn,
      description: 'ARN of the Control Tower landing zone',
    });

    const ous = workloadOus(config);
    if (ct.accessManagement && ous.length > 0 && !props.identityCenterEnabledBaselineArn)
      throw new BlueprintError(
        'governance',
        'controlTower.accessManagement is on, but no identityCenterEnabledBaselineArn was given for the OU baselines',
        [
          "pass the ARN of the landing zone's IdentityCenterBaseline, or set controlTower.accessManagement: false",
        ],
      );
    for (const ou of ous) {
      const baseline = new controltower.CfnEnabledBaseline(this, `Baseline-${safeId(ou)}`, {
        baselineIdentifier: `arn:${partition}:controltower:${home}::baseline/${CONTROL_TOWER_BASELINE_ID}`,
        baselineVersion: BASELINE_VERSIONS[version],
        targetIdentifier: ouArn(ou),
        parameters: ct.accessManagement
          ? [{ key: 'IdentityCenterEnabledBaselineArn', value: props.identityCenterEnabledBaselineArn }]
          : undefined,
      });
      baseline.addResourceDependency(this.landingZone);
      this.baselines.set(ou, baseline);
    }

    const defaults =
      props.defaultControls ??
      (ct.defaultControls
        ? resolveDefaultControls(readDefaultControls(), {
            partition,
            homeRegion: home,
            governedRegions: config.organization.governedRegions,
          })
        : []);
    const specs = controlSpecs(ous, defaults, ct.controls, partition, home);
    specs.forEach((spec, i) => {
      const name = spec.identifier.split('/').at(-1)!;
      const control = new controltower.CfnEnabledControl(this, `Control-${safeId(spec.ou)}-${safeId(name)}`, {
        controlIdentifier: spec.identifier,
        targetIdentifier: ouArn(spec.ou),
        parameters: Object.keys(spec.parameters).length
          ? Object.entries(spec.parameters).map(([key, value]) => ({ key, value }))
          : undefined,
      });
      const baseline = this.baselines.get(spec.ou);
      control.addResourceDependency(baseline ?? this.landingZone);
      // The i-th control waits for the (i - N)-th: at most N control operations in flight.
      if (i >= concurrency) control.addResourceDependency(this.controls[i - concurrency]!);
      this.controls.push(control);
    });
  }
}

/** Defaults on every workload OU, then the config's own, each (OU, control) once. */
function controlSpecs(
  ous: readonly string[],
  defaults: readonly DefaultControl[],
  own: readonly { ou: string; identifiers: string[]; parameters?: Readonly<Record<string, unknown>> }[],
  partition: string,
  home: string,
): ControlSpec[] {
  const out = new Map<string, ControlSpec>();
  const add = (spec: ControlSpec) => {
    const key = `${spec.ou}\n${spec.identifier}`;
    if (!out.has(key)) out.set(key, spec);
  };
  for (const ou of ous)
    for (const d of defaults)
      add({ ou, identifier: controlArn(d.identifier, partition, home), parameters: d.parameters });
  for (const c of own)
    for (const id of c.identifiers)
      add({ ou: c.ou, identifier: controlArn(id, partition, home), parameters: c.parameters ?? {} });
  return [...out.values()];
}

/** The landing-zone manifest: 3.3 names the OUs Control Tower creates; 4.0 switches each integration. */
export function manifestFor(
  version: LandingZoneVersion,
  config: EstateConfig,
  accountId: (name: string, what: string) => string,
): Record<string, unknown> {
  const ct = config.controlTower!;
  const logs = accountId(ct.logArchiveAccount, 'the log-archive account');
  const audit = accountId(ct.auditAccount, 'the audit account');
  const buckets = {
    loggingBucket: { retentionDays: ct.logRetentionDays },
    accessLoggingBucket: { retentionDays: ct.accessLogRetentionDays },
    ...(ct.kmsKeyArn ? { kmsKeyArn: ct.kmsKeyArn } : {}),
  };
  const governedRegions = [...config.organization.governedRegions];
  if (version === '3.3')
    return {
      governedRegions,
      organizationStructure: {
        security: { name: ct.securityOuName ?? 'Security' },
        sandbox: { name: ct.sandboxOuName ?? 'Sandbox' },
      },
      centralizedLogging: { accountId: logs, configurations: buckets, enabled: true },
      securityRoles: { accountId: audit },
      accessManagement: { enabled: ct.accessManagement },
    };
  const awsConfig = ct.awsConfig ?? true;
  const securityRoles = ct.securityRoles ?? true;
  const backup = ct.backup;
  return {
    governedRegions,
    centralizedLogging: { accountId: logs, enabled: true, configurations: buckets },
    config: awsConfig ? { accountId: audit, enabled: true, configurations: buckets } : { enabled: false },
    securityRoles: securityRoles ? { accountId: audit, enabled: true } : { enabled: false },
    accessManagement: { enabled: ct.accessManagement },
    backup:
      backup?.enabled === true
        ? {
            enabled: true,
            configurations: {
              backupAdmin: { accountId: accountId(backup.adminAccount, 'the backup administrator account') },
              centralBackup: { accountId: accountId(backup.centralAccount, 'the central backup account') },
              kmsKeyArn: backup.kmsKeyArn,
            },
          }
        : { enabled: false },
  };
}

/**
 * The four service roles, with the trust and policies AWS documents for setting up a landing
 * zone through the API ("Using identity-based policies for AWS Control Tower").
 */
function prerequisiteRoles(stack: Stack, partition: string): iam.Role[] {
  const role = (name: string, service: string, props: Partial<iam.RoleProps>) =>
    new iam.Role(stack, name, {
      roleName: name,
      path: '/service-role/',
      assumedBy: new iam.ServicePrincipal(service),
      ...props,
    });
  const managed = (name: string) => iam.ManagedPolicy.fromAwsManagedPolicyName(`service-role/${name}`);
  const admin = role('AWSControlTowerAdmin', 'controltower.amazonaws.com', {
    managedPolicies: [managed('AWSControlTowerServiceRolePolicy')],
    inlinePolicies: {
      AWSControlTowerAdminPolicy: new iam.PolicyDocument({
        statements: [
          new iam.PolicyStatement({ actions: ['ec2:DescribeAvailabilityZones'], resources: ['*'] }),
        ],
      }),
    },
  });
  // Landing zone 4.0 wants the managed policy instead of the old inline one; 3.3 takes it too.
  const cloudTrail = role('AWSControlTowerCloudTrailRole', 'cloudtrail.amazonaws.com', {
    managedPolicies: [managed('AWSControlTowerCloudTrailRolePolicy')],
  });
  const stackSet = role('AWSControlTowerStackSetRole', 'cloudformation.amazonaws.com', {
    inlinePolicies: {
      AWSControlTowerStackSetRolePolicy: new iam.PolicyDocument({
        statements: [
          new iam.PolicyStatement({
            actions: ['sts:AssumeRole'],
            resources: [`arn:${partition}:iam::*:role/AWSControlTowerExecution`],
          }),
        ],
      }),
    },
  });
  const aggregator = role('AWSControlTowerConfigAggregatorRoleForOrganizations', 'config.amazonaws.com', {
    managedPolicies: [managed('AWSConfigRoleForOrganizations')],
  });
  const managedReason =
    'AWS Control Tower requires this AWS managed service-role policy on its prerequisite role; AWS keeps it current as Control Tower changes';
  for (const [r, policy] of [
    [admin, 'AWSControlTowerServiceRolePolicy'],
    [cloudTrail, 'AWSControlTowerCloudTrailRolePolicy'],
    [aggregator, 'AWSConfigRoleForOrganizations'],
  ] as const)
    acknowledge(r, {
      [`AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/${policy}]`]:
        managedReason,
    });
  acknowledge(admin, {
    'AwsSolutions-IAM5[Resource::*]':
      'ec2:DescribeAvailabilityZones is a read-only call that supports no resource-level permissions; AWS documents this inline policy',
  });
  acknowledge(stackSet, {
    [`AwsSolutions-IAM5[Resource::arn:${partition}:iam::*:role/AWSControlTowerExecution]`]:
      'StackSets assume AWSControlTowerExecution in every enrolled account, whose ids are not known in advance; AWS documents this policy',
  });
  return [admin, cloudTrail, stackSet, aggregator];
}

/** A construct id from an OU path or control name: letters, digits and hyphens. */
function safeId(value: string): string {
  return value.replace(/[^A-Za-z0-9]+/g, '-');
}
