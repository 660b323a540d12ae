/**
 * The plan sections `plan` and `apply` run, in order, wired to AWS adapters (or, offline,
 * to nothing: offline planning only calls `empty()`).
 */
import type { AwsClients } from '../aws/clients.js';
import type { LoadedConfig } from '../config/loader.js';
import type { BudgetsSectionDeps } from '../core/budgets/section.js';
import type { OrganizationsPort } from '../core/org/ports.js';
import type { PlanSection } from '../core/plan/section.js';
import { EstateError } from '../errors.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnySection = PlanSection<any>;

export interface Sections {
  readonly list: readonly AnySection[];
}

export interface SectionOptions {
  readonly prune: boolean;
  readonly concurrency: number;
}

/** A port for offline runs: any call is a bug, since offline planning reads nothing. */
function offlinePort<T extends object>(service: string): T {
  return new Proxy({} as T, {
    get: (_t, prop) => () => {
      throw new EstateError(`internal: ${service}.${String(prop)} was called during an offline plan`, {
        code: 'OfflineCall',
        source: 'internal',
      });
    },
  });
}

export async function buildSections(
  loaded: LoadedConfig,
  clients: AwsClients | undefined,
  options: SectionOptions,
): Promise<Sections> {
  const [{ organizationSections, loadPolicySources }, { budgetsSection }] = await Promise.all([
    import('../core/org/index.js'),
    import('../core/budgets/section.js'),
  ]);
  const policySources = await loadPolicySources(loaded.config, { configDir: loaded.dir });
  let port: OrganizationsPort;
  let budgetsDeps: BudgetsSectionDeps;
  if (clients) {
    const [{ organizationsFor }, { budgetsSectionDeps }] = await Promise.all([
      import('../aws/organizations.js'),
      import('../aws/finops.js'),
    ]);
    port = organizationsFor(clients);
    budgetsDeps = budgetsSectionDeps(clients, port);
  } else {
    port = offlinePort<OrganizationsPort>('organizations');
    budgetsDeps = {
      budgets: offlinePort('budgets'),
      costAllocationTags: offlinePort('cost explorer'),
      enforcementPolicy: offlinePort('organizations'),
      managementAccountId: offlinePort<{ call: () => Promise<string> }>('sts').call,
    };
  }
  const org = organizationSections({
    port,
    policySources,
    prune: options.prune,
    readConcurrency: Math.max(options.concurrency, 4),
    ...(clients ? { callerAccountId: async () => (await clients.callerIdentity()).account } : {}),
  });
  // Budgets come after the organisation: they need the ids of accounts it creates.
  return {
    list: [
      ...(clients ? org.map((s) => reportingCreatedAccounts(s, clients)) : org),
      budgetsSection(budgetsDeps),
    ],
  };
}

/**
 * Tells the AWS clients which accounts this apply created, so that AssumeRole into them
 * waits for the new account's role to become usable instead of failing at once.
 */
export function reportingCreatedAccounts(section: AnySection, clients: AwsClients): AnySection {
  return {
    ...section,
    apply: (changes, context) =>
      section.apply(changes, {
        ...context,
        record: {
          accountCreated: (name, id) => {
            clients.accountCreated(id);
            context.record.accountCreated(name, id);
          },
        },
      }),
  };
}
