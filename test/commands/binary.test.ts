/**
 * The built binary (bin/run.js → dist) in a process of its own: what the in-process
 * command tests cannot show. It starts, prints its version, and the exit code the shell
 * sees is the documented one: 0 success, 1 failure, 2 usage or config error (and changes
 * under --detailed-exitcode), 127 unknown command. The TTY runs (apply-progress,
 * init-interactive, Ctrl-C 130) and SIGKILL (org-resilience) spawn it too.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLE, ROOT, estateProcess } from '../_helpers/cli.js';
import { brokenExample } from '../_helpers/config.js';

let broken: string;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ file: broken, cleanup } = await brokenExample()));
afterAll(async () => cleanup());

describe('the built estate binary', () => {
  it('starts and prints its version', async () => {
    const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8'));
    const r = await estateProcess(['--version']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`estate/${pkg.version}`);
  });

  it('ends 0 with one JSON document for a valid config', async () => {
    const r = await estateProcess(['config', 'validate', '--config', EXAMPLE, '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ valid: true, accounts: 7 });
    expect(r.stderr).toBe('');
  });

  it('ends 2 for a config error and for an unknown flag', async () => {
    const config = await estateProcess(['config', 'validate', '--config', broken]);
    expect(config.code).toBe(2);
    expect(config.stderr).toMatch(/broken\.yaml has \d+ problem/);
    const flag = await estateProcess(['graph', '--bogus']);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain('--bogus');
  });

  it('ends 2 for changes and 1 for an error under plan --detailed-exitcode', async () => {
    const changes = await estateProcess(['plan', '--offline', '--config', EXAMPLE, '--detailed-exitcode']);
    expect(changes.code).toBe(2);
    expect(changes.stdout).toMatch(/Plan: \d+ to create/);
    const error = await estateProcess(['plan', '--offline', '--config', broken, '--detailed-exitcode']);
    expect(error.code).toBe(1);
  });

  it('ends 127 for an unknown command, with the hint its hook prints', async () => {
    const r = await estateProcess(['grahp']);
    expect(r.code).toBe(127);
    expect(r.stderr).toContain('Did you mean `estate graph`?');
  });
});
