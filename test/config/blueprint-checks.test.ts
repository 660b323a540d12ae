import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { blueprintFileProblems } from '../../src/config/blueprint-checks.js';
import { parseConfig } from '../../src/config/loader.js';
import { configProblems, exampleConfig, minimalConfig } from '../_helpers/config.js';

const problems = configProblems;

/** The problem at `path`, with its line. */
function problemAt(config: unknown, path: string): string {
  const found = problems(config);
  const hit = found.find((p) => p.includes(`: ${path}: `));
  expect(hit, `expected a problem at ${path} in:\n${found.join('\n')}`).toBeDefined();
  expect(hit).toMatch(/^estate\.yaml:\d+: /);
  return hit!;
}

const production = (c: Record<string, any>) => c.environments.find((e: any) => e.name === 'production');

describe('blueprint settings checks in the config schema', () => {
  it('accepts the bundled example', () => {
    expect(problems(exampleConfig())).toEqual([]);
  });

  it('fails when a prod environment has no callback URL, naming the key to set', () => {
    const c = exampleConfig();
    production(c).settings.auth.callbackUrls = [];
    expect(problemAt(c, 'environments[2].settings.auth.callbackUrls')).toMatch(
      /callbackUrls is empty.*set settings\.auth\.callbackUrls of environment production/,
    );
    // Unset, with no edge domain to derive it from: the same key, pointed at the environment.
    const d = exampleConfig();
    delete production(d).settings.auth.callbackUrls;
    delete production(d).settings.auth.logoutUrls;
    delete production(d).settings.edge;
    expect(problemAt(d, 'environments[2].settings.auth.callbackUrls')).toMatch(/callbackUrls is empty/);
  });

  it('points at the estate-wide key when that is where the value comes from', () => {
    const c = exampleConfig();
    c.blueprints.auth.callbackUrls = ['http://app.recall.example.com/'];
    expect(problemAt(c, 'blueprints.auth.callbackUrls')).toMatch(/must use https/);
    // Wrong for alice and integration alike, reported once.
    delete c.environments[0].settings.auth.callbackUrls;
    expect(problems(c).filter((p) => p.includes('blueprints.auth.callbackUrls'))).toHaveLength(1);
  });

  it("fails when a prod user pool has no SES sender; dev keeps Cognito's", () => {
    const c = exampleConfig();
    delete production(c).settings.auth.email;
    expect(problemAt(c, 'environments[2].settings.auth.email.fromEmail')).toMatch(
      /needs Amazon SES.*set settings\.auth\.email of environment production.*\.fromEmail/,
    );
    expect(problems(c)).toHaveLength(1);
    const d = exampleConfig();
    production(d).settings.auth.email = {
      fromEmail: 'a@other.example.com',
      sesVerifiedDomain: 'recall.example.com',
    };
    expect(problemAt(d, 'environments[2].settings.auth.email')).toMatch(/not inside sesVerifiedDomain/);
  });

  it('fails when api-eks has no availability zones, too few, or zones of another region', () => {
    const eks = (settings: Record<string, unknown> | undefined, region?: string) => {
      const c = minimalConfig();
      c.environments = [
        {
          name: 'kube',
          account: 'dev-alice',
          blueprints: ['api-eks'],
          ...(region ? { region } : {}),
          ...(settings ? { settings: { 'api-eks': settings } } : {}),
        },
      ];
      return c;
    };
    expect(problemAt(eks(undefined), 'environments[0].settings.api-eks.availabilityZones')).toMatch(
      /no availabilityZones.*set settings\.api-eks\.availabilityZones of environment kube/,
    );
    expect(
      problemAt(
        eks({ availabilityZones: ['eu-west-2a'] }),
        'environments[0].settings.api-eks.availabilityZones',
      ),
    ).toMatch(/at least two/);
    expect(
      problemAt(
        eks({ availabilityZones: ['us-east-1a', 'us-east-1b'] }),
        'environments[0].settings.api-eks.availabilityZones',
      ),
    ).toMatch(/us-east-1a, us-east-1b are not zones of eu-west-2/);
    expect(problems(eks({ availabilityZones: ['us-east-1a', 'us-east-1f'] }, 'us-east-1'))).toEqual([]);
    expect(
      problemAt(
        eks({ availabilityZones: ['eu-west-2a', 'eu-west-2b'], natGateways: 3 }),
        'environments[0].settings.api-eks.natGateways',
      ),
    ).toMatch(/from 0 to the number of zones \(2\)/);
  });

  it('fails when blueprints that depend on each other are not together', () => {
    const c = minimalConfig();
    c.blueprints = { edge: { fronts: 'api' } };
    c.environments = [
      { name: 'web', account: 'dev-alice', blueprints: ['edge'] },
      { name: 'api', account: 'dev-alice', blueprints: ['data', 'api-lambda'] },
    ];
    expect(problemAt(c, 'blueprints.edge.fronts')).toMatch(
      /fronts: api needs the api-lambda blueprint in environment web/,
    );
    expect(problemAt(c, 'environments[1].blueprints')).toMatch(/needs the auth blueprint/);
  });

  it('fails when an environment tag gives a mandatory tag a value it does not allow', () => {
    const c = exampleConfig();
    production(c).tags = { 'cost-center': 'marketing' };
    expect(problemAt(c, 'environments[2].tags.cost-center')).toMatch(
      /"marketing" is not an allowed value of the mandatory tag cost-center \(platform, product, customer\)/,
    );
  });
});

describe('blueprint folder checks', () => {
  it('fails when a relative codePath does not exist from the config folder, and passes once it does', () => {
    const dir = mkdtempSync(join(tmpdir(), 'estate-checks-'));
    const config = parseConfig(
      stringify({
        ...exampleConfig(),
        blueprints: { ...exampleConfig().blueprints, 'api-lambda': { codePath: 'api' } },
      }),
    );
    const found = blueprintFileProblems(config, dir);
    expect(found).toHaveLength(1);
    expect(found[0]!.path).toEqual(['blueprints', 'api-lambda', 'codePath']);
    expect(found[0]!.message).toContain(`codePath "api" is ${join(dir, 'api')}, which is not a folder`);
    mkdirSync(join(dir, 'api'));
    expect(blueprintFileProblems(config, dir)).toEqual([]);
  });
});
