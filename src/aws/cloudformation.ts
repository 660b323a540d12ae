/**
 * StacksPort over SDK v3 CloudFormation clients, one per (account, region) through the
 * client factory (the member account's assumed role, estate's timeouts, retries and rate
 * limits).
 *
 * Facts from the CloudFormation API reference this relies on:
 * - DescribeStacks without a StackName describes every stack but "can impact performance"
 *   and may be denied by policy; AWS points to ListStacks instead. So stacks are listed with
 *   ListStacks (every NextToken, every status but DELETE_COMPLETE) and each is described by
 *   its id; one that is gone in between is left out.
 * - A stack that does not exist answers ValidationError "Stack with id X does not exist";
 *   estate reads that as "no such stack" (undefined, or nothing).
 * - GetTemplate TemplateStage Original returns the body as submitted: JSON, or YAML
 *   (toolkit-lib submits small templates as YAML), possibly with short-form intrinsics.
 * - DescribeStackEvents pages newest first; an operation starts with the stack's own
 *   CREATE/UPDATE/DELETE/IMPORT_IN_PROGRESS event.
 * - DetectStackDrift is asynchronous: DescribeStackDriftDetectionStatus goes
 *   DETECTION_IN_PROGRESS → DETECTION_COMPLETE | DETECTION_FAILED (FAILED still carries the
 *   results of the resources that were checked).
 * - CreateStack, UpdateStack and DeleteStack only start an operation; DescribeStacks is polled
 *   until the status leaves *_IN_PROGRESS (waitForStack). A ClientRequestToken makes a re-sent
 *   request (estate retries a timeout) the same request rather than a second one.
 * - UpdateStack with nothing to change answers ValidationError "No updates are to be performed.".
 *   UsePreviousTemplate keeps the template; every parameter must then be given, here with
 *   UsePreviousValue; the stack's capabilities and RoleARN are passed again (an update without
 *   RoleARN would use the caller's credentials instead of the execution role).
 * - A deleted stack is described by its id (DELETE_COMPLETE) and not by its name ("does not exist").
 */
import { randomUUID } from 'node:crypto';
import {
  CloudFormationClient,
  CreateStackCommand,
  DeleteStackCommand,
  DescribeStackDriftDetectionStatusCommand,
  DescribeStacksCommand,
  DetectStackDriftCommand,
  GetTemplateCommand,
  UpdateStackCommand,
  UpdateTerminationProtectionCommand,
  paginateDescribeStackEvents,
  paginateDescribeStackResourceDrifts,
  paginateListStackResources,
  paginateListStacks,
  StackStatus,
  type DescribeStackDriftDetectionStatusOutput,
  type DescribeStacksOutput,
  type GetTemplateOutput,
  type Stack,
  type StackEvent,
} from '@aws-sdk/client-cloudformation';
import { parseTemplate } from '../cfn-template.js';
import { mapConcurrent } from '../core/concurrency.js';
import type {
  CreateStackRequest,
  DeployedStack,
  StackDrift,
  StackFailure,
  StackLocation,
  StackOpsPort,
  StackResource,
  StacksPort,
} from '../core/env/ports.js';
import { EstateError } from '../errors.js';
import type { AwsClients } from './clients.js';
import { mapAwsError } from './errors.js';
import { collectPages, errorName, pagesOf } from './paginate.js';
import { perLocation, sleep as realSleep, type SendLike } from './send.js';

/** Every stack status except DELETE_COMPLETE (ListStacks' filter). */
export const LIVE_STATUSES = Object.values(StackStatus).filter((s) => s !== 'DELETE_COMPLETE');

/** The "no such stack" answer: ValidationError "Stack with id X does not exist". */
export function isMissingStack(error: unknown): boolean {
  return errorName(error) === 'ValidationError' && /does not exist/.test((error as Error).message ?? '');
}

const recordOf = <T>(
  items: readonly T[] | undefined,
  key: (t: T) => string | undefined,
  value: (t: T) => string | undefined,
) =>
  Object.fromEntries((items ?? []).flatMap((t) => (key(t) === undefined ? [] : [[key(t)!, value(t) ?? '']])));

