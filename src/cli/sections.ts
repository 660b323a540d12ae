/**
 * The plan sections `plan` and `apply` run, in order, wired to AWS adapters (or, offline,
 * to nothing: offline planning only calls `empty()`).
 */
import type { AwsClients } from '../aws/clients.js';
import type { LoadedConfig } from '../config/loader.js';
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
  const { organizationSections, loadPolicySources } = await import('../core/org/index.js');
  const policySources = await loadPolicySources(loaded.config, { configDir: loaded.dir });
  let port;
  if (clients) {
    const [{ OrganizationsClient }, { organizationsPort }] = await Promise.all([
      import('@aws-sdk/client-organizations'),
      import('../aws/organizations.js'),
    ]);
    port = organizationsPort(clients.client(OrganizationsClient, 'ORGANIZATIONS'));
  } else {
    port = offlinePort<import('../core/org/ports.js').OrganizationsPort>('organizations');
  }
  const org = organizationSections({
    port,
    policySources,
    prune: options.prune,
    readConcurrency: Math.max(options.concurrency, 4),
    ...(clients ? { callerAccountId: async () => (await clients.callerIdentity()).account } : {}),
  });
  return { list: [...org] };
}
