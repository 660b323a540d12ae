/**
 * Region names checked against the AWS SDK's own partition data (the endpoint rules every
 * SDK client resolves with), offline. No list is kept here: a region is known when the
 * SDK's partition table names it, so a newer SDK knows newer regions.
 *
 * The SDK answers "which partition is this region in?" for one name at a time, so a near
 * miss is found by asking it about every name one edit away (a letter changed, added,
 * removed, or two neighbours swapped: "eu-wset-2" → "eu-west-2").
 */
import { partition } from '@aws-sdk/core/client';
import { EDGE_REGION } from '../blueprints/environment.js';

/**
 * The SDK's table lists pseudo-regions for global endpoints ("aws-global",
 * "aws-us-gov-global"); no resource lives there, so they are not regions for estate.
 */
const PSEUDO_REGION_RE = /-global$/;

const REGION_CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789-';

/** True when the SDK's partition data names `name` as a region. */
export function isKnownRegion(name: string): boolean {
  if (!name || PSEUDO_REGION_RE.test(name)) return false;
  // An explicit entry carries the region's description; a regex-only match does not.
  return (partition(name) as { description?: unknown }).description !== undefined;
}

/** The ARN partition the SDK places `region` in: aws, aws-cn, aws-us-gov, aws-iso, ... */
export function partitionOfRegion(region: string): string {
  return partition(region).name;
}

/** Every string one edit away from `value` (Damerau: substitute, insert, delete, swap). */
function oneEditAway(value: string): Set<string> {
  const out = new Set<string>();
  for (let i = 0; i <= value.length; i++) {
    const head = value.slice(0, i);
    const tail = value.slice(i);
    if (tail) out.add(head + tail.slice(1));
    if (tail.length > 1) out.add(head + tail[1] + tail[0] + tail.slice(2));
    for (const c of REGION_CHARS) {
      out.add(head + c + tail);
      if (tail) out.add(head + c + tail.slice(1));
    }
  }
  out.delete(value);
  return out;
}

/** Known regions close to `value` (case and separators normalised, then one edit away), sorted. */
export function nearRegions(value: string): string[] {
  const normalised = value
    .trim()
    .toLowerCase()
    .replace(/[\s_]+/g, '-');
  if (normalised !== value && isKnownRegion(normalised)) return [normalised];
  if (normalised.length > 32) return [];
  return [...oneEditAway(normalised)].filter(isKnownRegion).sort();
}

/** Why `value` is not a region estate can use, with a "did you mean", or undefined when it is one. */
export function regionProblem(value: string): string | undefined {
  if (isKnownRegion(value)) return undefined;
  const near = nearRegions(value);
  const hint = near.length
    ? `did you mean ${near.slice(0, 3).join(' or ')}?`
    : 'use a region name such as eu-west-2 (see `aws ec2 describe-regions`)';
  return `"${value}" is not an AWS region known to the AWS SDK; ${hint}`;
}

/**
 * The edge blueprint always deploys to us-east-1 (CloudFront's ACM certificate, the WAF web
 * ACL of CLOUDFRONT scope, the CDK assets and the SSM parameters of cross-region references,
 * the CloudFront alarms, since its metrics exist only there). estate does not carve a
 * us-east-1 exemption out of the region-deny SCP for those calls: it asks for us-east-1 to be
 * governed, like every other region a workload uses.
 */
export function edgeRegionProblem(
  blueprints: readonly string[],
  governedRegions: readonly string[],
): string | undefined {
  if (!blueprints.includes('edge') || governedRegions.includes(EDGE_REGION)) return undefined;
  return (
    `the edge blueprint deploys its stack to ${EDGE_REGION} (CloudFront certificate, WAF, CloudFront alarms), ` +
    `which organization.governedRegions (${governedRegions.join(', ')}) leaves out, so deny-outside-governed-regions would block it; ` +
    `add ${EDGE_REGION} to organization.governedRegions`
  );
}

/**
 * An organisation, its SCP conditions and its accounts live in one partition: a region of
 * another partition (cn-north-1 beside eu-west-2) can never be governed by it.
 */
export function partitionProblem(region: string, homeRegion: string): string | undefined {
  if (!isKnownRegion(region) || !isKnownRegion(homeRegion)) return undefined;
  const theirs = partitionOfRegion(region);
  const home = partitionOfRegion(homeRegion);
  if (theirs === home) return undefined;
  return `${region} is in the ${theirs} partition but the home region ${homeRegion} is in ${home}; an organisation spans one partition, so use a region of ${home} (or a separate estate for ${theirs})`;
}
