/**
 * The Resource Groups Tagging API of many accounts and regions: GetResources pages of
 * `pageSize` with an opaque PaginationToken, TagResources of at most 20 ARNs that
 * reports unsupported resources in FailedResourcesMap, AccessDenied for accounts whose
 * role cannot be used.
 */
export class FakeTaggingApi {
  readonly resources = new Map<string, { arn: string; tags: Record<string, string> }[]>();
  readonly denied = new Set<string>();
  readonly untaggable = new Set<string>();
  readonly calls: { scope: string; op: string; input: any }[] = [];
  constructor(readonly pageSize = 2) {}

  add(account: string, region: string, arn: string, tags: Record<string, string>): void {
    const key = `${account}/${region}`;
    this.resources.set(key, [...(this.resources.get(key) ?? []), { arn, tags }]);
  }

  clientFor = (account: string, region: string) => ({
    send: async (command: { constructor: { name: string }; input: any }) => {
      const op = command.constructor.name.replace(/Command$/, '');
      const scope = `${account}/${region}`;
      this.calls.push({ scope, op, input: command.input });
      if (this.denied.has(account))
        throw Object.assign(new Error('not authorised to assume the role'), {
          name: 'AccessDenied',
          $metadata: {},
        });
      const list = this.resources.get(scope) ?? [];
      if (op === 'GetResources') {
        const start = command.input.PaginationToken ? Number(command.input.PaginationToken.slice(4)) : 0;
        const page = list.slice(start, start + this.pageSize);
        return {
          ResourceTagMappingList: page.map((r) => ({
            ResourceARN: r.arn,
            Tags: Object.entries(r.tags).map(([Key, Value]) => ({ Key, Value })),
          })),
          PaginationToken: start + this.pageSize < list.length ? `tok-${start + this.pageSize}` : '',
        };
      }
      if (op === 'TagResources') {
        if (command.input.ResourceARNList.length > 20) throw new Error('at most 20 ARNs');
        const failed: Record<string, unknown> = {};
        for (const arn of command.input.ResourceARNList) {
          if (this.untaggable.has(arn)) {
            failed[arn] = {
              StatusCode: 400,
              ErrorCode: 'InvalidParameterException',
              ErrorMessage: 'not taggable',
            };
            continue;
          }
          const r = list.find((x) => x.arn === arn)!;
          Object.assign(r.tags, command.input.Tags);
        }
        return { FailedResourcesMap: failed };
      }
      throw new Error(`FakeTaggingApi does not implement ${op}`);
    },
  });
}
