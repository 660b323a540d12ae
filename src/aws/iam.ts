/**
 * ActionRolePort over an IAM client in the management account: the execution role AWS
 * Budgets assumes to attach estate's deny SCP. ServiceRolesPort: whether the roles a Control
 * Tower landing zone needs before it can be created exist under their path (GetRole per name). IAM is global (one endpoint per partition)
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
import type { ServiceRolesPort } from '../core/controltower/ports.js';
import { EstateError } from '../errors.js';
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

/**
 * ServiceRolesPort: GetRole for each name. NoSuchEntity means absent. A role of that name on
 * another path is an error rather than "absent": role names are unique in an account whatever
 * the path, so creating it under the right path would fail, and Control Tower looks only under
 * its own path (/service-role/).
 */
export class AwsServiceRoles implements ServiceRolesPort {
  constructor(
    private readonly client: SendLike,
    private readonly account: () => Promise<string> = async () => '',
  ) {}

  async existingRoles(names: readonly string[], path: string): Promise<ReadonlySet<string>> {
    const found = await Promise.all(
      names.map(async (name) => ((await this.onPath(name, path)) ? name : undefined)),
    );
    return new Set(found.filter((n): n is string => n !== undefined));
  }

  private async onPath(name: string, path: string): Promise<boolean> {
    let role: GetRoleResponse['Role'];
    try {
      role = ((await this.client.send(new GetRoleCommand({ RoleName: name }))) as GetRoleResponse).Role;
    } catch (error) {
      if (NO_SUCH_ENTITY.test(errorName(error))) return false;
      const account = await this.account().catch(() => '');
      throw mapAwsError(error, {
        action: 'GetRole',
        target: `role ${name}`,
        permission: 'iam:GetRole',
        ...(account ? { account } : {}),
      });
    }
    if (!role) return false;
    const actual = role.Path ?? '/';
    if (actual === path) return true;
    throw new EstateError(
      `role ${name} exists with path ${actual}, but Control Tower needs it under ${path} (${role.Arn ?? name})`,
      {
        code: 'RoleOnOtherPath',
        source: 'aws',
        details: { role: name, path: actual, expected: path },
        suggestions: [
          `delete role ${name} (IAM paths cannot be changed) and run again: estate creates it under ${path}`,
        ],
      },
    );
  }
}

/** IAM as the caller (the management account, where Control Tower's service roles live). */
export function serviceRolesPort(clients: AwsClients): AwsServiceRoles {
  return new AwsServiceRoles(
    clients.client(IAMClient, 'IAM'),
    async () => (await clients.callerIdentity()).account,
  );
}
