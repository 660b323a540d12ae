/**
 * `estate graph` as text: the estate graph core builds, drawn as a Mermaid flowchart or a
 * Graphviz dot graph. Pure.
 */
import type { EstateGraph, GraphNode } from '../core/graph.js';

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
  if (a.expires) parts.push(`expires ${a.expires}`);
  if (a.schedule) parts.push(`up ${a.schedule}${a.executor === 'aws' ? ' (aws)' : ''}`);
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
