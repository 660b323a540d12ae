/**
 * BootstrapPort over SSM: a CDK-bootstrapped environment is recognised by the parameter
 * `/cdk-bootstrap/<qualifier>/version` (the bootstrap template writes it; StackSet
 * instances are not named CDKToolkit, so the stack name proves nothing). GetParameter
 * answers ParameterNotFound when the environment is not bootstrapped with that qualifier.
 */
import { GetParameterCommand, SSMClient, type GetParameterResult } from '@aws-sdk/client-ssm';
import type { BootstrapPort, StackLocation } from '../core/env/ports.js';
import { EstateError } from '../errors.js';
import type { AwsClients } from './clients.js';
import { mapAwsError } from './errors.js';
import { errorName } from './paginate.js';
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