export function toDeployedStack(s: Stack): DeployedStack {
  return {
    name: s.StackName ?? '',
    id: s.StackId ?? '',
    status: s.StackStatus ?? '',
    ...(s.StackStatusReason ? { statusReason: s.StackStatusReason } : {}),
    createdAt: s.CreationTime ?? new Date(0),
    ...(s.LastUpdatedTime ? { updatedAt: s.LastUpdatedTime } : {}),
    ...(s.Description ? { description: s.Description } : {}),
    tags: recordOf(
      s.Tags,
      (t) => t.Key,
      (t) => t.Value,
    ),
    outputs: recordOf(
      s.Outputs,
      (o) => o.OutputKey,
      (o) => o.OutputValue,
    ),
    // The value given at deploy, not ResolvedValue: for an SSM-typed parameter (CDK's
    // BootstrapVersion) that is the parameter's name, which is what the template's default
    // holds, so an unchanged stack compares equal.
    parameters: recordOf(
      s.Parameters,
      (p) => p.ParameterKey,
      (p) => p.ParameterValue,
    ),
    terminationProtection: s.EnableTerminationProtection ?? false,
  };
}

// ---------------------------------------------------------------- templates

export { parseTemplate } from '../cfn-template.js';

// ---------------------------------------------------------------- events

const OPERATION_START = /^(CREATE|UPDATE|DELETE|IMPORT)_IN_PROGRESS$/;
const CANCELLED = /cancelled/i;

const isStackEvent = (e: StackEvent) =>
  e.ResourceType === 'AWS::CloudFormation::Stack' && e.PhysicalResourceId === e.StackId;

// ---------------------------------------------------------------- adapter

export interface StacksOptions {
  /** Waits between drift detection polls. @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  /** @default 2000 */
  readonly pollMs?: number;
  /** Gives up on a drift detection after this long. @default 10 minutes */
  readonly maxPollMs?: number;
  /** DescribeStacks calls in flight while listing. @default 8 */
  readonly concurrency?: number;
  /** waitForStack: the longest wait between two DescribeStacks. @default 30 s */
  readonly maxPollIntervalMs?: number;
  /** waitForStack gives up after this long unless the call says otherwise. @default 60 minutes */
  readonly waitTimeoutMs?: number;
  /** @default randomUUID */
  readonly token?: () => string;
}

const toTags = (tags: Readonly<Record<string, string>>) =>
  Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));

const NO_UPDATES = /No updates are to be performed/;

/** A sleep that ends early (rejecting) when the signal aborts. */
function abortableSleep(
  sleep: (ms: number) => Promise<void>,
  ms: number,
  signal: AbortSignal | undefined,
): Promise<void> {
  if (!signal) return sleep(ms);
  if (signal.aborted) return Promise.reject(interrupted());
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => reject(interrupted());
    signal.addEventListener('abort', onAbort, { once: true });
    sleep(ms).then(
      () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error as Error);
      },
    );
  });
}

const interrupted = () =>
  new EstateError('interrupted while waiting for CloudFormation; the operation goes on in AWS', {
    code: 'Interrupted',
    source: 'user',
    exitCode: 130,
  });

export class AwsStacks implements StacksPort, StackOpsPort {
  /** `clientFor(at)` returns a (wrapped) CloudFormation client acting in that account and region. */
  private readonly client: (at: StackLocation) => SendLike;

  constructor(
    clientFor: (at: StackLocation) => SendLike,
    private readonly options: StacksOptions = {},
  ) {
    this.client = perLocation(clientFor);
  }

  private failed(error: unknown, at: StackLocation, action: string, target: string, permission?: string) {
    return mapAwsError(error, {
      action,
      service: 'cloudformation',
      account: at.accountId,
      target: `${target} in ${at.region}`,
      ...(permission ? { permission } : {}),
    });
  }

  async listStacks(at: StackLocation): Promise<readonly DeployedStack[]> {
    let summaries;
    try {
      summaries = await collectPages(
        'ListStacks',
        paginateListStacks(pagesOf(CloudFormationClient, this.client(at)), {
          StackStatusFilter: LIVE_STATUSES,
        }),
        (page) => page.StackSummaries,
      );
    } catch (error) {
      throw this.failed(error, at, 'ListStacks', 'stacks');
    }
    const described = await mapConcurrent(summaries, this.options.concurrency ?? 8, (s) =>
      this.describe(at, s.StackId ?? s.StackName ?? ''),
    );
    return described.filter((s): s is DeployedStack => s !== undefined && s.status !== 'DELETE_COMPLETE');
  }

