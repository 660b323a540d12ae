import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { AwsTagging } from '../../../src/aws/tagging.js';
import { parseConfig } from '../../../src/config/loader.js';
import type { EstateConfig } from '../../../src/config/schema.js';
import { renderAuditReport, renderTagRepairPlan } from '../../../src/cli/render-tags.js';
import { applyTagRepair, planTagRepair } from '../../../src/core/tags/apply.js';
import { auditTags, evaluateTags } from '../../../src/core/tags/audit.js';
import type { TaggedResource } from '../../../src/core/tags/ports.js';
import { mergeRegions, tagScanRegions, visibilityNotes } from '../../../src/core/tags/regions.js';
import { minimalConfig } from '../../_helpers/config.js';
import { FakeTaggingApi } from '../../../src/emulator/tagging.js';

const LOGS = '333333333333';
const ALICE = '222222222222';
const BOB = '444444444444';

function estate(governedRegions?: string[], homeRegion?: string): EstateConfig {
  const c = minimalConfig();
  if (governedRegions) c.organization.governedRegions = governedRegions;
  if (homeRegion) c.organization.homeRegion = homeRegion;
  c.accounts.push({ name: 'dev-bob', kind: 'developer', ou: 'Sandbox', tags: { team: 'checkout' } });
  c.tags = {
    mandatory: [
      { key: 'cost-center', default: 'platform', allowed: ['platform', 'product'] },
      { key: 'environment' },
    ],
    byKind: { developer: { environment: 'development' }, logs: { environment: 'shared' } },
  };
  return parseConfig(stringify(c));
}

const targets = [
  { name: 'logs', id: LOGS },
  { name: 'dev-alice', id: ALICE },
  { name: 'dev-bob', id: BOB },
];
const arn = (account: string, region: string, id: string) =>
  `arn:aws:dynamodb:${region}:${account}:table/${id}`;

function seeded(): FakeTaggingApi {
  const api = new FakeTaggingApi();
  const ok = { 'cost-center': 'platform', environment: 'development' };
  api.add(LOGS, 'eu-west-2', 'arn:aws:s3:::logs-archive', {
    'cost-center': 'platform',
    environment: 'shared',
  });
  api.add(ALICE, 'eu-west-2', arn(ALICE, 'eu-west-2', 'users'), ok);
  api.add(ALICE, 'eu-west-2', arn(ALICE, 'eu-west-2', 'notes'), { environment: 'development' });
  api.add(ALICE, 'eu-west-2', arn(ALICE, 'eu-west-2', 'sessions'), {
    'cost-center': 'marketing',
    environment: 'x',
  });
  api.add(ALICE, 'us-east-1', 'arn:aws:cloudfront::222222222222:distribution/E1', {
    'aws:cloudformation:stack-name': 's',
  });
  api.add(ALICE, 'us-east-1', arn(ALICE, 'us-east-1', 'a'), ok);
  api.add(ALICE, 'us-east-1', arn(ALICE, 'us-east-1', 'b'), ok);
  api.denied.add(BOB);
  return api;
}

