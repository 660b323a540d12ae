/**
 * An in-memory CloudFormation, per (account, region), that the emulator serves over the
 * Query protocol so the real toolkit-lib can bootstrap, deploy, diff, list and destroy
 * against it. Spec: cloudformation.md. No real resources exist: a resource is a
 * logical id, a type, a physical id, its evaluated properties and deterministic attribute
 * values; S3 buckets, SSM parameters and IAM roles are mirrored into the S3 and SSM fakes
 * and the role table (the trust rule of AssumeRole reads it).
 */
import { createHash, randomUUID } from 'node:crypto';
import { parse as parseYaml } from 'yaml';
import type { AssumeRolePolicy, QueryService, ServiceCommand } from './server.js';
import type { ProvidedResource, ResourceProvider } from './controltower.js';
import { S3Error, type FakeS3 } from './s3.js';
import type { FakeOrganizations } from './organizations.js';
import type { FakeSsm } from './ssm.js';
import { cloneState, refill, refillArray } from './state.js';

type Json = any;
type Input = Record<string, any>;

export type Operation = 'create' | 'update' | 'delete';

/** A resource that fails: by logical id and/or type (and optionally stack), on an operation. */
export interface ResourceFault {
  readonly logicalId?: string;
  readonly resourceType?: string;
  readonly stackName?: string;
  readonly operation: Operation;
  readonly reason: string;
}

export interface FakeCloudFormationOptions {
  readonly s3: FakeS3;
  readonly ssm: FakeSsm;
  /**
   * The origins a TemplateURL may name (the emulator's URL, as AWS_ENDPOINT_URL_S3_FOR_CLOUDFORMATION
   * gives it). A function, because the port is known only once the emulator listens.
   */
  readonly s3Origins?: () => readonly string[];
  readonly faults?: readonly ResourceFault[];
  /** How many reads (DescribeStacks, DescribeStackEvents) a stack operation stays IN_PROGRESS. @default 0 */
  readonly inProgressPolls?: number;
  /** How many DescribeChangeSet calls a change set stays CREATE_IN_PROGRESS. @default inProgressPolls */
  readonly changeSetPolls?: number;
  /** Items per page of DescribeStacks, ListStacks, DescribeStackEvents, ListStackResources, ListExports, ListChangeSets. @default 100 */
  readonly pageSize?: number;
  /** Account for commands that carry none. @default 000000000000 */
  readonly defaultAccount?: string;
  /**
   * Resource types another fake carries out (FakeControlTower's AWS::ControlTower::*): their
   * create/update and delete become that fake's state, their physical id and attributes its answer.
   */
  readonly providers?: readonly ResourceProvider[];
  /** The organisation service-managed StackSets deploy through (OU membership, the management account). */
  readonly organizations?: FakeOrganizations;
  /** DescribeOrganizationsAccess calls after ActivateOrganizationsAccess before it reads ENABLED. @default 0 */
  readonly organizationsAccessPolls?: number;
}

interface StackSetInstanceRecord {
  account: string;
  region: string;
  ouId: string;
  status: 'CURRENT' | 'OUTDATED' | 'INOPERABLE';
  detailedStatus: string;
  statusReason?: string;
  stackId?: string;
  lastOperationId?: string;
}

interface StackSetRecord {
  id: string;
  name: string;
  account: string;
  region: string;
  status: 'ACTIVE' | 'DELETED';
  description?: string;
  body: string;
  parameters: { ParameterKey: string; ParameterValue: string }[];
  capabilities: string[];
  autoDeployment?: { Enabled: boolean; RetainStacksOnAccountRemoval?: boolean };
  groups: { ouIds: string[]; regions: string[] }[];
  managedExecution?: Json;
  operationPreferences?: Json;
  /** `${account}/${region}` → instance. */
  instances: Map<string, StackSetInstanceRecord>;
  /** Newest first, as ListStackSetOperations answers. */
  operations: Json[];
}

interface Resource {
  logicalId: string;
  type: string;
  physicalId: string;
  /** The name attributes are built from (Ref of a topic is its ARN, its name is this). */
  name: string;
  status: string;
  statusReason?: string;
  timestamp: Date;
  properties: Json;
  /** The template's definition (raw), for change detection. */
  definition: Json;
  drifted?: Json;
  /** GetAtt values a provider answered (they win over the deterministic ones). */
  attributes?: Record<string, string>;
}

interface StackEvent {
  EventId: string;
  StackId: string;
  StackName: string;
  LogicalResourceId: string;
  PhysicalResourceId: string;
  ResourceType: string;
  Timestamp: Date;
  ResourceStatus: string;
  ResourceStatusReason?: string;
  ClientRequestToken?: string;
}

interface Parameter {
  ParameterKey: string;
  ParameterValue: string;
  ResolvedValue?: string;
}

interface Tag {
  Key: string;
  Value: string;
}

interface ChangeSet {
  id: string;
  name: string;
  stackId: string;
  type: 'CREATE' | 'UPDATE';
  status: string;
  executionStatus: string;
  statusReason?: string;
  description?: string;
  created: Date;
  body: string;
  template: Json;
  parameters: Parameter[];
  tags: Tag[];
  capabilities: string[];
  roleArn?: string;
  changes: Json[];
  pollsLeft: number;
}

interface Stack {
  id: string;
  name: string;
  account: string;
  region: string;
  status: string;
  statusReason?: string;
  created: Date;
  updated?: Date;
  deleted?: Date;
  body?: string;
  template?: Json;
  parameters: Parameter[];
  tags: Tag[];
  capabilities: string[];
  roleArn?: string;
  /** The RoleARN its DeleteStack named (recorded, not enforced). */
  deleteRoleArn?: string;
  description?: string;
  terminationProtection: boolean;
  disableRollback: boolean;
  resources: Map<string, Resource>;
  outputs: { OutputKey: string; OutputValue: string; Description?: string; ExportName?: string }[];
  events: StackEvent[];
  changeSets: Map<string, ChangeSet>;
  /** Export names this stack imports. */
  imports: Set<string>;
  pending?: { pollsLeft: number; finish: () => void };
  lastChangeSetId?: string;
  drift?: { id: string; status: string; drifted: number; at: Date };
}

/**
 * CloudFormation's state across a restart: every stack of every account and region (deleted
 * ones too, as ListStacks shows them) with resources, templates, parameters, outputs (so
 * exports), events and change sets; the roles stacks made; StackSets with instances and
 * operations; organisations access (a pending activation with its polls left); the clock.
 */
export interface CloudFormationState {
  readonly regions: Map<string, Omit<Stack, 'pending'>[]>;
  readonly roles: Map<string, Json>;
  readonly rolePaths: Map<string, string>;
  readonly stackSets: StackSetRecord[];
  readonly organizationsAccess: Map<string, 'ENABLED' | 'DISABLED'>;
  readonly accessPending: Map<string, number>;
  readonly clock: number;
}

class CfnError extends Error {
  readonly $metadata = {};
  constructor(
    name: string,
    message: string,
    readonly $status = 400,
  ) {
    super(message);
    this.name = name;
  }
}

const validation = (message: string) => new CfnError('ValidationError', message);

/** A resource operation that failed: its reason becomes the resource's *_FAILED reason. */
class ResourceFailure extends Error {}

const NO_VALUE = Symbol('AWS::NoValue');

const NO_CHANGES =
  "The submitted information didn't contain changes. Submit different information to create a change set.";

const IAM_TYPES = /^AWS::IAM::/;

const NAME_PROPERTY: Record<string, string> = {
  'AWS::S3::Bucket': 'BucketName',
  'AWS::IAM::Role': 'RoleName',
  'AWS::IAM::ManagedPolicy': 'ManagedPolicyName',
  'AWS::IAM::User': 'UserName',
  'AWS::SSM::Parameter': 'Name',
  'AWS::ECR::Repository': 'RepositoryName',
  'AWS::DynamoDB::Table': 'TableName',
  'AWS::Lambda::Function': 'FunctionName',
  'AWS::SNS::Topic': 'TopicName',
  'AWS::SQS::Queue': 'QueueName',
  'AWS::Logs::LogGroup': 'LogGroupName',
  'AWS::Cognito::UserPool': 'UserPoolName',
  'AWS::KMS::Alias': 'AliasName',
  'AWS::CloudFormation::StackSet': 'StackSetName',
};

const hash = (s: string, n = 12) => createHash('sha256').update(s).digest('hex').slice(0, n).toUpperCase();

const list = <T>(v: unknown): T[] => (Array.isArray(v) ? (v as T[]) : []);

function deepEqual(a: Json, b: Json): boolean {
  return JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));
}

function sortKeys(v: Json): Json {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object')
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, sortKeys(v[k])]),
    );
  return v;
}

function parseTemplate(body: string): Json {
  let template: Json;
  try {
    template = body.trim().startsWith('{') ? JSON.parse(body) : parseYaml(body);
  } catch {
    throw validation('Template format error: JSON not well-formed.');
  }
  if (
    !template ||
    typeof template !== 'object' ||
    !template.Resources ||
    Object.keys(template.Resources).length === 0
  )
    throw validation('Template format error: At least one Resources member must be defined.');
  return template;
}

/** Logical ids a value refers to (Ref, GetAtt, Sub) — the implicit dependencies. */
function references(value: Json, out = new Set<string>()): Set<string> {
  if (Array.isArray(value)) value.forEach((v) => references(v, out));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'Ref' && typeof v === 'string') out.add(v);
      else if (k === 'Fn::GetAtt') out.add(Array.isArray(v) ? String(v[0]) : String(v).split('.')[0]!);
      else if (k === 'Fn::Sub') {
        const text = Array.isArray(v) ? String(v[0]) : String(v);
        for (const m of text.matchAll(/\$\{([^!}][^}]*)\}/g)) out.add(m[1]!.split('.')[0]!);
        if (Array.isArray(v)) references(v[1], out);
      } else references(v, out);
    }
  }
  return out;
}

function importsOf(value: Json, out = new Set<string>()): Set<string> {
  if (Array.isArray(value)) value.forEach((v) => importsOf(v, out));
  else if (value && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) {
      if (k === 'Fn::ImportValue' && typeof v === 'string') out.add(v);
      else importsOf(v, out);
    }
  return out;
}

interface EvalContext {
  account: string;
  region: string;
  stackName: string;
  stackId: string;
  params: Record<string, string | string[]>;
  conditions: Record<string, boolean>;
  template: Json;
  resources: Map<string, Resource>;
  exports: Map<string, { value: string; stackId: string }>;
  /** During change set planning a new resource has no physical id yet: this stands in. */
  planning: boolean;
}

export class FakeCloudFormation implements QueryService {
  readonly version = '2010-05-15';
  readonly namespace = 'http://cloudformation.amazonaws.com/doc/2010-05-15/';
  readonly nestedInput = true;
  readonly verbatimErrors = true;
  /** `${account}/${region}` → stacks, deleted ones kept (ListStacks shows them). */
  private readonly regions = new Map<string, Stack[]>();
  /** IAM roles the stacks created: `${account}/${roleName}` → trust policy. */
  readonly roles = new Map<string, Json>();
  /** Their paths (`Path`, default `/`), by the same key. */
  readonly rolePaths = new Map<string, string>();
  /** Service-managed StackSets (AWS::CloudFormation::StackSet resources), deleted ones kept. */
  readonly stackSets: StackSetRecord[] = [];
  /** StackSets' trusted access with Organizations, by management account. */
  readonly organizationsAccess = new Map<string, 'ENABLED' | 'DISABLED'>();
  /** DescribeOrganizationsAccess calls left before a started activation reads ENABLED. */
  private readonly accessPending = new Map<string, number>();
  /** Faults in force; tests may push more between operations. */
  readonly faults: ResourceFault[];
  /** See the options; tests may change them between operations. */
  inProgressPolls: number;
  changeSetPolls: number;
  readonly log: { op: string; input: Input; account: string; region: string }[] = [];
  private clock = 0;

