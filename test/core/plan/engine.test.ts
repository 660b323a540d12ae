import { describe, expect, it } from 'vitest';
import { silentIoHost } from '../../../src/core/io.js';
import { stringify } from 'yaml';
import { parseConfig } from '../../../src/config/loader.js';
import { applyEstate, assertPlanCurrent, canonicalJson, planEstate } from '../../../src/core/plan/engine.js';
import type { PlanSection } from '../../../src/core/plan/section.js';
import type { Change } from '../../../src/core/plan/types.js';
import { renderPlan, summaryLine } from '../../../src/cli/render-plan.js';
import { minimalConfig } from '../../_helpers/config.js';

const config = parseConfig(stringify(minimalConfig()));

/** A section over an in-memory set of names: creates what is missing, reports extras as drift. */
function namesSection(
  name: string,
  live: Set<string>,
  want: string[],
  log: string[] = [],
): PlanSection<string[]> {
  return {
    name,
    read: async () => [...live].sort(),
    empty: () => [],
    plan: (snapshot) => [
      ...want
        .filter((w) => !snapshot.includes(w))
        .map<Change>((w) => ({
          section: name,
          action: 'create',
          resourceType: 'thing',
          address: `${name}:${w}`,
          summary: `thing ${w}`,
          payload: { w },
        })),
      ...snapshot
        .filter((s) => !want.includes(s))
        .map<Change>((s) => ({
          section: name,
          action: 'drift',
          resourceType: 'thing',
          address: `${name}:${s}`,
          summary: `extra ${s}`,
          payload: {},
        })),
    ],
    apply: async (changes, ctx) =>
      changes.map((c) => {
        log.push(`${name}:${c.address}:${ctx.outputs.accountIds.get('logs') ?? '-'}`);
        if (c.payload.w === 'broken') return { address: c.address, status: 'failed', message: 'AWS said no' };
        live.add(c.payload.w as string);
        if (name === 'org') ctx.record.accountCreated('logs', '222222222222');
        return { address: c.address, status: 'applied' };
      }),
    notes: (_s, changes) => (changes.length ? [`${name} has ${changes.length} changes`] : []),
  };
}

