/**
 * The composition root: the one place that builds the AWS adapters (Organizations, Budgets,
 * Cost Explorer, Tagging, IAM) over a command's AwsClients and hands them to core as the
 * ports each command needs. Commands take their dependencies from here and never import
 * `src/aws`; adapters know core only by its port types.
 *
 * Adapters (and through them the SDK) are imported lazily, inside each builder, so that
 * `estate --version` and `plan --offline` load none of them.
 *
 * Budgets and Cost Explorer act from the caller's account (the management account); budgets
 * under placement member and the Tagging API act in member accounts through the access role.
 */
import type { AwsClients } from '../aws/clients.js';
import type { LoadedConfig } from '../config/loader.js';
import type { EstateConfig } from '../config/schema.js';
import type { BudgetsSectionDeps } from '../core/budgets/section.js';
import type { ControlTowerDeps } from '../core/controltower/ports.js';
import type { ControlTowerSectionDeps } from '../core/controltower/section.js';
import type { CostServiceDeps } from '../core/cost/service.js';
import type { EnvDeps, LifecycleDeps, RecordsPort, StackOpsPort, ToolkitPort } from '../core/env/ports.js';
import type { EnvServiceDeps } from '../core/env/service.js';
import type { AccountDirectory } from '../core/finops/account-ids.js';
import type { OrganizationsPort } from '../core/org/ports.js';
import type { PlanSection } from '../core/plan/section.js';
import type { OrgStatusDeps } from '../core/org/status.js';
import type { IoHost } from '../core/io.js';
import type { OffboardDeps } from '../core/onboard/offboard.js';
import type { OnboardDeps } from '../core/onboard/onboard.js';
import type { TagsServiceDeps } from '../core/tags/service.js';
import { EstateError } from '../errors.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnySection = PlanSection<any>;

/** The plan sections, in the order plan and apply run them. */
export interface Sections {
  readonly list: readonly AnySection[];
}

export interface SectionOptions {
  readonly prune: boolean;
  readonly concurrency: number;
  /** `apply --no-wait`: the Control Tower section starts the governance stack and returns. */
  readonly noWait?: boolean;
}

/** A port for offline runs: any call is a bug, since offline planning reads nothing. */
function offlinePort<T extends object>(service: string): T {
  return new Proxy({} as T, {
    get: (_t, prop) => () => {
      throw new EstateError(`internal: ${service}.${String(prop)} was called during an offline plan`, {
        code: 'OfflineCall',
        source: 'internal',
      });
    },
  });
}

const callerAccount = (clients: AwsClients) => async () => (await clients.callerIdentity()).account;

/** Organizations in the management account. */
export async function organizationsPortFor(clients: AwsClients): Promise<OrganizationsPort> {
  const { organizationsFor } = await import('../aws/organizations.js');
  return organizationsFor(clients);
}

/** Everything `budgetsSection` needs, sharing the umbrella's OrganizationsPort. */
async function budgetsSectionDeps(
  clients: AwsClients,
  organizations: OrganizationsPort,
): Promise<BudgetsSectionDeps> {
  const [{ enforcementPolicyOver }, { budgetsPort }, { costExplorerPort }, { actionRolesPort }] =
    await Promise.all([
      import('../core/budgets/enforcement-policy.js'),
      import('../aws/budgets.js'),
      import('../aws/cost-explorer.js'),
      import('../aws/iam.js'),
    ]);
  return {
    budgets: budgetsPort(clients),
    costAllocationTags: costExplorerPort(clients),
    enforcementPolicy: enforcementPolicyOver(organizations),
    actionRoles: actionRolesPort(clients),
    managementAccountId: callerAccount(clients),
  };
}

const offlineBudgetsDeps = (): BudgetsSectionDeps => ({
  budgets: offlinePort('budgets'),
  costAllocationTags: offlinePort('cost explorer'),
  enforcementPolicy: offlinePort('organizations'),
  managementAccountId: offlinePort<{ call: () => Promise<string> }>('sts').call,
});

