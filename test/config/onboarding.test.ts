import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { parseConfig } from '../../src/config/loader.js';
import { onboardingSettings } from '../../src/config/onboarding.js';
import { estateJsonSchema } from '../../src/config/json-schema.js';
import { configProblems, minimalConfig } from '../_helpers/config.js';

/** The minimal estate (dev-alice in Sandbox) with an onboarding block (Given). */
function withOnboarding(onboarding: Record<string, unknown> = {}): Record<string, any> {
  return { ...minimalConfig(), onboarding };
}

function problemsAt(config: unknown, path: string): string[] {
  return configProblems(config).filter((p) => p.includes(`: ${path}: `));
}

const settingsOf = (config: Record<string, any>) => onboardingSettings(parseConfig(stringify(config)));

describe('onboarding config', () => {
  it('Given an empty block, Then every default is filled in, the developer OU from the developer accounts', () => {
    expect(configProblems(withOnboarding())).toEqual([]);
    expect(settingsOf(withOnboarding())).toEqual({
      permissionSet: {
        name: 'EstateDeveloper',
        managedPolicyArns: ['arn:aws:iam::aws:policy/PowerUserAccess'],
        sessionDuration: 'PT8H',
      },
      developerOu: 'Sandbox',
      ttl: '72h',
      blueprints: ['auth', 'data', 'api-lambda'],
      platformEmails: [],
      suspendedOu: 'Suspended',
    });
  });

  it('Given no block, Then the settings still resolve (the block is optional)', () => {
    const config = minimalConfig();
    expect(configProblems(config)).toEqual([]);
    expect(settingsOf(config).developerOu).toBe('Sandbox');
    expect(settingsOf(config).permissionSet.name).toBe('EstateDeveloper');
  });

  it('takes the budget from onboarding.budgetUsd, else from budgets.byKind.developer, else none', () => {
    const byKind = { ...withOnboarding(), budgets: { byKind: { developer: { monthlyUsd: 100 } } } };
    expect(settingsOf(byKind).budgetUsd).toBe(100);
    expect(settingsOf({ ...byKind, onboarding: { budgetUsd: 250 } }).budgetUsd).toBe(250);
    expect(settingsOf(withOnboarding()).budgetUsd).toBeUndefined();
  });

  it('writes the default managed policy in the partition of the home region', () => {
    const config = withOnboarding();
    config.organization.homeRegion = 'cn-north-1';
    config.organization.governedRegions = ['cn-north-1'];
    expect(settingsOf(config).permissionSet.managedPolicyArns).toEqual([
      'arn:aws-cn:iam::aws:policy/PowerUserAccess',
    ]);
  });

  it('accepts every field set explicitly', () => {
    const config = withOnboarding({
      permissionSet: {
        name: 'Dev',
        managedPolicyArns: ['arn:aws:iam::aws:policy/ReadOnlyAccess'],
        sessionDuration: 'PT1H30M',
      },
      developerOu: 'Sandbox',
      ttl: '7d',
      blueprints: ['data'],
      budgetUsd: 50,
      platformEmails: ['platform@acme.example.com'],
      suspendedOu: 'Security/Suspended',
    });
    expect(configProblems(config)).toEqual([]);
    expect(settingsOf(config)).toMatchObject({ ttl: '7d', budgetUsd: 50, suspendedOu: 'Security/Suspended' });
  });

  it('rejects a missing developer OU when the developer accounts are in two OUs, naming them', () => {
    const config = withOnboarding();
    config.organizationalUnits.push({ name: 'Developers' });
    config.accounts.push({ name: 'dev-bob', kind: 'developer', ou: 'Developers' });
    expect(problemsAt(config, 'onboarding.developerOu')).toEqual([
      expect.stringContaining(
        'onboarding.developerOu: is required: the developer accounts are in 2 OUs (Sandbox, Developers); set onboarding.developerOu to the one new developer accounts go in',
      ),
    ]);
    expect(settingsOf({ ...config, onboarding: { developerOu: 'Developers' } }).developerOu).toBe(
      'Developers',
    );
  });

  it('does not count recycled developer accounts, nor those in the suspended OU, when deriving the developer OU', () => {
    const config = withOnboarding();
    config.organizationalUnits.push({ name: 'Old' }, { name: 'Suspended' });
    config.accounts.push(
      { name: 'dev-old', kind: 'developer', ou: 'Old', tags: { 'estate:recycled': '2026-01-01' } },
      { name: 'dev-gone', kind: 'developer', ou: 'Suspended' },
    );
    expect(problemsAt(config, 'onboarding.developerOu')).toEqual([]);
    expect(settingsOf(config).developerOu).toBe('Sandbox');
  });

  it('rejects a missing developer OU when there is no developer account', () => {
    const config = withOnboarding();
    config.accounts = config.accounts.filter((a: { kind: string }) => a.kind !== 'developer');
    const [problem] = problemsAt(config, 'onboarding.developerOu');
    expect(problem).toMatch(/is required: no account of kind developer/);
  });

  it('rejects a developer OU that is not declared, listing the known OUs', () => {
    expect(problemsAt(withOnboarding({ developerOu: 'Sandbx' }), 'onboarding.developerOu')).toEqual([
      expect.stringContaining(
        'OU "Sandbx" is not declared under organizationalUnits; known OUs: Security, Sandbox',
      ),
    ]);
  });

  it('rejects a suspended OU that is the developer OU, or under an undeclared parent', () => {
    expect(
      problemsAt(
        withOnboarding({ developerOu: 'Sandbox', suspendedOu: 'Sandbox' }),
        'onboarding.suspendedOu',
      ),
    ).toEqual([expect.stringContaining('"Sandbox" is also the developer OU')]);
    expect(problemsAt(withOnboarding({ suspendedOu: 'Parked/Suspended' }), 'onboarding.suspendedOu')).toEqual(
      [expect.stringContaining('its parent "Parked" is not declared')],
    );
  });

  it('rejects session durations Identity Center does not allow, naming the field', () => {
    for (const [value, message] of [
      ['8h', 'is not an ISO 8601 duration'],
      ['PT30M', 'outside what IAM Identity Center allows for a session: 1 to 12 hours'],
      ['PT13H', 'outside what IAM Identity Center allows'],
    ] as const)
      expect(
        problemsAt(
          withOnboarding({ permissionSet: { sessionDuration: value } }),
          'onboarding.permissionSet.sessionDuration',
        ),
      ).toEqual([expect.stringContaining(message)]);
  });

  it('rejects a permission set name Identity Center does not take', () => {
    expect(
      problemsAt(
        withOnboarding({ permissionSet: { name: 'Estate Developer' } }),
        'onboarding.permissionSet.name',
      ),
    ).toEqual([expect.stringContaining('"Estate Developer" is not a permission set name')]);
  });

  it('rejects customer policy ARNs and ARNs of another partition', () => {
    const customer = withOnboarding({
      permissionSet: { managedPolicyArns: ['arn:aws:iam::111122223333:policy/mine'] },
    });
    expect(problemsAt(customer, 'onboarding.permissionSet.managedPolicyArns[0]')).toEqual([
      expect.stringContaining('is not an AWS managed policy ARN'),
    ]);
    const gov = withOnboarding({
      permissionSet: { managedPolicyArns: ['arn:aws-us-gov:iam::aws:policy/PowerUserAccess'] },
    });
    expect(problemsAt(gov, 'onboarding.permissionSet.managedPolicyArns[0]')).toEqual([
      expect.stringContaining('is in partition aws-us-gov, but the home region eu-west-2 is in aws'),
    ]);
  });

  it('rejects a malformed ttl, a negative budget, a bad e-mail and more than 9 platform e-mails', () => {
    const config = withOnboarding({
      ttl: '3 days',
      budgetUsd: -5,
      platformEmails: ['not-an-email'],
    });
    const tooMany = withOnboarding({
      platformEmails: Array.from({ length: 10 }, (_, i) => `p${i}@acme.example.com`),
    });
    expect(problemsAt(config, 'onboarding.ttl')).toEqual([
      expect.stringContaining('ttl must be a number and a unit'),
    ]);
    expect(problemsAt(config, 'onboarding.budgetUsd')).toEqual([expect.stringContaining('positive')]);
    expect(problemsAt(config, 'onboarding.platformEmails[0]')).toEqual([
      expect.stringContaining('must be an e-mail address'),
    ]);
    expect(problemsAt(tooMany, 'onboarding.platformEmails')).toEqual([
      expect.stringContaining('at most 9: AWS Budgets allows 10 e-mail subscribers per notification'),
    ]);
  });

  it('rejects unknown keys in the block, suggesting the one meant', () => {
    expect(problemsAt(withOnboarding({ ttll: '72h' }), 'onboarding.ttll')).toEqual([
      expect.stringContaining('unknown key "ttll"; did you mean "ttl"?'),
    ]);
  });

  it('is in the JSON Schema editors complete, as the last top-level key', () => {
    const schema = estateJsonSchema() as { properties: Record<string, any> };
    expect(Object.keys(schema.properties).at(-1)).toBe('onboarding');
    expect(Object.keys(schema.properties.onboarding.properties)).toEqual([
      'permissionSet',
      'developerOu',
      'ttl',
      'blueprints',
      'budgetUsd',
      'platformEmails',
      'suspendedOu',
    ]);
  });
});
