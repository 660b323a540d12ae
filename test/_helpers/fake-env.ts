/**
 * In-memory fakes of the environment engine's ports that behave like CloudFormation, SSM, S3
 * and STS, and of the CDK toolkit on top of them:
 *
 * - FakeCloud: stacks per (account, region) with CloudFormation statuses, tags, outputs,
 *   parameters, the deployed template and its resources; the bootstrap version parameter;
 *   buckets with objects (a non-empty bucket fails its stack's delete, as in AWS); identities.
 *   Every call records the account it touches.
 * - FakeToolkit: deploys a stack of an assembly on disk into the cloud (CREATE/UPDATE_COMPLETE,
 *   tags as given, outputs from the template), fails one with a resource and a reason
 *   (ROLLBACK_COMPLETE when new, UPDATE_ROLLBACK_COMPLETE keeping the old template otherwise),
 *   holds one until released (concurrency, interruption), deletes (DELETE_FAILED on request or
 *   when a bucket is not empty; DeletionPolicy Retain resources are left), bootstraps.
 * - FakeCloud as StackOpsPort and RecordsPort: CreateStack from a template object the toolkit's
 *   deploy left in the bootstrap bucket (`templateObjects`, by `bucket/key`), DeleteStack with the
 *   same DELETE_FAILED rules as the toolkit's destroy, tags-only updates, waits that settle at
 *   once; stack records and values per (account, region) parameter name.
 * - fakeSynth: writes a minimal cloud assembly (manifest.json with stack tags and dependencies,
 *   one template per stack) like estate's synthesis, from a per-environment stack spec.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EnvironmentConfig, EstateConfig } from '../../src/config/schema.js';
import type {
  BootstrapPort,
  BootstrapRequest,
  BucketsPort,
  CreateStackRequest,
  DeployOutcome,
  DeployRequest,
  DeployedStack,
  DestroyOutcome,
  IdentityPort,
  PermissionChange,
  RecordsPort,
  StackDiff,
  StackDrift,
  StackFailure,
  StackLocation,
  StackOpsPort,
  StackRecord,
  StackRequest,
  StackResource,
  StacksPort,
  ToolkitPort,
} from '../../src/core/env/ports.js';
import type { StackSummary, SynthOptions, SynthResult } from '../../src/core/env/synth.js';

interface Template {
  Resources?: Record<string, { Type: string; DeletionPolicy?: string; Properties?: Record<string, unknown> }>;
  Outputs?: Record<string, { Value: unknown }>;
  Parameters?: Record<string, { Type: string; Default?: unknown }>;
}

export interface FakeStack {
  name: string;
  id: string;
  status: string;
  statusReason?: string;
  createdAt: Date;
  updatedAt?: Date;
  tags: Record<string, string>;
  outputs: Record<string, string>;
  parameters: Record<string, string>;
  template: Template;
  resources: StackResource[];
  failures: StackFailure[];
  terminationProtection: boolean;
}

const key = (at: StackLocation, name: string) => `${at.accountId}/${at.region}/${name}`;

/** The bucket and key of a template URL (virtual-hosted `https://<bucket>.s3.<region>.amazonaws.com/<key>` or `<endpoint>/<bucket>/<key>`). */
export function templateObjectOf(url: string): { bucket: string; key: string } {
  const u = new URL(url);
  const hosted = /^(.+)\.s3\.[a-z0-9-]+\.amazonaws\.com$/.exec(u.hostname);
  const path = decodeURIComponent(u.pathname).replace(/^\//, '');
  if (hosted) return { bucket: hosted[1]!, key: path };
  const [bucket = '', ...key] = path.split('/');
  return { bucket, key: key.join('/') };
}

export class FakeCloud
  implements StacksPort, BootstrapPort, BucketsPort, IdentityPort, StackOpsPort, RecordsPort
{
  readonly stacks = new Map<string, FakeStack>();
  readonly bootstrapVersions = new Map<string, number>();
  /** Bucket name → objects in it. */
  readonly buckets = new Map<string, number>();
  /** Account id → the account its credentials really resolve to (default: itself). */
  readonly identities = new Map<string, string>();
  readonly drift = new Map<string, StackDrift>();
  /** Every account a call touched. */
  readonly touched = new Set<string>();
  /** Every call: `op account/region[/name]`. */
  readonly calls: string[] = [];
  /** Locations whose calls fail (an account that cannot be read). */
  readonly unreadable = new Set<string>();
  /** Template objects in bootstrap buckets, by `bucket/key` (the toolkit's deploy writes them). */
  readonly templateObjects = new Map<string, Template>();
  /** SSM parameters, by `account/region/name`. */
  readonly parameters = new Map<string, string>();
  /** Stack name → the failure its next DeleteStack gets (DELETE_FAILED). */
  readonly deleteFailures = new Map<string, { logicalId: string; reason: string; resourceType?: string }>();
  /** Stack name → the failure its next CreateStack gets (ROLLBACK_COMPLETE). */
  readonly createFailures = new Map<string, { logicalId: string; reason: string; resourceType?: string }>();
  /** Stack name → the reason its tags update rolls back. */
  readonly retagFailures = new Map<string, string>();
  /** Every CreateStack request. */
  readonly createRequests: { at: StackLocation; request: CreateStackRequest }[] = [];
  /** Every DeleteStack: name and role. */
  readonly deleteRequests: { at: StackLocation; name: string; roleArn?: string }[] = [];
  /** DeleteStack waits for this before it settles (abort tests). */
  deleteGate: Promise<void> | undefined;
  private nextId = 1;
  clock = () => new Date('2026-11-01T00:00:00Z');

  private touch(op: string, at: StackLocation, name?: string): void {
    this.touched.add(at.accountId);
    this.calls.push(`${op} ${at.accountId}/${at.region}${name ? `/${name}` : ''}`);
    if (this.unreadable.has(`${at.accountId}/${at.region}`))
      throw new Error(`AccessDenied: not authorized in ${at.accountId} ${at.region}`);
  }

  get(at: StackLocation, name: string): FakeStack | undefined {
    return this.stacks.get(key(at, name));
  }

  /** Seeds (or replaces) a stack as if CloudFormation had it. */
  put(at: StackLocation, stack: Partial<FakeStack> & { name: string }): FakeStack {
    const full: FakeStack = {
      id: `arn:aws:cloudformation:${at.region}:${at.accountId}:stack/${stack.name}/${this.nextId++}`,
      status: 'CREATE_COMPLETE',
      createdAt: this.clock(),
      tags: {},
      outputs: {},
      parameters: {},
      template: {},
      resources: [],
      failures: [],
      terminationProtection: false,
      ...stack,
    };
    this.stacks.set(key(at, stack.name), full);
    return full;
  }

  remove(at: StackLocation, name: string): void {
    this.stacks.delete(key(at, name));
  }

  stacksIn(at: StackLocation): FakeStack[] {
    const prefix = `${at.accountId}/${at.region}/`;
    return [...this.stacks.entries()].filter(([k]) => k.startsWith(prefix)).map(([, s]) => s);
  }

  private view(s: FakeStack): DeployedStack {
    return {
      name: s.name,
      id: s.id,
      status: s.status,
      ...(s.statusReason ? { statusReason: s.statusReason } : {}),
      createdAt: s.createdAt,
      ...(s.updatedAt ? { updatedAt: s.updatedAt } : {}),
      tags: { ...s.tags },
      outputs: { ...s.outputs },
      parameters: { ...s.parameters },
      terminationProtection: s.terminationProtection,
    };
  }

  async listStacks(at: StackLocation): Promise<readonly DeployedStack[]> {
    this.touch('listStacks', at);
    return this.stacksIn(at).map((s) => this.view(s));
  }
  async describeStack(at: StackLocation, name: string): Promise<DeployedStack | undefined> {
    this.touch('describeStack', at, name);
    const s = this.get(at, name);
    return s ? this.view(s) : undefined;
  }
  async deployedTemplate(at: StackLocation, name: string): Promise<unknown> {
    this.touch('deployedTemplate', at, name);
    const s = this.get(at, name);
    if (!s) throw new Error(`ValidationError: Stack with id ${name} does not exist`);
    return structuredClone(s.template);
  }
  async stackResources(at: StackLocation, name: string): Promise<readonly StackResource[]> {
    this.touch('stackResources', at, name);
    const s = this.get(at, name);
    if (!s) throw new Error(`ValidationError: Stack with id ${name} does not exist`);
    return s.resources.map((r) => ({ ...r }));
  }
  async failures(at: StackLocation, name: string): Promise<readonly StackFailure[]> {
    this.touch('failures', at, name);
    return this.get(at, name)?.failures ?? [];
  }
  async detectDrift(at: StackLocation, name: string): Promise<StackDrift> {
    this.touch('detectDrift', at, name);
    return this.drift.get(key(at, name)) ?? { status: 'IN_SYNC', drifted: [] };
  }
  async setTerminationProtection(at: StackLocation, name: string, enabled: boolean): Promise<void> {
    this.touch(`setTerminationProtection(${enabled})`, at, name);
    const s = this.get(at, name);
    if (!s) throw new Error(`ValidationError: Stack [${name}] does not exist`);
    s.terminationProtection = enabled;
  }
  async bootstrapVersion(at: StackLocation, qualifier: string): Promise<number | undefined> {
    this.touch(`bootstrapVersion(${qualifier})`, at);
    return this.bootstrapVersions.get(`${at.accountId}/${at.region}`);
  }
  async emptyBucket(at: StackLocation, bucket: string): Promise<number> {
    this.touch('emptyBucket', at, bucket);
    const n = this.buckets.get(bucket) ?? 0;
    this.buckets.set(bucket, 0);
    return n;
  }
  // ---- StackOpsPort

  async createStack(at: StackLocation, request: CreateStackRequest): Promise<string> {
    this.touch('createStack', at, request.name);
    this.createRequests.push({ at, request });
    const existing = this.get(at, request.name);
    if (existing) throw new Error(`AlreadyExistsException: Stack [${request.name}] already exists`);
    const { bucket, key: objectKey } = templateObjectOf(request.templateUrl);
    const template = this.templateObjects.get(`${bucket}/${objectKey}`);
    if (!template)
      throw new Error(
        `ValidationError: S3 error: The specified key does not exist. (${request.templateUrl})`,
      );
    const failure = this.createFailures.get(request.name);
    if (failure) {
      const f: StackFailure = {
        logicalId: failure.logicalId,
        resourceType: failure.resourceType ?? 'AWS::Lambda::Function',
        status: 'CREATE_FAILED',
        reason: failure.reason,
      };
      return this.put(at, {
        name: request.name,
        status: 'ROLLBACK_COMPLETE',
        template: structuredClone(template),
        tags: { ...request.tags },
        failures: [f],
      }).id;
    }
    return this.put(at, {
      name: request.name,
      ...deployedShape(request.name, template, this),
      tags: { ...request.tags },
      terminationProtection: request.terminationProtection ?? false,
      createdAt: this.clock(),
    }).id;
  }

  async deleteStack(at: StackLocation, name: string, roleArn?: string): Promise<void> {
    this.touch('deleteStack', at, name);
    this.deleteRequests.push({ at, name, ...(roleArn ? { roleArn } : {}) });
    const stack = this.get(at, name);
    if (!stack) return;
    if (stack.terminationProtection)
      throw new Error(
        `ValidationError: Stack [${name}] cannot be deleted while TerminationProtection is enabled`,
      );
    await this.deleteGate;
    const f = this.deleteFailure(stack);
    if (f) {
      stack.status = 'DELETE_FAILED';
      stack.statusReason = `The following resource(s) failed to delete: [${f.logicalId}]. `;
      stack.failures = [f];
      return;
    }
    this.remove(at, name);
  }

  /** Why deleting the stack fails now: a failure set for it, or a non-empty bucket it would delete. */
  deleteFailure(
    stack: FakeStack,
    extra?: { logicalId: string; reason: string; resourceType?: string },
  ): StackFailure | undefined {
    const retained = new Set(
      Object.entries(stack.template.Resources ?? {})
        .filter(([, r]) => r.DeletionPolicy === 'Retain')
        .map(([id]) => id),
    );
    const failure = extra ?? this.deleteFailures.get(stack.name);
    if (failure)
      return {
        logicalId: failure.logicalId,
        ...(failure.resourceType ? { resourceType: failure.resourceType } : {}),
        status: 'DELETE_FAILED',
        reason: failure.reason,
      };
    const fullBucket = stack.resources.find(
      (r) =>
        r.type === 'AWS::S3::Bucket' &&
        !retained.has(r.logicalId) &&
        (this.buckets.get(r.physicalId!) ?? 0) > 0,
    );
    return fullBucket
      ? {
          logicalId: fullBucket.logicalId,
          resourceType: 'AWS::S3::Bucket',
          status: 'DELETE_FAILED',
          reason: 'The bucket you tried to delete is not empty',
        }
      : undefined;
  }

  async updateStackTags(
    at: StackLocation,
    name: string,
    tags: Readonly<Record<string, string>>,
  ): Promise<void> {
    this.touch('updateStackTags', at, name);
    const stack = this.get(at, name);
    if (!stack) throw new Error(`ValidationError: Stack with id ${name} does not exist`);
    if (JSON.stringify(stack.tags) === JSON.stringify(tags)) return;
    const failure = this.retagFailures.get(name);
    if (failure) {
      stack.status = 'UPDATE_ROLLBACK_COMPLETE';
      throw new Error(`updating the tags of stack ${name} ended in UPDATE_ROLLBACK_COMPLETE: ${failure}`);
    }
    stack.tags = { ...tags };
    stack.status = 'UPDATE_COMPLETE';
    stack.updatedAt = this.clock();
  }

  async waitForStack(
    at: StackLocation,
    nameOrId: string,
    options: { readonly signal?: AbortSignal } = {},
  ): Promise<DeployedStack | undefined> {
    this.touch('waitForStack', at, nameOrId);
    if (options.signal?.aborted) throw new Error('interrupted while waiting for CloudFormation');
    const s = [...this.stacksIn(at)].find((x) => x.name === nameOrId || x.id === nameOrId);
    return s ? this.view(s) : undefined;
  }

  // ---- RecordsPort

  private param(at: StackLocation, name: string): string {
    return `${at.accountId}/${at.region}/${name}`;
  }

  async stackRecords(at: StackLocation, environment: string): Promise<readonly StackRecord[]> {
    this.touch('stackRecords', at, environment);
    const prefix = this.param(at, `/estate/env/${environment}/stacks/`);
    return [...this.parameters.entries()]
      .filter(([k]) => k.startsWith(prefix))
      .map(([, v]) => JSON.parse(v) as StackRecord);
  }
  async putStackRecord(at: StackLocation, record: StackRecord): Promise<void> {
    this.touch('putStackRecord', at, record.name);
    this.parameters.set(
      this.param(at, `/estate/env/${record.environment}/stacks/${record.name}`),
      JSON.stringify(record),
    );
  }
  async deleteEnvironmentRecords(at: StackLocation, environment: string): Promise<void> {
    this.touch('deleteEnvironmentRecords', at, environment);
    const prefix = this.param(at, `/estate/env/${environment}/`);
    for (const k of [...this.parameters.keys()]) if (k.startsWith(prefix)) this.parameters.delete(k);
  }
  async value(at: StackLocation, environment: string, key: string): Promise<string | undefined> {
    this.touch('value', at, environment);
    return this.parameters.get(this.param(at, `/estate/env/${environment}/${key}`));
  }
  async putValue(at: StackLocation, environment: string, key: string, value: string): Promise<void> {
    this.touch('putValue', at, environment);
    this.parameters.set(this.param(at, `/estate/env/${environment}/${key}`), value);
  }

  async accountOf(accountId: string): Promise<string> {
    this.touched.add(accountId);
    this.calls.push(`accountOf ${accountId}`);
    return this.identities.get(accountId) ?? accountId;
  }
}

interface Gate {
  readonly promise: Promise<void>;
  release(): void;
}
function gate(): Gate {
  let release!: () => void;
  const promise = new Promise<void>((r) => (release = r));
  return { promise, release };
}

export class FakeToolkit implements ToolkitPort {
  /** `op stack account/region` in the order the calls came. */
  readonly calls: string[] = [];
  readonly deployRequests: DeployRequest[] = [];
  readonly bootstrapRequests: BootstrapRequest[] = [];
  /** Stack name → the failure its next deploy gets. */
  readonly deployFailures = new Map<string, { logicalId: string; reason: string; resourceType?: string }>();
  readonly deleteFailures = new Map<string, { logicalId: string; reason: string; resourceType?: string }>();
  /** Stack name → the permission change its deploy asks to approve (default none). */
  readonly permissionChanges = new Map<string, PermissionChange>();
  /** Bucket objects count given to the S3 buckets a deploy creates, by logical id. */
  readonly bucketObjects = new Map<string, number>();
  private readonly held = new Map<string, Gate>();
  private readonly startedWaiters = new Map<string, Gate[]>();
  active = 0;
  peak = 0;

  constructor(readonly cloud: FakeCloud) {}

  /** The stack's deploy or destroy waits until `release()`. */
  hold(stack: string): { release: () => void } {
    const g = gate();
    this.held.set(stack, g);
    return { release: g.release };
  }

  /** Resolves when the next deploy or destroy of the stack starts. */
  started(stack: string): Promise<void> {
    const g = gate();
    this.startedWaiters.set(stack, [...(this.startedWaiters.get(stack) ?? []), g]);
    return g.promise;
  }

  private async begin(op: string, stack: string, at: StackLocation): Promise<void> {
    this.calls.push(`${op} ${stack} ${at.accountId}/${at.region}`);
    this.cloud.touched.add(at.accountId);
    this.active++;
    this.peak = Math.max(this.peak, this.active);
    for (const waiter of this.startedWaiters.get(stack) ?? []) waiter.release();
    this.startedWaiters.delete(stack);
    await new Promise((r) => setImmediate(r));
    await this.held.get(stack)?.promise;
  }

  async bootstrap(request: BootstrapRequest): Promise<void> {
    this.bootstrapRequests.push(request);
    await this.begin('bootstrap', 'CDKToolkit', request.at);
    this.active--;
    this.cloud.bootstrapVersions.set(`${request.at.accountId}/${request.at.region}`, 30);
    this.cloud.put(request.at, { name: 'CDKToolkit', tags: {} });
  }

  async deploy(request: DeployRequest): Promise<DeployOutcome> {
    this.deployRequests.push(request);
    const { at, stackName } = request;
    await this.begin('deploy', stackName, at);
    try {
      const template = templateOf(request);
      if (!(await request.approve(this.permissionChanges.get(stackName) ?? 'none')))
        return { status: 'declined', reason: 'the deployment was not approved' };
      const existing = this.cloud.get(at, stackName);
      const failure = this.deployFailures.get(stackName);
      if (failure) {
        const f: StackFailure = {
          logicalId: failure.logicalId,
          resourceType: failure.resourceType ?? 'AWS::Lambda::Function',
          status: existing ? 'UPDATE_FAILED' : 'CREATE_FAILED',
          reason: failure.reason,
        };
        if (existing) {
          existing.status = 'UPDATE_ROLLBACK_COMPLETE';
          existing.failures = [f];
        } else this.cloud.put(at, { name: stackName, status: 'ROLLBACK_COMPLETE', template, failures: [f] });
        return { status: 'failed', reason: `stack ${stackName} failed`, failure: f };
      }
      const objectUrl = artifactOf(request).properties.stackTemplateAssetObjectUrl;
      if (objectUrl) {
        const object = objectUrl
          .replace('${AWS::AccountId}', at.accountId)
          .replace('${AWS::Region}', at.region)
          .replace(/^s3:\/\//, '');
        this.cloud.templateObjects.set(object, structuredClone(template));
      }
      const { outputs, resources, parameters } = deployedShape(
        stackName,
        template,
        this.cloud,
        this.bucketObjects,
      );
      const now = this.cloud.clock();
      this.cloud.put(at, {
        name: stackName,
        status: existing && existing.status !== 'ROLLBACK_COMPLETE' ? 'UPDATE_COMPLETE' : 'CREATE_COMPLETE',
        createdAt: existing && existing.status !== 'ROLLBACK_COMPLETE' ? existing.createdAt : now,
        ...(existing ? { updatedAt: now } : {}),
        tags: { ...request.tags },
        terminationProtection: artifactOf(request).properties.terminationProtection ?? false,
        outputs,
        parameters,
        template,
        resources,
      });
      return { status: 'deployed', outputs };
    } finally {
      this.active--;
    }
  }

  async diff(request: StackRequest): Promise<StackDiff> {
    this.calls.push(`diff ${request.stackName} ${request.at.accountId}/${request.at.region}`);
    const live = this.cloud.get(request.at, request.stackName);
    const template = templateOf(request);
    const resources = Object.keys(template.Resources ?? {})
      .filter(
        (id) => JSON.stringify(live?.template.Resources?.[id]) !== JSON.stringify(template.Resources?.[id]),
      )
      .map((logicalId) => ({
        logicalId,
        type: template.Resources![logicalId]!.Type,
        change: live?.template.Resources?.[logicalId] ? ('update' as const) : ('add' as const),
      }));
    const permissionChange = this.permissionChanges.get(request.stackName) ?? 'none';
    return {
      stackName: request.stackName,
      resources,
      permissionChange,
      securityChanges: permissionChange === 'broadening' ? ['+ iam:PassRole on *'] : [],
      text: resources.map((r) => `[~] ${r.type} ${r.logicalId}`).join('\n'),
    };
  }

  async destroy(
    request: StackRequest & { readonly confirm: () => Promise<boolean> },
  ): Promise<DestroyOutcome> {
    const { at, stackName } = request;
    await this.begin('destroy', stackName, at);
    try {
      if (!(await request.confirm())) return { status: 'declined', reason: 'not confirmed' };
      const stack = this.cloud.get(at, stackName);
      if (!stack) return { status: 'destroyed' };
      if (stack.terminationProtection)
        return {
          status: 'failed',
          reason: `Stack [${stackName}] cannot be deleted while TerminationProtection is enabled`,
        };
      const f = this.cloud.deleteFailure(stack, this.deleteFailures.get(stackName));
      if (f) {
        stack.status = 'DELETE_FAILED';
        stack.failures = [f];
        return { status: 'failed', reason: `stack ${stackName} failed to delete`, failure: f };
      }
      this.cloud.remove(at, stackName);
      return { status: 'destroyed' };
    } finally {
      this.active--;
    }
  }
}

interface Artifact {
  properties: { templateFile: string; terminationProtection?: boolean; stackTemplateAssetObjectUrl?: string };
}

/** Outputs, resources (buckets made in the cloud) and parameter defaults of a template as deployed. */
function deployedShape(
  stackName: string,
  template: Template,
  cloud: FakeCloud,
  bucketObjects: ReadonlyMap<string, number> = new Map(),
): {
  outputs: Record<string, string>;
  resources: StackResource[];
  parameters: Record<string, string>;
  template: Template;
  status: string;
} {
  const outputs: Record<string, string> = {};
  for (const [k, o] of Object.entries(template.Outputs ?? {})) outputs[k] = String(o.Value);
  const resources: StackResource[] = Object.entries(template.Resources ?? {}).map(([logicalId, r]) => ({
    logicalId,
    type: r.Type,
    status: 'CREATE_COMPLETE',
    physicalId: `${stackName}-${logicalId}`.toLowerCase(),
  }));
  for (const r of resources)
    if (r.type === 'AWS::S3::Bucket') cloud.buckets.set(r.physicalId!, bucketObjects.get(r.logicalId) ?? 0);
  const parameters: Record<string, string> = {};
  for (const [k, p] of Object.entries(template.Parameters ?? {}))
    if (p.Default !== undefined) parameters[k] = String(p.Default);
  return { outputs, resources, parameters, template: structuredClone(template), status: 'CREATE_COMPLETE' };
}

function artifactOf(request: StackRequest): Artifact {
  const manifest = JSON.parse(readFileSync(join(request.assemblyDir, 'manifest.json'), 'utf8')) as {
    artifacts: Record<string, Artifact>;
  };
  const artifact = manifest.artifacts[request.artifactId];
  if (!artifact) throw new Error(`no artifact ${request.artifactId} in ${request.assemblyDir}`);
  return artifact;
}

function templateOf(request: StackRequest): Template {
  const file = artifactOf(request).properties.templateFile;
  return JSON.parse(readFileSync(join(request.assemblyDir, file), 'utf8')) as Template;
}

/** A toolkit factory that counts how often the toolkit was loaded. */
export function toolkitLoader(toolkit: ToolkitPort): {
  load: () => Promise<ToolkitPort>;
  loads: () => number;
} {
  let loads = 0;
  return {
    load: async () => {
      loads++;
      return toolkit;
    },
    loads: () => loads,
  };
}

export interface FakeStackSpec {
  /** The blueprint; the stack is `<env>-<blueprint>` unless `name` says otherwise. */
  readonly blueprint: string;
  readonly name?: string;
  /** @default the environment's region */
  readonly region?: string;
  /** Blueprints (or full stack names) of the same environment it depends on. */
  readonly dependsOn?: readonly string[];
  readonly resources?: Template['Resources'];
  readonly outputs?: Readonly<Record<string, string>>;
  readonly shared?: boolean;
  /** Changes the template (a code change). */
  readonly revision?: number;
  /** @default stateful */
  readonly role?: StackSummary['role'];
}

export interface FakeSynth {
  readonly synth: (config: EstateConfig, envName: string, opts: SynthOptions) => Promise<SynthResult>;
  readonly calls: { environment: string; accountIds?: Readonly<Record<string, string>> }[];
  /** Per environment name: its stacks (mutable: tests change them between runs). */
  readonly specs: Map<string, FakeStackSpec[]>;
}

/** A synthesis that writes a small assembly per environment under `root`, bound to the given account ids. */
export function fakeSynth(root: string, specs: Record<string, FakeStackSpec[]>): FakeSynth {
  const calls: FakeSynth['calls'] = [];
  const map = new Map(Object.entries(specs));
  return {
    calls,
    specs: map,
    synth: async (config, envName, opts) => {
      calls.push({ environment: envName, ...(opts.accountIds ? { accountIds: opts.accountIds } : {}) });
      const env = config.environments.find((e) => e.name === envName);
      if (!env) throw new Error(`no environment ${envName}`);
      const account =
        opts.accountIds?.[env.account] ?? config.accounts.find((a) => a.name === env.account)?.id;
      const region = env.region ?? config.organization.homeRegion;
      const dir = join(root, envName);
      mkdirSync(dir, { recursive: true });
      const stackSpecs = map.get(envName) ?? [];
      const nameOf = (b: string) => {
        const spec = stackSpecs.find((s) => s.blueprint === b);
        return spec ? (spec.name ?? `${envName}-${b}`) : b;
      };
      const artifacts: Record<string, unknown> = {};
      const stacks: StackSummary[] = [];
      for (const spec of stackSpecs) {
        const name = spec.name ?? `${envName}-${spec.blueprint}`;
        const artifactId = spec.shared ? `${name}-${env.account}-${spec.region ?? region}` : name;
        const template: Template = {
          Resources: spec.resources ?? {
            Topic: { Type: 'AWS::SNS::Topic', Properties: { Rev: spec.revision ?? 0 } },
          },
          ...(spec.outputs
            ? { Outputs: Object.fromEntries(Object.entries(spec.outputs).map(([k, v]) => [k, { Value: v }])) }
            : {}),
          Parameters: {
            BootstrapVersion: {
              Type: 'AWS::SSM::Parameter::Value<String>',
              Default: '/cdk-bootstrap/hnb659fds/version',
            },
          },
        };
        const templateFile = `${artifactId}.template.json`;
        writeFileSync(join(dir, templateFile), JSON.stringify(template));
        const templateHash = createHash('sha256').update(JSON.stringify(template)).digest('hex');
        const dependsOn = (spec.dependsOn ?? []).map(nameOf);
        artifacts[artifactId] = {
          type: 'aws:cloudformation:stack',
          environment: `aws://${account ?? 'unknown-account'}/${spec.region ?? region}`,
          properties: {
            templateFile,
            ...(artifactId !== name ? { stackName: name } : {}),
            tags: spec.shared
              ? { 'estate:shared': 'bedrock-invocation-logging' }
              : templateTags(env, spec.blueprint),
            requiresBootstrapStackVersion: 6,
            terminationProtection: env.protected,
            stackTemplateAssetObjectUrl: `s3://cdk-hnb659fds-assets-\${AWS::AccountId}-\${AWS::Region}/${templateHash}.json`,
          },
          dependencies: dependsOn.map((d) => d),
        };
        stacks.push({
          name,
          blueprint: spec.blueprint,
          region: spec.region ?? region,
          resources: Object.keys(template.Resources ?? {}).length,
          templateFile,
          templateBytes: JSON.stringify(template).length,
          ...(spec.shared ? { shared: true as const } : {}),
          artifactId,
          dependsOn,
          role: spec.role ?? 'stateful',
          ...(account ? { account } : {}),
        });
      }
      writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ version: '48.0.0', artifacts }));
      return {
        environment: envName,
        assemblyDir: dir,
        cached: false,
        cacheKey: 'fake',
        durationMs: 0,
        stacks,
        annotations: [],
      };
    },
  };
}

/** The template-level tags estate's synthesis gives a stack of the environment. */
export function templateTags(env: EnvironmentConfig, blueprint: string): Record<string, string> {
  return {
    'estate:env': env.name,
    'estate:profile': env.size,
    'estate:blueprint': blueprint,
    'estate:protected': String(env.protected),
    ...(env.owner ? { 'estate:owner': env.owner } : {}),
  };
}
