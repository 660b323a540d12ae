/**
 * What `plan` and `apply` share: load the config, build the sections (with AWS clients, or
 * none offline), check the caller, and run the planner, saying which section it reads
 * through the output mode's IoHost (stderr, nothing under --json).
 */
import { loadCheckedConfig } from '../config/load-checked.js';
import type { LoadedConfig } from '../config/loader.js';
import { planEstate, type PlanRun } from '../core/plan/engine.js';
import type { AwsClients } from '../aws/clients.js';
import { IO, ioMessage } from '../core/io.js';
import { awsClientsFor } from './aws-context.js';
import { cliIoHost } from './io-host.js';
import { buildSections, type Sections } from './sections.js';
import type { OutputMode } from './output.js';

export interface PlanFlags {
  readonly config: string;
  readonly profile?: string;
  readonly region?: string;
  readonly timeout?: number;
  readonly offline?: boolean;
  readonly prune?: boolean;
  readonly concurrency: number;
}

export interface ComputedPlan extends PlanRun {
  readonly loaded: LoadedConfig;
  readonly sections: Sections;
  readonly clients?: AwsClients;
}

export async function computePlan(flags: PlanFlags, mode: OutputMode): Promise<ComputedPlan> {
  const loaded = await loadCheckedConfig(flags.config);
  const offline = Boolean(flags.offline);
  const clients = offline ? undefined : awsClientsFor(loaded.config, flags, loaded.dir);
  const sections = await buildSections(loaded, clients, {
    prune: Boolean(flags.prune),
    concurrency: flags.concurrency,
  });
  const io = cliIoHost(mode, { interactive: false });
  const run = await planEstate(loaded.config, sections.list, {
    offline,
    onSection: offline
      ? undefined
      : (name) => void io.notify(ioMessage('info', IO.SECTION_PLAN, `planning ${name}…`, { section: name })),
  });
  return { ...run, loaded, sections, clients };
}
