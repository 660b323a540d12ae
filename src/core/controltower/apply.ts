/**
 * Applies the Control Tower changes through the environment engine's ports: bootstraps the
 * management and audit accounts with the toolkit, activates StackSets' organisations access,
 * and deploys each platform stack with the toolkit, synthesised now with the ids the
 * organisation section produced in this apply. The plan's confirmation is the approval: the
 * toolkit's own confirmation is answered yes. A stack whose synthesised template equals the
 * live one is not deployed.
 *
 * - Governance with access management on and no Identity Center baseline yet: the landing
 *   zone is deployed first (without OU baselines and controls), then the whole stack with the
 *   Identity Center baseline the landing zone enabled.
 * - `--no-wait`: the governance stack's change set is prepared by the toolkit (execute: false)
 *   and executed with ExecuteChangeSet; the change reports it started. The other stacks wait.
 * - The baseline reads the sink ARN from the monitoring stack it depends on.
 */
import { BASELINE_STACK_SET, MONITORING_STACK, PLATFORM_OUTPUTS } from '../../blueprints/platform.js';
import { EstateError, userError } from '../../errors.js';
import { assemblyStacks, DEPLOYED_AT, DEPLOYED_BY, isUnchanged } from '../env/common.js';
import type { EnvDeps, StackLocation, ToolkitPort } from '../env/ports.js';
import type { SynthResult } from '../env/synth.js';
import type { IoHost, Task } from '../io.js';
import { executeChanges, newExecutionState, type ChangeHandler } from '../plan/execute.js';
import type { EstateOutputs } from '../plan/outputs.js';
import type { ApplyContext } from '../plan/section.js';
import type { Change, ChangeResult } from '../plan/types.js';
import {
  baselinePending,
  desiredControlTower,
  governancePending,
  monitoringPending,
  ouArn,
  type DesiredControlTower,
} from './desired.js';
import type { BootstrapPayload, StackPayload } from './planner.js';
import type { ControlTowerDeps } from './ports.js';
import { identityCenterBaseline } from './snapshot.js';
import type { PlatformSynth } from './synth.js';

export interface ControlTowerApplyDeps {
  readonly ct: ControlTowerDeps;
  readonly env: Pick<EnvDeps, 'stacks' | 'bootstrap'> & {
    /** The toolkit, speaking to the apply's IoHost; loaded on the first bootstrap or deploy. */
    readonly toolkit: (io: IoHost) => Promise<ToolkitPort>;
  };
  readonly synth: PlatformSynth;
  /** The caller, for the estate:deployed-by tag. */
  readonly caller: () => Promise<{ readonly arn: string }>;
  /** The organisation, when it was created in this apply (the plan's outputs lack it). */
  readonly organization?: () => Promise<
    { readonly id: string; readonly managementAccountId: string } | undefined
  >;
  /** `apply --no-wait`: start the governance stack and return. @default false */
  readonly noWait?: boolean;
}

/** What `--no-wait` tells the person once the governance change set runs. */
export const STARTED_MESSAGE = 'started; follow with `estate ct status`';

export async function applyControlTower(
  deps: ControlTowerApplyDeps,
  changes: readonly Change[],
  context: ApplyContext,
): Promise<ChangeResult[]> {
  let toolkit: Promise<ToolkitPort> | undefined;
  const loadToolkit = () => (toolkit ??= deps.env.toolkit(context.io));
  let org: Promise<EstateOutputs['organization']> | undefined;
  const organization = () =>
    (org ??= context.outputs.organization
      ? Promise.resolve(context.outputs.organization)
      : (deps.organization?.() ?? Promise.resolve(undefined)));
  const state = newExecutionState();
  /** The desired estate with the ids known now (accounts and OUs created moments ago). */
  const desiredNow = async (): Promise<DesiredControlTower> => {
    const found = await organization();
    const outputs: EstateOutputs = {
      accountIds: context.outputs.accountIds,
      ouIds: context.outputs.ouIds,
      ...(found ? { organization: found } : {}),
    };
    const d = desiredControlTower(context.config, outputs);
    if (!d)
      throw new EstateError('internal: controlTower is off, yet the plan has its changes', {
        code: 'NoControlTower',
        source: 'internal',
      });
    return d;
  };
  const run: StackRun = { deps, context, loadToolkit, desiredNow, outputsOf: (a) => state.outputs.get(a) };
  const stack: ChangeHandler = (change, task) => deployPlatformStack(run, change, task);
  const results = await executeChanges(changes, {
    io: context.io,
    concurrency: context.concurrency,
    state,
    handlers: {
      'bootstrap/create': async (change, task) => {
        await bootstrap(run, change.payload as unknown as BootstrapPayload, task);
        return undefined;
      },
      'stacksets-access/create': async (change, task) => {
        const region = String(change.payload.region);
        await task.update('ActivateOrganizationsAccess, waiting for ENABLED');
        await deps.ct.stackSets.activateOrganizationsAccess(region);
        return undefined;
      },
      'stack/create': stack,
      'stack/update': stack,
    },
  });
  // A stack started with --no-wait is applied as far as this run goes: say what follows.
  return results.map((r) => (r.outputs?.started ? { ...r, message: STARTED_MESSAGE } : r));
}

