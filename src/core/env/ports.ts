/**
 * The ports of the environment engine: what core needs from CloudFormation, SSM, S3, STS and
 * the CDK toolkit, in estate's terms. `src/aws/cloudformation.ts` and friends implement the
 * read side with the SDK; `src/aws/toolkit.ts` implements {@link ToolkitPort} with
 * `@aws-cdk/toolkit-lib`, loaded only by the commands that deploy, diff or destroy.
 * Tests implement them with in-memory fakes that behave like CloudFormation.
 *
 * The live stacks and their tags are the engine's only state: nothing here writes a file.
 */
import type { Task } from '../io.js';

/** Where a stack lives. Every call names it: one run spans many accounts and regions. */
export interface StackLocation {
  readonly accountId: string;
  readonly region: string;
}

/** A CloudFormation stack as DescribeStacks shows it. */
export interface DeployedStack {
  readonly name: string;
  /** The stack id (ARN). */
  readonly id: string;
  /** CREATE_COMPLETE, UPDATE_ROLLBACK_COMPLETE, DELETE_FAILED, ... */
  readonly status: string;
  readonly statusReason?: string;
  readonly createdAt: Date;
  readonly updatedAt?: Date;
  readonly description?: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly outputs: Readonly<Record<string, string>>;
  readonly parameters: Readonly<Record<string, string>>;
  readonly terminationProtection: boolean;
}

/** A resource of a stack (ListStackResources). */
export interface StackResource {
  readonly logicalId: string;
  readonly physicalId?: string;
  readonly type: string;
  readonly status: string;
  readonly statusReason?: string;
}

/** Why a stack operation failed: the first resource that did, and CloudFormation's words. */
export interface StackFailure {
  readonly logicalId: string;
  readonly resourceType?: string;
  readonly status: string;
  readonly reason: string;
}

export interface StackDrift {
  readonly status: 'IN_SYNC' | 'DRIFTED' | 'NOT_CHECKED' | 'UNKNOWN';
  readonly drifted: readonly { logicalId: string; resourceType: string; status: string }[];
}

/** CloudFormation's read side, and the writes core makes directly. */
export interface StacksPort {
  /** Every stack that is not DELETE_COMPLETE, with tags, outputs and parameters (every page). */
  listStacks(at: StackLocation): Promise<readonly DeployedStack[]>;
  /** One stack by name; undefined when it does not exist (or is DELETE_COMPLETE). */
  describeStack(at: StackLocation, name: string): Promise<DeployedStack | undefined>;
  /** The template as deployed (GetTemplate, stage Original), parsed from JSON or YAML. */
  deployedTemplate(at: StackLocation, name: string): Promise<unknown>;
  /** Every resource of the stack (every page). */
  stackResources(at: StackLocation, name: string): Promise<readonly StackResource[]>;
  /** The failed resource events of the stack's latest operation, oldest first. */
  failures(at: StackLocation, name: string, since?: Date): Promise<readonly StackFailure[]>;
  /** DetectStackDrift, polled to its end state, with the drifted resources. */
  detectDrift(at: StackLocation, name: string): Promise<StackDrift>;
  /**
   * UpdateTerminationProtection. A protected environment's stacks have it on (CloudFormation
   * then refuses DeleteStack); `env destroy --force-protected` turns it off just before the delete.
   */
  setTerminationProtection(at: StackLocation, name: string, enabled: boolean): Promise<void>;
}

export interface BootstrapPort {
  /** The value of SSM `/cdk-bootstrap/<qualifier>/version`; undefined when absent. */
  bootstrapVersion(at: StackLocation, qualifier: string): Promise<number | undefined>;
}

export interface BucketsPort {
  /** Deletes every object version and delete marker (batches of 1,000); returns how many. */
  emptyBucket(at: StackLocation, bucket: string): Promise<number>;
}

export interface IdentityPort {
  /** The account the credentials estate uses for `accountId` really resolve to (GetCallerIdentity). */
  accountOf(accountId: string): Promise<string>;
}

/** How much a stack change widens IAM or security-group permissions (toolkit-lib's words). */
export type PermissionChange = 'none' | 'non-broadening' | 'broadening';

export interface BootstrapRequest {
  readonly at: StackLocation;
  readonly qualifier: string;
  /** Account ids whose principals may deploy here (the management or CI account). */
  readonly trustedAccounts: readonly string[];
  /** Managed policy ARNs the CloudFormation execution role gets. */
  readonly executionPolicies: readonly string[];
  readonly task: Task;
}

export interface StackRequest {
  /** The synthesised cloud assembly holding the stack. */
  readonly assemblyDir: string;
  /** The stack's artifact id in the assembly (hierarchical id). */
  readonly artifactId: string;
  readonly stackName: string;
  readonly at: StackLocation;
  /** Where the toolkit's progress for this stack goes. */
  readonly task: Task;
}

export interface DeployRequest extends StackRequest {
  /** Every stack tag (the template's own and estate's deploy-time ones). */
  readonly tags: Readonly<Record<string, string>>;
  /**
   * Answers the toolkit's deploy confirmation: false leaves the stack untouched
   * (outcome `declined`).
   */
  readonly approve: (change: PermissionChange) => Promise<boolean>;
}

export type DeployOutcome =
  | { readonly status: 'deployed'; readonly outputs: Readonly<Record<string, string>> }
  | { readonly status: 'unchanged'; readonly outputs: Readonly<Record<string, string>> }
  | { readonly status: 'declined'; readonly reason: string }
  | { readonly status: 'failed'; readonly reason: string; readonly failure?: StackFailure };

export type DestroyOutcome =
  | { readonly status: 'destroyed' }
  | { readonly status: 'declined'; readonly reason: string }
  | { readonly status: 'failed'; readonly reason: string; readonly failure?: StackFailure };

export interface ResourceDiff {
  readonly logicalId: string;
  readonly type: string;
  readonly change: 'add' | 'update' | 'replace' | 'remove';
}

export interface StackDiff {
  readonly stackName: string;
  readonly resources: readonly ResourceDiff[];
  readonly permissionChange: PermissionChange;
  /** IAM statement and security-group changes, one readable line each. */
  readonly securityChanges: readonly string[];
  /** The toolkit's formatted diff, for people. */
  readonly text: string;
}

/** The CDK toolkit: the only code that loads `@aws-cdk/toolkit-lib`. */
export interface ToolkitPort {
  bootstrap(request: BootstrapRequest): Promise<void>;
  deploy(request: DeployRequest): Promise<DeployOutcome>;
  diff(request: StackRequest): Promise<StackDiff>;
  /** `confirm` answers the toolkit's destroy confirmation; false gives `declined`. */
  destroy(request: StackRequest & { readonly confirm: () => Promise<boolean> }): Promise<DestroyOutcome>;
}

/** Everything the environment engine is given by the composition root. */
export interface EnvDeps {
  readonly stacks: StacksPort;
  readonly bootstrap: BootstrapPort;
  readonly buckets: BucketsPort;
  readonly identity: IdentityPort;
  /** Loaded on first use: only deploy, diff and destroy call it. */
  readonly toolkit: () => Promise<ToolkitPort>;
}
