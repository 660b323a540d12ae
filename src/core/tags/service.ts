/**
 * `estate tags audit` and `estate tags apply` as services: which accounts (config ids, then
 * the organisation), which regions, then the audit or the repair. The commands parse flags,
 * build the adapters, call one of these and render what they return.
 */
import type { EstateConfig } from '../../config/schema.js';
import { settleConcurrent } from '../concurrency.js';
import { resolveAccounts, type AccountDirectory } from '../finops/account-ids.js';
import { ioMessage, type IoHost } from '../io.js';
import { applyTagRepair, planTagRepair, type TagRepairPlan, type TagRepairResult } from './apply.js';
import { auditTags, type TagAuditReport } from './audit.js';
import type { TaggedResource, TaggingPort } from './ports.js';
import { mergeRegions, tagScanRegions, visibilityNotes } from './regions.js';

/** A unit of work the caller shows progress for. */
export interface TrackedWork {
  readonly id: string;
  readonly title: string;
}

/** Runs `work` while showing its progress for the announced units of work, through `io`. */
export type TrackProgress = <T>(work: readonly TrackedWork[], run: (io: IoHost) => Promise<T>) => Promise<T>;

export interface TagsServiceDeps {
  readonly tagging: TaggingPort;
  /** Account name → id: the config's ids, then the organisation's. */
  readonly directory: AccountDirectory;
  readonly io: IoHost;
  readonly track: TrackProgress;
}

/** Codes of the messages the tags services send. */
export const TAGS_IO = {
  /** Accounts asked for that the organisation does not have yet. data: { skipped } */
  NOT_CREATED_SKIPPED: 'ESTATE_W0200',
} as const;

export interface TagsAuditOptions {
  /** Account names; empty for every account. */
  readonly accounts: readonly string[];
  /** Only this region (else every governed region and us-east-1 for global resources). */
  readonly region?: string;
  readonly concurrency: number;
}

export async function tagsAuditService(
  config: EstateConfig,
  options: TagsAuditOptions,
  deps: TagsServiceDeps,
): Promise<TagAuditReport> {
  const targets = await resolveAccounts(config, deps.directory, options.accounts);
  const asked = options.accounts.length ? options.accounts : config.accounts.map((a) => a.name);
  const skipped = asked.filter((n) => !targets.some((t) => t.name === n));
  if (skipped.length)
    await deps.io.notify(
      ioMessage(
        'warn',
        TAGS_IO.NOT_CREATED_SKIPPED,
        `not in the organisation yet, skipped: ${skipped.join(', ')}`,
        {
          skipped,
        },
      ),
    );
  const scan = tagScanRegions(config, options.region);
  return deps.track(
    targets.map((t) => ({ id: `tags:${t.name}`, title: `audit tags in ${t.name}` })),
    (io) => auditTags(deps.tagging, config, targets, { scan, concurrency: options.concurrency, io }),
  );
}

export interface TagsApplyOptions {
  /** The account to repair (its estate name). */
  readonly account: string;
  readonly region?: string;
  readonly concurrency: number;
  /** False: plan only (a dry run). */
  readonly apply: boolean;
}

export interface TagsApplyResult {
  readonly dryRun: boolean;
  readonly plan: TagRepairPlan;
  readonly result?: TagRepairResult;
}

export async function tagsApplyService(
  config: EstateConfig,
  options: TagsApplyOptions,
  deps: TagsServiceDeps,
): Promise<TagsApplyResult> {
  const [target] = await resolveAccounts(config, deps.directory, [options.account]);
  const account = config.accounts.find((a) => a.name === options.account)!;
  const scan = tagScanRegions(config, options.region);
  const { regions } = scan;

  const listed = await settleConcurrent(regions, options.concurrency, (region) =>
    deps.tagging.listResources(target!.id, region),
  );
  const failure = listed.find((r) => r.status === 'rejected');
  if (failure) throw (failure as PromiseRejectedResult).reason;
  // Each ARN once; global resources are tagged through the region that lists them.
  const resources = mergeRegions(
    new Map<string, TaggedResource[]>(
      regions.map((region, i) => [region, (listed[i] as PromiseFulfilledResult<TaggedResource[]>).value]),
    ),
    scan,
  );
  const plan = planTagRepair(config, account, target!.id, resources, visibilityNotes(scan));
  if (!options.apply || plan.additions.length === 0) return { dryRun: !options.apply, plan };

  const result = await deps.track(
    [{ id: `tags-apply:${plan.account}`, title: `tag resources in ${plan.account}` }],
    (io) => applyTagRepair(deps.tagging, plan, { concurrency: options.concurrency, io }),
  );
  return { dryRun: false, plan, result };
}
