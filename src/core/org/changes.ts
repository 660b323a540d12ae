/**
 * The payloads of the organisation and policy changes: what the planner writes and the
 * applier reads. Plain data, so a saved plan applies exactly as printed.
 *
 * Ids that do not exist yet at plan time (a new OU, account or policy, the root of a new
 * organisation) are references to the change that creates them: `{ ref, key }` is resolved
 * from that change's outputs when it has been applied.
 */
import type { PolicyDocumentDiff } from './policies.js';
import type { PolicyType, Tags } from './ports.js';

export const SECTION_ORGANIZATION = 'organization';
export const SECTION_POLICIES = 'policies';
export const ORG_SECTIONS: readonly string[] = [SECTION_ORGANIZATION, SECTION_POLICIES];

export type Ref = { readonly id: string } | { readonly ref: string; readonly key: string };

export const ADDRESS = {
  organization: 'organization',
  trustedAccess: (principal: string) => `trusted-access:${principal}`,
  policyType: (type: PolicyType) => `policy-type:${type}`,
  ou: (path: string) => `ou:${path}`,
  ouTags: (path: string) => `ou:${path}#tags`,
  account: (name: string) => `account:${name}`,
  accountPlacement: (name: string) => `account:${name}#ou`,
  accountTags: (name: string) => `account:${name}#tags`,
  /** The one drift line for every account and OU in AWS that the config does not name. */
  unmanaged: 'unmanaged',
  policy: (name: string) => `policy:${name}`,
  attachment: (policyName: string, targetLabel: string) => `policy:${policyName}@${targetLabel}`,
} as const;

export interface TrustedAccessPayload {
  readonly principal: string;
}

export interface PolicyTypePayload {
  readonly root: Ref;
  readonly policyType: PolicyType;
}

export interface OuCreatePayload {
  readonly name: string;
  readonly path: string;
  readonly parent: Ref;
  readonly tags: Tags;
}

export interface OuDeletePayload {
  readonly ouId: string;
  readonly path: string;
}

export interface TagsPayload {
  readonly resource: Ref;
  /** "account dev-alice (111122223333)", "OU Workloads". */
  readonly label: string;
  readonly set: Tags;
  readonly remove: readonly string[];
}

export interface AccountCreatePayload {
  readonly name: string;
  readonly email: string;
  readonly roleName: string;
  readonly iamUserAccessToBilling: boolean;
  readonly tags: Tags;
  readonly ouPath: string;
  /** Follow this CreateAccount request (in progress from an earlier run) instead of sending a new one. */
  readonly requestId?: string;
}

export interface AccountMovePayload {
  readonly name: string;
  readonly account: Ref;
  readonly from: Ref;
  readonly fromPath: string;
  readonly to: Ref;
  readonly ouPath: string;
}

export interface PolicyCreatePayload {
  readonly name: string;
  readonly type: PolicyType;
  readonly description: string;
  readonly content: string;
}

export interface PolicyUpdatePayload {
  readonly policyId: string;
  readonly name: string;
  readonly content?: string;
  readonly description?: string;
  /** What changes in the document, statement by statement (for people; the applier sends `content`). */
  readonly documentDiff?: PolicyDocumentDiff;
}

export interface PolicyDeletePayload {
  readonly policyId: string;
  readonly name: string;
}

export interface AttachmentPayload {
  readonly policy: Ref;
  readonly policyName: string;
  readonly target: Ref;
  readonly targetLabel: string;
}

export interface DriftPayload {
  readonly id?: string;
  readonly reason: string;
}

/** An account or OU in AWS that estate.yaml does not name. */
export interface UnmanagedItem {
  readonly id: string;
  readonly name: string;
  /** The OU path it sits in ('' for the root); for an OU, its own path. */
  readonly path: string;
}

/** Accounts and OUs estate.yaml does not name: counted, with the first UNMANAGED_LISTED of each. */
export interface UnmanagedPayload {
  readonly accounts: number;
  readonly ous: number;
  readonly listedAccounts: readonly UnmanagedItem[];
  readonly listedOus: readonly UnmanagedItem[];
  readonly reason: string;
}

/** How many unmanaged accounts (and OUs) the drift payload names; `estate org status` lists all. */
export const UNMANAGED_LISTED = 100;
