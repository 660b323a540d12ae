/**
 * TaggingPort over Resource Groups Tagging API clients, one per (account, region): the
 * member account through the assumed access role. GetResources follows PaginationToken
 * (100 resources a page); TagResources takes at most 20 ARNs a call and reports refusals
 * per ARN in FailedResourcesMap, which the port returns rather than throws.
 */
import {
  paginateGetResources,
  ResourceGroupsTaggingAPIClient,
  TagResourcesCommand,
  type ResourceTagMapping,
  type TagResourcesOutput,
} from '@aws-sdk/client-resource-groups-tagging-api';
import type { TaggedResource, TaggingPort } from '../core/tags/ports.js';
import type { AwsClients } from './clients.js';
import { mapAwsError } from './errors.js';
import { collectPages, pagesOf } from './paginate.js';
import type { SendLike } from './send.js';

export const TAG_RESOURCES_BATCH = 20;

export class AwsTagging implements TaggingPort {
  private readonly clients = new Map<string, SendLike>();

  /** `clientFor(accountId, region)` returns a (wrapped) client acting in that account and region. */
  constructor(private readonly clientFor: (accountId: string, region: string) => SendLike) {}

  private client(accountId: string, region: string): SendLike {
    const key = `${accountId}/${region}`;
    let client = this.clients.get(key);
    if (!client) {
      client = this.clientFor(accountId, region);
      this.clients.set(key, client);
    }
    return client;
  }

  async listResources(accountId: string, region: string): Promise<TaggedResource[]> {
    let mappings: ResourceTagMapping[];
    try {
      mappings = await collectPages(
        'GetResources',
        paginateGetResources(pagesOf(ResourceGroupsTaggingAPIClient, this.client(accountId, region)), {
          ResourcesPerPage: 100,
        }),
        (page) => page.ResourceTagMappingList,
      );
    } catch (error) {
      throw mapAwsError(error, {
        action: 'GetResources',
        account: accountId,
        target: `in ${region}`,
        permission: 'tag:GetResources',
      });
    }
    return mappings
      .filter((m) => m.ResourceARN)
      .map((m) => ({
        arn: m.ResourceARN!,
        tags: Object.fromEntries((m.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? ''])),
      }));
  }

  async tagResources(
    accountId: string,
    region: string,
    arns: readonly string[],
    tags: Readonly<Record<string, string>>,
  ): Promise<{ arn: string; reason: string }[]> {
    const refused: { arn: string; reason: string }[] = [];
    for (let i = 0; i < arns.length; i += TAG_RESOURCES_BATCH) {
      const batch = arns.slice(i, i + TAG_RESOURCES_BATCH);
      try {
        const out = (await this.client(accountId, region).send(
          new TagResourcesCommand({ ResourceARNList: batch, Tags: { ...tags } }),
        )) as TagResourcesOutput;
        for (const [arn, info] of Object.entries(out.FailedResourcesMap ?? {}))
          refused.push({ arn, reason: [info.ErrorCode, info.ErrorMessage].filter(Boolean).join(': ') });
      } catch (error) {
        throw mapAwsError(error, {
          action: 'TagResources',
          account: accountId,
          target: `${batch.length} resource${batch.length === 1 ? '' : 's'} in ${region}`,
          permission: 'tag:TagResources (and the service’s own Tag* permission)',
        });
      }
    }
    return refused;
  }
}

export function taggingPort(clients: AwsClients): AwsTagging {
  return new AwsTagging((account, region) =>
    clients.client(ResourceGroupsTaggingAPIClient, 'RESOURCE_GROUPS_TAGGING_API', { account, region }),
  );
}
