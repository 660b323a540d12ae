import { z } from 'zod';
import { configSchema } from './schema.js';

/** The JSON Schema editors use for estate.yaml completion, generated from the zod schema. */
export function estateJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(configSchema, {
    io: 'input',
    unrepresentable: 'any',
    target: 'draft-2020-12',
  });
  return {
    ...schema,
    $id: 'https://estate.dev/schema/estate.schema.json',
    title: 'estate.yaml',
    description: 'One file that describes a governed multi-account AWS estate and its environments.',
  };
}

export function estateJsonSchemaText(): string {
  return `${JSON.stringify(estateJsonSchema(), null, 2)}\n`;
}
