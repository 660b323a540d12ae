/**
 * The results of `estate env deploy | diff | destroy | list | status` as a person reads them.
 * The engine returns the data (the same document `--json` prints); these only draw it. Pure
 * apart from the colour decision, which the caller makes.
 */
import { styleText } from 'node:util';
import type { CostEstimate, CostSummary } from '../core/env/cost.js';
import type { StackRef } from '../core/env/io.js';
import type { LifecycleSyncResult } from '../core/env/lifecycle-sync.js';
import type { ResourceDiff, StackFailure } from '../core/env/ports.js';
import type {
  DeployResult,
  DestroyResult,
  DiffResult,
  Endpoints,
  ListResult,
  StackDeployStatus,
  StackDestroyStatus,
  StatusResult,
} from '../core/env/service.js';
import type { TeardownStackStatus, UpStackStatus } from '../core/env/teardown.js';
import type { DownResult, RetagResult, UpEnvResult } from '../core/env/updown.js';
import { table } from './table.js';

export interface RenderOptions {
  readonly color: boolean;
}

type Style = Parameters<typeof styleText>[0];

const paint = (opts: RenderOptions, style: Style, text: string): string =>
  opts.color ? styleText(style, text, { validateStream: false }) : text;

const DEPLOY_MARK: Record<StackDeployStatus, { mark: string; style: Style }> = {
  deployed: { mark: '✔', style: 'green' },
  unchanged: { mark: '=', style: 'gray' },
  failed: { mark: '✖', style: 'red' },
  declined: { mark: '✖', style: 'yellow' },
  skipped: { mark: '↓', style: 'yellow' },
  interrupted: { mark: '↓', style: 'yellow' },
  'in-flight': { mark: '…', style: 'yellow' },
};

const DESTROY_MARK: Record<StackDestroyStatus, { mark: string; style: Style }> = {
  destroyed: { mark: '✔', style: 'green' },
  absent: { mark: '=', style: 'gray' },
  'would-delete': { mark: '-', style: 'red' },
  kept: { mark: '=', style: 'cyan' },
  failed: { mark: '✖', style: 'red' },
  declined: { mark: '✖', style: 'yellow' },
  skipped: { mark: '↓', style: 'yellow' },
  interrupted: { mark: '↓', style: 'yellow' },
  'in-flight': { mark: '…', style: 'yellow' },
};

const GOOD_ENV = new Set(['deployed', 'unchanged', 'destroyed', 'absent', 'dry-run']);

const ENDPOINT_LABELS: Record<keyof Endpoints, string> = {
  siteUrl: 'site',
  apiUrl: 'API',
  userPoolId: 'user pool',
  userPoolClientId: 'user pool client',
  dashboardUrl: 'dashboard',
};

/** The outputs a person needs, one `label: value` line each, in a fixed order. */
export function endpointLines(endpoints: Endpoints): string[] {
  return (Object.keys(ENDPOINT_LABELS) as (keyof Endpoints)[])
    .filter((k) => endpoints[k])
    .map((k) => `${ENDPOINT_LABELS[k]}: ${endpoints[k]}`);
}

const where = (accountId: string | undefined, region: string): string =>
  accountId ? `${accountId}, ${region}` : region;

function envHeader(
  opts: RenderOptions,
  e: { environment: string; account: string; accountId?: string; region: string; status: string },
): string {
  const status = paint(opts, GOOD_ENV.has(e.status) ? 'green' : 'red', e.status);
  return `${e.environment} → ${e.account} (${where(e.accountId, e.region)}): ${status}`;
}

const refList = (refs: readonly StackRef[]): string =>
  refs.map((r) => `${r.stack} (${r.accountId}, ${r.region})`).join(', ');

/** What an interrupted run left: the operations still running in CloudFormation, the stacks never started. */
export function interruptedLines(result: {
  readonly inFlight: readonly StackRef[];
  readonly notStarted: readonly StackRef[];
}): string[] {
  return [
    'Interrupted (Ctrl-C): no new stack was started.',
    `Still running in CloudFormation: ${result.inFlight.length ? refList(result.inFlight) : 'none'}`,
    `Not started: ${result.notStarted.length ? refList(result.notStarted) : 'none'}`,
    'Run the same command again to continue from what CloudFormation shows.',
  ];
}

