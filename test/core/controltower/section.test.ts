import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EstateConfig } from '../../../src/config/schema.js';
import { controlTowerSection } from '../../../src/core/controltower/section.js';
import { sectionContext } from '../../../src/core/plan/engine.js';
import type { Outputs } from '../../../src/core/plan/outputs.js';
import type { ApplyContext } from '../../../src/core/plan/section.js';
import type { Change } from '../../../src/core/plan/types.js';
import { tempDir } from '../../_helpers/cli.js';
import { recordingIoHost } from '../../_helpers/recording-io.js';
import { ctWorld, HOME, type CtWorld } from './_fakes.js';
import { ACCOUNT_IDS, MGMT, OU_IDS, ctConfig, outputsFor } from './_fixtures.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ dir, cleanup } = await tempDir('estate-ct-section-')));
afterAll(() => cleanup());

/** One `estate plan` of the section: read, plan. */
async function plan(world: CtWorld, config: EstateConfig, outputs: Outputs) {
  const section = controlTowerSection(world.deps);
  const context = sectionContext(config, { outputs });
  const snapshot = await section.read(context);
  return {
    section,
    context,
    changes: section.plan(snapshot, context),
    notes: section.notes!(snapshot, [], context),
  };
}

/** One `estate apply` of the section: plan, then apply what is actionable. */
async function applyOnce(world: CtWorld, config: EstateConfig, outputs: Outputs = outputsFor(config)) {
  const { section, context, changes } = await plan(world, config, outputs);
  const io = recordingIoHost();
  const applyContext: ApplyContext = {
    ...context,
    io,
    concurrency: 4,
    record: { accountCreated: () => {}, ouCreated: () => {} },
  };
  const actionable = changes.filter((c: Change) => c.action !== 'drift');
  const results = actionable.length ? await section.apply(actionable, applyContext) : [];
  return { changes, results, io };
}

