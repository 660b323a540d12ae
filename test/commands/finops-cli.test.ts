/**
 * `estate tags` and `estate cost` through the real CLI: flag errors that need no AWS, and
 * the reports end to end against behavioural fakes served over HTTP (AWS_ENDPOINT_URL).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import {
  emulatorEnv,
  startEmulator,
  type Emulator,
  type JsonService,
  type QueryService,
} from '../../src/emulator/server.js';
import { EXAMPLE, estate, tempDir } from '../_helpers/cli.js';
import { FakeBudgets } from '../../src/emulator/budgets.js';
import { FakeCostAllocationTags } from '../../src/emulator/cost-allocation-tags.js';
import { FakeIam, iamQueryService } from '../../src/emulator/iam.js';
import { FakeOrganizations } from '../../src/emulator/organizations.js';

const MANAGEMENT = '111111111111';

describe('estate tags / cost: usage errors (no AWS)', () => {
  it('Given tags apply without --account, When run, Then it exits 2 naming the flag', async () => {
    const r = await estate(['tags', 'apply', '--missing-only', '--config', EXAMPLE]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Missing required flag account');
  });

  it('Given tags apply without --missing-only, When run, Then it exits 2 naming the flag', async () => {
    const r = await estate(['tags', 'apply', '--account', 'dev-alice', '--config', EXAMPLE, '--json']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout).error.message).toContain('Missing required flag missing-only');
  });

  it('Given an account estate.yaml does not declare, When audited, Then it exits 2 listing the known accounts', async () => {
    const r = await estate(['tags', 'audit', '--account', 'nobody', '--config', EXAMPLE]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no account named nobody in estate.yaml');
    expect(r.stderr).toContain('known accounts: logs, monitoring, prod');
  });

  it('Given cost --by with an unknown grouping or --months 0, When run, Then it exits 2', async () => {
    expect((await estate(['cost', '--by', 'region', '--config', EXAMPLE])).code).toBe(2);
    expect((await estate(['cost', '--months', '0', '--config', EXAMPLE])).code).toBe(2);
  });
});

/** Cost Explorer: monthly amounts per linked account for every month the query spans. */
class FakeCostExplorer {
  readonly queries: Record<string, any>[] = [];
  constructor(private readonly monthly: Record<string, number>) {}
  async send(command: { input: Record<string, any>; constructor: { name: string } }) {
    if (command.constructor.name !== 'GetCostAndUsageCommand') throw new Error('not emulated');
    this.queries.push(command.input);
    const results = [];
    const start = new Date(`${command.input.TimePeriod.Start}T00:00:00Z`);
    const end = new Date(`${command.input.TimePeriod.End}T00:00:00Z`);
    for (let d = start; d < end; d = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1))) {
      results.push({
        TimePeriod: { Start: d.toISOString().slice(0, 10) },
        Groups: Object.entries(this.monthly).map(([id, usd]) => ({
          Keys: [id],
          Metrics: { UnblendedCost: { Amount: String(usd), Unit: 'USD' } },
        })),
      });
    }
    return { ResultsByTime: results };
  }
}

/**
 * The Tagging API of the caller's own account (no AssumeRole needed), regional as AWS's:
 * eu-west-2 lists its buckets, us-east-1 its own bucket and the account's CloudFront
 * distribution (global resources are listed there only).
 */
class FakeTagging {
  async send(command: { input: Record<string, any>; constructor: { name: string }; region?: string }) {
    if (command.constructor.name !== 'GetResourcesCommand') throw new Error('not emulated');
    const byRegion: Record<string, { ResourceARN: string; Tags: { Key: string; Value: string }[] }[]> = {
      'eu-west-2': [
        { ResourceARN: 'arn:aws:s3:::audit-trail', Tags: [{ Key: 'cost-center', Value: 'platform' }] },
        { ResourceARN: 'arn:aws:s3:::scratch', Tags: [{ Key: 'owner', Value: 'alice' }] },
      ],
      'us-east-1': [
        { ResourceARN: 'arn:aws:s3:::east-bucket', Tags: [{ Key: 'owner', Value: 'bob' }] },
        {
          ResourceARN: `arn:aws:cloudfront::${MANAGEMENT}:distribution/E2EXAMPLE`,
          Tags: [{ Key: 'owner', Value: 'web' }],
        },
      ],
    };
    return { ResourceTagMappingList: byRegion[command.region ?? ''] ?? [] };
  }
}

