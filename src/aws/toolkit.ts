/**
 * ToolkitPort over `@aws-cdk/toolkit-lib` 1.43, run in-process. This is the only file that
 * loads toolkit-lib, and only through the dynamic import in {@link loadToolkit}: importing it
 * costs ~3 s and ~165 MB, so `env list`, `env status` and `--help` never pay for it.
 *
 * What this relies on, read in toolkit-lib's source (lib/…):
 * - Credentials (toolkit/toolkit.js, api/aws-auth/base-credentials.js, sdk-provider.js):
 *   `sdkConfig.baseCredentials` = `BaseCredentials.custom({ provider, region })` hands the
 *   provider over as is; `region` is only the default region (its STS GetCallerIdentity and
 *   UNKNOWN_REGION). The SdkProvider is built once per Toolkit, so estate builds one Toolkit
 *   per target account, with that account's provider from estate's client factory (the
 *   assumed role, refreshed before expiry). toolkit-lib then assumes the bootstrap roles
 *   (deploy, file publishing) from those credentials itself.
 * - HTTP (api/aws-auth/awscli-compatible.js `sdkRequestHandler`, sdk.js): the only HTTP
 *   setting `sdkConfig` takes is `httpOptions.agent` (for a proxy; estate configures none).
 *   toolkit-lib's own clients keep their fixed 10 s connect / 300 s request timeouts and
 *   their own retry strategy (7 attempts, capped backoff); they do not go through estate's
 *   timeouts, retry layer, rate limits or audit wrapper. Hence the explicit audit lines here,
 *   and CloudFormation's polling interval (`stackEventPollingInterval`) is passed on.
 * - IoHost (api/io/io-host.d.ts, io/private/messages.js): every message is sent, whatever
 *   its level; requests carry `defaultResponse`, and toolkit-lib has no approval option: it
 *   asks CDK_TOOLKIT_I5060 before executing each stack's change set (data:
 *   permissionChangeType none | non-broadening | broadening; not asked when the prepared
 *   change set is empty), I5050 before rolling back a stack left in a paused failed state,
 *   I7010 before destroying. A declined deploy throws (AbortError DeployAborted) and deletes
 *   the change set (and the REVIEW_IN_PROGRESS stack a new stack leaves); a declined destroy
 *   returns `{ stacks: [] }` without throwing. Stack events arrive as I5502 (data.event =
 *   the CloudFormation StackEvent, data.progress.formatted = "[3/10]"); a deploy's result is
 *   I5900 (data.noOp true when the change set had nothing to do); a stack diff is I4002
 *   (data.formattedDiff, data.permissionChanges).
 * - Messages of concurrent calls on one Toolkit carry no stack id (I5060 and I7010 have none),
 *   so each call runs in its own AsyncLocalStorage context and the IoHost finds its call there
 *   (the context follows the toolkit's awaits and its event-polling timers).
 * - Assembly (api/cloud-assembly/source-builder.js): `fromAssemblyDirectory(dir)` returns a
 *   source that reads the folder (under a read lock) on every use, so one source per folder
 *   serves every call. Stacks are selected by artifact id with PATTERN_MUST_MATCH_SINGLE and
 *   no expansion (the default): the engine orders stacks itself.
 * - Deploy (toolkit.js `_deploy`): `tags` replaces the artifact's tags when non-empty, so the
 *   full set is passed; `deploymentMethod: change-set` creates the change set before asking,
 *   so the question shows its real diff and an empty change set is not asked about.
 * - TemplateURL (api/cloudformation/template-body-parameter.js `restUrlFromManifest`): the
 *   template's S3 URL given to CloudFormation is built by an S3 client for the region with
 *   AWS_ENDPOINT_URL_S3 replaced, for that moment, by AWS_ENDPOINT_URL_S3_FOR_CLOUDFORMATION
 *   (deleted when unset), and only the endpoint's origin is kept. Unset, a global
 *   AWS_ENDPOINT_URL still leaks into the URL and an AWS_ENDPOINT_URL_S3 is ignored, so the
 *   template would be fetched from the wrong place: see {@link pointTemplateUrlsAtS3}.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { stripVTControlCharacters } from 'node:util';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import type {
  BootstrapRequest,
  DeployOutcome,
  DeployRequest,
  DestroyOutcome,
  PermissionChange,
  ResourceDiff,
  StackDiff,
  StackFailure,
  StackLocation,
  StackRequest,
  StacksPort,
  ToolkitPort,
} from '../core/env/ports.js';
import { ioMessage, type IoHost, type IoLevel, type Task } from '../core/io.js';
import { EstateError } from '../errors.js';
import type { AuditLog } from './audit.js';
// Types only: erased from the JavaScript, so loading this file does not load toolkit-lib.
import type * as ToolkitLib from '@aws-cdk/toolkit-lib';

type Lib = typeof ToolkitLib;
type Toolkit = ToolkitLib.Toolkit;
type Source = ToolkitLib.ICloudAssemblySource;
type LibMessage = Parameters<ToolkitLib.IIoHost['notify']>[0];
type LibRequest = Parameters<ToolkitLib.IIoHost['requestResponse']>[0];

/** toolkit-lib's message codes this adapter acts on (io/private/messages.js). */
export const CDK = {
  DIFF_STACK: 'CDK_TOOLKIT_I4002',
  CONFIRM_ROLLBACK: 'CDK_TOOLKIT_I5050',
  CONFIRM_DEPLOY: 'CDK_TOOLKIT_I5060',
  MONITOR_START: 'CDK_TOOLKIT_I5501',
  STACK_ACTIVITY: 'CDK_TOOLKIT_I5502',
  MONITOR_END: 'CDK_TOOLKIT_I5503',
  DEPLOY_RESULT: 'CDK_TOOLKIT_I5900',
  CONFIRM_DESTROY: 'CDK_TOOLKIT_I7010',
} as const;

