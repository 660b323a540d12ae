/**
 * IdentityPort over STS: GetCallerIdentity with the credentials estate uses for an account
 * (the caller's own, or the member account's assumed role), so that the engine can refuse
 * to act when they resolve to another account than the configured one.
 */
import { GetCallerIdentityCommand, STSClient, type GetCallerIdentityResponse } from '@aws-sdk/client-sts';
import type { IdentityPort } from '../core/env/ports.js';
import type { AwsClients } from './clients.js';
import { mapAwsError } from './errors.js';
import type { SendLike } from './send.js';

export class AwsIdentity implements IdentityPort {
  private readonly answers = new Map<string, Promise<string>>();

  constructor(private readonly clientFor: (accountId: string) => SendLike) {}

  /** Asked once per account and process; a failure is not remembered. */
  accountOf(accountId: string): Promise<string> {
    let answer = this.answers.get(accountId);
    if (!answer) {
      answer = (async () => {
        try {
          const out = (await this.clientFor(accountId).send(
            new GetCallerIdentityCommand({}),
          )) as GetCallerIdentityResponse;
          return out.Account ?? '';
        } catch (error) {
          throw mapAwsError(error, { action: 'GetCallerIdentity', service: 'sts', account: accountId });
        }
      })();
      this.answers.set(accountId, answer);
      answer.catch(() => this.answers.delete(accountId));
    }
    return answer;
  }
}

export function identityPort(clients: AwsClients): AwsIdentity {
  return new AwsIdentity((account) => clients.client(STSClient, 'STS', { account }));
}
