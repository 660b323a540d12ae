import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ConfigError, formatIssue, parseConfig } from '../../src/config/loader.js';
import { configProblems, exampleConfig, minimalConfig } from '../_helpers/config.js';

function expectProblem(config: unknown, path: string, message: RegExp) {
  const found = configProblems(config);
  expect(
    found.some((p) => p.includes(`: ${path}: `) && message.test(p)),
    `expected ${path} ~ ${message} in:\n${found.join('\n')}`,
  ).toBe(true);
}

describe('config schema', () => {
  it('accepts the bundled example estate with all six account kinds', () => {
    const config = parseConfig(stringify(exampleConfig()));
    expect(new Set(config.accounts.map((a) => a.kind))).toEqual(
      new Set(['prod-multi-tenant', 'prod-single-tenant', 'integration', 'developer', 'monitoring', 'logs']),
    );
    expect(config.accounts.filter((a) => a.kind === 'developer')).toHaveLength(2);
    expect(config.environments.map((e) => e.name)).toEqual(['alice', 'integration', 'production']);
    // defaults are applied
    expect(config.organization.accessRoleName).toBe('OrganizationAccountAccessRole');
    expect(config.budgets?.notifications).toHaveLength(3);
  });

  it('accepts a minimal config', () => {
    expect(configProblems(minimalConfig())).toEqual([]);
  });

  it('rejects unknown keys at any depth, naming the key', () => {
    const c = minimalConfig();
    c.organization.homeregion = 'eu-west-1';
    c.accounts[0].colour = 'blue';
    expectProblem(c, 'organization.homeregion', /unknown key "homeregion"/);
    expectProblem(c, 'accounts[0].colour', /unknown key "colour"/);
  });

  it('rejects missing required fields', () => {
    const c = minimalConfig();
    delete c.organization.homeRegion;
    delete c.accounts[1].kind;
    expectProblem(c, 'organization.homeRegion', /is required/);
    expectProblem(c, 'accounts[1].kind', /is required|must be one of/);
  });

  it('rejects a wrong version', () => {
    expectProblem({ ...minimalConfig(), version: 2 }, 'version', /version must be 1/);
  });

  it('rejects duplicate account names and duplicate e-mails', () => {
    const c = minimalConfig();
    c.accounts.push({ name: 'logs', kind: 'logs', ou: 'Security' });
    c.accounts.push({ name: 'other', kind: 'logs', ou: 'Security', email: 'aws+dev-alice@acme.example.com' });
    expectProblem(c, 'accounts[2].name', /declared twice/);
    expectProblem(c, 'accounts[3].email', /already used by accounts\[1\]/);
  });

  it('rejects an account in an OU that does not exist, listing the known ones', () => {
    const c = minimalConfig();
    c.accounts[0].ou = 'Securty';
    expectProblem(c, 'accounts[0].ou', /OU "Securty" is not declared.*known OUs: Security, Sandbox/);
  });

  it('rejects invalid e-mails and e-mail patterns', () => {
    const c = minimalConfig();
    c.accounts[0].email = 'not-an-email';
    c.accounts[1].owner = 'alice@';
    c.organization.emailPattern = 'aws@acme.example.com';
    expectProblem(c, 'accounts[0].email', /e-mail address/);
    expectProblem(c, 'accounts[1].owner', /e-mail address/);
    expectProblem(c, 'organization.emailPattern', /\{account\}/);
  });

  it('rejects account names that break the naming rules', () => {
    for (const name of ['Dev_Alice', '-x', 'a', 'x'.repeat(51), 'ends-']) {
      const c = minimalConfig();
      c.accounts[0].name = name;
      expectProblem(c, 'accounts[0].name', /lowercase letters, digits and hyphens/);
    }
  });

  it('rejects zero or negative budgets and thresholds outside 1–1000 %', () => {
    const c = minimalConfig();
    c.accounts[1].budget = { monthlyUsd: 0 };
    c.budgets = {
      byKind: { logs: { monthlyUsd: -10 } },
      notifications: [
        { type: 'ACTUAL', thresholdPercent: 0 },
        { type: 'FORECASTED', thresholdPercent: 1001 },
      ],
    };
    expectProblem(c, 'accounts[1].budget.monthlyUsd', /positive/);
    expectProblem(c, 'budgets.byKind.logs.monthlyUsd', /positive/);
    expectProblem(c, 'budgets.notifications[0].thresholdPercent', /between 1 and 1000/);
    expectProblem(c, 'budgets.notifications[1].thresholdPercent', /between 1 and 1000/);
  });

  it('rejects more than 10 alert e-mails and a malformed SNS topic ARN', () => {
    const c = minimalConfig();
    c.budgets = {
      alertEmails: Array.from({ length: 11 }, (_, i) => `a${i}@acme.example.com`),
      snsTopicArn: 'arn:aws:sqs:eu-west-2:111122223333:alerts',
    };
    expectProblem(c, 'budgets.alertEmails', /at most 10/);
    expectProblem(c, 'budgets.snsTopicArn', /SNS topic ARN/);
  });

  it('rejects two notifications with the same type and threshold, which AWS Budgets refuses', () => {
    const c = minimalConfig();
    c.budgets = {
      notifications: [
        { type: 'ACTUAL', thresholdPercent: 80 },
        { type: 'FORECASTED', thresholdPercent: 80 },
        { type: 'ACTUAL', thresholdPercent: 80 },
      ],
      byKind: {
        developer: {
          monthlyUsd: 50,
          notifications: [
            { type: 'FORECASTED', thresholdPercent: 90 },
            { type: 'FORECASTED', thresholdPercent: 90 },
          ],
        },
      },
    };
    expectProblem(c, 'budgets.notifications[2]', /one notification per type and threshold/);
    expectProblem(c, 'budgets.byKind.developer.notifications[1]', /one notification per type and threshold/);
    expect(configProblems(c).filter((p) => p.includes('budgets.notifications[1]'))).toEqual([]);
  });

  it('rejects deny-new-resources enforcement with member placement or without any subscriber', () => {
    const c = minimalConfig();
    c.budgets = {
      placement: 'member',
      byKind: { developer: { monthlyUsd: 50, enforce: 'deny-new-resources' } },
    };
    expectProblem(c, 'budgets.byKind.developer.enforce', /placement: management/);
    expectProblem(c, 'budgets.byKind.developer.enforce', /at least one subscriber/);
    c.budgets = {
      alertEmails: ['finops@acme.example.com'],
      byKind: { developer: { monthlyUsd: 50, enforce: 'deny-new-resources' } },
    };
    expect(configProblems(c)).toEqual([]);
  });

  it('rejects an account budget override without any amount, and a budget action role outside the management account', () => {
    const c = minimalConfig();
    c.organization.managementAccountId = '111111111111';
    c.accounts[1].budget = { emails: ['alice@acme.example.com'] };
    c.budgets = { actionRoleArn: 'arn:aws:iam::222222222222:role/estate-budgets-action' };
    expectProblem(c, 'accounts[1].budget', /no monthlyUsd here nor under budgets.byKind.developer/);
    expectProblem(c, 'budgets.actionRoleArn', /management account 111111111111/);
    c.budgets = { actionRoleArn: 'arn:aws:sns:us-east-1:111111111111:topic' };
    expectProblem(c, 'budgets.actionRoleArn', /IAM role ARN/);
  });

  it('rejects TTL strings without a unit or with a bad unit, and accepts 72h and 7d', () => {
    for (const ttl of ['72', '3 days', '1y', '0h', '-1d']) {
      const c = minimalConfig();
      c.environments = [{ name: 'alice', account: 'dev-alice', blueprints: ['data'], ttl }];
      expectProblem(c, 'environments[0].ttl', /30m, 72h, 7d or 2w/);
    }
    for (const ttl of ['72h', '7d', '30m', '2w']) {
      const c = minimalConfig();
      c.environments = [{ name: 'alice', account: 'dev-alice', blueprints: ['data'], ttl }];
      expect(configProblems(c)).toEqual([]);
    }
  });

  it('rejects unknown blueprint names and environments in undeclared accounts', () => {
    const c = minimalConfig();
    c.environments = [{ name: 'alice', account: 'dev-alicia', blueprints: ['data', 'teleport'] }];
    expectProblem(c, 'environments[0].blueprints[1]', /must be one of "edge"/);
    expectProblem(c, 'environments[0].account', /account "dev-alicia" is not declared/);
  });

  it('rejects tag keys and values AWS would reject', () => {
    const c = minimalConfig();
    c.accounts[0].tags = {
      'aws:owner': 'x',
      ['k'.repeat(129)]: 'x',
      'bad#key': 'x',
      ok: 'v'.repeat(257),
      fine: 'bad<value>',
    };
    expectProblem(c, 'accounts[0].tags.aws:owner', /reserved prefix "aws:"/);
    expectProblem(c, `accounts[0].tags.${'k'.repeat(129)}`, /1–128 characters/);
    expectProblem(c, 'accounts[0].tags.bad#key', /characters AWS rejects/);
    expectProblem(c, 'accounts[0].tags.ok', /AWS allows 256/);
    expectProblem(c, 'accounts[0].tags.fine', /characters AWS rejects/);
  });

  it('rejects more than 50 tags on an account', () => {
    const c = minimalConfig();
    c.accounts[0].tags = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`t${i}`, 'v']));
    expectProblem(c, 'accounts[0].tags', /at most 50/);
  });

  it('rejects a mandatory tag that an account has no value for', () => {
    const c = minimalConfig();
    c.tags = { mandatory: [{ key: 'cost-center' }] };
    expectProblem(c, 'accounts[0].tags', /mandatory tag "cost-center" has no value/);
  });

  it('rejects a mandatory tag value outside its allowed list', () => {
    const c = minimalConfig();
    c.tags = { mandatory: [{ key: 'cost-center', default: 'platform', allowed: ['platform'] }] };
    c.accounts[1].tags = { 'cost-center': 'marketing' };
    expectProblem(c, 'accounts[1].tags.cost-center', /not an allowed value/);
  });

  it('rejects Control Tower accounts that are missing or of the wrong kind', () => {
    const c = minimalConfig();
    c.controlTower = { logArchiveAccount: 'dev-alice', auditAccount: 'audit' };
    expectProblem(c, 'controlTower.logArchiveAccount', /kind developer; expected logs/);
    expectProblem(c, 'controlTower.auditAccount', /"audit" is not declared/);
  });

  it('rejects OU trees deeper than five levels and duplicate sibling OUs', () => {
    const c = minimalConfig();
    c.organizationalUnits.push({
      name: 'L1',
      children: [
        {
          name: 'L2',
          children: [
            {
              name: 'L3',
              children: [{ name: 'L4', children: [{ name: 'L5', children: [{ name: 'L6' }] }] }],
            },
          ],
        },
      ],
    });
    c.organizationalUnits.push({ name: 'Sandbox' });
    expectProblem(c, 'organizationalUnits', /at most 5 levels/);
    expectProblem(c, 'organizationalUnits[3].name', /"Sandbox" is declared twice/);
  });

  it('rejects policies that target unknown OUs or name neither builtin nor file', () => {
    const c = minimalConfig();
    c.policies = [
      { name: 'p1', type: 'scp', builtin: 'deny-root-user', targets: ['Nowhere'] },
      { name: 'p2', type: 'scp', targets: ['Root'] },
    ];
    expectProblem(c, 'policies[0].targets[0]', /neither Root, a declared OU path nor an account name/);
    expectProblem(c, 'policies[1]', /exactly one of builtin or file/);
  });

  it('rejects a region outside the governed ones for an environment', () => {
    const c = minimalConfig();
    c.environments = [{ name: 'alice', account: 'dev-alice', blueprints: ['data'], region: 'ap-south-1' }];
    expectProblem(c, 'environments[0].region', /not in organization.governedRegions/);
  });

  it('reports every problem at once, with line numbers from the YAML', () => {
    const text = [
      'version: 1',
      'organization:',
      '  name: x',
      '  homeRegion: eu-west-2',
      '  governedRegions: [eu-west-2]',
      '  emailPattern: aws+{account}@x.example.com',
      'organizationalUnits:',
      '  - name: Sandbox',
      'accounts:',
      '  - name: dev-a',
      '    kind: developer',
      '    ou: Nowhere',
      '  - name: dev-b',
      '    kind: developr',
      '    ou: Sandbox',
    ].join('\n');
    try {
      parseConfig(text);
      expect.unreachable('should have thrown');
    } catch (error) {
      const lines = (error as ConfigError).issues.map(formatIssue);
      expect(lines).toContain(
        'estate.yaml:12: accounts[0].ou: OU "Nowhere" is not declared under organizationalUnits; known OUs: Sandbox',
      );
      expect(lines.some((l) => l.startsWith('estate.yaml:14: accounts[1].kind: must be one of'))).toBe(true);
      expect((error as ConfigError).exitCode).toBe(2);
    }
  });

  it('reports YAML syntax errors and duplicate keys with their line', () => {
    expect(() => parseConfig('version: 1\nversion: 1\n')).toThrow(ConfigError);
    try {
      parseConfig('version: 1\norganization: [\n');
      expect.unreachable('should have thrown');
    } catch (error) {
      expect((error as ConfigError).issues[0]!.line).toBeGreaterThanOrEqual(2);
    }
  });
});
