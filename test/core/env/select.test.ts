import { describe, expect, it } from 'vitest';
import { parseWindow } from '../../../src/core/env/lifetime.js';
import { isUntouchable, selectForReap, type ReapCandidate } from '../../../src/core/env/select.js';

const H = 3_600_000;
const NOW = new Date('2026-12-02T12:00:00Z'); // a Wednesday, noon in London (GMT)
const ago = (hours: number) => new Date(NOW.getTime() - hours * H);
const OPTS = { orphansAfterMs: 48 * H, idleForMs: 24 * H };

function cand(environment: string, over: Partial<ReapCandidate> = {}): ReapCandidate {
  return {
    environment,
    accountId: '222222222222',
    account: 'dev-alice',
    accountKind: 'developer',
    declared: true,
    protectedConfig: false,
    tags: { 'estate:env': environment, 'estate:profile': 'dev', 'estate:protected': 'false' },
    createdAt: ago(24 * 10),
    lastDeployedAt: ago(72),
    executor: 'ci',
    statelessLive: true,
    idle: { measurable: true, requests: 5 },
    ...over,
  };
}

const reasons = (s: ReturnType<typeof selectForReap>) =>
  s.selected.map((x) => `${x.candidate.environment} ${x.reason} ${x.action}`);
const why = (s: ReturnType<typeof selectForReap>, env: string) =>
  s.kept.find((k) => k.candidate.environment === env)?.why;

describe('selectForReap', () => {
  it('destroys the expired and old orphans, takes down the closed-window and the idle ones', () => {
    const office = parseWindow('Mon-Fri 08:00-11:00', 'Europe/London');
    const s = selectForReap(
      [
        cand('expired', { expiresAt: ago(1) }),
        cand('orphan', { declared: false, lastDeployedAt: ago(49) }),
        cand('closed', { window: office }),
        cand('idle', { idle: { measurable: true, requests: 0 } }),
        cand('busy'),
      ],
      NOW,
      OPTS,
    );
    expect(reasons(s)).toEqual([
      'expired expired destroy',
      'orphan orphan destroy',
      'closed outside-window down',
      'idle idle down',
    ]);
    expect(s.selected.map((x) => x.since?.toISOString())).toEqual([
      ago(1).toISOString(),
      ago(49).toISOString(),
      '2026-12-02T11:00:00.000Z',
      ago(24).toISOString(),
    ]);
    expect(why(s, 'busy')).toBe('no expiry; 5 requests in the last 24h');
  });

  it('acts on the first reason in priority order', () => {
    const s = selectForReap(
      [cand('both', { expiresAt: ago(1), declared: false, idle: { measurable: true, requests: 0 } })],
      NOW,
      OPTS,
    );
    expect(reasons(s)).toEqual(['both expired destroy']);
  });

  it('keeps every protected or production environment, whatever the clock says, and says why', () => {
    const dueEverything = {
      expiresAt: ago(1000),
      declared: false,
      lastDeployedAt: ago(1000),
      idle: { measurable: true, requests: 0 },
    };
    const s = selectForReap(
      [
        cand('config', { ...dueEverything, protectedConfig: true }),
        cand('tag', { ...dueEverything, tags: { 'estate:protected': 'TRUE' } }),
        cand('profile', { ...dueEverything, tags: { 'estate:profile': 'prod' } }),
        cand('kind', { ...dueEverything, accountKind: 'prod-single-tenant', account: 'prod-acme' }),
      ],
      NOW,
      { ...OPTS, retryBlocked: true, max: 10 },
    );
    expect(s.selected).toEqual([]);
    expect(s.kept.map((k) => k.why)).toEqual([
      'protected: estate.yaml protected: true',
      'protected: tag estate:protected=true',
      'production: tag estate:profile=prod',
      'production: account prod-acme is of kind prod-single-tenant',
    ]);
  });

  it('gives every kept environment a reason a person can act on', () => {
    const office = parseWindow('Mon-Fri 08:00-19:00', 'Europe/London');
    const s = selectForReap(
      [
        cand('later', { expiresAt: new Date('2026-12-24T18:00:00Z') }),
        cand('young-orphan', { declared: false, lastDeployedAt: ago(10) }),
        cand('in-window', { window: office }),
        cand('aws', { window: parseWindow('Mon-Fri 08:00-09:00', 'UTC'), executor: 'aws' }),
        cand('down', { window: parseWindow('Mon-Fri 08:00-09:00', 'UTC'), statelessLive: false }),
        cand('eks', { idle: { measurable: false, requests: 0 } }),
        cand('fresh', { lastDeployedAt: ago(2), idle: { measurable: true, requests: 0 } }),
      ],
      NOW,
      OPTS,
    );
    expect(s.selected).toEqual([]);
    expect(why(s, 'later')).toBe('not expired until 2026-12-24T18:00:00.000Z; 5 requests in the last 24h');
    expect(why(s, 'young-orphan')).toMatch(
      /^no expiry; not in estate\.yaml, but active 10h ago: an orphan after 48h, at 2026-12-04T02:00:00\.000Z/,
    );
    expect(why(s, 'in-window')).toMatch(/inside its window until 2026-12-02T19:00:00\.000Z/);
    expect(why(s, 'aws')).toMatch(/executor aws: the estate-lifecycle stack acts on its window/);
    expect(why(s, 'down')).toBe('no expiry; outside its window and already down; already down');
    expect(why(s, 'eks')).toMatch(/no request metric \(EKS/);
    expect(why(s, 'fresh')).toMatch(/deployed 2h ago, within --idle-for 24h/);
  });

  it('does not look at traffic without --idle-for', () => {
    const s = selectForReap([cand('quiet', { idle: { measurable: true, requests: 0 } })], NOW, {
      orphansAfterMs: 48 * H,
    });
    expect(s.selected).toEqual([]);
    expect(why(s, 'quiet')).toBe('no expiry');
  });

  it('keeps an environment whose delete failed before as blocked, unless retryBlocked', () => {
    const stuck = cand('stuck', { expiresAt: ago(5), deleteBlocked: 'stuck-data: Bucket not empty' });
    const s = selectForReap([stuck], NOW, OPTS);
    expect(why(s, 'stuck')).toBe(
      'blocked: expired, but its delete failed before (stuck-data: Bucket not empty); fix that and re-run with --retry-blocked',
    );
    expect(reasons(selectForReap([stuck], NOW, { ...OPTS, retryBlocked: true }))).toEqual([
      'stuck expired destroy',
    ]);
  });

  it('selects at most max, by priority and then oldest first, and defers the rest', () => {
    const s = selectForReap(
      [
        cand('idle-old', { lastDeployedAt: ago(500), idle: { measurable: true, requests: 0 } }),
        cand('exp-new', { expiresAt: ago(1), lastDeployedAt: ago(30) }),
        cand('exp-old', { expiresAt: ago(1), lastDeployedAt: ago(300) }),
      ],
      NOW,
      { ...OPTS, max: 2 },
    );
    expect(reasons(s)).toEqual(['exp-old expired destroy', 'exp-new expired destroy']);
    expect(s.deferred.map((d) => `${d.candidate.environment} ${d.reason}`)).toEqual(['idle-old idle']);
    expect(selectForReap([cand('e', { expiresAt: ago(1) })], NOW, { ...OPTS, max: 0 }).deferred).toHaveLength(
      1,
    );
  });

  it('has no untouchable reason for a plain developer environment', () => {
    expect(isUntouchable(cand('plain'))).toBeUndefined();
  });
});
