/**
 * Defence in depth: even if the selector picked a protected or production environment,
 * teardown refuses it and the reaper deletes nothing of it. The selector is replaced here by
 * one that selects everything (the real one never does: select's property tests).
 */
import { describe, expect, it, vi } from 'vitest';
import { loadPriceTable } from '../../../src/cli/prices.js';
import { reapEnvironments } from '../../../src/core/env/reap.js';
import type * as Select from '../../../src/core/env/select.js';
import { FakeCloudWatch, FakeMetrics } from '../../../src/emulator/cloudwatch.js';
import { FakeNotifier } from '../../../src/emulator/notify.js';
import { A, PROD, envConfig, env, harness } from './harness.js';

vi.mock('../../../src/core/env/select.js', async (original) => {
  const real = await original<typeof Select>();
  return {
    ...real,
    selectForReap: (cands: readonly Select.ReapCandidate[]) => ({
      selected: cands.map((candidate) => ({
        candidate,
        reason: 'expired' as const,
        action: 'destroy' as const,
      })),
      kept: [],
      deferred: [],
    }),
  };
});

const NOW = new Date('2026-12-01T10:00:00Z');

describe('reapEnvironments behind a selector that selects everything', () => {
  it('Given a protected environment, a prod-account one and a protected-tag orphan, When reaped, Then teardown refuses each, nothing of theirs is deleted, the dev one goes', async () => {
    const config = envConfig([
      env('guarded', 'dev-a', { protected: true }),
      env('shop', 'prod'),
      env('alice', 'dev-a'),
    ]);
    const h = harness(config, {});
    const put = (accountId: string, name: string, tags: Record<string, string> = {}) =>
      h.cloud.put(
        { accountId, region: 'eu-west-2' },
        {
          name: `${name}-data`,
          tags: {
            'estate:env': name,
            'estate:blueprint': 'data',
            'estate:profile': 'dev',
            'estate:protected': 'false',
            ...tags,
          },
        },
      );
    put(A, 'guarded');
    put(PROD, 'shop');
    put(A, 'pr-1', { 'estate:protected': 'true' });
    put(A, 'alice');
    const r = await reapEnvironments(
      {
        ...h.deps,
        stackOps: h.cloud,
        records: h.cloud,
        metrics: new FakeMetrics(new FakeCloudWatch()),
        notify: new FakeNotifier(),
      },
      config,
      { dryRun: false, orphansAfterMs: 0, prices: loadPriceTable() },
      { io: h.io, interactive: false, now: () => NOW },
    );
    expect(h.cloud.deleteRequests.map((d) => d.name)).toEqual(['alice-data']);
    expect(r.reaped.map((e) => e.environment)).toEqual(['alice']);
    expect(r.kept.map((k) => k.environment).sort()).toEqual(['guarded', 'pr-1', 'shop']);
    for (const k of r.kept) expect(k.why).toMatch(/refused by teardown: .*protected/);
  });
});
