import {
  GetResourcesCommand,
  ResourceGroupsTaggingAPIClient,
  TagResourcesCommand,
} from '@aws-sdk/client-resource-groups-tagging-api';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { AwsTagging } from '../../src/aws/tagging.js';
import { EstateError } from '../../src/errors.js';

const meta = { $metadata: {} };
const mock = mockClient(ResourceGroupsTaggingAPIClient);
const scopes: string[] = [];
const adapter = () =>
  new AwsTagging((account, region) => {
    scopes.push(`${account}/${region}`);
    return new ResourceGroupsTaggingAPIClient({
      region,
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    });
  });

beforeEach(() => {
  mock.reset();
  scopes.length = 0;
});

describe('AwsTagging', () => {
  it('Given three pages of resources, When listing, Then every PaginationToken is followed and tags become a map', async () => {
    mock
      .on(GetResourcesCommand)
      .resolvesOnce({
        ResourceTagMappingList: [
          { ResourceARN: 'arn:aws:s3:::bucket-a', Tags: [{ Key: 'cost-center', Value: 'platform' }] },
        ],
        PaginationToken: 'p1',
      })
      .resolvesOnce({ ResourceTagMappingList: [], PaginationToken: 'p2' })
      .resolvesOnce({
        ResourceTagMappingList: [
          { ResourceARN: 'arn:aws:dynamodb:eu-west-2:222222222222:table/users', Tags: [] },
        ],
        PaginationToken: '',
      });

    const resources = await adapter().listResources('222222222222', 'eu-west-2');

    expect(resources).toEqual([
      { arn: 'arn:aws:s3:::bucket-a', tags: { 'cost-center': 'platform' } },
      { arn: 'arn:aws:dynamodb:eu-west-2:222222222222:table/users', tags: {} },
    ]);
    expect(mock.commandCalls(GetResourcesCommand).map((c) => c.args[0].input)).toEqual([
      { ResourcesPerPage: 100 },
      { ResourcesPerPage: 100, PaginationToken: 'p1' },
      { ResourcesPerPage: 100, PaginationToken: 'p2' },
    ]);
    expect(scopes).toEqual(['222222222222/eu-west-2']);
  });

  it('Given 45 resources to tag, When tagging, Then calls carry at most 20 ARNs and refusals are returned per ARN', async () => {
    mock
      .on(TagResourcesCommand)
      .resolvesOnce({
        FailedResourcesMap: {
          'arn:r3': { StatusCode: 400, ErrorCode: 'InvalidParameterException', ErrorMessage: 'not taggable' },
        },
      })
      .resolves({});
    const arns = Array.from({ length: 45 }, (_, i) => `arn:r${i}`);

    const refused = await adapter().tagResources('222222222222', 'us-east-1', arns, {
      'cost-center': 'platform',
    });

    expect(refused).toEqual([{ arn: 'arn:r3', reason: 'InvalidParameterException: not taggable' }]);
    const inputs = mock.commandCalls(TagResourcesCommand).map((c) => c.args[0].input);
    expect(inputs.map((i) => i.ResourceARNList!.length)).toEqual([20, 20, 5]);
    expect(inputs[0]!.Tags).toEqual({ 'cost-center': 'platform' });
  });

  it('Given the role lacks tag:GetResources, When listing, Then the error names the account, the region and the permission', async () => {
    mock
      .on(GetResourcesCommand)
      .rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException', ...meta }));
    const error = (await adapter()
      .listResources('222222222222', 'eu-west-2')
      .catch((e: unknown) => e)) as EstateError;
    expect(error).toBeInstanceOf(EstateError);
    expect(error.message).toBe(
      'cannot GetResources in eu-west-2 in account 222222222222: the caller lacks tag:GetResources (AccessDeniedException)',
    );
  });
});
