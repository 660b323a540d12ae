import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BLUEPRINT_NAMES } from '../../src/blueprints/catalog.js';
import { ROOT } from '../_helpers/cli.js';

const prices = JSON.parse(readFileSync(join(ROOT, 'templates/prices.json'), 'utf8')) as {
  date: string;
  blueprints: Record<string, Record<'dev' | 'prod', { monthlyUsd: number; idleMonthlyUsd: number }>>;
};

describe("README's cost table", () => {
  it('shows the figures and the date of templates/prices.json (update it with the file)', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('### Cost estimates'));
    expect(section).toContain(`read on **${prices.date}**`);
    for (const b of BLUEPRINT_NAMES) {
      const { dev, prod } = prices.blueprints[b]!;
      const row = `| \`${b}\` | $${dev.monthlyUsd} | $${dev.idleMonthlyUsd} | $${prod.monthlyUsd} | $${prod.idleMonthlyUsd} |`;
      expect(section, b).toContain(row);
    }
  });
});
