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
 */
import {
  CloudFormationClient,
  DescribeStackDriftDetectionStatusCommand,
  DescribeStacksCommand,
  DetectStackDriftCommand,
  GetTemplateCommand,
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
import { parse as parseYaml, type Tags } from 'yaml';
import { mapConcurrent } from '../core/concurrency.js';
import type {
  DeployedStack,
  StackDrift,
  StackFailure,
  StackLocation,
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

/** The short-form intrinsics of CloudFormation YAML (`!Ref x`, `!GetAtt a.b`, `!Sub [...]`). */
const SHORT_FORMS: Readonly<Record<string, string>> = {
  Ref: 'Ref',
  Condition: 'Condition',
  ...Object.fromEntries(
    [
      'And',
      'Base64',
      'Cidr',
      'Contains',
      'EachMemberEquals',
      'EachMemberIn',
      'Equals',
      'FindInMap',
      'GetAtt',
      'GetAZs',
      'If',
      'ImportValue',
      'Join',
      'Length',
      'Not',
      'Or',
      'RefAll',
      'Select',
      'Split',
      'Sub',
      'ToJsonString',
      'Transform',
      'ValueOf',
      'ValueOfAll',
    ].map((name) => [name, `Fn::${name}`]),
  ),
};

const CFN_TAGS: Tags = Object.entries(SHORT_FORMS).flatMap(([name, key]) => [
  {
    tag: `!${name}`,
    // `!GetAtt Resource.Attribute` is the one scalar form that means a list.
    resolve: (value: string) => ({ [key]: name === 'GetAtt' ? splitGetAtt(value) : value }),
  },
  ...(['seq', 'map'] as const).map((collection) => ({
    tag: `!${name}`,
    collection,
    resolve: (node: { toJSON(): unknown }) => ({ [key]: node.toJSON() }),
  })),
]);

function splitGetAtt(value: string): string[] {
  const dot = value.indexOf('.');
  return dot < 0 ? [value] : [value.slice(0, dot), value.slice(dot + 1)];
}

/** A template body as GetTemplate returns it: JSON, or YAML with short-form intrinsics. */
export function parseTemplate(body: string): unknown {
  const text = body.trim();
  if (text.startsWith('{')) {
    try {
      return JSON.parse(text);
    } catch {
      // YAML flow mappings start with "{" too.
    }
  }
  return parseYaml(text, { customTags: CFN_TAGS });
}

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
}

export class AwsStacks implements StacksPort {
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
