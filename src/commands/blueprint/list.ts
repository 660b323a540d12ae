import { Args } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { BLUEPRINT_NAMES } from '../../blueprints/catalog.js';
import {
  describeBlueprints,
  formatDefault,
  formatRole,
  type BlueprintDoc,
} from '../../blueprints/describe.js';

export interface BlueprintListResult {
  readonly blueprints: readonly BlueprintDoc[];
}

export default class BlueprintList extends BaseCommand<typeof BlueprintList> {
  static override summary = 'List the blueprints, their settings and defaults.';
  static override description =
    'Shows what each blueprint deploys, the stack it becomes (<env>-<blueprint>), the blueprints it consumes, whether its stack is stateful (kept by off-hours shutdown) or stateless (deleted and re-created), what it holds and what prod retains, and every setting it takes under blueprints.<name> or environments[].settings.<name> in estate.yaml, with its type and its default in the dev and prod size profiles. Reads no config and makes no AWS call.';
  static override examples = [
    '<%= config.bin %> blueprint list',
    '<%= config.bin %> blueprint list api-lambda',
    '<%= config.bin %> blueprint list --json',
  ];
  static override args = {
    name: Args.string({ description: 'Show only this blueprint.', options: [...BLUEPRINT_NAMES] }),
  };

  async run(): Promise<BlueprintListResult> {
    const all = describeBlueprints();
    const result = { blueprints: this.args.name ? all.filter((b) => b.name === this.args.name) : all };
    if (this.jsonEnabled()) return result;
    this.log(result.blueprints.map(renderBlueprint).join('\n\n'));
    return result;
  }
}

function renderBlueprint(b: BlueprintDoc): string {
  const name = Math.max(...b.settings.map((s) => s.name.length));
  const type = Math.min(34, Math.max(...b.settings.map((s) => s.type.length)));
  const lines = [
    `${b.name}  →  stack ${b.stack} in ${b.region}${b.uses.length ? `, uses ${b.uses.join(', ')}` : ''}`,
    `  ${b.summary}`,
    `  ${formatRole(b)}: holds ${b.holds}; prod retains ${b.prodRetains}`,
  ];
  for (const s of b.settings) {
    lines.push(`    ${s.name.padEnd(name)}  ${s.type.padEnd(type)}  default ${formatDefault(s.default)}`);
    if (s.description) lines.push(`    ${''.padEnd(name)}  ${s.description}`);
  }
  return lines.join('\n');
}
