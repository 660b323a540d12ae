/**
 * The "organization" and "policies" sections of `estate plan` / `estate apply`, over the
 * organisation engine. Both plan from one snapshot (read once, by whichever section reads
 * first) and one planOrganization call; their applies share one state, so a policy
 * attachment in "policies" finds the id of an account or OU created in "organization", and
 * is skipped when that creation failed.
 */
import type { EstateConfig } from '../../config/schema.js';
import { resolveAccountIds } from '../finops/account-ids.js';
import type { PlanSection, SectionContext } from '../plan/section.js';
import type { Change } from '../plan/types.js';
import {
  applyOrganizationPlan,
  newApplyState,
  type ApplyOrganizationOptions,
  type OrgApplyState,
} from './apply.js';
import { ADDRESS, SECTION_ORGANIZATION, SECTION_POLICIES } from './changes.js';
import { planOrganization, type OrganizationPlan } from './planner.js';
import type { PolicySources } from './policies.js';
import type { OrganizationsPort } from './ports.js';
import { managementCheckOptions } from './safety.js';
import { desiredOrganization } from './desired.js';
import { EMPTY_SNAPSHOT, managedTagSelection, readSnapshot, type OrgSnapshot } from './snapshot.js';

export interface OrganizationSectionDeps {
  readonly port: OrganizationsPort;
  /** From loadPolicySources(config, { configDir }). */
  readonly policySources: PolicySources;
  /** The caller's account (STS GetCallerIdentity): reads and applies stop unless it is the management account. */
  readonly callerAccountId?: () => Promise<string>;
  /** Plan delete changes for empty OUs not in the config (the command confirms them). @default false */
  readonly prune?: boolean;
  /** Calls in flight while reading. @default 16 */
  readonly readConcurrency?: number;
  /** Polling and waiting of account creations (tests inject a zero sleep). */
  readonly apply?: Pick<
    ApplyOrganizationOptions,
    | 'sleep'
    | 'pollIntervalMs'
    | 'maxPollIntervalMs'
    | 'accountCreationTimeoutMs'
    | 'accountCreationConcurrency'
  >;
}

/** What both sections read: the organisation, and config account name → id for later sections. */
export interface OrgSectionSnapshot {
  readonly org: OrgSnapshot;
  readonly accountIds: Readonly<Record<string, string>>;
}

export function organizationSections(
  deps: OrganizationSectionDeps,
): [PlanSection<OrgSectionSnapshot>, PlanSection<OrgSectionSnapshot>] {
  let latest: Promise<OrgSectionSnapshot> | undefined;
  // Both sections plan from the same (snapshot, config): compute once.
  let cached: { org: OrgSnapshot; config: EstateConfig; plan: OrganizationPlan } | undefined;
  let state: OrgApplyState = newApplyState();

  const fresh: PlanSection<OrgSectionSnapshot>['read'] = (context) =>
    (latest = (async () => {
      const { config } = context;
      const org = await readSnapshot(deps.port, {
        ...(deps.readConcurrency ? { concurrency: deps.readConcurrency } : {}),
        // The plan compares tags only of what estate.yaml manages: never read the rest.
        tags: managedTagSelection(desiredOrganization(config, deps.policySources)),
        ...managementCheckOptions(config, await deps.callerAccountId?.()),
      });
      return { org, accountIds: Object.fromEntries(resolveAccountIds(config, org.accounts)) };
    })());

  const planFor = (snapshot: OrgSectionSnapshot, context: SectionContext): OrganizationPlan => {
    if (cached?.org !== snapshot.org || cached.config !== context.config) {
      const plan = planOrganization(context.config, snapshot.org, {
        prune: deps.prune ?? false,
        policySources: deps.policySources,
      });
      cached = { org: snapshot.org, config: context.config, plan };
    }
    return cached.plan;
  };

  const section = (name: string): PlanSection<OrgSectionSnapshot> => ({
    name,
    // "organization" reads afresh on every plan; "policies" plans from the same snapshot.
    read: (context) => (name === SECTION_ORGANIZATION ? fresh(context) : (latest ?? fresh(context))),
    empty: () => ({ org: EMPTY_SNAPSHOT, accountIds: {} }),
    plan: (snapshot, context) => planFor(snapshot, context).changes.filter((c) => c.section === name),
    notes: (snapshot, _changes, context) =>
      name === SECTION_ORGANIZATION ? planFor(snapshot, context).notes : [],
    outputs: (snapshot) => ({
      accountIds: new Map(Object.entries(snapshot.accountIds)),
      // OU paths as estate.yaml writes them: the Control Tower section registers OUs by id.
      ouIds: new Map(snapshot.org.ous.map((ou) => [ou.path, ou.id])),
      ...(snapshot.org.organization
        ? {
            organization: {
              id: snapshot.org.organization.id,
              managementAccountId: snapshot.org.organization.managementAccountId,
            },
          }
        : {}),
    }),
    accountsOf: (change, context) => accountsOfChange(change, context.config),
    async apply(changes, context) {
      // "organization" applies first; "policies" reuses its state (ids, failures).
      if (name === SECTION_ORGANIZATION) state = newApplyState();
      const result = await applyOrganizationPlan({ changes }, deps.port, {
        ...deps.apply,
        io: context.io,
        concurrency: context.concurrency,
        state,
        onAccountCreated: (account, id) => context.record.accountCreated(account, id),
        onOuCreated: (path, id) => context.record.ouCreated(path, id),
        now: () => context.now().getTime(),
        ...managementCheckOptions(context.config, await deps.callerAccountId?.()),
      });
      return [...result.results];
    },
  });

  return [section(SECTION_ORGANIZATION), section(SECTION_POLICIES)];
}

/**
 * The estate accounts a change concerns: the account itself (creation, placement, tags), a
 * policy attached to it, or a policy attached to the OU it is in (or one above it: an SCP
 * there governs the account, as the suspended OU's deny-all does an offboarded one). The
 * organisation, OUs and policies themselves concern no one account.
 */
function accountsOfChange(change: Change, config: EstateConfig): string[] {
  const address = change.address;
  const target = /^policy:[^@]+@([^#]+)/.exec(address)?.[1];
  const under = (ou: string) => target !== undefined && (ou === target || ou.startsWith(`${target}/`));
  return config.accounts
    .filter(
      (a) =>
        address === ADDRESS.account(a.name) ||
        address.startsWith(`${ADDRESS.account(a.name)}#`) ||
        target === a.name ||
        under(a.ou),
    )
    .map((a) => a.name);
}
