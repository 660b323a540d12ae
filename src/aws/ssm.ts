/**
 * BootstrapPort and RecordsPort over SSM.
 *
 * BootstrapPort: a CDK-bootstrapped environment is recognised by the parameter
 * `/cdk-bootstrap/<qualifier>/version` (the bootstrap template writes it; StackSet
 * instances are not named CDKToolkit, so the stack name proves nothing). GetParameter
 * answers ParameterNotFound when the environment is not bootstrapped with that qualifier.
 *
 * RecordsPort: the parameters under `/estate/env/<environment>/` (stack records, the warned
 * marker). From the SSM API reference: GetParametersByPath returns at most 10 parameters a
 * page (MaxResults 1–10) and may return fewer with a NextToken, so every token is followed;
 * Recursive reads the whole hierarchy below the path. PutParameter needs Overwrite to replace a
 * value; a Standard-tier value holds at most 4 KB. DeleteParameters takes 1–10 names a call and
 * answers the names that did not exist in InvalidParameters (not an error).
 */
import {
  DeleteParametersCommand,
  GetParameterCommand,
  PutParameterCommand,
  SSMClient,
  paginateGetParametersByPath,
  type DeleteParametersResult,
  type GetParameterResult,
} from '@aws-sdk/client-ssm';
import type { BootstrapPort, RecordsPort, StackLocation, StackRecord } from '../core/env/ports.js';
import { EstateError } from '../errors.js';
import type { AwsClients } from './clients.js';
import { mapAwsError } from './errors.js';
import { collectPages, errorName, pagesOf } from './paginate.js';
import { perLocation, type SendLike } from './send.js';

export const bootstrapParameter = (qualifier: string) => `/cdk-bootstrap/${qualifier}/version`;

export class AwsBootstrap implements BootstrapPort {
  private readonly client: (at: StackLocation) => SendLike;

  constructor(clientFor: (at: StackLocation) => SendLike) {
    this.client = perLocation(clientFor);
  }

  async bootstrapVersion(at: StackLocation, qualifier: string): Promise<number | undefined> {
    const name = bootstrapParameter(qualifier);
    let out: GetParameterResult;
    try {
      out = (await this.client(at).send(new GetParameterCommand({ Name: name }))) as GetParameterResult;
    } catch (error) {
      if (errorName(error) === 'ParameterNotFound') return undefined;
      throw mapAwsError(error, {
        action: 'GetParameter',
        service: 'ssm',
        account: at.accountId,
        target: `${name} in ${at.region}`,
      });
    }
    const raw = out.Parameter?.Value;
    const version = Number(raw);
    if (raw === undefined || raw.trim() === '' || !Number.isInteger(version))
      throw new EstateError(
        `${name} in ${at.accountId}/${at.region} holds "${raw ?? ''}", not a bootstrap version number`,
        {
          code: 'BootstrapVersionUnreadable',
          source: 'aws',
          suggestions: [`bootstrap the environment again, or delete ${name} if it was not written by CDK`],
        },
      );
    return version;
  }
}

export function bootstrapPort(clients: AwsClients): AwsBootstrap {
  return new AwsBootstrap((at) =>
    clients.client(SSMClient, 'SSM', { account: at.accountId, region: at.region }),
  );
}

/** Where an environment's parameters live. */
export const environmentPath = (environment: string) => `/estate/env/${environment}/`;
export const stackRecordName = (environment: string, stack: string) =>
  `${environmentPath(environment)}stacks/${stack}`;

/** A Standard-tier parameter holds at most 4 KB. */
export const STANDARD_VALUE_LIMIT = 4096;
/** DeleteParameters takes at most 10 names a call. */
export const DELETE_PARAMETERS_BATCH = 10;

export class AwsRecords implements RecordsPort {
  private readonly client: (at: StackLocation) => SendLike;

  constructor(clientFor: (at: StackLocation) => SendLike) {
    this.client = perLocation(clientFor);
  }

  private failed(error: unknown, at: StackLocation, action: string, target: string) {
    return mapAwsError(error, {
      action,
      service: 'ssm',
      account: at.accountId,
      target: `${target} in ${at.region}`,
    });
  }