/** A stack's outcome line (with its reason unless the outcome is a plain success), then its failure. */
function stackLines(
  opts: RenderOptions,
  s: { stack: string; blueprint: string; status: string; reason?: string; failure?: StackFailure },
  { mark, style }: { mark: string; style: Style },
  plain: readonly string[],
): string[] {
  // The status word is printed already: a reason that starts with it ("skipped: ...") drops it.
  const said = s.reason?.startsWith(`${s.status}: `) ? s.reason.slice(s.status.length + 2) : s.reason;
  const reason = plain.includes(s.status) || !said ? '' : `: ${said}`;
  const lines = [`  ${paint(opts, style, mark)} ${s.stack} (${s.blueprint}) ${s.status}${reason}`];
  if (s.failure)
    lines.push(
      `      ${s.failure.logicalId}${s.failure.resourceType ? ` (${s.failure.resourceType})` : ''} ${s.failure.status}: ${s.failure.reason}`,
    );
  return lines;
}

/**
 * Every environment with every stack's outcome (a failure with its resource and
 * CloudFormation's reason), the outputs a person needs, then one closing line.
 */
export function renderDeploy(result: DeployResult, opts: RenderOptions): string {
  const lines: string[] = [];
  for (const e of result.environments) {
    lines.push(envHeader(opts, e));
    if (e.reason) lines.push(`  ${e.reason}`);
    for (const st of e.stacks)
      lines.push(...stackLines(opts, st, DEPLOY_MARK[st.status], ['deployed', 'unchanged']));
    for (const line of endpointLines(e.endpoints)) lines.push(`  ${line}`);
    if (e.cost) lines.push(`  ${costLine(e.cost)}`);
    lines.push('');
  }
  if (result.bootstrapped.length)
    lines.push(`Bootstrapped: ${result.bootstrapped.map((b) => `${b.accountId} in ${b.region}`).join(', ')}`);
  lines.push(...lifecycleLines(opts, result.lifecycle));
  if (result.interrupted) lines.push(...interruptedLines(result));
  lines.push(deploySummary(result));
  return lines.join('\n');
}

/** The estate-lifecycle stacks a command brought in line (aws-executor schedules), one line each. */
export function lifecycleLines(opts: RenderOptions, lifecycle: LifecycleSyncResult | undefined): string[] {
  return (lifecycle?.stacks ?? []).map((s) => {
    const failed = s.status === 'failed';
    const runs = s.environments.length ? ` (runs ${s.environments.join(', ')})` : '';
    return `${paint(opts, failed ? 'red' : s.status === 'unchanged' ? 'gray' : 'green', failed ? '✖' : '✔')} estate-lifecycle ${s.accountId} ${s.region}: ${s.status}${runs}${s.reason ? `: ${s.reason}` : ''}`;
  });
}

const count = (n: number, what: string) => `${n} ${what}`;

function tally<T extends string>(statuses: readonly T[]): string {
  const by = new Map<T, number>();
  for (const s of statuses) by.set(s, (by.get(s) ?? 0) + 1);
  return [...by.entries()].map(([s, n]) => `${n} ${s}`).join(', ');
}

/** `Deployed 2 of 3 environments; stacks: 10 deployed, 2 unchanged, 1 failed, 3 skipped` */
export function deploySummary(result: DeployResult): string {
  const good = result.environments.filter((e) => e.status === 'deployed' || e.status === 'unchanged');
  const stacks = tally(result.environments.flatMap((e) => e.stacks.map((s) => s.status)));
  return `Deployed ${good.length} of ${count(result.environments.length, result.environments.length === 1 ? 'environment' : 'environments')}${stacks ? `; stacks: ${stacks}` : ''}`;
}