describe('plan engine', () => {
  it('plans offline against empty snapshots without reading', async () => {
    const section = namesSection('org', new Set(['x']), ['a', 'b']);
    section.read = async () => {
      throw new Error('no AWS offline');
    };
    const { plan } = await planEstate(config, [section], { offline: true });
    expect(plan.offline).toBe(true);
    expect(plan.changes.map((c) => c.address)).toEqual(['org:a', 'org:b']);
    expect(plan.notes).toEqual(['org has 2 changes']);
  });

  it('applies section by section, passing account ids forward, and is a no-op the second time', async () => {
    const live = new Set<string>();
    const log: string[] = [];
    const sections = [namesSection('org', live, ['a'], log), namesSection('budgets', new Set(), ['b'], log)];
    const first = await planEstate(config, sections, { offline: false });
    const result = await applyEstate(config, sections, first, { io: silentIoHost, concurrency: 4 });
    expect(result.ok).toBe(true);
    // The budgets section saw the id the org section recorded.
    expect(log).toEqual(['org:org:a:-', 'budgets:budgets:b:222222222222']);
    const second = await planEstate(config, [sections[0]!], { offline: false });
    expect(second.plan.changes).toEqual([]);
    expect(summaryLine(second.plan.changes)).toBe('No changes. The estate matches estate.yaml.');
  });

  it('reports a failed change and carries on with the rest', async () => {
    const sections = [namesSection('org', new Set(), ['broken', 'fine'])];
    const run = await planEstate(config, sections, { offline: false });
    const result = await applyEstate(config, sections, run, { io: silentIoHost, concurrency: 1 });
    expect(result.ok).toBe(false);
    expect(result.results.map((r) => r.status)).toEqual(['failed', 'applied']);
  });

  it('never applies drift', async () => {
    const live = new Set(['extra']);
    const sections = [namesSection('org', live, [])];
    const run = await planEstate(config, sections, { offline: false });
    expect(run.plan.changes.map((c) => c.action)).toEqual(['drift']);
    const result = await applyEstate(config, sections, run, { io: silentIoHost, concurrency: 1 });
    expect(result.results).toEqual([]);
  });

  it('refuses a saved plan when reality or the config moved, accepts an unchanged one', async () => {
    const live = new Set<string>();
    const sections = [namesSection('org', live, ['a'])];
    const saved = JSON.parse(JSON.stringify((await planEstate(config, sections, { offline: false })).plan));
    assertPlanCurrent(saved, (await planEstate(config, sections, { offline: false })).plan);
    live.add('a');
    const fresh = (await planEstate(config, sections, { offline: false })).plan;
    expect(() => assertPlanCurrent(saved, fresh)).toThrow(/no longer matches reality/);
    const otherConfig = parseConfig(
      stringify({ ...minimalConfig(), organization: { ...minimalConfig().organization, name: 'other' } }),
    );
    const changedConfig = (
      await planEstate(otherConfig, [namesSection('org', new Set(), ['a'])], { offline: false })
    ).plan;
    expect(() => assertPlanCurrent(saved, changedConfig)).toThrow(/estate.yaml changed/);
    const offline = (await planEstate(config, sections, { offline: true })).plan;
    expect(() => assertPlanCurrent(offline, fresh)).toThrow(/--offline/);
  });

  it('hashes canonically, whatever the key order', () => {
    expect(canonicalJson({ b: 1, a: { d: 2, c: 3 } })).toBe(canonicalJson({ a: { c: 3, d: 2 }, b: 1 }));
  });

  it('renders a plan grouped by section with symbols and a summary', async () => {
    const { plan } = await planEstate(config, [namesSection('org', new Set(['old']), ['a'])], {
      offline: false,
    });
    const text = renderPlan(plan, { color: false });
    expect(text).toBe(
      'org (2)\n  + thing a\n  ! extra old\n\nPlan: 1 to create, 1 drift (not fixed by estate).\nnote: org has 2 changes\n',
    );
  });
});

