import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUILTIN_POLICIES } from '../../../src/config/schema.js';
import {
  checkPolicySize,
  defaultTemplatesDir,
  diffPolicyDocuments,
  loadPolicySources,
  renderPolicy,
  TAG_POLICY_ENFORCED_FOR,
  TAG_POLICY_REQUIRED_FOR,
  sameDocument,
} from '../../../src/core/org/policies.js';
import type { EstateError } from '../../../src/errors.js';

const vars = {
  governedRegions: ['eu-west-2', 'eu-west-1'],
  homeRegion: 'eu-west-2',
  accessRoleName: 'OrganizationAccountAccessRole',
  organizationName: 'acme',
  mandatoryTags: [{ key: 'CostCenter' }, { key: 'Environment', allowed: ['dev', 'prod'] }],
};

const errorOf = (fn: () => unknown): EstateError => {
  try {
    fn();
  } catch (error) {
    return error as EstateError;
  }
  throw new Error('expected an error');
};

describe('renderPolicy', () => {
  it('Given "{{governedRegions}}" as an array element, Then it becomes the governed regions', () => {
    const out = renderPolicy(
      '{"Condition":{"StringNotEquals":{"aws:RequestedRegion":["{{governedRegions}}"]}}}',
      vars,
      'x',
    );
    expect(JSON.parse(out)).toEqual({
      Condition: { StringNotEquals: { 'aws:RequestedRegion': ['eu-west-2', 'eu-west-1'] } },
    });
  });

  it('Given string placeholders, Then they are replaced inside strings; the result is minified', () => {
    const out = renderPolicy(
      '{ "Resource": "arn:aws:iam::*:role/{{accessRoleName}}" ,"Region": "{{homeRegion}}" }',
      vars,
      'x',
    );
    expect(out).toBe('{"Resource":"arn:aws:iam::*:role/OrganizationAccountAccessRole","Region":"eu-west-2"}');
  });

  it('Given the require-mandatory-tags template, Then every mandatory key is required where missing and enforced, with its allowed values', async () => {
    const template = await readFile(join(defaultTemplatesDir(), 'require-mandatory-tags.json'), 'utf8');
    const out = renderPolicy(template, vars, 'require-mandatory-tags');
    const enforced = { '@@assign': [...TAG_POLICY_ENFORCED_FOR] };
    const required = { '@@assign': [...TAG_POLICY_REQUIRED_FOR] };
    expect(JSON.parse(out)).toEqual({
      tags: {
        costcenter: {
          tag_key: { '@@assign': 'CostCenter' },
          enforced_for: enforced,
          report_required_tag_for: required,
        },
        environment: {
          tag_key: { '@@assign': 'Environment' },
          tag_value: { '@@assign': ['dev', 'prod'] },
          enforced_for: enforced,
          report_required_tag_for: required,
        },
      },
    });
    // enforced_for takes "<service>:ALL_SUPPORTED" or a resource type; report_required_tag_for resource types.
    for (const t of [...TAG_POLICY_ENFORCED_FOR, ...TAG_POLICY_REQUIRED_FOR])
      expect(t).toMatch(/^[a-z0-9-]+:[A-Za-z_-]+$/);
    expect(TAG_POLICY_ENFORCED_FOR.every((t) => t.endsWith(':ALL_SUPPORTED'))).toBe(true);
  });

  it('fails with the source named for unknown placeholders, lists inside strings and bad JSON', () => {
    expect(errorOf(() => renderPolicy('{"a":"{{nope}}"}', vars, 'policies.3 (mine)')).message).toBe(
      'policies.3 (mine): unknown placeholder {{nope}}',
    );
    expect(errorOf(() => renderPolicy('{"a":"in {{governedRegions}}"}', vars, 'p')).message).toMatch(
      /is a list/,
    );
    const bad = errorOf(() => renderPolicy('{"a":', vars, 'policies.0 (x)'));
    expect(bad.code).toBe('PolicyNotJson');
    expect(bad.message).toMatch(/^policies.0 \(x\): the policy document is not valid JSON/);
  });
});

