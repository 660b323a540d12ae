import {
  CostExplorerClient,
  GetCostAndUsageCommand,
  ListCostAllocationTagsCommand,
  UpdateCostAllocationTagsStatusCommand,
} from '@aws-sdk/client-cost-explorer';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { AwsCostExplorer } from '../../src/aws/cost-explorer.js';
import { EstateError } from '../../src/errors.js';

const meta = { $metadata: {} };
const mock = mockClient(CostExplorerClient);
const adapter = () =>
  new AwsCostExplorer(
    new CostExplorerClient({ region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } }),
  );
const cost = (amount: string) => ({ UnblendedCost: { Amount: amount, Unit: 'USD' } });

beforeEach(() => mock.reset());

describe('AwsCostExplorer: GetCostAndUsage', () => {
  it('Given two pages grouped by the estate:env tag, When queried, Then the pages join, tag values are unwrapped and requests are counted', async () => {
    mock
      .on(GetCostAndUsageCommand)
      .resolvesOnce({
        ResultsByTime: [
          {
            TimePeriod: { Start: '2026-09-01', End: '2026-10-01' },
            Groups: [
              { Keys: ['estate:env$alice'], Metrics: cost('12.34') },
              { Keys: ['estate:env$'], Metrics: cost('5') },
            ],
            Estimated: false,
          },
        ],
        NextPageToken: 'p2',
      })
      .resolvesOnce({
        ResultsByTime: [
          {
            TimePeriod: { Start: '2026-10-01', End: '2026-11-01' },
            Groups: [{ Keys: ['estate:env$alice'], Metrics: cost('3.5') }],
            Estimated: true,
          },
        ],
      });

    const ce = adapter();
    const result = await ce.costAndUsage({
      start: '2026-09-01',
      end: '2026-11-01',
      groupBy: { type: 'tag', key: 'estate:env' },
    });

    expect(result.requests).toBe(2);
    expect(ce.requestCount()).toBe(2);
    expect(result.points).toEqual([
      { period: '2026-09', group: 'alice', amountUsd: 12.34, estimated: false },
      { period: '2026-09', group: '', amountUsd: 5, estimated: false },
      { period: '2026-10', group: 'alice', amountUsd: 3.5, estimated: true },
    ]);
    const inputs = mock.commandCalls(GetCostAndUsageCommand).map((c) => c.args[0].input);
    expect(inputs[0]).toEqual({
      TimePeriod: { Start: '2026-09-01', End: '2026-11-01' },
      Granularity: 'MONTHLY',
      Metrics: ['UnblendedCost'],
      GroupBy: [{ Type: 'TAG', Key: 'estate:env' }],
    });
    expect(inputs[1]!.NextPageToken).toBe('p2');
  });

  it('Given a grouping by linked account, When queried, Then account names come from DimensionValueAttributes', async () => {
    mock.on(GetCostAndUsageCommand).resolves({
      ResultsByTime: [
        {
          TimePeriod: { Start: '2026-10-01', End: '2026-11-01' },
          Groups: [{ Keys: ['222222222222'], Metrics: cost('40') }],
        },
      ],
      DimensionValueAttributes: [{ Value: '222222222222', Attributes: { description: 'dev-alice' } }],
    });
    const result = await adapter().costAndUsage({
      start: '2026-10-01',
      end: '2026-11-01',
      groupBy: { type: 'dimension', key: 'LINKED_ACCOUNT' },
    });
    expect(result.groupNames).toEqual({ '222222222222': 'dev-alice' });
    expect(mock.commandCalls(GetCostAndUsageCommand)[0]!.args[0].input.GroupBy).toEqual([
      { Type: 'DIMENSION', Key: 'LINKED_ACCOUNT' },
    ]);
  });

  it('Given the caller lacks Cost Explorer access, When queried, Then the error names ce:GetCostAndUsage', async () => {
    mock
      .on(GetCostAndUsageCommand)
      .rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException', ...meta }));
    const error = (await adapter()
      .costAndUsage({
        start: '2026-10-01',
        end: '2026-11-01',
        groupBy: { type: 'dimension', key: 'SERVICE' },
      })
      .catch((e: unknown) => e)) as EstateError;
    expect(error).toBeInstanceOf(EstateError);
    expect(error.message).toContain('the caller lacks ce:GetCostAndUsage');
    expect(error.suggestions[0]).toMatch(/management account/);
  });
});

describe('AwsCostExplorer: cost allocation tags', () => {
  it('Given paged tag statuses, When listing estate keys, Then every NextToken is followed with the keys asked for', async () => {
    mock
      .on(ListCostAllocationTagsCommand)
      .resolvesOnce({
        CostAllocationTags: [{ TagKey: 'estate:env', Type: 'UserDefined', Status: 'Inactive' }],
        NextToken: 'n1',
      })
      .resolvesOnce({
        CostAllocationTags: [{ TagKey: 'cost-center', Type: 'UserDefined', Status: 'Active' }],
      });
    const ce = adapter();
    const tags = await ce.listCostAllocationTags(['estate:env', 'cost-center', 'environment']);
    // Each page is a billed request, the plan's tag read included.
    expect(ce.requestCount()).toBe(2);
    expect(tags).toEqual([
      { key: 'estate:env', status: 'Inactive', type: 'UserDefined' },
      { key: 'cost-center', status: 'Active', type: 'UserDefined' },
    ]);
    const inputs = mock.commandCalls(ListCostAllocationTagsCommand).map((c) => c.args[0].input);
    expect(inputs).toEqual([
      { TagKeys: ['estate:env', 'cost-center', 'environment'], Type: 'UserDefined' },
      { TagKeys: ['estate:env', 'cost-center', 'environment'], Type: 'UserDefined', NextToken: 'n1' },
    ]);
  });

  it('Given one key AWS does not know, When activating, Then the others are activated and the refusal is returned', async () => {
    mock.on(UpdateCostAllocationTagsStatusCommand).resolves({
      Errors: [{ TagKey: 'environment', Code: 'TagKeysNotFound', Message: 'not found in billing data' }],
    });
    const refused = await adapter().activateCostAllocationTags(['estate:env', 'environment']);
    expect(refused).toEqual([{ key: 'environment', reason: 'TagKeysNotFound: not found in billing data' }]);
    expect(mock.commandCalls(UpdateCostAllocationTagsStatusCommand)[0]!.args[0].input).toEqual({
      CostAllocationTagsStatus: [
        { TagKey: 'estate:env', Status: 'Active' },
        { TagKey: 'environment', Status: 'Active' },
      ],
    });
  });

  it('Given 25 keys, When activating, Then they go in batches of at most 20', async () => {
    mock.on(UpdateCostAllocationTagsStatusCommand).resolves({});
    await adapter().activateCostAllocationTags(Array.from({ length: 25 }, (_, i) => `k${i}`));
    expect(
      mock
        .commandCalls(UpdateCostAllocationTagsStatusCommand)
        .map((c) => c.args[0].input.CostAllocationTagsStatus!.length),
    ).toEqual([20, 5]);
  });
});