  async describeStack(at: StackLocation, name: string): Promise<DeployedStack | undefined> {
    const stack = await this.describe(at, name);
    return stack?.status === 'DELETE_COMPLETE' ? undefined : stack;
  }

  private async describe(at: StackLocation, nameOrId: string): Promise<DeployedStack | undefined> {
    try {
      const out = (await this.client(at).send(
        new DescribeStacksCommand({ StackName: nameOrId }),
      )) as DescribeStacksOutput;
      const stack = out.Stacks?.[0];
      return stack ? toDeployedStack(stack) : undefined;
    } catch (error) {
      if (isMissingStack(error)) return undefined;
      throw this.failed(error, at, 'DescribeStacks', `stack ${nameOrId}`);
    }
  }

  async deployedTemplate(at: StackLocation, name: string): Promise<unknown> {
    let out: GetTemplateOutput;
    try {
      out = (await this.client(at).send(
        new GetTemplateCommand({ StackName: name, TemplateStage: 'Original' }),
      )) as GetTemplateOutput;
    } catch (error) {
      if (isMissingStack(error)) return undefined;
      throw this.failed(error, at, 'GetTemplate', `stack ${name}`);
    }
    if (out.TemplateBody === undefined) return undefined;
    try {
      return parseTemplate(out.TemplateBody);
    } catch (error) {
      throw new EstateError(
        `the template of stack ${name} in ${at.accountId}/${at.region} is neither JSON nor YAML: ${(error as Error).message}`,
        { code: 'TemplateUnreadable', source: 'aws', cause: error },
      );
    }
  }

  async stackResources(at: StackLocation, name: string): Promise<readonly StackResource[]> {
    try {
      const resources = await collectPages(
        'ListStackResources',
        paginateListStackResources(pagesOf(CloudFormationClient, this.client(at)), { StackName: name }),
        (page) => page.StackResourceSummaries,
      );
      return resources.map((r) => ({
        logicalId: r.LogicalResourceId ?? '',
        ...(r.PhysicalResourceId ? { physicalId: r.PhysicalResourceId } : {}),
        type: r.ResourceType ?? '',
        status: r.ResourceStatus ?? '',
        ...(r.ResourceStatusReason ? { statusReason: r.ResourceStatusReason } : {}),
      }));
    } catch (error) {
      if (isMissingStack(error)) return [];
      throw this.failed(error, at, 'ListStackResources', `stack ${name}`);
    }
  }

  async failures(at: StackLocation, name: string, since?: Date): Promise<readonly StackFailure[]> {
    const found: StackFailure[] = [];
    try {
      // Newest first: stop at the event that started the latest operation (or at `since`).
      pages: for await (const page of paginateDescribeStackEvents(
        pagesOf(CloudFormationClient, this.client(at)),
        { StackName: name },
      )) {
        for (const e of page.StackEvents ?? []) {
          if (since && e.Timestamp && e.Timestamp < since) break pages;
          const status = e.ResourceStatus ?? '';
          if (isStackEvent(e)) {
            if (OPERATION_START.test(status)) break pages;
            continue;
          }
          if (status.endsWith('_FAILED') && !CANCELLED.test(e.ResourceStatusReason ?? ''))
            found.push({
              logicalId: e.LogicalResourceId ?? '',
              ...(e.ResourceType ? { resourceType: e.ResourceType } : {}),
              status,
              reason: e.ResourceStatusReason ?? '',
            });
        }
      }
    } catch (error) {
      if (isMissingStack(error)) return [];
      throw this.failed(error, at, 'DescribeStackEvents', `stack ${name}`);
    }
    return found.reverse();
  }

  /** UpdateTerminationProtection: synchronous and idempotent (setting the value it has is fine). */
  async setTerminationProtection(at: StackLocation, name: string, enabled: boolean): Promise<void> {
    try {
      await this.client(at).send(
        new UpdateTerminationProtectionCommand({ StackName: name, EnableTerminationProtection: enabled }),
      );
    } catch (error) {
      throw this.failed(error, at, 'UpdateTerminationProtection', `stack ${name}`);
    }
  }

  // ---------------------------------------------------------------- operations (StackOpsPort)

