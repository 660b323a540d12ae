/**
 * The one place SDK clients are built: region, credentials (the standard chain with
 * --profile, SSO and web identity; assumed roles per member account, cached and refreshed
 * before expiry), AWS_ENDPOINT_URL and its per-service variants, adaptive retry, per-API
 * rate limits and the audit log. SDK packages are imported lazily by the callers that
 * need them, so `estate --version` never loads them.
 */
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { partitionOf } from '../config/rules.js';
import { EstateError } from '../errors.js';

export { partitionOf };
import type { AuditLog } from './audit.js';
import { mapAwsError } from './errors.js';
import { ORGANIZATIONS_RATES, RateLimiter, type Rate } from './rate-limit.js';
import { type SendLike, withAudit, withRateLimits, withRetries, type RetryOptions } from './send.js';

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
  | 'IAM';

const RATES: Partial<Record<ServiceKey, Readonly<Record<string, Rate>>>> = {
  ORGANIZATIONS: ORGANIZATIONS_RATES,
};

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
  retryMode: 'adaptive';
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
  /** SDK-level attempts per call (adaptive mode). @default 3 */
  readonly sdkMaxAttempts?: number;
  readonly retry?: RetryOptions;
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

  constructor(private readonly options: AwsClientsOptions) {
    this.region = options.region;
    this.roleName = options.roleName ?? 'OrganizationAccountAccessRole';
    this.env = options.env ?? process.env;
    this.now = options.now ?? Date.now;
  }

  endpoint(service: ServiceKey): string | undefined {
    return endpointFor(service, this.env);
  }

  /** The caller's own credentials: explicit, or the standard chain for --profile. */
  baseCredentials(): AwsCredentialIdentityProvider {
    if (this.options.credentials) return this.options.credentials;
    this.base ??= lazyNodeChain(this.options.profile);
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
      const sts = await this.stsClient();
      const { AssumeRoleCommand } = await import('@aws-sdk/client-sts');
      try {
        const out = await sts.send(
          new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'estate', DurationSeconds: 3600 }),
        );
        const c = out.Credentials;
        if (!c?.AccessKeyId || !c.SecretAccessKey)
          throw new EstateError(`AssumeRole into ${accountId} returned no credentials`, {
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
      } catch (error) {
        throw mapAwsError(error, {
          action: 'AssumeRole',
          account: accountId,
          target: roleArn,
          fix: `check that ${this.roleName} exists in ${accountId} and trusts the calling account (or set organization.accessRoleName)`,
        });
      }
    })();
    this.assumed.set(accountId, pending);
    pending.catch(() => this.assumed.delete(accountId));
    return pending;
  }

  private stsClient(): Promise<SendLike> {
    if (this.options.stsClient) return Promise.resolve(this.options.stsClient);
    this.sts ??= import('@aws-sdk/client-sts').then(
      ({ STSClient }) => new STSClient(this.config('STS', this.region, this.baseCredentials())),
    );
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
        throw mapAwsError(error, { action: 'GetCallerIdentity' });
      }
    })();
    this.identity.catch(() => (this.identity = undefined));
    return this.identity;
  }

  /** The SDK client configuration estate uses for a service. */
  config(service: ServiceKey, region: string, credentials: AwsCredentialIdentityProvider): ClientConfig {
    const endpoint = this.endpoint(service);
    return {
      region: GLOBAL_REGION[service] && partitionOf(region) === 'aws' ? GLOBAL_REGION[service]! : region,
      credentials,
      ...(endpoint ? { endpoint } : {}),
      maxAttempts: this.options.sdkMaxAttempts ?? 3,
      retryMode: 'adaptive',
    };
  }

  limiter(service: ServiceKey, account: string | undefined): RateLimiter {
    const key = `${service}/${account ?? 'caller'}`;
    let limiter = this.limiters.get(key);
    if (!limiter) {
      limiter = new RateLimiter(RATES[service] ?? {});
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

  /** Applies estate's send wrappers to any client (real, mocked or fake). */
  wrap<C extends SendLike>(raw: C, service: ServiceKey, account?: string): C {
    let client = withRetries(raw, this.options.retry);
    if (this.options.auditLog) client = withAudit(client, this.options.auditLog, { service, account });
    return withRateLimits(client, this.limiter(service, account));
  }
}

function lazyNodeChain(profile: string | undefined): AwsCredentialIdentityProvider {
  let provider: Promise<AwsCredentialIdentityProvider> | undefined;
  return async (props) => {
    provider ??= import('@aws-sdk/credential-providers').then(({ fromNodeProviderChain }) =>
      fromNodeProviderChain(profile ? { profile } : {}),
    );
    try {
      return await (
        await provider
      )(props);
    } catch (error) {
      throw mapAwsError(error, { action: 'load credentials' });
    }
  };
}
