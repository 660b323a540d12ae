/**
 * Wiring for the FinOps side (budgets section, `tags`, `cost`): the adapters over the one
 * AwsClients a command builds. Budgets and Cost Explorer act from the caller's account
 * (the management account); budgets under placement member and the Tagging API act in
 * member accounts through the access role.
 */
import { enforcementPolicyOver } from '../core/budgets/enforcement-policy.js';
import type { BudgetsSectionDeps } from '../core/budgets/section.js';
import type { OrganizationAccount } from '../core/finops/account-ids.js';
import type { OrganizationsPort } from '../core/org/ports.js';
import { budgetsPort } from './budgets.js';
import type { AwsClients } from './clients.js';
import { costExplorerPort } from './cost-explorer.js';
import { actionRolesPort } from './iam.js';
import { organizationsFor } from './organizations.js';

export { organizationsFor };

/** Everything `budgetsSection` needs. Pass the umbrella's OrganizationsPort to share its client. */
export function budgetsSectionDeps(
  clients: AwsClients,
  organizations: OrganizationsPort = organizationsFor(clients),
): BudgetsSectionDeps {
  return {
    budgets: budgetsPort(clients),
    costAllocationTags: costExplorerPort(clients),
    enforcementPolicy: enforcementPolicyOver(organizations),
    actionRoles: actionRolesPort(clients),
    managementAccountId: async () => (await clients.callerIdentity()).account,
  };
}

/** ListAccounts (every page), for the account directory. */
export function organizationAccountLister(
  organizations: Pick<OrganizationsPort, 'listAccounts'>,
): () => Promise<OrganizationAccount[]> {
  return async () =>
    (await organizations.listAccounts()).map((a) => ({
      id: a.id,
      name: a.name,
      email: a.email,
      status: a.status,
    }));
}
