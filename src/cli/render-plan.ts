/**
 * A plan as a person reads it: grouped by section, one symbol per action, like a
 * Terraform plan. Pure apart from the colour decision.
 */
import { styleText } from 'node:util';
import type { DocumentFieldDiff, PolicyDocumentDiff } from '../core/org/policies.js';
import type { ApplyResult, Change, ChangeAction, Plan } from '../core/plan/types.js';

type Style = Parameters<typeof styleText>[0];

const SYMBOLS: Record<ChangeAction, { symbol: string; style: Style; verb: string }> = {
  create: { symbol: '+', style: 'green', verb: 'to create' },
  update: { symbol: '~', style: 'yellow', verb: 'to update' },
  move: { symbol: '→', style: 'cyan', verb: 'to move' },
  attach: { symbol: '+', style: 'green', verb: 'to attach' },
  detach: { symbol: '-', style: 'red', verb: 'to detach' },
  delete: { symbol: '-', style: 'red', verb: 'to delete' },
  drift: { symbol: '!', style: 'magenta', verb: 'drift (not fixed by estate)' },
};

const ORDER: ChangeAction[] = ['create', 'update', 'move', 'attach', 'detach', 'delete', 'drift'];

const show = (value: unknown): string => (value === undefined ? '(none)' : JSON.stringify(value));

function describeField(f: DocumentFieldDiff): string {
  const where = f.path || '(document)';
  if (f.added || f.removed)
    return `${where}: ${[...(f.added ?? []).map((x) => `+ ${x}`), ...(f.removed ?? []).map((x) => `- ${x}`)].join(', ')}`;
  return `${where}: ${show(f.before)} → ${show(f.after)}`;
}

/** A policy document change, statement by statement, as indented lines. */
export function documentDiffLines(d: PolicyDocumentDiff): string[] {
  const lines: string[] = [];
  for (const st of d.statements) {
    lines.push(`statement ${st.statement} ${st.change}`);
    for (const f of st.fields ?? []) lines.push(`  ${describeField(f)}`);
  }
  for (const f of d.fields) lines.push(describeField(f));
  return lines;
}

const documentDiffOf = (change: Change): PolicyDocumentDiff | undefined => {
  const d = change.payload.documentDiff as PolicyDocumentDiff | undefined;
  return d && Array.isArray(d.statements) && Array.isArray(d.fields) ? d : undefined;
};

export function countByAction(changes: readonly Change[]): Record<ChangeAction, number> {
  const counts = Object.fromEntries(ORDER.map((a) => [a, 0])) as Record<ChangeAction, number>;
  for (const c of changes) counts[c.action]++;
  return counts;
}

export function summaryLine(changes: readonly Change[]): string {
  if (changes.length === 0) return 'No changes. The estate matches estate.yaml.';
  const counts = countByAction(changes);
  const parts = ORDER.filter((a) => counts[a] > 0).map((a) => `${counts[a]} ${SYMBOLS[a].verb}`);
  return `Plan: ${parts.join(', ')}.`;
}

export function renderPlan(plan: Plan, options: { color: boolean }): string {
  const paint = (style: Style, text: string) => (options.color ? styleText(style, text) : text);
  const lines: string[] = [];
  if (plan.offline)
    lines.push(paint('dim', 'Offline plan: against an empty organisation, no AWS calls made.'), '');
  const sections = [...new Set(plan.changes.map((c) => c.section))];
  for (const section of sections) {
    const changes = plan.changes.filter((c) => c.section === section);
    lines.push(paint('bold', `${section} (${changes.length})`));
    for (const change of changes) {
      const { symbol, style } = SYMBOLS[change.action];
      lines.push(`  ${paint(style, symbol)} ${change.summary}`);
      for (const d of change.diff ?? [])
        lines.push(paint('dim', `      ${d.field}: ${show(d.before)} → ${show(d.after)}`));
      const documentDiff = documentDiffOf(change);
      for (const line of documentDiff ? documentDiffLines(documentDiff) : [])
        lines.push(paint('dim', `      ${line}`));
    }
    lines.push('');
  }
  lines.push(paint('bold', summaryLine(plan.changes)));
  for (const note of plan.notes) lines.push(paint('dim', `note: ${note}`));
  return `${lines.join('\n')}\n`;
}

export function renderApplyResult(plan: Plan, result: ApplyResult, options: { color: boolean }): string {
  const paint = (style: Style, text: string) => (options.color ? styleText(style, text) : text);
  const byAddress = new Map(plan.changes.map((c) => [c.address, c]));
  const lines: string[] = [];
  const failed = result.results.filter((r) => r.status === 'failed');
  const skipped = result.results.filter((r) => r.status === 'skipped');
  const applied = result.results.filter((r) => r.status === 'applied');
  for (const r of failed)
    lines.push(
      `${paint('red', '✖')} ${byAddress.get(r.address)?.summary ?? r.address}: ${r.message ?? 'failed'}`,
    );
  for (const r of skipped)
    lines.push(
      `${paint('yellow', '↓')} ${byAddress.get(r.address)?.summary ?? r.address}: ${r.message ?? 'skipped'}`,
    );
  lines.push(
    paint(
      failed.length ? 'red' : 'green',
      `Apply ${failed.length ? 'finished with failures' : 'complete'}: ${applied.length} applied, ${failed.length} failed, ${skipped.length} skipped.`,
    ),
  );
  return `${lines.join('\n')}\n`;
}
