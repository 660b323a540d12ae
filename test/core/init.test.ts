import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_BUDGETS } from '../../src/config/init.js';
import { parseConfig } from '../../src/config/loader.js';
import { INIT_IO, initService, type InitQuestionData } from '../../src/core/init.js';
import type { IoHost, IoMessage, IoRequest } from '../../src/core/io.js';

const out = async () => join(await mkdtemp(join(tmpdir(), 'estate-init-')), 'estate.yaml');

/** A host that types `typed[message]` at each question (parsed as a terminal would), else takes the default. */
function scripted(typed: Record<string, string | number> = {}) {
  const requests: IoRequest<InitQuestionData, unknown>[] = [];
  const messages: IoMessage[] = [];
  const host: IoHost = {
    notify: async (m) => void messages.push(m),
    async requestResponse<T, U>(request: IoRequest<T, U>): Promise<U> {
      const r = request as unknown as IoRequest<InitQuestionData, unknown>;
      requests.push(r);
      const answer = typed[r.message];
      if (answer === undefined) return request.defaultResponse;
      const { prompt } = r.data!;
      if (prompt.kind === 'input' && typeof answer === 'string') {
        expect(prompt.validate?.(answer) ?? true).toBe(true);
        return (prompt.parse ? prompt.parse(answer) : answer) as U;
      }
      return answer as U;
    },
  };
  return { host, requests, messages };
}

describe('initService', () => {
  it('Given a non-interactive run missing answers, When init runs, Then one error names every missing flag and nothing is asked', async () => {
    const { host, requests } = scripted();
    const error = await initService(
      { file: await out(), force: false, acceptDefaults: true, interactive: false, template: 'minimal' },
      host,
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'MissingFlag',
      message: '2 answers are required in a non-interactive run: pass --email-domain, --home-region',
    });
    expect(requests).toEqual([]);
  });

  it('Given a person at the questions, When init runs, Then each unanswered question is a request with its default, typed text is parsed, and the file holds the answers', async () => {
    const file = await out();
    const { host, requests, messages } = scripted({
      'Root e-mail domain for new accounts (example.com, or a pattern such as aws+{account}@example.com)':
        'tty.example.com',
      'Home region': 'eu-central-1',
      'Developers to give their own account (handles, comma-separated; empty for none)': 'carol, dave',
      'Monthly budget (USD) for developer accounts': 40,
    });
    const result = await initService(
      {
        file,
        force: false,
        acceptDefaults: false,
        interactive: true,
        template: 'minimal',
        organizationName: 'tty',
      },
      host,
    );

    // Given up front: the template and the name are not asked.
    expect(requests.every((r) => r.code === INIT_IO.QUESTION)).toBe(true);
    expect(requests.map((r) => [r.data!.flag, r.defaultResponse])).toEqual([
      ['--email-domain <domain> (or --email-pattern)', undefined],
      ['--home-region <region>', undefined],
      ['--governed-region <region>', ['eu-central-1', 'us-east-1']],
      ['--developer <handle>', []],
      ['--budget <kind=usd>', DEFAULT_BUDGETS.developer],
      ['--budget <kind=usd>', DEFAULT_BUDGETS.monitoring],
      ['--budget <kind=usd>', DEFAULT_BUDGETS.logs],
      ['--alert-email <address>', ['aws+budgets@tty.example.com']],
    ]);
    expect(result.answers).toMatchObject({
      emailPattern: 'aws+{account}@tty.example.com',
      homeRegion: 'eu-central-1',
      governedRegions: ['eu-central-1', 'us-east-1'],
      developers: ['carol', 'dave'],
      budgets: { developer: 40, monitoring: DEFAULT_BUDGETS.monitoring, logs: DEFAULT_BUDGETS.logs },
      alertEmails: ['aws+budgets@tty.example.com'],
    });
    const config = parseConfig(await readFile(file, 'utf8'));
    expect(config.accounts.map((a) => a.name)).toEqual(expect.arrayContaining(['dev-carol', 'dev-dave']));
    expect(await readFile(join(file, '..', 'estate.schema.json'), 'utf8')).toContain('"$schema"');
    expect(messages.map((m) => m.code)).toEqual([INIT_IO.WROTE]);
  });

  it('Given a host that only takes defaults, When a question without a default is asked, Then the error names its flag', async () => {
    const { host, requests } = scripted();
    await expect(
      initService({ file: await out(), force: false, acceptDefaults: false, interactive: true }, host),
    ).rejects.toThrow('the root e-mail domain is required in a non-interactive run: pass --email-domain');
    expect(requests.map((r) => [r.data!.flag, r.defaultResponse])).toEqual([
      ['--template <recall|minimal>', 'recall'],
      ['--email-domain <domain> (or --email-pattern)', undefined],
    ]);
  });

  it('Given the recall template by flags, When init runs, Then the production site is checked against its zone and the SES verification is a warning', async () => {
    const { host, messages } = scripted();
    const base = {
      force: false,
      acceptDefaults: true,
      interactive: false,
      template: 'recall' as const,
      emailDomain: 'acme.example.com',
      homeRegion: 'eu-west-2',
      hostedZoneId: 'Z0123456789ABC',
    };
    const result = await initService({ ...base, file: await out() }, host);
    expect(result.answers.production).toEqual({
      domainName: 'app.acme.example.com',
      hostedZoneId: 'Z0123456789ABC',
      hostedZoneName: 'acme.example.com',
      senderEmail: 'no-reply@acme.example.com',
    });
    expect(messages[0]).toMatchObject({ level: 'warn', code: INIT_IO.VERIFY_SES });
    await expect(
      initService(
        { ...base, file: await out(), appDomain: 'app.other.example', hostedZoneName: 'acme.example.com' },
        host,
      ),
    ).rejects.toThrow('--app-domain app.other.example is not inside the hosted zone acme.example.com');
  });
});
