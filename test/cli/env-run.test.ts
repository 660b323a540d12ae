import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { INTERRUPTED_EXIT, interruptible } from '../../src/cli/env-run.js';

/** A stand-in for `process` as far as signals go. */
const signals = () => {
  const emitter = new EventEmitter();
  return { target: emitter as unknown as Pick<NodeJS.Process, 'on' | 'off'>, emitter };
};

describe('interruptible (Ctrl-C during env deploy / destroy)', () => {
  it('aborts the signal on the first SIGINT and lets the work return what it has', async () => {
    const { target, emitter } = signals();
    const exits: number[] = [];
    let said = 0;
    const { result, interrupted } = await interruptible(
      (signal) =>
        new Promise<string>((resolve) => {
          signal.addEventListener('abort', () => resolve('in flight: alice-data; not started: alice-api'));
          emitter.emit('SIGINT');
        }),
      { target, exit: (c) => exits.push(c), onFirst: () => said++ },
    );
    expect(interrupted).toBe(true);
    expect(result).toBe('in flight: alice-data; not started: alice-api');
    expect(said).toBe(1);
    expect(exits).toEqual([]);
  });

  it('exits at once with 130 on the second SIGINT', async () => {
    const { target, emitter } = signals();
    const exits: number[] = [];
    await interruptible(
      async () => {
        emitter.emit('SIGINT');
        emitter.emit('SIGINT');
      },
      { target, exit: (c) => exits.push(c) },
    );
    expect(exits).toEqual([INTERRUPTED_EXIT]);
    expect(INTERRUPTED_EXIT).toBe(130);
  });

  it('removes its handler afterwards, also when the work throws', async () => {
    const { target, emitter } = signals();
    await interruptible(async () => 'done', { target });
    expect(emitter.listenerCount('SIGINT')).toBe(0);
    await expect(
      interruptible(
        async () => {
          throw new Error('boom');
        },
        { target },
      ),
    ).rejects.toThrow('boom');
    expect(emitter.listenerCount('SIGINT')).toBe(0);
  });

  it('reports not interrupted when no SIGINT came', async () => {
    const { target } = signals();
    expect(await interruptible(async (signal) => signal.aborted, { target })).toEqual({
      result: false,
      interrupted: false,
    });
  });
});
