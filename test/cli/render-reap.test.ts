import { describe, expect, it } from 'vitest';
import { renderReap } from '../../src/cli/render-reap.js';
import type { ReapResult } from '../../src/core/env/reap.js';

const base: ReapResult = {
  ok: false,
  dryRun: false,
  interrupted: false,
  at: '2026-12-01T10:00:00.000Z',
  reaped: [
    {
      environment: 'alice',
      account: 'dev-a',
      accountId: '111111111111',
      reason: 'expired',
      action: 'destroy',
      status: 'done',
      since: '2026-12-01T08:00:00.000Z',
      expiredAt: '2026-12-01T08:00:00.000Z',
      stacks: [{ stack: 'alice-data', region: 'eu-west-2', status: 'deleted' }],
      monthlySavingUsd: 12.5,
    },
    {
      environment: 'bob',
      accountId: '222222222222',
      reason: 'idle',
      action: 'down',
      status: 'done',
      idleSince: '2026-11-30T10:00:00.000Z',
      stacks: [],
    },
  ],
  kept: [
    {
      environment: 'shop',
      account: 'prod',
      accountId: '444444444444',
      why: 'account kind prod-single-tenant',
    },
  ],
  deferred: [{ environment: 'pr-9', accountId: '333333333333', reason: 'orphan' }],
  blocked: [
    { environment: 'carol', accountId: '222222222222', blocker: 'carol-data: Table DELETE_FAILED: in use' },
  ],
  failed: [
    {
      environment: 'dave',
      accountId: '222222222222',
      action: 'destroy',
      reason: 'failed',
      stacks: [
        {
          stack: 'dave-data',
          region: 'eu-west-2',
          status: 'failed',
          failure: {
            logicalId: 'Table',
            resourceType: 'AWS::DynamoDB::Table',
            status: 'DELETE_FAILED',
            reason: 'in use',
          },
        },
      ],
    },
  ],
  warnings: [
    {
      environment: 'erin',
      accountId: '111111111111',
      owner: 'erin@example.com',
      expiresAt: '2026-12-01T20:00:00.000Z',
      via: ['sns', 'email'],
      status: 'sent',
    },
  ],
  unreadable: [],
  saving: { monthlyUsd: 12.5, prices: { date: '2026-12-02', region: 'us-east-1', currency: 'USD' } },
};

describe('renderReap', () => {
  it('Given every kind of outcome, When rendered, Then each says what happened and why, with the failing resource and the saving line', () => {
    const text = renderReap(base, { color: false });
    expect(text).toContain(
      'alice in dev-a (111111111111): destroyed (expired at 2026-12-01T08:00:00.000Z), saves ~$12.50/month',
    );
    expect(text).toContain('bob in 222222222222: taken down (idle since 2026-11-30T10:00:00.000Z)');
    expect(text).toContain('dave in 222222222222 (destroy): failed');
    expect(text).toContain('Table (AWS::DynamoDB::Table) DELETE_FAILED: in use');
    expect(text).toContain('carol in 222222222222: carol-data: Table DELETE_FAILED: in use');
    expect(text).toContain('pr-9 in 333333333333: orphan');
    expect(text).toContain('shop in prod (444444444444): account kind prod-single-tenant');
    expect(text).toContain(
      'erin expires 2026-12-01T20:00:00.000Z: warned erin@example.com via sns and email',
    );
    expect(text).toMatch(/Estimated saving: ~\$12\.50\/month \(USD prices of 2026-12-02, us-east-1\)\.$/);
  });

  it('Given nothing due in a dry run, When rendered, Then it says so and that nothing changed', () => {
    const text = renderReap(
      {
        ...base,
        ok: true,
        dryRun: true,
        reaped: [],
        failed: [],
        kept: [],
        deferred: [],
        blocked: [],
        warnings: [],
        saving: { ...base.saving, monthlyUsd: 0 },
      },
      { color: false },
    );
    expect(text).toContain('Nothing was due.');
    expect(text).toContain('Dry run: nothing was changed. Would save: ~$0.00/month');
  });
});
