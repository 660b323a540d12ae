import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/loader.js';
import { renderInitialConfig } from '../../src/config/init.js';
import { isKnownRegion, nearRegions, partitionOfRegion, regionProblem } from '../../src/config/regions.js';
import { configProblems, minimalConfig } from '../_helpers/config.js';

describe('regions from the SDK partition data', () => {
  it('knows real regions in every partition and nothing that merely looks like one', () => {
    for (const r of ['eu-west-2', 'us-east-1', 'ap-southeast-2', 'cn-north-1', 'us-gov-west-1'])
      expect(isKnownRegion(r), r).toBe(true);
    // Shaped like a region (the old regex accepted these), but not one.
    for (const r of ['eu-wset-2', 'eu-west-9', 'xx-east-1', 'aws-global', 'us-gov-global', ''])
      expect(isKnownRegion(r), r).toBe(false);
    expect(partitionOfRegion('cn-northwest-1')).toBe('aws-cn');
  });

  it('suggests the region a typo was meant to be', () => {
    expect(nearRegions('eu-wset-2')).toContain('eu-west-2');
    expect(nearRegions('euwest-2')).toEqual(['eu-west-2']);
    expect(nearRegions('EU-WEST-2')).toEqual(['eu-west-2']);
    expect(nearRegions('us-east1')).toEqual(['us-east-1']);
    expect(regionProblem('eu-wset-2')).toMatch(/did you mean eu-west-2/);
    expect(regionProblem('narnia')).not.toMatch(/did you mean/);
  });

  it('reports a misspelt home region as file:line: path: message with the fix', () => {
    const c = minimalConfig();
    c.organization.homeRegion = 'eu-wset-2';
    const found = configProblems(c);
    expect(found).toContainEqual(
      expect.stringMatching(
        /^estate\.yaml:\d+: organization\.homeRegion: "eu-wset-2" is not an AWS region.*did you mean eu-west-2/,
      ),
    );
  });

  it('checks governed regions, environment regions and the region in an SNS topic ARN', () => {
    const c = minimalConfig();
    c.organization.governedRegions = ['eu-west-2', 'us-east-1', 'eu-centrl-1'];
    c.environments = [{ name: 'alice', account: 'dev-alice', blueprints: ['data'], region: 'eu-west-22' }];
    c.budgets = { snsTopicArn: 'arn:aws:sns:eu-wast-1:111122223333:alerts' };
    const found = configProblems(c).join('\n');
    expect(found).toMatch(/organization\.governedRegions\[2\]: "eu-centrl-1" .*did you mean eu-central-1/);
    expect(found).toMatch(/environments\[0\]\.region: "eu-west-22" .*did you mean eu-west-2/);
    expect(found).toMatch(/budgets\.snsTopicArn: the topic's region: "eu-wast-1" .*did you mean eu-west-1/);
  });
});

describe('environments with the edge blueprint', () => {
  it('fails when us-east-1 is not governed, pointing at the edge entry and saying what to add', () => {
    const c = minimalConfig();
    c.organization.governedRegions = ['eu-west-2'];
    c.environments = [{ name: 'alice', account: 'dev-alice', blueprints: ['data', 'edge'] }];
    expect(configProblems(c)).toContainEqual(
      expect.stringMatching(
        /^estate\.yaml:\d+: environments\[0\]\.blueprints\[1\]: the edge blueprint deploys its stack to us-east-1.*add us-east-1 to organization\.governedRegions$/,
      ),
    );
  });

  it('passes when us-east-1 is governed, and environments without edge never need it', () => {
    const c = minimalConfig();
    c.environments = [{ name: 'alice', account: 'dev-alice', blueprints: ['edge', 'data'] }];
    expect(configProblems(c)).toEqual([]);
    c.organization.governedRegions = ['eu-west-2'];
    c.environments = [{ name: 'alice', account: 'dev-alice', blueprints: ['data'] }];
    expect(configProblems(c)).toEqual([]);
  });
});

describe('regions across partitions', () => {
  it('rejects a governed region of another partition than the home region', () => {
    const c = minimalConfig();
    c.organization.governedRegions = ['eu-west-2', 'us-east-1', 'cn-north-1'];
    expect(configProblems(c)).toContainEqual(
      expect.stringMatching(
        /organization\.governedRegions\[2\]: cn-north-1 is in the aws-cn partition but the home region eu-west-2 is in aws/,
      ),
    );
  });
});

describe('estate init and the edge rule', () => {
  it('governs us-east-1 when the template writes an edge environment, whatever regions were given', () => {
    const answers = {
      template: 'recall' as const,
      organizationName: 'acme',
      emailPattern: 'aws+{account}@acme.example.com',
      homeRegion: 'eu-west-2',
      governedRegions: ['eu-west-2'],
      developers: ['alice'],
      budgets: {},
      alertEmails: ['ops@acme.example.com'],
      production: {
        domainName: 'app.acme.example.com',
        hostedZoneId: 'Z0123456789ABCDEFGHIJ',
        hostedZoneName: 'acme.example.com',
        senderEmail: 'no-reply@acme.example.com',
      },
    };
    const text = renderInitialConfig(answers);
    expect(parseConfig(text).organization.governedRegions).toEqual(['eu-west-2', 'us-east-1']);
  });
});

describe('estate init and the deployments block', () => {
  const answers = (homeRegion: string) => ({
    template: 'minimal' as const,
    organizationName: 'acme',
    emailPattern: 'aws+{account}@acme.example.com',
    homeRegion,
    governedRegions: [homeRegion],
    developers: ['alice'],
    budgets: {},
    alertEmails: ['ops@acme.example.com'],
  });

  it('proposes execution policies, commented out, that validate once uncommented', () => {
    const text = renderInitialConfig(answers('eu-west-2'));
    // As written, no policy is chosen for the user.
    expect(parseConfig(text).deployments).toBeUndefined();
    const uncommented = text.replace(/^# (deployments:| {2}\S.*)$/gm, '$1');
    expect(parseConfig(uncommented).deployments).toEqual({
      qualifier: 'hnb659fds',
      concurrency: 4,
      executionPolicies: ['arn:aws:iam::aws:policy/PowerUserAccess', 'arn:aws:iam::aws:policy/IAMFullAccess'],
    });
  });
});