describe('plan engine: clock, outputs and scope', () => {
  const clock = () => new Date('2031-02-03T04:05:06.000Z');

  it('Given an injected clock, When planned and applied, Then the plan and every section read the time from it', async () => {
    const seen: string[] = [];
    const section = namesSection('org', new Set(), ['a']);
    const plan = section.plan;
    section.plan = (snapshot, ctx) => (seen.push(`plan ${ctx.now().toISOString()}`), plan(snapshot, ctx));
    const apply = section.apply;
    section.apply = (changes, ctx) => (seen.push(`apply ${ctx.now().toISOString()}`), apply(changes, ctx));
    const run = await planEstate(config, [section], { offline: false, now: clock });
    expect(run.plan.createdAt).toBe('2031-02-03T04:05:06.000Z');
    await applyEstate(config, [section], run, { io: silentIoHost, concurrency: 1, now: clock });
    expect(seen).toEqual(['plan 2031-02-03T04:05:06.000Z', 'apply 2031-02-03T04:05:06.000Z']);
  });

  it('Given a section providing account ids, When a later section plans, Then it reads them from the typed outputs, config ids first', async () => {
    const raw = minimalConfig();
    raw.accounts.find((a: { name: string }) => a.name === 'logs')!.id = '999999999999';
    const withId = parseConfig(stringify(raw));
    const org = namesSection('org', new Set(), []);
    org.outputs = () => ({
      accountIds: new Map([
        ['logs', '111111111111'],
        ['dev-alice', '222222222222'],
      ]),
    });
    const seen: Record<string, string>[] = [];
    const budgets = namesSection('budgets', new Set(), []);
    budgets.plan = (_s, ctx) => (seen.push(Object.fromEntries(ctx.outputs.accountIds)), []);
    const run = await planEstate(withId, [org, budgets], { offline: false });
    expect(seen).toEqual([{ logs: '999999999999', 'dev-alice': '222222222222' }]);
    expect(Object.fromEntries(run.outputs.accountIds)).toEqual(seen[0]);
  });

  it('Given --section, When planned, Then only that section plans, an earlier one is read for its outputs only, and the plan says it is partial', async () => {
    const reads: string[] = [];
    const org = namesSection('org', new Set(), ['a']);
    org.read = async () => (reads.push('org'), []);
    org.outputs = () => ({ accountIds: new Map([['dev-alice', '222222222222']]) });
    const budgets = namesSection('budgets', new Set(), ['b']);
    const later = namesSection('later', new Set(), ['c']);
    later.read = async () => (reads.push('later'), []);
    later.outputs = () => ({});
    const ids: string[] = [];
    const plan = budgets.plan;
    budgets.plan = (s, ctx) => (ids.push(ctx.outputs.accountIds.get('dev-alice') ?? '-'), plan(s, ctx));
    const scope = { sections: ['budgets'] };
    const run = await planEstate(config, [org, budgets, later], { offline: false, scope });
    expect(run.plan.changes.map((c) => c.address)).toEqual(['budgets:b']);
    expect(reads).toEqual(['org']);
    expect(ids).toEqual(['222222222222']);
    expect(run.plan.scope).toEqual(scope);
    expect(run.plan.notes[0]).toMatch(/^partial plan \(section budgets\)/);
    // A saved partial plan only matches a run of the same scope.
    const whole = await planEstate(config, [org, budgets, later], { offline: false });
    expect(whole.plan.scope).toBeUndefined();
    expect(() => assertPlanCurrent(run.plan, whole.plan)).toThrow(
      /covers section budgets, this run the whole estate/,
    );
  });

  it('Given --account, When planned, Then only changes that concern the account stay, with the changes they depend on', async () => {
    const change = (address: string, dependsOn?: string[]): Change => ({
      section: 'org',
      action: 'create',
      resourceType: 'thing',
      address,
      summary: address,
      payload: {},
      ...(dependsOn ? { dependsOn } : {}),
    });
    const section: PlanSection<null> = {
      name: 'org',
      read: async () => null,
      empty: () => null,
      plan: () => [
        change('ou:Sandbox'),
        change('ou:Other'),
        change('account:dev-alice', ['ou:Sandbox']),
        change('account:logs', ['ou:Other']),
      ],
      apply: async () => [],
      accountsOf: (c) => (c.address.startsWith('account:') ? [c.address.slice(8)] : []),
    };
    const silent: PlanSection<null> = {
      ...section,
      name: 'silent',
      accountsOf: undefined,
      plan: () => [{ ...change('x'), section: 'silent' }],
    };
    const run = await planEstate(config, [section, silent], {
      offline: false,
      scope: { accounts: ['dev-alice'] },
    });
    expect(run.plan.changes.map((c) => c.address)).toEqual(['ou:Sandbox', 'account:dev-alice']);
    expect(run.plan.notes[0]).toMatch(/^partial plan \(account dev-alice\)/);
  });

  it('Given an unknown section or account, When planned, Then a usage error names the flag and lists the valid values', async () => {
    const sections = [namesSection('org', new Set(), []), namesSection('budgets', new Set(), [])];
    await expect(
      planEstate(config, sections, { offline: true, scope: { sections: ['budget'] } }),
    ).rejects.toMatchObject({
      code: 'UnknownSection',
      exitCode: 2,
      message: expect.stringMatching(/^--section budget: /),
      suggestions: ['pass one of: org, budgets'],
    });
    await expect(
      planEstate(config, sections, { offline: true, scope: { accounts: ['alice'] } }),
    ).rejects.toMatchObject({
      code: 'UnknownAccount',
      message: expect.stringMatching(/^--account alice: /),
      suggestions: [`pass one of: ${config.accounts.map((a) => a.name).join(', ')}`],
    });
  });
});