describe('controlTowerSection', () => {
  it('Given nothing deployed, When applied, Then it bootstraps, activates organisations access before the baseline, deploys monitoring before the baseline, and a second apply changes nothing', async () => {
    const config = ctConfig();
    const world = ctWorld(dir, () => config);
    const first = await applyOnce(world, config);
    expect(first.results.map((r) => `${r.status} ${r.address}${r.message ? `: ${r.message}` : ''}`)).toEqual([
      `applied bootstrap:${MGMT}/eu-west-2`,
      `applied bootstrap:${ACCOUNT_IDS.audit}/eu-west-2`,
      'applied stack:estate-governance',
      'applied stack:estate-monitoring',
      'applied stacksets:organizations-access',
      'applied stack:estate-baseline',
    ]);
    const order = world.toolkit.calls.filter((c) => !c.startsWith('bootstrap'));
    expect(order.indexOf(`deploy estate-monitoring ${ACCOUNT_IDS.audit}/${HOME}`)).toBeLessThan(
      order.indexOf(`deploy estate-baseline ${MGMT}/${HOME}`),
    );
    expect(world.ct.calls).toContain('ActivateOrganizationsAccess');
    // The plan's confirmation is the approval; estate tags who deployed.
    expect(world.toolkit.deployRequests.map((r) => r.tags['estate:deployed-by'])).toEqual([
      `arn:aws:iam::${MGMT}:role/ci`,
      `arn:aws:iam::${MGMT}:role/ci`,
      `arn:aws:iam::${MGMT}:role/ci`,
    ]);
    // The baseline's links point at the sink the monitoring stack just created.
    expect(world.synthCalls.find((c) => c.kind === 'baseline')!.input.sinkArn).toMatch(/^arn:aws:oam:/);
    // The governance stack created the roles: they now exist, and must stay in the stack.
    expect(world.synthCalls.find((c) => c.kind === 'governance')!.input.prerequisiteRolesExist).toBe(false);

    const deploys = world.toolkit.deployRequests.length;
    const second = await applyOnce(world, config);
    expect(second.changes).toEqual([]);
    expect(world.toolkit.deployRequests.length).toBe(deploys);
  });

  it('Given OUs the organisation section creates in the same apply, When applied, Then the governance stack is synthesised with their ids at apply time', async () => {
    const config = ctConfig();
    const world = ctWorld(dir, () => config);
    const outputs = outputsFor(config, { ous: ['Workloads/Production', 'Sandbox'] });
    const { section, context, changes } = await plan(world, config, outputs);
    expect(changes.find((c) => c.address === 'stack:estate-governance')!.summary).toContain(
      'waits for the organization section: OU Workloads/Production, OU Sandbox',
    );
    // The organisation section's apply records the OUs it created.
    outputs.ouCreated('Workloads/Production', OU_IDS['Workloads/Production']!);
    outputs.ouCreated('Sandbox', OU_IDS.Sandbox!);
    const results = await section.apply(changes, {
      ...context,
      io: recordingIoHost(),
      concurrency: 4,
      record: outputs,
    });
    expect(results.every((r) => r.status === 'applied')).toBe(true);
    const ouArns = world.synthCalls.find((c) => c.kind === 'governance')!.input.ouArns as Record<
      string,
      string
    >;
    expect(ouArns['Workloads/Production']).toBe(
      `arn:aws:organizations::${MGMT}:ou/o-abcd1234ef/${OU_IDS['Workloads/Production']}`,
    );
  });

  it('fails the stacks that name an OU whose creation failed, naming it, and leaves the others', async () => {
    const config = ctConfig();
    const world = ctWorld(dir, () => config);
    const { results } = await applyOnce(world, config, outputsFor(config, { ous: ['Sandbox'] }));
    const byAddress = new Map(results.map((r) => [r.address, r]));
    expect(byAddress.get('stack:estate-governance')).toMatchObject({
      status: 'failed',
      message: expect.stringContaining('cannot synthesise estate-governance: OU Sandbox does not exist'),
    });
    expect(byAddress.get('stack:estate-baseline')!.status).toBe('failed');
    expect(byAddress.get('stack:estate-monitoring')!.status).toBe('applied');
  });

  it('Given a deployed stack whose live template was changed outside estate, When planned, Then the synthesised template does not match and the stack is updated', async () => {
    const config = ctConfig();
    const world = ctWorld(dir, () => config);
    await applyOnce(world, config);
    const monitoring = world.cloud.get({ accountId: ACCOUNT_IDS.audit!, region: HOME }, 'estate-monitoring')!;
    monitoring.template = {
      ...monitoring.template,
      Description: 'edited by hand',
    } as typeof monitoring.template;
    const { changes } = await plan(world, config, outputsFor(config));
    expect(changes.map((c) => `${c.action} ${c.address}`)).toEqual(['update stack:estate-monitoring']);
    expect(changes[0]!.summary).toContain('its template changes');
  });

  it('Given the four roles set up outside estate, When applied, Then the governance stack does not create them', async () => {
    const config = ctConfig();
    const world = ctWorld(dir, () => config);
    for (const r of [
      'AWSControlTowerAdmin',
      'AWSControlTowerCloudTrailRole',
      'AWSControlTowerStackSetRole',
      'AWSControlTowerConfigAggregatorRoleForOrganizations',
    ])
      world.ct.outsideRoles.add(r);
    await applyOnce(world, config);
    const template = world.cloud.get({ accountId: MGMT, region: HOME }, 'estate-governance')!.template;
    expect(Object.values(template.Resources ?? {}).filter((r) => r.Type === 'AWS::IAM::Role')).toEqual([]);
    expect((await applyOnce(world, config)).changes).toEqual([]);
  });

  it('Given accounts whose SSM bootstrap version a StackSet wrote (no CDKToolkit stack), When planned, Then they are not bootstrapped again', async () => {
    const config = ctConfig();
    const world = ctWorld(dir, () => config);
    world.cloud.bootstrapVersions.set(`${MGMT}/${HOME}`, 30);
    world.cloud.bootstrapVersions.set(`${ACCOUNT_IDS.audit}/${HOME}`, 30);
    const { changes } = await plan(world, config, outputsFor(config));
    expect(world.cloud.get({ accountId: MGMT, region: HOME }, 'CDKToolkit')).toBeUndefined();
    expect(changes.filter((c) => c.resourceType === 'bootstrap')).toEqual([]);
    expect(changes.find((c) => c.address === 'stack:estate-governance')!.dependsOn).toBeUndefined();
  });

  it('plans offline without calling a port', () => {
    const config = ctConfig();
    const world = ctWorld(dir, () => config);
    const section = controlTowerSection(world.deps);
    const context = sectionContext(config, { offline: true });
    const changes = section.plan(section.empty(context), context);
    expect(changes.map((c) => c.address)).toContain('stack:estate-governance');
    expect(world.cloud.calls).toEqual([]);
    expect(world.ct.calls).toEqual([]);
  });

  it('names the audit account for --account on the monitoring stack and the account of a baseline drift line', async () => {
    const config = ctConfig();
    const world = ctWorld(dir, () => config);
    const { section, context, changes } = await plan(world, config, outputsFor(config));
    const monitoring = changes.find((c) => c.address === 'stack:estate-monitoring')!;
    expect(section.accountsOf!(monitoring, context)).toEqual(['audit']);
    expect(
      section.accountsOf!(
        changes.find((c) => c.address === 'stack:estate-governance')!,
        context,
      ),
    ).toEqual([]);
  });
});
