import { describe, expect, it } from 'vitest';
import { silentIoHost } from '../../../src/core/io.js';
import { organizationSections } from '../../../src/core/org/section.js';
import { sectionContext } from '../../../src/core/plan/engine.js';
import { Outputs } from '../../../src/core/plan/outputs.js';
import type { ApplyContext, SectionContext } from '../../../src/core/plan/section.js';
import type { Change, ChangeResult } from '../../../src/core/plan/types.js';
import { FakeOrganizations } from '../../../src/emulator/organizations.js';
import { noSleep, orgConfig, portOver, sourcesFor } from '../../_helpers/org-harness.js';

async function setup() {
  const fake = new FakeOrganizations();
  const config = orgConfig();
  const sections = organizationSections({
    port: portOver(fake),
    policySources: await sourcesFor(config),
    callerAccountId: async () => fake.callerAccountId,
    apply: { sleep: noSleep, pollIntervalMs: 1 },
  });
  return { fake, config, sections };
}

/** What the plan engine does: read and plan each section in order, then apply each in order. */
async function runLikeTheEngine(setupResult: Awaited<ReturnType<typeof setup>>) {
  const { config, sections } = setupResult;
  const outputs = new Outputs(config);
  const context: SectionContext = sectionContext(config, { outputs });
  const planned: Change[][] = [];
  const snapshots = [];
  for (const section of sections) {
    const snapshot = await section.read(context);
    snapshots.push(snapshot);
    outputs.merge(section.outputs?.(snapshot, context) ?? {});
    planned.push(section.plan(snapshot, context));
  }
  const recorded: string[] = [];
  const recordedOus: string[] = [];
  const applyContext: ApplyContext = {
    ...context,
    io: silentIoHost,
    concurrency: 8,
    record: {
      accountCreated: (name, id) => {
        recorded.push(name);
        outputs.accountCreated(name, id);
      },
      ouCreated: (path, id) => {
        recordedOus.push(path);
        outputs.ouCreated(path, id);
      },
    },
  };
  const results: ChangeResult[] = [];
  for (const [i, section] of sections.entries()) {
    const changes = planned[i]!.filter((c) => c.action !== 'drift');
    if (changes.length) results.push(...(await section.apply(changes, applyContext)));
  }
  return { planned, snapshots, results, recorded, recordedOus, outputs, accountIds: outputs.accountIds };
}

