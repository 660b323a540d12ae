/**
 * The desired estate as a graph: OUs, accounts (kind, owner, budget), environments and
 * their blueprints. Pure: config in, data out (src/cli/render-graph.ts draws it).
 */
import type { AccountConfig, EstateConfig, OuConfig } from '../config/schema.js';

export interface GraphNode {
  readonly id: string;
  readonly type: 'root' | 'ou' | 'account' | 'environment' | 'blueprint';
  readonly label: string;
  readonly attributes: Readonly<Record<string, string | number | boolean>>;
}

export interface GraphEdge {
  readonly from: string;
  readonly to: string;
  readonly relation: 'contains' | 'deploys-into' | 'uses';
}

export interface EstateGraph {
  readonly organization: string;
  readonly nodes: readonly GraphNode[];
  readonly edges: readonly GraphEdge[];
}

/** The monthly budget an account gets: its override, else its kind's default. */
export function accountBudgetUsd(config: EstateConfig, account: AccountConfig): number | undefined {
  return account.budget?.monthlyUsd ?? config.budgets?.byKind[account.kind]?.monthlyUsd;
}

const slug = (text: string) => text.replace(/[^A-Za-z0-9_]/g, '_');

export function buildGraph(config: EstateConfig): EstateGraph {
  const nodes: GraphNode[] = [{ id: 'root', type: 'root', label: config.organization.name, attributes: {} }];
  const edges: GraphEdge[] = [];
  const walk = (ous: readonly OuConfig[], parentId: string, prefix: string) => {
    for (const ou of ous) {
      const path = prefix ? `${prefix}/${ou.name}` : ou.name;
      const id = `ou_${slug(path)}`;
      nodes.push({ id, type: 'ou', label: ou.name, attributes: { path } });
      edges.push({ from: parentId, to: id, relation: 'contains' });
      walk(ou.children ?? [], id, path);
    }
  };
  walk(config.organizationalUnits, 'root', '');
  for (const account of config.accounts) {
    const id = `acct_${slug(account.name)}`;
    const budget = accountBudgetUsd(config, account);
    nodes.push({
      id,
      type: 'account',
      label: account.name,
      attributes: {
        kind: account.kind,
        ...(account.owner ? { owner: account.owner } : {}),
        ...(budget !== undefined ? { budgetUsd: budget } : {}),
        ...(account.id ? { accountId: account.id } : {}),
      },
    });
    edges.push({ from: `ou_${slug(account.ou)}`, to: id, relation: 'contains' });
  }
  for (const env of config.environments) {
    const id = `env_${slug(env.name)}`;
    nodes.push({
      id,
      type: 'environment',
      label: env.name,
      attributes: {
        size: env.size,
        region: env.region ?? config.organization.homeRegion,
        ...(env.owner ? { owner: env.owner } : {}),
        ...(env.ttl ? { ttl: env.ttl } : {}),
        ...(env.expires ? { expires: env.expires } : {}),
        ...(env.schedule
          ? { schedule: `${env.schedule.hours} ${env.schedule.timezone}`, executor: env.executor }
          : {}),
        protected: env.protected,
      },
    });
    edges.push({ from: id, to: `acct_${slug(env.account)}`, relation: 'deploys-into' });
    for (const blueprint of env.blueprints) {
      const bid = `${id}__${slug(blueprint)}`;
      nodes.push({
        id: bid,
        type: 'blueprint',
        label: blueprint,
        attributes: { stack: `${env.name}-${blueprint}` },
      });
      edges.push({ from: id, to: bid, relation: 'contains' });
    }
  }
  return { organization: config.organization.name, nodes, edges };
}
