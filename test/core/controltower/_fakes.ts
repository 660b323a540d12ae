/**
 * In-memory fakes of the Control Tower section's ports over the env engine's FakeCloud: the
 * landing zone and roles exist once the governance stack holds them, the Identity Center
 * baseline once the landing zone does (access management on), the StackSet once the baseline
 * stack holds it (its instances CURRENT in every account of its OUs), organisations access
 * once activated; ExecuteChangeSet leaves the stack in progress. The platform synthesis is the
 * real one for the governance stack and a minimal assembly for monitoring and baseline.
 */
import { GOVERNANCE_STACK, BASELINE_STACK, MONITORING_STACK } from '../../../src/blueprints/platform.js';
import type { EstateConfig } from '../../../src/config/schema.js';
import type { ControlTowerDeps, StackSetInstance } from '../../../src/core/controltower/ports.js';
import type { ControlTowerSectionDeps } from '../../../src/core/controltower/section.js';
import { cdkPlatformSynth, type PlatformSynth } from '../../../src/core/controltower/synth.js';
import type { StackLocation } from '../../../src/core/env/ports.js';
import { FakeCloud, FakeToolkit } from '../../_helpers/fake-env.js';
import { ACCOUNT_IDS, LANDING_ZONE_ARN, MGMT, ORG, OU_IDS, SINK_ARN } from './_fixtures.js';

export const HOME = 'eu-west-2';
export const IDENTITY_CENTER_ARN = 'arn:aws:controltower:eu-west-2:111111111111:enabledbaseline/IDCENTER0001';
const mgmtAt: StackLocation = { accountId: MGMT, region: HOME };

/** FakeToolkit that also prepares change sets (execute: false) without executing them. */
export class ChangeSetToolkit extends FakeToolkit {
  readonly prepared: { stackName: string; changeSetName: string; assemblyDir: string; artifactId: string }[] =
    [];
  override async deploy(request: Parameters<FakeToolkit['deploy']>[0]) {
    if (request.execute === false) {
      this.deployRequests.push(request);
      this.calls.push(`prepare ${request.stackName} ${request.at.accountId}/${request.at.region}`);
      this.prepared.push({
        stackName: request.stackName,
        changeSetName: request.changeSetName!,
        assemblyDir: request.assemblyDir,
        artifactId: request.artifactId,
      });
      return { status: 'deployed' as const, outputs: {}, changeSetName: request.changeSetName! };
    }
    const outcome = await super.deploy(request);
    // The sink's ARN is a GetAtt CloudFormation resolves: give it the value AWS would.
    if (request.stackName === MONITORING_STACK && outcome.status === 'deployed') {
      const outputs = { ...outcome.outputs, ObservabilitySinkArn: SINK_ARN };
      this.cloud.get(request.at, request.stackName)!.outputs = outputs;
      return { ...outcome, outputs };
    }
    return outcome;
  }
}

export class FakeControlTower {
  /** A landing zone set up outside estate (console). */
  foreignLandingZone?: string;
  /** Roles under /service-role/ that exist outside any stack. */
  readonly outsideRoles = new Set<string>();
  access: 'ENABLED' | 'DISABLED' = 'DISABLED';
  readonly calls: string[] = [];
  readonly executed: { at: StackLocation; stackName: string; changeSetName: string }[] = [];

  constructor(
    readonly cloud: FakeCloud,
    readonly config: () => EstateConfig,
  ) {}

  private governance() {
    return this.cloud.get(mgmtAt, GOVERNANCE_STACK);
  }

  private holdsLandingZone(): boolean {
    const g = this.governance();
    return (
      !!g &&
      !/IN_PROGRESS/.test(g.status) &&
      Object.values(g.template.Resources ?? {}).some((r) => r.Type === 'AWS::ControlTower::LandingZone')
    );
  }