describe('the builtin templates', () => {
  it('exist for every builtin name, are valid JSON and stay under the SCP limit with 30 governed regions', async () => {
    const dir = defaultTemplatesDir();
    const files = (await readdir(dir)).filter((f) => f.endsWith('.json')).sort();
    expect(files).toEqual(expect.arrayContaining([...BUILTIN_POLICIES].map((b) => `${b}.json`)));
    const many = { ...vars, governedRegions: Array.from({ length: 30 }, (_, i) => `ap-south${i}-1`) };
    for (const builtin of BUILTIN_POLICIES) {
      const out = renderPolicy(await readFile(join(dir, `${builtin}.json`), 'utf8'), many, builtin);
      const type = builtin === 'require-mandatory-tags' ? 'TAG_POLICY' : 'SERVICE_CONTROL_POLICY';
      expect(() => checkPolicySize(builtin, type, out, builtin)).not.toThrow();
      expect(out).not.toMatch(/\{\{/);
    }
  });

  it('deny-outside-governed-regions exempts global services and denies other regions', async () => {
    const doc = JSON.parse(
      renderPolicy(
        await readFile(join(defaultTemplatesDir(), 'deny-outside-governed-regions.json'), 'utf8'),
        vars,
        'x',
      ),
    );
    const statement = doc.Statement[0];
    expect(statement.Effect).toBe('Deny');
    expect(statement.NotAction).toEqual(
      expect.arrayContaining(['iam:*', 'organizations:*', 'sts:*', 'cloudfront:*', 'route53:*']),
    );
    expect(statement.Condition.StringNotEquals['aws:RequestedRegion']).toEqual(['eu-west-2', 'eu-west-1']);
  });

  it("deny-all denies every action on every resource to everyone but estate's access role", async () => {
    // The suspended OU's SCP: estate must still assume organization.accessRoleName into a parked
    // account (offboarding's re-run, onboard --recycle), and nothing else may act there.
    const doc = JSON.parse(
      renderPolicy(await readFile(join(defaultTemplatesDir(), 'deny-all.json'), 'utf8'), vars, 'x'),
    );
    expect(doc.Statement).toEqual([
      {
        Sid: 'DenyAllButEstateAccessRole',
        Effect: 'Deny',
        Action: '*',
        Resource: '*',
        Condition: {
          ArnNotLike: { 'aws:PrincipalArn': ['arn:*:iam::*:role/OrganizationAccountAccessRole'] },
        },
      },
    ]);
    const other = JSON.parse(
      renderPolicy(
        await readFile(join(defaultTemplatesDir(), 'deny-all.json'), 'utf8'),
        { ...vars, accessRoleName: 'EstateAccess' },
        'x',
      ),
    );
    expect(other.Statement[0].Condition.ArnNotLike['aws:PrincipalArn']).toEqual([
      'arn:*:iam::*:role/EstateAccess',
    ]);
  });
});

describe('checkPolicySize', () => {
  it('Given an SCP over 5,120 characters, Then a user error gives its size and the limit', () => {
    const error = errorOf(() =>
      checkPolicySize('estate-big', 'SERVICE_CONTROL_POLICY', 'x'.repeat(5_121), 'policies.1 (big)'),
    );
    expect(error.source).toBe('user');
    expect(error.code).toBe('PolicyTooLarge');
    expect(error.message).toBe(
      'policies.1 (big): policy estate-big is 5,121 characters once rendered; AWS allows 5,120 for service control policies',
    );
    expect(() => checkPolicySize('t', 'TAG_POLICY', 'x'.repeat(9_000), 't')).not.toThrow();
  });
});

describe('sameDocument', () => {
  it('ignores key order and whitespace but not values', () => {
    expect(sameDocument('{"a":1,"b":[1,2]}', '{ "b": [1, 2],\n "a": 1 }')).toBe(true);
    expect(sameDocument('{"a":1,"b":[1,2]}', '{"a":1,"b":[2,1]}')).toBe(false);
  });
});

describe('loadPolicySources', () => {
  it('reads builtins from the templates and files relative to the config directory', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'estate-policies-'));
    await writeFile(join(dir, 'mine.json'), '{"Version":"2012-10-17","Statement":[]}');
    const sources = await loadPolicySources(
      {
        policies: [
          { name: 'deny-root-user', type: 'scp', builtin: 'deny-root-user', targets: ['Root'] },
          { name: 'mine', type: 'scp', file: 'mine.json', targets: ['Root'] },
        ],
      },
      { configDir: dir },
    );
    expect(Object.keys(sources.builtins)).toEqual(['deny-root-user']);
    expect(sources.files['mine.json']).toBe('{"Version":"2012-10-17","Statement":[]}');
  });

  it('Given a missing file, Then the error names the config field and the path', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'estate-policies-'));
    const error = await loadPolicySources(
      { policies: [{ name: 'gone', type: 'scp', file: 'gone.json', targets: ['Root'] }] },
      { configDir: dir },
    ).catch((e: EstateError) => e);
    expect((error as EstateError).code).toBe('PolicyFileUnreadable');
    expect((error as EstateError).message).toMatch(
      new RegExp(`^policies.0.file: cannot read ${join(dir, 'gone.json')}`),
    );
  });
});

