/**
 * The Resource Groups Tagging API as `tags audit` and `tags apply` use it, in domain
 * shapes. The adapter (src/aws/tagging.ts) follows PaginationToken, acts in the member
 * account through the assumed role, and maps errors.
 *
 * GetResources lists resources that carry tags or once did: a resource that was never
 * tagged at all is invisible to it (and so to the audit).
 */

export interface TaggedResource {
  readonly arn: string;
  readonly tags: Readonly<Record<string, string>>;
}

export interface TaggingPort {
  listResources(accountId: string, region: string): Promise<TaggedResource[]>;
  /** At most 20 ARNs a call (AWS); returns the ARNs AWS refused, with its reason. */
  tagResources(
    accountId: string,
    region: string,
    arns: readonly string[],
    tags: Readonly<Record<string, string>>,
  ): Promise<{ arn: string; reason: string }[]>;
}

/** 'arn:aws:ec2:eu-west-2:111:instance/i-1' → 'ec2:instance'; 'arn:aws:s3:::bucket' → 's3'. */
export function resourceTypeOf(arn: string): string {
  const parts = arn.split(':');
  const service = parts[2] ?? 'unknown';
  const rest = parts.slice(5).join(':');
  const type = /^([^/:]+)[/:]/.exec(rest)?.[1];
  return type ? `${service}:${type}` : service;
}
