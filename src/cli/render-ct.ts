/**
 * The text of `estate ct status`: one section per part of the governance (landing zone,
 * registered OUs, accounts, controls, operations in flight, the account baseline, where
 * logs land), a part that could not be read shown in its place with the reason, then what
 * needs attention. Core's ctStatus returns the data (the same document `--json` prints);
 * this only draws it. Colour only when the caller says so (a terminal).
 */
import { styleText } from 'node:util';
import {
  isUnreadable,
  type AccountView,
  type BaselineStackSetView,
  type CtStatus,
  type CtStatusDisabled,
  type CtStatusEnabled,
  type LandingZoneView,
  type OuView,
  type Read,
  type StackView,
  type Unreadable,
} from '../core/controltower/status.js';
import { formatElapsed } from './output.js';
import { table } from './table.js';

export interface RenderCtOptions {
  readonly color: boolean;
}

type Style = Parameters<typeof styleText>[0];

const paint = (opts: RenderCtOptions, style: Style, text: string): string =>
  opts.color ? styleText(style, text, { validateStream: false }) : text;

/** Status words and their colour, painted after the columns are laid out (so widths stay right). */
const WORD_STYLE: Readonly<Record<string, Style>> = {
  ACTIVE: 'green',
  SUCCEEDED: 'green',
  IN_SYNC: 'green',
  CURRENT: 'green',
  enrolled: 'green',
  FAILED: 'red',
  DRIFTED: 'red',
  INOPERABLE: 'red',
  MISSING: 'red',
  failed: 'red',
  PROCESSING: 'yellow',
  UNDER_CHANGE: 'yellow',
  IN_PROGRESS: 'yellow',
  RUNNING: 'yellow',
  OUTDATED: 'yellow',
  enrolling: 'yellow',
  'not-enrolled': 'yellow',
  'not registered': 'yellow',
  ungoverned: 'gray',
  shared: 'gray',
};
const WORDS = new RegExp(
  `(?<![\\w-])(${Object.keys(WORD_STYLE)
    .sort((a, b) => b.length - a.length)
    .join('|')})(?![\\w-])`,
  'g',
);

function colourWords(opts: RenderCtOptions, text: string): string {
  return opts.color ? text.replace(WORDS, (w) => paint(opts, WORD_STYLE[w]!, w)) : text;
}

/** A table whose body has its status words coloured. */
function statusTable(
  opts: RenderCtOptions,
  headers: readonly string[],
  rows: readonly (readonly string[])[],
): string {
  const [head, rule, ...body] = table(headers, rows).split('\n');
  return [head, rule, ...body.map((l) => colourWords(opts, l))].join('\n');
}

const unreadableLine = (opts: RenderCtOptions, value: Unreadable) =>
  `  ${paint(opts, 'red', `! unreadable: ${value.unreadable}`)}`;

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

export function renderCtStatus(status: CtStatus, opts: RenderCtOptions): string {
  return status.enabled ? renderEnabled(status, opts) : renderDisabled(status);
}

function renderDisabled(status: CtStatusDisabled): string {
  return [
    status.configured
      ? 'Control Tower is disabled in estate.yaml (controlTower.enabled: false): the organisation runs on plain AWS Organizations.'
      : 'Control Tower is not configured in estate.yaml (no controlTower block): the organisation runs on plain AWS Organizations.',
    '',
    'Governance the organisation does without:',
    ...status.missing.map((m) => `  - ${m}`),
    '',
    status.configured
      ? 'Set controlTower.enabled: true and run `estate plan` to see what the landing zone would add.'
      : 'Add a controlTower block (logArchiveAccount, auditAccount) and run `estate plan` to see what the landing zone would add.',
  ].join('\n');
}

function renderEnabled(s: CtStatusEnabled, opts: RenderCtOptions): string {
  const lines = [
    `Control Tower in ${s.homeRegion} · management account ${s.managementAccountId}${s.organizationId ? ` · organisation ${s.organizationId}` : ''}`,
    '',
    ...landingZoneSection(s.landingZone, s.governanceStack, opts),
    '',
    ...ouSection(s.ous, opts),
    '',
    ...accountSection(s.accounts, opts),
    '',
    ...controlSection(s.ous, opts),
    '',
    ...operationsSection(s, opts),
  ];
  if (s.baseline) lines.push('', ...baselineSection(s.baseline, opts));
  lines.push('', ...logSection(s, opts), '');
  if (s.unreadable.length)
    lines.push(
      paint(opts, 'red', `! ${plural(s.unreadable.length, 'part')} could not be read (exit code 1):`),
      ...s.unreadable.map((u) => paint(opts, 'red', `  - ${u.part}: ${u.reason}`)),
    );
  if (s.attention.length)
    lines.push(
      paint(opts, 'yellow', `! ${plural(s.attention.length, 'thing')} to look at:`),
      ...s.attention.map((a) => `  - ${a}`),
    );
  if (!s.unreadable.length && !s.attention.length)
    lines.push(paint(opts, 'green', '✔ governed: nothing needs attention'));
  return lines.join('\n');
}

