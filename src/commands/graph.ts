import { Flags } from '@oclif/core';
import { BaseCommand, configFlag } from '../cli/base-command.js';
import { loadConfig } from '../config/loader.js';
import { renderDot, renderMermaid } from '../cli/render-graph.js';
import { buildGraph, type EstateGraph } from '../core/graph.js';

export default class Graph extends BaseCommand<typeof Graph> {
  static override summary = 'Render the desired estate: OUs, accounts, environments and blueprints.';
  static override description =
    'Reads estate.yaml (no AWS calls) and prints a Mermaid flowchart (paste it into a Markdown file), a Graphviz dot graph, or the graph as JSON.';
  static override examples = [
    '<%= config.bin %> graph',
    '<%= config.bin %> graph --format dot | dot -Tsvg > estate.svg',
    '<%= config.bin %> graph --config templates/examples/recall/estate.yaml --json',
  ];
  static override flags = {
    ...configFlag,
    format: Flags.string({
      char: 'f',
      summary: 'Output format.',
      options: ['mermaid', 'dot', 'json'] as const,
      default: 'mermaid',
    }),
  };

  async run(): Promise<EstateGraph> {
    const { config } = await loadConfig(this.flags.config);
    const graph = buildGraph(config);
    if (this.jsonEnabled()) return graph;
    if (this.flags.format === 'json') this.log(JSON.stringify(graph, null, 2));
    else this.log((this.flags.format === 'dot' ? renderDot(graph) : renderMermaid(graph)).trimEnd());
    return graph;
  }
}
