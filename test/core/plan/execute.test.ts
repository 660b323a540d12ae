import { describe, expect, it } from 'vitest';
import { type ChangeHandler, executeChanges, newExecutionState } from '../../../src/core/plan/execute.js';
import type { Change } from '../../../src/core/plan/types.js';
import { recordingIoHost } from '../../_helpers/recording-io.js';

const change = (address: string, resourceType: string, dependsOn: string[] = [], action = 'create'): Change =>
  ({
    section: 'test',
    action,
    resourceType,
    address,
    summary: `${action} ${address}`,
    payload: {},
    ...(dependsOn.length ? { dependsOn } : {}),
  }) as Change;

/** A handler that records when each change starts and ends, and waits for `release`. */
function gate() {
  const log: string[] = [];
  let active = 0;
  let peak = 0;
  const handler: ChangeHandler = async (c) => {
    active++;
    peak = Math.max(peak, active);
    log.push(`start ${c.address}`);
    await new Promise((r) => setImmediate(r));
    active--;
    log.push(`end ${c.address}`);
    if (c.payload.fail) throw new Error(`${c.address} broke`);
    return { id: `id-${c.address}` };
  };
  return { log, handler, peak: () => peak };
}

describe('executeChanges', () => {
  it('Given a chain, When executed, Then each change starts only after the ones it depends on ended', async () => {
    const g = gate();
    const io = recordingIoHost();
    const results = await executeChanges(
      [change('c', 'thing', ['b']), change('b', 'thing', ['a']), change('a', 'thing')],
      { io, handlers: { 'thing/create': g.handler }, concurrency: 8 },
    );
    expect(g.log).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
    expect(results.map((r) => [r.address, r.status, r.outputs?.id])).toEqual([
      ['c', 'applied', 'id-c'],
      ['b', 'applied', 'id-b'],
      ['a', 'applied', 'id-a'],
    ]);
    expect(io.tasks()).toContain('start a: create a');
  });

  it('Given a kind with its own limit, Then that kind never exceeds it and the others use the shared limit', async () => {
    const creations = gate();
    const others = gate();
    const changes = [
      ...Array.from({ length: 9 }, (_, i) => change(`account:${i}`, 'account')),
      ...Array.from({ length: 9 }, (_, i) => change(`ou:${i}`, 'ou')),
    ];
    await executeChanges(changes, {
      io: recordingIoHost(),
      handlers: { 'account/create': creations.handler, 'ou/create': others.handler },
      concurrency: 3,
      concurrencyByKind: { 'account/create': 5 },
    });
    expect(creations.peak()).toBe(5);
    expect(others.peak()).toBe(3);
  });

  it('Given pools by key (an account), Then each key runs at most poolSize at once, all keys within the shared limit', async () => {
    const running = new Map<string, number>();
    const peaks = new Map<string, number>();
    let total = 0;
    let peakTotal = 0;
    const handler: ChangeHandler = async (c) => {
      const key = c.address.split(':')[0]!;
      running.set(key, (running.get(key) ?? 0) + 1);
      peaks.set(key, Math.max(peaks.get(key) ?? 0, running.get(key)!));
      peakTotal = Math.max(peakTotal, ++total);
      await new Promise((r) => setTimeout(r, 5));
      running.set(key, running.get(key)! - 1);
      total--;
      return undefined;
    };
    const changes = ['a', 'b', 'c', 'd'].flatMap((k) =>
      Array.from({ length: 5 }, (_, i) => change(`${k}:${i}`, 'thing')),
    );
    const results = await executeChanges(changes, {
      io: recordingIoHost(),
      handlers: { 'thing/create': handler },
      concurrency: 6,
      poolOf: (c) => c.address.split(':')[0],
      poolSize: 2,
    });
    expect(results.every((r) => r.status === 'applied')).toBe(true);
    expect([...peaks.values()]).toEqual([2, 2, 2, 2]);
    expect(peakTotal).toBe(6);
  });

  it('Given a change fails, Then what depends on it is skipped with the reason, and independent changes still run', async () => {
    const g = gate();
    const io = recordingIoHost();
    const broken = { ...change('a', 'thing'), payload: { fail: true } };
    const results = await executeChanges(
      [broken, change('b', 'thing', ['a']), change('c', 'thing', ['b']), change('d', 'thing')],
      { io, handlers: { 'thing/create': g.handler }, concurrency: 1 },
    );
    expect(results.map((r) => [r.address, r.status, r.message])).toEqual([
      ['a', 'failed', 'a broke'],
      ['b', 'skipped', 'skipped: a failed'],
      ['c', 'skipped', 'skipped: b was skipped'],
      ['d', 'applied', undefined],
    ]);
    expect(io.tasks()).toEqual(expect.arrayContaining(['fail a: a broke', 'skip b: skipped: a failed']));
    expect(g.log).not.toContain('start b');
  });

  it('Given ordering-only predecessors, Then a change waits for them but still runs when they failed', async () => {
    const g = gate();
    const broken = { ...change('phase1', 'thing'), payload: { fail: true } };
    const results = await executeChanges([change('phase2', 'thing'), broken], {
      io: recordingIoHost(),
      handlers: { 'thing/create': g.handler },
      concurrency: 8,
      after: (c) => (c.address === 'phase2' ? ['phase1'] : []),
    });
    expect(g.log).toEqual(['start phase1', 'end phase1', 'start phase2', 'end phase2']);
    expect(results.map((r) => r.status)).toEqual(['applied', 'failed']);
  });

  it('Given a cycle, Then nothing runs and the error names the changes on it', async () => {
    const g = gate();
    const run = executeChanges(
      [
        change('root', 'thing'),
        change('a', 'thing', ['root', 'c']),
        change('b', 'thing', ['a']),
        change('c', 'thing', ['b']),
      ],
      { io: recordingIoHost(), handlers: { 'thing/create': g.handler }, concurrency: 8 },
    );
    await expect(run).rejects.toThrow('the plan has a dependency cycle: a → c → b → a');
    expect(g.log).toEqual([]);
  });

  it('Given no handler for a change, Then it fails naming the action and the resource type', async () => {
    const [result] = await executeChanges([change('x', 'gizmo', [], 'update')], {
      io: recordingIoHost(),
      handlers: {},
      concurrency: 1,
    });
    expect(result).toMatchObject({
      status: 'failed',
      message: 'estate does not know how to update a gizmo (x)',
    });
  });

  it('Given a state shared with an earlier run in which a dependency failed, Then the dependant is skipped', async () => {
    const state = newExecutionState();
    state.statuses.set('earlier', 'failed');
    const g = gate();
    const [result] = await executeChanges([change('later', 'thing', ['earlier'])], {
      io: recordingIoHost(),
      handlers: { 'thing/create': g.handler },
      concurrency: 1,
      state,
    });
    expect(result).toMatchObject({ status: 'skipped', message: 'skipped: earlier failed' });
  });
  it('Given a signal aborted while a change runs, Then nothing starts any more and what was not started is skipped as interrupted', async () => {
    const controller = new AbortController();
    const started: string[] = [];
    const handler: ChangeHandler = async (c) => {
      started.push(c.address);
      if (c.address === 'a') controller.abort();
      await new Promise((r) => setImmediate(r));
      return undefined;
    };
    const results = await executeChanges(
      [change('a', 'thing'), change('b', 'thing', ['a']), change('c', 'thing'), change('d', 'thing')],
      {
        io: recordingIoHost(),
        handlers: { 'thing/create': handler },
        concurrency: 1,
        signal: controller.signal,
      },
    );
    expect(started).toEqual(['a']);
    expect(results.map((r) => [r.address, r.status, r.interrupted])).toEqual([
      ['a', 'applied', undefined],
      ['b', 'skipped', true],
      ['c', 'skipped', true],
      ['d', 'skipped', true],
    ]);
  });
});
