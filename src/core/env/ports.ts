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

/**
 * The stack operations the lifecycle services make directly, without the toolkit (they work
 * from live stacks and stack records, never from a synthesis). `src/aws/cloudformation.ts`'s
 * AwsStacks implements it beside {@link StacksPort}.
 */
export interface StackOpsPort {
  /**
   * CreateStack from a template already in S3 (what `env up` and the lifecycle state machine
   * do: the last deploy's template in the CDK bootstrap bucket). Returns the stack id; the
   * caller waits with {@link waitForStack}.
   */
  createStack(at: StackLocation, request: CreateStackRequest): Promise<string>;
  /** DeleteStack (with the CloudFormation execution role when given); the caller waits. */
  deleteStack(at: StackLocation, name: string, roleArn?: string): Promise<void>;
  /**
   * UpdateStack with UsePreviousTemplate, every parameter UsePreviousValue, the stack's own
   * capabilities and role, and these tags: how `env schedule` and `env extend` change
   * estate:expires-at and estate:schedule without touching the template. Resolves when the
   * update has settled (UPDATE_COMPLETE); "No updates are to be performed" is success.
   */
  updateStackTags(at: StackLocation, name: string, tags: Readonly<Record<string, string>>): Promise<void>;
  /**
   * Polls DescribeStacks (by stack id or name) until the stack leaves *_IN_PROGRESS; returns
   * its last state, or undefined when it is gone (DELETE_COMPLETE). Gives up with an error
   * after `timeoutMs`; stops early when `signal` aborts.
   */
  waitForStack(
    at: StackLocation,
    nameOrId: string,
    options?: { readonly timeoutMs?: number; readonly signal?: AbortSignal },
  ): Promise<DeployedStack | undefined>;
}

export interface CreateStackRequest {
  readonly name: string;
  /** https URL of the template object (the endpoint of AWS_ENDPOINT_URL_S3_FOR_CLOUDFORMATION when set). */
  readonly templateUrl: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly parameters?: Readonly<Record<string, string>>;
  /** The CDK bootstrap's CloudFormation execution role. */
  readonly roleArn?: string;
  readonly capabilities: readonly string[];
  readonly terminationProtection?: boolean;
}

/**
 * What the last deploy of one stack left behind, so that `env up` (and the estate-lifecycle
 * state machine, which reads the same parameters) can re-create a deleted stateless stack
 * without synthesising: one SSM String parameter per stack,
 * `/estate/env/<environment>/stacks/<stack name>`, in the environment's region, holding this
 * object as JSON (Standard tier, under 4 KB).
 */
export interface StackRecord {
  readonly version: 1;
  readonly name: string;
  readonly environment: string;
  readonly blueprint: string;
  readonly region: string;
  readonly role: 'stateful' | 'stateless';
  /** Names of the environment's stacks it depends on (created before it, deleted after it). */
  readonly dependsOn: readonly string[];
  /** The template object in the CDK bootstrap bucket (from the assembly's stackTemplateAssetObjectUrl). */
  readonly template: { readonly bucket: string; readonly key: string };
  /** Template-level tags (the deploy-time ones are taken from the live stacks when re-creating). */
  readonly tags: Readonly<Record<string, string>>;
  readonly parameters: Readonly<Record<string, string>>;
  readonly roleArn?: string;
  readonly capabilities: readonly string[];
  /** ISO time of the deploy that wrote it. */
  readonly deployedAt: string;
}

/** SSM parameters under /estate/env/<environment>/ in one account and region. */
export interface RecordsPort {
  /** Every stack record of the environment (GetParametersByPath, every page). */
  stackRecords(at: StackLocation, environment: string): Promise<readonly StackRecord[]>;
  /** Writes (overwrites) one stack record. */
  putStackRecord(at: StackLocation, record: StackRecord): Promise<void>;
  /** Deletes every parameter of the environment under /estate/env/<environment>/ (expiry, destroy). */
  deleteEnvironmentRecords(at: StackLocation, environment: string): Promise<void>;
  /** One value under /estate/env/<environment>/<key> (e.g. `warned`); undefined when absent. */
  value(at: StackLocation, environment: string, key: string): Promise<string | undefined>;
  putValue(at: StackLocation, environment: string, key: string, value: string): Promise<void>;
}

/** One CloudWatch metric summed over a period (GetMetricData, stat Sum). */
export interface MetricQuery {
  /** Unique in one call: [a-z][a-zA-Z0-9_]*. */
  readonly id: string;
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Readonly<Record<string, string>>;
}

export interface MetricsPort {
  /**
   * The sum of each metric from `start` to `end`, by query id (0 when CloudWatch has no
   * datapoints). The adapter splits the queries into calls of at most 500 and follows every
   * NextToken.
   */
  sums(
    at: StackLocation,
    queries: readonly MetricQuery[],
    start: Date,
    end: Date,
  ): Promise<ReadonlyMap<string, number>>;
}

/** How the reaper warns an environment's owner before expiry. */
export interface NotifyPort {
  /** SNS Publish to a topic (its region is the ARN's). */
  publish(topicArn: string, subject: string, message: string): Promise<void>;
  /** SES v2 SendEmail from a verified sender. */
  email(from: string, to: string, subject: string, body: string): Promise<void>;
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
  /**
   * false: prepare the change set `changeSetName` and leave it for ExecuteChangeSet (outcome
   * `deployed` with `changeSetName` set, or `unchanged` when it has nothing to do).
   * @default true - execute it and wait for the stack
   */
  readonly execute?: boolean;
  /** The change set's name; required with execute: false. @default toolkit-lib's own */
  readonly changeSetName?: string;
}

export type DeployOutcome =
  | {
      readonly status: 'deployed';
      readonly outputs: Readonly<Record<string, string>>;
      /** Set when the request had execute: false: the change set prepared, not executed (outputs: the old ones). */
      readonly changeSetName?: string;
    }
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

/** What the lifecycle services (down, up, schedule, extend, reap) need beyond {@link EnvDeps}. */
export interface LifecycleDeps {
  readonly stackOps: StackOpsPort;
  readonly records: RecordsPort;
  readonly metrics: MetricsPort;
  readonly notify: NotifyPort;
}