/**
 * The Control Tower section's ports: the Control Tower, StackSets, IAM and change-set adapters,
 * the env engine's CloudFormation and SSM reads, and the toolkit (toolkit-lib, loaded on the
 * first deploy, speaking to the apply's IoHost).
 */
async function controlTowerSectionDeps(
  clients: AwsClients,
  organizations: OrganizationsPort,
  options: SectionOptions,
): Promise<ControlTowerSectionDeps> {
  const [{ stacksPort }, { bootstrapPort }, { cdkPlatformSynth }, ct] = await Promise.all([
    import('../aws/cloudformation.js'),
    import('../aws/ssm.js'),
    import('../core/controltower/synth.js'),
    controlTowerDeps(clients),
  ]);
  const stacks = stacksPort(clients);
  let toolkit: Promise<ToolkitPort> | undefined;
  return {
    ct,
    env: {
      stacks,
      bootstrap: bootstrapPort(clients),
      toolkit: (io) => {
        toolkit ??= import('../aws/toolkit.js').then(({ loadToolkit }) =>
          loadToolkit({
            credentialsFor: (accountId) => clients.credentialsFor(accountId),
            region: clients.region,
            io,
            auditLog: clients.auditLog,
            stacks,
          }),
        );
        toolkit.catch(() => (toolkit = undefined));
        return toolkit;
      },
    },
    synth: cdkPlatformSynth(),
    caller: () => clients.callerIdentity(),
    organization: async () => {
      const org = await organizations.describeOrganization();
      return org ? { id: org.id, managementAccountId: org.managementAccountId } : undefined;
    },
    noWait: options.noWait ?? false,
  };
}

const offlineControlTowerDeps = (): ControlTowerSectionDeps => ({
  ct: {
    controls: offlinePort('controltower'),
    landingZones: offlinePort('controltower'),
    baselines: offlinePort('controltower'),
    stackSets: offlinePort('cloudformation'),
    roles: offlinePort('iam'),
    changeSets: offlinePort('cloudformation'),
  },
  env: {
    stacks: offlinePort('cloudformation'),
    bootstrap: offlinePort('ssm'),
    toolkit: offlinePort<{ load: () => Promise<ToolkitPort> }>('toolkit').load,
  },
  synth: offlinePort('synth'),
  caller: offlinePort<{ call: () => Promise<{ arn: string }> }>('sts').call,
});

/**
 * The sections `plan` and `apply` run, built here and nowhere else: organisation, policies,
 * Control Tower (it registers the OUs and governs the accounts the organisation creates), then
 * budgets (they need the ids of accounts the organisation creates). Without clients (offline)
 * every port refuses to be called.
 */
export async function planSections(
  loaded: LoadedConfig,
  clients: AwsClients | undefined,
  options: SectionOptions,
): Promise<Sections> {
  const [{ organizationSections, loadPolicySources }, { budgetsSection }, { controlTowerSection }] =
    await Promise.all([
      import('../core/org/index.js'),
      import('../core/budgets/section.js'),
      import('../core/controltower/section.js'),
    ]);
  const policySources = await loadPolicySources(loaded.config, { configDir: loaded.dir });
  const port = clients
    ? await organizationsPortFor(clients)
    : offlinePort<OrganizationsPort>('organizations');
  const budgetsDeps = clients ? await budgetsSectionDeps(clients, port) : offlineBudgetsDeps();
  const ctDeps = clients ? await controlTowerSectionDeps(clients, port, options) : offlineControlTowerDeps();
  const org = organizationSections({
    port,
    policySources,
    prune: options.prune,
    readConcurrency: Math.max(options.concurrency, 4),
    ...(clients ? { callerAccountId: callerAccount(clients) } : {}),
  });
  return {
    list: [
      ...(clients ? org.map((s) => reportingCreatedAccounts(s, clients)) : org),
      controlTowerSection(ctDeps),
      budgetsSection(budgetsDeps),
    ],
  };
}

/**
 * Tells the AWS clients which accounts this apply created, so that AssumeRole into them
 * waits for the new account's role to become usable instead of failing at once.
 */
