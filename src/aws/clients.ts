/**
 * The one place SDK clients are built: region, credentials (the standard chain with
 * --profile, SSO and web identity; assumed roles per member account, cached and refreshed
 * before expiry), AWS_ENDPOINT_URL and its per-service variants, connect and request
 * timeouts, estate's one retry layer (the SDK makes a single attempt), feedback rate limits
 * per attempt and the audit log. SDK packages are imported lazily by the callers that need
 * them, so `estate --version` never loads them.
 */
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { partitionOf } from '../config/rules.js';
import { EstateError } from '../errors.js';

export { partitionOf };
import type { AuditLog } from './audit.js';
import { mapAwsError, transportError } from './errors.js';
import { EstateHttpHandler, timeoutsFor, type Timeouts } from './http.js';
import { assertProfileExists } from './profiles.js';
import { ORGANIZATIONS_RATES, RateLimiter, realClock, type Clock, type Rate } from './rate-limit.js';
import {
  type SendLike,
  sleep as realSleep,
  transportProblem,
  withAudit,
  withRateLimits,
  withRetries,
  wrapSend,
  type RetryOptions,
} from './send.js';

/** Service keys as the SDK spells them in AWS_ENDPOINT_URL_<KEY>. */
export type ServiceKey =
  | 'ORGANIZATIONS'
  | 'STS'
  | 'BUDGETS'
  | 'COST_EXPLORER'
  | 'RESOURCE_GROUPS_TAGGING_API'
  | 'CLOUDFORMATION'
  | 'CONTROLTOWER'
  | 'S3'
  | 'SSM'
  | 'IAM'
  | 'CLOUDWATCH'
  | 'SNS'
  | 'SESV2';

/**
 * Control Tower publishes no request rates either, and its API serves a handful of calls per
 * run: each operation estate sends starts lower than the default and follows throttling
 * feedback from there (the signed REST calls of controltower.ts included).
 */
const CONTROLTOWER_RATES: Readonly<Record<string, Rate>> = Object.fromEntries(
  [
    'ListEnabledControls',
    'GetControlOperation',
    'GetLandingZone',
    'ListLandingZones',
    'ListEnabledBaselines',
    'ListControlOperations',
  ].map((operation) => [operation, { perSecond: 10, burst: 10 }]),
);

const RATES: Partial<Record<ServiceKey, Readonly<Record<string, Rate>>>> = {
  ORGANIZATIONS: ORGANIZATIONS_RATES,
  CONTROLTOWER: CONTROLTOWER_RATES,
};

/** The prefix of each service's IAM actions, for messages: 'organizations:ListRoots'. */
export const IAM_PREFIX: Readonly<Record<ServiceKey, string>> = {
  ORGANIZATIONS: 'organizations',
  STS: 'sts',
  BUDGETS: 'budgets',
  COST_EXPLORER: 'ce',
  RESOURCE_GROUPS_TAGGING_API: 'tag',
  CLOUDFORMATION: 'cloudformation',
  CONTROLTOWER: 'controltower',
  S3: 's3',
  SSM: 'ssm',
  IAM: 'iam',
  CLOUDWATCH: 'cloudwatch',
  SNS: 'sns',
  SESV2: 'ses',
};

/**
 * What STS answers while a new account's role is not usable yet: AccessDenied (the role or
 * its trust is still being set up), RegionDisabledException (STS not active in the region
 * yet), InvalidClientTokenId (the account not known to STS yet).
 */
const NOT_READY_YET = /^(AccessDenied|AccessDeniedException|RegionDisabledException|InvalidClientTokenId)$/;

// Organizations, Budgets and Cost Explorer have one endpoint in the partition's home region.
const GLOBAL_REGION: Partial<Record<ServiceKey, string>> = {
  ORGANIZATIONS: 'us-east-1',
  BUDGETS: 'us-east-1',
  COST_EXPLORER: 'us-east-1',
};

export interface ClientConfig {
  region: string;
  credentials: AwsCredentialIdentityProvider;
  endpoint?: string;
  maxAttempts: number;
  retryMode: 'standard';
  requestHandler: EstateHttpHandler;
  /** S3 behind a custom endpoint (an emulator, a gateway) is addressed by path, not by bucket host name. */
  forcePathStyle?: boolean;
}

export type ClientConstructor<C> = new (config: ClientConfig) => C;