/** A temp folder with `config` as estate.yaml and an emulator serving the given fakes. */
function emulatedEstate(
  config: () => Record<string, unknown>,
  services: () => { json: JsonService[]; query?: QueryService[] },
) {
  const state = {} as { emulator: Emulator; dir: string; file: string; env: NodeJS.ProcessEnv };
  let cleanup: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    const temp = await tempDir();
    cleanup = temp.cleanup;
    state.dir = temp.dir;
    state.file = join(temp.dir, 'estate.yaml');
    const { json, query } = services();
    await writeFile(state.file, stringify(config()));
    state.emulator = await startEmulator({
      callerAccountId: MANAGEMENT,
      services: json,
      ...(query ? { queryServices: query } : {}),
    });
    state.env = emulatorEnv(state.emulator.url, join(temp.dir, 'audit.log'));
  });
  afterAll(async () => {
    await state.emulator?.close();
    await cleanup?.();
  });
  return state;
}

describe('estate cost / tags audit against emulated AWS', () => {
  let ce: FakeCostExplorer;
  const live = emulatedEstate(
    () => ({
      version: 1,
      organization: {
        name: 'acme',
        homeRegion: 'eu-west-2',
        governedRegions: ['eu-west-2'],
        emailPattern: 'aws+{account}@acme.example.com',
      },
      organizationalUnits: [{ name: 'Security' }, { name: 'Sandbox' }],
      // logs is the caller's own account here, so auditing it needs no assumed role.
      accounts: [
        { name: 'logs', kind: 'logs', ou: 'Security', id: MANAGEMENT },
        { name: 'dev-alice', kind: 'developer', ou: 'Sandbox' },
      ],
      tags: { mandatory: [{ key: 'cost-center', default: 'platform' }] },
      budgets: {
        alertEmails: ['finops@acme.example.com'],
        byKind: { logs: { monthlyUsd: 150 }, developer: { monthlyUsd: 100 } },
      },
    }),
    () => {
      const org = new FakeOrganizations({ withOrganization: true, callerAccountId: MANAGEMENT });
      const aliceId = org.addAccount({ name: 'dev-alice', email: 'aws+dev-alice@acme.example.com' });
      const budgets = new FakeBudgets();
      budgets.seed(MANAGEMENT, {
        BudgetName: 'estate-logs-monthly',
        BudgetLimit: { Amount: '150', Unit: 'USD' },
        CalculatedSpend: {
          ActualSpend: { Amount: '80', Unit: 'USD' },
          ForecastedSpend: { Amount: '160', Unit: 'USD' },
        },
      });
      ce = new FakeCostExplorer({ [MANAGEMENT]: 80, [aliceId]: 130 });
      return {
        json: [
          { targetPrefix: 'AWSOrganizationsV20161128', send: (c) => org.send(c) },
          { targetPrefix: 'AWSBudgetServiceGateway', send: (c) => budgets.send(c) },
          { targetPrefix: 'AWSInsightsIndexService', send: (c) => ce.send(c) },
          { targetPrefix: 'ResourceGroupsTaggingAPI_20170126', send: (c) => new FakeTagging().send(c) },
        ],
      };
    },
  );

  it('Given spend per account, When `cost --json` runs, Then one JSON report shows who is over, with AWS forecasts where budgets exist', async () => {
    const r = await estate(['cost', '--config', live.file, '--months', '2', '--json'], { env: live.env });
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.by).toBe('account');
    expect(report.periods).toHaveLength(2);
    expect(report.rows.map((row: any) => [row.label, row.budgetUsd, row.currentUsd, row.status])).toEqual([
      ['dev-alice', 100, 130, 'over'],
      ['logs', 150, 80, 'forecast-over'],
    ]);
    expect(report.rows[1]).toMatchObject({ forecastUsd: 160, forecastSource: 'budget' });
    expect(report.over).toEqual(['dev-alice']);
    expect(ce.queries).toHaveLength(1);
    expect(ce.queries[0]!.GroupBy).toEqual([{ Type: 'DIMENSION', Key: 'LINKED_ACCOUNT' }]);
    expect(report).toMatchObject({ requests: 1, costUsd: 0.01, cache: { mode: 'use', hit: false } });
  });

  it("Given today's answer was fetched once, When `cost` runs again, Then the cache answers without a Cost Explorer request and says it cost $0; --refresh and --no-cache ask again", async () => {
    const asked = () => live.emulator.requests.filter((r) => r.target.endsWith('.GetCostAndUsage')).length;
    const args = ['cost', '--by', 'service', '--months', '3', '--config', live.file];
    const before = asked();

    const first = await estate([...args, '--json'], { env: live.env });
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ requests: 1, costUsd: 0.01, cache: { hit: false } });
    expect(asked()).toBe(before + 1);

    const second = await estate([...args, '--json'], { env: live.env });
    expect(JSON.parse(second.stdout)).toMatchObject({ requests: 0, costUsd: 0, cache: { hit: true } });
    const text = await estate(args, { env: live.env });
    expect(text.stdout).toContain("0 Cost Explorer requests, $0.00: today's answer came from the cache");
    expect(asked()).toBe(before + 1);

    const refreshed = await estate([...args, '--refresh'], { env: live.env });
    expect(refreshed.stdout).toContain('1 Cost Explorer request, $0.01');
    const uncached = await estate([...args, '--no-cache', '--json'], { env: live.env });
    expect(JSON.parse(uncached.stdout)).toMatchObject({ requests: 1, cache: { mode: 'off', hit: false } });
    expect(asked()).toBe(before + 3);
  });

  it('Given the same spend, When `cost` runs for a person, Then stdout is the chart with the over-budget line', async () => {
    const r = await estate(['cost', '--config', live.file, '--months', '1'], { env: live.env });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Spend by account in USD/);
    expect(r.stdout).toMatch(/dev-alice .* 130% {2}█+.*OVER BUDGET/);
    expect(r.stdout).toContain('Over budget: dev-alice');
    expect(r.stderr).toContain('asking Cost Explorer');
  });

  it('Given a resource without cost-center, When `tags audit --strict` runs, Then it is listed and the exit code is 1', async () => {
    const r = await estate(['tags', 'audit', '--account', 'logs', '--strict', '--config', live.file], {
      env: live.env,
    });
    // eu-west-2's two buckets, and from us-east-1 (not governed) only the global distribution.
    expect(r.stdout).toContain('logs     111111111111          3          1              2  NON-COMPLIANT');
    expect(r.stdout).toContain('logs eu-west-2 arn:aws:s3:::scratch: missing cost-center');
    expect(r.stdout).toContain(
      `logs us-east-1 arn:aws:cloudfront::${MANAGEMENT}:distribution/E2EXAMPLE: missing cost-center`,
    );
    expect(r.stdout).not.toContain('east-bucket');
    expect(r.stdout).toContain('Regions: eu-west-2, us-east-1 (global resources only)');
    expect(r.stdout).toContain('a resource never tagged at all does not appear here');
    expect(r.code).toBe(1);
    const tagging = live.emulator.requests.filter((q) => q.target.endsWith('.GetResources'));
    expect(tagging.map((q) => q.region).sort()).toEqual(['eu-west-2', 'us-east-1']);
    const lenient = await estate(['tags', 'audit', '--account', 'logs', '--config', live.file, '--json'], {
      env: live.env,
    });
    expect(lenient.code).toBe(0);
    expect(JSON.parse(lenient.stdout)).toMatchObject({
      resources: 3,
      nonCompliant: 2,
      scan: { regions: ['eu-west-2', 'us-east-1'], globalAdded: true },
    });
  });

  it('Given the global distribution lacks cost-center, When `tags apply` runs, Then it is tagged through us-east-1', async () => {
    const r = await estate(
      ['tags', 'apply', '--account', 'logs', '--missing-only', '--config', live.file, '--json'],
      { env: live.env },
    );
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.plan.additions.map((a: any) => [a.region, a.arn])).toEqual([
      ['eu-west-2', 'arn:aws:s3:::scratch'],
      ['us-east-1', `arn:aws:cloudfront::${MANAGEMENT}:distribution/E2EXAMPLE`],
    ]);
    expect(out.plan.notes.join(' ')).toContain('never tagged at all');
  });
});

