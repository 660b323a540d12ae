import { describe, expect, it } from 'vitest';
import { FileAuditLog, MemoryAuditLog, targetOf } from '../../src/aws/audit.js';
import { EstateError } from '../../src/errors.js';
import {
  perLocation,
  LOST_ANSWER,
  NON_IDEMPOTENT,
  isMutating,
  isRetryable,
  operationOf,
  withAudit,
  withRetries,
  transportProblem,
  type SendLike,
} from '../../src/aws/send.js';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tempDir } from '../_helpers/cli.js';

class MoveAccountCommand {
  constructor(readonly input: Record<string, unknown>) {}
}
class ListRootsCommand {
  readonly input = {};
}

describe('send wrappers', () => {
  it('names operations from command classes', () => {
    expect(operationOf(new MoveAccountCommand({}))).toBe('MoveAccount');
    expect(isMutating('MoveAccount')).toBe(true);
    expect(isMutating('ListRoots')).toBe(false);
    expect(isMutating('DescribeCreateAccountStatus')).toBe(false);
  });

  it('classifies throttling and concurrent modification as retryable, access denied as not', () => {
    expect(isRetryable({ name: 'TooManyRequestsException' })).toBe(true);
    expect(isRetryable({ name: 'ConcurrentModificationException' })).toBe(true);
    expect(isRetryable({ name: 'X', $metadata: { httpStatusCode: 503 } })).toBe(true);
    expect(isRetryable({ name: 'AccessDeniedException' })).toBe(false);
  });

  it('retries with growing, capped backoff and gives up after maxAttempts', async () => {
    const delays: number[] = [];
    let calls = 0;
    const client = withRetries<SendLike>(
      {
        send: async () => {
          calls++;
          throw Object.assign(new Error('busy'), { name: 'ConcurrentModificationException' });
        },
      },
      {
        maxAttempts: 5,
        baseDelayMs: 100,
        maxDelayMs: 500,
        random: () => 0.999,
        sleep: async (ms) => void delays.push(ms),
      },
    );
    const error = await client
      .send(new ListRootsCommand())
      .catch((e: unknown) => e as { $attempts?: number });
    expect(calls).toBe(5);
    expect(error.$attempts).toBe(5);
    expect(delays).toEqual([99, 199, 399, 499]);
  });

  it('does not retry errors that are not transient', async () => {
    let calls = 0;
    const client = withRetries<SendLike>({
      send: async () => {
        calls++;
        throw Object.assign(new Error('no'), { name: 'AccessDeniedException' });
      },
    });
    await expect(client.send(new ListRootsCommand())).rejects.toThrow('no');
    expect(calls).toBe(1);
  });

  describe('the lost-answer contract for non-idempotent operations', () => {
    class CreateAccountCommand {
      constructor(readonly input: Record<string, unknown> = {}) {}
    }
    const failing = (errors: unknown[]) => {
      const calls = { n: 0 };
      const client = withRetries<SendLike>(
        {
          send: async () => {
            const e = errors[calls.n++];
            if (e) throw e;
            return { ok: true };
          },
        },
        { sleep: async () => {} },
      );
      return { client, calls };
    };
    const timeout = () =>
      Object.assign(new Error('a request has exceeded the configured 1000 ms requestTimeout.'), {
        name: 'TimeoutError',
        code: 'ETIMEDOUT',
        $endpoint: 'http://127.0.0.1:9',
      });

    it('Given throttling, Then CreateAccount is sent again (AWS did nothing)', async () => {
      const throttled = Object.assign(new Error('slow'), { name: 'TooManyRequestsException' });
      const { client, calls } = failing([throttled, throttled]);
      await expect(client.send(new CreateAccountCommand())).resolves.toEqual({ ok: true });
      expect(calls.n).toBe(3);
    });

    it.each([
      ['a timeout', timeout()],
      ['a network error', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })],
      [
        'a 5xx answer',
        Object.assign(new Error('boom'), { name: 'ServiceException', $metadata: { httpStatusCode: 500 } }),
      ],
    ])('Given %s, Then CreateAccount is not sent again: the caller gets LostAnswer', async (_what, error) => {
      const { client, calls } = failing([error]);
      const lost = await client.send(new CreateAccountCommand()).catch((e: unknown) => e);
      expect(calls.n).toBe(1);
      expect(lost).toBeInstanceOf(EstateError);
      expect((lost as EstateError).code).toBe(LOST_ANSWER);
      expect((lost as EstateError).details).toMatchObject({ operation: 'CreateAccount' });
      expect((lost as EstateError).cause).toBe(error);
    });

    it('Given a timeout, Then an idempotent read is tried once more and no more (a silent endpoint fails fast)', async () => {
      const { client, calls } = failing([timeout(), timeout(), timeout()]);
      const error = await client.send(new ListRootsCommand()).catch((e: unknown) => e);
      expect(calls.n).toBe(2);
      expect((error as Error).name).toBe('TimeoutError');
      expect(NON_IDEMPOTENT.has('ListRoots')).toBe(false);
    });
    it('Given connections reset after sending (smithy calls them TimeoutError), Then a read is sent again past the timeout budget, like a 5xx', async () => {
      // @smithy/node-http-handler renames ECONNRESET and EPIPE to TimeoutError although nothing waited.
      const reset = () =>
        Object.assign(new Error('socket hang up'), { name: 'TimeoutError', code: 'ECONNRESET' });
      const { client, calls } = failing([reset(), reset(), reset()]);
      await expect(client.send(new ListRootsCommand())).resolves.toEqual({ ok: true });
      expect(calls.n).toBe(4);
      expect(transportProblem(reset())).toBe('reset');
      expect(transportProblem(timeout())).toBe('timeout');
    });
  });

  it('audits mutating calls with their outcome, not reads', async () => {
    const log = new MemoryAuditLog();
    const client = withAudit<SendLike>(
      {
        send: async (c: unknown) => {
          if ((c as MoveAccountCommand).input?.AccountId === 'bad')
            throw Object.assign(new Error('x'), { name: 'AccessDeniedException' });
          return {};
        },
      },
      log,
      { service: 'ORGANIZATIONS', account: '111111111111' },
    );
    await client.send(new ListRootsCommand());
    await client.send(new MoveAccountCommand({ AccountId: '222222222222', DestinationParentId: 'ou-1' }));
    await client.send(new MoveAccountCommand({ AccountId: 'bad' })).catch(() => undefined);
    expect(log.entries.map((e) => [e.action, e.result, e.error])).toEqual([
      ['MoveAccount', 'ok', undefined],
      ['MoveAccount', 'error', 'AccessDeniedException'],
    ]);
  });

  it('writes one JSON line per entry with caller, account, action, target and result', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const path = join(dir, 'nested', 'audit.log');
      let resolved = 0;
      const log = new FileAuditLog(
        path,
        async () => (resolved++, 'arn:aws:iam::111111111111:user/ops'),
        () => new Date('2026-11-24T00:00:00Z'),
      );
      await log.record({
        service: 'ORGANIZATIONS',
        account: '111111111111',
        action: 'MoveAccount',
        input: { AccountId: '2', DestinationParentId: 'ou' },
        result: 'ok',
      });
      await log.record({
        service: 'ORGANIZATIONS',
        action: 'CreateAccount',
        input: { AccountName: 'x', Email: 'x@y.z' },
        result: 'error',
        error: 'Boom',
      });
      const lines = (await readFile(path, 'utf8'))
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(lines[0]).toEqual({
        time: '2026-11-24T00:00:00.000Z',
        caller: 'arn:aws:iam::111111111111:user/ops',
        service: 'ORGANIZATIONS',
        account: '111111111111',
        action: 'MoveAccount',
        target: 'AccountId=2',
        result: 'ok',
      });
      expect(lines[1]).toMatchObject({
        action: 'CreateAccount',
        target: 'AccountName=x Email=x@y.z',
        result: 'error',
        error: 'Boom',
      });
      expect(resolved).toBe(1);
    } finally {
      await cleanup();
    }
  });

  it('names budgets in audit targets', () => {
    expect(targetOf({ AccountId: '1', Budget: { BudgetName: 'b' } })).toBe('AccountId=1');
  });
});

describe('perLocation', () => {
  it('builds one client per account and region, on first use, and hands it out again after', () => {
    const built: string[] = [];
    const clientFor = perLocation((at) => {
      built.push(`${at.accountId}/${at.region}`);
      return { at };
    });
    const a = clientFor({ accountId: '111111111111', region: 'eu-west-2' });
    expect(clientFor({ accountId: '111111111111', region: 'eu-west-2' })).toBe(a);
    clientFor({ accountId: '111111111111', region: 'us-east-1' });
    clientFor({ accountId: '222222222222', region: 'eu-west-2' });
    expect(built).toEqual(['111111111111/eu-west-2', '111111111111/us-east-1', '222222222222/eu-west-2']);
  });
});