const keyValues = (opts: RenderCtOptions, pairs: readonly (readonly [string, string])[]): string[] => {
  const width = Math.max(...pairs.map(([k]) => k.length));
  return pairs.map(([k, v]) => colourWords(opts, `  ${k.padEnd(width)}  ${v}`));
};

function stackLine(stack: Read<StackView | null>, name: string): string {
  if (isUnreadable(stack)) return `unreadable: ${stack.unreadable}`;
  if (!stack) return `${name} not deployed`;
  if (stack.inProgress)
    return `${stack.name} ${stack.status} for ${formatElapsed(stack.elapsedMs ?? 0)} (since ${stack.since}); \`estate ct status\` again to follow it`;
  return `${stack.name} ${stack.status} (last change ${stack.since})${stack.statusReason && stack.failed ? `: ${stack.statusReason}` : ''}`;
}

function landingZoneSection(
  lz: Read<LandingZoneView | null>,
  stack: Read<StackView | null>,
  opts: RenderCtOptions,
): string[] {
  const lines = ['Landing zone'];
  const stackPair = ['stack', stackLine(stack, 'estate-governance')] as const;
  if (isUnreadable(lz)) return [...lines, unreadableLine(opts, lz), ...keyValues(opts, [stackPair])];
  if (!lz)
    return [
      ...lines,
      '  none yet: `estate apply` creates it (30–45 minutes)',
      ...keyValues(opts, [stackPair]),
    ];
  const version = lz.updateAvailable
    ? `${lz.version} (${lz.latestAvailableVersion} available: set controlTower.landingZoneVersion and \`estate apply\`)`
    : `${lz.version} (latest)`;
  return [
    ...lines,
    ...keyValues(opts, [
      ['arn', `${lz.arn}${lz.source === 'organization' ? ' (not created by estate-governance)' : ''}`],
      ['status', lz.status],
      ['version', version],
      ['drift', lz.driftStatus ?? 'unknown'],
      ['regions', lz.governedRegions.join(', ') || 'none listed'],
      stackPair,
    ]),
  ];
}

function controlCounts(ou: OuView): string {
  if (!ou.controls) return '';
  if (isUnreadable(ou.controls)) return 'unreadable';
  const failed = ou.controls.filter((c) => c.status === 'FAILED').length;
  const changing = ou.controls.filter((c) => c.status === 'UNDER_CHANGE').length;
  const drifted = ou.controls.filter((c) => c.driftStatus === 'DRIFTED').length;
  const parts = [
    failed ? `${failed} FAILED` : '',
    changing ? `${changing} UNDER_CHANGE` : '',
    drifted ? `${drifted} DRIFTED` : '',
  ].filter(Boolean);
  return `${ou.controls.length}${parts.length ? ` (${parts.join(', ')})` : ''}`;
}

function ouSection(ous: readonly OuView[], opts: RenderCtOptions): string[] {
  const lines = ['Registered OUs'];
  if (!ous.length) return [...lines, '  none'];
  const registrationUnreadable = ous.map((o) => o.registration).find(isUnreadable);
  if (registrationUnreadable) lines.push(unreadableLine(opts, registrationUnreadable));
  lines.push(
    statusTable(
      opts,
      ['OU', 'ID', 'REGISTRATION', 'BASELINE', 'DRIFT', 'ENROLLED', 'CONTROLS'],
      ous.map((ou) => {
        const r = ou.registration;
        const registration = isUnreadable(r) ? 'unreadable' : r ? r.status : 'not registered';
        return [
          `${ou.path ?? ou.id ?? '?'}${ou.workload ? '' : ' (not a workload OU)'}`,
          ou.id ?? 'not created',
          registration,
          r && !isUnreadable(r) ? (r.baselineVersion ?? '') : '',
          r && !isUnreadable(r) ? (r.inheritanceDrift ?? '') : '',
          ou.accounts ? `${ou.accounts.enrolled ?? '?'}/${ou.accounts.total}` : '',
          controlCounts(ou),
        ];
      }),
    ),
  );
  return lines;
}

function accountSection(accounts: Read<readonly AccountView[]>, opts: RenderCtOptions): string[] {
  if (isUnreadable(accounts)) return ['Accounts', unreadableLine(opts, accounts)];
  const words: Record<AccountView['enrolment'], string> = {
    enrolled: 'enrolled',
    enrolling: 'enrolling',
    failed: 'failed',
    'not-enrolled': 'not enrolled',
    shared: 'landing-zone accounts',
    ungoverned: 'in OUs Control Tower does not govern',
  };
  const counts = (Object.keys(words) as AccountView['enrolment'][])
    .map((e) => [e, accounts.filter((a) => a.enrolment === e).length] as const)
    .filter(([, n]) => n > 0)
    .map(([e, n]) => `${n} ${words[e]}`);
  const lines = [`Accounts${counts.length ? ` (${counts.join(', ')})` : ''}`];
  if (!accounts.length) return [...lines, '  none besides the management account'];
  lines.push(
    statusTable(
      opts,
      ['ACCOUNT', 'ID', 'OU', 'ENROLMENT', 'NOTE'],
      accounts.map((a) => [
        a.name,
        a.id,
        a.ouPath || 'Root',
        `${a.enrolment}${a.drifted ? ', DRIFTED' : ''}`,
        a.reason ?? '',
      ]),
    ),
  );
  return lines;
}

