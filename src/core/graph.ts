/**
 * The desired estate as a graph: OUs, accounts (kind, owner, budget), environments and
 * their blueprints. Pure: config in, text or data out.
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
        ...(env.schedule
          ? { schedule: `stop ${env.schedule.stop} / start ${env.schedule.start} ${env.schedule.timezone}` }
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

/** The lines of an account's label; each renderer joins them its own way. */
function accountLines(node: GraphNode): string[] {
  const a = node.attributes;
  const parts = [node.label, String(a.kind)];
  if (a.owner) parts.push(String(a.owner));
  if (a.budgetUsd !== undefined) parts.push(`$${a.budgetUsd}/mo`);
  return parts;
}

function envLines(node: GraphNode): string[] {
  const a = node.attributes;
  const parts = [`${node.label} (${a.size})`, String(a.region)];
  if (a.owner) parts.push(String(a.owner));
  if (a.ttl) parts.push(`ttl ${a.ttl}`);
  if (a.protected) parts.push('protected');
  return parts;
}

const mermaidText = (text: string) => `"${text.replace(/"/g, '#quot;')}"`;

export function renderMermaid(graph: EstateGraph): string {
  const lines = ['flowchart LR'];
  const byType = (type: GraphNode['type']) => graph.nodes.filter((n) => n.type === type);
  lines.push(`  root[${mermaidText(`${graph.organization} (root)`)}]`);
  for (const n of byType('ou')) lines.push(`  ${n.id}[${mermaidText(`OU ${n.attributes.path}`)}]`);
  for (const n of byType('account')) lines.push(`  ${n.id}([${mermaidText(accountLines(n).join('<br/>'))}])`);
  for (const env of byType('environment')) {
    const blueprints = graph.edges
      .filter((e) => e.from === env.id && e.relation === 'contains')
      .map((e) => e.to);
    lines.push(`  subgraph ${env.id}[${mermaidText(envLines(env).join('<br/>'))}]`);
    for (const b of blueprints) {
      const node = graph.nodes.find((n) => n.id === b)!;
      lines.push(`    ${b}[${mermaidText(node.label)}]`);
    }
    lines.push('  end');
  }
  for (const e of graph.edges) {
    if (e.relation === 'contains' && graph.nodes.find((n) => n.id === e.to)?.type === 'blueprint') continue;
    lines.push(
      e.relation === 'deploys-into' ? `  ${e.from} -. deploys into .-> ${e.to}` : `  ${e.from} --> ${e.to}`,
    );
  }
  lines.push('  classDef account fill:#eef6ff,stroke:#4a90d9');
  lines.push('  classDef env fill:#f4fff0,stroke:#5a9e3a');
  const accounts = byType('account').map((n) => n.id);
  if (accounts.length) lines.push(`  class ${accounts.join(',')} account`);
  return `${lines.join('\n')}\n`;
}

/** A dot string: each line escaped, lines joined by dot's line-break escape. */
const dotText = (...lines: string[]) =>
  `"${lines.map((line) => line.replace(/\\/g, '\\\\').replace(/"/g, '\\"')).join('\\n')}"`;

export function renderDot(graph: EstateGraph): string {
  const lines = ['digraph estate {', '  rankdir=LR;', '  node [fontname="Helvetica"];'];
  for (const n of graph.nodes) {
    if (n.type === 'root')
      lines.push(`  root [label=${dotText(`${graph.organization} (root)`)}, shape=box, style=bold];`);
    else if (n.type === 'ou')
      lines.push(`  ${n.id} [label=${dotText(`OU ${n.attributes.path}`)}, shape=folder];`);
    else if (n.type === 'account')
      lines.push(`  ${n.id} [label=${dotText(...accountLines(n))}, shape=box, style=rounded];`);
    else if (n.type === 'environment')
      lines.push(`  ${n.id} [label=${dotText(...envLines(n))}, shape=component];`);
    else lines.push(`  ${n.id} [label=${dotText(n.label)}, shape=ellipse];`);
  }
  for (const e of graph.edges)
    lines.push(
      `  ${e.from} -> ${e.to}${e.relation === 'deploys-into' ? ' [style=dashed, label="deploys into"]' : ''};`,
    );
  lines.push('}');
  return `${lines.join('\n')}\n`;
}