describe('diffPolicyDocuments', () => {
  const doc = (...statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });
  const deny = (sid: string, extra: object = {}) => ({
    Sid: sid,
    Effect: 'Deny',
    Action: ['s3:DeleteBucket'],
    Resource: '*',
    ...extra,
  });

  it('matches statements by Sid whatever their order, and names what was added, removed and changed', () => {
    const d = diffPolicyDocuments(
      doc(deny('A'), deny('B'), deny('C')),
      doc(
        deny('C', { Action: ['s3:DeleteBucket', 's3:PutBucketPolicy'], Effect: 'Allow' }),
        deny('A'),
        deny('D'),
      ),
    )!;
    expect(d.statements).toEqual([
      {
        change: 'changed',
        statement: 'C',
        fields: [
          { path: 'Action', added: ['s3:PutBucketPolicy'] },
          { path: 'Effect', before: 'Deny', after: 'Allow' },
        ],
      },
      { change: 'added', statement: 'D' },
      { change: 'removed', statement: 'B' },
    ]);
    expect(d.fields).toEqual([]);
  });

  it('matches statements without Sid by position, and treats "x" and ["x"] and list order as equal', () => {
    const noSid = (action: unknown, resource: unknown) => ({
      Effect: 'Deny',
      Action: action,
      Resource: resource,
    });
    expect(
      diffPolicyDocuments(doc(noSid('a:B', ['r1', 'r2'])), doc(noSid(['a:B'], ['r2', 'r1'])))!.statements,
    ).toEqual([]);
    expect(
      diffPolicyDocuments(doc(noSid('a:B', '*')), doc(noSid('a:B', '*'), noSid('c:D', '*')))!.statements,
    ).toEqual([{ change: 'added', statement: '#2' }]);
  });

  it('diffs a tag policy key by key, outside statements', () => {
    const tagDoc = (values: string[]) =>
      JSON.stringify({
        tags: { env: { tag_key: { '@@assign': 'Env' }, tag_value: { '@@assign': values } } },
      });
    expect(diffPolicyDocuments(tagDoc(['dev', 'prod']), tagDoc(['dev', 'test']))).toEqual({
      statements: [],
      fields: [{ path: 'tags.env.tag_value.@@assign', added: ['test'], removed: ['prod'] }],
    });
  });

  it('gives up on a document that is not JSON', () => {
    expect(diffPolicyDocuments('{not json', doc())).toBeUndefined();
  });
});
