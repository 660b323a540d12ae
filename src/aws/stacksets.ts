/**
 * StackSetsPort and ChangeSetPort over SDK v3 CloudFormation clients from the factory.
 *
 * StackSets are read from the management account (the caller) with `CallAs: SELF`, as the API
 * reference asks of the management account for service-managed StackSets. From the reference:
 * - DescribeOrganizationsAccess answers ENABLED | DISABLED | DISABLED_PERMANENTLY (reported as
 *   DISABLED: estate activates it either way). ActivateOrganizationsAccess takes no input and only
 *   starts the activation: DescribeOrganizationsAccess is polled until ENABLED.
 * - DescribeStackSet: StackSetNotFoundException when there is none; a deleted StackSet can still
 *   be described with Status DELETED. Both are "no StackSet" here.
 * - ListStackInstances and ListStackSetOperations page with NextToken; every instance page is
 *   read, and one page of operations (newest first) is enough for the operations in flight.
 * - ExecuteChangeSet starts the change set's create or update (the stack then goes on on its
 *   own); ChangeSetNotFound and InvalidChangeSetStatus name the change set. A ClientRequestToken
 *   makes a re-sent request (estate retries a timeout) the same request.
 */
import { randomUUID } from 'node:crypto';
import {
  ActivateOrganizationsAccessCommand,
  CloudFormationClient,
  DescribeOrganizationsAccessCommand,
  DescribeStackSetCommand,
  ExecuteChangeSetCommand,
  ListStackSetOperationsCommand,
  paginateListStackInstances,
  type DescribeOrganizationsAccessOutput,
  type DescribeStackSetOutput,
  type ListStackSetOperationsOutput,
} from '@aws-sdk/client-cloudformation';
import type {
  ChangeSetPort,
  StackSetInstance,
  StackSetOperation,
  StackSetState,
  StackSetsPort,
} from '../core/controltower/ports.js';
import type { StackLocation } from '../core/env/ports.js';
import { EstateError } from '../errors.js';
import type { AwsClients } from './clients.js';
import { mapAwsError } from './errors.js';
import { collectPages, errorName, pagesOf } from './paginate.js';
import { sleep as realSleep, type SendLike } from './send.js';

export interface StackSetsOptions {
  /** Waits between DescribeOrganizationsAccess polls. @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  /** @default 2000 */
  readonly pollMs?: number;
  /** Gives up on the activation after this long. @default 5 minutes */
  readonly maxPollMs?: number;
  /** @default randomUUID */
  readonly token?: () => string;
  /** Operations read per StackSet (one page). @default 20 */
  readonly operationsPageSize?: number;
}

/** Where a client acts: the caller's account when `accountId` is absent. */
export interface ClientScope {
  readonly accountId?: string;
  readonly region: string;
}

const CALL_AS = 'SELF' as const;

export class AwsStackSets implements StackSetsPort, ChangeSetPort {
  private readonly clients = new Map<string, SendLike>();

  constructor(
    private readonly clientFor: (scope: ClientScope) => SendLike,
    private readonly options: StackSetsOptions = {},
    private readonly managementAccount?: () => Promise<string>,
  ) {}

  private client(scope: ClientScope): SendLike {
    const key = `${scope.accountId ?? 'caller'}/${scope.region}`;
    let client = this.clients.get(key);
    if (!client) this.clients.set(key, (client = this.clientFor(scope)));
    return client;
  }

  private async failed(error: unknown, region: string, action: string, target: string, account?: string) {
    const who = account ?? (this.managementAccount ? await this.managementAccount().catch(() => '') : '');
    return mapAwsError(error, {
      action,
      service: 'cloudformation',
      ...(who ? { account: who } : {}),
      target: `${target} in ${region}`,
      ...(account
        ? {}
        : { fix: 'StackSets with service-managed permissions are managed from the management account' }),
    });
  }

  async organizationsAccess(region: string): Promise<'ENABLED' | 'DISABLED'> {
    let out: DescribeOrganizationsAccessOutput;
    try {
      out = (await this.client({ region }).send(
        new DescribeOrganizationsAccessCommand({ CallAs: CALL_AS }),
      )) as DescribeOrganizationsAccessOutput;
    } catch (error) {
      throw await this.failed(error, region, 'DescribeOrganizationsAccess', 'StackSets organisations access');
    }
    return out.Status === 'ENABLED' ? 'ENABLED' : 'DISABLED';
  }

  async activateOrganizationsAccess(region: string): Promise<void> {
    try {
      await this.client({ region }).send(new ActivateOrganizationsAccessCommand({}));
    } catch (error) {
      throw await this.failed(error, region, 'ActivateOrganizationsAccess', 'StackSets organisations access');
    }
    const wait = this.options.sleep ?? realSleep;
    const maxPollMs = this.options.maxPollMs ?? 5 * 60_000;
    let interval = this.options.pollMs ?? 2000;
    for (let waited = 0; ;) {
      if ((await this.organizationsAccess(region)) === 'ENABLED') return;
      if (waited >= maxPollMs)
        throw new EstateError(
          `StackSets organisations access in ${region} was still not ENABLED ${Math.round(maxPollMs / 1000)} s after ActivateOrganizationsAccess`,
          {
            code: 'OrganizationsAccessTimeout',
            source: 'aws',
            suggestions: [
              'run the command again in a few minutes',
              'or enable trusted access for StackSets in the CloudFormation console (StackSets → Activate trusted access)',
            ],
          },
        );
      await wait(interval);
      waited += interval;
      interval = Math.min(15_000, Math.ceil(interval * 1.5));
    }
  }

