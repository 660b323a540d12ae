/**
 * `estate env reap` as a person (or a CI log) reads it: what was reaped and why, what was
 * kept and why, deferred, blocked, failed, the owner warnings, then the saving line with the
 * price table's date and region. The engine's result is the data (`--json` prints it); this
 * only draws it.
 */
import { styleText } from 'node:util';
import type { ReapResult, ReapStack } from '../core/env/reap.js';

export interface RenderOptions {
  readonly color: boolean;
}

type Style = Parameters<typeof styleText>[0];
const paint = (opts: RenderOptions, style: Style, text: string): string =>
  opts.color ? styleText(style, text, { validateStream: false }) : text;

const where = (e: { account?: string; accountId: string }) =>
  e.account ? `${e.account} (${e.accountId})` : e.accountId;

const usd = (n: number) => `$${n.toFixed(2)}`;

function stackLine(s: ReapStack): string[] {
  const lines = [
    `    ${s.stack} (${s.region}) ${s.status}${s.reason && s.status !== 'deleted' ? `: ${s.reason}` : ''}`,
  ];
  if (s.failure)
    lines.push(
      `      ${s.failure.logicalId}${s.failure.resourceType ? ` (${s.failure.resourceType})` : ''} ${s.failure.status}: ${s.failure.reason}`,
    );
  return lines;
}

export function renderReap(result: ReapResult, opts: RenderOptions): string {
  const lines: string[] = [];
  const verb = result.dryRun ? 'Would reap' : 'Reaped';
  if (result.reaped.length) {
    lines.push(paint(opts, 'bold', `${verb}:`));
    for (const r of result.reaped) {
      const why =
        r.reason === 'expired'
          ? `expired at ${r.expiredAt ?? r.since ?? '?'}`
          : r.reason === 'idle'
            ? `idle since ${r.idleSince ?? r.since ?? '?'}`
            : r.reason === 'orphan'
              ? `orphan (not in estate.yaml), last deployed ${r.since ?? '?'}`
              : 'outside its up window';
      const saving = r.monthlySavingUsd !== undefined ? `, saves ~${usd(r.monthlySavingUsd)}/month` : '';
      lines.push(
        `  ${paint(opts, 'green', '✔')} ${r.environment} in ${where(r)}: ${r.action === 'destroy' ? 'destroyed' : 'taken down'} (${why})${r.status === 'nothing' ? ', nothing was left' : ''}${saving}`,
      );
      if (result.dryRun || r.stacks.some((s) => s.status !== 'deleted' && s.status !== 'would-delete'))
        for (const s of r.stacks) lines.push(...stackLine(s));
    }
  }
  if (result.failed.length) {
    lines.push(paint(opts, 'bold', 'Failed:'));
    for (const f of result.failed) {
      lines.push(
        `  ${paint(opts, 'red', '✖')} ${f.environment} in ${where(f)}${f.action ? ` (${f.action})` : ''}: ${f.reason}`,
      );
      for (const s of f.stacks.filter((x) => x.status !== 'deleted' && x.status !== 'absent'))
        lines.push(...stackLine(s));
    }
  }
  if (result.blocked.length) {
    lines.push(paint(opts, 'bold', 'Blocked (a delete failed before; not retried without --retry-blocked):'));
    for (const b of result.blocked)
      lines.push(`  ${paint(opts, 'yellow', '!')} ${b.environment} in ${where(b)}: ${b.blocker}`);
  }
  if (result.deferred.length) {
    lines.push(paint(opts, 'bold', 'Deferred (over --max; next run):'));
    for (const d of result.deferred)
      lines.push(`  ${paint(opts, 'yellow', '↓')} ${d.environment} in ${where(d)}: ${d.reason}`);
  }
  if (result.kept.length) {
    lines.push(paint(opts, 'bold', 'Kept:'));
    for (const k of result.kept)
      lines.push(`  ${paint(opts, 'gray', '=')} ${k.environment} in ${where(k)}: ${k.why}`);
  }
  if (result.warnings.length) {
    lines.push(paint(opts, 'bold', 'Expiry warnings:'));
    for (const w of result.warnings)
      lines.push(
        `  ${w.status === 'failed' ? paint(opts, 'red', '✖') : paint(opts, 'cyan', '✉')} ${w.environment} expires ${w.expiresAt}: ${w.status === 'sent' ? 'warned' : w.status === 'would-send' ? 'would warn' : 'warning failed'} ${w.owner ?? ''} via ${w.via.join(' and ')}${w.error ? `: ${w.error}` : ''}`.replace(
          / {2,}/g,
          ' ',
        ),
      );
  }
  for (const u of result.unreadable)
    lines.push(paint(opts, 'red', `! could not read ${u.accountId} in ${u.region}: ${u.reason}`));
  if (lines.length === 0 || (result.reaped.length === 0 && result.failed.length === 0))
    lines.push('Nothing was due.');
  const p = result.saving.prices;
  lines.push(
    `${result.dryRun ? 'Dry run: nothing was changed. Would save' : 'Estimated saving'}: ~${usd(result.saving.monthlyUsd)}/month (${p.currency} prices of ${p.date}, ${p.region}).`,
  );
  return lines.join('\n');
}