// ---------------------------------------------------------------- endpoints

/**
 * Makes the TemplateURL toolkit-lib gives CloudFormation point at the S3 estate talks to:
 * with AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL set and AWS_ENDPOINT_URL_S3_FOR_CLOUDFORMATION
 * not, sets the latter to that S3 endpoint (see the TemplateURL note at the top). Against AWS
 * itself (none of them set) nothing changes. Returns the value set, if any.
 */
export function pointTemplateUrlsAtS3(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const s3 = env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL;
  if (!s3 || env.AWS_ENDPOINT_URL_S3_FOR_CLOUDFORMATION) return undefined;
  env.AWS_ENDPOINT_URL_S3_FOR_CLOUDFORMATION = s3;
  return s3;
}

// ---------------------------------------------------------------- the IoHost adapter

/** One toolkit call in flight: where its messages go and what its answers were. */
export interface ToolkitCall {
  readonly stackName?: string;
  readonly task: Task;
  readonly approve?: (change: PermissionChange) => Promise<boolean>;
  readonly confirm?: () => Promise<boolean>;
  /** Set when estate answered "no": why. */
  declined?: string;
  /** Set when estate refused a rollback (I5050): the toolkit's motivation. */
  rollbackRefused?: string;
  /** Failed resource events seen in the stack's activity, oldest first. */
  readonly failures: StackFailure[];
  /** I5900 said the change set had nothing to do. */
  noOp?: boolean;
  /** I4002 of the stack. */
  diff?: { readonly text: string; readonly permissionChange: PermissionChange };
  /** When the call started (ms): stack activity shows the time since. */
  readonly startedAt?: number;
}

interface ActivityEvent {
  readonly StackId?: string;
  readonly StackName?: string;
  readonly LogicalResourceId?: string;
  readonly PhysicalResourceId?: string;
  readonly ResourceType?: string;
  readonly ResourceStatus?: string;
  readonly ResourceStatusReason?: string;
}

