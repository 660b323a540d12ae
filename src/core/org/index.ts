/**
 * The organisation engine (issue 3, "Organisation as code"): read the live organisation,
 * plan the organisation and policy changes from estate.yaml, apply them.
 *
 *   const port = organizationsPort(clients.client(OrganizationsClient, 'ORGANIZATIONS'));
 *   const snapshot = await readSnapshot(port, { callerAccountId, expectedManagementAccountId });
 *   const sources = await loadPolicySources(config, { configDir });
 *   const { changes, notes } = planOrganization(config, snapshot, { prune, policySources: sources });
 *   const result = await applyOrganizationPlan({ changes }, port, { io, callerAccountId, ... });
 *
 * or, inside the plan engine: `organizationSections({ port, policySources, callerAccountId, prune })`.
 */
export { explainCreateAccountFailure } from './account-failures.js';
export {
  applyOrganizationPlan,
  MAX_ACCOUNT_CREATIONS,
  newApplyState,
  type ApplyOrganizationOptions,
  type OrgApplyState,
} from './apply.js';
export { ADDRESS, ORG_SECTIONS, SECTION_ORGANIZATION, SECTION_POLICIES, type Ref } from './changes.js';
export {
  accountTags,
  desiredOrganization,
  TRUSTED_ACCESS,
  type DesiredAccount,
  type DesiredOrganization,
  type DesiredOu,
  type DesiredPolicy,
} from './desired.js';
export {
  diffTags,
  planFromDesired,
  planOrganization,
  type OrganizationPlan,
  type PlanOrganizationOptions,
} from './planner.js';
export {
  defaultTemplatesDir,
  FOREIGN_POLICY_PREFIXES,
  isForeignPolicy,
  loadPolicySources,
  POLICY_PREFIX,
  POLICY_SIZE_LIMITS,
  renderPolicy,
  type PolicySources,
} from './policies.js';
export type { OrganizationsPort } from './ports.js';
export { checkManagementAccount, managementCheckOptions, type ManagementCheck } from './safety.js';
export { organizationSections, type OrganizationSectionDeps, type OrgSectionSnapshot } from './section.js';
export {
  EMPTY_SNAPSHOT,
  readSnapshot,
  type OrgSnapshot,
  type ReadSnapshotOptions,
  type SnapshotAccount,
  type SnapshotOu,
  type SnapshotPolicy,
} from './snapshot.js';
