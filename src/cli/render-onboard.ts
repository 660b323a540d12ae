/** `estate account onboard`: the steps as a table, then the welcome a new developer is sent. */
import type { OnboardResult, StepStatus } from '../core/onboard/onboard.js';
import { table } from './table.js';

const MARK: Readonly<Record<StepStatus, string>> = {
  done: '✔',
  already: '=',
  planned: '+',
  skipped: '-',
  failed: '✖',
  'not-reached': '·',
};

/** The steps of an onboarding or offboarding as a table, then a dry run's or a failure's note. */
export function renderSteps(
  result: {
    readonly dryRun: boolean;
    readonly steps: readonly { step: string; status: StepStatus; detail: string }[];
  },
  options: { color?: boolean } = {},
): string[] {
  const paint = (code: number, s: string) => (options.color ? `\u001b[${code}m${s}\u001b[0m` : s);
  const lines: string[] = [];
  lines.push(
    table(
      ['', 'STEP', 'STATUS', 'DETAIL'],
      // Marks stay plain inside the table: escape codes would skew its column widths.
      result.steps.map((s) => [MARK[s.status], s.step, s.status, s.detail]),
    ),
  );
  if (result.dryRun) lines.push('', 'Dry run: nothing was changed.');
  const failed = result.steps.find((s) => s.status === 'failed');
  if (failed)
    lines.push(
      '',
      paint(
        31,
        `Stopped at ${failed.step}. Fix the cause and run the same command again: it continues from there.`,
      ),
    );
  return lines;
}

export function renderOnboard(result: OnboardResult, options: { color?: boolean } = {}): string {
  const lines = renderSteps(result, options);
  const w = result.welcome;
  if (w) {
    lines.push('', `Welcome aboard: account ${w.accountName} (${w.accountId})`);
    if (w.recycledFrom)
      lines.push(
        `  recycled:    the account of ${w.recycledFrom}; AWS still names it ${w.recycledFrom} (Organizations cannot rename an account)`,
      );
    if (w.portalUrl) lines.push(`  sign in:     ${w.portalUrl}`);
    for (const [what, url] of Object.entries(w.endpoints)) lines.push(`  ${`${what}:`.padEnd(12)} ${url}`);
    if (w.budgetUsd !== undefined) lines.push(`  budget:      ${w.budgetUsd} USD a month`);
    if (w.expiresAt) lines.push(`  ${w.environment} expires ${w.expiresAt}`);
    if (w.profileSnippet)
      lines.push('', '  ~/.aws/config:', ...w.profileSnippet.split('\n').map((l) => `    ${l}`));
    lines.push('', '  next:', ...w.commands.map((c) => `    ${c}`));
  }
  return `${lines.join('\n')}\n`;
}
