import { describe, expect, it } from 'vitest';
import { renderOffboard } from '../../src/cli/render-offboard.js';
import type { OffboardResult } from '../../src/core/onboard/offboard.js';

const result = (over: Partial<OffboardResult> = {}): OffboardResult => ({
  ok: true,
  dryRun: false,
  account: 'dev-bob',
  accountId: '222233334444',
  steps: [
    { step: 'environments', status: 'done', detail: 'destroyed dev-bob-dev', elapsedMs: 1 },
    { step: 'close', status: 'skipped', detail: 'kept for recycling (--close closes it)', elapsedMs: 0 },
  ],
  ...over,
});

describe('renderOffboard', () => {
  it('shows the steps and where the parked account is', () => {
    const text = renderOffboard(result());
    expect(text).toContain('destroyed dev-bob-dev');
    expect(text).toContain('dev-bob (222233334444) is parked for recycling');
  });

  it('says a closed account can be reopened for 90 days', () => {
    const text = renderOffboard(
      result({ steps: [{ step: 'close', status: 'done', detail: 'closed', elapsedMs: 0 }] }),
    );
    expect(text).toContain('90 days');
    expect(text).not.toContain('parked');
  });

  it('fails loudly: a failed step is named and no hand-over is printed', () => {
    const text = renderOffboard(
      result({ ok: false, steps: [{ step: 'access', status: 'failed', detail: 'denied', elapsedMs: 0 }] }),
    );
    expect(text).toContain('Stopped at access');
    expect(text).not.toContain('parked');
  });
});
