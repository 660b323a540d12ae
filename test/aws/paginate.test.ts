import type { ListCostAllocationTagsCommand } from '@aws-sdk/client-cost-explorer';
import { paginateListCostAllocationTags, CostExplorerClient } from '@aws-sdk/client-cost-explorer';
import { describe, expect, it } from 'vitest';
import { collectPages, pagesOf } from '../../src/aws/paginate.js';

describe('collectPages', () => {
  it('Given a service that never stops paging, When collecting, Then it fails instead of looping forever', async () => {
    let pulled = 0;
    async function* endless() {
      for (;;) {
        pulled++;
        yield { items: [pulled] };
      }
    }
    await expect(collectPages('ListThings', endless(), (p) => p.items)).rejects.toThrow(
      /ListThings returned more than 100000 pages/,
    );
    expect(pulled).toBe(100_001);
  });

  it('Given an error that means "none", When it comes after a page, Then the earlier pages are kept', async () => {
    async function* gone() {
      yield { items: ['a', 'b'] };
      throw Object.assign(new Error('gone'), { name: 'NotFoundException' });
    }
    const notFound = (e: unknown) => (e as Error).name === 'NotFoundException';
    expect(await collectPages('DescribeThings', gone(), (p) => p.items, notFound)).toEqual(['a', 'b']);
    await expect(collectPages('DescribeThings', gone(), (p) => p.items)).rejects.toThrow('gone');
  });
});

describe('pagesOf: the SDK paginator over any client', () => {
  it('Given a plain SendLike (a fake), When paginating, Then every page is sent through it with its own input', async () => {
    const seen: object[] = [];
    const fake = {
      send: async (command: ListCostAllocationTagsCommand) => {
        seen.push(command.input);
        const page = seen.length;
        return { CostAllocationTags: [{ TagKey: `k${page}` }], NextToken: page < 3 ? `t${page}` : undefined };
      },
    };
    const tags = await collectPages(
      'ListCostAllocationTags',
      paginateListCostAllocationTags(pagesOf(CostExplorerClient, fake), { Type: 'UserDefined' }),
      (p) => p.CostAllocationTags,
    );
    expect(tags.map((t) => t.TagKey)).toEqual(['k1', 'k2', 'k3']);
    expect(seen).toEqual([
      { Type: 'UserDefined', NextToken: undefined },
      { Type: 'UserDefined', NextToken: 't1' },
      { Type: 'UserDefined', NextToken: 't2' },
    ]);
  });

  it('Given a token handed back unchanged, When paginating, Then the listing ends', async () => {
    let calls = 0;
    const stuck = {
      send: async () => ({ CostAllocationTags: [{ TagKey: `k${++calls}` }], NextToken: 'same' }),
    };
    const tags = await collectPages(
      'ListCostAllocationTags',
      paginateListCostAllocationTags(pagesOf(CostExplorerClient, stuck), {}),
      (p) => p.CostAllocationTags,
    );
    expect(tags).toHaveLength(2);
  });

  it('Given a real client, When configuring, Then the paginator gets that client itself', () => {
    const client = new CostExplorerClient({ region: 'us-east-1' });
    expect(pagesOf(CostExplorerClient, client).client).toBe(client);
  });
});