  async createStack(at: StackLocation, request: CreateStackRequest): Promise<string> {
    let out: { StackId?: string };
    try {
      out = (await this.client(at).send(
        new CreateStackCommand({
          StackName: request.name,
          TemplateURL: request.templateUrl,
          Tags: toTags(request.tags),
          ...(request.parameters
            ? {
                Parameters: Object.entries(request.parameters).map(([ParameterKey, ParameterValue]) => ({
                  ParameterKey,
                  ParameterValue,
                })),
              }
            : {}),
          Capabilities: [...request.capabilities] as never,
          ...(request.roleArn ? { RoleARN: request.roleArn } : {}),
          EnableTerminationProtection: request.terminationProtection ?? false,
          ClientRequestToken: this.token('create'),
        }),
      )) as { StackId?: string };
    } catch (error) {
      if (errorName(error) === 'AlreadyExistsException')
        throw new EstateError(
          `cannot create stack ${request.name} in ${at.accountId}/${at.region}: it already exists`,
          {
            code: 'StackExists',
            source: 'aws',
            cause: error,
            suggestions: [`see \`estate env status\`; delete ${request.name} first if it is a leftover`],
          },
        );
      throw this.failed(error, at, 'CreateStack', `stack ${request.name}`);
    }
    return out.StackId ?? request.name;
  }

  async deleteStack(at: StackLocation, name: string, roleArn?: string): Promise<void> {
    try {
      await this.client(at).send(
        new DeleteStackCommand({
          StackName: name,
          ...(roleArn ? { RoleARN: roleArn } : {}),
          ClientRequestToken: this.token('delete'),
        }),
      );
    } catch (error) {
      throw this.failed(error, at, 'DeleteStack', `stack ${name}`);
    }
  }

  async updateStackTags(
    at: StackLocation,
    name: string,
    tags: Readonly<Record<string, string>>,
  ): Promise<void> {
    let stack: Stack | undefined;
    try {
      stack = (
        (await this.client(at).send(new DescribeStacksCommand({ StackName: name }))) as DescribeStacksOutput
      ).Stacks?.[0];
    } catch (error) {
      throw this.failed(error, at, 'DescribeStacks', `stack ${name}`);
    }
    if (!stack)
      throw new EstateError(`cannot retag stack ${name} in ${at.accountId}/${at.region}: it does not exist`, {
        code: 'StackMissing',
        source: 'aws',
      });
    const since = new Date();
    try {
      await this.client(at).send(
        new UpdateStackCommand({
          StackName: stack.StackId ?? name,
          UsePreviousTemplate: true,
          Parameters: (stack.Parameters ?? []).map((p) => ({
            ParameterKey: p.ParameterKey,
            UsePreviousValue: true,
          })),
          ...(stack.Capabilities?.length ? { Capabilities: stack.Capabilities } : {}),
          ...(stack.RoleARN ? { RoleARN: stack.RoleARN } : {}),
          Tags: toTags(tags),
          ClientRequestToken: this.token('retag'),
        }),
      );
    } catch (error) {
      if (errorName(error) === 'ValidationError' && NO_UPDATES.test((error as Error).message ?? '')) return;
      throw this.failed(error, at, 'UpdateStack', `stack ${name}`);
    }
    const after = await this.waitForStack(at, stack.StackId ?? name);
    if (after?.status === 'UPDATE_COMPLETE') return;
    const failure = (await this.failures(at, stack.StackId ?? name, since).catch(() => []))[0];
    const why = failure
      ? `${failure.logicalId} ${failure.status}: ${failure.reason}`
      : (after?.statusReason ?? 'no reason given');
    throw new EstateError(
      `updating the tags of stack ${name} in ${at.accountId}/${at.region} ended in ${after?.status ?? 'DELETE_COMPLETE'}: ${why}`,
      {
        code: 'StackUpdateFailed',
        source: 'aws',
        suggestions: ['see the stack events in the CloudFormation console; the previous tags are back'],
      },
    );
  }

