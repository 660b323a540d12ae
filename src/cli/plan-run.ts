/**
 * What `plan` and `apply` share: load the config, build the sections (with AWS clients, or
 * none offline), check the caller, and run the planner, saying which section it reads
 * through the output mode's IoHost (stderr, nothing under --json).
 */
import { Flags } from '@oclif/core';
import { loadCheckedConfig } from '../config/load-checked.js';
import type { LoadedConfig } from '../config/loader.js';
import { planEstate, type PlanRun } from '../core/plan/engine.js';
import type { AwsClients } from '../aws/clients.js';
import { IO, ioMessage } from '../core/io.js';
import type { PlanScope } from '../core/plan/scope.js';
import { cliIoHost } from './io-host.js';
import { planSections, type Sections } from './wiring.js';
import type { OutputMode } from './output.js';

export interface PlanFlags {
  readonly config: string;
  readonly profile?: string;
  readonly region?: string;
  readonly timeout?: number;
  readonly offline?: boolean;
  readonly prune?: boolean;
  readonly concurrency: number;
  readonly section?: readonly string[];
  readonly account?: readonly string[];
  /** `apply --no-wait`: start the governance stack and return. */
  readonly noWait?: boolean;
}

/** `--section` / `--account`, the same on plan and apply. */
export const scopeFlags = {
  section: Flags.string({
    multiple: true,
    summary: 'Plan only this section (organization, policies, controltower, budgets); repeat for several.',
  }),
  account: Flags.string({
    char: 'a',
    multiple: true,
    summary: 'Plan only changes that concern this account (its estate name); repeat for several.',
  }),
};

/** The scope the flags ask for; none: the whole estate. */
export function scopeFromFlags(flags: Pick<PlanFlags, 'section' | 'account'>): PlanScope {
  return {
    ...(flags.section?.length ? { sections: [...new Set(flags.section)] } : {}),
    ...(flags.account?.length ? { accounts: [...new Set(flags.account)] } : {}),
  };
}

export interface ComputedPlan extends PlanRun {
  readonly loaded: LoadedConfig;
  readonly sections: Sections;
  readonly clients?: AwsClients;
}

export async function computePlan(
  flags: PlanFlags,
  mode: OutputMode,
  scope: PlanScope = scopeFromFlags(flags),
): Promise<ComputedPlan> {
  const loaded = await loadCheckedConfig(flags.config);
  const offline = Boolean(flags.offline);
  // Offline plans build no client: the SDK and the HTTP handler stay unloaded.
  const clients = offline
    ? undefined
    : (await import('./aws-context.js')).awsClientsFor(loaded.config, flags, loaded.dir);
  const sections = await planSections(loaded, clients, {
    prune: Boolean(flags.prune),
    concurrency: flags.concurrency,
    noWait: Boolean(flags.noWait),
  });
  const io = cliIoHost(mode, { interactive: false });
  const run = await planEstate(loaded.config, sections.list, {
    offline,
    scope,
    onSection: offline
      ? undefined
      : (name) => void io.notify(ioMessage('info', IO.SECTION_PLAN, `planning ${name}…`, { section: name })),
  });
  return { ...run, loaded, sections, clients };
}
