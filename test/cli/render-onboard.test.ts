import { describe, expect, it } from 'vitest';
import { renderOnboard } from '../../src/cli/render-onboard.js';
import type { OnboardResult } from '../../src/core/onboard/onboard.js';

const steps = (over: Record<string, [string, string]> = {}): OnboardResult['steps'] =>
  (['config', 'account', 'enrolment', 'budget', 'access', 'bootstrap', 'environment'] as const).map(
    (step) => {
      const [status, detail] = over[step] ?? ['done', `${step} detail`];
      return { step, status: status as OnboardResult['steps'][number]['status'], detail, elapsedMs: 0 };
    },
  );

describe('renderOnboard', () => {
  it('shows every step and the welcome a developer needs: portal, profile, URLs, budget, expiry, next commands', () => {
    const text = renderOnboard({
      ok: true,
      dryRun: false,
      steps: steps({ enrolment: ['skipped', 'no Control Tower landing zone in estate.yaml'] }),
      welcome: {
        accountId: '400000000009',
        accountName: 'dev-carol',
        portalUrl: 'https://d-123.awsapps.com/start',
        profileSnippet: '[profile dev-carol]\nsso_account_id = 400000000009',
        environment: 'dev-carol-dev',
        endpoints: { apiUrl: 'https://api.example.com' },
        budgetUsd: 100,
        expiresAt: '2026-12-05T04:00:00.000Z',
        commands: ['estate env extend dev-carol-dev --by 24h'],
      },
    });
    expect(text).toMatch(/-\s+enrolment\s+skipped\s+no Control Tower landing zone/);
    expect(text).toContain('Welcome aboard: account dev-carol (400000000009)');
    expect(text).toContain('sign in:     https://d-123.awsapps.com/start');
    expect(text).toContain('apiUrl:      https://api.example.com');
    expect(text).toContain('budget:      100 USD a month');
    expect(text).toContain('dev-carol-dev expires 2026-12-05T04:00:00.000Z');
    expect(text).toContain('    sso_account_id = 400000000009');
    expect(text).toContain('    estate env extend dev-carol-dev --by 24h');
  });

  it('says where it stopped and how to continue, without a welcome', () => {
    const text = renderOnboard({
      ok: false,
      dryRun: false,
      steps: steps({
        access: ['failed', 'ConflictException'],
        bootstrap: ['not-reached', ''],
        environment: ['not-reached', ''],
      }),
    });
    expect(text).toMatch(/✖\s+access\s+failed\s+ConflictException/);
    expect(text).toContain('Stopped at access. Fix the cause and run the same command again');
    expect(text).not.toContain('Welcome');
  });

  it('says a dry run changed nothing', () => {
    const text = renderOnboard({ ok: true, dryRun: true, steps: steps() });
    expect(text).toContain('Dry run: nothing was changed.');
  });
});