export function reportingCreatedAccounts(section: AnySection, clients: AwsClients): AnySection {
  return {
    ...section,
    apply: (changes, context) =>
      section.apply(changes, {
        ...context,
        record: {
          ouCreated: (path, id) => context.record.ouCreated(path, id),
          accountCreated: (name, id) => {
            clients.accountCreated(id);
            context.record.accountCreated(name, id);
          },
        },
      }),
  };
}

/** Account name → id for the commands outside plan/apply: estate.yaml, then ListAccounts. */
export async function accountDirectory(config: EstateConfig, clients: AwsClients): Promise<AccountDirectory> {
  const [{ configThenOrganization, organizationAccountLister }, organizations] = await Promise.all([
    import('../core/finops/account-ids.js'),
    organizationsPortFor(clients),
  ]);
  return configThenOrganization(config, organizationAccountLister(organizations));
}

/** `estate cost`: Cost Explorer, the budgets (for AWS's forecasts), the account directory. */
export type CostDeps = Omit<CostServiceDeps, 'io' | 'now'>;

export async function costDeps(config: EstateConfig, clients: AwsClients): Promise<CostDeps> {
  const [{ costExplorerPort }, { budgetsPort }, directory] = await Promise.all([
    import('../aws/cost-explorer.js'),
    import('../aws/budgets.js'),
    accountDirectory(config, clients),
  ]);
  return {
    costExplorer: costExplorerPort(clients),
    budgets: budgetsPort(clients),
    directory,
    managementAccountId: callerAccount(clients),
  };
}

/** `estate tags audit` / `tags apply`: the Tagging API in member accounts, the account directory. */
export type TagsDeps = Omit<TagsServiceDeps, 'io' | 'track'>;

export async function tagsDeps(config: EstateConfig, clients: AwsClients): Promise<TagsDeps> {
  const [{ taggingPort }, directory] = await Promise.all([
    import('../aws/tagging.js'),
    accountDirectory(config, clients),
  ]);
  return { tagging: taggingPort(clients), directory };
}

/** `estate org status`: Organizations and the caller's account. */
export async function orgStatusDeps(clients: AwsClients): Promise<OrgStatusDeps> {
  return { organizations: await organizationsPortFor(clients), callerAccountId: callerAccount(clients) };
}

/**
 * The environment engine's ports: CloudFormation, SSM, S3 and STS per target account, and
 * the CDK toolkit, whose module (toolkit-lib, seconds to import) is loaded on the first call
 * of `toolkit()` only, and then once.
 */
export async function envDeps(
  clients: AwsClients,
  options: { readonly io: IoHost; readonly verbose?: boolean; readonly pollMs?: number },
): Promise<EnvDeps & { readonly stackOps: StackOpsPort }> {
  const [{ stacksPort }, { bootstrapPort }, { bucketsPort }, { identityPort }] = await Promise.all([
    import('../aws/cloudformation.js'),
    import('../aws/ssm.js'),
    import('../aws/s3.js'),
    import('../aws/identity.js'),
  ]);
  const stacks = stacksPort(clients);
  let toolkit: Promise<ToolkitPort> | undefined;
  const load = async (): Promise<ToolkitPort> => {
    const { loadToolkit } = await import('../aws/toolkit.js');
    return loadToolkit({
      credentialsFor: (accountId) => clients.credentialsFor(accountId),
      region: clients.region,
      io: options.io,
      verbose: options.verbose,
      auditLog: clients.auditLog,
      stacks,
      ...(options.pollMs ? { pollMs: options.pollMs } : {}),
    });
  };
  return {
    stacks,
    // AwsStacks implements the stack operations (down, up, retag) beside the reads.
    stackOps: stacks,
    bootstrap: bootstrapPort(clients),
    buckets: bucketsPort(clients),
    identity: identityPort(clients),
    toolkit: () => {
      toolkit ??= load();
      toolkit.catch(() => (toolkit = undefined));
      return toolkit;
    },
  };
}

