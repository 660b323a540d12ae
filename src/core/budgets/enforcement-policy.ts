/**
 * The deny-new-resources SCP through the organisation engine's OrganizationsPort (its
 * adapter paginates, maps errors and treats repeats as done), narrowed to the calls the
 * budgets section makes.
 */
import { isEstateError } from '../../errors.js';
import type { OrganizationsPort } from '../org/ports.js';
import type { EnforcementPolicyPort } from './ports.js';

export type PolicyCalls = Pick<
  OrganizationsPort,
  | 'listPolicies'
  | 'describePolicy'
  | 'listPolicyTargets'
  | 'createPolicy'
  | 'updatePolicy'
  | 'detachPolicy'
  | 'deletePolicy'
>;

export function enforcementPolicyOver(org: PolicyCalls): EnforcementPolicyPort {
  return {
    async findPolicy(name) {
      let policies;
      try {
        policies = await org.listPolicies('SERVICE_CONTROL_POLICY');
      } catch (error) {
        // A first apply creates the organisation in the section before this one: no policy yet.
        if (isEstateError(error) && error.code === 'NotInOrganization') return undefined;
        throw error;
      }
      const summary = policies.find((p) => p.name === name && !p.awsManaged);
      if (!summary) return undefined;
      const [described, targets] = await Promise.all([
        org.describePolicy(summary.id),
        org.listPolicyTargets(summary.id),
      ]);
      return { id: summary.id, content: described.content, targetIds: targets.map((t) => t.targetId).sort() };
    },
    async createPolicy(name, description, content) {
      const created = await org.createPolicy({ name, description, content, type: 'SERVICE_CONTROL_POLICY' });
      // Created since the plan was made: make sure it says what this estate version says.
      if (created.existed) await org.updatePolicy({ policyId: created.id, content, label: `SCP ${name}` });
      return created.id;
    },
    async updatePolicy(policyId, content) {
      await org.updatePolicy({ policyId, content, label: `SCP ${policyId}` });
    },
    async detachPolicy(policyId, targetId) {
      await org.detachPolicy({ policyId, targetId, label: `SCP ${policyId} from ${targetId}` });
    },
    async deletePolicy(policyId) {
      await org.deletePolicy({ policyId, label: `SCP ${policyId}` });
    },
  };
}
