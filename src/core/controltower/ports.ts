/**
 * What the Control Tower engine needs from AWS, as domain shapes. `@aws-sdk/client-controltower`
 * stops at 3.332.0 on this registry (EnableControl, DisableControl, GetControlOperation,
 * ListEnabledControls), so the engine manages the landing zone, OU baselines and controls as
 * CloudFormation stacks deployed by the environment engine (`src/blueprints/governance.ts`,
 * `baseline.ts`, `monitoring.ts`) and reads what the old client lacks from the Control Tower
 * API itself:
 *
 * - {@link ControlsPort}: the Control Tower SDK client, for what it has.
 * - {@link LandingZonePort} and {@link BaselinesPort}: GetLandingZone, ListLandingZones,
 *   ListEnabledBaselines (with the child, account-level baselines: enrolment) and
 *   ListControlOperations, which 3.332.0 does not model. The adapter signs these REST-JSON
 *   calls itself (SigV4, service `controltower`) exactly as the API reference writes them, over
 *   the same HTTP handler, endpoint variables and timeouts as every other client. Live status,
 *   version and drift: stack outputs would be as old as the last deploy.
 * - {@link StackSetsPort}: CloudFormation's StackSet calls (service-managed, CallAs SELF from the
 *   management account) and its organisations access.
 * - {@link ServiceRolesPort}: IAM GetRole for the landing zone's prerequisite roles.
 * - Stacks (describe, template, resources, events) come from the environment engine's
 *   StacksPort; deploys from its ToolkitPort, and `--no-wait`'s ExecuteChangeSet from
 *   {@link ChangeSetPort}.
 *
 * Every adapter follows every page, maps AWS errors to estate errors that name the action and
 * the fix, and has a timeout on each call.
 */
import type { StackLocation } from '../env/ports.js';

/** ListEnabledControls: one control enabled on one target (an OU ARN). */
export interface EnabledControl {
  /** The enabled control's ARN (absent on old responses). */
  readonly arn?: string;
  /** As Control Tower reports it: arn:aws:controltower:<region>::control/<ID> or a catalog ARN. */
  readonly controlIdentifier: string;
  readonly targetIdentifier: string;
  /** statusSummary.status: SUCCEEDED | FAILED | UNDER_CHANGE. */
  readonly status?: string;
  /** driftStatusSummary.driftStatus: DRIFTED | IN_SYNC | NOT_CHECKING | UNKNOWN. */
  readonly driftStatus?: string;
}

/** GetControlOperation. */
export interface ControlOperation {
  readonly operationIdentifier: string;
  /** ENABLE_CONTROL | DISABLE_CONTROL | UPDATE_ENABLED_CONTROL. */
  readonly operationType?: string;
  /** SUCCEEDED | FAILED | IN_PROGRESS. */
  readonly status: string;
  readonly statusMessage?: string;
  readonly startTime?: Date;
  readonly endTime?: Date;
}

export interface ControlsPort {
  /** Every control enabled on the target OU (every page); [] when none. */
  listEnabledControls(targetIdentifier: string): Promise<readonly EnabledControl[]>;
  getControlOperation(operationIdentifier: string): Promise<ControlOperation>;
}

/** The live landing zone (GetLandingZone). */
export interface LandingZoneState {
  /** The landing zone's ARN (its identifier). */
  readonly arn: string;
  readonly version: string;
  /** ACTIVE | PROCESSING | FAILED. */
  readonly status: string;
  /** DRIFTED | IN_SYNC. */
  readonly driftStatus?: string;
  readonly latestAvailableVersion?: string;
  /** The manifest as the landing zone holds it (governed regions, logging, security roles...). */
  readonly manifest: Readonly<Record<string, unknown>>;
}

export interface LandingZonePort {
  /** ListLandingZones (every page): the ARNs of the landing zones of the organisation (0 or 1). */
  landingZones(): Promise<readonly string[]>;
  /** GetLandingZone; undefined on ResourceNotFoundException. */
  landingZone(arn: string): Promise<LandingZoneState | undefined>;
}

