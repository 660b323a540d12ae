import { Duration } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { AUTH_DEFAULTS, bySize, type Size } from './defaults.js';
import { BlueprintError } from './errors.js';
import { CALLBACK_FIX, SES_FIX, SES_MISSING, callbackUrlProblem, sesDomainProblem } from './rules.js';
import { functionRole } from './grants.js';
import { acknowledge, logGroup, profileOf } from './profile.js';

export interface AuthBlueprintProps {
  /** dev: Essentials plan, MFA off, destroyable; prod: Plus plan with threat protection enforced, MFA optional, retained and deletion-protected. */
  readonly size: Size;
  /** Prefix of resource names, normally the environment name. */
  readonly namePrefix: string;
  /** Managed login domain prefix: `<prefix>.auth.<region>.amazoncognito.com`. Globally unique per region. */
  readonly domainPrefix: string;
  /** @default 'off' in dev, 'optional' in prod (TOTP; no SMS) */
  readonly mfa?: 'off' | 'optional' | 'required';
  /** OAuth callback URLs of the SPA. At least one is required. */
  readonly callbackUrls: readonly string[];
  /** @default - the callback URLs */
  readonly logoutUrls?: readonly string[];
  /** @default ['admins', 'users'] */
  readonly groups?: readonly string[];
  /**
   * Table the post-confirmation trigger writes each new user to (`PutItem` only).
   * @default - no post-confirmation trigger
   */
  readonly usersTable?: dynamodb.ITableV2;
  /** Partition key attribute (type S) of usersTable; it receives the user's `sub`. @default 'userId' */
  readonly usersTableKey?: string;
  /** @default 7 in dev, 365 in prod */
  readonly logRetentionDays?: number;
  /**
   * Send the pool's e-mail through Amazon SES from a verified identity of the stack's account.
   * Required in prod: Cognito's default sender has a small daily quota, so sign-ups and password
   * resets stop arriving.
   * @default - Cognito's default sender (dev only)
   */
  readonly email?: AuthEmail;
}

/** Cognito's SES sending: the identity must be verified in SES in sesRegion of the stack's account. */
export interface AuthEmail {
  readonly fromEmail: string;
  /** @default - no name */
  readonly fromName?: string;
  /** @default - fromEmail */
  readonly replyTo?: string;
  /** @default - the user pool's region */
  readonly sesRegion?: string;
  /** Verified domain identity holding fromEmail. @default - fromEmail is itself the verified identity */
  readonly sesVerifiedDomain?: string;
  /** @default - none */
  readonly configurationSetName?: string;
}

/** Post-confirmation trigger: records the confirmed user once (idempotent on retries). */
const POST_CONFIRMATION_CODE = `
const { DynamoDBClient, PutItemCommand } = require('@aws-sdk/client-dynamodb');
const db = new DynamoDBClient({});
exports.handler = async (event) => {
  if (event.triggerSource !== 'PostConfirmation_ConfirmSignUp') return event;
  const a = event.request.userAttributes;
  try {
    await db.send(new PutItemCommand({
      TableName: process.env.USERS_TABLE,
      Item: {
        [process.env.USER_ID_ATTRIBUTE]: { S: a.sub },
        email: { S: a.email },
        createdAt: { S: new Date().toISOString() },
      },
      ConditionExpression: 'attribute_not_exists(#id)',
      ExpressionAttributeNames: { '#id': process.env.USER_ID_ATTRIBUTE },
    }));
  } catch (e) {
    if (e.name !== 'ConditionalCheckFailedException') throw e;
  }
  return event;
};
`;

/**
 * Cognito user pool with e-mail sign-in, an app client for a single-page app (authorization
 * code + PKCE, no secret), the managed login domain, groups, and a post-confirmation trigger
 * that writes the new user to the data blueprint's users table.
 */
export class AuthBlueprint extends Construct {
  readonly userPool: cognito.UserPool;
  readonly client: cognito.UserPoolClient;
  readonly domain: cognito.UserPoolDomain;
  readonly postConfirmation?: lambda.Function;

