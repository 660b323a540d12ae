/**
 * The platform stacks synthesised offline, each into its own assembly folder
 * `cdk.out/<stack>-<account id>-<region>` (as the lifecycle stack is), with the ids known at
 * that moment: the apply synthesises after the organisation section created the accounts and
 * OUs the stacks name. aws-cdk-lib and the constructs are imported here, on first use only,
 * so planning never loads them. The CloudFormation validator is off (AWS-FACTS: seconds and
 * hundreds of MiB a synth); the blueprint tests run it.
 */
import { join, resolve } from 'node:path';
import { BASELINE_STACK, GOVERNANCE_STACK, MONITORING_STACK } from '../../blueprints/platform.js';
import type { EstateConfig } from '../../config/schema.js';
import { deploymentSettings } from '../env/common.js';
import type { StackLocation } from '../env/ports.js';
import { sharedStackResult, type SynthResult } from '../env/synth.js';
// Types only: erased from the JavaScript, so loading this file does not load aws-cdk-lib.
import type * as CdkLib from 'aws-cdk-lib';

/** The tag that keeps environment teardown away from a stack (teardown.ts SHARED_TAG). */
const SHARED = { 'estate:shared': 'controltower' };

export interface GovernanceSynthInput {
  readonly config: EstateConfig;
  readonly at: StackLocation;
  readonly accountIds: Readonly<Record<string, string>>;
  readonly ouArns: Readonly<Record<string, string>>;
  readonly prerequisiteRolesExist: boolean;
  readonly identityCenterEnabledBaselineArn?: string;
  /** Only the prerequisite roles and the landing zone: no OU baselines, no controls. */
  readonly landingZoneOnly?: boolean;
}

export interface MonitoringSynthInput {
  readonly config: EstateConfig;
  readonly at: StackLocation;
  readonly organizationId: string;
  readonly accountIds: Readonly<Record<string, string>>;
}

export interface BaselineSynthInput {
  readonly config: EstateConfig;
  readonly at: StackLocation;
  readonly managementAccountId: string;
  readonly ouIds: Readonly<Record<string, string>>;
  readonly sinkArn?: string;
}

/** How the section synthesises; tests give a fake one, the CLI {@link cdkPlatformSynth}. */
export interface PlatformSynth {
  governance(input: GovernanceSynthInput): Promise<SynthResult>;
  monitoring(input: MonitoringSynthInput): Promise<SynthResult>;
  baseline(input: BaselineSynthInput): Promise<SynthResult>;
}

type Lib = typeof CdkLib;
type Build = (lib: Lib, app: InstanceType<Lib['App']>, id: string, common: CommonProps) => Promise<unknown>;

interface CommonProps {
  readonly env: { readonly account: string; readonly region: string };
  readonly synthesizer: InstanceType<Lib['DefaultStackSynthesizer']>;
  readonly description: string;
}

/** Synthesises into `<cwd>/cdk.out/<stack>-<account>-<region>`. @param cwd default process.cwd() */
export function cdkPlatformSynth(cwd?: string): PlatformSynth {
  const synth = async (
    stackName: string,
    blueprint: string,
    config: EstateConfig,
    at: StackLocation,
    description: string,
    build: Build,
  ): Promise<SynthResult> => {
    const started = performance.now();
    const lib = await import('aws-cdk-lib');
    const outDir = resolve(
      cwd ?? process.cwd(),
      join('cdk.out', `${stackName}-${at.accountId}-${at.region}`),
    );
    const qualifier = deploymentSettings(config).qualifier;
    const app = new lib.App({ outdir: outDir, builtinCloudFormationValidation: false });
    const stack = (await build(lib, app, stackName, {
      env: { account: at.accountId, region: at.region },
      synthesizer: new lib.DefaultStackSynthesizer({ qualifier }),
      description,
    })) as InstanceType<Lib['Stack']>;
    for (const [k, v] of Object.entries(SHARED)) lib.Tags.of(stack).add(k, v);
    const assembly = app.synth();
    const artifact = assembly.getStackArtifact(stackName);
    return sharedStackResult(
      artifact,
      { name: stackName, artifactId: stackName, blueprint, at },
      outDir,
      started,
    );
  };

  return {
    governance: (input) =>
      synth(
        GOVERNANCE_STACK,
        'governance',
        input.config,
        input.at,
        'estate: the Control Tower landing zone, its prerequisite roles, OU baselines and controls',
        async (_lib, app, id, common) => {
          const { EstateGovernanceStack } = await import('../../blueprints/governance.js');
          const ct = input.config.controlTower!;
          const config = input.landingZoneOnly
            ? { ...input.config, controlTower: { ...ct, workloadOus: [], controls: [] } }
            : input.config;
          return new EstateGovernanceStack(app, id, {
            ...common,
            config,
            accountIds: input.accountIds,
            ouArns: input.ouArns,
            prerequisiteRolesExist: input.prerequisiteRolesExist,
            ...(input.identityCenterEnabledBaselineArn
              ? { identityCenterEnabledBaselineArn: input.identityCenterEnabledBaselineArn }
              : {}),
          });
        },
      ),
    monitoring: (input) =>
      synth(
        MONITORING_STACK,
        'monitoring',
        input.config,
        input.at,
        'estate: the observability sink and overview dashboard of the organisation',
        async (_lib, app, id, common) => {
          const { EstateMonitoringStack } = await import('../../blueprints/monitoring.js');
          return new EstateMonitoringStack(app, id, {
            ...common,
            config: input.config,
            organizationId: input.organizationId,
            accountIds: input.accountIds,
          });
        },
      ),
    baseline: (input) =>
      synth(
        BASELINE_STACK,
        'baseline',
        input.config,
        input.at,
        'estate: the estate-baseline StackSet every workload account gets (CDK bootstrap, deployment role, observability link)',
        async (_lib, app, id, common) => {
          const { EstateBaselineStack } = await import('../../blueprints/baseline.js');
          return new EstateBaselineStack(app, id, {
            ...common,
            config: input.config,
            managementAccountId: input.managementAccountId,
            ouIds: input.ouIds,
            ...(input.sinkArn ? { sinkArn: input.sinkArn } : {}),
          });
        },
      ),
  };
}