  constructor(readonly options: FakeCloudFormationOptions) {
    this.faults = [...(options.faults ?? [])];
    this.inProgressPolls = options.inProgressPolls ?? 0;
    this.changeSetPolls = options.changeSetPolls ?? this.inProgressPolls;
    // Auto-deployment: an account that arrives in (or moves into) a targeted OU gets its
    // instances at once, as StackSets does, not only when someone next reads the StackSet.
    options.organizations?.onAccountPlaced(() => this.followOrganization());
  }

  /**
   * The state, detached. A stack operation still waiting for polls (`inProgressPolls`) is
   * carried out first: what it would end as is what is kept (a closure cannot be saved). Change
   * sets keep their polls left. Not kept: the call log, faults, poll settings.
   */
  snapshot(): CloudFormationState {
    for (const stacks of this.regions.values())
      for (const stack of stacks)
        if (stack.pending) {
          const { finish } = stack.pending;
          stack.pending = undefined;
          finish();
        }
    return cloneState({
      regions: this.regions,
      roles: this.roles,
      rolePaths: this.rolePaths,
      stackSets: this.stackSets,
      organizationsAccess: this.organizationsAccess,
      accessPending: this.accessPending,
      clock: this.clock,
    });
  }

  restore(state: CloudFormationState): void {
    const s = cloneState(state);
    refill(this.regions, s.regions as Map<string, Stack[]>);
    refill(this.roles, s.roles);
    refill(this.rolePaths, s.rolePaths);
    refillArray(this.stackSets, s.stackSets);
    refill(this.organizationsAccess, s.organizationsAccess);
    refill(this.accessPending, s.accessPending);
    this.clock = s.clock;
  }

  /** Auto-deploying StackSets follow the OU tree now (called when an account is placed). */
  private followOrganization(): void {
    for (const set of this.stackSets)
      if (set.status === 'ACTIVE' && set.autoDeployment?.Enabled)
        try {
          this.syncStackSet(set);
        } catch {
          // An instance that cannot be removed now stays; the next read of the StackSet retries.
        }
  }

  /** Monotonic timestamps, so events order and the toolkit's "since change set" filter hold. */
  private now(): Date {
    this.clock = Math.max(Date.now(), this.clock + 1);
    return new Date(this.clock);
  }

  private stacksOf(account: string, region: string): Stack[] {
    const key = `${account}/${region}`;
    let stacks = this.regions.get(key);
    if (!stacks) this.regions.set(key, (stacks = []));
    return stacks;
  }

  /** A live stack (not DELETE_COMPLETE) by name, or any stack by id. */
  stack(account: string, region: string, nameOrId: string): Stack | undefined {
    const stacks = this.stacksOf(account, region);
    if (nameOrId.startsWith('arn:')) return stacks.find((s) => s.id === nameOrId);
    return stacks.find((s) => s.name === nameOrId && s.status !== 'DELETE_COMPLETE');
  }

  /** The policy the emulator applies to AssumeRole: CDK roles exist only once bootstrapped, and trust whom they say. */
  readonly assumeRolePolicy: AssumeRolePolicy = ({ roleAccount, roleName, callerAccount }) => {
    if (!roleName.startsWith('cdk-')) return undefined;
    const trust = this.roles.get(`${roleAccount}/${roleName}`);
    if (trust === undefined) return `role ${roleName} does not exist in ${roleAccount}`;
    const principals = list<Json>(trust?.Statement).flatMap((s: Json) => {
      const aws = s?.Principal?.AWS;
      return Array.isArray(aws) ? aws : aws ? [aws] : [];
    });
    const trusted = principals.some(
      (p: string) => p === callerAccount || p === `arn:aws:iam::${callerAccount}:root` || p === '*',
    );
    return trusted ? undefined : `${callerAccount} is not trusted by ${roleName}`;
  };

  /** Marks a resource drifted: DetectStackDrift reports it MODIFIED with these actual properties. */
  driftResource(account: string, region: string, stackName: string, logicalId: string, actual: Json): void {
    const resource = this.stack(account, region, stackName)?.resources.get(logicalId);
    if (!resource) throw new Error(`no resource ${logicalId} in ${stackName}`);
    resource.drifted = actual;
  }

  private exportsOf(
    account: string,
    region: string,
  ): Map<string, { value: string; stackId: string; stackName: string }> {
    const out = new Map<string, { value: string; stackId: string; stackName: string }>();
    for (const s of this.stacksOf(account, region))
      if (s.status !== 'DELETE_COMPLETE')
        for (const o of s.outputs)
          if (o.ExportName) out.set(o.ExportName, { value: o.OutputValue, stackId: s.id, stackName: s.name });
    return out;
  }

  private importers(account: string, region: string, exportName: string, except?: Stack): string[] {
    return this.stacksOf(account, region)
      .filter((s) => s !== except && s.status !== 'DELETE_COMPLETE' && s.imports.has(exportName))
      .map((s) => s.name);
  }

  async send(command: ServiceCommand): Promise<any> {
    const op = command.constructor.name.replace(/Command$/, '');
    const input = command.input ?? {};
    const account = command.account ?? this.options.defaultAccount ?? '000000000000';
    const region = command.region ?? 'us-east-1';
    this.log.push({ op, input, account, region });
    const handler = (this as unknown as Record<string, (i: Input, a: string, r: string) => unknown>)[
      `on${op}`
    ];
    if (!handler) throw new CfnError('InvalidAction', `CloudFormation ${op} is not emulated`);
    return (await handler.call(this, input, account, region)) ?? {};
  }

  // ---------- reading ----------

  /** One read of the stack: an operation that waits for polls moves on. */
  private poll(stack: Stack): void {
    if (!stack.pending) return;
    if (stack.pending.pollsLeft-- > 0) return;
    const { finish } = stack.pending;
    stack.pending = undefined;
    finish();
  }

  private mustStack(account: string, region: string, nameOrId: string | undefined): Stack {
    const stack = nameOrId ? this.stack(account, region, nameOrId) : undefined;
    if (!stack) throw validation(`Stack with id ${nameOrId} does not exist`);
    return stack;
  }

  private page<T>(items: T[], token: string | undefined, op: string): { items: T[]; next?: string } {
    const size = this.options.pageSize ?? 100;
    let start = 0;
    if (token) {
      try {
        const parsed = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as {
          op: string;
          at: number;
        };
        if (parsed.op !== op || !Number.isInteger(parsed.at)) throw new Error('foreign');
        start = parsed.at;
      } catch {
        throw validation('Invalid NextToken');
      }
    }
    const slice = items.slice(start, start + size);
    const next =
      start + size < items.length
        ? Buffer.from(JSON.stringify({ op, at: start + size })).toString('base64')
        : undefined;
    return { items: slice, ...(next ? { next } : {}) };
  }

  /** A page of something listed per stack (events, resources, change sets, drifts). */
  private stackPage<T>(
    input: Input,
    account: string,
    region: string,
    op: string,
    itemsOf: (stack: Stack) => T[],
  ) {
    const stack = this.mustStack(account, region, input.StackName);
    return { stack, ...this.page(itemsOf(stack), input.NextToken, `${op}/${stack.id}`) };
  }

  private view(stack: Stack): Json {
    const noEcho = new Set(
      Object.entries(stack.template?.Parameters ?? {})
        .filter(([, p]: [string, Json]) => String(p?.NoEcho) === 'true')
        .map(([k]) => k),
    );
    return {
      StackId: stack.id,
      StackName: stack.name,
      ...(stack.lastChangeSetId ? { ChangeSetId: stack.lastChangeSetId } : {}),
      ...(stack.description ? { Description: stack.description } : {}),
      Parameters: stack.parameters.map((p) =>
        noEcho.has(p.ParameterKey) ? { ...p, ParameterValue: '****' } : p,
      ),
      CreationTime: stack.created,
      ...(stack.updated ? { LastUpdatedTime: stack.updated } : {}),
      ...(stack.deleted ? { DeletionTime: stack.deleted } : {}),
      RollbackConfiguration: {},
      StackStatus: stack.status,
      ...(stack.statusReason ? { StackStatusReason: stack.statusReason } : {}),
      DisableRollback: stack.disableRollback,
      NotificationARNs: [],
      Capabilities: stack.capabilities,
      Outputs: stack.outputs,
      ...(stack.roleArn ? { RoleARN: stack.roleArn } : {}),
      Tags: stack.tags,
      EnableTerminationProtection: stack.terminationProtection,
      DriftInformation: { StackDriftStatus: stack.drift?.status ?? 'NOT_CHECKED' },
    };
  }

  onDescribeStacks(input: Input, account: string, region: string) {
    if (input.StackName) {
      const stack = this.mustStack(account, region, input.StackName);
      this.poll(stack);
      return { Stacks: [this.view(stack)] };
    }
    const live = this.stacksOf(account, region).filter((s) => s.status !== 'DELETE_COMPLETE');
    live.forEach((s) => this.poll(s));
    const { items, next } = this.page(live, input.NextToken, 'DescribeStacks');
    return { Stacks: items.map((s) => this.view(s)), ...(next ? { NextToken: next } : {}) };
  }

  onListStacks(input: Input, account: string, region: string) {
    const filter = list<string>(input.StackStatusFilter);
    const stacks = this.stacksOf(account, region).filter(
      (s) => filter.length === 0 || filter.includes(s.status),
    );
    const { items, next } = this.page([...stacks].reverse(), input.NextToken, 'ListStacks');
    return {
      StackSummaries: items.map((s) => ({
        StackId: s.id,
        StackName: s.name,
        ...(s.description ? { TemplateDescription: s.description } : {}),
        CreationTime: s.created,
        ...(s.updated ? { LastUpdatedTime: s.updated } : {}),
        ...(s.deleted ? { DeletionTime: s.deleted } : {}),
        StackStatus: s.status,
        ...(s.statusReason ? { StackStatusReason: s.statusReason } : {}),
        DriftInformation: { StackDriftStatus: s.drift?.status ?? 'NOT_CHECKED' },
      })),
      ...(next ? { NextToken: next } : {}),
    };
  }

  onDescribeStackEvents(input: Input, account: string, region: string) {
    const stack = this.mustStack(account, region, input.StackName);
    this.poll(stack);
    const newestFirst = [...stack.events].reverse();
    const { items, next } = this.page(newestFirst, input.NextToken, `DescribeStackEvents/${stack.id}`);
    return { StackEvents: items, ...(next ? { NextToken: next } : {}) };
  }

  private resourceView(stack: Stack, r: Resource) {
    return {
      StackName: stack.name,
      StackId: stack.id,
      LogicalResourceId: r.logicalId,
      PhysicalResourceId: r.physicalId,
      ResourceType: r.type,
      Timestamp: r.timestamp,
      ResourceStatus: r.status,
      ...(r.statusReason ? { ResourceStatusReason: r.statusReason } : {}),
      DriftInformation: {
        StackResourceDriftStatus: stack.drift ? (r.drifted ? 'MODIFIED' : 'IN_SYNC') : 'NOT_CHECKED',
      },
    };
  }

  onDescribeStackResources(input: Input, account: string, region: string) {
    const stack = this.mustStack(account, region, input.StackName);
    const resources = [...stack.resources.values()].filter(
      (r) => !input.LogicalResourceId || r.logicalId === input.LogicalResourceId,
    );
    return { StackResources: resources.map((r) => this.resourceView(stack, r)) };
  }

  onDescribeStackResource(input: Input, account: string, region: string) {
    const stack = this.mustStack(account, region, input.StackName);
    const r = stack.resources.get(input.LogicalResourceId);
    if (!r) throw validation(`Resource ${input.LogicalResourceId} does not exist for stack ${stack.name}`);
    const { Timestamp, ...rest } = this.resourceView(stack, r);
    return {
      StackResourceDetail: {
        ...rest,
        LastUpdatedTimestamp: Timestamp,
        Metadata: JSON.stringify(r.definition?.Metadata ?? {}),
      },
    };
  }