const CHANGE_MARK: Record<ResourceDiff['change'], { mark: string; style: Style; word: string }> = {
  add: { mark: '+', style: 'green', word: 'added' },
  update: { mark: '~', style: 'yellow', word: 'changed' },
  replace: { mark: '±', style: 'magenta', word: 'replaced' },
  remove: { mark: '-', style: 'red', word: 'removed' },
};

/** Per stack: new / changed / unchanged, its resource changes, IAM and security-group lines highlighted. */
export function renderDiff(result: DiffResult, opts: RenderOptions): string {
  const lines = [`${result.environment} (${result.accountId}, ${result.region})`];
  for (const s of result.stacks) {
    const style: Style = s.status === 'unchanged' ? 'gray' : s.status === 'new' ? 'green' : 'yellow';
    const resources = s.diff?.resources ?? [];
    const counts = (['add', 'update', 'replace', 'remove'] as const)
      .map((c) => [c, resources.filter((r) => r.change === c).length] as const)
      .filter(([, n]) => n > 0)
      .map(([c, n]) => `${n} ${CHANGE_MARK[c].word}`);
    lines.push(
      `  ${s.stack} (${s.blueprint}, ${s.region}): ${paint(opts, style, s.status)}${counts.length ? ` (${counts.join(', ')})` : ''}`,
    );
    for (const r of resources) {
      const m = CHANGE_MARK[r.change];
      lines.push(`    ${paint(opts, m.style, m.mark)} ${r.logicalId} ${r.type} ${m.word}`);
    }
    if (s.diff && s.diff.permissionChange !== 'none')
      lines.push(
        `    ${paint(opts, s.diff.permissionChange === 'broadening' ? 'red' : 'yellow', `! IAM/security: ${s.diff.permissionChange === 'broadening' ? 'broadens permissions' : 'changes permissions (not broadening)'}`)}`,
      );
    for (const line of s.diff?.securityChanges ?? []) lines.push(`    ${paint(opts, 'red', `! ${line}`)}`);
  }
  const changed = result.stacks.filter((s) => s.status !== 'unchanged');
  lines.push(
    '',
    result.changes
      ? `${changed.length} of ${result.stacks.length} stacks would change (${tally(changed.map((s) => s.status))}).`
      : `No changes: all ${result.stacks.length} stacks match what is deployed.`,
  );
  return lines.join('\n');
}

/** Every environment and stack of a destroy, emptied buckets, and at the end what CloudFormation retained. */
export function renderDestroy(result: DestroyResult, opts: RenderOptions): string {
  const lines: string[] = [];
  for (const e of result.environments) {
    lines.push(`${envHeader(opts, e)}${e.protected ? ' [protected]' : ''}`);
    if (e.reason) lines.push(`  ${e.reason}`);
    for (const st of e.stacks)
      lines.push(...stackLines(opts, st, DESTROY_MARK[st.status], ['destroyed', 'would-delete']));
    for (const b of e.emptiedBuckets)
      lines.push(`  emptied bucket ${b.bucket} (${b.stack}): ${b.objects} objects`);
    lines.push('');
  }
  const retained = result.environments.flatMap((e) => e.retained);
  if (retained.length) {
    lines.push('Retained by CloudFormation (DeletionPolicy Retain), still in the account:');
    for (const r of retained)
      lines.push(
        `  ${r.environment}: ${r.type} ${r.physicalId ?? r.logicalId} (from ${r.stack}, ${r.accountId}, ${r.region})`,
      );
  }
  lines.push(...lifecycleLines(opts, result.lifecycle));
  if (result.interrupted) lines.push(...interruptedLines(result));
  const good = result.environments.filter((e) => GOOD_ENV.has(e.status));
  lines.push(
    result.dryRun
      ? `Dry run: nothing was deleted; ${result.environments.flatMap((e) => e.stacks).filter((s) => s.status === 'would-delete').length} stacks would be.`
      : `Destroyed ${good.length} of ${result.environments.length} ${result.environments.length === 1 ? 'environment' : 'environments'}${retained.length ? `; ${retained.length} resources retained` : ''}`,
  );
  return lines.join('\n');
}

/** A duration as a person reads an age: 45s, 12m, 5h, 3d4h. */
export function formatAge(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  return `${d}d${h % 24 ? `${h % 24}h` : ''}`;
}

