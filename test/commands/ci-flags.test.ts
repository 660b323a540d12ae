/**
 * The CI contract of every command that changes AWS or files: what a non-interactive run
 * (CI=true, no terminal) must be given as flags. Run without them, through the real CLI in
 * process, each must fail at once (no prompt left waiting), exit 2, name every missing flag in
 * one error, and call nothing: AWS_ENDPOINT_URL points at a loopback emulator that records
 * every request, and none may reach it. The table is complete by construction: every file
 * under src/commands is either in it or in READ_ONLY, so a new command cannot land without
 * deciding its contract.
 */
import { existsSync, readdirSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { emulatorEnv, startEmulator, type Emulator } from '../../src/emulator/server.js';
import { ROOT, estate, tempDir, type CliResult } from '../_helpers/cli.js';
import { minimalConfig } from '../_helpers/config.js';

const MGMT = '111111111111';
/** Well under the test's timeout: a run that waits for input is cut off here. */
const PROMPT_WAIT_MS = 20_000;
const STEP = 60_000;

interface Contract {
  /** The command id, as after `estate`. */
  readonly command: string;
  /** What else the run is given (args, an --out), never the flags under test. */
  readonly argv?: (dir: string) => readonly string[];
  /**
   * The flags a non-interactive run must be given; the error must name each (`--name`, or
   * oclif's `flag name`). Empty: the command needs none and must run without asking.
   */
  readonly needs: readonly string[];
  readonly why: string;
}

/** Every command that changes AWS or files, with its CI contract. */
const CONTRACTS: readonly Contract[] = [
  { command: 'apply', needs: ['yes'], why: 'confirmation to apply the plan' },
  {
    command: 'apply',
    argv: () => ['--prune'],
    needs: ['confirm-prune', 'yes'],
    why: 'OU deletion is confirmed by the organisation name, typed',
  },
  {
    command: 'init',
    argv: (dir) => ['--out', join(dir, 'new.yaml')],
    needs: [
      'template',
      'email-domain',
      'org-name',
      'home-region',
      'governed-region',
      'developer',
      'budget',
      'alert-email',
      'app-domain',
      'hosted-zone-id',
      'hosted-zone-name',
      'sender-email',
    ],
    why: 'every answer comes from a flag (or --yes takes the defaults)',
  },
  {
    command: 'init',
    argv: (dir) => ['--out', join(dir, 'new.yaml'), '--yes'],
    needs: ['email-domain', 'home-region', 'hosted-zone-id'],
    why: 'the answers that have no default',
  },
  {
    command: 'init',
    argv: (dir) => ['--out', join(dir, 'estate.yaml'), '--template', 'minimal', '--yes'],
    needs: ['force'],
    why: 'an existing estate.yaml is overwritten only with --force',
  },
  {
    command: 'account onboard',
    argv: () => ['dev-bob'],
    needs: ['owner', 'sso-user', 'sso-group', 'yes'],
    why: "the developer's e-mail, who gets access, and confirmation",
  },
  {
    command: 'account onboard',
    argv: () => ['dev-erin', '--recycle', 'dev-alice'],
    needs: ['owner', 'sso-user', 'sso-group', 'yes'],
    why: 'recycling needs no --email (the account keeps its root e-mail), the rest as for a new one',
  },
  {
    command: 'account offboard',
    argv: () => ['dev-alice'],
    needs: ['yes'],
    why: 'confirmation to empty the account and park it in the suspended OU',
  },
  {
    command: 'account offboard',
    argv: () => ['dev-alice', '--close'],
    needs: ['yes', 'confirm-close'],
    why: 'closing is confirmed by the account name, typed',
  },
  { command: 'tags apply', needs: ['account', 'missing-only'], why: 'which account, and the repair kind' },
  { command: 'env deploy', argv: () => ['alice'], needs: [], why: 'approvals are refused in CI, not asked' },
  { command: 'env destroy', argv: () => ['alice'], needs: ['yes'], why: 'confirmation to delete' },
  { command: 'env down', argv: () => ['alice'], needs: ['yes'], why: 'confirmation to delete' },
  { command: 'env up', needs: ['due'], why: 'environment names, or --due' },
  {
    command: 'env schedule',
    argv: () => ['alice'],
    needs: ['ttl', 'expires', 'off-hours', 'clear'],
    why: 'what to schedule',
  },
  { command: 'env extend', argv: () => ['alice'], needs: ['by'], why: 'how much later' },
  { command: 'env reap', needs: [], why: 'the scheduled reaper: it runs unattended' },
  { command: 'blueprint synth', argv: () => ['alice'], needs: [], why: 'writes the local cloud assembly' },
  { command: 'config schema', needs: [], why: 'writes a file only where --out says' },
];

/** Commands that change neither AWS nor files. */
const READ_ONLY = [
  // The sandbox commands change neither AWS nor estate files (only the runtime file in the
  // sandbox home) and never prompt; test/commands/sandbox.test.ts runs them for real.
  'sandbox start',
  'sandbox stop',
  'sandbox status',
  'sandbox env',
  'plan',
  'cost',
  'graph',
  'version',
  'config validate',
  'blueprint list',
  'org status',
  'ct status',
  'tags audit',
  'env list',
  'env status',
  'env diff',
  'env cost',
];

/** A small estate: one developer account (with its id, so nothing is looked up) and one environment. */
function estateConfig(): Record<string, any> {
  const config = minimalConfig();
  config.organization.managementAccountId = MGMT;
  config.accounts = config.accounts.map((a: { name: string }) =>
    a.name === 'dev-alice' ? { ...a, id: '222222222222' } : { ...a, id: '333333333333' },
  );
  config.environments = [{ name: 'alice', account: 'dev-alice', blueprints: ['data'] }];
  return config;
}

let emulator: Emulator;
let dir: string;
let cleanup: () => Promise<void>;
let env: NodeJS.ProcessEnv;
let yaml: string;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  yaml = stringify(estateConfig());
  await writeFile(join(dir, 'estate.yaml'), yaml);
  emulator = await startEmulator({ callerAccountId: MGMT, services: [] });
  // CI, and none of the variables that would stand in for a flag.
  env = {
    ...emulatorEnv(emulator.url, join(dir, 'audit.log')),
    CI: 'true',
    ESTATE_YES: undefined,
    ESTATE_JSON: undefined,
    ESTATE_CONFIG: undefined,
  };
});
afterAll(async () => {
  await emulator?.close();
  await cleanup?.();
});

