import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EstateConfig } from '../../../src/config/schema.js';
import { applyControlTower, STARTED_MESSAGE } from '../../../src/core/controltower/apply.js';
import { desiredControlTower } from '../../../src/core/controltower/desired.js';
import { planControlTower } from '../../../src/core/controltower/planner.js';
import { readControlTowerSnapshot } from '../../../src/core/controltower/snapshot.js';
import { sectionContext } from '../../../src/core/plan/engine.js';
import type { Outputs } from '../../../src/core/plan/outputs.js';
import type { Change } from '../../../src/core/plan/types.js';
import { tempDir } from '../../_helpers/cli.js';
import { recordingIoHost } from '../../_helpers/recording-io.js';
import { ctWorld, HOME, IDENTITY_CENTER_ARN, type CtWorld } from './_fakes.js';
import { ACCOUNT_IDS, MGMT, ctConfig, outputsFor } from './_fixtures.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ dir, cleanup } = await tempDir('estate-ct-apply-')));
afterAll(() => cleanup());

const mgmtAt = { accountId: MGMT, region: HOME };

async function planned(world: CtWorld, config: EstateConfig, outputs: Outputs): Promise<Change[]> {
  const d = desiredControlTower(config, outputs)!;
  const snapshot = await readControlTowerSnapshot(
    { ct: world.deps.ct, stacks: world.cloud, bootstrap: world.cloud },
    d,
  );
  return planControlTower(config, d, snapshot).changes.filter((c) => c.action !== 'drift');
}

async function apply(world: CtWorld, config: EstateConfig, outputs = outputsFor(config)) {
  const changes = await planned(world, config, outputs);
  const io = recordingIoHost();
  const results = await applyControlTower(world.deps, changes, {
    ...sectionContext(config, { outputs, now: () => new Date('2026-12-02T04:30:00Z') }),
    io,
    concurrency: 4,
    record: outputs,
  });
  return { changes, results, io, byAddress: new Map(results.map((r) => [r.address, r])) };
}

const resourcesOfType = (world: CtWorld, type: string) =>
  Object.values(world.cloud.get(mgmtAt, 'estate-governance')?.template.Resources ?? {}).filter(
    (r) => r.Type === type,
  );