  deps(): ControlTowerDeps {
    return {
      controls: {
        listEnabledControls: async () => [],
        getControlOperation: async (id) => ({ operationIdentifier: id, status: 'SUCCEEDED' }),
      },
      landingZones: {
        landingZones: async () => {
          this.calls.push('ListLandingZones');
          return this.foreignLandingZone
            ? [this.foreignLandingZone]
            : this.holdsLandingZone()
              ? [LANDING_ZONE_ARN]
              : [];
        },
        landingZone: async (arn) => ({ arn, version: '3.3', status: 'ACTIVE', manifest: {} }),
      },
      baselines: {
        enabledBaselines: async () => {
          this.calls.push('ListEnabledBaselines');
          return this.holdsLandingZone() && this.config().controlTower?.accessManagement
            ? [
                {
                  arn: IDENTITY_CENTER_ARN,
                  baselineIdentifier: 'arn:aws:controltower:eu-west-2::baseline/LN25R72TTG6IGPTQ',
                  targetIdentifier: LANDING_ZONE_ARN,
                  status: 'SUCCEEDED',
                },
              ]
            : [];
        },
        controlOperationsInFlight: async () => [],
      },
      stackSets: {
        organizationsAccess: async () => this.access,
        activateOrganizationsAccess: async () => {
          this.calls.push('ActivateOrganizationsAccess');
          this.access = 'ENABLED';
        },
        stackSet: async (_region, name) => {
          const ous = this.stackSetOus();
          return ous ? { name, status: 'ACTIVE', organizationalUnitIds: ous } : undefined;
        },
        instances: async () => this.instances(),
        operations: async () => [],
      },
      roles: {
        existingRoles: async (names) => {
          const held = Object.values(this.governance()?.template.Resources ?? {})
            .filter((r) => r.Type === 'AWS::IAM::Role')
            .map((r) => String(r.Properties?.RoleName));
          return new Set(names.filter((n) => this.outsideRoles.has(n) || held.includes(n)));
        },
      },
      changeSets: {
        executeChangeSet: async (at, stackName, changeSetName) => {
          this.calls.push(`ExecuteChangeSet ${stackName} ${changeSetName}`);
          this.executed.push({ at, stackName, changeSetName });
          this.cloud.put(at, { name: stackName, status: 'CREATE_IN_PROGRESS' });
        },
      },
    };
  }

  private stackSetOus(): string[] | undefined {
    const stack = this.cloud.get(mgmtAt, BASELINE_STACK);
    const set = Object.values(stack?.template.Resources ?? {}).find(
      (r) => r.Type === 'AWS::CloudFormation::StackSet',
    );
    if (!set) return undefined;
    const groups = (set.Properties?.StackInstancesGroup ?? []) as {
      DeploymentTargets: { OrganizationalUnitIds: string[] };
    }[];
    return groups.flatMap((g) => g.DeploymentTargets.OrganizationalUnitIds);
  }

  /** CURRENT in every region for every account of the targeted OUs. */
  private instances(): StackSetInstance[] {
    const stack = this.cloud.get(mgmtAt, BASELINE_STACK);
    const set = Object.values(stack?.template.Resources ?? {}).find(
      (r) => r.Type === 'AWS::CloudFormation::StackSet',
    );
    const groups = (set?.Properties?.StackInstancesGroup ?? []) as {
      DeploymentTargets: { OrganizationalUnitIds: string[] };
      Regions: string[];
    }[];
    const config = this.config();
    return groups.flatMap((g) =>
      config.accounts
        .filter((a) => g.DeploymentTargets.OrganizationalUnitIds.some((id) => OU_PATHS[id] === a.ou))
        .flatMap((a) =>
          g.Regions.map((region) => ({ accountId: ACCOUNT_IDS[a.name]!, region, status: 'CURRENT' })),
        ),
    );
  }
}

const OU_PATHS: Record<string, string> = Object.fromEntries(Object.entries(OU_IDS).map(([p, id]) => [id, p]));

export interface SynthCall {
  readonly kind: string;
  readonly input: Record<string, unknown>;
}

/** The real platform synthesis, recording each call. */
export function testSynth(dir: string, calls: SynthCall[] = []): PlatformSynth {
  const real = cdkPlatformSynth(dir);
  return {
    governance: (input) => {
      calls.push({ kind: 'governance', input: { ...input } });
      return real.governance(input);
    },
    monitoring: (input) => {
      calls.push({ kind: 'monitoring', input: { ...input } });
      return real.monitoring(input);
    },
    baseline: (input) => {
      calls.push({ kind: 'baseline', input: { ...input } });
      return real.baseline(input);
    },
  };
}

export interface CtWorld {
  readonly cloud: FakeCloud;
  readonly toolkit: ChangeSetToolkit;
  readonly ct: FakeControlTower;
  readonly synthCalls: SynthCall[];
  readonly deps: ControlTowerSectionDeps;
}

export function ctWorld(
  dir: string,
  config: () => EstateConfig,
  options: { noWait?: boolean } = {},
): CtWorld {
  const cloud = new FakeCloud();
  const toolkit = new ChangeSetToolkit(cloud);
  const ct = new FakeControlTower(cloud, config);
  const synthCalls: SynthCall[] = [];
  return {
    cloud,
    toolkit,
    ct,
    synthCalls,
    deps: {
      ct: ct.deps(),
      env: { stacks: cloud, bootstrap: cloud, toolkit: async () => toolkit },
      synth: testSynth(dir, synthCalls),
      caller: async () => ({ arn: `arn:aws:iam::${MGMT}:role/ci` }),
      organization: async () => ({ id: ORG, managementAccountId: MGMT }),
      ...(options.noWait ? { noWait: true } : {}),
    },
  };
}
