import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { parseConfig } from '../../src/config/loader.js';
import { configProblems, exampleConfig, minimalConfig } from '../_helpers/config.js';

const withDeployments = (deployments: unknown, homeRegion = 'eu-west-2') => {
  const c = minimalConfig();
  c.organization.homeRegion = homeRegion;
  c.organization.governedRegions = [homeRegion];
  return { ...c, deployments };
};

/** The problems of a config, only those under deployments. */
const problems = (config: unknown) => configProblems(config).filter((p) => p.includes(': deployments'));

describe('deployments', () => {
  it('is optional, and when given defaults the qualifier to the CDK one and concurrency to 4', () => {
    expect(parseConfig(stringify(minimalConfig())).deployments).toBeUndefined();
    const parsed = parseConfig(
      stringify(withDeployments({ executionPolicies: ['arn:aws:iam::aws:policy/PowerUserAccess'] })),
    );
    expect(parsed.deployments).toEqual({
      qualifier: 'hnb659fds',
      concurrency: 4,
      executionPolicies: ['arn:aws:iam::aws:policy/PowerUserAccess'],
    });
  });

  it('accepts configured account names and 12-digit ids as trusted accounts', () => {
    const c = withDeployments({
      trustedAccounts: ['dev-alice', '111122223333'],
      qualifier: 'estate1',
      concurrency: 20,
    });
    expect(configProblems(c)).toEqual([]);
  });

  it('rejects a qualifier that is not 1–10 lowercase letters or digits, naming the field', () => {
    for (const qualifier of ['Estate', 'estate-one', '', 'abcdefghijk'])
      expect(problems(withDeployments({ qualifier }))).toEqual([
        expect.stringMatching(
          new RegExp(
            `: deployments\\.qualifier: "${qualifier}" is not a qualifier: .*1–10 lowercase letters or digits.*hnb659fds`,
          ),
        ),
      ]);
  });

  it('rejects a trusted account that is neither configured nor an account id, listing the known names', () => {
    expect(problems(withDeployments({ trustedAccounts: ['dev-alice', 'dev-bob', '1234'] }))).toEqual([
      expect.stringMatching(
        /deployments\.trustedAccounts\[1\]: "dev-bob" is neither .* known: logs, dev-alice/,
      ),
      expect.stringMatching(/deployments\.trustedAccounts\[2\]: "1234" is neither/),
    ]);
  });

  it('rejects execution policies that are not IAM policy ARNs', () => {
    const bad = [
      'AdministratorAccess',
      'arn:aws:iam::aws:role/Admin',
      'arn:aws:iam::1234:policy/x',
      'arn:aws:s3:::bucket',
    ];
    const found = problems(withDeployments({ executionPolicies: bad }));
    expect(found).toHaveLength(4);
    found.forEach((p, i) =>
      expect(p).toContain(
        `deployments.executionPolicies[${i}]: "${bad[i]}" must be an IAM managed policy ARN`,
      ),
    );
    expect(problems(withDeployments({ executionPolicies: [] }))).toEqual([
      expect.stringMatching(/deployments\.executionPolicies: list at least one managed policy ARN/),
    ]);
  });

  it("rejects execution policies outside the home region's partition", () => {
    expect(
      problems(
        withDeployments({ executionPolicies: ['arn:aws:iam::aws:policy/ReadOnlyAccess'] }, 'cn-north-1'),
      ),
    ).toEqual([
      expect.stringMatching(
        /deployments\.executionPolicies\[0\]: .* is in partition aws, but the home region cn-north-1 is in aws-cn; write arn:aws-cn:iam::/,
      ),
    ]);
    expect(
      problems(
        withDeployments(
          { executionPolicies: ['arn:aws-cn:iam::111122223333:policy/estate/cfn-exec'] },
          'cn-north-1',
        ),
      ),
    ).toEqual([]);
  });

  it('rejects a concurrency outside 1–20 or not whole', () => {
    expect(problems(withDeployments({ concurrency: 0 }))).toEqual([
      expect.stringMatching(/deployments\.concurrency: concurrency must be at least 1, not 0/),
    ]);
    expect(problems(withDeployments({ concurrency: 21 }))).toEqual([
      expect.stringMatching(/deployments\.concurrency: concurrency is at most 20, not 21/),
    ]);
    expect(problems(withDeployments({ concurrency: 2.5 }))).toEqual([
      expect.stringMatching(
        /deployments\.concurrency: concurrency must be a whole number of stacks, not 2.5/,
      ),
    ]);
  });

  it('rejects unknown keys in the block', () => {
    expect(problems(withDeployments({ qualifer: 'x' }))).toEqual([
      expect.stringMatching(/deployments\.qualifer: unknown key "qualifer"/),
    ]);
  });

  it('is set in the bundled example, with an execution policy that is not AdministratorAccess', () => {
    const example = parseConfig(stringify(exampleConfig()));
    expect(example.deployments?.executionPolicies?.length).toBeGreaterThan(0);
    expect(example.deployments?.executionPolicies).not.toContain(
      'arn:aws:iam::aws:policy/AdministratorAccess',
    );
  });
});
