/**
 * The estate's own platform stacks, which the Control Tower section of `estate plan` /
 * `estate apply` deploys through the environment engine (toolkit-lib), and their props. Each
 * stack is one file: governance.ts (management account), baseline.ts (management account, a
 * service-managed StackSet reaching every workload account), monitoring.ts (the monitoring
 * account). Names and output keys live here so the engine and `estate ct status` read what
 * the stacks write without importing the constructs (and aws-cdk-lib with them).
 */
import type { StackProps } from 'aws-cdk-lib';
import type { EstateConfig } from '../config/schema.js';

/**
 * The service roles CreateLandingZone needs, all under /service-role/. Here, beside the names,
 * so the planner and the emulator read them without loading the constructs (and aws-cdk-lib).
 */
export const PREREQUISITE_ROLES = [
  'AWSControlTowerAdmin',
  'AWSControlTowerCloudTrailRole',
  'AWSControlTowerStackSetRole',
  'AWSControlTowerConfigAggregatorRoleForOrganizations',
] as const;

/** Landing zone, prerequisite roles, OU baselines, controls: management account, home region. */
export const GOVERNANCE_STACK = 'estate-governance';
/** The stack holding the estate-baseline StackSet: management account, home region. */
export const BASELINE_STACK = 'estate-baseline';
/** The service-managed StackSet itself (same name as its stack). */
export const BASELINE_STACK_SET = 'estate-baseline';
/** OAM sink and the overview dashboard: monitoring (audit) account, home region. */
export const MONITORING_STACK = 'estate-monitoring';

/** Output keys the engine reads back. */
export const PLATFORM_OUTPUTS = {
  /** estate-governance: the landing zone's identifier (ARN), for Cloud Control GetResource. */
  landingZoneArn: 'LandingZoneArn',
  /** estate-monitoring: the OAM sink ARN the baseline's links point at. */
  sinkArn: 'ObservabilitySinkArn',
  /** estate-monitoring: the overview dashboard's name. */
  dashboardName: 'OverviewDashboardName',
} as const;

/** The name of the overview dashboard in the monitoring account. */
export const OVERVIEW_DASHBOARD = 'estate-overview';

export interface EstateBaselineStackProps extends StackProps {
  /** The parsed estate.yaml; controlTower.baseline must be enabled. */
  readonly config: EstateConfig;
  /** The management (CI) account: TrustedAccounts of the bootstrap, trusted by the deployment role. */
  readonly managementAccountId: string;
  /** OU path → OU id (ou-xxxx-yyyyyyyy) for every workload OU: the StackSet's deployment targets. */
  readonly ouIds: Readonly<Record<string, string>>;
  /**
   * The OAM sink in the monitoring account that every instance links to.
   * @default - no link (observability disabled, or the sink not created yet)
   */
  readonly sinkArn?: string;
}

export interface EstateMonitoringStackProps extends StackProps {
  /** The parsed estate.yaml; controlTower.observability must be enabled. */
  readonly config: EstateConfig;
  /** The organisation id (o-...): only its accounts may link to the sink (aws:PrincipalOrgID). */
  readonly organizationId: string;
  /** Account name → 12-digit id, for the dashboard's cross-account widgets. */
  readonly accountIds: Readonly<Record<string, string>>;
}