  onListStackResources(input: Input, account: string, region: string) {
    const { stack, items, next } = this.stackPage(input, account, region, 'ListStackResources', (stack) => [
      ...stack.resources.values(),
    ]);
    return {
      StackResourceSummaries: items.map((r) => {
        const { Timestamp, StackName: _n, StackId: _i, ...rest } = this.resourceView(stack, r);
        return { ...rest, LastUpdatedTimestamp: Timestamp };
      }),
      ...(next ? { NextToken: next } : {}),
    };
  }

  onGetTemplate(input: Input, account: string, region: string) {
    const stack = this.mustStack(account, region, input.StackName);
    if (input.ChangeSetName) {
      const cs = this.changeSet(stack, input.ChangeSetName);
      return { TemplateBody: cs.body, StagesAvailable: ['Original', 'Processed'] };
    }
    // A stack its first change set left in REVIEW_IN_PROGRESS has no template yet: toolkit-lib reads
    // it (readCurrentTemplateWithNestedStacks) before asking to execute that change set.
    if (stack.body === undefined && stack.status === 'REVIEW_IN_PROGRESS')
      return { TemplateBody: '{}', StagesAvailable: ['Original', 'Processed'] };
    if (stack.body === undefined) throw validation(`Stack with id ${input.StackName} does not exist`);
    return { TemplateBody: stack.body, StagesAvailable: ['Original', 'Processed'] };
  }

  onGetTemplateSummary(input: Input, account: string, region: string) {
    const template = input.StackName
      ? (this.mustStack(account, region, input.StackName).template ?? {})
      : parseTemplate(this.templateBody(input, account, undefined));
    const capabilities = this.requiredCapabilities(template);
    return {
      Parameters: Object.entries(template.Parameters ?? {}).map(([k, p]: [string, Json]) => ({
        ParameterKey: k,
        ...(p.Default !== undefined ? { DefaultValue: String(p.Default) } : {}),
        ParameterType: p.Type,
        NoEcho: String(p.NoEcho) === 'true',
        ...(p.Description ? { Description: p.Description } : {}),
        ParameterConstraints: p.AllowedValues ? { AllowedValues: p.AllowedValues.map(String) } : {},
      })),
      ...(template.Description ? { Description: template.Description } : {}),
      Capabilities: capabilities,
      ...(capabilities.length
        ? { CapabilitiesReason: 'The following resource(s) require capabilities: [AWS::IAM::Role]' }
        : {}),
      ResourceTypes: [...new Set(Object.values(template.Resources ?? {}).map((r: Json) => r.Type))],
      Version: template.AWSTemplateFormatVersion ?? '2010-09-09',
      ...(template.Metadata ? { Metadata: JSON.stringify(template.Metadata) } : {}),
      DeclaredTransforms: [],
      ResourceIdentifierSummaries: [],
    };
  }

  onValidateTemplate(input: Input, account: string, _region: string) {
    const template = parseTemplate(this.templateBody(input, account, undefined));
    return {
      Parameters: Object.entries(template.Parameters ?? {}).map(([k, p]: [string, Json]) => ({
        ParameterKey: k,
        ...(p.Default !== undefined ? { DefaultValue: String(p.Default) } : {}),
        NoEcho: String(p.NoEcho) === 'true',
      })),
      ...(template.Description ? { Description: template.Description } : {}),
      Capabilities: this.requiredCapabilities(template),
    };
  }

  onListExports(input: Input, account: string, region: string) {
    const all = [...this.exportsOf(account, region).entries()].map(([Name, e]) => ({
      ExportingStackId: e.stackId,
      Name,
      Value: e.value,
    }));
    const { items, next } = this.page(all, input.NextToken, 'ListExports');
    return { Exports: items, ...(next ? { NextToken: next } : {}) };
  }

  onListImports(input: Input, account: string, region: string) {
    const names = this.importers(account, region, input.ExportName);
    if (names.length === 0) throw validation(`Export '${input.ExportName}' is not imported by any stack.`);
    return { Imports: names };
  }

  // ---------- change sets ----------

  private changeSet(stack: Stack, nameOrId: string): ChangeSet {
    const cs = [...stack.changeSets.values()].find((c) => c.id === nameOrId || c.name === nameOrId);
    if (!cs) throw new CfnError('ChangeSetNotFound', `ChangeSet [${nameOrId}] does not exist`, 404);
    return cs;
  }

  /** A change set by ARN needs no stack name. */
  private findChangeSet(account: string, region: string, input: Input): { stack: Stack; cs: ChangeSet } {
    const name = String(input.ChangeSetName ?? '');
    if (name.startsWith('arn:')) {
      for (const stack of this.stacksOf(account, region)) {
        const cs = [...stack.changeSets.values()].find((c) => c.id === name);
        if (cs) return { stack, cs };
      }
      throw new CfnError('ChangeSetNotFound', `ChangeSet [${name}] does not exist`, 404);
    }
    const stack = this.mustStack(account, region, input.StackName);
    return { stack, cs: this.changeSet(stack, name) };
  }

  private templateBody(input: Input, account: string, previous: Stack | undefined): string {
    if (String(input.UsePreviousTemplate) === 'true') {
      if (!previous?.body) throw validation('UsePreviousTemplate is only valid for an existing stack');
      return previous.body;
    }
    if (typeof input.TemplateBody === 'string') return input.TemplateBody;
    if (typeof input.TemplateURL === 'string') {
      let url: URL;
      try {
        url = new URL(input.TemplateURL);
      } catch {
        throw validation('TemplateURL must be a supported URL.');
      }
      const origins = this.options.s3Origins?.() ?? [];
      if (!origins.includes(url.origin)) throw validation('TemplateURL must be a supported URL.');
      const [, bucket = '', ...key] = decodeURIComponent(url.pathname).split('/');
      const bucketState = this.options.s3.buckets.get(bucket);
      if (!bucketState) throw validation('S3 error: The specified bucket does not exist');
      if (bucketState.account !== account) throw validation('S3 error: Access Denied');
      const object = this.options.s3.object(bucket, key.join('/'));
      if (!object) throw validation('S3 error: The specified key does not exist.');
      return object.body.toString('utf8');
    }
    throw validation('Either Template URL or Template Body must be specified.');
  }

  private requiredCapabilities(template: Json): string[] {
    const iam = Object.values(template.Resources ?? {}).filter((r: Json) => IAM_TYPES.test(r?.Type));
    if (iam.length === 0) return [];
    const named = iam.some(
      (r: Json) =>
        r.Properties && NAME_PROPERTY[r.Type] && r.Properties[NAME_PROPERTY[r.Type]!] !== undefined,
    );
    return [named ? 'CAPABILITY_NAMED_IAM' : 'CAPABILITY_IAM'];
  }

  /** Parameter values from the request, previous values and defaults; SSM types resolved. */
  private resolveParameters(
    template: Json,
    given: Input[],
    previous: Stack | undefined,
    account: string,
    region: string,
  ): Parameter[] {
    const declared = template.Parameters ?? {};
    const unknown = given.map((p) => p.ParameterKey).filter((k) => !(k in declared));
    if (unknown.length) throw validation(`Parameters: [${unknown.join(', ')}] do not exist in the template`);
    const out: Parameter[] = [];
    const missing: string[] = [];
    for (const [key, decl] of Object.entries(declared) as [string, Json][]) {
      const g = given.find((p) => p.ParameterKey === key);
      let value: string | undefined;
      if (g && String(g.UsePreviousValue) === 'true') {
        value = previous?.parameters.find((p) => p.ParameterKey === key)?.ParameterValue;
        if (value === undefined)
          throw validation(
            `Invalid input for parameter key ${key}. Cannot specify usePreviousValue as true for a parameter key not in the previous template`,
          );
      } else if (g) value = String(g.ParameterValue ?? '');
      else if (decl.Default !== undefined) value = String(decl.Default);
      if (value === undefined) {
        missing.push(key);
        continue;
      }
      if (decl.AllowedValues && !list<Json>(decl.AllowedValues).map(String).includes(value))
        throw validation(`Parameter '${key}' must be one of AllowedValues`);
      if (decl.AllowedPattern && !new RegExp(`^(?:${decl.AllowedPattern})$`).test(value))
        throw validation(
          `Parameter ${key} failed to satisfy constraint: ${decl.ConstraintDescription ?? `Must match pattern ${decl.AllowedPattern}`}`,
        );
      const ssm = /^AWS::SSM::Parameter::Value<(.+)>$/.exec(String(decl.Type));
      if (ssm) {
        const stored = this.options.ssm.get(account, region, value);
        if (!stored)
          throw validation(`Unable to fetch parameters [${value}] from parameter store for this account.`);
        out.push({ ParameterKey: key, ParameterValue: value, ResolvedValue: stored.Value });
      } else out.push({ ParameterKey: key, ParameterValue: value });
    }
    if (missing.length) throw validation(`Parameters: [${missing.join(', ')}] must have values`);
    return out;
  }

  private context(
    stack: Stack,
    template: Json,
    parameters: Parameter[],
    resources: Map<string, Resource>,
    planning: boolean,
  ): EvalContext {
    const params: Record<string, string | string[]> = {};
    for (const p of parameters) {
      const type = String(template.Parameters?.[p.ParameterKey]?.Type ?? 'String');
      const value = p.ResolvedValue ?? p.ParameterValue;
      params[p.ParameterKey] = /List<|CommaDelimitedList/.test(type)
        ? value === ''
          ? []
          : value.split(',').map((s) => s.trim())
        : value;
    }
    const ctx: EvalContext = {
      account: stack.account,
      region: stack.region,
      stackName: stack.name,
      stackId: stack.id,
      params,
      conditions: {},
      template,
      resources,
      exports: this.exportsOf(stack.account, stack.region),
      planning,
    };
    const raw = template.Conditions ?? {};
    const evaluating = new Set<string>();
    const condition = (name: string): boolean => {
      if (name in ctx.conditions) return ctx.conditions[name]!;
      if (!(name in raw))
        throw validation(
          `Template format error: Unresolved dependencies [${name}]. Cannot reference resources in the Conditions block of the template`,
        );
      if (evaluating.has(name)) throw validation(`Template error: circular condition ${name}`);
      evaluating.add(name);
      const value = Boolean(this.evaluate(raw[name], ctx, condition));
      ctx.conditions[name] = value;
      return value;
    };
    for (const name of Object.keys(raw)) condition(name);
    return ctx;
  }

