/**
 * The reaper's choice, as a pure function of the candidates, the clock and the flags: which
 * environments to destroy (expired, orphaned) or take down (outside their window, idle), which
 * to keep and why, and which are due but deferred by `--max`. Protected and production
 * environments are never chosen, whatever their tags, the clock or the flags say: that is
 * {@link isUntouchable}, checked before anything else (teardown refuses them again).
 */
import { isUp, nextTransition, type UpWindow } from './lifetime.js';

export interface ReapCandidate {
  readonly environment: string;
  readonly accountId: string;
  /** The configured account name. */
  readonly account?: string;
  readonly accountKind?: string;
  /** In estate.yaml (same name, same account); false for an orphan. */
  readonly declared: boolean;
  /** Protected by the config (`isProtected`: protected: true or a production account kind). */
  readonly protectedConfig: boolean;
  /** The environment's stack tags, merged. */
  readonly tags: Readonly<Record<string, string>>;
  /** When its first stack was created. */
  readonly createdAt: Date;
  /** Its newest `estate:deployed-at`. */
  readonly lastDeployedAt?: Date;
  readonly expiresAt?: Date;
  readonly window?: UpWindow;
  readonly executor: 'aws' | 'ci';
  /** Any of its stateless stacks exists (so there is something to take down). */
  readonly statelessLive: boolean;
  /** A stack of it in DELETE_FAILED, and what blocks it. */
  readonly deleteBlocked?: string;
  /** Requests over the idle period; measurable is false when no resource has a request metric. */
  readonly idle?: { readonly measurable: boolean; readonly requests: number };
}

export type ReapReason = 'expired' | 'orphan' | 'outside-window' | 'idle';
export type ReapAction = 'destroy' | 'down';

export interface ReapSelected {
  readonly candidate: ReapCandidate;
  readonly reason: ReapReason;
  readonly action: ReapAction;
  /** Expired at, orphaned since its last deploy, down since the window closed, idle since. */
  readonly since?: Date;
}

export interface ReapSelection {
  readonly selected: readonly ReapSelected[];
  readonly kept: readonly { readonly candidate: ReapCandidate; readonly why: string }[];
  readonly deferred: readonly { readonly candidate: ReapCandidate; readonly reason: ReapReason }[];
}

export interface ReapOptions {
  /** Idle detection is off when absent. */
  readonly idleForMs?: number;
  readonly orphansAfterMs: number;
  readonly max?: number;
  readonly retryBlocked?: boolean;
}

/** Reasons in priority order; the first that applies is the one acted on. */
export const REAP_REASONS: readonly ReapReason[] = ['expired', 'orphan', 'outside-window', 'idle'];
const ACTION: Readonly<Record<ReapReason, ReapAction>> = {
  expired: 'destroy',
  orphan: 'destroy',
  'outside-window': 'down',
  idle: 'down',
};
const PRODUCTION_KINDS = ['prod-multi-tenant', 'prod-single-tenant'];
const HOUR = 3_600_000;

const tagIs = (c: ReapCandidate, key: string, value: string) => c.tags[key]?.trim().toLowerCase() === value;

/** Why the candidate can never be reaped (protected or production), or undefined. */
export function isUntouchable(c: ReapCandidate): string | undefined {
  if (c.accountKind && PRODUCTION_KINDS.includes(c.accountKind))
    return `production: account ${c.account ?? c.accountId} is of kind ${c.accountKind}`;
  if (c.protectedConfig) return 'protected: estate.yaml protected: true';
  if (tagIs(c, 'estate:protected', 'true')) return 'protected: tag estate:protected=true';
  if (tagIs(c, 'estate:profile', 'prod')) return 'production: tag estate:profile=prod';
  return undefined;
}

/** `90m`, `36h`, `3d`: a duration people read. */
export function formatDuration(ms: number): string {
  if (ms < 2 * HOUR) return `${Math.round(ms / 60_000)}m`;
  if (ms < 72 * HOUR) return `${Math.round(ms / HOUR)}h`;
  return `${Math.round(ms / (24 * HOUR))}d`;
}

/** The last sign of life: the newest deploy, else the creation of its first stack. */
function lastActive(c: ReapCandidate): Date {
  return c.lastDeployedAt ?? c.createdAt;
}

/** When the window last closed at or before `now` (it is down now). */
function windowClosedAt(w: UpWindow, now: Date): Date | undefined {
  let closed: Date | undefined;
  let t = new Date(now.getTime() - 8 * 24 * HOUR);
  while (t.getTime() <= now.getTime()) {
    const next = nextTransition(w, t);
    if (next.at.getTime() > now.getTime()) break;
    if (next.action === 'down') closed = next.at;
    t = next.at;
  }
  return closed;
}

function isExpired(c: ReapCandidate, now: Date): boolean {
  return c.expiresAt !== undefined && c.expiresAt.getTime() <= now.getTime();
}

function isOrphanDue(c: ReapCandidate, now: Date, opts: ReapOptions): boolean {
  return !c.declared && now.getTime() - lastActive(c).getTime() >= opts.orphansAfterMs;
}

