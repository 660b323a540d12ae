/**
 * Where `tags audit` and `tags apply` look. The Tagging API is regional: it lists a
 * region's resources only, and global resources (CloudFront distributions, Route 53
 * hosted zones, ...) appear only in the partition's global region (us-east-1 in aws).
 * So the governed regions are scanned plus that one, each once, and a resource seen in
 * two regions counts once, under the region through which it can be tagged.
 */
import { partitionOf } from '../../config/rules.js';
import type { EstateConfig } from '../../config/schema.js';
import type { TaggedResource } from './ports.js';

/** The region whose Tagging API lists the partition's global resources. */
const GLOBAL_REGION: Readonly<Record<string, string>> = { aws: 'us-east-1' };

export interface TagScanRegions {
  /** Regions to list, each once: governed ones first, then the global region if not governed. */
  readonly regions: readonly string[];
  /** The region that lists global resources, when it is scanned. */
  readonly globalRegion?: string;
  /** True when the global region is scanned only for global resources (it is not governed). */
  readonly globalAdded: boolean;
}

/** `only` (the --region flag) scans just that region; otherwise governed regions + the global one. */
export function tagScanRegions(config: EstateConfig, only?: string): TagScanRegions {
  const global = GLOBAL_REGION[partitionOf(config.organization.homeRegion)];
  if (only)
    return { regions: [only], ...(only === global ? { globalRegion: global } : {}), globalAdded: false };
  const governed = [...new Set(config.organization.governedRegions)];
  if (!global) return { regions: governed, globalAdded: false };
  const globalAdded = !governed.includes(global);
  return { regions: globalAdded ? [...governed, global] : governed, globalRegion: global, globalAdded };
}

/**
 * An ARN without a region ('arn:aws:cloudfront::111:distribution/E1') names a global
 * resource, except S3's: a bucket's ARN has no region, yet each region lists its own buckets.
 */
export function isGlobalArn(arn: string): boolean {
  const [, , service, region] = arn.split(':');
  return region === '' && service !== 's3';
}

/**
 * One entry per ARN across regions. A global ARN seen in several regions belongs to the
 * global region (where TagResources accepts it); otherwise the first region wins. From a
 * global region that is not governed, only global resources are kept: its regional
 * resources are outside the estate.
 */
export function mergeRegions(
  perRegion: ReadonlyMap<string, readonly TaggedResource[]>,
  scan: TagScanRegions,
): Map<string, TaggedResource[]> {
  const owner = new Map<string, string>();
  for (const [region, list] of perRegion)
    for (const r of list) {
      if (scan.globalAdded && region === scan.globalRegion && !isGlobalArn(r.arn)) continue;
      const seen = owner.get(r.arn);
      if (seen === undefined || (region === scan.globalRegion && isGlobalArn(r.arn)))
        owner.set(r.arn, region);
    }
  const merged = new Map<string, TaggedResource[]>([...perRegion.keys()].map((region) => [region, []]));
  for (const [region, list] of perRegion) {
    const kept = new Set<string>();
    for (const r of list)
      if (owner.get(r.arn) === region && !kept.has(r.arn)) {
        kept.add(r.arn);
        merged.get(region)!.push(r);
      }
  }
  return merged;
}

export const NOTE_UNTAGGED_INVISIBLE =
  'The Tagging API lists only resources that carry (or once carried) a tag: a resource never tagged at all does not appear here.';

export const NOTE_UNSUPPORTED_SERVICES =
  'Resources of services that take tags only through their own API are not listed by the Tagging API either (AWS lists the services it covers: https://docs.aws.amazon.com/resourcegroupstagging/latest/APIReference/supported-services.html).';

/** What the scan could not see, in words. */
export function visibilityNotes(scan: TagScanRegions): string[] {
  const notes = [NOTE_UNTAGGED_INVISIBLE, NOTE_UNSUPPORTED_SERVICES];
  if (scan.globalAdded)
    notes.push(
      `Global resources (CloudFront, Route 53, ...) are listed only in ${scan.globalRegion}: it was scanned for them too, though it is not a governed region.`,
    );
  else if (!scan.globalRegion)
    notes.push(
      `Only ${scan.regions.join(', ')} ${scan.regions.length === 1 ? 'was' : 'were'} scanned: global resources (CloudFront, Route 53, ...) are listed only in the partition's global region (us-east-1 in aws) and are not included.`,
    );
  return notes;
}
