/**
 * `estate tags apply --account NAME --missing-only`: add the mandatory tags a resource
 * lacks, with the value estate.yaml gives that account (its own tags, its kind's tags,
 * else the tag's default). Existing values are never overwritten. Planning is pure; the
 * plan is what a dry run prints and what `--yes` writes.
 */
import type { AccountConfig, EstateConfig } from '../../config/schema.js';
import { mandatoryValues } from '../../config/tags.js';
import { settleConcurrent } from '../concurrency.js';
import { type IoHost, silentIoHost, startTask } from '../io.js';
import { resourceTypeOf, type TaggedResource, type TaggingPort } from './ports.js';

export interface TagAddition {
  readonly region: string;
  readonly arn: string;
  readonly resourceType: string;
  readonly add: Readonly<Record<string, string>>;
}

export interface TagRepairPlan {
  readonly account: string;
  readonly accountId: string;
  readonly regions: readonly string[];
  readonly additions: readonly TagAddition[];
  /** Mandatory keys estate has no value for in this account (cannot happen with a valid config). */
  readonly noValue: readonly string[];
  /** What the Tagging API could not show (visibilityNotes). */
  readonly notes: readonly string[];
}

/** Pure: the tags to add to each resource, by region. */
export function planTagRepair(
  config: EstateConfig,
  account: AccountConfig,
  accountId: string,
  resources: ReadonlyMap<string, readonly TaggedResource[]>,
  notes: readonly string[] = [],
): TagRepairPlan {
  const values = mandatoryValues(config, account);
  const noValue = Object.entries(values)
    .filter(([, v]) => v === undefined)
    .map(([k]) => k);
  const additions: TagAddition[] = [];
  for (const [region, list] of resources) {
    for (const r of list) {
      const add: Record<string, string> = {};
      for (const [key, value] of Object.entries(values))
        if (value !== undefined && r.tags[key] === undefined) add[key] = value;
      if (Object.keys(add).length)
        additions.push({ region, arn: r.arn, resourceType: resourceTypeOf(r.arn), add });
    }
  }
  additions.sort((a, b) => a.region.localeCompare(b.region) || a.arn.localeCompare(b.arn));
  return { account: account.name, accountId, regions: [...resources.keys()], additions, noValue, notes };
}

export interface TagRepairResult {
  readonly tagged: number;
  readonly failed: readonly { readonly arn: string; readonly reason: string }[];
}

/** Groups resources that need the same tags, so each TagResources call carries up to 20. */
export async function applyTagRepair(
  port: TaggingPort,
  plan: TagRepairPlan,
  options: { concurrency: number; io?: IoHost },
): Promise<TagRepairResult> {
  const groups = new Map<string, { region: string; tags: Record<string, string>; arns: string[] }>();
  for (const a of plan.additions) {
    const tags = Object.fromEntries(Object.entries(a.add).sort(([x], [y]) => x.localeCompare(y)));
    const key = `${a.region}\n${JSON.stringify(tags)}`;
    const group = groups.get(key) ?? { region: a.region, tags, arns: [] };
    group.arns.push(a.arn);
    groups.set(key, group);
  }
  const failed: { arn: string; reason: string }[] = [];
  let tagged = 0;
  const task = await startTask(
    options.io ?? silentIoHost,
    `tags-apply:${plan.account}`,
    `tag ${plan.additions.length} resources in ${plan.account}`,
  );
  const settled = await settleConcurrent([...groups.values()], options.concurrency, (g) =>
    port.tagResources(plan.accountId, g.region, g.arns, g.tags),
  );
  settled.forEach((s, i) => {
    const group = [...groups.values()][i]!;
    if (s.status === 'rejected') {
      const reason = (s.reason as Error)?.message ?? String(s.reason);
      failed.push(...group.arns.map((arn) => ({ arn, reason })));
      return;
    }
    failed.push(...s.value);
    tagged += group.arns.length - s.value.length;
  });
  if (failed.length) await task.fail(`${failed.length} resources not tagged`);
  else await task.done(`${tagged} resources tagged`);
  return { tagged, failed };
}
