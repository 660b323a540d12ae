/** `estate account offboard`: the steps as a table, then where the account is left. */
import type { OffboardResult } from '../core/onboard/offboard.js';
import { renderSteps } from './render-onboard.js';

export function renderOffboard(result: OffboardResult, options: { color?: boolean } = {}): string {
  const lines = renderSteps(result, options);
  if (result.ok && !result.dryRun) {
    const id = result.accountId ? ` (${result.accountId})` : '';
    const closed = result.steps.some(
      (s) => s.step === 'close' && (s.status === 'done' || s.status === 'already'),
    );
    lines.push(
      '',
      closed
        ? `Account ${result.account}${id} is closed: AWS Support can reopen it within 90 days.`
        : `Account ${result.account}${id} is parked for recycling: locked in the suspended OU, tagged estate:recycled in estate.yaml`,
    );
  }
  return `${lines.join('\n')}\n`;
}
