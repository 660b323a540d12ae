import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { AuthBlueprint, type AuthBlueprintProps } from '../../src/blueprints/auth.js';
import { DataBlueprint } from '../../src/blueprints/data.js';
import { newApp, resourcesOf, stackIn, template } from './_helpers.js';

// Given a users table in its own stack, a dev pool with the trigger writing to it, and a prod
// pool without a trigger, synthesised once.
let dev: Template;
let prod: Template;
beforeAll(() => {
  const app = newApp();
  const data = new DataBlueprint(stackIn(app, 'data'), 'Data', {
    size: 'dev',
    namePrefix: 'dev',
    tables: [{ name: 'users', partitionKey: { name: 'sub' } }],
  });
  const devStack = stackIn(app, 'dev');
  const prodStack = stackIn(app, 'prod');
  new AuthBlueprint(devStack, 'Auth', {
    size: 'dev',
    namePrefix: 'dev',
    domainPrefix: 'acme-dev',
    callbackUrls: ['http://localhost:5173/'],
    usersTable: data.table('users'),
    usersTableKey: 'sub',
  });
  new AuthBlueprint(prodStack, 'Auth', {
    size: 'prod',
    namePrefix: 'prod',
    domainPrefix: 'acme-prod',
    callbackUrls: ['https://app.example.com/callback'],
    logoutUrls: ['https://app.example.com/'],
    groups: ['admins', 'members', 'support'],
    email: { fromEmail: 'no-reply@example.com', fromName: 'Example', sesRegion: 'eu-west-1' },
  });
  dev = template(devStack);
  prod = template(prodStack);
});

const pool = (t: Template) => resourcesOf(t, 'AWS::Cognito::UserPool')[0]![1];

describe('auth blueprint', () => {
  it('signs in with a verified e-mail and a strong password policy', () => {
    for (const t of [dev, prod]) {
      const p = pool(t).Properties;
      expect(p.UsernameAttributes).toEqual(['email']);
      expect(p.AutoVerifiedAttributes).toEqual(['email']);
      expect(p.UsernameConfiguration).toEqual({ CaseSensitive: false });
      expect(p.Policies.PasswordPolicy).toEqual({
        MinimumLength: 12,
        RequireLowercase: true,
        RequireUppercase: true,
        RequireNumbers: true,
        RequireSymbols: true,
        TemporaryPasswordValidityDays: 3,
      });
      expect(p.AccountRecoverySetting).toEqual({
        RecoveryMechanisms: [{ Name: 'verified_email', Priority: 1 }],
      });
    }
  });

  it('has MFA off in dev and optional TOTP (no SMS) in prod', () => {
    expect(pool(dev).Properties.MfaConfiguration).toBe('OFF');
    expect(pool(prod).Properties.MfaConfiguration).toBe('OPTIONAL');
    expect(pool(prod).Properties.EnabledMfas).toEqual(['SOFTWARE_TOKEN_MFA']);
  });

  it('enforces threat protection (Plus plan), deletion protection and RETAIN in prod only', () => {
    expect(pool(prod).Properties.UserPoolTier).toBe('PLUS');
    expect(pool(prod).Properties.UserPoolAddOns).toEqual({ AdvancedSecurityMode: 'ENFORCED' });
    expect(pool(prod).Properties.DeletionProtection).toBe('ACTIVE');
    expect(pool(prod).DeletionPolicy).toBe('Retain');
    expect(pool(dev).Properties.UserPoolTier).toBe('ESSENTIALS');
    expect(pool(dev).Properties.UserPoolAddOns).toBeUndefined();
    expect(pool(dev).Properties.DeletionProtection).toBe('INACTIVE');
    expect(pool(dev).DeletionPolicy).toBe('Delete');
  });

  it('has a SPA client: authorization code (PKCE), no secret, no implicit flow, the given URLs', () => {
    prod.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      GenerateSecret: false,
      AllowedOAuthFlows: ['code'],
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthScopes: ['openid', 'email', 'profile'],
      CallbackURLs: ['https://app.example.com/callback'],
      LogoutURLs: ['https://app.example.com/'],
      SupportedIdentityProviders: ['COGNITO'],
      PreventUserExistenceErrors: 'ENABLED',
      EnableTokenRevocation: true,
      ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
    });
    // Logout URLs default to the callback URLs.
    dev.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      CallbackURLs: ['http://localhost:5173/'],
      LogoutURLs: ['http://localhost:5173/'],
    });
  });

  it('has a managed login (v2) domain with a branding style for the client', () => {
    prod.hasResourceProperties('AWS::Cognito::UserPoolDomain', {
      Domain: 'acme-prod',
      ManagedLoginVersion: 2,
    });
    prod.hasResourceProperties('AWS::Cognito::ManagedLoginBranding', { UseCognitoProvidedValues: true });
  });

  it('creates the groups: defaults in dev, the listed ones in prod', () => {
    const names = (t: Template) =>
      resourcesOf(t, 'AWS::Cognito::UserPoolGroup')
        .map(([, g]) => g.Properties.GroupName)
        .sort();
    expect(names(dev)).toEqual(['admins', 'users']);
    expect(names(prod)).toEqual(['admins', 'members', 'support']);
  });

  it('triggers a post-confirmation Lambda that may only PutItem on the users table', () => {
    expect(pool(dev).Properties.LambdaConfig).toEqual({ PostConfirmation: expect.anything() });
    dev.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      TracingConfig: { Mode: 'Active' },
      Environment: { Variables: { USERS_TABLE: Match.anyValue(), USER_ID_ATTRIBUTE: 'sub' } },
    });
    const statements = resourcesOf(dev, 'AWS::IAM::Policy').flatMap(
      ([, p]) => p.Properties.PolicyDocument.Statement,
    );
    const dynamo = statements.filter((s: any) => JSON.stringify(s.Action).includes('dynamodb'));
    expect(dynamo).toEqual([
      {
        Action: 'dynamodb:PutItem',
        Effect: 'Allow',
        Resource: { 'Fn::ImportValue': expect.stringMatching(/TableusersArn|Tableusers.*Arn/) },
      },
    ]);
    // No AWS managed policy: the role writes only to its own log group.
    for (const [, role] of resourcesOf(dev, 'AWS::IAM::Role'))
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    expect(pool(prod).Properties.LambdaConfig).toBeUndefined();
    prod.resourceCountIs('AWS::Lambda::Function', 0);
  });
});