/** The discovered environments as a table; orphans (not in estate.yaml) flagged. */
export function renderList(result: ListResult, opts: RenderOptions): string {
  const lines: string[] = [];
  const withCost = result.environments.some((e) => e.cost);
  if (result.environments.length === 0) lines.push('No environments found.');
  else
    lines.push(
      table(
        [
          'ENV',
          'ACCOUNT',
          'BLUEPRINTS',
          'STATUS',
          'AGE',
          'OWNER',
          'EXPIRES',
          'NEXT',
          'PROTECTED',
          'ORPHAN',
          ...(withCost ? ['COST/MONTH'] : []),
        ],
        result.environments.map((e) => [
          e.environment,
          e.account ? `${e.account} (${e.accountId})` : e.accountId,
          e.blueprints.join(','),
          e.status,
          formatAge(e.ageMs),
          e.owner ?? '',
          e.expiresAt ? `${e.expiresAt}${e.expired ? ' (expired)' : ''}` : '',
          e.next ? `${e.next.action} ${e.next.at} (${e.next.by})` : '',
          e.protected ? 'yes' : 'no',
          e.orphan ? 'orphan' : '',
          ...(withCost ? [e.cost ? listCost(e.cost) : ''] : []),
        ]),
      ),
    );
  const priced = result.environments.find((e) => e.cost)?.cost;
  if (priced)
    lines.push(
      `Cost: estimated from ${priced.pricesRegion} list prices of ${priced.pricesDate}; \`estate env cost <env>\` breaks it down.`,
    );
  const orphans = result.environments.filter((e) => e.orphan);
  if (orphans.length)
    lines.push(
      '',
      paint(
        opts,
        'yellow',
        `${orphans.length} not in estate.yaml (orphan): ${orphans.map((e) => e.environment).join(', ')}`,
      ),
    );
  for (const u of result.unreadable)
    lines.push(paint(opts, 'red', `! could not read ${u.accountId} in ${u.region}: ${u.reason}`));
  return lines.join('\n');
}

