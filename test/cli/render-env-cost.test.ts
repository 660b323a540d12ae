import { describe, expect, it } from 'vitest';
import { costLine, renderDeploy, renderEnvCost, renderList, usd } from '../../src/cli/render-env.js';
import type { CostEstimate, CostSummary } from '../../src/core/env/cost.js';
import type { DeployResult, ListedEnvironment } from '../../src/core/env/service.js';

const plain = { color: false };
const scheduled: CostSummary = {
  alwaysOnMonthlyUsd: 185.5,
  scheduledMonthlyUsd: 61.2,
  schedule: 'Mon-Fri 08:00-19:00 Europe/London',
  pricesDate: '2026-12-02',
  pricesRegion: 'us-east-1',
};
const alwaysOn: CostSummary = { ...scheduled, scheduledMonthlyUsd: 185.5, schedule: undefined };
delete (alwaysOn as { schedule?: string }).schedule;

const listed = (environment: string, cost?: CostSummary): ListedEnvironment => ({
  environment,
  account: 'dev-alice',
  accountId: '222222222222',
  regions: ['eu-west-2'],
  blueprints: ['api-eks', 'data'],
  status: 'CREATE_COMPLETE',
  createdAt: '2026-12-01T00:00:00.000Z',
  ageMs: 3_600_000,
  expired: false,
  protected: false,
  orphan: false,
  stacks: [],
  ...(cost ? { cost } : {}),
});

describe('usd', () => {
  it('prints whole dollars bare and the rest with cents', () => {
    expect([usd(73), usd(7.5), usd(0.456)]).toEqual(['$73', '$7.50', '$0.46']);
  });
});

describe('cost in renderList', () => {
  it('adds a COST/MONTH column: always on, and → scheduled with a schedule, and says where prices come from', () => {
    const out = renderList(
      { environments: [listed('alice', scheduled), listed('bob', alwaysOn)], unreadable: [] },
      plain,
    );
    expect(out.split('\n')[0]).toMatch(/ORPHAN\s+COST\/MONTH$/);
    expect(out).toMatch(/^alice .* \$186 → \$61 sched\.$/m);
    expect(out).toMatch(/^bob .* \$186$/m);
    expect(out).toContain('estimated from us-east-1 list prices of 2026-12-02');
  });

  it('has no cost column when nothing was priced', () => {
    expect(renderList({ environments: [listed('alice')], unreadable: [] }, plain)).not.toContain('COST');
  });
});

describe('cost in renderDeploy', () => {
  it('says each environment’s cost always on and with its schedule', () => {
    const result: DeployResult = {
      ok: true,
      interrupted: false,
      inFlight: [],
      notStarted: [],
      bootstrapped: [],
      environments: [
        {
          environment: 'alice',
          account: 'dev-alice',
          accountId: '222222222222',
          region: 'eu-west-2',
          status: 'deployed',
          stacks: [],
          endpoints: {},
          cost: scheduled,
        },
      ],
    };
    expect(renderDeploy(result, plain)).toContain(
      '  cost: ~$185.50/month always on, ~$61.20/month with its schedule (Mon-Fri 08:00-19:00 Europe/London); us-east-1 prices of 2026-12-02',
    );
    expect(costLine(alwaysOn)).toContain('(no schedule: always on)');
  });
});

describe('renderEnvCost', () => {
  it('prints the totals, the saving, a row per blueprint, the TTL note and the prices date', () => {
    const e: CostEstimate = {
      environment: 'alice',
      profile: 'dev',
      alwaysOnMonthlyUsd: 186,
      scheduledMonthlyUsd: 61.91,
      idleMonthlyUsd: 182,
      savingMonthlyUsd: 124.09,
      schedule: { hours: 'Mon-Fri 08:00-19:00', timezone: 'Europe/London', upShare: 0.3274 },
      expiry: {
        ttl: '72h',
        lifetimeUsd: 6.11,
        note: 'expires 72h after its first deploy: about $6.11 over its whole life, not a month',
      },
      byBlueprint: [
        {
          blueprint: 'data',
          role: 'stateful',
          monthlyUsd: 1,
          idleMonthlyUsd: 0,
          scheduledMonthlyUsd: 1,
          note: 'tables',
        },
        {
          blueprint: 'api-eks',
          role: 'stateless',
          monthlyUsd: 185,
          idleMonthlyUsd: 182,
          scheduledMonthlyUsd: 60.57,
          note: 'cluster',
        },
      ],
      unpriced: [],
      prices: { date: '2026-12-02', region: 'us-east-1', currency: 'USD' },
    };
    const out = renderEnvCost(e, plain);
    expect(out).toContain('alice (dev): ~$186/month always on, ~$182/month of it even with no traffic');
    expect(out).toContain(
      'with its schedule Mon-Fri 08:00-19:00 Europe/London (up 33% of the week): ~$61.91/month, saving $124.09/month',
    );
    expect(out).toContain('about $6.11 over its whole life');
    expect(out).toMatch(/^api-eks\s+stateless\s+\$185\s+\$60\.57\s+\$182$/m);
    expect(out).toMatch(/^total\s+\$186\s+\$61\.91\s+\$182$/m);
    expect(out).toContain('  api-eks: cluster');
    expect(out).toContain('us-east-1 list prices (USD) of 2026-12-02');
  });
});