describe('auth e-mail', () => {
  it("sends prod mail through SES from the verified identity; dev keeps Cognito's sender", () => {
    expect(pool(prod).Properties.EmailConfiguration).toMatchObject({
      EmailSendingAccount: 'DEVELOPER',
      From: 'Example <no-reply@example.com>',
      SourceArn: {
        'Fn::Join': ['', expect.arrayContaining([':ses:eu-west-1:', ':identity/no-reply@example.com'])],
      },
    });
    expect(pool(dev).Properties.EmailConfiguration ?? {}).not.toHaveProperty(
      'EmailSendingAccount',
      'DEVELOPER',
    );
  });
});

describe('auth blueprint props', () => {
  const build = (props: Partial<AuthBlueprintProps>, size: 'dev' | 'prod' = 'dev') =>
    new AuthBlueprint(stackIn(newApp(), 's'), 'Auth', {
      size,
      namePrefix: 'x',
      domainPrefix: 'x',
      callbackUrls: ['https://app.example.com/'],
      ...(size === 'prod' ? { email: { fromEmail: 'no-reply@example.com' } } : {}),
      ...props,
    });

  it("fails when a prod pool has no SES sender (Cognito's default sender has a small daily quota)", () => {
    expect(() => build({ email: undefined }, 'prod')).toThrow(/prod user pool needs Amazon SES/);
  });

  it('fails when fromEmail is outside sesVerifiedDomain', () => {
    expect(() => build({ email: { fromEmail: 'a@other.com', sesVerifiedDomain: 'example.com' } })).toThrow(
      /not inside sesVerifiedDomain example.com/,
    );
  });

  it('fails when there is no callback URL', () => {
    expect(() => build({ callbackUrls: [] })).toThrow(/callbackUrls is empty/);
  });

  it('fails when a callback URL uses http for a host other than localhost', () => {
    expect(() => build({ callbackUrls: ['http://app.example.com/'] })).toThrow(/must use https/);
  });

  it('fails when a prod pool redirects to localhost', () => {
    expect(() => build({ callbackUrls: ['http://localhost:5173/'] }, 'prod')).toThrow(
      /must not redirect to http:\/\/localhost/,
    );
  });
});