  async waitForStack(
    at: StackLocation,
    nameOrId: string,
    options: { readonly timeoutMs?: number; readonly signal?: AbortSignal } = {},
  ): Promise<DeployedStack | undefined> {
    const wait = this.options.sleep ?? realSleep;
    const maxInterval = this.options.maxPollIntervalMs ?? 30_000;
    const timeoutMs = options.timeoutMs ?? this.options.waitTimeoutMs ?? 60 * 60_000;
    let interval = this.options.pollMs ?? 2000;
    for (let waited = 0; ;) {
      if (options.signal?.aborted) throw interrupted();
      const stack = await this.describe(at, nameOrId);
      if (!stack || stack.status === 'DELETE_COMPLETE') return undefined;
      if (!stack.status.endsWith('_IN_PROGRESS') || stack.status === 'REVIEW_IN_PROGRESS') return stack;
      if (waited >= timeoutMs)
        throw new EstateError(
          `stack ${stack.name} in ${at.accountId}/${at.region} was still ${stack.status} after ${Math.round(timeoutMs / 60_000)} min`,
          {
            code: 'StackWaitTimeout',
            source: 'aws',
            suggestions: ['the operation goes on in CloudFormation: run the command again later to continue'],
          },
        );
      await abortableSleep(wait, interval, options.signal);
      waited += interval;
      interval = Math.min(maxInterval, Math.ceil(interval * 1.5));
    }
  }

  private token(what: string): string {
    return `estate-${what}-${(this.options.token ?? randomUUID)()}`;
  }

  async detectDrift(at: StackLocation, name: string): Promise<StackDrift> {
    const client = this.client(at);
    let id: string | undefined;
    try {
      id = (
        (await client.send(new DetectStackDriftCommand({ StackName: name }))) as {
          StackDriftDetectionId?: string;
        }
      ).StackDriftDetectionId;
    } catch (error) {
      throw this.failed(error, at, 'DetectStackDrift', `stack ${name}`);
    }
    const status = await this.driftStatus(at, name, id ?? '');
    let drifts;
    try {
      drifts = await collectPages(
        'DescribeStackResourceDrifts',
        paginateDescribeStackResourceDrifts(pagesOf(CloudFormationClient, client), {
          StackName: name,
          StackResourceDriftStatusFilters: ['MODIFIED', 'DELETED'],
        }),
        (page) => page.StackResourceDrifts,
      );
    } catch (error) {
      throw this.failed(error, at, 'DescribeStackResourceDrifts', `stack ${name}`);
    }
    return {
      status: (status.StackDriftStatus ?? 'UNKNOWN') as StackDrift['status'],
      drifted: drifts.map((d) => ({
        logicalId: d.LogicalResourceId ?? '',
        resourceType: d.ResourceType ?? '',
        status: d.StackResourceDriftStatus ?? '',
      })),
    };
  }

  /** Polls DescribeStackDriftDetectionStatus until the detection is no longer in progress. */
  private async driftStatus(
    at: StackLocation,
    name: string,
    id: string,
  ): Promise<DescribeStackDriftDetectionStatusOutput> {
    const wait = this.options.sleep ?? realSleep;
    const pollMs = this.options.pollMs ?? 2000;
    const maxPollMs = this.options.maxPollMs ?? 10 * 60_000;
    for (let waited = 0; ; waited += pollMs) {
      let out: DescribeStackDriftDetectionStatusOutput;
      try {
        out = (await this.client(at).send(
          new DescribeStackDriftDetectionStatusCommand({ StackDriftDetectionId: id }),
        )) as DescribeStackDriftDetectionStatusOutput;
      } catch (error) {
        throw this.failed(error, at, 'DescribeStackDriftDetectionStatus', `stack ${name}`);
      }
      if (out.DetectionStatus !== 'DETECTION_IN_PROGRESS') return out;
      if (waited >= maxPollMs)
        throw new EstateError(
          `drift detection ${id} of stack ${name} in ${at.accountId}/${at.region} was still in progress after ${Math.round(maxPollMs / 1000)} s`,
          {
            code: 'DriftDetectionTimeout',
            source: 'aws',
            suggestions: [
              'run `estate env status --drift` again later: the detection goes on in CloudFormation',
            ],
          },
        );
      await wait(pollMs);
    }
  }
}

export function stacksPort(clients: AwsClients, options?: StacksOptions): AwsStacks {
  return new AwsStacks(
    (at) =>
      clients.client(CloudFormationClient, 'CLOUDFORMATION', { account: at.accountId, region: at.region }),
    options,
  );
}
