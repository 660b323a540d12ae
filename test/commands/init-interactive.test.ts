/**
 * `estate init` answered at its prompts, in a real pseudo-terminal (util-linux `script`),
 * the way a platform engineer runs it: each answer is typed once its question appears.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/loader.js';
import { ROOT, tempDir } from '../_helpers/cli.js';

/** Runs a command in a pty; for each [question, keys] pair, types keys when the question shows. */
function converse(
  command: string,
  dialogue: [RegExp, string][],
  cwd: string,
): Promise<{ code: number; screen: string }> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, TERM: 'xterm', NO_COLOR: '1' };
    delete env.CI;
    const child = spawn('script', ['-qfec', command, '/dev/null'], {
      cwd,
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let screen = '';
    let step = 0;
    let seen = 0;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no answer to ${dialogue[step]?.[0]} after 30 s; screen:\n${screen}`));
    }, 30_000);
    const onData = (chunk: Buffer) => {
      screen += chunk.toString();
      while (step < dialogue.length) {
        const [question, keys] = dialogue[step]!;
        const rest = screen.slice(seen);
        const m = question.exec(rest);
        if (!m) break;
        seen += m.index + m[0].length;
        step++;
        child.stdin.write(keys);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, screen });
    });
  });
}

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ dir, cleanup } = await tempDir()));
afterAll(async () => cleanup());

describe('estate init at a terminal', () => {
  it('asks each question and writes what was answered', async () => {
    const out = join(dir, 'asked.yaml');
    const enter = '\r';
    const { code, screen } = await converse(
      `${process.execPath} ${join(ROOT, 'bin/run.js')} init --out ${out}`,
      [
        [/Start from/, '\u001b[B' + enter], // arrow down: minimal
        // A bare domain, exactly as --email-domain takes it.
        [/Root e-mail domain/, '\u0015tty.example.com' + enter],
        [/Organisation name/, '\u0015tty' + enter],
        [/Home region/, '\u0015eu-central-1' + enter],
        [/Governed regions/, enter],
        [/Developers to give/, 'carol' + enter],
        [/for developer accounts/, '\u0015' + '40' + enter],
        [/for monitoring accounts/, enter],
        [/for logs accounts/, enter],
        [/Budget alert e-mails/, '\u0015money@tty.example.com' + enter],
      ],
      dir,
    );
    expect(code, screen).toBe(0);
    const config = parseConfig(readFileSync(out, 'utf8'));
    expect(config.organization).toMatchObject({
      name: 'tty',
      homeRegion: 'eu-central-1',
      governedRegions: ['eu-central-1', 'us-east-1'],
      emailPattern: 'aws+{account}@tty.example.com',
    });
    expect(config.accounts.map((a) => a.name)).toEqual(['logs', 'monitoring', 'dev-carol']);
    expect(config.budgets?.byKind.developer?.monthlyUsd).toBe(40);
    expect(config.budgets?.byKind.logs?.monthlyUsd).toBe(150);
    expect(config.budgets?.alertEmails).toEqual(['money@tty.example.com']);
  }, 60_000);

  it('asks the recall template for the production site and writes it into production', async () => {
    const out = join(dir, 'recall.yaml');
    const enter = '\r';
    const { code, screen } = await converse(
      `${process.execPath} ${join(ROOT, 'bin/run.js')} init --out ${out}`,
      [
        [/Start from/, enter], // recall
        [/Root e-mail domain/, '\u0015shop.example.com' + enter],
        [/Organisation name/, enter],
        [/Home region/, enter],
        [/Governed regions/, enter],
        [/Developers to give/, enter],
        ...['prod-multi-tenant', 'prod-single-tenant', 'integration', 'developer', 'monitoring', 'logs'].map(
          (kind): [RegExp, string] => [new RegExp(`for ${kind} accounts`), enter],
        ),
        [/Budget alert e-mails/, enter],
        [/Production site domain/, enter],
        [/hosted zone id that holds app\.shop\.example\.com/, 'Z0123456789ABC' + enter],
        [/Name of that hosted zone/, enter],
        [/Sender of sign-up/, enter],
      ],
      dir,
    );
    expect(code, screen).toBe(0);
    const config = parseConfig(readFileSync(out, 'utf8'));
    expect(config.environments.find((e) => e.name === 'production')?.settings).toMatchObject({
      edge: {
        domainName: 'app.shop.example.com',
        hostedZoneId: 'Z0123456789ABC',
        hostedZoneName: 'shop.example.com',
      },
      auth: { callbackUrls: ['https://app.shop.example.com/'] },
    });
  }, 60_000);

  it('takes a pattern with {account} too, and exits 130 quietly on Ctrl-C', async () => {
    const out = join(dir, 'interrupted.yaml');
    const enter = '\r';
    const { code, screen } = await converse(
      `${process.execPath} ${join(ROOT, 'bin/run.js')} init --out ${out}`,
      [
        [/Start from/, '\u001b[B' + enter],
        [/Root e-mail domain/, '\u0015ops+{account}@tty.example.com' + enter],
        // The pattern was accepted: the next question shows. Ctrl-C there.
        [/Organisation name/, '\u0003'],
      ],
      dir,
    );
    expect(code, screen).toBe(130);
    expect(screen).not.toMatch(/unexpected error|ExitPromptError|✖/);
    expect(() => readFileSync(out)).toThrow();
  }, 60_000);
});