describe('tags audit over several accounts', () => {
  it('Given resources across accounts and regions, When audited, Then missing and forbidden tags are found per account, every page read', async () => {
    const api = seeded();
    const report = await auditTags(new AwsTagging(api.clientFor), estate(), targets, {
      scan: tagScanRegions(estate()),
      concurrency: 2,
    });

    expect(report.accounts).toEqual([
      {
        account: 'logs',
        accountId: LOGS,
        regions: ['eu-west-2', 'us-east-1'],
        resources: 1,
        compliant: 1,
        nonCompliant: 0,
      },
      {
        account: 'dev-alice',
        accountId: ALICE,
        regions: ['eu-west-2', 'us-east-1'],
        resources: 6,
        compliant: 3,
        nonCompliant: 3,
      },
      {
        account: 'dev-bob',
        accountId: BOB,
        regions: ['eu-west-2', 'us-east-1'],
        resources: 0,
        compliant: 0,
        nonCompliant: 0,
        error: expect.stringContaining('cannot GetResources in eu-west-2 in account 444444444444'),
      },
    ]);
    expect(
      report.findings.map((f) => [
        f.region,
        f.resourceType,
        f.missing,
        f.forbidden.map((x) => `${x.key}=${x.value}`),
      ]),
    ).toEqual([
      ['eu-west-2', 'dynamodb:table', ['cost-center'], []],
      ['eu-west-2', 'dynamodb:table', [], ['cost-center=marketing']],
      ['us-east-1', 'cloudfront:distribution', ['cost-center', 'environment'], []],
    ]);
    expect(report).toMatchObject({ resources: 7, nonCompliant: 3, failed: 1 });
    // Three resources at two a page: the second page was asked for with the token.
    expect(
      api.calls.filter((c) => c.scope === `${ALICE}/eu-west-2`).map((c) => c.input.PaginationToken),
    ).toEqual([undefined, 'tok-2']);
  });

  it('Given a report, When rendered, Then a summary row per account and a line per non-compliant resource', async () => {
    const report = await auditTags(new AwsTagging(seeded().clientFor), estate(), targets, {
      scan: tagScanRegions(estate(), 'eu-west-2'),
      concurrency: 3,
    });
    const text = renderAuditReport(report);
    expect(text).toContain('account    id            resources  compliant  non-compliant  status');
    expect(text).toContain('dev-alice  222222222222          3          1              2  NON-COMPLIANT');
    expect(text).toContain('logs       333333333333          1          1              0  ok');
    expect(text).toContain(
      `dev-alice eu-west-2 ${arn(ALICE, 'eu-west-2', 'sessions')}: cost-center=marketing not allowed (platform, product)`,
    );
    expect(text).toContain('2 of 4 resources non-compliant in 3 accounts; 1 could not be audited.');
  });

  it('Given only eu-west-2 is governed, When audited, Then us-east-1 is scanned for global resources only, a global resource listed twice counts once, and the blind spots are named', async () => {
    const api = seeded();
    // The Tagging API of eu-west-2 may echo a global ARN; it must not count twice.
    api.add(ALICE, 'eu-west-2', 'arn:aws:cloudfront::222222222222:distribution/E1', {
      'aws:cloudformation:stack-name': 's',
    });
    const config = estate(['eu-west-2']);
    const scan = tagScanRegions(config);
    expect(scan).toEqual({
      regions: ['eu-west-2', 'us-east-1'],
      globalRegion: 'us-east-1',
      globalAdded: true,
    });

    const report = await auditTags(new AwsTagging(api.clientFor), config, targets, { scan, concurrency: 2 });

    const alice = report.accounts.find((a) => a.account === 'dev-alice')!;
    // eu-west-2: users, notes, sessions; us-east-1: the distribution only (its tables are outside the estate).
    expect(alice).toMatchObject({ resources: 4, nonCompliant: 3 });
    expect(
      report.findings.filter((f) => f.resourceType === 'cloudfront:distribution').map((f) => f.region),
    ).toEqual(['us-east-1']);
    const text = renderAuditReport(report);
    expect(text).toContain('Regions: eu-west-2, us-east-1 (global resources only)');
    expect(text).toContain('a resource never tagged at all does not appear here');
    expect(text).toContain('services that take tags only through their own API are not listed');
    expect(text).toContain('Global resources (CloudFront, Route 53, ...) are listed only in us-east-1');
  });

  it('Given the home region is us-east-1, When audited, Then us-east-1 is listed once and its regional resources count', async () => {
    const api = seeded();
    const config = estate(['us-east-1'], 'us-east-1');
    const scan = tagScanRegions(config);
    expect(scan).toEqual({ regions: ['us-east-1'], globalRegion: 'us-east-1', globalAdded: false });
    const report = await auditTags(new AwsTagging(api.clientFor), config, [targets[1]!], {
      scan,
      concurrency: 1,
    });
    expect(report.accounts[0]).toMatchObject({ resources: 3, nonCompliant: 1 });
    // Three resources at two a page: two GetResources calls, not four.
    expect(api.calls.filter((c) => c.scope === `${ALICE}/us-east-1`)).toHaveLength(2);
    expect(report.notes.some((n) => /listed only in us-east-1/.test(n))).toBe(false);
  });

  it('Given --region eu-west-2, When the regions are chosen, Then only it is scanned and the report says global resources are left out', () => {
    const scan = tagScanRegions(estate(['eu-west-2']), 'eu-west-2');
    expect(scan).toEqual({ regions: ['eu-west-2'], globalAdded: false });
    expect(visibilityNotes(scan).at(-1)).toContain(
      'global resources (CloudFront, Route 53, ...) are listed only in',
    );
    // A bucket's ARN has no region, but buckets are regional: us-east-1's are not global resources.
    const global = tagScanRegions(estate(['eu-west-2']));
    const bucket = { arn: 'arn:aws:s3:::b', tags: {} };
    const merged = mergeRegions(
      new Map([
        ['eu-west-2', [bucket]],
        ['us-east-1', [bucket, { arn: 'arn:aws:s3:::east', tags: {} }]],
      ]),
      global,
    );
    expect(merged.get('eu-west-2')).toEqual([bucket]);
    expect(merged.get('us-east-1')).toEqual([]);
  });

  it('Given a tag present with an empty value, When evaluated, Then it counts as present unless the value is not allowed', () => {
    const mandatory = [{ key: 'team' }, { key: 'tier', allowed: ['gold'] }];
    expect(evaluateTags({ team: '', tier: 'gold' }, mandatory)).toBeUndefined();
    expect(evaluateTags({ team: 'x', tier: '' }, mandatory)).toEqual({
      missing: [],
      forbidden: [{ key: 'tier', value: '', allowed: ['gold'] }],
    });
  });
});

