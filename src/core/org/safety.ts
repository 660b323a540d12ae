/**
 * The check that stops a run before it changes anything when the credentials are not the
 * management account's. (The saved-plan check, assertSnapshotUnchanged, is in snapshot.ts.)
 */
import { EstateError } from '../../errors.js';

export interface ManagementCheck {
  /** The account the credentials belong to (STS GetCallerIdentity). */
  readonly callerAccountId: string;
  /** organization.managementAccountId from estate.yaml. */
  readonly expectedManagementAccountId?: string | undefined;
  /** From DescribeOrganization; undefined when the caller is in no organisation. */
  readonly organization?: { readonly managementAccountId: string } | undefined;
}

/**
 * Organisation-wide changes only run from the management account: throws before any
 * change, naming the account the run is using and the one it should use.
 */
export function checkManagementAccount(check: ManagementCheck): void {
  const { callerAccountId: caller, expectedManagementAccountId: expected, organization } = check;
  const fixes = (account: string) => [
    `use credentials for account ${account} (e.g. --profile <management-profile>)`,
    'estate changes the organisation only from its management account',
  ];
  if (expected && caller !== expected) {
    throw new EstateError(
      `these credentials are for account ${caller}, but estate.yaml says the management account is ${expected}; nothing was changed`,
      {
        code: 'NotManagementAccount',
        source: 'user',
        details: { caller, expected },
        suggestions: [...fixes(expected), 'or correct organization.managementAccountId in estate.yaml'],
      },
    );
  }
  if (organization && organization.managementAccountId && caller !== organization.managementAccountId) {
    throw new EstateError(
      `these credentials are for account ${caller}, a member of an organisation whose management account is ${organization.managementAccountId}; nothing was changed`,
      {
        code: 'NotManagementAccount',
        source: 'user',
        details: { caller, expected: organization.managementAccountId },
        suggestions: fixes(organization.managementAccountId),
      },
    );
  }
}

/**
 * The caller/expected pair readSnapshot and applyOrganizationPlan check before anything
 * else, from the config and (when known) the caller's account.
 */
export function managementCheckOptions(
  config: { readonly organization: { readonly managementAccountId?: string | undefined } },
  callerAccountId: string | undefined,
): { callerAccountId?: string; expectedManagementAccountId?: string } {
  const expected = config.organization.managementAccountId;
  return {
    ...(callerAccountId ? { callerAccountId } : {}),
    ...(expected ? { expectedManagementAccountId: expected } : {}),
  };
}