/**
 * The S3 endpoint CloudFormation fetches `env up`'s templates from: what toolkit-lib uses
 * (AWS_ENDPOINT_URL_S3_FOR_CLOUDFORMATION), else the S3 endpoint estate talks to; against AWS
 * none is set and the bucket's regional URL is used.
 */
export function templateEndpoint(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return (
    env.AWS_ENDPOINT_URL_S3_FOR_CLOUDFORMATION || env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || undefined
  );
}

/** The env commands' dependencies: the engine's, and the stack operations and records of down/up/schedule. */
export type EnvCommandDeps = EnvServiceDeps & {
  readonly stackOps: StackOpsPort;
  readonly records: RecordsPort;
  readonly templateEndpoint?: string;
};

/** What the env commands hand the engine: its ports, the account directory, the caller. */
export async function envServiceDeps(
  config: EstateConfig,
  clients: AwsClients,
  io: IoHost,
): Promise<EnvCommandDeps> {
  const [deps, accounts, { recordsPort }] = await Promise.all([
    envDeps(clients, { io }),
    accountDirectory(config, clients),
    import('../aws/ssm.js'),
  ]);
  const endpoint = templateEndpoint();
  return {
    ...deps,
    records: recordsPort(clients),
    ...(endpoint ? { templateEndpoint: endpoint } : {}),
    accounts,
    caller: () => clients.callerIdentity(),
  };
}

/**
 * `estate env reap`: the env commands' ports (stack operations, records and the warned marker
 * among them) plus CloudWatch metrics for idle detection and SNS and SES for owners' warnings.
 */
export async function reapDeps(
  config: EstateConfig,
  clients: AwsClients,
  io: IoHost,
): Promise<EnvCommandDeps & LifecycleDeps> {
  const [base, { metricsPort }, { notifyPort }] = await Promise.all([
    envServiceDeps(config, clients, io),
    import('../aws/cloudwatch.js'),
    import('../aws/notify.js'),
  ]);
  return { ...base, metrics: metricsPort(clients), notify: notifyPort(clients) };
}

/**
 * The Control Tower section's and `estate ct status`'s own ports: Control Tower (the 3.332.0
 * client and estate's signed REST-JSON calls), StackSets and `--no-wait`'s ExecuteChangeSet
 * over CloudFormation, and IAM for the prerequisite roles; all as the caller (the management
 * account) in the home region, change sets in the account they name.
 */
export async function controlTowerDeps(clients: AwsClients): Promise<ControlTowerDeps> {
  const [{ controlTowerPort }, { stackSetsPort }, { serviceRolesPort }] = await Promise.all([
    import('../aws/controltower.js'),
    import('../aws/stacksets.js'),
    import('../aws/iam.js'),
  ]);
  const controlTower = controlTowerPort(clients);
  const stackSets = stackSetsPort(clients);
  return {
    controls: controlTower,
    landingZones: controlTower,
    baselines: controlTower,
    stackSets,
    roles: serviceRolesPort(clients),
    changeSets: stackSets,
  };
}

/** The Control Tower ports, built on first use and then shared (enrolment and governance). */
function lazyControlTowerDeps(clients: AwsClients): () => Promise<ControlTowerDeps> {
  let deps: Promise<ControlTowerDeps> | undefined;
  return () => (deps ??= controlTowerDeps(clients));
}

/**
 * Control Tower enrolment of an account: its child AWSControlTowerBaseline (ListEnabledBaselines
 * with children), whose target is the account's ARN. UNDER_CHANGE is still enrolling.
 */
function enrolmentOver(ct: () => Promise<ControlTowerDeps>): NonNullable<OnboardDeps['enrolment']> {
  return async (accountId) => {
    const [{ enrolmentOf }, { baselines }] = await Promise.all([
      import('../core/controltower/enrolment.js'),
      ct(),
    ]);
    return enrolmentOf(await baselines.enabledBaselines(), accountId);
  };
}

/**
 * Whether the Control Tower section has been applied: a landing zone (ListLandingZones) and an
 * ACTIVE estate-baseline StackSet in the home region. Read once per onboarding run.
 */