describe('tags apply --missing-only', () => {
  it('Given resources missing mandatory tags, When planned, Then only missing keys are added, with the account values, never overwriting', async () => {
    const api = seeded();
    const port = new AwsTagging(api.clientFor);
    const config = estate();
    const alice = config.accounts.find((a) => a.name === 'dev-alice')!;
    const resources = new Map<string, TaggedResource[]>([
      ['eu-west-2', await port.listResources(ALICE, 'eu-west-2')],
      ['us-east-1', await port.listResources(ALICE, 'us-east-1')],
    ]);

    const plan = planTagRepair(config, alice, ALICE, resources, [
      'the Tagging API lists only tagged resources',
    ]);
    expect(renderTagRepairPlan(plan, 'dry-run')).toContain(
      'Note: the Tagging API lists only tagged resources',
    );

    expect(plan.additions.map((a) => [a.arn, a.add])).toEqual([
      [arn(ALICE, 'eu-west-2', 'notes'), { 'cost-center': 'platform' }],
      [
        'arn:aws:cloudfront::222222222222:distribution/E1',
        { 'cost-center': 'platform', environment: 'development' },
      ],
    ]);
    expect(renderTagRepairPlan(plan, 'dry-run')).toContain(
      'Would add mandatory tags to 2 resources in dev-alice',
    );
    // The forbidden value on "sessions" is the audit's business, not --missing-only's.
    expect(api.calls.filter((c) => c.op === 'TagResources')).toEqual([]);
  });

  it('Given a plan, When applied, Then resources are tagged in batches and refusals are reported per resource', async () => {
    const api = new FakeTaggingApi(50);
    for (let i = 0; i < 25; i++) api.add(ALICE, 'eu-west-2', arn(ALICE, 'eu-west-2', `t${i}`), {});
    api.untaggable.add(arn(ALICE, 'eu-west-2', 't7'));
    const port = new AwsTagging(api.clientFor);
    const config = estate();
    const plan = planTagRepair(
      config,
      config.accounts.find((a) => a.name === 'dev-alice')!,
      ALICE,
      new Map([['eu-west-2', await port.listResources(ALICE, 'eu-west-2')]]),
    );

    const result = await applyTagRepair(port, plan, { concurrency: 2 });

    expect(result.tagged).toBe(24);
    expect(result.failed).toEqual([
      { arn: arn(ALICE, 'eu-west-2', 't7'), reason: 'InvalidParameterException: not taggable' },
    ]);
    expect(
      api.calls.filter((c) => c.op === 'TagResources').map((c) => c.input.ResourceARNList.length),
    ).toEqual([20, 5]);
    expect(api.resources.get(`${ALICE}/eu-west-2`)![0]!.tags).toEqual({
      'cost-center': 'platform',
      environment: 'development',
    });
    const again = planTagRepair(
      config,
      config.accounts.find((a) => a.name === 'dev-alice')!,
      ALICE,
      new Map([['eu-west-2', await port.listResources(ALICE, 'eu-west-2')]]),
    );
    expect(again.additions.map((a) => a.arn)).toEqual([arn(ALICE, 'eu-west-2', 't7')]);
  });
});