interface StackRun {
  readonly deps: ControlTowerApplyDeps;
  readonly context: ApplyContext;
  readonly loadToolkit: () => Promise<ToolkitPort>;
  readonly desiredNow: () => Promise<DesiredControlTower>;
  readonly outputsOf: (address: string) => Record<string, string> | undefined;
}

const idOf = (account: { name: string; id?: string }, outputs: EstateOutputs): string | undefined =>
  account.id ?? outputs.accountIds.get(account.name);

async function bootstrap(run: StackRun, p: BootstrapPayload, task: Task): Promise<void> {
  const accountId = idOf(p.account, run.context.outputs);
  if (!accountId)
    throw new EstateError(`cannot bootstrap account ${p.account.name}: it does not exist`, {
      code: 'AccountMissing',
      source: 'user',
      suggestions: [
        'its creation in the organization section failed or was skipped: see above, then apply again',
      ],
    });
  if (!p.executionPolicies.length)
    throw userError(
      'NoExecutionPolicies',
      `${accountId} in ${p.region} is not CDK-bootstrapped (qualifier ${p.qualifier}), and deployments.executionPolicies is not set: estate will not choose the CloudFormation execution role's permissions for you`,
      [
        'set deployments.executionPolicies in estate.yaml to the managed policy ARNs deployments may use (arn:aws:iam::aws:policy/AdministratorAccess only if you mean it)',
      ],
    );
  const trusted = p.trustedAccounts.map((t) =>
    /^\d{12}$/.test(t) ? t : run.context.outputs.accountIds.get(t),
  );
  if (trusted.some((t) => !t))
    throw userError(
      'UnknownTrustedAccount',
      `deployments.trustedAccounts names an account that does not exist`,
      ['name an account under accounts that exists, or give its 12-digit id'],
    );
  await (
    await run.loadToolkit()
  ).bootstrap({
    at: { accountId, region: p.region },
    qualifier: p.qualifier,
    trustedAccounts: trusted as string[],
    executionPolicies: [...p.executionPolicies],
    task,
  });
}

function missing(stack: string, pending: readonly string[]): EstateError {
  return new EstateError(
    `cannot synthesise ${stack}: ${pending.join(', ')} ${pending.length === 1 ? 'does' : 'do'} not exist`,
    {
      code: 'PlatformInputsMissing',
      source: 'user',
      suggestions: [
        'their creation in the organization section failed or was skipped: see above, then apply again',
      ],
    },
  );
}

/** Synthesises the stack the change names with today's ids; deploys it unless unchanged. */
async function deployPlatformStack(
  run: StackRun,
  change: Change,
  task: Task,
): Promise<Record<string, string>> {
  const p = change.payload as unknown as StackPayload;
  const d = await run.desiredNow();
  const { config } = run.context;
  const home = d.homeRegion;
  switch (p.kind) {
    case 'governance': {
      const pending = governancePending(d);
      if (pending.length) throw missing(p.stack, pending);
      const at = { accountId: d.management.id!, region: home };
      const ouArns = Object.fromEntries(
        d.ous.map((o) => [o.path, ouArn(d.partition, d.management.id!, d.organizationId!, o.id!)]),
      );
      const base = {
        config,
        at,
        accountIds: Object.fromEntries(run.context.outputs.accountIds),
        ouArns,
        prerequisiteRolesExist: p.prerequisiteRolesExist ?? false,
      };
      const needsIdentityCenter = d.accessManagement && d.workloadOus.length > 0;
      let identityCenter = needsIdentityCenter ? await identityCenterBaseline(run.deps) : undefined;
      if (needsIdentityCenter && !identityCenter) {
        await task.update(
          'the landing zone first: the OU baselines need the Identity Center baseline it enables',
        );
        const first = await run.deps.synth.governance({ ...base, landingZoneOnly: true });
        const outcome = await deploy(run, first, at, p.stack, task, run.deps.noWait === true);
        if (outcome.started) return { started: 'true' };
        identityCenter = await identityCenterBaseline(run.deps);
        if (!identityCenter)
          throw new EstateError(
            `the landing zone of ${p.stack} is deployed, but Control Tower lists no Identity Center baseline for the OU baselines`,
            {
              code: 'NoIdentityCenterBaseline',
              source: 'aws',
              suggestions: [
                'check the landing zone with `estate ct status`, then apply again; or set controlTower.accessManagement: false',
              ],
            },
          );
      }
      const synth = await run.deps.synth.governance({
        ...base,
        ...(identityCenter ? { identityCenterEnabledBaselineArn: identityCenter } : {}),
      });
      const outcome = await deploy(run, synth, at, p.stack, task, run.deps.noWait === true);
      return outcome.started ? { started: 'true' } : outcome.outputs;
    }
    case 'monitoring': {
      const pending = monitoringPending(d);
      if (pending.length) throw missing(p.stack, pending);
      const at = { accountId: d.audit.id!, region: home };
      const synth = await run.deps.synth.monitoring({
        config,
        at,
        organizationId: d.organizationId!,
        accountIds: Object.fromEntries(run.context.outputs.accountIds),
      });
      return (await deploy(run, synth, at, p.stack, task, false)).outputs;
    }
    case 'baseline': {
      const pending = baselinePending(d);
      if (pending.length) throw missing(p.stack, pending);
      const at = { accountId: d.management.id!, region: home };
      const sinkArn = d.observability ? await sinkArnNow(run, d, home) : undefined;
      const synth = await run.deps.synth.baseline({
        config,
        at,
        managementAccountId: d.management.id!,
        ouIds: Object.fromEntries(d.workloadOus.map((o) => [o.path, o.id!])),
        ...(sinkArn ? { sinkArn } : {}),
      });
      const outcome = await deploy(run, synth, at, p.stack, task, false);
      await task.update(`StackSet ${BASELINE_STACK_SET} deploys to the workload OUs' accounts on its own`);
      return outcome.outputs;
    }
  }
}

