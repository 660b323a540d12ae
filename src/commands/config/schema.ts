import { writeFile } from 'node:fs/promises';
import { Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { estateJsonSchema, estateJsonSchemaText } from '../../config/json-schema.js';

export default class ConfigSchema extends BaseCommand<typeof ConfigSchema> {
  static override summary = 'Print the JSON Schema of estate.yaml (for editor completion).';
  static override description =
    'Generated from the same schema `config validate` uses. Point your editor at it with `# yaml-language-server: $schema=<path>` at the top of estate.yaml.';
  static override examples = ['<%= config.bin %> config schema --out estate.schema.json'];
  static override flags = {
    out: Flags.string({ char: 'o', summary: 'Write the schema to this file instead of stdout.' }),
  };

  async run(): Promise<Record<string, unknown>> {
    const schema = estateJsonSchema();
    if (this.flags.out) {
      await writeFile(this.flags.out, estateJsonSchemaText(), 'utf8');
      this.note(`wrote ${this.flags.out}`);
    } else if (!this.jsonEnabled()) {
      this.log(estateJsonSchemaText().trimEnd());
    }
    return schema;
  }
}