export interface AwsClientsOptions {
  readonly region: string;
  readonly profile?: string;
  /** Role assumed in member accounts. @default OrganizationAccountAccessRole */
  readonly roleName?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly auditLog?: AuditLog;
  /** Base credentials; defaults to the SDK's node provider chain with `profile`. */
  readonly credentials?: AwsCredentialIdentityProvider;
  /**
   * Seconds a request may take (the answer's headers; also the longest silence on the
   * socket). Connecting gets at most 10 s of it. @default 30
   */
  readonly timeoutSeconds?: number;
  /** estate's retry layer (send.ts); the SDK itself makes one attempt per call. */
  readonly retry?: RetryOptions;
  /**
   * How long AssumeRole into an account created in this run keeps being retried while the
   * new account's role is not usable yet (AWS-FACTS: most such failures end within ~7
   * minutes). Other accounts fail at once. @default 10 minutes after the creation
   */
  readonly newAccountWindowMs?: number;
  /** Waits between those AssumeRole attempts; tests inject one. @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  /** The rate limiters' clock (tests inject a virtual one). */
  readonly clock?: Clock;
  /** Refresh assumed-role credentials this long before they expire. @default 5 minutes */
  readonly refreshBeforeMs?: number;
  readonly now?: () => number;
  /** Builds the STS client used for AssumeRole/GetCallerIdentity (tests inject a mock). */
  readonly stsClient?: SendLike;
}

/** AWS_ENDPOINT_URL_<SERVICE> wins over AWS_ENDPOINT_URL; empty values count as unset. */
export function endpointFor(service: ServiceKey, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const specific = env[`AWS_ENDPOINT_URL_${service}`];
  if (specific) return specific;
  return env.AWS_ENDPOINT_URL || undefined;
}

interface CachedCredentials {
  readonly value: AwsCredentialIdentity;
  readonly expiresAt: number;
}

export interface CallerIdentity {
  readonly account: string;
  readonly arn: string;
  readonly userId: string;
}

export class AwsClients {
  readonly region: string;
  readonly roleName: string;
  private readonly env: NodeJS.ProcessEnv;
  private readonly limiters = new Map<string, RateLimiter>();
  private readonly assumed = new Map<string, Promise<CachedCredentials>>();
  private base?: AwsCredentialIdentityProvider;
  private sts?: Promise<SendLike>;
  private identity?: Promise<CallerIdentity>;
  private readonly now: () => number;
  private readonly created = new Map<string, number>();
  private handler?: EstateHttpHandler;
  readonly timeouts: Timeouts;

  constructor(private readonly options: AwsClientsOptions) {
    this.region = options.region;
    this.roleName = options.roleName ?? 'OrganizationAccountAccessRole';
    this.env = options.env ?? process.env;
    this.now = options.now ?? Date.now;
    this.timeouts = timeoutsFor(
      options.timeoutSeconds === undefined ? undefined : options.timeoutSeconds * 1000,
    );
  }

  /**
   * Tells the clients that this run created `accountId`: AssumeRole into it is retried with
   * backoff while the new account's role is not usable yet (see newAccountWindowMs).
   */
  accountCreated(accountId: string): void {
    if (!this.created.has(accountId)) this.created.set(accountId, this.now());
  }

  /** Where mutating calls are logged (also by adapters whose calls bypass these clients). */
  get auditLog(): AuditLog | undefined {
    return this.options.auditLog;
  }

  /** The one HTTP handler (with estate's timeouts) every client shares. */
  httpHandler(): EstateHttpHandler {
    this.handler ??= new EstateHttpHandler(this.timeouts);
    return this.handler;
  }

  endpoint(service: ServiceKey): string | undefined {
    return endpointFor(service, this.env);
  }

  /** The caller's own credentials: explicit, or the standard chain for --profile. */
  baseCredentials(): AwsCredentialIdentityProvider {
    if (this.options.credentials) return this.options.credentials;
    this.base ??= lazyNodeChain(this.options.profile, this.env, this.httpHandler());
    return this.base;
  }

  /** Credentials for a member account: the caller's own when it is the caller's account. */
  credentialsFor(accountId: string | undefined): AwsCredentialIdentityProvider {
    if (!accountId) return this.baseCredentials();
    return async () => {
      const me = await this.callerIdentity();
      if (me.account === accountId) return this.baseCredentials()();
      return (await this.assume(accountId)).value;
    };
  }

