import { describe, expect, it } from 'vitest';
import { ProgressBoard, applySummary, formatElapsed, trackProgress } from '../../src/cli/output.js';
import { startTask } from '../../src/core/io.js';

describe('formatElapsed', () => {
  it('reads as a person would say it', () => {
    expect(formatElapsed(420)).toBe('0.4s');
    expect(formatElapsed(9_949)).toBe('9.9s');
    expect(formatElapsed(12_400)).toBe('12s');
    expect(formatElapsed(185_000)).toBe('3m05s');
  });
});

describe('ProgressBoard (what the terminal view shows)', () => {
  it('lists only the changes in flight, each with its elapsed time; finished ones leave the list', () => {
    let now = 1_000;
    const board = new ProgressBoard(
      new Map([
        ['account:a', 'create account a'],
        ['account:b', 'create account b'],
        ['ou:X', 'create OU X'],
      ]),
      () => now,
    );
    board.record({ type: 'start', id: 'account:a', title: 'create account a' });
    now += 2_000;
    board.record({ type: 'start', id: 'account:b', title: 'create account b' });
    board.record({ type: 'update', id: 'account:b', message: 'requested (car-1)' });
    now += 500;
    expect(board.inFlight()).toEqual([
      'create account a · 2.5s',
      'create account b · 0.5s · requested (car-1)',
    ]);
    expect(board.header()).toBe('0/3 done, 2 in flight · 2.5s');

    expect(board.record({ type: 'done', id: 'account:a' })).toBe(2_500);
    expect(board.record({ type: 'fail', id: 'account:b', message: 'no' })).toBe(500);
    board.record({ type: 'skip', id: 'ou:X', message: 'skipped' });
    expect(board.inFlight()).toEqual([]);
    expect(board.header()).toBe('1/3 done, 1 failed, 1 skipped · 2.5s');
  });

  it('caps the view and says how many more are in flight', () => {
    const board = new ProgressBoard(new Map(), () => 0);
    for (let i = 0; i < 20; i++) board.record({ type: 'start', id: `c${i}`, title: `change ${i}` });
    const lines = board.inFlight(5);
    expect(lines).toHaveLength(6);
    expect(lines.at(-1)).toBe('… and 15 more in flight');
  });
});

describe('trackProgress in plain mode', () => {
  it('writes a line when each change starts and ends, the end with its elapsed time', async () => {
    const written: string[] = [];
    const stderr = { write: (t: string) => written.push(t) } as unknown as NodeJS.WritableStream;
    await trackProgress(
      'plain',
      [{ id: 'account:a', title: 'create account a' }],
      async (io) => {
        const task = await startTask(io, 'account:a', 'create account a');
        await task.done();
      },
      stderr,
    );
    expect(written[0]).toBe('… create account a\n');
    expect(written[1]).toMatch(/^✔ create account a \(\d\.\ds\)\n$/);
  });
});

describe('applySummary', () => {
  it('counts what was applied by action and kind, then failures and skips', () => {
    const changes = [
      { address: 'account:a', action: 'create', resourceType: 'account' },
      { address: 'account:b', action: 'create', resourceType: 'account' },
      { address: 'account:c', action: 'create', resourceType: 'account' },
      { address: 'account:a#ou', action: 'move', resourceType: 'account' },
      { address: 'account:c#ou', action: 'move', resourceType: 'account' },
      { address: 'ou:X', action: 'create', resourceType: 'ou' },
      { address: 'policy-type:scp', action: 'create', resourceType: 'policy-type' },
      { address: 'attach:p', action: 'attach', resourceType: 'policy-attachment' },
    ] as const;
    const results = [
      { address: 'account:a', status: 'applied' },
      { address: 'account:b', status: 'applied' },
      { address: 'account:c', status: 'failed' },
      { address: 'account:a#ou', status: 'applied' },
      { address: 'account:c#ou', status: 'skipped' },
      { address: 'ou:X', status: 'applied' },
      { address: 'policy-type:scp', status: 'applied' },
      { address: 'attach:p', status: 'applied' },
    ] as const;
    expect(applySummary(changes, results, 12_300)).toBe(
      'Applied in 12s: 2 accounts created, 1 OU created, 1 policy type enabled, 1 account moved, 1 policy attached, 1 failed, 1 skipped',
    );
  });
});

