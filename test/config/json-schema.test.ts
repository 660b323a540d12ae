import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { estateJsonSchema, estateJsonSchemaText } from '../../src/config/json-schema.js';
import { ROOT } from '../_helpers/cli.js';

describe('templates/estate.schema.json', () => {
  it('is what the zod schema generates today (run `npm run schema` after changing the schema)', async () => {
    const committed = await readFile(join(ROOT, 'templates/estate.schema.json'), 'utf8');
    expect(committed, 'templates/estate.schema.json is stale: run `npm run build && npm run schema`').toBe(
      estateJsonSchemaText(),
    );
  });

  it('describes the fields editors complete, closed to unknown keys', () => {
    const schema = estateJsonSchema() as {
      properties: Record<string, any>;
      additionalProperties: unknown;
      required: string[];
    };
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required).toEqual(
      expect.arrayContaining(['version', 'organization', 'organizationalUnits', 'accounts']),
    );
    const account = schema.properties.accounts.items;
    expect(account.properties.kind.enum).toEqual([
      'prod-multi-tenant',
      'prod-single-tenant',
      'integration',
      'developer',
      'monitoring',
      'logs',
    ]);
    expect(schema.properties.environments.items.properties.blueprints.items.enum).toContain('api-eks');
  });
});
