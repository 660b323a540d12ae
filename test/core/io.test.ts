import { describe, expect, it } from 'vitest';
import { IO, type IoHost, type IoMessage, silentIoHost, startTask } from '../../src/core/io.js';

function recorder(): IoHost & { messages: IoMessage[] } {
  const messages: IoMessage[] = [];
  return {
    messages,
    notify: async (m) => void messages.push(m),
    requestResponse: async (r) => r.defaultResponse,
  };
}

describe('the interaction port', () => {
  it('reports a task as start, updates and an end, each with the task id and a stable code', async () => {
    const io = recorder();
    const task = await startTask(io, 'account:dev-alice', 'create account dev-alice');
    await task.update('waiting for AWS');
    await task.done();
    expect(io.messages.map((m) => [m.code, m.level, m.message])).toEqual([
      [IO.TASK_START, 'info', 'create account dev-alice'],
      [IO.TASK_UPDATE, 'info', 'waiting for AWS'],
      [IO.TASK_DONE, 'info', 'create account dev-alice'],
    ]);
    expect(io.messages.every((m) => (m.data as { id: string }).id === 'account:dev-alice')).toBe(true);
  });

  it('the silent host takes the default answer of every request', async () => {
    const answer = await silentIoHost.requestResponse({
      time: new Date(),
      level: 'info',
      code: 'ESTATE_I9999',
      message: 'delete 2 OUs?',
      defaultResponse: false,
    });
    expect(answer).toBe(false);
  });
});
