/**
 * ActionRolePort over an IAM client in the management account: the execution role AWS
 * Budgets assumes to attach estate's deny SCP. IAM is global (one endpoint per partition)
 * and answers policy documents URL-encoded (RFC 3986), which this adapter decodes.
 * NoSuchEntity on GetRole means "no role"; EntityAlreadyExists on CreateRole means
 * "already there", so apply is repeatable.
 */
import {
  CreateRoleCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  PutRolePolicyCommand,
  UpdateAssumeRolePolicyCommand,
  type GetRolePolicyResponse,
  type GetRoleResponse,
} from '@aws-sdk/client-iam';
import type { ActionRolePort, LiveActionRole } from '../core/budgets/ports.js';
import type { AwsClients } from './clients.js';
import { mapAwsError } from './errors.js';
import { errorName } from './paginate.js';
import type { SendLike } from './send.js';

const NO_SUCH_ENTITY = /^NoSuchEntity(Exception)?$/;
const ALREADY_EXISTS = /^EntityAlreadyExists(Exception)?$/;

/** IAM returns documents URL-encoded; a document that is plain JSON already stays as it is. */
export function decodePolicyDocument(document: string | undefined): string {
  if (!document) return '';
  try {
    return decodeURIComponent(document);
  } catch {
    return document;
  }
}

export class AwsActionRoles implements ActionRolePort {
  constructor(
    private readonly client: SendLike,
    private readonly account: string | (() => Promise<string>) = 'the management account',
  ) {}

  private async fail(error: unknown, action: string, target: string, permission: string, fix?: string) {
    const account = typeof this.account === 'string' ? this.account : await this.account().catch(() => '');
    return mapAwsError(error, {
      action,
      target,
      permission,
      ...(account ? { account } : {}),
      ...(fix ? { fix } : {}),
    });
  }

  async describeRole(name: string, policyName: string): Promise<LiveActionRole | undefined> {
    let role: GetRoleResponse['Role'];
    try {
      role = ((await this.client.send(new GetRoleCommand({ RoleName: name }))) as GetRoleResponse).Role;
    } catch (error) {
      if (NO_SUCH_ENTITY.test(errorName(error))) return undefined;
      throw await this.fail(error, 'GetRole', `role ${name}`, 'iam:GetRole');
    }
    let permissions: string | undefined;
    try {
      const out = (await this.client.send(
        new GetRolePolicyCommand({ RoleName: name, PolicyName: policyName }),
      )) as GetRolePolicyResponse;
      permissions = decodePolicyDocument(out.PolicyDocument);
    } catch (error) {
      if (!NO_SUCH_ENTITY.test(errorName(error)))
        throw await this.fail(
          error,
          'GetRolePolicy',
          `policy ${policyName} of role ${name}`,
          'iam:GetRolePolicy',
        );
    }
    return {
      name,
      arn: role?.Arn ?? '',
      trustPolicy: decodePolicyDocument(role?.AssumeRolePolicyDocument),
      ...(permissions !== undefined ? { permissions } : {}),
    };
  }

  async createRole(name: string, trustPolicy: string, description: string): Promise<{ existed: boolean }> {
    try {
      await this.client.send(
        new CreateRoleCommand({
          RoleName: name,
          AssumeRolePolicyDocument: trustPolicy,
          Description: description,
        }),
      );
      return { existed: false };
    } catch (error) {
      if (ALREADY_EXISTS.test(errorName(error))) return { existed: true };
      throw await this.fail(error, 'CreateRole', `role ${name}`, 'iam:CreateRole');
    }
  }

  async updateTrustPolicy(name: string, trustPolicy: string): Promise<void> {
    try {
      await this.client.send(
        new UpdateAssumeRolePolicyCommand({ RoleName: name, PolicyDocument: trustPolicy }),
      );
    } catch (error) {
      throw await this.fail(error, 'UpdateAssumeRolePolicy', `role ${name}`, 'iam:UpdateAssumeRolePolicy');
    }
  }

  async putRolePolicy(name: string, policyName: string, document: string): Promise<void> {
    try {
      await this.client.send(
        new PutRolePolicyCommand({ RoleName: name, PolicyName: policyName, PolicyDocument: document }),
      );
    } catch (error) {
      throw await this.fail(
        error,
        'PutRolePolicy',
        `policy ${policyName} of role ${name}`,
        'iam:PutRolePolicy',
      );
    }
  }
}

/** IAM as the caller (the management account, where estate's budgets and their actions live). */
export function actionRolesPort(clients: AwsClients): AwsActionRoles {
  return new AwsActionRoles(
    clients.client(IAMClient, 'IAM'),
    async () => (await clients.callerIdentity()).account,
  );
}