/** ListEnabledBaselines: a baseline enabled on an OU, or (a child) on an account of that OU. */
export interface EnabledBaseline {
  readonly arn: string;
  readonly baselineIdentifier: string;
  readonly baselineVersion?: string;
  /** An OU ARN (registered OU) or an account ARN (enrolled account). */
  readonly targetIdentifier: string;
  /** The enabled baseline this one inherits from (an account's: its OU's). */
  readonly parentIdentifier?: string;
  /** statusSummary.status: SUCCEEDED | FAILED | UNDER_CHANGE. */
  readonly status: string;
  /** driftStatusSummary.types.inheritance.status: IN_SYNC | DRIFTED. */
  readonly inheritanceDrift?: string;
}

/** ListControlOperations: an enable, disable or update of a control. */
export interface ControlOperationSummary extends ControlOperation {
  readonly controlIdentifier?: string;
  readonly targetIdentifier?: string;
}

export interface BaselinesPort {
  /** ListEnabledBaselines with includeChildren (every page). */
  enabledBaselines(): Promise<readonly EnabledBaseline[]>;
  /** ListControlOperations filtered to IN_PROGRESS (every page). */
  controlOperationsInFlight(): Promise<readonly ControlOperationSummary[]>;
}

/** One instance of a service-managed StackSet (ListStackInstances). */
export interface StackSetInstance {
  readonly accountId: string;
  readonly region: string;
  /** The OU the instance was deployed through. */
  readonly ouId?: string;
  /** CURRENT | OUTDATED | INOPERABLE. */
  readonly status: string;
  /** StackInstanceStatus.DetailedStatus: SUCCEEDED | FAILED | PENDING | RUNNING | CANCELLED | INOPERABLE | SKIPPED_SUSPENDED_ACCOUNT | FAILED_IMPORT. */
  readonly detailedStatus?: string;
  readonly statusReason?: string;
}

/** DescribeStackSet, the parts the engine reads. */
export interface StackSetState {
  readonly name: string;
  /** ACTIVE | DELETED. */
  readonly status: string;
  readonly permissionModel?: string;
  readonly autoDeployment?: { readonly enabled: boolean; readonly retainStacksOnAccountRemoval?: boolean };
  /** DeploymentTargets.OrganizationalUnitIds the StackSet deploys to. */
  readonly organizationalUnitIds: readonly string[];
}

/** ListStackSetOperations: one create/update/delete operation. */
export interface StackSetOperation {
  readonly operationId: string;
  /** CREATE | UPDATE | DELETE | DETECT_DRIFT. */
  readonly action: string;
  /** RUNNING | SUCCEEDED | FAILED | STOPPING | STOPPED | QUEUED. */
  readonly status: string;
  readonly statusReason?: string;
  readonly creationTimestamp?: Date;
  readonly endTimestamp?: Date;
}

/** CloudFormation StackSets, called from the management account with CallAs SELF. */
export interface StackSetsPort {
  /** DescribeOrganizationsAccess: whether StackSets may deploy through Organizations. */
  organizationsAccess(region: string): Promise<'ENABLED' | 'DISABLED'>;
  /** ActivateOrganizationsAccess (idempotent), then polled until DescribeOrganizationsAccess says ENABLED. */
  activateOrganizationsAccess(region: string): Promise<void>;
  /** Undefined when the StackSet does not exist (StackSetNotFoundException) or is DELETED. */
  stackSet(region: string, name: string): Promise<StackSetState | undefined>;
  /** Every instance (every page). */
  instances(region: string, name: string): Promise<readonly StackSetInstance[]>;
  /** The most recent operations, newest first (one page is enough: the engine reads only those in flight). */
  operations(region: string, name: string): Promise<readonly StackSetOperation[]>;
}

/** IAM in the management account. */
export interface ServiceRolesPort {
  /** The names (of those asked) that exist as roles under this path. */
  existingRoles(names: readonly string[], path: string): Promise<ReadonlySet<string>>;
}

/** `--no-wait`: the toolkit prepares the change set without executing it; this executes it. */
export interface ChangeSetPort {
  executeChangeSet(at: StackLocation, stackName: string, changeSetName: string): Promise<void>;
}

/** Everything the Control Tower section and `estate ct status` read and call besides the env engine. */
export interface ControlTowerDeps {
  readonly controls: ControlsPort;
  readonly landingZones: LandingZonePort;
  readonly baselines: BaselinesPort;
  readonly stackSets: StackSetsPort;
  readonly roles: ServiceRolesPort;
  readonly changeSets: ChangeSetPort;
}
