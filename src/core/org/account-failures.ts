/**
 * CreateAccount failure reasons (DescribeCreateAccountStatus FailureReason) in words, with
 * what to do about each.
 */

export interface FailureExplanation {
  readonly message: string;
  readonly fix: string;
}

export function explainCreateAccountFailure(
  reason: string | undefined,
  account: { readonly name: string; readonly email: string },
): FailureExplanation {
  const who = `account ${account.name} <${account.email}>`;
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