describe('estate plan / apply with a budget action, against emulated AWS (IAM included)', () => {
  let budgets: FakeBudgets;
  let iam: FakeIam;
  const live = emulatedEstate(
    () => ({
      version: 1,
      organization: {
        name: 'acme',
        managementAccountId: MANAGEMENT,
        homeRegion: 'eu-west-2',
        governedRegions: ['eu-west-2'],
        emailPattern: 'aws+{account}@acme.example.com',
      },
      organizationalUnits: [{ name: 'Sandbox' }],
      accounts: [{ name: 'dev-alice', kind: 'developer', ou: 'Sandbox' }],
      budgets: {
        alertEmails: ['finops@acme.example.com'],
        byKind: { developer: { monthlyUsd: 100, enforce: 'deny-new-resources' } },
      },
    }),
    () => {
      const org = new FakeOrganizations({ withOrganization: true, callerAccountId: MANAGEMENT });
      org.addAccount({ name: 'dev-alice', email: 'aws+dev-alice@acme.example.com' });
      iam = new FakeIam(MANAGEMENT);
      budgets = new FakeBudgets({ roleExists: (arn) => [...iam.roles.values()].some((r) => r.Arn === arn) });
      const tags = new FakeCostAllocationTags(['estate:env']);
      return {
        json: [
          { targetPrefix: 'AWSOrganizationsV20161128', send: (c) => org.send(c) },
          { targetPrefix: 'AWSBudgetServiceGateway', send: (c) => budgets.send(c) },
          { targetPrefix: 'AWSInsightsIndexService', send: (c) => tags.send(c) },
        ],
        query: [iamQueryService(iam)],
      };
    },
  );

  it('Given enforce deny-new-resources and no execution role, When applied, Then estate creates the role first and the action runs as it; the next plan has nothing for budgets', async () => {
    const plan = await estate(['plan', '--config', live.file, '--json'], { env: live.env });
    expect(plan.code).toBe(0);
    const planned = JSON.parse(plan.stdout).changes.map((c: any) => `${c.action} ${c.address}`);
    expect(planned).toContain('create budget-action-role:estate-budgets-action');
    expect(iam.mutations()).toEqual([]);

    const r = await estate(['apply', '--config', live.file, '--yes', '--json'], { env: live.env });
    expect(r.code).toBe(0);
    expect(iam.mutations()).toEqual([
      'CreateRole estate-budgets-action',
      'PutRolePolicy estate-budgets-action',
    ]);
    const role = iam.roles.get('estate-budgets-action')!;
    const [action] = [...budgets.budget(MANAGEMENT, 'estate-dev-alice-monthly')!.actions.values()];
    expect(action!.ExecutionRoleArn).toBe(role.Arn);
    expect(JSON.parse(role.AssumeRolePolicyDocument).Statement[0].Principal.Service).toBe(
      'budgets.amazonaws.com',
    );

    const again = await estate(['plan', '--config', live.file, '--json'], { env: live.env });
    const left = JSON.parse(again.stdout).changes.filter((c: any) => c.section === 'budgets');
    expect(left).toEqual([]);
  }, 120_000);
});
