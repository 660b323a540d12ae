/**
 * `estate apply` in CI mode against the loopback emulator: a line when each change starts
 * and when it ends (with how long it took), and a closing summary by action on stdout; at a
 * terminal (a pseudo-terminal from util-linux `script`), one listr2 line per change in flight.
 */
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { emulatorEnv, startEmulator, type Emulator } from '../../src/emulator/server.js';
import { ROOT, estate, tempDir } from '../_helpers/cli.js';
import { minimalConfig } from '../_helpers/config.js';
import { FakeBudgets } from '../../src/emulator/budgets.js';
import { FakeCostAllocationTags } from '../../src/emulator/cost-allocation-tags.js';
import { FakeOrganizations } from '../../src/emulator/organizations.js';

const MANAGEMENT = '111111111111';

/** The minimal estate, managed from MANAGEMENT, with a third account and one SCP. */
const config = minimalConfig();
config.organization.managementAccountId = MANAGEMENT;
config.accounts.push({ name: 'dev-bob', kind: 'developer', ou: 'Sandbox', owner: 'bob@acme.example.com' });
config.policies = [
  { name: 'deny-leave-organization', type: 'scp', builtin: 'deny-leave-organization', targets: ['Root'] },
];

let dir: string;
let cleanup: () => Promise<void>;
let file: string;
const emulators: Emulator[] = [];

async function emulate(orgs: FakeOrganizations): Promise<NodeJS.ProcessEnv> {
  const emulator = await startEmulator({
    callerAccountId: MANAGEMENT,
    services: [
      { targetPrefix: 'AWSOrganizationsV20161128', send: (c) => orgs.send(c) },
      { targetPrefix: 'AWSBudgetServiceGateway', send: (c) => new FakeBudgets().send(c) },
      { targetPrefix: 'AWSInsightsIndexService', send: (c) => new FakeCostAllocationTags().send(c) },
    ],
  });
  emulators.push(emulator);
  return emulatorEnv(emulator.url, join(dir, 'audit.log'));
}

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  file = join(dir, 'estate.yaml');
  await writeFile(file, stringify(config));
});
afterAll(async () => {
  for (const e of emulators) await e.close();
  await cleanup?.();
});

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('estate apply progress in CI', () => {
  it('prints a line as each change starts and ends, and a summary by action', async () => {
    const env = await emulate(new FakeOrganizations({ callerAccountId: MANAGEMENT, createAccountPolls: 0 }));
    const planned = await estate(['plan', '--config', file, '--json'], { env });
    const changes: { summary: string }[] = JSON.parse(planned.stdout).changes;
    expect(changes.length).toBe(12);

    const r = await estate(['apply', '--config', file, '--yes'], { env });
    expect(r.code, r.stderr).toBe(0);
    for (const { summary } of changes) {
      const started = r.stderr.indexOf(`\n… ${summary}\n`);
      expect(started, `no start line for ${summary}`).toBeGreaterThan(-1);
      const ended = new RegExp(`\\n✔ ${escape(summary)} \\(\\d+(\\.\\d)?s\\)\\n`).exec(r.stderr);
      expect(ended, `no end line with elapsed time for ${summary}`).not.toBeNull();
      expect(ended!.index).toBeGreaterThan(started);
    }
    expect(r.stdout).toMatch(
      /^Applied in \d+(\.\d)?s: 1 organisation created, 2 OUs created, 3 accounts created, 1 policy type enabled, 1 policy created, 3 accounts moved, 1 policy attached$/m,
    );
  }, 120_000);

  it('counts failures and what they held back in the summary', async () => {
    const env = await emulate(
      new FakeOrganizations({
        callerAccountId: MANAGEMENT,
        createAccountPolls: 0,
        failEmails: { 'aws+dev-bob@acme.example.com': 'EMAIL_ALREADY_EXISTS' },
      }),
    );
    const r = await estate(['apply', '--config', file, '--yes'], { env });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /\n✖ create account dev-bob <aws\+dev-bob@acme\.example\.com>: .+ \(\d+(\.\d)?s\)\n/,
    );
    expect(r.stderr).toMatch(/\n↓ place account dev-bob in Sandbox: skipped: account:dev-bob failed\n/);
    expect(r.stdout).toMatch(
      /^Applied in \S+: .*2 accounts created, .*2 accounts moved, .*1 failed, 1 skipped$/m,
    );
  }, 120_000);

  it('returns the summary in --json', async () => {
    const env = await emulate(new FakeOrganizations({ callerAccountId: MANAGEMENT, createAccountPolls: 0 }));
    const r = await estate(['apply', '--config', file, '--yes', '--json'], { env });
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.summary).toMatch(/^Applied in \S+: 1 organisation created, .*3 accounts created/);
    expect(typeof out.elapsedMs).toBe('number');
  }, 120_000);
});

/** Runs `estate apply --yes` in a 160-column pseudo-terminal and returns everything it drew. */
function applyAtTerminal(env: NodeJS.ProcessEnv): Promise<{ code: number; screen: string }> {
  const ttyEnv: NodeJS.ProcessEnv = { ...process.env, ...env, TERM: 'xterm', NO_COLOR: '1' };
  delete ttyEnv.CI;
  const command = `stty cols 160 rows 50; ${process.execPath} ${ROOT}/bin/run.js apply --yes --config ${file}`;
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qfec', command, '/dev/null'], { env: ttyEnv });
    let screen = '';
    child.stdout.on('data', (d) => (screen += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, screen }));
  });
}

describe('estate apply progress at a terminal', () => {
  it('shows one line per change in flight with its elapsed time, then the count and the summary', async () => {
    const env = await emulate(new FakeOrganizations({ callerAccountId: MANAGEMENT, createAccountPolls: 0 }));
    const { code, screen } = await applyAtTerminal(env);
    expect(code, screen).toBe(0);
    // While accounts are being created, each is a line of its own under the running count.
    expect(screen).toMatch(/Applying 12 changes: \d+\/12 done, \d+ in flight · \d+(\.\d)?s/);
    expect(screen).toMatch(
      /\n\s+(› )?create account dev-bob <aws\+dev-bob@acme\.example\.com> · \d+(\.\d)?s/,
    );
    // Finished, the changes collapse into one line.
    expect(screen).toMatch(/✔ Applied 12 changes: 12\/12 done · \d+(\.\d)?s/);
    expect(screen).toMatch(/Applied in \S+: 1 organisation created, .*3 accounts created/);
  }, 120_000);
});
