import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { synthEnvironment, type SynthResult } from '../../src/core/env/synth.js';
import { estate } from './_helpers.js';

/**
 * Off-hours shutdown deletes the stateless stacks of an environment and re-creates them in the
 * morning. A resource CloudFormation retains on delete survives as an orphan: with a fixed name
 * the re-create collides with it, with a generated one it keeps billing. So in the dev profile
 * no stateless stack retains anything; prod keeps what it retains (listed in the README).
 */
const settings = {
  edge: { fronts: 'api' as const },
  auth: {
    callbackUrls: ['https://app.example.com/callback'],
    email: { fromEmail: 'no-reply@acme.example.com' },
  },
  'api-eks': { availabilityZones: ['eu-west-2a', 'eu-west-2b'] },
};
const config = (size: 'dev' | 'prod') =>
  estate({
    environments: [
      {
        name: 'lam',
        account: 'dev-acct',
        blueprints: ['edge', 'auth', 'data', 'api-lambda', 'ai', 'observability'],
        size,
        settings,
      },
      {
        name: 'eks',
        account: 'dev-acct',
        blueprints: ['data', 'api-eks', 'ai', 'observability'],
        size,
        settings,
      },
    ],
  });

type Resource = { Type: string; DeletionPolicy?: string; UpdateReplacePolicy?: string; Properties?: object };

/** `<stack> <logicalId> <type> [<Name properties>]` of each resource the stack would leave behind. */
function retained(result: SynthResult, stackName: string): string[] {
  const s = result.stacks.find((x) => x.name === stackName)!;
  const template = JSON.parse(readFileSync(join(result.assemblyDir, s.templateFile), 'utf8')) as {
    Resources: Record<string, Resource>;
  };
  return Object.entries(template.Resources)
    .filter(([, r]) => [r.DeletionPolicy, r.UpdateReplacePolicy].some((p) => p && p !== 'Delete'))
    .map(([id, r]) => {
      const fixedNames = Object.entries(r.Properties ?? {})
        .filter(([k, v]) => k.endsWith('Name') && typeof v === 'string')
        .map(([k, v]) => `${k}=${String(v)}`);
      return `${stackName} ${id} ${r.Type}${fixedNames.length ? ` [${fixedNames.join(', ')}]` : ''}`;
    });
}

const results: Record<string, SynthResult> = {};
beforeAll(async () => {
  for (const size of ['dev', 'prod'] as const)
    for (const env of ['lam', 'eks'])
      results[`${size}/${env}`] = await synthEnvironment(config(size), env, {
        configDir: '/tmp',
        cwd: mkdtempSync(join(tmpdir(), 'estate-stateless-')),
      });
});

const stateless = (key: string) =>
  results[key]!.stacks.filter((s) => s.role === 'stateless').map((s) => s.name);

describe('stateless stacks in the dev profile', () => {
  it('are the API compute and what depends on it: api-lambda, api-eks, an edge fronting the API, alarms watching it', () => {
    expect(stateless('dev/lam').sort()).toEqual(['lam-api-lambda', 'lam-edge', 'lam-observability']);
    expect(stateless('dev/eks').sort()).toEqual(['eks-api-eks']);
  });

  for (const [key, stack] of [
    ['dev/lam', 'lam-api-lambda'],
    ['dev/eks', 'eks-api-eks'],
    ['dev/lam', 'lam-edge'],
    ['dev/lam', 'lam-observability'],
  ] as const)
    it(`${stack} retains nothing on delete, so it can be deleted and re-created without collisions`, () => {
      expect(stateless(key)).toContain(stack);
      expect(retained(results[key]!, stack)).toEqual([]);
    });
});

describe('the prod profile', () => {
  it('retains the data, the users, the site and the logs (what the README lists)', () => {
    const all = (key: string) => results[key]!.stacks.flatMap((s) => retained(results[key]!, s.name));
    const lam = all('prod/lam');
    expect(lam).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^lam-data \S+ AWS::DynamoDB::GlobalTable \[TableName=lam-users\]$/),
        expect.stringMatching(/^lam-auth \S+ AWS::Cognito::UserPool \[UserPoolName=lam-users\]$/),
        expect.stringMatching(/^lam-edge EdgeSite\S+ AWS::S3::Bucket$/),
        expect.stringMatching(/^lam-api-lambda \S+ AWS::Logs::LogGroup$/),
      ]),
    );
    expect(all('prod/eks')).toEqual(
      expect.arrayContaining([expect.stringMatching(/^eks-api-eks EksFlowLogs\S+ AWS::Logs::LogGroup$/)]),
    );
    // Even in prod, what a stateless stack retains has a generated name: no re-create collides.
    for (const key of ['prod/lam', 'prod/eks'])
      for (const name of stateless(key))
        expect(retained(results[key]!, name).filter((r) => r.includes('['))).toEqual([]);
  });
});
