import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { INTERRUPTED_EXIT, interruptible, runStackWork } from '../../src/cli/env-run.js';
import { startTask } from '../../src/core/io.js';

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

describe('runStackWork (the exit code of env deploy / destroy)', () => {
  const options = {
    mode: 'json' as const,
    interactive: false,
    wording: { running: 'Deploying', finished: 'Deployed', noun: 'stack' },
    stopping: 'Stopping…',
  };
  const withExitCode = async (work: () => Promise<unknown>) => {
    const saved = process.exitCode;
    process.exitCode = undefined;
    try {
      await work();
      return process.exitCode;
    } finally {
      process.exitCode = saved;
    }
  };

  it('returns the full result of a partial failure and makes the exit code 1', async () => {
    let returned: unknown;
    const code = await withExitCode(async () => {
      returned = await runStackWork(options, async () => ({
        ok: false,
        interrupted: false,
        environments: 3,
      }));
    });
    expect(code).toBe(1);
    expect(returned).toEqual({ ok: false, interrupted: false, environments: 3 });
  });

  it('leaves the exit code alone when everything went', async () => {
    expect(
      await withExitCode(() => runStackWork(options, async () => ({ ok: true, interrupted: false }))),
    ).toBe(undefined);
  });

  it('makes it 130 when a SIGINT stopped the run, and hands the engine the aborted signal', async () => {
    let aborted = false;
    const listeners = process.listenerCount('SIGINT');
    const code = await withExitCode(() =>
      runStackWork(options, async (io, signal) => {
        const task = await startTask(io, 's', 's');
        process.emit('SIGINT');
        aborted = signal.aborted;
        await task.skip('interrupted');
        return { ok: false, interrupted: true };
      }),
    );
    expect(aborted).toBe(true);
    expect(code).toBe(130);
    expect(process.listenerCount('SIGINT')).toBe(listeners);
  });
});