function governanceOver(
  ct: () => Promise<ControlTowerDeps>,
  home: string,
): NonNullable<OnboardDeps['governance']> {
  return async () => {
    const [deps, { BASELINE_STACK_SET }] = await Promise.all([ct(), import('../blueprints/platform.js')]);
    const [zones, stackSet] = await Promise.all([
      deps.landingZones.landingZones(),
      deps.stackSets.stackSet(home, BASELINE_STACK_SET),
    ]);
    return { landingZone: zones.length > 0, baselineStackSet: stackSet?.status === 'ACTIVE' };
  };
}

/**
 * estate.yaml as onboarding and offboarding change it: `rewrite` applies one write-back to the
 * file (write) or to its text only (a dry run), parses what it gives, and makes that the current
 * config once it is written.
 */
function configRewriter(loaded: LoadedConfig, parseConfig: (text: string, file: string) => EstateConfig) {
  let current = loaded.config;
  return {
    current: () => current,
    rewrite: async (
      write: boolean,
      onFile: (file: string) => Promise<{ text: string; changed: boolean }>,
      onText: (text: string, config: EstateConfig) => { text: string; changed: boolean },
    ): Promise<{ changed: boolean; config: EstateConfig }> => {
      const { readFile } = await import('node:fs/promises');
      const result = write ? await onFile(loaded.file) : onText(await readFile(loaded.file, 'utf8'), current);
      const config = parseConfig(result.text, loaded.file);
      if (write) current = config;
      return { changed: result.changed, config };
    },
  };
}

/**
 * `estate account onboard`: estate.yaml written back through the document API, the plan/apply
 * sections (organisation, policies, budgets) for each config the run reads, Identity Center in
 * the home region, the bootstrap version of the new account, and the environment engine for
 * the first environment. Control Tower enrolment is read where a landing zone is managed.
 */
export async function onboardDeps(
  loaded: LoadedConfig,
  clients: AwsClients,
  io: IoHost,
  options: { readonly enrolment?: OnboardDeps['enrolment'] } = {},
): Promise<OnboardDeps> {
  const [
    writeBack,
    { parseConfig },
    { identityCenterFor },
    { bootstrapPort },
    env,
    { deploymentSettings, EXPIRES_AT },
  ] = await Promise.all([
    import('../config/write-back.js'),
    import('../config/loader.js'),
    import('../aws/identity-center.js'),
    import('../aws/ssm.js'),
    import('../core/env/service.js'),
    import('../core/env/common.js'),
  ]);
  const store = configRewriter(loaded, parseConfig);
  const current = store.current;
  const home = loaded.config.organization.homeRegion;
  const bootstrap = bootstrapPort(clients);
  const ct = lazyControlTowerDeps(clients);
  return {
    config: {
      current,
      addDeveloper: async (request, write) => {
        const account = {
          name: request.name,
          email: request.email,
          owner: request.owner,
          ou: request.ou,
          ...(request.budgetUsd !== undefined ? { budgetUsd: request.budgetUsd } : {}),
          ...(request.alertEmails ? { alertEmails: request.alertEmails } : {}),
        };
        const environment = {
          name: request.environment.name,
          blueprints: request.environment.blueprints,
          ttl: request.environment.ttl,
          owner: request.owner,
        };
        return store.rewrite(
          write,
          (file) => writeBack.addDeveloper(file, account, environment),
          (text, config) => writeBack.addDeveloperText(text, config, account, environment),
        );
      },
      // onboard --recycle: the offboarded account's entry handed over (write-back handOver),
      // checked by the loader before it replaces the file.
      handOver: async (request, accountId, write) => {
        const input = {
          from: request.recycle!.from,
          suspendedOu: request.recycle!.suspendedOu,
          accountId,
          account: {
            name: request.name,
            owner: request.owner,
            ou: request.ou,
            ...(request.budgetUsd !== undefined ? { budgetUsd: request.budgetUsd } : {}),
            ...(request.alertEmails ? { alertEmails: request.alertEmails } : {}),
          },
          environment: { ...request.environment, owner: request.owner },
        };
        return store.rewrite(
          write,
          (file) => writeBack.handOver(file, input),
          (text, config) => writeBack.handOverText(text, config, input),
        );
      },
    },
    sections: async (config) =>
      (await planSections({ ...loaded, config }, clients, { prune: false, concurrency: 4 })).list,
    identityCenter: identityCenterFor(clients, home),
    ...(options.enrolment
      ? { enrolment: options.enrolment }
      : loaded.config.controlTower?.enabled
        ? { enrolment: enrolmentOver(ct), governance: governanceOver(ct, home) }
        : {}),
    bootstrapVersion: (accountId) =>
      bootstrap.bootstrapVersion({ accountId, region: home }, deploymentSettings(current()).qualifier),
    deployEnvironment: async (config, name) => {
      const deps = await envServiceDeps(config, clients, io);
      const result = await env.deployEnvironments(
        deps,
        config,
        { environments: [name], approve: 'never', yes: true, configDir: loaded.dir },
        { io, interactive: false },
      );
      const deployed = result.environments.find((e) => e.environment === name);
      const endpoints = Object.fromEntries(
        Object.entries(deployed?.endpoints ?? {}).filter(
          (kv): kv is [string, string] => typeof kv[1] === 'string',
        ),
      );
      // The expiry as the live stacks carry it (set at the first deploy, moved by env extend).
      const first = deployed?.stacks.find((s) => s.status !== 'failed');
      const live =
        first && deployed?.accountId
          ? await deps.stacks.describeStack(
              { accountId: deployed.accountId, region: first.region },
              first.stack,
            )
          : undefined;
      const expiresAt = live?.tags[EXPIRES_AT];
      return {
        status:
          !deployed || !result.ok ? 'failed' : deployed.status === 'unchanged' ? 'unchanged' : 'deployed',
        ...(deployed?.reason ? { reason: deployed.reason } : {}),
        endpoints,
        ...(expiresAt ? { expiresAt } : {}),
      };
    },
    io,
  };
}

