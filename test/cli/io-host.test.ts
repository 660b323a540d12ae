import { describe, expect, it } from 'vitest';
import { cliIoHost } from '../../src/cli/io-host.js';
import { trackProgress } from '../../src/cli/output.js';
import { IO, ioMessage, ioRequest, startTask } from '../../src/core/io.js';

const confirmApply = ioRequest(
  IO.CONFIRM_APPLY,
  '1 to create. Apply?',
  { kind: 'confirm', flag: '--yes', what: 'confirmation' },
  undefined as boolean | undefined,
);

function sink() {
  const written: string[] = [];
  return { written, stream: { write: (t: string) => written.push(t) } as unknown as NodeJS.WritableStream };
}

describe('the CLI interaction host', () => {
  it('Given a non-interactive run without the flag, Then a request takes its default answer without asking', async () => {
    let asked = 0;
    const io = cliIoHost('plain', { interactive: false, ask: async () => (asked++, true) });
    expect(await io.requestResponse(confirmApply)).toBeUndefined();
    expect(asked).toBe(0);
  });

  it('Given the flag, Then its value answers and nobody is asked, even at a terminal', async () => {
    let asked = 0;
    const io = cliIoHost('interactive', {
      interactive: true,
      answers: { [IO.CONFIRM_APPLY]: true },
      ask: async () => (asked++, false),
    });
    expect(await io.requestResponse(confirmApply)).toBe(true);
    expect(asked).toBe(0);
  });

  it('Given a person at a terminal and no flag, Then the person is asked and the answer returned', async () => {
    const io = cliIoHost('interactive', { interactive: true, ask: async (r) => `typed for ${r.code}` });
    expect(await io.requestResponse(confirmApply)).toBe(`typed for ${IO.CONFIRM_APPLY}`);
  });

  it('Given --json, Then nothing is written and nothing is asked, even when a terminal could prompt', async () => {
    const { written, stream } = sink();
    let asked = 0;
    const io = cliIoHost('json', { interactive: true, ask: async () => (asked++, true) }, stream);
    await io.notify(ioMessage('warn', 'ESTATE_W9999', 'careful'));
    expect(await io.requestResponse(confirmApply)).toBeUndefined();
    await trackProgress(
      'json',
      [{ id: 'a', title: 'create a' }],
      async (tracked) => {
        const task = await startTask(tracked, 'a', 'create a');
        await task.fail('broke');
      },
      stream,
      undefined,
      io,
    );
    expect(written).toEqual([]);
    expect(asked).toBe(0);
  });

  it('Given plain mode, Then a note reaches stderr as one line', async () => {
    const { written, stream } = sink();
    await cliIoHost('plain', { interactive: false }, stream).notify(
      ioMessage('warn', 'ESTATE_W9999', 'careful'),
    );
    expect(written).toEqual(['careful\n']);
  });
});