/** One environment: where, who deployed it when, its stacks with outputs, drift, the outputs a person needs. */
export function renderStatus(result: StatusResult, opts: RenderOptions): string {
  const lines = [
    `${result.environment} → ${result.account} (${result.accountId}, ${result.region})${result.protected ? ' [protected]' : ''}`,
  ];
  if (!result.deployed) {
    lines.push('  not deployed: no stack of this environment exists');
    return lines.join('\n');
  }
  if (result.deployedBy || result.deployedAt)
    lines.push(
      `  last deployed${result.deployedAt ? ` ${result.deployedAt}` : ''}${result.deployedBy ? ` by ${result.deployedBy}` : ''}`,
    );
  if (result.expiresAt) lines.push(`  expires ${result.expiresAt}`);
  lines.push(
    '',
    table(
      ['STACK', 'BLUEPRINT', 'REGION', 'STATUS', 'UPDATED', 'DRIFT'],
      result.stacks.map((s) => [
        s.name,
        s.blueprint ?? '',
        s.region,
        s.status,
        s.updatedAt ?? s.createdAt,
        s.drift ? s.drift.status : '',
      ]),
    ),
  );
  for (const s of result.stacks) {
    if (s.statusReason && /FAILED|ROLLBACK/.test(s.status))
      lines.push(paint(opts, 'red', `  ${s.name}: ${s.statusReason}`));
    for (const d of s.drift?.drifted ?? [])
      lines.push(paint(opts, 'yellow', `  drift ${s.name}: ${d.logicalId} (${d.resourceType}) ${d.status}`));
  }
  const outputs = result.stacks.flatMap((s) =>
    Object.entries(s.outputs).map(([k, v]) => `  ${s.name}.${k} = ${v}`),
  );
  if (outputs.length) lines.push('', 'Outputs:', ...outputs);
  const endpoints = endpointLines(result.endpoints);
  if (endpoints.length) lines.push('', ...endpoints);
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// cost

/** $185, $7.50. */
export function usd(n: number): string {
  return Number.isInteger(n) ? `$${n}` : `$${n.toFixed(2)}`;
}

/** `env list`'s cost cell: `$185` always on, `$185 → $61 sched.` with a schedule. */
function listCost(c: CostSummary): string {
  const always = usd(Math.round(c.alwaysOnMonthlyUsd));
  return c.schedule ? `${always} → ${usd(Math.round(c.scheduledMonthlyUsd))} sched.` : always;
}

/** `env deploy`'s line per environment: always on and with its schedule, with the prices' date. */
export function costLine(c: CostSummary): string {
  const scheduled = c.schedule
    ? `, ~${usd(c.scheduledMonthlyUsd)}/month with its schedule (${c.schedule})`
    : ' (no schedule: always on)';
  return `cost: ~${usd(c.alwaysOnMonthlyUsd)}/month always on${scheduled}; ${c.pricesRegion} prices of ${c.pricesDate}`;
}

/** `env cost`: the totals, the schedule's saving, a row per blueprint, the expiry and what the figures are. */
export function renderEnvCost(e: CostEstimate, opts: RenderOptions): string {
  const lines = [
    `${e.environment ?? 'environment'} (${e.profile}): ~${paint(opts, 'bold', usd(e.alwaysOnMonthlyUsd))}/month always on, ~${usd(e.idleMonthlyUsd)}/month of it even with no traffic`,
  ];
  if (e.schedule)
    lines.push(
      `  with its schedule ${e.schedule.hours} ${e.schedule.timezone} (up ${Math.round(e.schedule.upShare * 100)}% of the week): ~${paint(opts, 'bold', usd(e.scheduledMonthlyUsd))}/month, saving ${paint(opts, 'green', usd(e.savingMonthlyUsd))}/month`,
    );
  else
    lines.push(
      '  no schedule: always on (schedule.hours in estate.yaml would take its stateless stacks down off-hours)',
    );
  if (e.expiry) lines.push(`  ${e.expiry.note}`);
  lines.push(
    '',
    table(
      ['BLUEPRINT', 'ROLE', 'ALWAYS ON', 'WITH SCHEDULE', 'IDLE'],
      [
        ...e.byBlueprint.map((b) => [
          b.blueprint,
          b.role,
          usd(b.monthlyUsd),
          usd(b.scheduledMonthlyUsd),
          usd(b.idleMonthlyUsd),
        ]),
        ['total', '', usd(e.alwaysOnMonthlyUsd), usd(e.scheduledMonthlyUsd), usd(e.idleMonthlyUsd)],
      ],
    ),
  );
  if (e.unpriced.length)
    lines.push(paint(opts, 'yellow', `  not priced (no entry in the table): ${e.unpriced.join(', ')}`));
  lines.push('', 'What each figure counts:');
  for (const b of e.byBlueprint) lines.push(`  ${b.blueprint}: ${b.note}`);
  lines.push(
    '',
    `Prices: ${e.prices.region} list prices (${e.prices.currency}) of ${e.prices.date}, from templates/prices.json; stateless stacks count only inside the up window. An estimate, not a bill: data transfer out and Bedrock tokens are not counted.`,
  );
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// env down | up | schedule | extend

const TEARDOWN_MARK: Record<TeardownStackStatus, { mark: string; style: Style }> = {
  deleted: { mark: '✔', style: 'green' },
  absent: { mark: '=', style: 'gray' },
  'would-delete': { mark: '-', style: 'red' },
  kept: { mark: '=', style: 'cyan' },
  failed: { mark: '✖', style: 'red' },
  skipped: { mark: '↓', style: 'yellow' },
  blocked: { mark: '✖', style: 'red' },
  interrupted: { mark: '↓', style: 'yellow' },
};

const UP_MARK: Record<UpStackStatus, { mark: string; style: Style }> = {
  created: { mark: '✔', style: 'green' },
  present: { mark: '=', style: 'gray' },
  'would-create': { mark: '+', style: 'green' },
  failed: { mark: '✖', style: 'red' },
  skipped: { mark: '↓', style: 'yellow' },
  interrupted: { mark: '↓', style: 'yellow' },
};

const GOOD_LIFECYCLE = new Set(['done', 'nothing', 'dry-run']);

function lifecycleHeader(
  opts: RenderOptions,
  e: { environment: string; account: string; accountId: string; status: string },
): string {
  const status = paint(opts, GOOD_LIFECYCLE.has(e.status) ? 'green' : 'red', e.status);
  return `${e.environment} → ${e.account} (${e.accountId}): ${status}`;
}

/** `env down`: each environment, each stack deleted or kept (and why), buckets emptied. */
export function renderDown(result: DownResult, opts: RenderOptions): string {
  const lines: string[] = [];
  for (const e of result.environments) {
    lines.push(lifecycleHeader(opts, e));
    if (e.reason) lines.push(`  ${e.reason}`);
    for (const st of e.stacks)
      lines.push(
        ...stackLines(
          opts,
          { ...st, blueprint: `${st.blueprint ?? '?'}, ${st.role}` },
          TEARDOWN_MARK[st.status],
          ['deleted', 'would-delete'],
        ),
      );
    for (const b of e.emptiedBuckets)
      lines.push(`  emptied bucket ${b.bucket} (${b.stack}): ${b.objects} objects`);
    lines.push('');
  }
  const deleted = result.environments.flatMap((e) => e.stacks).filter((s) => s.status === 'deleted').length;
  lines.push(
    result.dryRun
      ? `Dry run: nothing was deleted; ${result.environments.flatMap((e) => e.stacks).filter((s) => s.status === 'would-delete').length} stacks would be.`
      : `Took ${result.environments.filter((e) => e.status === 'done').length} of ${result.environments.length} down (${deleted} stacks deleted; data kept). \`estate env up\` brings them back.`,
  );
  return lines.join('\n');
}

/** `env up`: each environment, each stack created or present, the endpoints; what was not due. */
export function renderUp(result: UpEnvResult, opts: RenderOptions): string {
  const lines: string[] = [];
  for (const e of result.environments) {
    lines.push(lifecycleHeader(opts, e));
    if (e.reason) lines.push(`  ${e.reason}`);
    for (const st of e.stacks)
      lines.push(...stackLines(opts, st, UP_MARK[st.status], ['created', 'present', 'would-create']));
    for (const l of endpointLines(e.endpoints)) lines.push(`  ${l}`);
    lines.push('');
  }
  for (const n of result.notDue) lines.push(`${n.environment}: not brought up (${n.why})`);
  const created = result.environments.flatMap((e) => e.stacks).filter((s) => s.status === 'created').length;
  lines.push(
    result.dryRun
      ? `Dry run: nothing was created; ${result.environments.flatMap((e) => e.stacks).filter((s) => s.status === 'would-create').length} stacks would be.`
      : `Brought ${result.environments.filter((e) => e.status === 'done').length} of ${result.environments.length} up (${created} stacks created).`,
  );
  return lines.join('\n');
}

/** `env schedule` / `env extend`: the lifecycle tags now, each stack's update, the warnings. */
export function renderRetag(result: RetagResult, opts: RenderOptions): string {
  const lines = [`${result.environment} (${result.accountId})${result.dryRun ? ' [dry run]' : ''}`];
  lines.push(`  expires: ${result.expiresAt ?? 'never'}`);
  lines.push(`  schedule: ${result.schedule ? `up ${result.schedule}` : 'always up'}`);
  if (result.executor) lines.push(`  executor: ${result.executor}`);
  for (const s of result.stacks) {
    const style: Style = s.status === 'failed' ? 'red' : s.status === 'unchanged' ? 'gray' : 'green';
    lines.push(
      `  ${paint(opts, style, s.status === 'failed' ? '✖' : '✔')} ${s.stack} (${s.region}) ${s.status}${s.reason ? `: ${s.reason}` : ''}`,
    );
  }
  lines.push(...lifecycleLines(opts, result.lifecycle).map((l) => `  ${l}`));
  for (const w of result.warnings) lines.push(paint(opts, 'yellow', `warning: ${w}`));
  return lines.join('\n');
}
