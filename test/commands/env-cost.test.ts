/**
 * `estate env cost <env>` through the CLI: offline (no credentials, no endpoint), the
 * breakdown by blueprint from templates/prices.json, and a usage error for an unknown name.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BLUEPRINT_NAMES } from '../../src/blueprints/catalog.js';
import { usd } from '../../src/cli/render-env.js';
import type { CostEstimate } from '../../src/core/env/cost.js';
import { EXAMPLE, ROOT, estate } from '../_helpers/cli.js';

const prices = JSON.parse(readFileSync(join(ROOT, 'templates/prices.json'), 'utf8')) as {
  date: string;
  blueprints: Record<string, Record<'dev' | 'prod', { monthlyUsd: number }>>;
};
const sum = (profile: 'dev' | 'prod') =>
  Math.round(
    BLUEPRINT_NAMES.filter((b) => b !== 'api-eks').reduce(
      (n, b) => n + prices.blueprints[b]![profile].monthlyUsd,
      0,
    ) * 100,
  ) / 100;

// An unroutable endpoint: any AWS call would fail the run.
const offline = { AWS_ENDPOINT_URL: 'http://127.0.0.1:9', AWS_REGION: 'eu-west-2' };

describe('estate env cost', () => {
  it('breaks a prod environment down by blueprint with the table date and region, offline', async () => {
    const r = await estate(['env', 'cost', 'production', '--config', EXAMPLE, '--json'], { env: offline });
    expect(r.code, r.stderr).toBe(0);
    const e = JSON.parse(r.stdout) as CostEstimate;
    expect(e).toMatchObject({
      environment: 'production',
      profile: 'prod',
      prices: { date: prices.date, region: 'us-east-1' },
    });
    expect(e.byBlueprint.map((b) => [b.blueprint, b.role])).toEqual([
      ['edge', 'stateful'],
      ['auth', 'stateful'],
      ['data', 'stateful'],
      ['api-lambda', 'stateless'],
      ['ai', 'stateful'],
      ['observability', 'stateless'],
    ]);
    expect(e.alwaysOnMonthlyUsd).toBe(sum('prod'));
    expect(e.byBlueprint.find((b) => b.blueprint === 'edge')!.monthlyUsd).toBe(
      prices.blueprints.edge!.prod.monthlyUsd,
    );
  });

  it('prints the table, the totals and what the figures count', async () => {
    const r = await estate(['env', 'cost', 'integration', '--config', EXAMPLE], { env: offline });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`integration (dev): ~${usd(sum('dev'))}/month always on`);
    expect(r.stdout).toMatch(/BLUEPRINT\s+ROLE\s+ALWAYS ON\s+WITH SCHEDULE\s+IDLE/);
    expect(r.stdout).toMatch(/^api-lambda\s+stateless/m);
    expect(r.stdout).toContain('no schedule: always on');
    expect(r.stdout).toContain(`us-east-1 list prices (USD) of ${prices.date}`);
  });

  it('counts stateless stacks only inside the schedule and notes the TTL', async () => {
    const r = await estate(['env', 'cost', 'alice', '--config', EXAMPLE, '--json'], { env: offline });
    expect(r.code, r.stderr).toBe(0);
    const e = JSON.parse(r.stdout) as CostEstimate;
    expect(e.schedule).toEqual({ hours: 'Mon-Fri 08:00-19:00', timezone: 'Europe/London', upShare: 0.3274 });
    const api = e.byBlueprint.find((b) => b.blueprint === 'api-lambda')!;
    expect(api.scheduledMonthlyUsd).toBe(Math.round(((api.monthlyUsd * 55) / 168) * 100) / 100);
    expect(e.byBlueprint.find((b) => b.blueprint === 'data')!.scheduledMonthlyUsd).toBe(
      prices.blueprints.data!.dev.monthlyUsd,
    );
    expect(e.savingMonthlyUsd).toBeCloseTo(e.alwaysOnMonthlyUsd - e.scheduledMonthlyUsd, 2);
    expect(e.savingMonthlyUsd).toBeGreaterThan(0);
    expect(e.expiry).toMatchObject({ ttl: '72h' });
  });

  it('fails for an unknown environment, naming the known ones', async () => {
    const r = await estate(['env', 'cost', 'nope', '--config', EXAMPLE, '--json'], { env: offline });
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout).error.message).toContain(
      'no environment "nope" in estate.yaml; environments: alice, integration, production',
    );
  });
});
