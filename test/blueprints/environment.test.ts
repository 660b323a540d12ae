import { describe, expect, it } from 'vitest';
import { environmentTags, isProtected, stackRoles } from '../../src/blueprints/environment.js';
import { estate } from './_helpers.js';

const stack = (name: string, blueprint: string, dependsOn: string[] = []) => ({ name, blueprint, dependsOn });

describe('stackRoles', () => {
  it('keeps data, auth, ai and Bedrock logging stateful, and the API compute stateless', () => {
    const roles = stackRoles([
      stack('dev-data', 'data'),
      stack('estate-bedrock-logging', 'bedrock-logging'),
      stack('dev-ai', 'ai', ['estate-bedrock-logging']),
      stack('dev-auth', 'auth', ['dev-data']),
      stack('dev-api-lambda', 'api-lambda', ['dev-auth', 'dev-data', 'dev-ai']),
      stack('dev-api-eks', 'api-eks', ['dev-data']),
    ]);
    expect(Object.fromEntries(roles)).toEqual({
      'dev-data': 'stateful',
      'estate-bedrock-logging': 'stateful',
      'dev-ai': 'stateful',
      'dev-auth': 'stateful',
      'dev-api-lambda': 'stateless',
      'dev-api-eks': 'stateless',
    });
  });

  it('makes edge and observability stateless when they depend on a stateless stack, even through another', () => {
    // Listed consumers first: the answer must not depend on the order.
    const roles = stackRoles([
      stack('dev-observability-edge', 'observability-edge', ['dev-edge']),
      stack('dev-edge', 'edge', ['dev-api-lambda']),
      stack('dev-api-lambda', 'api-lambda', ['dev-auth']),
      stack('dev-auth', 'auth'),
      stack('dev-observability', 'observability', ['dev-auth']),
    ]);
    expect(roles.get('dev-edge')).toBe('stateless');
    expect(roles.get('dev-observability-edge')).toBe('stateless');
    // Watching only stateful stacks, the alarms stay with them.
    expect(roles.get('dev-observability')).toBe('stateful');
  });

  it('fails when a stack that must keep its state depends on a stateless one', () => {
    expect(() =>
      stackRoles([stack('dev-api-lambda', 'api-lambda'), stack('dev-data', 'data', ['dev-api-lambda'])]),
    ).toThrow(/stateful stack dev-data \(data\) depends on stateless dev-api-lambda/);
    // Through an edge that fronts the API, too.
    expect(() =>
      stackRoles([
        stack('dev-api-lambda', 'api-lambda'),
        stack('dev-edge', 'edge', ['dev-api-lambda']),
        stack('dev-auth', 'auth', ['dev-edge']),
      ]),
    ).toThrow(/stateful stack dev-auth \(auth\) depends on stateless dev-edge/);
  });

  it('fails on a dependency cycle or a stack outside the assembly instead of guessing', () => {
    expect(() => stackRoles([stack('a', 'edge', ['b']), stack('b', 'observability', ['a'])])).toThrow(
      /cycle/,
    );
    expect(() => stackRoles([stack('a', 'edge', ['gone'])])).toThrow(/gone is not in the assembly/);
  });
});

describe('environmentTags', () => {
  const config = estate({
    environments: [
      { name: 'dev', account: 'dev-acct', blueprints: ['data'], size: 'dev' },
      { name: 'kept', account: 'dev-acct', blueprints: ['data'], size: 'dev', protected: true },
      {
        name: 'live',
        account: 'prod-acct',
        blueprints: ['data'],
        size: 'prod',
        owner: 'ops@acme.example.com',
      },
    ],
  });
  const tagsOf = (name: string) =>
    environmentTags(
      config,
      config.environments.find((e) => e.name === name)!,
      'data',
    );

  it('marks an environment protected when it says so or lives in a production account kind', () => {
    expect(tagsOf('dev')['estate:protected']).toBe('false');
    expect(tagsOf('kept')['estate:protected']).toBe('true');
    // protected is not set, but prod-acct is of kind prod-multi-tenant.
    expect(config.environments[2]!.protected).toBe(false);
    expect(tagsOf('live')['estate:protected']).toBe('true');
    expect(isProtected(config, config.environments[2]!)).toBe(true);
  });

  it('names the profile, not the size, and the owner only when there is one', () => {
    expect(tagsOf('live')).toEqual({
      'estate:env': 'live',
      'estate:profile': 'prod',
      'estate:blueprint': 'data',
      'estate:protected': 'true',
      'estate:owner': 'ops@acme.example.com',
    });
    expect(tagsOf('dev')['estate:owner']).toBeUndefined();
  });
});
