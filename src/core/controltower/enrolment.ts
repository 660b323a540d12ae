/**
 * An account's Control Tower enrolment, read from ListEnabledBaselines with children: the
 * child baseline whose target is the account's ARN,
 * `arn:<partition>:organizations::<management>:account/o-<org>/<id>`. Pure; what
 * `estate account onboard` waits on and what `estate ct status` reports.
 */
import type { EnabledBaseline } from './ports.js';

const ACCOUNT_ARN_ID = /:account\/o-[a-z0-9]+\/(\d{12})$/;

/** The account id of an Organizations account ARN; undefined for any other ARN (an OU's). */
export function accountIdOfArn(arn: string): string | undefined {
  return ACCOUNT_ARN_ID.exec(arn)?.[1];
}

export type EnrolmentState = 'enrolled' | 'in-progress' | 'failed' | 'not-enrolled';

/** SUCCEEDED: enrolled; FAILED: failed, with the baseline named; UNDER_CHANGE: in progress. */
export function enrolmentOf(
  baselines: readonly EnabledBaseline[],
  accountId: string,
): { state: EnrolmentState; reason?: string } {
  const own = baselines.filter((b) => b.parentIdentifier && accountIdOfArn(b.targetIdentifier) === accountId);
  if (own.length === 0) return { state: 'not-enrolled' };
  const failed = own.find((b) => b.status === 'FAILED');
  if (failed) return { state: 'failed', reason: `its baseline ${failed.arn} is FAILED` };
  if (own.every((b) => b.status === 'SUCCEEDED')) return { state: 'enrolled' };
  return { state: 'in-progress' };
}