function controlSection(ous: readonly OuView[], opts: RenderCtOptions): string[] {
  const lines = ['Controls'];
  const rows: string[][] = [];
  for (const ou of ous) {
    const name = ou.path ?? ou.id ?? '?';
    if (!ou.controls) continue;
    if (isUnreadable(ou.controls)) {
      lines.push(`  ${paint(opts, 'red', `! ${name}: unreadable: ${ou.controls.unreadable}`)}`);
      continue;
    }
    if (!ou.controls.length) rows.push([name, 'none enabled', '', '']);
    for (const c of ou.controls) rows.push([name, c.name, c.status ?? '', c.driftStatus ?? '']);
  }
  if (rows.length) lines.push(statusTable(opts, ['OU', 'CONTROL', 'STATUS', 'DRIFT'], rows));
  else if (lines.length === 1) lines.push('  none read (no registered OU)');
  return lines;
}

function operationsSection(s: CtStatusEnabled, opts: RenderCtOptions): string[] {
  const lines = ['Control operations in flight'];
  const ops = s.controlOperations;
  if (isUnreadable(ops)) return [...lines, unreadableLine(opts, ops)];
  if (!ops.length) return [...lines, '  none'];
  lines.push(
    statusTable(
      opts,
      ['OPERATION', 'CONTROL', 'TARGET', 'STATUS', 'RUNNING FOR'],
      ops.map((o) => [
        o.type ?? o.id,
        o.control ?? '',
        o.target ?? '',
        o.status,
        o.elapsedMs === undefined ? '' : formatElapsed(o.elapsedMs),
      ]),
    ),
  );
  return lines;
}

const MAX_PROBLEM_LINES = 10;

function baselineSection(b: Read<BaselineStackSetView>, opts: RenderCtOptions): string[] {
  const title = 'Account baseline (StackSet estate-baseline)';
  if (isUnreadable(b)) return [title, unreadableLine(opts, b)];
  if (!b.exists) return [title, '  not created yet: `estate apply` creates it'];
  const lines = [
    `${title} in ${b.region} · regions ${b.regions.join(', ')} · automatic deployment ${b.autoDeployment ? 'on' : 'off'}`,
  ];
  if (b.byOu.length)
    lines.push(
      statusTable(
        opts,
        ['OU', 'CURRENT', 'OUTDATED', 'INOPERABLE', 'MISSING'],
        b.byOu.map((o) => [
          o.path ?? o.ouId,
          String(o.current),
          String(o.outdated),
          String(o.inoperable),
          o.missing === undefined ? '?' : String(o.missing),
        ]),
      ),
    );
  else lines.push('  no deployment targets');
  for (const p of b.problems.slice(0, MAX_PROBLEM_LINES))
    lines.push(
      colourWords(
        opts,
        `  ! ${p.accountName ? `${p.accountName} (${p.accountId})` : p.accountId} ${p.region}: ${p.status}${p.detailedStatus ? ` ${p.detailedStatus}` : ''}${p.reason ? `: ${p.reason}` : ''}`,
      ),
    );
  const more = b.problemCount - Math.min(b.problems.length, MAX_PROBLEM_LINES);
  if (more > 0) lines.push(`  … and ${more} more (--json lists the first ${b.problems.length})`);
  for (const o of b.operationsInFlight)
    lines.push(
      colourWords(
        opts,
        `  operation ${o.action} ${o.status}${o.elapsedMs === undefined ? '' : ` for ${formatElapsed(o.elapsedMs)}`} (${o.id})`,
      ),
    );
  return lines;
}

function logSection(s: CtStatusEnabled, opts: RenderCtOptions): string[] {
  const lines = ['Where logs land'];
  if (isUnreadable(s.logs)) lines.push(unreadableLine(opts, s.logs));
  else if (!s.logs) lines.push('  nowhere central yet: no landing zone');
  else if (s.logs.length)
    lines.push(
      table(
        ['LOGS', 'ACCOUNT', 'WHERE', 'RETENTION'],
        s.logs.map((l) => [
          l.kind,
          l.accountId ? `${l.accountName ?? ''}${l.accountName ? ` (${l.accountId})` : l.accountId}` : '',
          l.where,
          l.retention ?? '',
        ]),
      ),
    );
  else lines.push('  the landing zone manifest names no logging');
  const m = s.monitoring;
  if (m === null) lines.push('  monitoring account: not in the organisation yet');
  else if (m && isUnreadable(m))
    lines.push(`  monitoring account: ${paint(opts, 'red', `unreadable: ${m.unreadable}`)}`);
  else if (m)
    lines.push(
      colourWords(
        opts,
        `  monitoring account ${m.accountName} (${m.accountId}): ${stackLine(m.stack, 'estate-monitoring')}`,
      ),
    );
  return lines;
}
