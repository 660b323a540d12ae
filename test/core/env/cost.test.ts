import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BLUEPRINT_NAMES } from '../../../src/blueprints/catalog.js';
import { parseConfig } from '../../../src/config/loader.js';
import {
  blueprintRoles,
  estimateCost,
  monthlySaving,
  parsePriceTable,
  type PriceTable,
} from '../../../src/core/env/cost.js';
import { parseWindow } from '../../../src/core/env/lifetime.js';
import { ROOT } from '../../_helpers/cli.js';

const shipped = (): unknown => JSON.parse(readFileSync(join(ROOT, 'templates/prices.json'), 'utf8'));

/** Round figures so the arithmetic is checkable by hand. */
function table(): PriceTable {
  const blueprints: Record<string, unknown> = {};
  for (const name of BLUEPRINT_NAMES)
    blueprints[name] = {
      dev: { monthlyUsd: 10, idleMonthlyUsd: 5, note: `${name} dev: test figure` },
      prod: { monthlyUsd: 100, idleMonthlyUsd: 50, note: `${name} prod: test figure` },
    };
  (blueprints['api-eks'] as Record<string, unknown>).dev = {
    monthlyUsd: 168,
    idleMonthlyUsd: 160,
    note: 'api-eks dev: test figure',
  };
  return parsePriceTable(
    { date: '2026-12-02', region: 'us-east-1', currency: 'USD', blueprints },
    'test prices',
  );
}

/** Mon-Fri 08:00-19:00: 5 × 11 h = 55 of the week's 168 hours. */
const weekdays = parseWindow('Mon-Fri 08:00-19:00', 'Europe/London');