describe('applyControlTower', () => {
  it('Given --no-wait, When applied, Then the governance change set is prepared, executed and reported started, while the other stacks are waited for', async () => {
    const config = ctConfig();
    const world = ctWorld(dir, () => config, { noWait: true });
    const { byAddress } = await apply(world, config);
    expect(byAddress.get('stack:estate-governance')).toMatchObject({
      status: 'applied',
      message: STARTED_MESSAGE,
    });
    expect(world.toolkit.prepared).toEqual([
      expect.objectContaining({
        stackName: 'estate-governance',
        changeSetName: 'estate-estate-governance-20261202043000',
      }),
    ]);
    expect(world.ct.executed).toEqual([
      {
        at: mgmtAt,
        stackName: 'estate-governance',
        changeSetName: 'estate-estate-governance-20261202043000',
      },
    ]);
    expect(world.cloud.get(mgmtAt, 'estate-governance')!.status).toBe('CREATE_IN_PROGRESS');
    expect(
      world.cloud.get({ accountId: ACCOUNT_IDS.audit!, region: HOME }, 'estate-monitoring')!.status,
    ).toBe('CREATE_COMPLETE');
    expect(world.cloud.get(mgmtAt, 'estate-baseline')!.status).toBe('CREATE_COMPLETE');

    // The next plan leaves the stack in progress alone.
    const next = await planned(world, config, outputsFor(config));
    expect(next.map((c) => c.address)).not.toContain('stack:estate-governance');
  });

  it('Given access management on and no landing zone, When applied, Then the landing zone is deployed first and the OU baselines then take its Identity Center baseline', async () => {
    const config = ctConfig((ct) => (ct.accessManagement = true));
    const world = ctWorld(dir, () => config);
    const { byAddress } = await apply(world, config);
    expect(byAddress.get('stack:estate-governance')!.status).toBe('applied');
    const governance = world.synthCalls.filter((c) => c.kind === 'governance');
    expect(
      governance.map((c) => [c.input.landingZoneOnly ?? false, c.input.identityCenterEnabledBaselineArn]),
    ).toEqual([
      [true, undefined],
      [false, IDENTITY_CENTER_ARN],
    ]);
    expect(world.toolkit.calls.filter((c) => c.startsWith('deploy estate-governance'))).toHaveLength(2);
    const baselines = resourcesOfType(world, 'AWS::ControlTower::EnabledBaseline');
    expect(baselines).toHaveLength(2);
    expect(baselines[0]!.Properties!.Parameters).toEqual([
      { Key: 'IdentityCenterEnabledBaselineArn', Value: IDENTITY_CENTER_ARN },
    ]);
    expect((await planned(world, config, outputsFor(config))).map((c) => c.address)).toEqual([]);
  });

  it('Given access management on and --no-wait, When applied, Then only the landing zone is started; the next apply adds the OU baselines', async () => {
    const config = ctConfig((ct) => (ct.accessManagement = true));
    const world = ctWorld(dir, () => config, { noWait: true });
    const { byAddress } = await apply(world, config);
    expect(byAddress.get('stack:estate-governance')!.message).toBe(STARTED_MESSAGE);
    expect(
      world.synthCalls.filter((c) => c.kind === 'governance').map((c) => c.input.landingZoneOnly),
    ).toEqual([true]);
  });

  it('Given a stack whose synthesised template equals the live one, When its change is applied, Then it is not deployed again', async () => {
    const config = ctConfig();
    const world = ctWorld(dir, () => config);
    const first = await apply(world, config);
    const deploys = world.toolkit.deployRequests.length;
    const again = await applyControlTower(
      world.deps,
      first.changes.filter((c) => c.address === 'stack:estate-governance'),
      {
        ...sectionContext(config, { outputs: outputsFor(config) }),
        io: recordingIoHost(),
        concurrency: 1,
        record: outputsFor(config),
      },
    );
    expect(again).toEqual([
      expect.objectContaining({ address: 'stack:estate-governance', status: 'applied' }),
    ]);
    expect(world.toolkit.deployRequests.length).toBe(deploys);
  });

  it('fails the bootstrap without deployments.executionPolicies and skips the stacks of that account', async () => {
    const config = ctConfig((_ct, raw) => delete raw.deployments);
    const world = ctWorld(dir, () => config);
    const { byAddress } = await apply(world, config);
    expect(byAddress.get(`bootstrap:${MGMT}/eu-west-2`)).toMatchObject({
      status: 'failed',
      message: expect.stringContaining('deployments.executionPolicies is not set'),
    });
    expect(byAddress.get('stack:estate-governance')!.status).toBe('skipped');
    expect(world.toolkit.deployRequests).toEqual([]);
  });

  it('fails a stack CloudFormation rolls back, naming the resource and its reason', async () => {
    const config = ctConfig();
    const world = ctWorld(dir, () => config);
    world.toolkit.deployFailures.set('estate-governance', {
      logicalId: 'LandingZone',
      resourceType: 'AWS::ControlTower::LandingZone',
      reason: 'AccessDeniedException: AWSControlTowerAdmin cannot be assumed',
    });
    const { byAddress } = await apply(world, config);
    expect(byAddress.get('stack:estate-governance')).toMatchObject({
      status: 'failed',
      message: expect.stringContaining(
        'LandingZone (AWS::ControlTower::LandingZone): AccessDeniedException: AWSControlTowerAdmin cannot be assumed',
      ),
    });
    expect(byAddress.get('stack:estate-baseline')!.status).toBe('applied');
  });
});