  private assume(accountId: string): Promise<CachedCredentials> {
    const refreshBefore = this.options.refreshBeforeMs ?? 5 * 60_000;
    const cached = this.assumed.get(accountId);
    if (cached) {
      return cached.then((c) => (c.expiresAt - refreshBefore > this.now() ? c : this.refresh(accountId)));
    }
    return this.refresh(accountId);
  }

  private refresh(accountId: string): Promise<CachedCredentials> {
    const roleArn = `arn:${partitionOf(this.region)}:iam::${accountId}:role/${this.roleName}`;
    const pending = (async () => {
      const [sts, { AssumeRoleCommand }, me] = await Promise.all([
        this.stsClient(),
        import('@aws-sdk/client-sts'),
        this.callerIdentity(),
      ]);
      // SourceIdentity would carry the caller further (it survives role chaining), but
      // setting it needs sts:SetSourceIdentity in the role's trust policy, which
      // OrganizationAccountAccessRole (as AWS creates it) does not grant: every AssumeRole
      // would fail. The session name needs no extra permission and shows in the member
      // account's CloudTrail as the assumed-role ARN's last part.
      const input = { RoleArn: roleArn, RoleSessionName: roleSessionName(me), DurationSeconds: 3600 };
      const createdAt = this.created.get(accountId);
      const deadline =
        createdAt === undefined ? undefined : createdAt + (this.options.newAccountWindowMs ?? 10 * 60_000);
      const wait = this.options.sleep ?? realSleep;
      for (let delay = 5_000; ; delay = Math.min(delay * 2, 60_000)) {
        try {
          const out = await sts.send(new AssumeRoleCommand(input));
          return this.assumedCredentials(accountId, out.Credentials);
        } catch (error) {
          const name = (error as { name?: string })?.name ?? '';
          const now = this.now();
          if (deadline !== undefined && NOT_READY_YET.test(name) && now < deadline) {
            await wait(Math.min(delay, Math.max(1, deadline - now)));
            continue;
          }
          const stillNew = createdAt !== undefined && NOT_READY_YET.test(name);
          throw mapAwsError(error, {
            action: 'AssumeRole',
            service: 'sts',
            account: accountId,
            target: roleArn,
            fix: stillNew
              ? `${accountId} was created in this run and its role was still not usable after ${Math.round((now - createdAt) / 60_000)} minutes: run the command again in a few minutes`
              : `check that ${this.roleName} exists in ${accountId} and trusts the calling account (or set organization.accessRoleName)`,
          });
        }
      }
    })();
    this.assumed.set(accountId, pending);
    pending.catch(() => this.assumed.delete(accountId));
    return pending;
  }

  private assumedCredentials(
    accountId: string,
    c:
      | { AccessKeyId?: string; SecretAccessKey?: string; SessionToken?: string; Expiration?: Date }
      | undefined,
  ): CachedCredentials {
    if (!c?.AccessKeyId || !c.SecretAccessKey)
      throw new EstateError(`sts:AssumeRole into ${accountId} returned no credentials`, {
        code: 'AssumeRoleEmpty',
        source: 'aws',
      });
    const expiresAt = c.Expiration ? new Date(c.Expiration).getTime() : this.now() + 3_600_000;
    return {
      value: {
        accessKeyId: c.AccessKeyId,
        secretAccessKey: c.SecretAccessKey,
        sessionToken: c.SessionToken,
        expiration: new Date(expiresAt),
      },
      expiresAt,
    };
  }

  private stsClient(): Promise<SendLike> {
    this.sts ??= (async () => {
      if (this.options.stsClient) return this.wrap(this.options.stsClient, 'STS');
      const { STSClient } = await import('@aws-sdk/client-sts');
      return this.wrap(new STSClient(this.config('STS', this.region, this.baseCredentials())), 'STS');
    })();
    return this.sts;
  }

  /** GetCallerIdentity, once per process. */
  callerIdentity(): Promise<CallerIdentity> {
    this.identity ??= (async () => {
      const sts = await this.stsClient();
      const { GetCallerIdentityCommand } = await import('@aws-sdk/client-sts');
      try {
        const out = await sts.send(new GetCallerIdentityCommand({}));
        return { account: out.Account ?? '', arn: out.Arn ?? '', userId: out.UserId ?? '' };
      } catch (error) {
        throw mapAwsError(error, { action: 'GetCallerIdentity', service: 'sts' });
      }
    })();
    this.identity.catch(() => (this.identity = undefined));
    return this.identity;
  }