/**
 * What `estate account offboard` runs on: estate.yaml's write-back, the sections, Identity Center,
 * the env engine (declared environments, and stacks tagged estate:env it no longer declares), CloseAccount.
 */
export async function offboardDeps(
  loaded: LoadedConfig,
  clients: AwsClients,
  io: IoHost,
): Promise<OffboardDeps> {
  const [writeBack, { parseConfig }, { identityCenterFor }, env, { accountClosureFor }, { reapUndeclared }] =
    await Promise.all([
      import('../config/write-back.js'),
      import('../config/loader.js'),
      import('../aws/identity-center.js'),
      import('../core/env/service.js'),
      import('../aws/organizations.js'),
      import('../core/onboard/reap-undeclared.js'),
    ]);
  const store = configRewriter(loaded, parseConfig);
  return {
    config: {
      current: store.current,
      recycle: async (request, write) => {
        const input = { name: request.name, suspendedOu: request.suspendedOu };
        return store.rewrite(
          write,
          (file) => writeBack.recycleAccount(file, input),
          (text, config) => writeBack.recycleAccountText(text, config, input),
        );
      },
    },
    sections: async (config) =>
      (await planSections({ ...loaded, config }, clients, { prune: false, concurrency: 4 })).list,
    identityCenter: identityCenterFor(clients, loaded.config.organization.homeRegion),
    // Never forceProtected: a protected environment is refused and named; the person destroys it on purpose.
    destroyEnvironments: async (config, names, dryRun) =>
      env.destroyEnvironments(
        await envServiceDeps(config, clients, io),
        config,
        { environments: names, dryRun, forceProtected: false, yes: true, configDir: loaded.dir },
        { io, interactive: false },
      ),
    // Stacks tagged estate:env in the account that estate.yaml does not declare there go too.
    reapUndeclared: async (config, account, dryRun) =>
      reapUndeclared(await envServiceDeps(config, clients, io), config, account, dryRun, {
        io,
        interactive: false,
      }),
    closure: accountClosureFor(clients),
    io,
  };
}
