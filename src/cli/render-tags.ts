/**
 * The text of `estate tags audit` and `estate tags apply`: core returns the report and the
 * repair plan as data, these turn them into the lines a person reads. Pure.
 */
import type { TagRepairPlan } from '../core/tags/apply.js';
import type { TagAuditReport } from '../core/tags/audit.js';

function table(rows: readonly (readonly string[])[], rightAligned: ReadonlySet<number>): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) =>
    r
      .map((cell, c) => (rightAligned.has(c) ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!)))
      .join('  ')
      .trimEnd(),
  );
}

/** The summary table per account, then one line per non-compliant resource. Pure. */
export function renderAuditReport(report: TagAuditReport): string {
  const lines: string[] = [];
  const keys = report.mandatory.map((m) => m.key).join(', ') || '(none)';
  const scanned = report.scan.regions
    .map((r) =>
      report.scan.globalAdded && r === report.scan.globalRegion ? `${r} (global resources only)` : r,
    )
    .join(', ');
  lines.push(`Mandatory tags: ${keys}`, `Regions: ${scanned}`, '');
  lines.push(
    ...table(
      [
        ['account', 'id', 'resources', 'compliant', 'non-compliant', 'status'],
        ...report.accounts.map((a) => [
          a.account,
          a.accountId,
          String(a.resources),
          String(a.compliant),
          String(a.nonCompliant),
          a.error ? 'error' : a.nonCompliant ? 'NON-COMPLIANT' : 'ok',
        ]),
      ],
      new Set([2, 3, 4]),
    ),
  );
  for (const a of report.accounts.filter((x) => x.error))
    lines.push('', `${a.account}: could not audit: ${a.error}`);
  if (report.findings.length) {
    lines.push('', 'Non-compliant resources:');
    for (const f of report.findings) {
      const problems = [
        ...(f.missing.length ? [`missing ${f.missing.join(', ')}`] : []),
        ...f.forbidden.map((x) => `${x.key}=${x.value} not allowed (${x.allowed.join(', ')})`),
      ];
      lines.push(`  ${f.account} ${f.region} ${f.arn}: ${problems.join('; ')}`);
    }
  }
  lines.push(
    '',
    `${report.nonCompliant} of ${report.resources} resources non-compliant in ${report.accounts.length} account${
      report.accounts.length === 1 ? '' : 's'
    }${report.failed ? `; ${report.failed} could not be audited` : ''}.`,
  );
  for (const note of report.notes) lines.push(`Note: ${note}`);
  return lines.join('\n');
}

/** What `tags apply` would add (dry run) or is adding, then the visibility notes. Pure. */
export function renderTagRepairPlan(plan: TagRepairPlan, mode: 'dry-run' | 'applied'): string {
  const lines: string[] = [];
  const withNotes = () => [...lines, ...plan.notes.map((n) => `Note: ${n}`)].join('\n');
  if (plan.additions.length === 0) {
    lines.push(`Every resource the Tagging API lists in ${plan.account} already has the mandatory tags.`);
    return withNotes();
  }
  lines.push(
    `${mode === 'dry-run' ? 'Would add' : 'Adding'} mandatory tags to ${plan.additions.length} resource${
      plan.additions.length === 1 ? '' : 's'
    } in ${plan.account} (${plan.accountId}):`,
  );
  for (const a of plan.additions)
    lines.push(
      `  + ${a.region} ${a.arn}: ${Object.entries(a.add)
        .map(([k, v]) => `${k}=${v}`)
        .join(', ')}`,
    );
  if (plan.noValue.length)
    lines.push(`No value in estate.yaml for ${plan.noValue.join(', ')}: those tags are left missing.`);
  return withNotes();
}