  private async byPath(at: StackLocation, path: string): Promise<{ name: string; value: string }[]> {
    try {
      const found = await collectPages(
        'GetParametersByPath',
        paginateGetParametersByPath(pagesOf(SSMClient, this.client(at)), {
          Path: path,
          Recursive: true,
          MaxResults: 10,
        }),
        (page) => page.Parameters,
      );
      return found.map((p) => ({ name: p.Name ?? '', value: p.Value ?? '' }));
    } catch (error) {
      throw this.failed(error, at, 'GetParametersByPath', path);
    }
  }

  async stackRecords(at: StackLocation, environment: string): Promise<readonly StackRecord[]> {
    const found = await this.byPath(at, `${environmentPath(environment)}stacks`);
    return found.map(({ name, value }) => {
      let record: StackRecord;
      try {
        record = JSON.parse(value) as StackRecord;
      } catch (error) {
        throw new EstateError(`${name} in ${at.accountId}/${at.region} is not a stack record (not JSON)`, {
          code: 'StackRecordUnreadable',
          source: 'aws',
          cause: error,
          suggestions: [`deploy the environment again to rewrite it, or delete ${name}`],
        });
      }
      if (record?.version !== 1 || typeof record.name !== 'string')
        throw new EstateError(`${name} in ${at.accountId}/${at.region} is not a version 1 stack record`, {
          code: 'StackRecordUnreadable',
          source: 'aws',
          suggestions: [`deploy the environment again to rewrite it, or delete ${name}`],
        });
      return record;
    });
  }

  async putStackRecord(at: StackLocation, record: StackRecord): Promise<void> {
    await this.put(at, stackRecordName(record.environment, record.name), JSON.stringify(record));
  }

  private async put(at: StackLocation, name: string, value: string): Promise<void> {
    if (Buffer.byteLength(value, 'utf8') > STANDARD_VALUE_LIMIT)
      throw new EstateError(
        `${name}: ${Buffer.byteLength(value, 'utf8')} bytes is more than a Standard-tier parameter holds (4 KB)`,
        { code: 'ParameterTooLarge', source: 'internal' },
      );
    try {
      await this.client(at).send(
        new PutParameterCommand({
          Name: name,
          Value: value,
          Type: 'String',
          Tier: 'Standard',
          Overwrite: true,
        }),
      );
    } catch (error) {
      throw this.failed(error, at, 'PutParameter', name);
    }
  }

  async deleteEnvironmentRecords(at: StackLocation, environment: string): Promise<void> {
    const names = (await this.byPath(at, environmentPath(environment).replace(/\/$/, ''))).map((p) => p.name);
    for (let i = 0; i < names.length; i += DELETE_PARAMETERS_BATCH) {
      const batch = names.slice(i, i + DELETE_PARAMETERS_BATCH);
      try {
        // Names already gone come back in InvalidParameters: nothing left to do for them.
        (await this.client(at).send(new DeleteParametersCommand({ Names: batch }))) as DeleteParametersResult;
      } catch (error) {
        throw this.failed(error, at, 'DeleteParameters', environmentPath(environment));
      }
    }
  }

  async value(at: StackLocation, environment: string, key: string): Promise<string | undefined> {
    const name = `${environmentPath(environment)}${key}`;
    try {
      const out = (await this.client(at).send(new GetParameterCommand({ Name: name }))) as GetParameterResult;
      return out.Parameter?.Value;
    } catch (error) {
      if (errorName(error) === 'ParameterNotFound') return undefined;
      throw this.failed(error, at, 'GetParameter', name);
    }
  }

  async putValue(at: StackLocation, environment: string, key: string, value: string): Promise<void> {
    await this.put(at, `${environmentPath(environment)}${key}`, value);
  }
}

export function recordsPort(clients: AwsClients): AwsRecords {
  return new AwsRecords((at) =>
    clients.client(SSMClient, 'SSM', { account: at.accountId, region: at.region }),
  );
}
