/**
 * AWS errors become estate errors that name the action, the account and the fix.
 */
import { EstateError, isEstateError } from '../errors.js';
import { isThrottle, transportProblem } from './send.js';

export interface ErrorContext {
  /** The API action or step, e.g. 'MoveAccount'. */
  readonly action: string;
  readonly account?: string;
  /** What the action was aimed at, in words: 'account 111122223333 (dev-alice) to OU Sandbox'. */
  readonly target?: string;
  /** The service's IAM prefix ('sts', 'budgets', ...). @default 'organizations' */
  readonly service?: string;
  /** The IAM action the caller needs, when it differs from `<service>:<action>`. */
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

/** What every error kind looks at: the raw error, its name and message, the context's fixes. */
interface Seen {
  readonly error: unknown;
  readonly context: ErrorContext;
  readonly name: string;
  readonly detail: string;
  readonly status: number | undefined;
  readonly fixes: readonly string[];
}

/** One kind of AWS error: how to recognise it and the estate error it becomes. */
interface ErrorKind {
  readonly matches: (seen: Seen) => boolean;
  readonly map: (seen: Seen) => EstateError;
}

const transport: ErrorKind = {
  matches: ({ error }) => Boolean(transportProblem(error)),
  map: ({ error, context, fixes }) =>
    transportError(error, {
      action: context.service ? `${context.service}:${context.action}` : context.action,
      account: context.account,
      suggestions: [
        ...fixes,
        'against an emulator, set AWS_ENDPOINT_URL (or AWS_ENDPOINT_URL_<SERVICE>) to its address',
        'for offline work use `estate plan --offline`',
      ],
    }),
};

const noCredentials: ErrorKind = {
  matches: ({ name, detail }) =>
    name === 'CredentialsProviderError' ||
    (/Could not load credentials|credential/i.test(detail) &&
      name !== 'AccessDeniedException' &&
      !ACCESS_DENIED.test(name)),
  map: ({ error, context, detail, fixes }) =>
    new EstateError(
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
    ),
};

const expiredCredentials: ErrorKind = {
  matches: ({ name, detail }) => EXPIRED.test(name) || /expired/i.test(detail),
  map: ({ error, context, name, fixes }) =>
    new EstateError(`the AWS credentials are expired or invalid (${name}) during ${describe(context)}`, {
      code: 'ExpiredCredentials',
      source: 'user',
      exitCode: 1,
      cause: error,
      suggestions: [...fixes, 'refresh them: `aws sso login --profile <name>`, or renew the session token'],
    }),
};

const accessDenied: ErrorKind = {
  matches: ({ name, status }) => ACCESS_DENIED.test(name) || status === 403,
  map: ({ error, context, name, fixes }) => {
    const permission = context.permission ?? `${context.service ?? 'organizations'}:${context.action}`;
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
  },
};

const notInOrganization: ErrorKind = {
  matches: ({ name }) => name === 'AWSOrganizationsNotInUseException',
  map: ({ error, context, fixes }) =>
    new EstateError(`${describe(context)} failed: this account is not in an AWS organisation`, {
      code: 'NotInOrganization',
      source: 'aws',
      cause: error,
      suggestions: [
        ...fixes,
        'run `estate apply` from the account that should become the management account: it creates the organisation',
      ],
    }),
};

const throttled: ErrorKind = {
  matches: ({ error }) => isThrottle(error),
  map: ({ error, context, name, fixes }) => {
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
  },
};

/** Checked in this order, first match wins: a transport failure or missing credentials outrank the rest. */
const ERROR_KINDS: readonly ErrorKind[] = [
  transport,
  noCredentials,
  expiredCredentials,
  accessDenied,
  notInOrganization,
  throttled,
];

export function mapAwsError(error: unknown, context: ErrorContext): EstateError {
  if (isEstateError(error)) return error;
  const e = (error ?? {}) as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const seen: Seen = {
    error,
    context,
    name: e.name ?? 'Error',
    detail: e.message ?? String(error),
    status: e.$metadata?.httpStatusCode,
    fixes: context.fix ? [context.fix] : [],
  };
  const kind = ERROR_KINDS.find((k) => k.matches(seen));
  if (kind) return kind.map(seen);
  return new EstateError(`${describe(context)} failed: ${seen.name}: ${seen.detail}`, {
    code: seen.name,
    source: 'aws',
    cause: error,
    suggestions: seen.fixes,
  });
}

export interface TransportContext {
  /** The IAM-style action, 'organizations:ListRoots'. */
  readonly action: string;
  readonly account?: string;
  /** Where the request went when the error does not say (estate's HTTP handler sets it). */
  readonly endpoint?: string;
  /** The variable that set the endpoint, when one did ('AWS_ENDPOINT_URL'). */
  readonly endpointVariable?: string;
  readonly suggestions?: readonly string[];
}

/**
 * A timeout or network error as a message that names the action, the endpoint and the fix:
 * "organizations:ListRoots got no answer from http://127.0.0.1:4566 within 1 s: check
 * AWS_ENDPOINT_URL, which points there, or raise --timeout (ESTATE_TIMEOUT)".
 */
export function transportError(error: unknown, context: TransportContext): EstateError {
  const problem = transportProblem(error) ?? 'network';
  const e = (error ?? {}) as {
    message?: string;
    code?: string;
    $endpoint?: string;
    $timeouts?: { connectMs: number; requestMs: number };
  };
  const endpoint = e.$endpoint ?? context.endpoint ?? 'AWS';
  const who = context.account ? `${context.action} in account ${context.account}` : context.action;
  const seconds = (ms: number | undefined) => (ms === undefined ? undefined : `${+(ms / 1000).toFixed(3)} s`);
  const where = context.endpointVariable
    ? `check ${context.endpointVariable}, which points there`
    : 'check the network (proxy, VPN, firewall) and the region';
  let message: string;
  if (problem === 'network') {
    message = `${who} could not reach ${endpoint} (${e.message || e.code || 'network error'}): ${where}`;
  } else if (problem === 'reset') {
    message = `${who}: ${endpoint} dropped the connection before answering (${e.code || e.message || 'reset'}): ${where}`;
  } else {
    const limit = seconds(problem === 'connect-timeout' ? e.$timeouts?.connectMs : e.$timeouts?.requestMs);
    const what =
      problem === 'connect-timeout'
        ? `could not connect to ${endpoint}${limit ? ` within ${limit}` : ''}`
        : `got no answer from ${endpoint}${limit ? ` within ${limit}` : ''}`;
    message = `${who} ${what}: ${where}, or raise --timeout (ESTATE_TIMEOUT)`;
  }
  return new EstateError(message, {
    code: problem === 'timeout' || problem === 'connect-timeout' ? 'Timeout' : 'NetworkError',
    source: 'aws',
    cause: error,
    details: { action: context.action, endpoint },
    suggestions: context.suggestions ?? [],
  });
}
