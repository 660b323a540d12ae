/**
 * AWS errors become estate errors that name the action, the account and the fix.
 */
import { EstateError, isEstateError } from '../errors.js';
import { isThrottle } from './send.js';

export interface ErrorContext {
  /** The API action or step, e.g. 'MoveAccount'. */
  readonly action: string;
  readonly account?: string;
  /** What the action was aimed at, in words: 'account 111122223333 (dev-alice) to OU Sandbox'. */
  readonly target?: string;
  /** The IAM action the caller needs, when it differs from `organizations:<action>`. */
  readonly permission?: string;
  /** A specific fix, shown first. */
  readonly fix?: string;
}

const ACCESS_DENIED = /AccessDenied|UnauthorizedOperation|NotAuthorized|AuthorizationError|Forbidden/;
const EXPIRED =
  /ExpiredToken|ExpiredTokenException|TokenRefreshRequired|InvalidClientTokenId|UnrecognizedClientException|InvalidToken/;

function describe(context: ErrorContext): string {
  const what = context.target ? `${context.action} ${context.target}` : context.action;
  return context.account ? `${what} in account ${context.account}` : what;
}

export function mapAwsError(error: unknown, context: ErrorContext): EstateError {
  if (isEstateError(error)) return error;
  const e = (error ?? {}) as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const name = e.name ?? 'Error';
  const detail = e.message ?? String(error);
  const fixes = context.fix ? [context.fix] : [];

  const code = (error as { code?: string })?.code ?? '';
  if (
    /^(ENOTFOUND|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH)$/.test(code) ||
    /getaddrinfo|ECONNREFUSED/.test(detail)
  ) {
    return new EstateError(`cannot reach AWS for ${describe(context)}: ${detail}`, {
      code: 'NetworkError',
      source: 'aws',
      cause: error,
      suggestions: [
        ...fixes,
        'check the network (proxy, VPN) and the region',
        'against an emulator, set AWS_ENDPOINT_URL (or AWS_ENDPOINT_URL_<SERVICE>) to its address',
        'for offline work use `estate plan --offline`',
      ],
    });
  }
  if (
    name === 'CredentialsProviderError' ||
    (/Could not load credentials|credential/i.test(detail) &&
      name !== 'AccessDeniedException' &&
      !ACCESS_DENIED.test(name))
  ) {
    return new EstateError(
      `no AWS credentials found${context.action === 'load credentials' ? '' : ` for ${describe(context)}`}: ${detail}`,
      {
        code: 'NoCredentials',
        source: 'user',
        exitCode: 1,
        cause: error,
        suggestions: [
          ...fixes,
          'run `aws sso login --profile <name>` and pass --profile (or ESTATE_PROFILE)',
          'in CI, configure OIDC web identity (AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE)',
          'for offline work use `estate plan --offline`',
        ],
      },
    );
  }
  if (EXPIRED.test(name) || /expired/i.test(detail)) {
    return new EstateError(
      `the AWS credentials are expired or invalid (${name}) during ${describe(context)}`,
      {
        code: 'ExpiredCredentials',
        source: 'user',
        exitCode: 1,
        cause: error,
        suggestions: [...fixes, 'refresh them: `aws sso login --profile <name>`, or renew the session token'],
      },
    );
  }
  if (ACCESS_DENIED.test(name) || e.$metadata?.httpStatusCode === 403) {
    const permission = context.permission ?? `organizations:${context.action}`;
    return new EstateError(`cannot ${describe(context)}: the caller lacks ${permission} (${name})`, {
      code: 'AccessDenied',
      source: 'aws',
      cause: error,
      suggestions: [
        ...fixes,
        `grant ${permission} to the role estate runs as`,
        'organisation-wide changes must run from the management account',
      ],
    });
  }
  if (name === 'AWSOrganizationsNotInUseException') {
    return new EstateError(`${describe(context)} failed: this account is not in an AWS organisation`, {
      code: 'NotInOrganization',
      source: 'aws',
      cause: error,
      suggestions: [
        ...fixes,
        'run `estate apply` from the account that should become the management account: it creates the organisation',
      ],
    });
  }
  if (isThrottle(error)) {
    const attempts = (error as { $attempts?: number }).$attempts;
    return new EstateError(
      `${describe(context)} was still throttled by AWS after ${attempts ?? 'several'} attempts (${name})`,
      {
        code: 'Throttled',
        source: 'aws',
        cause: error,
        suggestions: [
          ...fixes,
          'lower --concurrency (or ESTATE_CONCURRENCY) and run again: estate resumes where it stopped',
        ],
      },
    );
  }
  return new EstateError(`${describe(context)} failed: ${name}: ${detail}`, {
    code: name,
    source: 'aws',
    cause: error,
    suggestions: fixes,
  });
}