describe('organizationSections', () => {
  it('Given no organisation, When planned and applied section by section, Then policies attach to accounts created by the organization section', async () => {
    const s = await setup();
    const { planned, snapshots, results, recorded, accountIds } = await runLikeTheEngine(s);

    expect(snapshots[1]).toBe(snapshots[0]);
    expect(planned[0]!.every((c) => c.section === 'organization')).toBe(true);
    expect(planned[1]!.every((c) => c.section === 'policies')).toBe(true);
    expect(planned[1]!.map((c) => c.address)).toContain(
      'policy:estate-deny-outside-governed-regions@dev-alice',
    );
    expect(results.filter((r) => r.status !== 'applied')).toEqual([]);
    expect(recorded.sort()).toEqual(['audit', 'dev-alice', 'logs', 'shop-prod']);
    expect(accountIds.get('dev-alice')).toBe(s.fake.accountByName('dev-alice')!.id);
    const policy = [...s.fake.policies.values()].find(
      (p) => p.name === 'estate-deny-outside-governed-regions',
    )!;
    expect(s.fake.attachments.get(policy.id)!.has(s.fake.accountByName('dev-alice')!.id)).toBe(true);
  });

  it('Given a finished apply, When planned again with the same sections, Then the organisation is read afresh and nothing is planned', async () => {
    const s = await setup();
    await runLikeTheEngine(s);
    const second = await runLikeTheEngine(s);
    expect(second.planned.flat()).toEqual([]);
    expect(second.accountIds.size).toBe(4);
  });

  it('Given OUs created by the apply, When applied and read again, Then each OU is recorded by its path and the next read provides OU ids and the organisation', async () => {
    const s = await setup();
    const first = await runLikeTheEngine(s);
    expect(first.recordedOus.sort()).toEqual([
      'Sandbox',
      'Security',
      'Workloads',
      'Workloads/Development',
      'Workloads/Production',
    ]);
    expect(first.outputs.ouIds.get('Workloads/Production')).toMatch(/^ou-/);

    const second = await runLikeTheEngine(s);
    expect(second.outputs.ouIds.get('Workloads/Production')).toBe(s.fake.idOfPath('Workloads/Production'));
    expect(second.outputs.organization).toEqual({
      id: expect.stringMatching(/^o-/),
      managementAccountId: s.fake.callerAccountId,
    });
  });

  it('Given an injected clock, When the organisation is created, Then its creation time comes from the clock, not the system', async () => {
    const s = await setup();
    const context = sectionContext(s.config, { now: () => new Date('2031-02-03T04:05:06.000Z') });
    const [org] = s.sections;
    const changes = org.plan(await org.read(context), context).filter((c) => c.address === 'organization');
    const results = await org.apply(changes, {
      ...context,
      io: silentIoHost,
      concurrency: 1,
      record: { accountCreated: () => {}, ouCreated: () => {} },
    });
    expect(results[0]).toMatchObject({
      status: 'applied',
      outputs: { createdAt: '2031-02-03T04:05:06.000Z' },
    });
  });

  it('Given a member account caller, When read, Then the section stops before listing anything', async () => {
    const s = await setup();
    s.fake.createOrganizationNow();
    s.fake.callerAccountId = '222222222222';
    const context: SectionContext = sectionContext(s.config);
    await expect(s.sections[0].read(context)).rejects.toMatchObject({ code: 'NotManagementAccount' });
    expect(s.fake.calls).toEqual({ DescribeOrganization: 1 });
  });

  it('plans offline from an empty organisation', async () => {
    const s = await setup();
    const context: SectionContext = sectionContext(s.config, { offline: true });
    const changes = s.sections[0].plan(s.sections[0].empty(context), context);
    expect(changes[0]!.address).toBe('organization');
    expect(s.fake.totalCalls()).toBe(0);
  });

  it('Given 300 accounts and 20 OUs estate.yaml does not name, When planned, Then only managed accounts and OUs have their tags read and the rest is one drift line with the count', async () => {
    const s = await setup();
    await runLikeTheEngine(s);
    for (let i = 0; i < 20; i++) s.fake.addOu(i % 2 ? 'Sandbox' : '', `Team${i}`, { team: `t${i}` });
    for (let i = 0; i < 300; i++)
      s.fake.addAccount({
        name: `other-${String(i).padStart(3, '0')}`,
        email: `other-${i}@elsewhere.example.com`,
        ouPath: i % 3 ? `Team${(i % 10) * 2}` : 'Sandbox',
        tags: { owner: 'someone' },
      });
    const tagged: string[] = [];
    const send = s.fake.send.bind(s.fake);
    s.fake.send = ((command: { constructor: { name: string }; input: { ResourceId?: string } }) => {
      if (command.constructor.name === 'ListTagsForResourceCommand') tagged.push(command.input.ResourceId!);
      return send(command as never);
    }) as typeof s.fake.send;
    s.fake.resetCounters();

    const { planned } = await runLikeTheEngine(s);

    const managed = [
      ...['logs', 'audit', 'shop-prod', 'dev-alice'].map((n) => s.fake.accountByName(n)!.id),
      ...['Security', 'Workloads', 'Workloads/Production', 'Workloads/Development', 'Sandbox'].map((p) =>
        s.fake.idOfPath(p)!,
      ),
    ];
    expect(tagged.sort()).toEqual(managed.sort());
    const drift = planned.flat().filter((c) => c.action === 'drift');
    expect(drift).toHaveLength(1);
    expect(drift[0]!.summary).toMatch(
      /^300 accounts and 20 OUs in AWS are not in estate\.yaml \(other-000, other-001, other-002, and 317 more\)/,
    );
    expect(drift[0]!.payload).toMatchObject({ accounts: 300, ous: 20 });
    expect((drift[0]!.payload.listedAccounts as unknown[]).length).toBe(100);
    expect((drift[0]!.payload.listedOus as unknown[]).length).toBe(20);
    expect(planned.flat().filter((c) => c.action !== 'drift')).toEqual([]);
  });
});