  /** Evaluates intrinsic functions; `condition` resolves condition names (Fn::If, Condition). */
  private evaluate(value: Json, ctx: EvalContext, condition?: (name: string) => boolean): Json {
    const cond =
      condition ??
      ((name: string) => {
        if (!(name in ctx.conditions))
          throw validation(`Template format error: Unresolved condition dependency ${name}`);
        return ctx.conditions[name]!;
      });
    const ev = (v: Json): Json => this.evaluate(v, ctx, cond);
    if (Array.isArray(value)) return value.map(ev).filter((v) => v !== NO_VALUE);
    if (!value || typeof value !== 'object') return value;
    const keys = Object.keys(value);
    if (keys.length === 1) {
      const [fn] = keys as [string];
      const arg = value[fn];
      switch (fn) {
        case 'Ref':
          return this.ref(String(arg), ctx);
        case 'Fn::GetAtt': {
          const [logical, ...attr] = Array.isArray(arg)
            ? [String(arg[0]), String(ev(arg[1]))]
            : String(arg).split('.');
          return this.getAtt(logical!, attr.join('.'), ctx);
        }
        case 'Fn::Sub': {
          const [text, vars] = Array.isArray(arg) ? [String(arg[0]), ev(arg[1] ?? {})] : [String(arg), {}];
          return text.replace(/\$\{([^}]+)\}/g, (_m, name: string) => {
            if (name.startsWith('!')) return `\${${name.slice(1)}}`;
            if (name in vars) return String(vars[name]);
            if (name.includes('.') && !name.startsWith('AWS::')) {
              const [logical, ...attr] = name.split('.');
              return String(this.getAtt(logical!, attr.join('.'), ctx));
            }
            return String(this.ref(name, ctx));
          });
        }
        case 'Fn::Join': {
          const parts = ev(arg[1]);
          if (!Array.isArray(parts))
            throw validation(
              'Template error: every Fn::Join object requires two parameters, (1) a string delimiter and (2) a list of strings to be joined or a function that returns a list of strings (such as Fn::GetAZs) to be joined.',
            );
          return parts.map(String).join(String(arg[0]));
        }
        case 'Fn::Select': {
          const items = ev(arg[1]);
          const index = Number(ev(arg[0]));
          if (!Array.isArray(items) || !(index >= 0 && index < items.length))
            throw validation('Template error: Fn::Select cannot select nonexistent value at index ' + index);
          return items[index];
        }
        case 'Fn::Split':
          return String(ev(arg[1])).split(String(arg[0]));
        case 'Fn::If':
          return cond(String(arg[0])) ? ev(arg[1]) : ev(arg[2]);
        case 'Fn::Equals':
          return deepEqual(ev(arg[0]), ev(arg[1])) || String(ev(arg[0])) === String(ev(arg[1]));
        case 'Fn::Not':
          return !ev(arg[0]);
        case 'Fn::And':
          return list<Json>(arg).every((a) => Boolean(ev(a)));
        case 'Fn::Or':
          return list<Json>(arg).some((a) => Boolean(ev(a)));
        case 'Condition':
          return cond(String(arg));
        case 'Fn::Contains': {
          const items = ev(arg[0]);
          return Array.isArray(items) && items.map(String).includes(String(ev(arg[1])));
        }
        case 'Fn::ImportValue': {
          const name = String(ev(arg));
          const exported = ctx.exports.get(name);
          if (!exported) throw validation(`No export named ${name} found. Rollback requested by user.`);
          return exported.value;
        }
        case 'Fn::GetAZs':
          return ['a', 'b', 'c'].map((z) => `${String(ev(arg)) || ctx.region}${z}`);
        case 'Fn::Base64':
          return Buffer.from(String(ev(arg))).toString('base64');
        case 'Fn::FindInMap': {
          const [map, top, second] = list<Json>(arg).map(ev);
          const found = ctx.template.Mappings?.[map]?.[top]?.[second];
          if (found === undefined)
            throw validation(`Template error: Unable to get mapping for ${map}::${top}::${second}`);
          return found;
        }
        case 'Fn::Length':
          return list<Json>(ev(arg)).length;
        case 'Fn::ToJsonString':
          return JSON.stringify(ev(arg));
        default:
          if (fn.startsWith('Fn::')) throw validation(`Template format error: ${fn} is not emulated`);
      }
    }
    const out: Record<string, Json> = {};
    for (const [k, v] of Object.entries(value)) {
      const e = ev(v);
      if (e !== NO_VALUE) out[k] = e;
    }
    return out;
  }

  private ref(name: string, ctx: EvalContext): Json {
    switch (name) {
      case 'AWS::AccountId':
        return ctx.account;
      case 'AWS::Region':
        return ctx.region;
      case 'AWS::StackName':
        return ctx.stackName;
      case 'AWS::StackId':
        return ctx.stackId;
      case 'AWS::Partition':
        return 'aws';
      case 'AWS::URLSuffix':
        return 'amazonaws.com';
      case 'AWS::NoValue':
        return NO_VALUE;
      case 'AWS::NotificationARNs':
        return [];
    }
    if (name in ctx.params) return ctx.params[name];
    const r = ctx.resources.get(name);
    if (r) return r.physicalId;
    if (ctx.planning && ctx.template.Resources?.[name]) return `{{Ref:${name}}}`;
    throw validation(
      `Template format error: Unresolved resource dependencies [${name}] in the Resources block of the template`,
    );
  }

  private getAtt(logical: string, attr: string, ctx: EvalContext): Json {
    const r = ctx.resources.get(logical);
    if (!r) {
      if (ctx.planning && ctx.template.Resources?.[logical]) return `{{GetAtt:${logical}.${attr}}}`;
      throw validation(`Template error: instance of Fn::GetAtt references undefined resource ${logical}`);
    }
    return attributeOf(r, attr, ctx.account, ctx.region);
  }

  onCreateChangeSet(input: Input, account: string, region: string) {
    const name = String(input.ChangeSetName ?? '');
    if (!/^[a-zA-Z][-a-zA-Z0-9]{0,127}$/.test(name))
      throw validation(
        `1 validation error detected: Value '${name}' at 'changeSetName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z][-a-zA-Z0-9]*`,
      );
    const type = (input.ChangeSetType ?? 'UPDATE') as 'CREATE' | 'UPDATE';
    const stackName = String(input.StackName ?? '');
    let stack = this.stack(account, region, stackName);
    if (type === 'CREATE' && stack && stack.status !== 'REVIEW_IN_PROGRESS')
      throw new CfnError(
        'AlreadyExistsException',
        `Stack [${stackName}] already exists and cannot be created again with the changeSet [${name}].`,
      );
    if (type === 'UPDATE') {
      if (!stack) throw validation(`Stack [${stackName}] does not exist`);
      if (
        stack.status === 'REVIEW_IN_PROGRESS' ||
        stack.status.endsWith('_IN_PROGRESS') ||
        stack.status === 'ROLLBACK_COMPLETE' ||
        stack.status.endsWith('_FAILED')
      )
        throw validation(`Stack:${stack.id} is in ${stack.status} state and can not be updated.`);
    }
    if (stack?.changeSets.has(name))
      throw new CfnError('AlreadyExistsException', `ChangeSet ${name} already exists`);
    const body = this.templateBody(input, account, stack);
    const template = parseTemplate(body);
    const required = this.requiredCapabilities(template);
    const given = list<string>(input.Capabilities);
    const lacking = required.filter(
      (c) => !given.includes(c) && !(c === 'CAPABILITY_IAM' && given.includes('CAPABILITY_NAMED_IAM')),
    );
    if (lacking.length)
      throw new CfnError(
        'InsufficientCapabilitiesException',
        `Requires capabilities : [${lacking.join(',')}]`,
      );
    const parameters = this.resolveParameters(
      template,
      list<Input>(input.Parameters),
      stack,
      account,
      region,
    );
    if (!stack) {
      stack = {
        id: `arn:aws:cloudformation:${region}:${account}:stack/${stackName}/${randomUUID()}`,
        name: stackName,
        account,
        region,
        status: 'REVIEW_IN_PROGRESS',
        statusReason: 'User Initiated',
        created: this.now(),
        parameters: [],
        tags: [],
        capabilities: [],
        terminationProtection: false,
        disableRollback: false,
        resources: new Map(),
        outputs: [],
        events: [],
        changeSets: new Map(),
        imports: new Set(),
      };
      this.stacksOf(account, region).push(stack);
      this.event(
        stack,
        stack.name,
        stack.id,
        'AWS::CloudFormation::Stack',
        'REVIEW_IN_PROGRESS',
        'User Initiated',
      );
    }
    this.checkRules(template, stack, parameters);
    const tags = input.Tags === undefined ? stack.tags : list<Tag>(input.Tags);
    const cs: ChangeSet = {
      id: `arn:aws:cloudformation:${region}:${account}:changeSet/${name}/${randomUUID()}`,
      name,
      stackId: stack.id,
      type,
      status: 'CREATE_PENDING',
      executionStatus: 'UNAVAILABLE',
      ...(input.Description ? { description: String(input.Description) } : {}),
      created: this.now(),
      body,
      template,
      parameters,
      tags,
      capabilities: given,
      ...(input.RoleARN ? { roleArn: String(input.RoleARN) } : {}),
      changes: [],
      pollsLeft: this.changeSetPolls,
    };
    stack.changeSets.set(name, cs);
    if (cs.pollsLeft === 0) this.planChangeSet(stack, cs);
    return { Id: cs.id, StackId: stack.id };
  }

  private checkRules(template: Json, stack: Stack, parameters: Parameter[]): void {
    const ctx = this.context(stack, template, parameters, new Map(), true);
    for (const rule of Object.values(template.Rules ?? {}) as Json[]) {
      if (rule.RuleCondition !== undefined && !this.evaluate(rule.RuleCondition, ctx)) continue;
      for (const assertion of list<Json>(rule.Assertions))
        if (!this.evaluate(assertion.Assert, ctx))
          throw validation(String(assertion.AssertDescription ?? 'Template error: rule assertion failed'));
    }
  }

  /** Works out the change set's Changes (or why it failed). */
  private planChangeSet(stack: Stack, cs: ChangeSet): void {
    try {
      const ctx = this.context(stack, cs.template, cs.parameters, new Map(stack.resources), true);
      const changes: Json[] = [];
      const wanted = Object.entries(cs.template.Resources as Record<string, Json>).filter(
        ([, r]) => !r.Condition || ctx.conditions[r.Condition],
      );
      const tagsChanged = !deepEqual(cs.tags, stack.tags) && stack.status !== 'REVIEW_IN_PROGRESS';
      for (const [logicalId, def] of wanted) {
        const props = this.evaluate(def.Properties ?? {}, ctx);
        const old = stack.resources.get(logicalId);
        if (!old || old.type !== def.Type) {
          changes.push(resourceChange('Add', logicalId, def.Type, undefined, undefined, props));
          continue;
        }
        if (!deepEqual(old.properties, props) || !deepEqual(old.definition, def) || tagsChanged) {
          const newName = this.physicalName(stack, logicalId, def.Type, props);
          const replacement = newName !== old.name ? 'True' : 'False';
          const changed = Object.keys({ ...old.properties, ...props }).filter(
            (k) => !deepEqual(old.properties[k], props[k]),
          );
          changes.push({
            ...resourceChange('Modify', logicalId, def.Type, old.physicalId, old.properties, props),
            ResourceChange: {
              ...resourceChange('Modify', logicalId, def.Type, old.physicalId, old.properties, props)
                .ResourceChange,
              Replacement: replacement,
              Scope: changed.length ? ['Properties'] : ['Tags'],
              Details: changed.map((p) => ({
                Target: {
                  Attribute: 'Properties',
                  Name: p,
                  RequiresRecreation:
                    replacement === 'True' && p === NAME_PROPERTY[def.Type] ? 'Always' : 'Never',
                },
                Evaluation: 'Static',
                ChangeSource: 'DirectModification',
              })),
            },
          });
        }
      }
      for (const [logicalId, old] of stack.resources)
        if (!wanted.some(([id]) => id === logicalId))
          changes.push(
            resourceChange('Remove', logicalId, old.type, old.physicalId, old.properties, undefined),
          );
      // Evaluate outputs now: a missing import fails the change set as AWS does.
      for (const output of Object.values(cs.template.Outputs ?? {}) as Json[])
        if (!output.Condition || ctx.conditions[output.Condition]) this.evaluate(output.Value, ctx);
      const sameAsLive =
        stack.status !== 'REVIEW_IN_PROGRESS' &&
        deepEqual(cs.template, stack.template) &&
        deepEqual(cs.parameters, stack.parameters) &&
        deepEqual(cs.tags, stack.tags);
      cs.changes = changes;
      if (changes.length === 0 && sameAsLive) {
        cs.status = 'FAILED';
        cs.statusReason = NO_CHANGES;
      } else {
        cs.status = 'CREATE_COMPLETE';
        cs.executionStatus = 'AVAILABLE';
      }
    } catch (error) {
      cs.status = 'FAILED';
      cs.statusReason = (error as Error).message;
    }
  }

  onDescribeChangeSet(input: Input, account: string, region: string) {
    const { stack, cs } = this.findChangeSet(account, region, input);
    if (cs.status === 'CREATE_PENDING' || cs.status === 'CREATE_IN_PROGRESS') {
      if (cs.pollsLeft-- > 0) cs.status = 'CREATE_IN_PROGRESS';
      else this.planChangeSet(stack, cs);
    } else this.poll(stack);
    const withValues = String(input.IncludePropertyValues) === 'true';
    return {
      ChangeSetName: cs.name,
      ChangeSetId: cs.id,
      StackId: stack.id,
      StackName: stack.name,
      ...(cs.description ? { Description: cs.description } : {}),
      Parameters: cs.parameters,
      CreationTime: cs.created,
      ExecutionStatus: cs.executionStatus,
      Status: cs.status,
      ...(cs.statusReason ? { StatusReason: cs.statusReason } : {}),
      NotificationARNs: [],
      Capabilities: cs.capabilities,
      Tags: cs.tags,
      Changes: withValues
        ? cs.changes
        : cs.changes.map((c) => {
            const { BeforeContext: _b, AfterContext: _a, ...rest } = c.ResourceChange;
            return { ...c, ResourceChange: rest };
          }),
      IncludeNestedStacks: false,
    };
  }

  onListChangeSets(input: Input, account: string, region: string) {
    const { stack, items, next } = this.stackPage(input, account, region, 'ListChangeSets', (stack) => [
      ...stack.changeSets.values(),
    ]);
    return {
      Summaries: items.map((cs) => ({
        StackId: stack.id,
        StackName: stack.name,
        ChangeSetId: cs.id,
        ChangeSetName: cs.name,
        ExecutionStatus: cs.executionStatus,
        Status: cs.status,
        ...(cs.statusReason ? { StatusReason: cs.statusReason } : {}),
        CreationTime: cs.created,
        ...(cs.description ? { Description: cs.description } : {}),
      })),
      ...(next ? { NextToken: next } : {}),
    };
  }

  onDeleteChangeSet(input: Input, account: string, region: string) {
    const name = String(input.ChangeSetName ?? '');
    let stack: Stack | undefined;
    if (name.startsWith('arn:'))
      stack = this.stacksOf(account, region).find((s) =>
        [...s.changeSets.values()].some((c) => c.id === name),
      );
    stack ??= this.mustStack(account, region, input.StackName);
    const cs = [...stack.changeSets.values()].find((c) => c.id === name || c.name === name);
    if (!cs) return {};
    if (cs.executionStatus === 'EXECUTE_IN_PROGRESS')
      throw new CfnError(
        'InvalidChangeSetStatus',
        `ChangeSet [${cs.id}] cannot be deleted in its current status of [EXECUTE_IN_PROGRESS]`,
      );
    stack.changeSets.delete(cs.name);
    return {};
  }

  onExecuteChangeSet(input: Input, account: string, region: string) {
    const { stack, cs } = this.findChangeSet(account, region, input);
    if (cs.status !== 'CREATE_COMPLETE' || cs.executionStatus !== 'AVAILABLE')
      throw new CfnError(
        'InvalidChangeSetStatus',
        `ChangeSet [${cs.id}] cannot be executed in its current status of [${cs.status}]`,
      );
    if (stack.pending || (stack.status.endsWith('_IN_PROGRESS') && stack.status !== 'REVIEW_IN_PROGRESS'))
      throw validation(`Stack:${stack.id} is in ${stack.status} state and can not be updated.`);
    cs.executionStatus = 'EXECUTE_IN_PROGRESS';
    // AWS deletes the stack's other change sets once one is executed.
    for (const other of [...stack.changeSets.values()]) if (other !== cs) stack.changeSets.delete(other.name);
    stack.disableRollback = String(input.DisableRollback) === 'true';
    stack.lastChangeSetId = cs.id;
    const token = input.ClientRequestToken ? String(input.ClientRequestToken) : undefined;
    if (cs.type === 'CREATE' || stack.status === 'REVIEW_IN_PROGRESS') this.runCreate(stack, cs, token);
    else this.runUpdate(stack, cs, token);
    return {};
  }

  onCreateStack(input: Input, account: string, region: string) {
    const existing = this.stack(account, region, String(input.StackName ?? ''));
    if (existing && existing.status !== 'DELETE_COMPLETE')
      throw new CfnError('AlreadyExistsException', `Stack [${input.StackName}] already exists`);
    const out = this.viaChangeSet('CREATE', input, account, region);
    const stack = this.mustStack(account, region, out.StackId);
    stack.terminationProtection = String(input.EnableTerminationProtection) === 'true';
    return out;
  }

  onUpdateStack(input: Input, account: string, region: string) {
    return this.viaChangeSet('UPDATE', input, account, region);
  }

  /** CreateStack and UpdateStack: an internal change set, executed at once and then removed. */
  private viaChangeSet(type: 'CREATE' | 'UPDATE', input: Input, account: string, region: string) {
    const name = `${type.toLowerCase()}-${hash(randomUUID(), 8).toLowerCase()}`;
    const { Id, StackId } = this.onCreateChangeSet(
      { ...input, ChangeSetName: name, ChangeSetType: type },
      account,
      region,
    );
    const stack = this.mustStack(account, region, StackId);
    const cs = this.changeSet(stack, Id);
    if (cs.status === 'CREATE_PENDING') this.planChangeSet(stack, cs);
    if (cs.status === 'FAILED') {
      stack.changeSets.delete(name);
      throw validation(
        cs.statusReason === NO_CHANGES ? 'No updates are to be performed.' : (cs.statusReason ?? 'failed'),
      );
    }
    this.onExecuteChangeSet({ ChangeSetName: Id, DisableRollback: input.DisableRollback }, account, region);
    stack.changeSets.delete(name);
    return { StackId };
  }

  onUpdateTerminationProtection(input: Input, account: string, region: string) {
    const stack = this.mustStack(account, region, input.StackName);
    stack.terminationProtection = String(input.EnableTerminationProtection) === 'true';
    return { StackId: stack.id };
  }

  // ---------- operations ----------

  private event(
    stack: Stack,
    logicalId: string,
    physicalId: string,
    type: string,
    status: string,
    reason?: string,
    token?: string,
  ): void {
    const at = this.now();
    stack.events.push({
      EventId:
        type === 'AWS::CloudFormation::Stack' ? randomUUID() : `${logicalId}-${status}-${at.toISOString()}`,
      StackId: stack.id,
      StackName: stack.name,
      LogicalResourceId: logicalId,
      PhysicalResourceId: physicalId,
      ResourceType: type,
      Timestamp: at,
      ResourceStatus: status,
      ...(reason ? { ResourceStatusReason: reason } : {}),
      ...(token ? { ClientRequestToken: token } : {}),
    });
  }

  private setStatus(stack: Stack, status: string, reason?: string, token?: string): void {
    stack.status = status;
    stack.statusReason = reason;
    this.event(stack, stack.name, stack.id, 'AWS::CloudFormation::Stack', status, reason, token);
  }

  /** Runs `finish` now, or after the configured number of reads of the stack. */
  private later(stack: Stack, finish: () => void): void {
    const polls = this.inProgressPolls;
    if (polls === 0) finish();
    else stack.pending = { pollsLeft: polls, finish };
  }

  private fault(
    stack: Stack,
    logicalId: string,
    type: string,
    operation: Operation,
  ): ResourceFault | undefined {
    return this.faults.find(
      (f) =>
        f.operation === operation &&
        (!f.stackName || f.stackName === stack.name) &&
        (!f.logicalId || f.logicalId === logicalId) &&
        (!f.resourceType || f.resourceType === type) &&
        (f.logicalId || f.resourceType),
    );
  }

  /** Resources in creation order: DependsOn and references first. */
  private order(template: Json, ids: string[]): string[] {
    const out: string[] = [];
    const seen = new Set<string>();
    const visit = (id: string, path: string[]) => {
      if (seen.has(id)) return;
      if (path.includes(id))
        throw validation(`Circular dependency between resources: [${[...path, id].join(', ')}]`);
      const def = template.Resources[id];
      const deps = new Set<string>([
        ...(Array.isArray(def.DependsOn) ? def.DependsOn : def.DependsOn ? [def.DependsOn] : []),
        ...references(def.Properties ?? {}),
      ]);
      for (const d of deps) if (d !== id && template.Resources[d] && ids.includes(d)) visit(d, [...path, id]);
      seen.add(id);
      out.push(id);
    };
    for (const id of ids) visit(id, []);
    return out;
  }

  private physicalName(stack: Stack, logicalId: string, type: string, props: Json): string {
    const nameProp = NAME_PROPERTY[type];
    const given = nameProp ? props?.[nameProp] : undefined;
    if (typeof given === 'string' && !given.startsWith('{{')) return given;
    const generated = `${stack.name}-${logicalId}-${hash(`${stack.id}/${logicalId}`)}`;
    if (type === 'AWS::S3::Bucket')
      return generated
        .toLowerCase()
        .replace(/[^a-z0-9.-]/g, '')
        .slice(0, 63)
        .replace(/[.-]+$/, '');
    if (type === 'AWS::SSM::Parameter') return `CFN-${logicalId}-${hash(stack.id + logicalId)}`;
    if (type === 'AWS::KMS::Key')
      return `${hash(stack.id + logicalId, 8).toLowerCase()}-0000-4000-8000-${hash(logicalId, 12).toLowerCase()}`;
    return generated.slice(0, 64);
  }

  private physicalId(type: string, name: string, account: string, region: string): string {
    switch (type) {
      case 'AWS::SNS::Topic':
        return `arn:aws:sns:${region}:${account}:${name}`;
      case 'AWS::SQS::Queue':
        return `https://sqs.${region}.amazonaws.com/${account}/${name}`;
      case 'AWS::IAM::ManagedPolicy':
        return `arn:aws:iam::${account}:policy/${name}`;
      default:
        return name;
    }
  }

  /** The side effect of creating or updating a resource in the other fakes. */
  private apply(stack: Stack, r: Resource, previous: Resource | undefined): void {
    const { account, region } = stack;
    try {
      switch (r.type) {
        case 'AWS::S3::Bucket': {
          if (!previous || previous.name !== r.name) {
            if (this.options.s3.buckets.has(r.name)) throw new ResourceFailure(`${r.name} already exists`);
            this.options.s3.createBucket(account, region, r.name);
          }
          const sse =
            r.properties?.BucketEncryption?.ServerSideEncryptionConfiguration?.[0]
              ?.ServerSideEncryptionByDefault?.SSEAlgorithm;
          const bucket = this.options.s3.buckets.get(r.name);
          if (bucket) bucket.encryption = sse ?? 'AES256';
          break;
        }
        case 'AWS::SSM::Parameter': {
          const existing = this.options.ssm.get(account, region, r.name);
          if (existing && (!previous || previous.name !== r.name))
            throw new ResourceFailure(`${r.name} already exists in stack ${stack.id}`);
          this.options.ssm.put(account, region, {
            Name: r.name,
            Value: String(r.properties?.Value ?? ''),
            Type: String(r.properties?.Type ?? 'String'),
            Overwrite: true,
            ...(r.properties?.Description ? { Description: String(r.properties.Description) } : {}),
          });
          break;
        }
        case 'AWS::CloudFormation::StackSet':
          this.applyStackSet(stack, r, previous);
          break;
        case 'AWS::IAM::Role':
          this.roles.set(`${account}/${r.name}`, r.properties?.AssumeRolePolicyDocument ?? {});
          this.rolePaths.set(`${account}/${r.name}`, String(r.properties?.Path ?? '/'));
          break;
        default: {
          const provider = this.options.providers?.find((p) => p.type === r.type);
          if (!provider) break;
          try {
            const out = provider.apply({
              ...providedOf(stack, r),
              ...(previous ? { previousPhysicalId: previous.physicalId } : {}),
            });
            if (out.physicalId) r.physicalId = out.physicalId;
            if (out.attributes) r.attributes = out.attributes;
          } catch (error) {
            throw new ResourceFailure((error as Error).message);
          }
        }
      }
    } catch (error) {
      if (error instanceof S3Error) throw new ResourceFailure(error.message);
      throw error;
    }
  }

  private remove(stack: Stack, r: Resource): void {
    const { account, region } = stack;
    try {
      switch (r.type) {
        case 'AWS::S3::Bucket':
          if (this.options.s3.buckets.has(r.name)) this.options.s3.deleteBucket(account, r.name);
          break;
        case 'AWS::SSM::Parameter':
          this.options.ssm.delete(account, region, r.name);
          break;
        case 'AWS::CloudFormation::StackSet':
          this.deleteStackSet(stack, r);
          break;
        case 'AWS::IAM::Role':
          this.roles.delete(`${account}/${r.name}`);
          this.rolePaths.delete(`${account}/${r.name}`);
          break;
        default: {
          const provider = this.options.providers?.find((p) => p.type === r.type);
          try {
            provider?.remove({ ...providedOf(stack, r), physicalId: r.physicalId });
          } catch (error) {
            throw new ResourceFailure((error as Error).message);
          }
        }
      }
    } catch (error) {
      if (error instanceof S3Error)
        throw new ResourceFailure(
          `${error.message} (Service: S3, Status Code: ${error.status}, Request ID: emulator)`,
        );
      throw error;
    }
  }

  /** Creates or updates one resource; throws ResourceFailure with the *_FAILED reason. */
  private provision(
    stack: Stack,
    ctx: EvalContext,
    logicalId: string,
    def: Json,
    operation: 'create' | 'update',
    token?: string,
  ): Resource {
    const props = this.evaluate(def.Properties ?? {}, ctx);
    const name = this.physicalName(stack, logicalId, def.Type, props);
    const previous = ctx.resources.get(logicalId);
    const r: Resource = {
      logicalId,
      type: def.Type,
      name,
      physicalId: this.physicalId(def.Type, name, stack.account, stack.region),
      status: operation === 'create' ? 'CREATE_COMPLETE' : 'UPDATE_COMPLETE',
      timestamp: this.now(),
      properties: props,
      definition: def,
    };
    const verb = operation === 'create' ? 'CREATE' : 'UPDATE';
    const note = (status: string, reason?: string, physicalId = previous?.physicalId ?? '') =>
      this.event(stack, logicalId, physicalId, def.Type, status, reason, token);
    note(`${verb}_IN_PROGRESS`);
    try {
      const fault = this.fault(stack, logicalId, def.Type, operation);
      if (fault) throw new ResourceFailure(fault.reason);
      this.apply(stack, r, previous && previous.type === r.type ? previous : undefined);
    } catch (error) {
      if (!(error instanceof ResourceFailure)) throw error;
      note(`${verb}_FAILED`, error.message);
      throw error;
    }
    if (operation === 'create') note('CREATE_IN_PROGRESS', 'Resource creation Initiated', r.physicalId);
    note(r.status, undefined, r.physicalId);
    ctx.resources.set(logicalId, r);
    return r;
  }

  private outputs(ctx: EvalContext, template: Json, stack: Stack): Stack['outputs'] {
    const out: Stack['outputs'] = [];
    for (const [key, o] of Object.entries(template.Outputs ?? {}) as [string, Json][]) {
      if (o.Condition && !ctx.conditions[o.Condition]) continue;
      const value = this.evaluate(o.Value, ctx);
      const exportName = o.Export?.Name !== undefined ? String(this.evaluate(o.Export.Name, ctx)) : undefined;
      if (exportName) {
        const holder = ctx.exports.get(exportName);
        if (holder && holder.stackId !== stack.id)
          throw new ResourceFailure(
            `Export with name ${exportName} is already exported by stack ${stackNameOf(holder.stackId)}`,
          );
      }
      out.push({
        OutputKey: key,
        OutputValue: Array.isArray(value) ? value.join(',') : String(value),
        ...(o.Description ? { Description: String(o.Description) } : {}),
        ...(exportName ? { ExportName: exportName } : {}),
      });
    }
    return out;
  }

  private wantedIds(ctx: EvalContext, template: Json): string[] {
    return Object.entries(template.Resources as Record<string, Json>)
      .filter(([, r]) => !r.Condition || ctx.conditions[r.Condition])
      .map(([id]) => id);
  }

  private adopt(stack: Stack, cs: ChangeSet): void {
    stack.body = cs.body;
    stack.template = cs.template;
    stack.parameters = cs.parameters;
    stack.tags = cs.tags;
    stack.capabilities = cs.capabilities;
    stack.roleArn = cs.roleArn;
    stack.description = cs.template.Description;
    stack.imports = importsOf(cs.template);
  }

  private runCreate(stack: Stack, cs: ChangeSet, token?: string): void {
    this.adopt(stack, cs);
    this.setStatus(stack, 'CREATE_IN_PROGRESS', 'User Initiated', token);
    this.later(stack, () => {
      const resources = new Map<string, Resource>();
      const ctx = this.context(stack, cs.template, cs.parameters, resources, false);
      let failed: string | undefined;
      let reason: string | undefined;
      try {
        for (const id of this.order(cs.template, this.wantedIds(ctx, cs.template))) {
          try {
            this.provision(stack, ctx, id, cs.template.Resources[id], 'create', token);
          } catch (error) {
            if (!(error instanceof ResourceFailure)) throw error;
            failed = id;
            break;
          }
        }
        stack.resources = resources;
        if (!failed) stack.outputs = this.outputs(ctx, cs.template, stack);
      } catch (error) {
        if (!(error instanceof ResourceFailure) && !(error instanceof CfnError)) throw error;
        reason = (error as Error).message;
      }
      stack.resources = resources;
      cs.executionStatus = 'EXECUTE_COMPLETE';
      if (!failed && !reason) return this.setStatus(stack, 'CREATE_COMPLETE', undefined, token);
      stack.outputs = [];
      const why = reason ?? `The following resource(s) failed to create: [${failed}]. `;
      if (stack.disableRollback) return this.setStatus(stack, 'CREATE_FAILED', why, token);
      this.setStatus(stack, 'ROLLBACK_IN_PROGRESS', `${why}Rollback requested by user.`, token);
      for (const id of [...resources.keys()].reverse()) {
        const r = resources.get(id)!;
        this.event(stack, id, r.physicalId, r.type, 'DELETE_IN_PROGRESS', undefined, token);
        try {
          this.remove(stack, r);
        } catch {
          /* a rollback that cannot delete leaves ROLLBACK_FAILED in AWS; the fakes' removals only fail on non-empty buckets */
        }
        this.event(stack, id, r.physicalId, r.type, 'DELETE_COMPLETE', undefined, token);
      }
      stack.resources = new Map();
      this.setStatus(stack, 'ROLLBACK_COMPLETE', undefined, token);
    });
  }

  private runUpdate(stack: Stack, cs: ChangeSet, token?: string): void {
    const before = {
      body: stack.body,
      template: stack.template,
      parameters: stack.parameters,
      tags: stack.tags,
      capabilities: stack.capabilities,
      roleArn: stack.roleArn,
      description: stack.description,
      imports: stack.imports,
      outputs: stack.outputs,
      resources: new Map(stack.resources),
    };
    this.adopt(stack, cs);
    stack.updated = this.now();
    this.setStatus(stack, 'UPDATE_IN_PROGRESS', 'User Initiated', token);
    this.later(stack, () => {
      const resources = new Map(before.resources);
      const ctx = this.context(stack, cs.template, cs.parameters, resources, false);
      const created: Resource[] = [];
      const replaced: Resource[] = [];
      let failed: string | undefined;
      let reason: string | undefined;
      const wanted = this.wantedIds(ctx, cs.template);
      try {
        for (const id of this.order(cs.template, wanted)) {
          const def = cs.template.Resources[id];
          const old = before.resources.get(id);
          if (old && old.type === def.Type) {
            const props = this.evaluate(def.Properties ?? {}, ctx);
            if (
              deepEqual(old.properties, props) &&
              deepEqual(old.definition, def) &&
              deepEqual(before.tags, cs.tags)
            )
              continue;
            try {
              const r = this.provision(stack, ctx, id, def, 'update', token);
              if (r.name !== old.name) replaced.push(old);
            } catch (error) {
              if (!(error instanceof ResourceFailure)) throw error;
              failed = id;
              break;
            }
          } else {
            try {
              if (old) {
                replaced.push(old);
                resources.delete(id);
              }
              created.push(this.provision(stack, ctx, id, def, 'create', token));
            } catch (error) {
              if (!(error instanceof ResourceFailure)) throw error;
              failed = id;
              break;
            }
          }
        }
        if (!failed) {
          const outputs = this.outputs(ctx, cs.template, stack);
          for (const o of before.outputs) {
            if (!o.ExportName) continue;
            const now = outputs.find((n) => n.ExportName === o.ExportName);
            const users = this.importers(stack.account, stack.region, o.ExportName, stack);
            if (users.length && !now)
              throw new ResourceFailure(
                `Cannot delete export ${o.ExportName} as it is in use by ${users.join(', ')}.`,
              );
            if (users.length && now && now.OutputValue !== o.OutputValue)
              throw new ResourceFailure(
                `Cannot update export ${o.ExportName} as it is in use by ${users.join(', ')}.`,
              );
          }
          stack.outputs = outputs;
        }
      } catch (error) {
        if (!(error instanceof ResourceFailure) && !(error instanceof CfnError)) throw error;
        reason = (error as Error).message;
      }
      cs.executionStatus = 'EXECUTE_COMPLETE';
      if (!failed && !reason) {
        stack.resources = resources;
        this.setStatus(stack, 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', undefined, token);
        const removed = [...before.resources.values()].filter((r) => !wanted.includes(r.logicalId));
        for (const r of [...removed, ...replaced].reverse()) {
          if (removed.includes(r)) resources.delete(r.logicalId);
          this.deleteResource(stack, r, token);
        }
        return this.setStatus(stack, 'UPDATE_COMPLETE', undefined, token);
      }
      const why = reason ?? `The following resource(s) failed to update: [${failed}]. `;
      if (stack.disableRollback) {
        stack.resources = resources;
        return this.setStatus(stack, 'UPDATE_FAILED', why, token);
      }
      this.setStatus(stack, 'UPDATE_ROLLBACK_IN_PROGRESS', why, token);
      for (const r of created.reverse()) {
        this.event(stack, r.logicalId, r.physicalId, r.type, 'DELETE_IN_PROGRESS', undefined, token);
        try {
          this.remove(stack, r);
        } catch {
          /* see runCreate */
        }
        this.event(stack, r.logicalId, r.physicalId, r.type, 'DELETE_COMPLETE', undefined, token);
      }
      for (const [id, old] of before.resources) {
        const now = resources.get(id);
        if (now && now !== old) {
          this.event(stack, id, old.physicalId, old.type, 'UPDATE_IN_PROGRESS', undefined, token);
          this.apply(stack, old, now);
          this.event(stack, id, old.physicalId, old.type, 'UPDATE_COMPLETE', undefined, token);
        }
      }
      Object.assign(stack, {
        body: before.body,
        template: before.template,
        parameters: before.parameters,
        tags: before.tags,
        capabilities: before.capabilities,
        roleArn: before.roleArn,
        description: before.description,
        imports: before.imports,
        outputs: before.outputs,
        resources: before.resources,
      });
      this.setStatus(stack, 'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS', undefined, token);
      this.setStatus(stack, 'UPDATE_ROLLBACK_COMPLETE', undefined, token);
    });
  }

  /** Deletes one resource (DeletionPolicy Retain skips it); answers whether it is gone. */
  private deleteResource(stack: Stack, r: Resource, token?: string, retain = false): boolean {
    const policy = r.definition?.DeletionPolicy;
    if (retain || policy === 'Retain' || policy === 'RetainExceptOnCreate') {
      this.event(stack, r.logicalId, r.physicalId, r.type, 'DELETE_SKIPPED', undefined, token);
      return true;
    }
    this.event(stack, r.logicalId, r.physicalId, r.type, 'DELETE_IN_PROGRESS', undefined, token);
    const fault = this.fault(stack, r.logicalId, r.type, 'delete');
    let reason = fault?.reason;
    if (!reason)
      try {
        this.remove(stack, r);
      } catch (error) {
        if (!(error instanceof ResourceFailure)) throw error;
        reason = error.message;
      }
    if (reason) {
      r.status = 'DELETE_FAILED';
      r.statusReason = reason;
      this.event(stack, r.logicalId, r.physicalId, r.type, 'DELETE_FAILED', reason, token);
      return false;
    }
    this.event(stack, r.logicalId, r.physicalId, r.type, 'DELETE_COMPLETE', undefined, token);
    return true;
  }

  onDeleteStack(input: Input, account: string, region: string) {
    const stack = this.stack(account, region, String(input.StackName ?? ''));
    if (!stack || stack.status === 'DELETE_COMPLETE') return {};
    if (stack.terminationProtection)
      throw validation(`Stack [${stack.name}] cannot be deleted while TerminationProtection is enabled`);
    if (stack.status === 'DELETE_IN_PROGRESS') return {};
    if (stack.pending || (stack.status.endsWith('_IN_PROGRESS') && stack.status !== 'REVIEW_IN_PROGRESS'))
      throw validation(`Stack [${stack.name}] cannot be deleted while in status ${stack.status}`);
    const retain = new Set(list<string>(input.RetainResources));
    if (retain.size && stack.status !== 'DELETE_FAILED')
      throw validation(
        `Invalid operation on stack [${stack.id}]: RetainResources may only be specified for stacks in DELETE_FAILED state`,
      );
    const token = input.ClientRequestToken ? String(input.ClientRequestToken) : undefined;
    if (input.RoleARN) stack.deleteRoleArn = String(input.RoleARN);
    this.setStatus(stack, 'DELETE_IN_PROGRESS', 'User Initiated', token);
    this.later(stack, () => {
      for (const o of stack.outputs) {
        if (!o.ExportName) continue;
        const users = this.importers(account, region, o.ExportName, stack);
        if (users.length)
          return this.setStatus(
            stack,
            'DELETE_FAILED',
            `Export ${o.ExportName} cannot be deleted as it is in use by ${users.join(', ')}`,
            token,
          );
      }
      const order = stack.template
        ? this.order(
            stack.template,
            [...stack.resources.keys()].filter((id) => stack.template.Resources[id]),
          )
        : [];
      const rest = [...stack.resources.keys()].filter((id) => !order.includes(id));
      const failed: string[] = [];
      for (const id of [...order, ...rest].reverse()) {
        const r = stack.resources.get(id)!;
        if (this.deleteResource(stack, r, token, retain.has(id))) stack.resources.delete(id);
        else failed.push(id);
      }
      if (failed.length)
        return this.setStatus(
          stack,
          'DELETE_FAILED',
          `The following resource(s) failed to delete: [${failed.join(', ')}]. `,
          token,
        );
      stack.outputs = [];
      stack.imports = new Set();
      stack.changeSets.clear();
      stack.deleted = this.now();
      this.setStatus(stack, 'DELETE_COMPLETE', undefined, token);
    });
    return {};
  }

  // ---------- StackSets (service-managed, from the management account) ----------

  private managementOf(): string | undefined {
    return this.options.organizations?.org?.managementAccountId;
  }

  private checkCallAs(input: Input): void {
    const callAs = input.CallAs === undefined ? 'SELF' : String(input.CallAs);
    if (callAs === 'SELF') return;
    if (callAs === 'DELEGATED_ADMIN') throw validation('Account used is not a delegated administrator');
    throw validation(
      `1 validation error detected: Value '${callAs}' at 'callAs' failed to satisfy constraint`,
    );
  }

  onDescribeOrganizationsAccess(input: Input, account: string) {
    this.checkCallAs(input);
    const management = this.managementOf();
    if (management && management !== account)
      throw new CfnError(
        'InvalidOperationException',
        'This operation can only be called by the management account',
      );
    const pending = this.accessPending.get(account);
    if (pending !== undefined) {
      if (pending <= 0) {
        this.accessPending.delete(account);
        this.organizationsAccess.set(account, 'ENABLED');
      } else this.accessPending.set(account, pending - 1);
    }
    return { Status: this.organizationsAccess.get(account) ?? 'DISABLED' };
  }

  onActivateOrganizationsAccess(_input: Input, account: string) {
    const management = this.managementOf();
    if (management && management !== account)
      throw new CfnError(
        'InvalidOperationException',
        'This operation can only be called by the management account',
      );
    if (this.organizationsAccess.get(account) !== 'ENABLED' && !this.accessPending.has(account)) {
      const polls = this.options.organizationsAccessPolls ?? 0;
      if (polls === 0) this.organizationsAccess.set(account, 'ENABLED');
      else this.accessPending.set(account, polls - 1);
    }
    return {};
  }

  /** A StackSet of this account and region by name or id (deleted ones too). */
  private stackSetOf(account: string, region: string, nameOrId: string): StackSetRecord | undefined {
    const sets = this.stackSets.filter((s) => s.account === account && s.region === region);
    return (
      sets.find((s) => s.id === nameOrId) ??
      sets.find((s) => s.name === nameOrId && s.status === 'ACTIVE') ??
      sets.find((s) => s.name === nameOrId)
    );
  }

  private mustStackSet(account: string, region: string, input: Input): StackSetRecord {
    this.checkCallAs(input);
    const set = this.stackSetOf(account, region, String(input.StackSetName ?? ''));
    if (!set)
      throw new CfnError('StackSetNotFoundException', `StackSet ${input.StackSetName} not found`, 404);
    if (set.status === 'ACTIVE') this.syncStackSet(set);
    return set;
  }

  /** ACTIVE accounts in these OUs and the OUs below them, never the management account (as AWS). */
  private accountsUnder(ouIds: readonly string[]): string[] {
    const org = this.options.organizations;
    if (!org) return [];
    const under = (parentId: string, ou: string): boolean => {
      for (let at: string | undefined = parentId; at; at = org.ous.get(at)?.parentId)
        if (at === ou) return true;
      return false;
    };
    return [...org.accounts.values()]
      .filter((a) => a.status === 'ACTIVE' && a.id !== org.org?.managementAccountId)
      .filter((a) => ouIds.some((ou) => under(a.parentId, ou)))
      .map((a) => a.id)
      .sort();
  }

  /** The instances the StackSet's targets call for now: `${account}/${region}` → the OU it came through. */
  private wantedInstances(set: StackSetRecord): Map<string, string> {
    const wanted = new Map<string, string>();
    for (const group of set.groups)
      for (const ou of group.ouIds)
        for (const accountId of this.accountsUnder([ou]))
          for (const region of group.regions)
            if (!wanted.has(`${accountId}/${region}`)) wanted.set(`${accountId}/${region}`, ou);
    return wanted;
  }

  /** Runs an instance's stack to the end (StackSets waits for it; this fake does not poll). */
  private finishNow(account: string, region: string, stackId: string): Stack | undefined {
    const stack = this.stack(account, region, stackId);
    if (stack?.pending) {
      const { finish } = stack.pending;
      stack.pending = undefined;
      finish();
    }
    return stack;
  }

  private deployInstance(set: StackSetRecord, key: string, ouId: string): void {
    const [accountId, region] = key.split('/') as [string, string];
    const existing = set.instances.get(key);
    const input = {
      TemplateBody: set.body,
      Parameters: set.parameters,
      Capabilities: set.capabilities,
    };
    const instance: StackSetInstanceRecord = existing ?? {
      account: accountId,
      region,
      ouId,
      status: 'OUTDATED',
      detailedStatus: 'PENDING',
    };
    set.instances.set(key, instance);
    try {
      let stackId = instance.stackId;
      const live = stackId ? this.stack(accountId, region, stackId) : undefined;
      if (live && live.status !== 'DELETE_COMPLETE') {
        try {
          this.onUpdateStack({ StackName: live.id, ...input }, accountId, region);
        } catch (error) {
          if (!/No updates are to be performed/.test((error as Error).message)) throw error;
        }
      } else {
        stackId = String(
          this.onCreateStack(
            { StackName: `StackSet-${set.name}-${randomUUID()}`, ...input },
            accountId,
            region,
          ).StackId,
        );
      }
      instance.stackId = stackId;
      const stack = this.finishNow(accountId, region, stackId!);
      if (stack && /^(CREATE|UPDATE)_COMPLETE$/.test(stack.status)) {
        Object.assign(instance, { status: 'CURRENT', detailedStatus: 'SUCCEEDED', statusReason: undefined });
      } else {
        const failure = [...(stack?.events ?? [])]
          .reverse()
          .find((e) => e.ResourceStatus.endsWith('_FAILED'));
        Object.assign(instance, {
          status: 'OUTDATED',
          detailedStatus: 'FAILED',
          statusReason: `ResourceLogicalId:${failure?.LogicalResourceId ?? ''}, ResourceStatusReason:${failure?.ResourceStatusReason ?? stack?.status ?? 'stack gone'}.`,
        });
      }
    } catch (error) {
      Object.assign(instance, {
        status: 'OUTDATED',
        detailedStatus: 'FAILED',
        statusReason: (error as Error).message,
      });
    }
  }

  private removeInstance(set: StackSetRecord, key: string, retain: boolean): void {
    const instance = set.instances.get(key);
    if (!instance) return;
    if (instance.stackId && !retain) {
      this.onDeleteStack({ StackName: instance.stackId }, instance.account, instance.region);
      this.finishNow(instance.account, instance.region, instance.stackId);
    }
    set.instances.delete(key);
  }

  /** Brings the instances in line with the targets (auto-deployment follows accounts as they move). */
  private syncStackSet(set: StackSetRecord, redeploy = false): void {
    const wanted = this.wantedInstances(set);
    // Without auto-deployment an account that arrives later gets no instance (AWS: only a
    // CreateStackInstances or an update of the StackSet would deploy it).
    for (const [key, ouId] of wanted)
      if (redeploy || (set.autoDeployment?.Enabled && !set.instances.has(key)))
        this.deployInstance(set, key, ouId);
    if (redeploy || set.autoDeployment?.Enabled)
      for (const key of [...set.instances.keys()])
        if (!wanted.has(key))
          this.removeInstance(set, key, set.autoDeployment?.RetainStacksOnAccountRemoval === true);
  }

  private stackSetOperation(set: StackSetRecord, action: string): void {
    const failed = [...set.instances.values()].filter((i) => i.detailedStatus === 'FAILED').length;
    const at = this.now();
    const id = randomUUID();
    set.operations.unshift({
      OperationId: id,
      Action: action,
      Status: failed ? 'FAILED' : 'SUCCEEDED',
      ...(failed ? { StatusReason: `${failed} stack instance(s) failed` } : {}),
      CreationTimestamp: at,
      EndTimestamp: at,
    });
    for (const i of set.instances.values()) i.lastOperationId = id;
  }

  /** The AWS::CloudFormation::StackSet resource: create or update the StackSet and its instances. */
  private applyStackSet(stack: Stack, r: Resource, previous: Resource | undefined): void {
    const p = r.properties ?? {};
    const account = stack.account;
    if (String(p.PermissionModel ?? 'SELF_MANAGED') !== 'SERVICE_MANAGED')
      throw new ResourceFailure('this fake models SERVICE_MANAGED StackSets only');
    const management = this.managementOf();
    if (management && management !== account)
      throw new ResourceFailure('Service-managed StackSets can only be created from the management account');
    if (this.organizationsAccess.get(account) !== 'ENABLED')
      throw new ResourceFailure(
        'You must enable organizations access to operate a service managed stack set (ActivateOrganizationsAccess)',
      );
    let body: string;
    try {
      body = this.templateBody(p, account, undefined);
      parseTemplate(body);
    } catch (error) {
      throw new ResourceFailure((error as Error).message);
    }
    const groups = list<Json>(p.StackInstancesGroup).map((g) => ({
      ouIds: list<string>(g?.DeploymentTargets?.OrganizationalUnitIds),
      regions: list<string>(g?.Regions),
    }));
    const old = previous ? this.stackSetOf(account, stack.region, previous.physicalId) : undefined;
    const set: StackSetRecord = old ?? {
      id: `${r.name}:${randomUUID()}`,
      name: r.name,
      account,
      region: stack.region,
      status: 'ACTIVE',
      instances: new Map(),
      operations: [],
      body,
      parameters: [],
      capabilities: [],
      groups: [],
    };
    if (!old) this.stackSets.push(set);
    Object.assign(set, {
      body,
      description: p.Description,
      parameters: list<Json>(p.Parameters).map((x) => ({
        ParameterKey: String(x.ParameterKey),
        ParameterValue: String(x.ParameterValue ?? ''),
      })),
      capabilities: list<string>(p.Capabilities),
      autoDeployment: p.AutoDeployment
        ? {
            Enabled: String(p.AutoDeployment.Enabled) === 'true',
            ...(p.AutoDeployment.RetainStacksOnAccountRemoval !== undefined
              ? {
                  RetainStacksOnAccountRemoval:
                    String(p.AutoDeployment.RetainStacksOnAccountRemoval) === 'true',
                }
              : {}),
          }
        : undefined,
      groups,
      managedExecution: p.ManagedExecution,
      operationPreferences: p.OperationPreferences,
    });
    this.syncStackSet(set, true);
    this.stackSetOperation(set, old ? 'UPDATE' : 'CREATE');
    r.physicalId = set.id;
    r.attributes = { StackSetId: set.id };
  }

  private deleteStackSet(stack: Stack, r: Resource): void {
    const set = this.stackSetOf(stack.account, stack.region, r.physicalId);
    if (!set || set.status === 'DELETED') return;
    for (const key of [...set.instances.keys()]) this.removeInstance(set, key, false);
    set.status = 'DELETED';
    this.stackSetOperation(set, 'DELETE');
  }

  onDescribeStackSet(input: Input, account: string, region: string) {
    const set = this.mustStackSet(account, region, input);
    const ouIds = [...new Set(set.groups.flatMap((g) => g.ouIds))];
    return {
      StackSet: {
        StackSetName: set.name,
        StackSetId: set.id,
        StackSetARN: `arn:aws:cloudformation:${region}:${account}:stackset/${set.id}`,
        ...(set.description ? { Description: set.description } : {}),
        Status: set.status,
        TemplateBody: set.body,
        Parameters: set.parameters,
        Capabilities: set.capabilities,
        Tags: [],
        PermissionModel: 'SERVICE_MANAGED',
        ...(set.autoDeployment ? { AutoDeployment: set.autoDeployment } : {}),
        OrganizationalUnitIds: ouIds,
        Regions: [...new Set(set.groups.flatMap((g) => g.regions))],
        ...(set.managedExecution ? { ManagedExecution: set.managedExecution } : {}),
      },
    };
  }

  onListStackInstances(input: Input, account: string, region: string) {
    const set = this.mustStackSet(account, region, input);
    const all = [...set.instances.values()].filter(
      (i) =>
        (!input.StackInstanceAccount || i.account === input.StackInstanceAccount) &&
        (!input.StackInstanceRegion || i.region === input.StackInstanceRegion),
    );
    const { items, next } = this.page(all, input.NextToken, `ListStackInstances/${set.id}`);
    return {
      Summaries: items.map((i) => ({
        StackSetId: set.id,
        Region: i.region,
        Account: i.account,
        ...(i.stackId ? { StackId: i.stackId } : {}),
        Status: i.status,
        ...(i.statusReason ? { StatusReason: i.statusReason } : {}),
        StackInstanceStatus: { DetailedStatus: i.detailedStatus },
        OrganizationalUnitId: i.ouId,
        DriftStatus: 'NOT_CHECKED',
        ...(i.lastOperationId ? { LastOperationId: i.lastOperationId } : {}),
      })),
      ...(next ? { NextToken: next } : {}),
    };
  }

  onListStackSetOperations(input: Input, account: string, region: string) {
    const set = this.mustStackSet(account, region, input);
    const max = input.MaxResults === undefined ? undefined : Number(input.MaxResults);
    const size = this.options.pageSize ?? 100;
    const start = input.NextToken ? Number(/^ops:(\d+)$/.exec(String(input.NextToken))?.[1] ?? NaN) : 0;
    if (!Number.isInteger(start)) throw validation('Invalid NextToken');
    const take = Math.min(max ?? size, size);
    const items = set.operations.slice(start, start + take);
    return {
      Summaries: items,
      ...(start + take < set.operations.length ? { NextToken: `ops:${start + take}` } : {}),
    };
  }

  // ---------- drift ----------

  onDetectStackDrift(input: Input, account: string, region: string) {
    const stack = this.mustStack(account, region, input.StackName);
    const drifted = [...stack.resources.values()].filter((r) => r.drifted).length;
    stack.drift = { id: randomUUID(), status: drifted ? 'DRIFTED' : 'IN_SYNC', drifted, at: this.now() };
    return { StackDriftDetectionId: stack.drift.id };
  }

  onDescribeStackDriftDetectionStatus(input: Input, account: string, region: string) {
    const stack = this.stacksOf(account, region).find((s) => s.drift?.id === input.StackDriftDetectionId);
    if (!stack?.drift) throw validation(`Drift detection ${input.StackDriftDetectionId} does not exist`);
    return {
      StackId: stack.id,
      StackDriftDetectionId: stack.drift.id,
      StackDriftStatus: stack.drift.status,
      DetectionStatus: 'DETECTION_COMPLETE',
      DriftedStackResourceCount: stack.drift.drifted,
      Timestamp: stack.drift.at,
    };
  }

  onDescribeStackResourceDrifts(input: Input, account: string, region: string) {
    const stack = this.mustStack(account, region, input.StackName);
    const filter = list<string>(input.StackResourceDriftStatusFilters);
    const drifts = [...stack.resources.values()]
      .map((r) => ({
        StackId: stack.id,
        LogicalResourceId: r.logicalId,
        PhysicalResourceId: r.physicalId,
        ResourceType: r.type,
        ExpectedProperties: JSON.stringify(r.properties),
        ActualProperties: JSON.stringify(r.drifted ?? r.properties),
        PropertyDifferences: r.drifted
          ? Object.keys({ ...r.properties, ...r.drifted })
              .filter((k) => !deepEqual(r.properties[k], r.drifted[k]))
              .map((k) => ({
                PropertyPath: `/${k}`,
                ExpectedValue: JSON.stringify(r.properties[k] ?? null),
                ActualValue: JSON.stringify(r.drifted[k] ?? null),
                DifferenceType:
                  r.drifted[k] === undefined ? 'REMOVE' : r.properties[k] === undefined ? 'ADD' : 'NOT_EQUAL',
              }))
          : [],
        StackResourceDriftStatus: r.drifted ? 'MODIFIED' : 'IN_SYNC',
        Timestamp: stack.drift?.at ?? this.now(),
      }))
      .filter((d) => filter.length === 0 || filter.includes(d.StackResourceDriftStatus));
    const { items, next } = this.page(drifts, input.NextToken, `Drifts/${stack.id}`);
    return { StackResourceDrifts: items, ...(next ? { NextToken: next } : {}) };
  }
}