  // Long by design: a construct declares its resources in the order they depend on each
  // other, each set once from its props; split into helpers, the readonly fields it exposes
  // would have to be assigned out of line.
  constructor(scope: Construct, id: string, props: AuthBlueprintProps) {
    super(scope, id);
    const urlProblem = callbackUrlProblem(props.callbackUrls, props.logoutUrls ?? [], props.size);
    if (urlProblem) throw new BlueprintError('auth', urlProblem, [CALLBACK_FIX]);
    const p = profileOf(props.size);
    const prod = props.size === 'prod';
    if (prod && !props.email) throw new BlueprintError('auth', SES_MISSING, [SES_FIX]);
    const mail = props.email;
    const domainProblem = mail && sesDomainProblem(mail);
    if (domainProblem) throw new BlueprintError('auth', domainProblem);
    const mfa = props.mfa ?? bySize(AUTH_DEFAULTS.mfa, props.size);

    if (props.usersTable) {
      const key = props.usersTableKey ?? 'userId';
      const logs = logGroup(this, 'PostConfirmationLogs', props.size, props.logRetentionDays);
      const fn = new lambda.Function(this, 'PostConfirmation', {
        description: 'Writes each confirmed user to the users table',
        runtime: lambda.Runtime.NODEJS_24_X,
        architecture: lambda.Architecture.ARM_64,
        handler: 'index.handler',
        code: lambda.Code.fromInline(POST_CONFIRMATION_CODE),
        memorySize: 256,
        timeout: Duration.seconds(5),
        tracing: lambda.Tracing.ACTIVE,
        logGroup: logs,
        role: functionRole(
          this,
          'PostConfirmationRole',
          logs,
          'Post-confirmation trigger: own logs, PutItem on the users table',
        ),
        environment: { USERS_TABLE: props.usersTable.tableName, USER_ID_ATTRIBUTE: key },
      });
      fn.addToRolePolicy(
        new iam.PolicyStatement({ actions: ['dynamodb:PutItem'], resources: [props.usersTable.tableArn] }),
      );
      // With an AWS managed or customer key, PutItem also needs the key; grant through the table.
      props.usersTable.encryptionKey?.grantEncryptDecrypt(fn);
      acknowledge(fn.role!, {
        'AwsSolutions-IAM5[Resource::*]':
          'X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level permissions (added by active tracing)',
      });
      this.postConfirmation = fn;
    }

    this.userPool = new cognito.UserPool(this, 'UserPool', {
      userPoolName: `${props.namePrefix}-users`,
      signInAliases: { email: true },
      signInCaseSensitive: false,
      selfSignUpEnabled: true,
      autoVerify: { email: true },
      keepOriginal: { email: true },
      standardAttributes: { email: { required: true, mutable: true } },
      passwordPolicy: {
        minLength: AUTH_DEFAULTS.passwordMinLength,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      mfa: { off: cognito.Mfa.OFF, optional: cognito.Mfa.OPTIONAL, required: cognito.Mfa.REQUIRED }[mfa],
      mfaSecondFactor: mfa === 'off' ? undefined : { otp: true, sms: false },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      email: mail ? cognito.UserPoolEmail.withSES({ ...mail }) : undefined,
      featurePlan: prod ? cognito.FeaturePlan.PLUS : cognito.FeaturePlan.ESSENTIALS,
      standardThreatProtectionMode: prod ? cognito.StandardThreatProtectionMode.FULL_FUNCTION : undefined,
      deletionProtection: p.deletionProtection,
      removalPolicy: p.removalPolicy,
      lambdaTriggers: this.postConfirmation ? { postConfirmation: this.postConfirmation } : undefined,
    });
    if (mfa !== 'required')
      acknowledge(this.userPool, {
        'AwsSolutions-COG2': `MFA is "${mfa}" by the ${props.size} profile or auth.mfa; required MFA would block sign-up for users without an authenticator app`,
      });
    if (!prod)
      acknowledge(this.userPool, {
        'AwsSolutions-COG8':
          'dev profile: the Plus feature plan (threat protection) is billed per active user; prod uses it and enforces threat protection',
      });

    this.client = this.userPool.addClient('SpaClient', {
      userPoolClientName: `${props.namePrefix}-spa`,
      generateSecret: false,
      authFlows: { userSrp: true },
      oAuth: {
        flows: { authorizationCodeGrant: true, implicitCodeGrant: false },
        scopes: [cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL, cognito.OAuthScope.PROFILE],
        callbackUrls: [...props.callbackUrls],
        logoutUrls: [...(props.logoutUrls ?? props.callbackUrls)],
      },
      supportedIdentityProviders: [cognito.UserPoolClientIdentityProvider.COGNITO],
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(30),
    });

    this.domain = this.userPool.addDomain('Domain', {
      cognitoDomain: { domainPrefix: props.domainPrefix },
      managedLoginVersion: cognito.ManagedLoginVersion.NEWER_MANAGED_LOGIN,
    });
    // Managed login (v2) shows an error page until the client has a branding style.
    new cognito.CfnManagedLoginBranding(this, 'Branding', {
      userPoolId: this.userPool.userPoolId,
      clientId: this.client.userPoolClientId,
      useCognitoProvidedValues: true,
    });

    for (const group of props.groups ?? AUTH_DEFAULTS.groups) {
      this.userPool.addGroup(`Group-${group}`, { groupName: group, description: `estate group ${group}` });
    }
  }
}