describe('trackProgress at a terminal', () => {
  /** Runs trackProgress as `apply` does at a terminal, recording what reaches each stream. */
  async function captured(
    work: Parameters<typeof trackProgress>[2],
  ): Promise<{ text: string; stdout: string; error?: Error }> {
    const streams = { stderr: [] as string[], stdout: [] as string[] };
    const writes = { stderr: process.stderr.write, stdout: process.stdout.write };
    for (const name of ['stderr', 'stdout'] as const)
      process[name].write = ((chunk: string | Uint8Array) => {
        streams[name].push(String(chunk));
        return true;
      }) as typeof process.stderr.write;
    const result = () => ({ text: streams.stderr.join(''), stdout: streams.stdout.join('') });
    try {
      await trackProgress(
        'interactive',
        [{ id: 'account:a', title: 'create account a' }],
        work,
        process.stderr,
        {
          running: 'Applying',
          finished: 'Applied',
          noun: 'change',
        },
      );
      return result();
    } catch (error) {
      return { ...result(), error: error as Error };
    } finally {
      process.stderr.write = writes.stderr;
      process.stdout.write = writes.stdout;
    }
  }

  it('closes with the count when the work ends', async () => {
    const { text, stdout } = await captured(async (io) => {
      const task = await startTask(io, 'account:a', 'create account a');
      await task.done();
    });
    expect(text).toMatch(/Applied 1 change: 1\/1 done · \d\.\ds/);
    // Progress never reaches stdout, even where listr2 falls back to its line renderer.
    expect(stdout).toBe('');
  });

  it('says it stopped, not that it applied, when the work throws', async () => {
    const { text, error } = await captured(async (io) => {
      await startTask(io, 'account:a', 'create account a');
      throw new Error('the management account changed');
    });
    expect(error?.message).toBe('the management account changed');
    expect(text).toMatch(/Applying 1 change stopped: 0\/1 done, 1 in flight/);
    expect(text).not.toMatch(/Applied 1 change/);
  });
});

describe('trackProgress with steps discovered as they start', () => {
  it('counts each task from its first message, a skipped one that never started included', async () => {
    const written: string[] = [];
    const stderr = { write: (t: string) => written.push(t) } as unknown as NodeJS.WritableStream;
    await trackProgress(
      'plain',
      'discovered',
      async (io) => {
        const a = await startTask(io, 'acct/eu-west-2/alice-data', 'alice-data (acct, eu-west-2)');
        await a.done();
        await io.notify({
          time: new Date(),
          level: 'warn',
          code: 'ESTATE_W0104',
          message: 'skipped: alice-data failed',
          data: { id: 'acct/eu-west-2/alice-api' },
        });
        // The executor's skips carry the title: the line names the stack, not its task id.
        await io.notify({
          time: new Date(),
          level: 'warn',
          code: 'ESTATE_W0104',
          message: 'skipped: alice-api was skipped',
          data: { id: 'acct/eu-west-2/alice-obs', title: 'alice-obs (acct, eu-west-2)' },
        });
      },
      stderr,
    );
    expect(written[0]).toBe('… alice-data (acct, eu-west-2)\n');
    expect(written[1]).toMatch(/^✔ alice-data \(acct, eu-west-2\) \(\d\.\ds\)\n$/);
    expect(written[2]).toBe('↓ acct/eu-west-2/alice-api: skipped: alice-data failed\n');
    expect(written[3]).toBe('↓ alice-obs (acct, eu-west-2): skipped: alice-api was skipped\n');
  });

  it('under --json says nothing', async () => {
    const written: string[] = [];
    const stderr = { write: (t: string) => written.push(t) } as unknown as NodeJS.WritableStream;
    await trackProgress('json', 'discovered', async (io) => (await startTask(io, 'a', 'a')).done(), stderr);
    expect(written).toEqual([]);
  });
});

describe('trackProgress at a terminal, when a question comes mid-run', () => {
  it('ends the live view before the question reaches the host, then goes on in plain lines', async () => {
    const seen: string[] = [];
    const writes = { stderr: process.stderr.write, stdout: process.stdout.write };
    const record = ((chunk: string | Uint8Array) => {
      seen.push(String(chunk));
      return true;
    }) as typeof process.stderr.write;
    process.stderr.write = record;
    process.stdout.write = record;
    let atQuestion = '';
    try {
      const answer = await trackProgress(
        'interactive',
        'discovered',
        async (io) => {
          const task = await startTask(io, 's1', 'alice-api-lambda (acct, eu-west-2)');
          const yes = await io.requestResponse({
            time: new Date(),
            level: 'info',
            code: 'ESTATE_I0250',
            message: 'alice-api-lambda broadens IAM permissions. Deploy it?',
            data: { kind: 'confirm', flag: '--approve never', what: 'approval' },
            defaultResponse: false,
          });
          await task.done();
          return yes;
        },
        process.stderr,
        { running: 'Deploying', finished: 'Deployed', noun: 'stack' },
        {
          notify: async () => {},
          requestResponse: async <U>() => {
            atQuestion = seen.join('');
            return true as U;
          },
        },
      );
      expect(answer).toBe(true);
    } finally {
      process.stderr.write = writes.stderr;
      process.stdout.write = writes.stdout;
    }
    expect(atQuestion).toContain('(a question follows; progress goes on below)');
    const after = seen.join('').slice(atQuestion.length);
    expect(after).toMatch(/✔ alice-api-lambda \(acct, eu-west-2\)/);
  });
});
