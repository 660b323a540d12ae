/**
 * The text of `estate org status`: the table with each item's differences, or the live tree
 * as a Mermaid flowchart. Core's orgStatus returns the data; these only draw it. Pure.
 */
import type { OrgStatus } from '../core/org/status.js';
import type { OrgSnapshot } from '../core/org/snapshot.js';
import { table } from './table.js';

/** The status as a person reads it: a header, the table, what is missing, in sync or not. */
export function renderOrgStatus(status: OrgStatus): string {
  if (!status.organizationId)
    return 'This account is not in an organisation yet: `estate plan` shows what apply would create.';
  const lines = [
    `Organisation ${status.organizationId} (management account ${status.managementAccountId})\n`,
    table(
      ['PATH', 'ID', 'STATUS', 'KIND', 'OWNER', 'DIFFERS FROM estate.yaml'],
      status.rows.map((r) => [
        r.type === 'ou' ? `${r.path}/` : r.path || 'Root',
        r.id,
        r.status ?? '',
        r.kind ?? '',
        r.owner ?? '',
        r.differences.join('; '),
      ]),
    ),
  ];
  if (status.missing.length)
    lines.push(`\nNot in AWS yet: ${status.missing.join(', ')} (run \`estate plan\`)`);
  lines.push(status.inSync ? '\n✔ in sync with estate.yaml' : '\n! differs from estate.yaml');
  return lines.join('\n');
}

/** The live tree as a Mermaid flowchart, differing items highlighted. */
export function statusMermaid(status: OrgStatus, snapshot: OrgSnapshot): string {
  const id = (s: string) => `n_${s.replace(/[^A-Za-z0-9]/g, '_')}`;
  const label = (t: string) => `"${t.replace(/"/g, '#quot;')}"`;
  const lines = ['flowchart LR'];
  const rowsById = new Map(status.rows.map((r) => [r.id, r]));
  const parentOf = new Map<string, string>();
  for (const ou of snapshot.ous) parentOf.set(ou.id, ou.parentId);
  for (const a of snapshot.accounts) parentOf.set(a.id, a.parentId);
  const drifted: string[] = [];
  for (const row of status.rows) {
    const text =
      row.type === 'account'
        ? `${row.name}<br/>${row.id}${row.kind ? `<br/>${row.kind}` : ''}`
        : row.type === 'root'
          ? `Root ${row.id}`
          : `OU ${row.path}`;
    lines.push(
      row.type === 'account' ? `  ${id(row.id)}([${label(text)}])` : `  ${id(row.id)}[${label(text)}]`,
    );
    if (row.differences.length) drifted.push(id(row.id));
  }
  for (const row of status.rows) {
    const parent = parentOf.get(row.id);
    if (parent && rowsById.has(parent)) lines.push(`  ${id(parent)} --> ${id(row.id)}`);
  }
  lines.push('  classDef drift stroke:#d9534f,stroke-width:2px');
  if (drifted.length) lines.push(`  class ${drifted.join(',')} drift`);
  return `${lines.join('\n')}\n`;
}
