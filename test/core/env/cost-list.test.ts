/**
 * `env list` and `env deploy` carry each environment's estimated monthly cost when given the
 * price table: estate.yaml's entry for a declared environment, the stacks' tags for an orphan,
 * the live estate:schedule tag over the config's window.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePriceTable } from '../../../src/core/env/cost.js';
import { deployEnvironments, listEnvironments } from '../../../src/core/env/service.js';
import { ROOT } from '../../_helpers/cli.js';
import { C, chain, deployedHarness, env, harness, envConfig } from './harness.js';

const prices = parsePriceTable(
  JSON.parse(readFileSync(join(ROOT, 'templates/prices.json'), 'utf8')),
  'templates/prices.json',
);
const dev = (b: string) => prices.blueprints[b]!.dev.monthlyUsd;
const prod = (b: string) => prices.blueprints[b]!.prod.monthlyUsd;

describe('cost in env list', () => {
  it('prices declared environments by their config and orphans by their tags', async () => {
    const { config, h } = await deployedHarness(
      [env('one', 'dev-a', { blueprints: ['data', 'edge'] }), env('big', 'dev-b', { size: 'prod' })],
      {
        one: [{ blueprint: 'data' }, { blueprint: 'edge', region: 'us-east-1' }],
        big: [{ blueprint: 'data' }],
      },
    );
    h.cloud.put(
      { accountId: C, region: 'eu-west-2' },
      {
        name: 'pr-9-api-lambda',
        status: 'CREATE_COMPLETE',
        createdAt: new Date('2026-11-21T00:00:00Z'),
        tags: {
          'estate:env': 'pr-9',
          'estate:blueprint': 'api-lambda',
          'estate:profile': 'prod',
          'estate:schedule': 'Mon-Fri 08:00-19:00 Europe/London',
        },
      },
    );
    const result = await listEnvironments(h.deps, config, { prices }, h.run());
    const by = Object.fromEntries(result.environments.map((e) => [e.environment, e]));
    expect(by.one!.cost).toEqual({
      alwaysOnMonthlyUsd: dev('data') + dev('edge'),
      scheduledMonthlyUsd: dev('data') + dev('edge'),
      pricesDate: prices.date,
      pricesRegion: 'us-east-1',
    });
    expect(by.big!.cost!.alwaysOnMonthlyUsd).toBe(prod('data'));
    // The orphan: prod profile and the window from its tags; api-lambda is stateless.
    expect(by['pr-9']).toMatchObject({ profile: 'prod', schedule: 'Mon-Fri 08:00-19:00 Europe/London' });
    expect(by['pr-9']!.cost).toMatchObject({
      alwaysOnMonthlyUsd: prod('api-lambda'),
      scheduledMonthlyUsd: Math.round(((prod('api-lambda') * 55) / 168) * 100) / 100,
      schedule: 'Mon-Fri 08:00-19:00 Europe/London',
    });
  });

  it('carries no cost without the table', async () => {
    const { config, h } = await deployedHarness([env('one', 'dev-a')], { one: [{ blueprint: 'data' }] });
    const result = await listEnvironments(h.deps, config, {}, h.run());
    expect(result.environments[0]!.cost).toBeUndefined();
  });
});

describe('cost in env deploy', () => {
  it('gives each deployed environment its always-on and scheduled estimate (stateless only inside the window)', async () => {
    const config = envConfig([
      env('dev', 'dev-a', {
        blueprints: ['data', 'api-lambda', 'auth'],
        schedule: { hours: 'Mon-Fri 08:00-19:00', timezone: 'Europe/London' },
      }),
    ]);
    const h = harness(config, { dev: chain() });
    const result = await deployEnvironments(
      h.deps,
      config,
      { environments: ['dev'], approve: 'never', yes: false, configDir: '/tmp', prices },
      h.run(),
    );
    expect(result.ok).toBe(true);
    expect(result.environments[0]!.cost).toEqual({
      alwaysOnMonthlyUsd: dev('data') + dev('api-lambda') + dev('auth'),
      scheduledMonthlyUsd:
        Math.round((dev('data') + dev('auth') + (dev('api-lambda') * 55) / 168) * 100) / 100,
      schedule: 'Mon-Fri 08:00-19:00 Europe/London',
      pricesDate: prices.date,
      pricesRegion: 'us-east-1',
    });
  });
});
