/**
 * CreateAccount failures in words, with what to do about each: the reasons of a FAILED
 * request (DescribeCreateAccountStatus FailureReason) and the refusals of CreateAccount
 * itself that stop every further creation in the run (daily limit, account limit, a new
 * organisation AWS is still finishing).
 */
import { CREATE_ACCOUNT_ERRORS } from './ports.js';

export interface FailureExplanation {
  readonly message: string;
  readonly fix: string;
}

/**
 * How old the organisation is. AWS answers FinalizingOrganizationException and
 * ACCOUNT_NUMBER_LIMIT_EXCEEDED for up to an hour after CreateOrganization: estate reads
 * that as "still being set up" when it created the organisation in this run, or when the
 * management account's JoinedTimestamp (the organisation's creation) is under an hour old.
 */
export interface OrganizationAge {
  /** When the organisation was created, when known. */
  readonly createdAt?: Date;
  /** Created in this run, or less than NEW_ORGANIZATION_MS ago. */
  readonly isNew: boolean;
}

/** AWS: "this can take up to an hour". */
export const NEW_ORGANIZATION_MS = 60 * 60_000;

const hhmm = (d: Date) => `${d.toISOString().slice(11, 16)} UTC`;

function stillSettingUp(who: string, age: OrganizationAge, now: Date): FailureExplanation {
  const ready = age.createdAt ? new Date(age.createdAt.getTime() + NEW_ORGANIZATION_MS) : undefined;
  const created = age.createdAt ? ` at ${hhmm(age.createdAt)}` : ' in this run';
  const until =
    ready && ready > now
      ? `until about ${hhmm(ready)} (up to an hour after it was created)`
      : 'up to an hour';
  return {
    message: `could not create ${who} yet: the organisation was created${created} and AWS is still setting it up; it accepts new accounts once that is done, which takes up to an hour`,
    fix: `wait ${until}, then run \`estate apply\` again: it resumes with the accounts that are not created yet`,
  };
}

/**
 * A CreateAccount refusal that stops further creations in the run (CREATE_ACCOUNT_ERRORS
 * dailyLimit, numberLimit, finalizing), or undefined for any other error.
 */
export function explainCreationRefusal(
  code: string,
  account: { readonly name: string; readonly email: string },
  age: OrganizationAge,
  now: Date,
): FailureExplanation | undefined {
  const who = `account ${account.name} <${account.email}>`;
  switch (code) {
    case CREATE_ACCOUNT_ERRORS.dailyLimit:
      return {
        message: `could not create ${who}: the organisation reached the number of accounts AWS lets it create in one day (ACCOUNT_CREATION_RATE_LIMIT_EXCEEDED)`,
        fix: 'run `estate apply` again tomorrow: it creates the accounts that are left; AWS Support can raise the daily limit',
      };
    case CREATE_ACCOUNT_ERRORS.finalizing:
      return stillSettingUp(who, age, now);
    case CREATE_ACCOUNT_ERRORS.numberLimit:
      if (age.isNew) return stillSettingUp(who, age, now);
      return explainCreateAccountFailure('ACCOUNT_LIMIT_EXCEEDED', account, undefined, now);
    default:
      return undefined;
  }
}

export function explainCreateAccountFailure(
  reason: string | undefined,
  account: { readonly name: string; readonly email: string },
  age: OrganizationAge | undefined,
  /** The clock's reading (the apply's injected `now`). */
  now: Date,
): FailureExplanation {
  const who = `account ${account.name} <${account.email}>`;
  if (reason === 'ACCOUNT_LIMIT_EXCEEDED' && age?.isNew) return stillSettingUp(who, age, now);
  switch (reason) {
    case 'EMAIL_ALREADY_EXISTS':
      return {
        message: `could not create ${who}: another AWS account already uses the e-mail ${account.email}`,
        fix: `give accounts.${account.name}.email another address, or adopt that account by setting accounts.${account.name}.id (invite it first if it is outside the organisation)`,
      };
    case 'ACCOUNT_LIMIT_EXCEEDED':
      return {
        message: `could not create ${who}: the organisation has reached its maximum number of accounts`,
        fix: 'ask for more in Service Quotas (AWS Organizations → "Default maximum number of accounts") from the management account, then run apply again',
      };
    case 'CONCURRENT_ACCOUNT_MODIFICATION':
      return {
        message: `could not create ${who}: a request with the same details was already submitted`,
        fix: 'wait a few minutes and run apply again: estate will find the account or the request in progress',
      };
    case 'INVALID_EMAIL':
      return {
        message: `could not create ${who}: AWS rejected the e-mail address ${account.email}`,
        fix: `set a deliverable address in accounts.${account.name}.email or fix organization.emailPattern`,
      };
    case 'INVALID_ADDRESS':
      return {
        message: `could not create ${who}: the management account's postal address is not valid`,
        fix: 'correct the contact address of the management account (Billing → Account settings)',
      };
    case 'MISSING_PAYMENT_INSTRUMENT':
    case 'INVALID_PAYMENT_INSTRUMENT':
      return {
        message: `could not create ${who}: the management account has no valid payment method`,
        fix: 'add a supported payment method to the management account, then run apply again',
      };
    case 'MISSING_BUSINESS_VALIDATION':
    case 'PENDING_BUSINESS_VALIDATION':
    case 'FAILED_BUSINESS_VALIDATION':
    case 'INVALID_IDENTITY_FOR_BUSINESS_VALIDATION':
    case 'UNKNOWN_BUSINESS_VALIDATION':
      return {
        message: `could not create ${who}: the management account has not completed business validation (${reason})`,
        fix: 'complete business validation for the management account with AWS Support, then run apply again',
      };
    case 'INTERNAL_FAILURE':
      return {
        message: `could not create ${who}: AWS reported an internal failure`,
        fix: 'run apply again later; if it persists, contact AWS Support',
      };
    default:
      return {
        message: `could not create ${who}: AWS reported ${reason ?? 'an unknown failure'}`,
        fix: 'see DescribeCreateAccountStatus in the AWS Organizations API reference, fix the cause, and run apply again',
      };
  }
}