describe('templates/prices.json', () => {
  it('parses, and prices every blueprint of the catalog in both profiles with a note', () => {
    const prices = parsePriceTable(shipped(), 'templates/prices.json');
    expect(prices.region).toBe('us-east-1');
    expect(prices.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    for (const name of BLUEPRINT_NAMES)
      for (const profile of ['dev', 'prod'] as const) {
        const e = prices.blueprints[name]![profile];
        expect(e.idleMonthlyUsd).toBeLessThanOrEqual(e.monthlyUsd);
        expect(e.note.length).toBeGreaterThan(20);
      }
  });

  it('counts what AWS bills by the hour: the EKS control plane and a NAT gateway idle, not DynamoDB or Lambda', () => {
    const prices = parsePriceTable(shipped(), 'templates/prices.json');
    // $0.10/h control plane (73) + one NAT gateway at $0.045/h (32.85) is the floor of dev api-eks.
    expect(prices.blueprints['api-eks']!.dev.idleMonthlyUsd).toBeGreaterThanOrEqual(73 + 32.85);
    expect(prices.blueprints['api-eks']!.prod.idleMonthlyUsd).toBeGreaterThan(
      prices.blueprints['api-eks']!.dev.idleMonthlyUsd,
    );
    expect(prices.blueprints.data!.dev.idleMonthlyUsd).toBe(0);
    expect(prices.blueprints['api-lambda']!.dev.idleMonthlyUsd).toBe(0);
    // The WAF web ACL ($5) and its rate rule ($1) bill whatever the traffic.
    expect(prices.blueprints.edge!.dev.idleMonthlyUsd).toBeGreaterThanOrEqual(6);
  });

  it('fails when a blueprint or a profile is missing, naming it', () => {
    const raw = shipped() as { blueprints: Record<string, Record<string, unknown>> };
    delete raw.blueprints.ai;
    delete raw.blueprints.edge!.prod;
    expect(() => parsePriceTable(raw, 'prices.json')).toThrow(
      /prices\.json: .*blueprints\.edge\.prod: missing.*blueprints\.ai\.dev: missing/,
    );
  });

  it('fails when idle costs more than always on, or a figure is not a number', () => {
    const raw = shipped() as { blueprints: Record<string, Record<string, Record<string, unknown>>> };
    raw.blueprints.data!.dev!.idleMonthlyUsd = 99;
    raw.blueprints.auth!.prod!.monthlyUsd = '21';
    expect(() => parsePriceTable(raw, 'p')).toThrow(
      /blueprints\.auth\.prod\.monthlyUsd: must be a number.*blueprints\.data\.dev: idleMonthlyUsd 99 is more than monthlyUsd 1/s,
    );
  });
});

describe('blueprintRoles', () => {
  it('is the catalog role, and edge and observability turn stateless over a stateless API', () => {
    expect(blueprintRoles(['edge', 'data', 'api-eks', 'observability'], false)).toEqual({
      edge: 'stateful',
      data: 'stateful',
      'api-eks': 'stateless',
      observability: 'stateful',
    });
    expect(blueprintRoles(['edge', 'api-lambda', 'observability'], true)).toEqual({
      edge: 'stateless',
      'api-lambda': 'stateless',
      observability: 'stateless',
    });
    expect(blueprintRoles(['edge', 'api-lambda'], false).edge).toBe('stateful');
  });
});

describe('estimateCost', () => {
  const target = { environment: 'alice', blueprints: ['data', 'api-eks'], profile: 'dev' as const };

  it('always on: the sum of the blueprints in the profile, with the table date and region', () => {
    const e = estimateCost(table(), undefined, target);
    expect(e.alwaysOnMonthlyUsd).toBe(178);
    expect(e.scheduledMonthlyUsd).toBe(178);
    expect(e.idleMonthlyUsd).toBe(165);
    expect(e.savingMonthlyUsd).toBe(0);
    expect(e.schedule).toBeUndefined();
    expect(e.prices).toEqual({ date: '2026-12-02', region: 'us-east-1', currency: 'USD' });
    expect(e.byBlueprint.map((b) => [b.blueprint, b.role, b.monthlyUsd])).toEqual([
      ['data', 'stateful', 10],
      ['api-eks', 'stateless', 168],
    ]);
  });

  it('with a window: stateful in full, stateless × the share of the week inside the window', () => {
    const e = estimateCost(table(), undefined, { ...target, window: weekdays });
    // api-eks 168 × 55/168 = 55; data stays 10.
    expect(e.byBlueprint.map((b) => [b.blueprint, b.scheduledMonthlyUsd])).toEqual([
      ['data', 10],
      ['api-eks', 55],
    ]);
    expect(e.scheduledMonthlyUsd).toBe(65);
    expect(e.savingMonthlyUsd).toBe(113);
    expect(e.schedule).toEqual({ hours: 'Mon-Fri 08:00-19:00', timezone: 'Europe/London', upShare: 0.3274 });
  });

  it('prices the prod profile for a prod environment', () => {
    expect(estimateCost(table(), undefined, { ...target, profile: 'prod' }).alwaysOnMonthlyUsd).toBe(200);
  });

  it('notes what an environment with a TTL costs over its life', () => {
    const e = estimateCost(table(), undefined, { ...target, ttl: '73h' });
    // 178 a month of 730 hours, for 73 hours: 17.80.
    expect(e.expiry).toMatchObject({ ttl: '73h', lifetimeUsd: 17.8 });
    expect(e.expiry!.note).toContain('$17.80');
    expect(
      estimateCost(table(), undefined, { ...target, expires: '2026-12-24T18:00Z' }).expiry,
    ).toMatchObject({ expires: '2026-12-24T18:00Z' });
  });

  it('lists a blueprint the table has no price for instead of counting it', () => {
    const e = estimateCost(table(), undefined, { ...target, blueprints: ['data', 'legacy-thing'] });
    expect(e.unpriced).toEqual(['legacy-thing']);
    expect(e.alwaysOnMonthlyUsd).toBe(10);
  });

  it('reads an estate.yaml environment: size, blueprints, schedule, edge.fronts', () => {
    const config = parseConfig(
      `
version: 1
organization: { name: acme, homeRegion: eu-west-2, governedRegions: [eu-west-2, us-east-1], emailPattern: "aws+{account}@acme.example.com" }
organizationalUnits: [{ name: Security }, { name: Sandbox }]
accounts:
  - { name: logs, kind: logs, ou: Security }
  - { name: dev-alice, kind: developer, ou: Sandbox, owner: alice@acme.example.com }
environments:
  - name: alice
    account: dev-alice
    blueprints: [edge, auth, data, api-lambda]
    schedule: { hours: Mon-Fri 08:00-19:00, timezone: Europe/London }
    expires: 2026-12-24T18:00Z
    settings: { edge: { fronts: api } }
`,
      'estate.yaml',
    );
    const e = estimateCost(table(), config, config.environments[0]!);
    expect(e.schedule).toMatchObject({ hours: 'Mon-Fri 08:00-19:00', timezone: 'Europe/London' });
    expect(e.expiry).toMatchObject({ expires: '2026-12-24T18:00Z' });
    expect(e.environment).toBe('alice');
    expect(e.byBlueprint.map((b) => [b.blueprint, b.role])).toEqual([
      ['edge', 'stateless'],
      ['auth', 'stateful'],
      ['data', 'stateful'],
      ['api-lambda', 'stateless'],
    ]);
    // auth 10 + data 10 + (edge 10 + api 10) × 55/168.
    expect(e.scheduledMonthlyUsd).toBe(26.55);
    expect(e.alwaysOnMonthlyUsd).toBe(40);
  });
});

describe('monthlySaving', () => {
  const target = { blueprints: ['data', 'api-eks'], profile: 'dev' as const };

  it('destroy saves what the environment costs; down saves its stateless stacks', () => {
    expect(monthlySaving(table(), undefined, target, 'destroy')).toBe(178);
    expect(monthlySaving(table(), undefined, target, 'down')).toBe(168);
    expect(monthlySaving(table(), undefined, target, 'down', { idle: true })).toBe(160);
  });

  it('with a window: down saves the hours outside it, destroy what the schedule leaves', () => {
    const scheduled = { ...target, window: weekdays };
    expect(monthlySaving(table(), undefined, scheduled, 'down')).toBe(113);
    expect(monthlySaving(table(), undefined, scheduled, 'destroy')).toBe(65);
  });
});