/** The sink ARN: from the monitoring stack deployed in this apply, else the live one. */
async function sinkArnNow(run: StackRun, d: DesiredControlTower, home: string): Promise<string> {
  const fromApply = run.outputsOf(`stack:${MONITORING_STACK}`)?.[PLATFORM_OUTPUTS.sinkArn];
  if (fromApply) return fromApply;
  const audit = d.audit.id;
  const live = audit
    ? await run.deps.env.stacks.describeStack({ accountId: audit, region: home }, MONITORING_STACK)
    : undefined;
  const arn = live?.outputs[PLATFORM_OUTPUTS.sinkArn];
  if (!arn)
    throw new EstateError(
      `${MONITORING_STACK} in ${audit ?? d.audit.name} has no ${PLATFORM_OUTPUTS.sinkArn} output: the baseline's observability links have no sink to point at`,
      {
        code: 'NoObservabilitySink',
        source: 'aws',
        suggestions: [
          `deploy ${MONITORING_STACK} first (apply again), or set controlTower.observability.enabled: false`,
        ],
      },
    );
  return arn;
}

/** Deploys one synthesised stack (or prepares and executes its change set); skips it when unchanged. */
async function deploy(
  run: StackRun,
  synth: SynthResult,
  at: StackLocation,
  stackName: string,
  task: Task,
  noWait: boolean,
): Promise<{ outputs: Record<string, string>; started?: true }> {
  const [stack] = assemblyStacks(synth, at.accountId);
  const { stacks } = run.deps.env;
  const live = await stacks.describeStack(at, stackName);
  const template = live ? await stacks.deployedTemplate(at, stackName) : undefined;
  if (stack && isUnchanged(stack, live, template, false)) {
    await task.update('unchanged: not deployed');
    return { outputs: { ...live!.outputs } };
  }
  const now = run.context.now();
  const caller = await run.deps.caller();
  const changeSetName = `estate-${stackName}-${now.toISOString().replace(/\D/g, '').slice(0, 14)}`;
  const outcome = await (
    await run.loadToolkit()
  ).deploy({
    assemblyDir: synth.assemblyDir,
    artifactId: stack!.artifactId,
    stackName,
    at,
    task,
    tags: { ...stack!.tags, [DEPLOYED_BY]: caller.arn, [DEPLOYED_AT]: now.toISOString() },
    // The plan's confirmation (or --yes) approved this change.
    approve: async () => true,
    ...(noWait ? { execute: false, changeSetName } : {}),
  });
  switch (outcome.status) {
    case 'deployed':
      if (outcome.changeSetName) {
        await run.deps.ct.changeSets.executeChangeSet(at, stackName, outcome.changeSetName);
        await task.update(STARTED_MESSAGE);
        return { outputs: {}, started: true };
      }
      return { outputs: { ...outcome.outputs } };
    case 'unchanged':
      return { outputs: { ...outcome.outputs } };
    case 'declined':
      throw new EstateError(`${stackName}: ${outcome.reason}`, { code: 'DeployDeclined', source: 'user' });
    case 'failed':
      throw new EstateError(
        `${stackName} (${at.accountId}, ${at.region}) failed: ${outcome.failure ? `${outcome.failure.logicalId}${outcome.failure.resourceType ? ` (${outcome.failure.resourceType})` : ''}: ${outcome.failure.reason}` : outcome.reason}`,
        {
          code: 'StackFailed',
          source: 'aws',
          suggestions: [
            'fix the cause, then apply again: the stack continues from what CloudFormation shows',
          ],
        },
      );
  }
}