function isOutsideWindow(c: ReapCandidate, now: Date): boolean {
  return c.executor === 'ci' && c.window !== undefined && c.statelessLive && !isUp(c.window, now);
}

function isIdle(c: ReapCandidate, now: Date, opts: ReapOptions): boolean {
  if (opts.idleForMs === undefined || !c.statelessLive || !c.idle?.measurable) return false;
  return c.idle.requests === 0 && now.getTime() - lastActive(c).getTime() >= opts.idleForMs;
}

/** The first reason that applies, in priority order. */
export function reapReason(c: ReapCandidate, now: Date, opts: ReapOptions): ReapReason | undefined {
  if (isExpired(c, now)) return 'expired';
  if (isOrphanDue(c, now, opts)) return 'orphan';
  if (isOutsideWindow(c, now)) return 'outside-window';
  if (isIdle(c, now, opts)) return 'idle';
  return undefined;
}

function since(c: ReapCandidate, reason: ReapReason, now: Date, opts: ReapOptions): Date | undefined {
  if (reason === 'expired') return c.expiresAt;
  if (reason === 'orphan') return lastActive(c);
  if (reason === 'outside-window') return windowClosedAt(c.window!, now);
  return new Date(Math.max(now.getTime() - opts.idleForMs!, lastActive(c).getTime()));
}

function expiryWhy(c: ReapCandidate, now: Date, opts: ReapOptions): string {
  const parts = [c.expiresAt ? `not expired until ${c.expiresAt.toISOString()}` : 'no expiry'];
  if (!c.declared) {
    const due = new Date(lastActive(c).getTime() + opts.orphansAfterMs);
    parts.push(
      `not in estate.yaml, but active ${formatDuration(now.getTime() - lastActive(c).getTime())} ago: an orphan after ${formatDuration(opts.orphansAfterMs)}, at ${due.toISOString()}`,
    );
  }
  return parts.join('; ');
}

function windowWhy(c: ReapCandidate, now: Date): string | undefined {
  const w = c.window;
  if (!w) return undefined;
  if (c.executor === 'aws') return 'executor aws: the estate-lifecycle stack acts on its window';
  if (isUp(w, now)) return `inside its window until ${nextTransition(w, now).at.toISOString()}`;
  return 'outside its window and already down';
}

function idleWhy(c: ReapCandidate, now: Date, opts: ReapOptions): string | undefined {
  if (opts.idleForMs === undefined) return undefined;
  if (!c.statelessLive) return 'already down';
  if (!c.idle?.measurable) return 'idle unknown: no request metric (EKS, or no API, Lambda or CloudFront)';
  if (c.idle.requests > 0) return `${c.idle.requests} requests in the last ${formatDuration(opts.idleForMs)}`;
  if (now.getTime() - lastActive(c).getTime() < opts.idleForMs)
    return `deployed ${formatDuration(now.getTime() - lastActive(c).getTime())} ago, within --idle-for ${formatDuration(opts.idleForMs)}`;
  return undefined;
}

/** Why a candidate with no reason is kept: its expiry, its window, its traffic. */
function keptWhy(c: ReapCandidate, now: Date, opts: ReapOptions): string {
  return [expiryWhy(c, now, opts), windowWhy(c, now), idleWhy(c, now, opts)].filter(Boolean).join('; ');
}

function blockedWhy(c: ReapCandidate, reason: ReapReason): string {
  return `blocked: ${reason}, but its delete failed before (${c.deleteBlocked}); fix that and re-run with --retry-blocked`;
}

/** Priority of the reason, then the oldest (least recently active) first, then by name. */
function dueOrder(a: ReapSelected, b: ReapSelected): number {
  return (
    REAP_REASONS.indexOf(a.reason) - REAP_REASONS.indexOf(b.reason) ||
    lastActive(a.candidate).getTime() - lastActive(b.candidate).getTime() ||
    a.candidate.environment.localeCompare(b.candidate.environment) ||
    a.candidate.accountId.localeCompare(b.candidate.accountId)
  );
}

export function selectForReap(cands: readonly ReapCandidate[], now: Date, opts: ReapOptions): ReapSelection {
  const kept: { candidate: ReapCandidate; why: string }[] = [];
  const due: ReapSelected[] = [];
  for (const candidate of cands) {
    const untouchable = isUntouchable(candidate);
    const reason = untouchable ? undefined : reapReason(candidate, now, opts);
    if (untouchable) kept.push({ candidate, why: untouchable });
    else if (!reason) kept.push({ candidate, why: keptWhy(candidate, now, opts) });
    else if (candidate.deleteBlocked && !opts.retryBlocked)
      kept.push({ candidate, why: blockedWhy(candidate, reason) });
    else {
      const at = since(candidate, reason, now, opts);
      due.push({ candidate, reason, action: ACTION[reason], ...(at ? { since: at } : {}) });
    }
  }
  due.sort(dueOrder);
  const limit = opts.max === undefined ? due.length : Math.max(0, Math.floor(opts.max));
  return {
    selected: due.slice(0, limit),
    kept,
    deferred: due.slice(limit).map(({ candidate, reason }) => ({ candidate, reason })),
  };
}