/** What a resource provider is told about a resource. */
function providedOf(stack: Stack, r: Resource): ProvidedResource {
  return {
    account: stack.account,
    region: stack.region,
    stackName: stack.name,
    logicalId: r.logicalId,
    name: r.name,
    properties: r.properties,
  };
}

function stackNameOf(stackId: string): string {
  return stackId.split('/')[1] ?? stackId;
}

function resourceChange(
  action: string,
  logicalId: string,
  type: string,
  physicalId: string | undefined,
  before: Json,
  after: Json,
) {
  return {
    Type: 'Resource',
    ResourceChange: {
      Action: action,
      LogicalResourceId: logicalId,
      ...(physicalId ? { PhysicalResourceId: physicalId } : {}),
      ResourceType: type,
      ...(action === 'Modify' ? { Replacement: 'False' } : {}),
      Scope: action === 'Modify' ? ['Properties'] : [],
      Details: [],
      ...(before !== undefined ? { BeforeContext: JSON.stringify({ Properties: before }) } : {}),
      ...(after !== undefined ? { AfterContext: JSON.stringify({ Properties: after }) } : {}),
    },
  };
}

/** Deterministic attribute values: real-looking ARNs and names for the common types, `<physical id>.<attr>` otherwise. */
export function attributeOf(
  r: { type: string; name: string; physicalId: string; properties: Json },
  attr: string,
  account: string,
  region: string,
): string {
  const provided = (r as { attributes?: Record<string, string> }).attributes?.[attr];
  if (provided !== undefined) return provided;
  const service = r.type.split('::')[1]?.toLowerCase() ?? 'unknown';
  switch (`${r.type}.${attr}`) {
    case 'AWS::S3::Bucket.Arn':
      return `arn:aws:s3:::${r.name}`;
    case 'AWS::S3::Bucket.DomainName':
      return `${r.name}.s3.amazonaws.com`;
    case 'AWS::S3::Bucket.RegionalDomainName':
      return `${r.name}.s3.${region}.amazonaws.com`;
    case 'AWS::S3::Bucket.DualStackDomainName':
      return `${r.name}.s3.dualstack.${region}.amazonaws.com`;
    case 'AWS::S3::Bucket.WebsiteURL':
      return `http://${r.name}.s3-website-${region}.amazonaws.com`;
    case 'AWS::IAM::Role.Arn':
      return `arn:aws:iam::${account}:role${String(r.properties?.Path ?? '/')}${r.name}`;
    case 'AWS::IAM::Role.RoleId':
      return `AROA${hash(r.name, 17)}`;
    case 'AWS::SSM::Parameter.Type':
      return String(r.properties?.Type ?? 'String');
    case 'AWS::SSM::Parameter.Value':
      return String(r.properties?.Value ?? '');
    case 'AWS::KMS::Key.Arn':
      return `arn:aws:kms:${region}:${account}:key/${r.name}`;
    case 'AWS::KMS::Key.KeyId':
      return r.name;
    case 'AWS::ECR::Repository.Arn':
      return `arn:aws:ecr:${region}:${account}:repository/${r.name}`;
    case 'AWS::ECR::Repository.RepositoryUri':
      return `${account}.dkr.ecr.${region}.amazonaws.com/${r.name}`;
    case 'AWS::Lambda::Function.Arn':
      return `arn:aws:lambda:${region}:${account}:function:${r.name}`;
    case 'AWS::DynamoDB::Table.Arn':
      return `arn:aws:dynamodb:${region}:${account}:table/${r.name}`;
    case 'AWS::DynamoDB::Table.StreamArn':
      return `arn:aws:dynamodb:${region}:${account}:table/${r.name}/stream/1970-01-01T00:00:00.000`;
    case 'AWS::SNS::Topic.TopicArn':
      return r.physicalId;
    case 'AWS::SQS::Queue.Arn':
      return `arn:aws:sqs:${region}:${account}:${r.name}`;
    case 'AWS::SQS::Queue.QueueUrl':
      return r.physicalId;
    case 'AWS::Logs::LogGroup.Arn':
      return `arn:aws:logs:${region}:${account}:log-group:${r.name}:*`;
  }
  if (attr === 'Arn')
    return `arn:aws:${service}:${region}:${account}:${r.type.split('::')[2]?.toLowerCase()}/${r.physicalId}`;
  if (/Url$|Endpoint$/i.test(attr))
    return `https://${r.physicalId.toLowerCase()}.${service}.${region}.amazonaws.com`;
  return `${r.physicalId}.${attr}`;
}
