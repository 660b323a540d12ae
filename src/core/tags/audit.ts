/**
 * `estate tags audit`: in each account (concurrently) and each region, list resources
 * through the Tagging API and report those missing a mandatory tag or holding a value
 * the config does not allow. An account that cannot be read is reported, not fatal.
 */
import type { EstateConfig } from '../../config/schema.js';
import { settleConcurrent } from '../concurrency.js';
import { type IoHost, silentIoHost, startTask } from '../io.js';
import { resourceTypeOf, type TaggedResource, type TaggingPort } from './ports.js';
import { NOTE_UNTAGGED_INVISIBLE, mergeRegions, visibilityNotes, type TagScanRegions } from './regions.js';

export interface MandatoryTag {
  readonly key: string;
  readonly default?: string;
  readonly allowed?: readonly string[];
}

export interface ForbiddenValue {
  readonly key: string;
  readonly value: string;
  readonly allowed: readonly string[];
}

export interface TagFinding {
  readonly account: string;
  readonly accountId: string;
  readonly region: string;
  readonly arn: string;
  readonly resourceType: string;
  readonly missing: readonly string[];
  readonly forbidden: readonly ForbiddenValue[];
}

export interface AccountAudit {
  readonly account: string;
  readonly accountId: string;
  readonly regions: readonly string[];
  readonly resources: number;
  readonly compliant: number;
  readonly nonCompliant: number;
  /** Set when the account (or one of its regions) could not be read. */
  readonly error?: string;
}

export interface TagAuditReport {
  readonly mandatory: readonly MandatoryTag[];
  /** Regions listed; `globalRegion` only for global resources when `globalAdded`. */
  readonly scan: TagScanRegions;
  readonly accounts: readonly AccountAudit[];
  readonly findings: readonly TagFinding[];
  readonly resources: number;
  readonly nonCompliant: number;
  /** Accounts that could not be audited. */
  readonly failed: number;
  readonly notes: readonly string[];
}

export interface AuditTarget {
  readonly name: string;
  readonly id: string;
}

/** What is wrong with one resource's tags, or undefined when nothing is. Pure. */
export function evaluateTags(
  tags: Readonly<Record<string, string>>,
  mandatory: readonly MandatoryTag[],
): { missing: string[]; forbidden: ForbiddenValue[] } | undefined {
  const missing: string[] = [];
  const forbidden: ForbiddenValue[] = [];
  for (const m of mandatory) {
    const value = tags[m.key];
    if (value === undefined) missing.push(m.key);
    else if (m.allowed && !m.allowed.includes(value))
      forbidden.push({ key: m.key, value, allowed: m.allowed });
  }
  return missing.length || forbidden.length ? { missing, forbidden } : undefined;
}

export interface AuditOptions {
  /** Regions to list (tagScanRegions): the governed ones and the global region. */
  readonly scan: TagScanRegions;
  readonly concurrency: number;
  readonly io?: IoHost;
}

export { NOTE_UNTAGGED_INVISIBLE };

export async function auditTags(
  port: TaggingPort,
  config: EstateConfig,
  targets: readonly AuditTarget[],
  options: AuditOptions,
): Promise<TagAuditReport> {
  const mandatory: MandatoryTag[] = config.tags?.mandatory ?? [];
  const findings: TagFinding[] = [];
  const settled = await settleConcurrent(targets, options.concurrency, (target) =>
    auditAccount(port, target, mandatory, options, findings),
  );
  const accounts = settled.map((s, i) =>
    s.status === 'fulfilled' ? s.value : unreadAccount(targets[i]!, options.scan.regions, s.reason),
  );
  findings.sort(
    (a, b) =>
      a.account.localeCompare(b.account) || a.region.localeCompare(b.region) || a.arn.localeCompare(b.arn),
  );
  const notes = visibilityNotes(options.scan);
  if (mandatory.length === 0)
    notes.push('tags.mandatory is empty in estate.yaml: every resource is compliant by definition.');
  return {
    mandatory,
    scan: options.scan,
    accounts,
    findings,
    resources: accounts.reduce((n, a) => n + a.resources, 0),
    nonCompliant: accounts.reduce((n, a) => n + a.nonCompliant, 0),
    failed: accounts.filter((a) => a.error).length,
    notes,
  };
}

/** One account's audit (one task); its findings are added to `findings`. */
async function auditAccount(
  port: TaggingPort,
  target: AuditTarget,
  mandatory: readonly MandatoryTag[],
  options: AuditOptions,
  findings: TagFinding[],
): Promise<AccountAudit> {
  const task = await startTask(
    options.io ?? silentIoHost,
    `tags:${target.name}`,
    `audit tags in ${target.name} (${target.id})`,
  );
  const regions = options.scan.regions;
  const { listed, errors } = await listRegions(port, target, regions);
  let resources = 0;
  let nonCompliant = 0;
  // Each ARN once across regions; global ones under the region that lists them.
  for (const [region, list] of mergeRegions(listed, options.scan)) {
    for (const resource of list) {
      resources++;
      const problem = evaluateTags(resource.tags, mandatory);
      if (!problem) continue;
      nonCompliant++;
      findings.push({
        account: target.name,
        accountId: target.id,
        region,
        arn: resource.arn,
        resourceType: resourceTypeOf(resource.arn),
        ...problem,
      });
    }
  }
  const audit: AccountAudit = {
    account: target.name,
    accountId: target.id,
    regions,
    resources,
    compliant: resources - nonCompliant,
    nonCompliant,
    ...(errors.length ? { error: errors.join('; ') } : {}),
  };
  if (errors.length) await task.fail(audit.error!);
  else await task.done(`${resources} resources, ${nonCompliant} non-compliant`);
  return audit;
}

/** The account's resources in each region, and the regions that could not be listed. */
async function listRegions(
  port: TaggingPort,
  target: AuditTarget,
  regions: readonly string[],
): Promise<{ listed: Map<string, TaggedResource[]>; errors: string[] }> {
  const perRegion = await Promise.allSettled(regions.map((region) => port.listResources(target.id, region)));
  const errors: string[] = [];
  const listed = new Map<string, TaggedResource[]>();
  perRegion.forEach((r, i) => {
    const region = regions[i]!;
    if (r.status === 'rejected')
      errors.push(`${region}: ${(r.reason as Error)?.message ?? String(r.reason)}`);
    else listed.set(region, r.value);
  });
  return { listed, errors };
}

/** An account that could not be audited at all. */
function unreadAccount(target: AuditTarget, regions: readonly string[], reason: unknown): AccountAudit {
  return {
    account: target.name,
    accountId: target.id,
    regions,
    resources: 0,
    compliant: 0,
    nonCompliant: 0,
    error: (reason as Error)?.message ?? String(reason),
  };
}