const plain = (text: string) => stripVTControlCharacters(text).trim();
const firstLine = (text: string) => plain(text).split('\n')[0] ?? '';

function isStackItself(e: ActivityEvent): boolean {
  return (
    e.ResourceType === 'AWS::CloudFormation::Stack' &&
    (e.PhysicalResourceId === e.StackId || e.LogicalResourceId === e.StackName)
  );
}

/** A failed resource event (not the stack's own, not a cancellation caused by another). */
export function failureOf(e: ActivityEvent): StackFailure | undefined {
  const status = e.ResourceStatus ?? '';
  if (!status.endsWith('_FAILED') || isStackItself(e) || /cancelled/i.test(e.ResourceStatusReason ?? ''))
    return undefined;
  return {
    logicalId: e.LogicalResourceId ?? '',
    ...(e.ResourceType ? { resourceType: e.ResourceType } : {}),
    status,
    reason: e.ResourceStatusReason ?? '',
  };
}

/** `12s`, `4m05s`, `1h02m`: how long a stack operation has run. */
export function elapsedText(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/** `[3/10] Table (AWS::DynamoDB::Table) CREATE_FAILED: reason`. */
export function activityLine(e: ActivityEvent, progress?: string): string {
  const reason = e.ResourceStatusReason ? `: ${e.ResourceStatusReason}` : '';
  const type = e.ResourceType ? ` (${e.ResourceType})` : '';
  return `${progress ? `${progress} ` : ''}${e.LogicalResourceId ?? '?'}${type} ${e.ResourceStatus ?? ''}${reason}`;
}

const LEVELS: Readonly<Record<string, IoLevel>> = {
  error: 'error',
  warn: 'warn',
  info: 'info',
  // A toolkit "result" (deploy results, diffs) is not estate's result on stdout.
  result: 'info',
  debug: 'debug',
  trace: 'trace',
};

/**
 * toolkit-lib's IoHost, speaking to estate's. Inside a call (see {@link ToolkitCall}): stack
 * activity becomes the stack task's update, other info lines too (the toolkit's own chatter,
 * "deploying…", outputs), warnings go to estate's host as warnings, errors are left to the
 * call's outcome (which carries them). Outside a call, levels map one to one. debug and
 * trace reach estate only when it is verbose, then as info (estate's hosts hide debug).
 *
 * Requests: I5060 (deploy) → the call's `approve(permissionChangeType)`; I7010 (destroy) →
 * its `confirm()`. I5050 (roll back a stack left in a paused failed state before deploying)
 * is answered no: such a stack was paused on purpose (deployed with --no-rollback) and
 * rolling it back discards what its owner left to inspect; the outcome says how to proceed.
 * Any other yes/no question (imports, refactors, orphaning, asset deletion, which estate
 * never asks for) is answered no; any other request gets its default answer.
 */
export class ToolkitIoHost {
  private readonly calls = new AsyncLocalStorage<ToolkitCall>();

  constructor(
    private readonly io: IoHost,
    private readonly verbose = false,
    private readonly now: () => number = Date.now,
  ) {}

  /** Runs `fn` as `call`: the toolkit's messages during it are attributed to it. */
  run<T>(call: ToolkitCall, fn: () => Promise<T>): Promise<T> {
    return this.calls.run(call, fn);
  }

  async notify(msg: LibMessage): Promise<void> {
    const call = this.calls.getStore();
    const data = msg.data as Record<string, unknown> | undefined;
    switch (msg.code) {
      case CDK.STACK_ACTIVITY: {
        const event = (data?.event ?? {}) as ActivityEvent;
        const failure = failureOf(event);
        if (call) {
          if (failure) call.failures.push(failure);
          const line = activityLine(event, (data?.progress as { formatted?: string })?.formatted);
          // A landing zone takes 30–45 minutes: say how long the stack has been at it.
          await call.task.update(
            call.startedAt === undefined ? line : `${elapsedText(this.now() - call.startedAt)} ${line}`,
          );
          return;
        }
        break;
      }
      case CDK.DEPLOY_RESULT:
        if (call && typeof data?.noOp === 'boolean') call.noOp = data.noOp;
        break;
      case CDK.DIFF_STACK:
        if (call) {
          const formatted = data?.formattedDiff as { diff?: string } | undefined;
          call.diff = {
            text: plain(formatted?.diff ?? msg.message),
            permissionChange: (data?.permissionChanges as PermissionChange | undefined) ?? 'none',
          };
          return;
        }
        break;
      case CDK.MONITOR_START:
      case CDK.MONITOR_END:
        if (call) return;
        break;
    }
    const level = LEVELS[msg.level] ?? 'info';
    if ((level === 'debug' || level === 'trace') && !this.verbose) return;
    const text = plain(msg.message);
    if (!text) return;
    if (call && level === 'error') return;
    if (call && level === 'info') {
      await call.task.update(firstLine(text));
      return;
    }
    const shown: IoLevel = level === 'debug' || level === 'trace' ? 'info' : level;
    await this.io.notify(
      ioMessage(
        shown,
        msg.code ?? 'CDK_TOOLKIT_I0000',
        call?.stackName ? `${call.stackName}: ${text}` : text,
      ),
    );
  }

  async requestResponse<T>(msg: LibRequest & { defaultResponse: T }): Promise<T> {
    const call = this.calls.getStore();
    const data = msg.data as Record<string, unknown> | undefined;
    const answer = async (): Promise<unknown> => {
      switch (msg.code) {
        case CDK.CONFIRM_DEPLOY: {
          const change = (data?.permissionChangeType as PermissionChange | undefined) ?? 'none';
          const yes = call?.approve ? await call.approve(change) : false;
          if (!yes && call)
            call.declined =
              change === 'none'
                ? 'the change was not approved'
                : `the ${change} IAM/security-group change was not approved`;
          return yes;
        }
        case CDK.CONFIRM_DESTROY: {
          const yes = call?.confirm ? await call.confirm() : false;
          if (!yes && call) call.declined = 'the destroy was not confirmed';
          return yes;
        }
        case CDK.CONFIRM_ROLLBACK:
          if (call) call.rollbackRefused = plain(String(data?.motivation ?? msg.message));
          return false;
      }
      return typeof msg.defaultResponse === 'boolean' ? false : msg.defaultResponse;
    };
    return (await answer()) as T;
  }
}

// ---------------------------------------------------------------- the port

export interface ToolkitAdapterOptions {
  /** The credentials estate uses in an account (AwsClients.credentialsFor). */
  readonly credentialsFor: (accountId: string) => AwsCredentialIdentityProvider;
  /** Default region of toolkit-lib's SDK (its STS calls). */
  readonly region: string;
  /** estate's interaction port. */
  readonly io: IoHost;
  /** Show toolkit-lib's debug and trace messages. @default false */
  readonly verbose?: boolean;
  readonly auditLog?: AuditLog;
  /** Where a failure's resource and reason are looked up when the events did not show them. */
  readonly stacks?: Pick<StacksPort, 'failures'>;
  /** CloudFormation polling interval in ms (toolkit-lib's default 2000; tests use less). */
  readonly pollMs?: number;
  /** The environment toolkit-lib reads (its endpoints). @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** The clock of the elapsed time in stack activity. @default Date.now */
  readonly now?: () => number;
}

const errorText = (error: unknown): string => {
  const e = error as { message?: string; cause?: { message?: string } } | undefined;
  const message = e?.cause?.message ?? e?.message ?? String(error);
  return plain(message).replace(/^❌\s*\S+ failed:\s*/, '');
};

export class CdkToolkit implements ToolkitPort {
  private readonly toolkits = new Map<string, Toolkit>();
  private readonly sources = new Map<string, Promise<Source>>();
  readonly ioHost: ToolkitIoHost;

  constructor(
    private readonly lib: Lib,
    private readonly options: ToolkitAdapterOptions,
  ) {
    this.ioHost = new ToolkitIoHost(options.io, options.verbose, options.now);
  }

  /** One Toolkit per target account: its SDK provider holds that account's credentials. */
  toolkitFor(accountId: string): Toolkit {
    let toolkit = this.toolkits.get(accountId);
    if (!toolkit) {
      pointTemplateUrlsAtS3(this.options.env);
      toolkit = new this.lib.Toolkit({
        ioHost: this.ioHost,
        emojis: false,
        color: false,
        sdkConfig: {
          baseCredentials: this.lib.BaseCredentials.custom({
            provider: this.options.credentialsFor(accountId),
            region: this.options.region,
          }),
        },
      });
      this.toolkits.set(accountId, toolkit);
    }
    return toolkit;
  }

  private source(accountId: string, assemblyDir: string): Promise<Source> {
    const key = `${accountId}\0${assemblyDir}`;
    let source = this.sources.get(key);
    if (!source) {
      source = this.toolkitFor(accountId).fromAssemblyDirectory(assemblyDir);
      this.sources.set(key, source);
      source.catch(() => this.sources.delete(key));
    }
    return source;
  }

  private select(artifactId: string) {
    return {
      strategy: this.lib.StackSelectionStrategy.PATTERN_MUST_MATCH_SINGLE,
      patterns: [artifactId],
    };
  }

  private async audit(at: StackLocation, action: string, stackName: string, error?: string): Promise<void> {
    await this.options.auditLog?.record({
      service: 'cloudformation',
      account: at.accountId,
      action,
      input: { StackName: stackName },
      result: error === undefined ? 'ok' : 'error',
      ...(error === undefined ? {} : { error }),
    });
  }

  /** The first failed resource: from the events the toolkit showed, else from CloudFormation. */
  private async failure(
    call: ToolkitCall,
    at: StackLocation,
    since: Date,
  ): Promise<StackFailure | undefined> {
    if (call.failures[0]) return call.failures[0];
    if (!call.stackName || !this.options.stacks) return undefined;
    try {
      return (await this.options.stacks.failures(at, call.stackName, since))[0];
    } catch {
      return undefined;
    }
  }

  async deploy(request: DeployRequest): Promise<DeployOutcome> {
    const { at, stackName } = request;
    const started = new Date();
    const call: ToolkitCall = {
      stackName,
      task: request.task,
      approve: request.approve,
      failures: [],
      startedAt: (this.options.now ?? Date.now)(),
    };
    const prepareOnly = request.execute === false;
    if (prepareOnly && !request.changeSetName)
      throw new EstateError(`internal: deploy of ${stackName} with execute: false needs a changeSetName`, {
        code: 'NoChangeSetName',
        source: 'internal',
      });
    const outcome = await this.ioHost.run(call, async (): Promise<DeployOutcome> => {
      try {
        const toolkit = this.toolkitFor(at.accountId);
        const result = await toolkit.deploy(await this.source(at.accountId, request.assemblyDir), {
          stacks: this.select(request.artifactId),
          tags: Object.entries(request.tags).map(([Key, Value]) => ({ Key, Value })),
          // execute: false creates the change set (after the confirmation) and leaves it in review.
          deploymentMethod: prepareOnly
            ? { method: 'change-set', execute: false, changeSetName: request.changeSetName }
            : {
                method: 'change-set',
                ...(request.changeSetName ? { changeSetName: request.changeSetName } : {}),
              },
          ...(this.options.pollMs ? { stackEventPollingInterval: this.options.pollMs } : {}),
        });
        const deployed = result.stacks.find((s) => s.stackName === stackName) ?? result.stacks[0];
        if (!deployed)
          return {
            status: 'failed',
            reason: `toolkit-lib deployed nothing for ${stackName} (artifact ${request.artifactId} has no resources?)`,
          };
        if (call.noOp) return { status: 'unchanged', outputs: { ...deployed.outputs } };
        return {
          status: 'deployed',
          outputs: { ...deployed.outputs },
          ...(prepareOnly ? { changeSetName: request.changeSetName! } : {}),
        };
      } catch (error) {
        if (call.declined) return { status: 'declined', reason: call.declined };
        if (call.rollbackRefused)
          return {
            status: 'failed',
            reason: `${call.rollbackRefused}: estate does not roll back a stack left paused on a failure; roll it back (aws cloudformation rollback-stack --stack-name ${stackName}) or fix it, then deploy again`,
          };
        const failure = await this.failure(call, at, started);
        return { status: 'failed', reason: errorText(error), ...(failure ? { failure } : {}) };
      }
    });
    await this.audit(at, prepareOnly ? 'CreateChangeSet' : 'Deploy', stackName, outcomeError(outcome));
    return outcome;
  }

  async destroy(
    request: StackRequest & { readonly confirm: () => Promise<boolean> },
  ): Promise<DestroyOutcome> {
    const { at, stackName } = request;
    const call: ToolkitCall = { stackName, task: request.task, confirm: request.confirm, failures: [] };
    const started = new Date();
    const outcome = await this.ioHost.run(call, async (): Promise<DestroyOutcome> => {
      try {
        const toolkit = this.toolkitFor(at.accountId);
        const result = await toolkit.destroy(await this.source(at.accountId, request.assemblyDir), {
          stacks: this.select(request.artifactId),
          ...(this.options.pollMs ? { stackEventPollingInterval: this.options.pollMs } : {}),
        });
        // A declined destroy returns an empty result without an error.
        if (call.declined) return { status: 'declined', reason: call.declined };
        if (result.stacks.length === 0)
          return {
            status: 'failed',
            reason: `toolkit-lib destroyed nothing: ${request.artifactId} is not in the assembly`,
          };
        return { status: 'destroyed' };
      } catch (error) {
        if (call.declined) return { status: 'declined', reason: call.declined };
        const failure = await this.failure(call, at, started);
        return { status: 'failed', reason: errorText(error), ...(failure ? { failure } : {}) };
      }
    });
    await this.audit(at, 'Destroy', stackName, outcomeError(outcome));
    return outcome;
  }

  async diff(request: StackRequest): Promise<StackDiff> {
    const { at, stackName } = request;
    const call: ToolkitCall = { stackName, task: request.task, failures: [] };
    return this.ioHost.run(call, async () => {
      let diffs: Record<string, TemplateDiffLike>;
      try {
        const toolkit = this.toolkitFor(at.accountId);
        diffs = (await toolkit.diff(await this.source(at.accountId, request.assemblyDir), {
          stacks: this.select(request.artifactId),
        })) as unknown as Record<string, TemplateDiffLike>;
      } catch (error) {
        throw new EstateError(
          `cannot diff stack ${stackName} in ${at.accountId}/${at.region}: ${errorText(error)}`,
          {
            code: 'DiffFailed',
            source: 'aws',
            cause: error,
          },
        );
      }
      const diff = diffs[stackName] ?? Object.values(diffs)[0];
      return {
        stackName,
        resources: diff ? resourceChanges(diff) : [],
        permissionChange: call.diff?.permissionChange ?? (diff?.permissionsBroadened ? 'broadening' : 'none'),
        securityChanges: diff ? securityLines(diff) : [],
        text: call.diff?.text ?? '',
      };
    });
  }

  async bootstrap(request: BootstrapRequest): Promise<void> {
    const { at } = request;
    const call: ToolkitCall = { stackName: 'CDKToolkit', task: request.task, failures: [] };
    const started = new Date();
    let failed: unknown;
    await this.ioHost.run(call, async () => {
      try {
        const toolkit = this.toolkitFor(at.accountId);
        await toolkit.bootstrap(
          this.lib.BootstrapEnvironments.fromList([`aws://${at.accountId}/${at.region}`]),
          {
            parameters: this.lib.BootstrapStackParameters.withExisting({
              qualifier: request.qualifier,
              trustedAccounts: [...request.trustedAccounts],
              cloudFormationExecutionPolicies: [...request.executionPolicies],
            }),
          },
        );
      } catch (error) {
        failed = error;
      }
    });
    await this.audit(at, 'Bootstrap', toolkitStackName, failed === undefined ? undefined : errorText(failed));
    if (failed !== undefined) {
      const failure = await this.failure(call, at, started);
      throw new EstateError(
        `cannot bootstrap ${at.accountId}/${at.region} (qualifier ${request.qualifier}): ${errorText(failed)}${failure ? ` (${failure.logicalId}: ${failure.reason})` : ''}`,
        {
          code: 'BootstrapFailed',
          source: 'aws',
          cause: failed,
          details: { account: at.accountId, region: at.region, ...(failure ? { failure } : {}) },
          suggestions: ['run the deploy again: the bootstrap continues from what CloudFormation shows'],
        },
      );
    }
  }
}

const toolkitStackName = 'CDKToolkit';

function outcomeError(outcome: DeployOutcome | DestroyOutcome): string | undefined {
  if (outcome.status === 'failed') return outcome.reason;
  if (outcome.status === 'declined') return `declined: ${outcome.reason}`;
  return undefined;
}

// ---------------------------------------------------------------- diffs

/** The part of @aws-cdk/cloudformation-diff's TemplateDiff read here. */
interface TemplateDiffLike {
  readonly resources: {
    forEachDifference(
      cb: (
        logicalId: string,
        change: { readonly changeImpact: string; readonly resourceType?: string },
      ) => void,
    ): void;
  };
  readonly permissionsBroadened?: boolean;
  readonly iamChanges?: {
    summarizeStatements(): string[][];
    summarizeManagedPolicies(): string[][];
  };
  readonly securityGroupChanges?: { summarize(): string[][] };
}

const IMPACT: Readonly<Record<string, ResourceDiff['change']>> = {
  WILL_CREATE: 'add',
  WILL_IMPORT: 'add',
  WILL_UPDATE: 'update',
  WILL_REPLACE: 'replace',
  MAY_REPLACE: 'replace',
  WILL_DESTROY: 'remove',
  WILL_ORPHAN: 'remove',
};

export function resourceChanges(diff: TemplateDiffLike): ResourceDiff[] {
  const out: ResourceDiff[] = [];
  diff.resources.forEachDifference((logicalId, change) => {
    const kind = IMPACT[change.changeImpact];
    if (kind) out.push({ logicalId, type: change.resourceType ?? '', change: kind });
  });
  return out;
}

/** One line per row of the IAM statement, managed policy and security group tables. */
export function securityLines(diff: TemplateDiffLike): string[] {
  const tables = [
    diff.iamChanges?.summarizeStatements(),
    diff.iamChanges?.summarizeManagedPolicies(),
    diff.securityGroupChanges?.summarize(),
  ];
  return tables.flatMap((table) => {
    if (!table || table.length < 2) return [];
    const [header, ...rows] = table as [string[], ...string[][]];
    return rows.map((row) => {
      const cell = (i: number) => plain(row[i] ?? '').replace(/\s*\n\s*/g, ', ');
      const fields = row
        .map((_, i) => i)
        .slice(1)
        .filter((i) => cell(i))
        .map((i) => `${plain(header[i] ?? '')}: ${cell(i)}`);
      return `${cell(0) || '~'} ${fields.join('; ')}`;
    });
  });
}

// ---------------------------------------------------------------- loading

/** Loads toolkit-lib (the one import of it) and builds the port. */
export async function loadToolkit(options: ToolkitAdapterOptions): Promise<CdkToolkit> {
  const lib = await import('@aws-cdk/toolkit-lib');
  return new CdkToolkit(lib, options);
}