  async stackSet(region: string, name: string): Promise<StackSetState | undefined> {
    let out: DescribeStackSetOutput;
    try {
      out = (await this.client({ region }).send(
        new DescribeStackSetCommand({ StackSetName: name, CallAs: CALL_AS }),
      )) as DescribeStackSetOutput;
    } catch (error) {
      if (errorName(error) === 'StackSetNotFoundException') return undefined;
      throw await this.failed(error, region, 'DescribeStackSet', `StackSet ${name}`);
    }
    const s = out.StackSet;
    if (!s || s.Status === 'DELETED') return undefined;
    return {
      name: s.StackSetName ?? name,
      status: s.Status ?? 'ACTIVE',
      ...(s.PermissionModel ? { permissionModel: s.PermissionModel } : {}),
      ...(s.AutoDeployment
        ? {
            autoDeployment: {
              enabled: s.AutoDeployment.Enabled ?? false,
              ...(s.AutoDeployment.RetainStacksOnAccountRemoval !== undefined
                ? { retainStacksOnAccountRemoval: s.AutoDeployment.RetainStacksOnAccountRemoval }
                : {}),
            },
          }
        : {}),
      organizationalUnitIds: s.OrganizationalUnitIds ?? [],
    };
  }

  async instances(region: string, name: string): Promise<readonly StackSetInstance[]> {
    let summaries;
    try {
      summaries = await collectPages(
        'ListStackInstances',
        paginateListStackInstances(pagesOf(CloudFormationClient, this.client({ region })), {
          StackSetName: name,
          CallAs: CALL_AS,
        }),
        (page) => page.Summaries,
      );
    } catch (error) {
      if (errorName(error) === 'StackSetNotFoundException') return [];
      throw await this.failed(error, region, 'ListStackInstances', `StackSet ${name}`);
    }
    return summaries.map((s) => ({
      accountId: s.Account ?? '',
      region: s.Region ?? region,
      ...(s.OrganizationalUnitId ? { ouId: s.OrganizationalUnitId } : {}),
      status: s.Status ?? 'UNKNOWN',
      ...(s.StackInstanceStatus?.DetailedStatus
        ? { detailedStatus: s.StackInstanceStatus.DetailedStatus }
        : {}),
      ...(s.StatusReason ? { statusReason: s.StatusReason } : {}),
    }));
  }

  async operations(region: string, name: string): Promise<readonly StackSetOperation[]> {
    let out: ListStackSetOperationsOutput;
    try {
      out = (await this.client({ region }).send(
        new ListStackSetOperationsCommand({
          StackSetName: name,
          CallAs: CALL_AS,
          MaxResults: this.options.operationsPageSize ?? 20,
        }),
      )) as ListStackSetOperationsOutput;
    } catch (error) {
      if (errorName(error) === 'StackSetNotFoundException') return [];
      throw await this.failed(error, region, 'ListStackSetOperations', `StackSet ${name}`);
    }
    return (out.Summaries ?? []).map((o) => ({
      operationId: o.OperationId ?? '',
      action: o.Action ?? '',
      status: o.Status ?? 'UNKNOWN',
      ...(o.StatusReason ? { statusReason: o.StatusReason } : {}),
      ...(o.CreationTimestamp ? { creationTimestamp: o.CreationTimestamp } : {}),
      ...(o.EndTimestamp ? { endTimestamp: o.EndTimestamp } : {}),
    }));
  }

  async executeChangeSet(at: StackLocation, stackName: string, changeSetName: string): Promise<void> {
    try {
      await this.client(at).send(
        new ExecuteChangeSetCommand({
          StackName: stackName,
          ChangeSetName: changeSetName,
          ClientRequestToken: `estate-execute-${(this.options.token ?? randomUUID)()}`,
        }),
      );
    } catch (error) {
      const name = errorName(error);
      if (
        name === 'ChangeSetNotFound' ||
        name === 'ChangeSetNotFoundException' ||
        name === 'InvalidChangeSetStatus'
      )
        throw new EstateError(
          `cannot execute change set ${changeSetName} of stack ${stackName} in ${at.accountId}/${at.region}: ${(error as Error).message}`,
          {
            code: name === 'InvalidChangeSetStatus' ? 'ChangeSetNotExecutable' : 'ChangeSetMissing',
            source: 'aws',
            cause: error,
            suggestions: ['run `estate apply` again: it prepares a new change set'],
          },
        );
      throw await this.failed(
        error,
        at.region,
        'ExecuteChangeSet',
        `change set ${changeSetName} of stack ${stackName}`,
        at.accountId,
      );
    }
  }
}

/** StackSets from the caller (the management account); change sets in any account. */
export function stackSetsPort(clients: AwsClients, options?: StackSetsOptions): AwsStackSets {
  return new AwsStackSets(
    (scope) =>
      clients.client(CloudFormationClient, 'CLOUDFORMATION', {
        ...(scope.accountId ? { account: scope.accountId } : {}),
        region: scope.region,
      }),
    options,
    async () => (await clients.callerIdentity()).account,
  );
}