const argvOf = (c: Contract, folder = dir) => [...c.command.split(' '), ...(c.argv?.(folder) ?? [])];
/** The same for a test's name (the temporary folder does not exist yet). */
const shown = (c: Contract) => argvOf(c, '<tmp>').join(' ');

/** The CLI in process, or 'waited' when it is still running after PROMPT_WAIT_MS. */
async function runInCi(argv: readonly string[]): Promise<CliResult | 'waited'> {
  let timer: NodeJS.Timeout | undefined;
  const waited = new Promise<'waited'>((resolve) => {
    timer = setTimeout(() => resolve('waited'), PROMPT_WAIT_MS);
  });
  try {
    return await Promise.race([estate(argv, { env, cwd: dir }), waited]);
  } finally {
    clearTimeout(timer);
  }
}

/** `--name`, or oclif's "Missing required flag name". */
const names = (text: string, flag: string) => new RegExp(`(--|required flag )${flag}\\b`).test(text);

/** The command ids of the files under src/commands (env/destroy.ts is `env destroy`). */
function commandIds(): string[] {
  const root = join(ROOT, 'src/commands');
  return (readdirSync(root, { recursive: true }) as string[])
    .filter((f) => f.endsWith('.ts'))
    .map((f) => f.slice(0, -3).split(/[\\/]/).join(' '))
    .sort();
}

async function commandClass(id: string): Promise<{
  flags?: Record<string, unknown>;
  args?: Record<string, { required?: boolean }>;
}> {
  return (await import(join(ROOT, 'src/commands', `${id.split(' ').join('/')}.ts`))).default;
}

/** The required arguments of each command in the table (oclif checks them before anything runs). */
const REQUIRED_ARGS = (
  await Promise.all(
    [...new Set(CONTRACTS.map((c) => c.command))].map(async (id) => {
      const args = (await commandClass(id)).args ?? {};
      return [id, Object.keys(args).filter((name) => args[name]!.required)] as const;
    }),
  )
).filter(([, required]) => required.length > 0);

describe('the CI contract table', () => {
  it('rejects a command under src/commands that is neither in the table nor listed read-only', () => {
    const ids = commandIds();
    const decided = new Set([...CONTRACTS.map((c) => c.command), ...READ_ONLY]);
    expect(ids.filter((id) => !decided.has(id))).toEqual([]);
    // And nothing listed that is not a command, or listed twice.
    expect([...decided].filter((id) => !ids.includes(id))).toEqual([]);
    expect(READ_ONLY.filter((id) => CONTRACTS.some((c) => c.command === id))).toEqual([]);
  });

  it('rejects a table entry naming a flag its command does not have', async () => {
    const unknown: string[] = [];
    for (const c of CONTRACTS) {
      const flags = (await commandClass(c.command)).flags ?? {};
      for (const flag of c.needs) if (!(flag in flags)) unknown.push(`${c.command} --${flag}`);
    }
    expect(unknown).toEqual([]);
  });
});

describe('a non-interactive run without the flags it needs', () => {
  for (const c of CONTRACTS.filter((x) => x.needs.length > 0)) {
    it(
      `fails at once: estate ${shown(c)} without --${c.needs.join(', --')} (${c.why})`,
      async () => {
        const before = emulator.requests.length;
        const r = await runInCi(argvOf(c));
        expect(r, 'still waiting: it asked for input in CI').not.toBe('waited');
        const { code, stderr, stdout } = r as CliResult;
        expect(code, stderr + stdout).toBe(2);
        expect(
          c.needs.filter((flag) => !names(stderr, flag)),
          stderr,
        ).toEqual([]);
        expect(emulator.requests.slice(before).map((q) => q.target)).toEqual([]);
        expect(await readFile(join(dir, 'estate.yaml'), 'utf8')).toBe(yaml);
        expect(existsSync(join(dir, 'new.yaml'))).toBe(false);
      },
      STEP,
    );
  }

  for (const c of CONTRACTS.filter((x) => x.needs.length === 0)) {
    it(
      `runs without asking: estate ${shown(c)} (${c.why})`,
      async () => {
        const r = await runInCi(argvOf(c));
        expect(r, 'still waiting: it asked for input in CI').not.toBe('waited');
        const { stderr, stdout } = r as CliResult;
        expect(stderr + stdout).not.toMatch(/MissingFlag|required in a non-interactive run/);
      },
      STEP,
    );
  }

  for (const [id, required] of REQUIRED_ARGS) {
    it(
      `fails at once when estate ${id} is not given its ${required.join(', ')} argument`,
      async () => {
        const before = emulator.requests.length;
        const r = await runInCi(id.split(' '));
        expect(r, 'still waiting: it asked for input in CI').not.toBe('waited');
        const { code, stderr } = r as CliResult;
        expect(code, stderr).toBe(2);
        for (const name of required) expect(stderr).toMatch(new RegExp(`required arg[\\s\\S]*\\b${name}\\b`));
        expect(emulator.requests.slice(before)).toEqual([]);
      },
      STEP,
    );
  }
});