  /**
   * The SDK client configuration estate uses for a service: one attempt (estate's own retry
   * layer, send.ts, is the only one) and the shared handler with estate's timeouts.
   */
  config(service: ServiceKey, region: string, credentials: AwsCredentialIdentityProvider): ClientConfig {
    const endpoint = this.endpoint(service);
    return {
      region: GLOBAL_REGION[service] && partitionOf(region) === 'aws' ? GLOBAL_REGION[service]! : region,
      credentials,
      ...(endpoint ? { endpoint } : {}),
      ...(endpoint && service === 'S3' ? { forcePathStyle: true } : {}),
      maxAttempts: 1,
      retryMode: 'standard',
      requestHandler: this.httpHandler(),
    };
  }

  limiter(service: ServiceKey, account: string | undefined): RateLimiter {
    const key = `${service}/${account ?? 'caller'}`;
    let limiter = this.limiters.get(key);
    if (!limiter) {
      limiter = new RateLimiter(RATES[service] ?? {}, undefined, this.options.clock ?? realClock);
      this.limiters.set(key, limiter);
    }
    return limiter;
  }

  /**
   * A client for `service` acting in `account` (the caller's own when absent), wrapped
   * with estate's retries, rate limits and audit log.
   */
  client<C extends SendLike>(
    ctor: ClientConstructor<C>,
    service: ServiceKey,
    scope: { account?: string; region?: string } = {},
  ): C {
    const raw = new ctor(
      this.config(service, scope.region ?? this.region, this.credentialsFor(scope.account)),
    );
    return this.wrap(raw, service, scope.account);
  }

  /**
   * Applies estate's send wrappers to any client (real, mocked or fake), innermost first:
   * a rate token per attempt (with throttling feedback), the retry layer, the audit log (one
   * line per call), and timeouts and network errors explained with the action and endpoint.
   */
  wrap<C extends SendLike>(raw: C, service: ServiceKey, account?: string): C {
    let client = withRetries(withRateLimits(raw, this.limiter(service, account)), this.options.retry);
    if (this.options.auditLog) client = withAudit(client, this.options.auditLog, { service, account });
    const specific = `AWS_ENDPOINT_URL_${service}`;
    const endpointVariable = this.env[specific]
      ? specific
      : this.env.AWS_ENDPOINT_URL
        ? 'AWS_ENDPOINT_URL'
        : undefined;
    return wrapSend(client, async (operation, _command, next) => {
      try {
        return await next();
      } catch (error) {
        if (!transportProblem(error)) throw error;
        throw transportError(error, {
          action: `${IAM_PREFIX[service]}:${operation}`,
          account,
          endpoint: this.endpoint(service) ?? `the ${IAM_PREFIX[service]} endpoint in ${this.region}`,
          endpointVariable,
        });
      }
    });
  }
}

/** `estate-<caller>`, in the characters STS allows in a session name ([\w+=,.@-], 2–64). */
export function roleSessionName(caller: Pick<CallerIdentity, 'arn' | 'userId'>): string {
  // arn:aws:sts::1:assumed-role/Role/alice@acme.com, arn:aws:iam::1:user/ops/alice, arn:aws:iam::1:root
  const resource = caller.arn.split(':').slice(5).join(':');
  const parts = resource.split('/');
  const who =
    (parts.length > 1 ? parts[parts.length - 1] : parts[0]) || caller.userId.split(':').pop() || 'unknown';
  const name = `estate-${who.replace(/^estate-/, '')}`.replace(/[^\w+=,.@-]/g, '-');
  return name.slice(0, 64);
}

function lazyNodeChain(
  profile: string | undefined,
  env: NodeJS.ProcessEnv,
  requestHandler: EstateHttpHandler,
): AwsCredentialIdentityProvider {
  let provider: Promise<AwsCredentialIdentityProvider> | undefined;
  return async (props) => {
    provider ??= (async () => {
      if (profile) await assertProfileExists(profile, env);
      const { fromNodeProviderChain } = await import('@aws-sdk/credential-providers');
      // The chain's own SSO and STS clients get estate's timeouts too.
      return fromNodeProviderChain({ ...(profile ? { profile } : {}), clientConfig: { requestHandler } });
    })();
    try {
      return await (
        await provider
      )(props);
    } catch (error) {
      throw mapAwsError(error, { action: 'load credentials' });
    }
  };
}
