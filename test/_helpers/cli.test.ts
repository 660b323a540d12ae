import { describe, expect, it } from 'vitest';
import { EXAMPLE, estate, tempDir } from './cli.js';

describe('estate() in-process', () => {
  it('gives the run its env and cwd, and puts env, cwd, exitCode and the streams back after', async () => {
    // Given a temp folder and a variable this process does not have.
    const { dir, cleanup } = await tempDir();
    const before = {
      cwd: process.cwd(),
      exitCode: process.exitCode,
      write: process.stdout.write,
      ci: process.env.CI,
    };
    expect(process.env.ESTATE_CONFIG).toBeUndefined();

    // When a run reads its config from the env, in that folder, and ends with exit code 2.
    const r = await estate(['plan', '--offline', '--detailed-exitcode'], {
      env: { ESTATE_CONFIG: EXAMPLE },
      cwd: dir,
    });

    // Then it saw both and its exit code is 2, while nothing of it is left in this process.
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/Plan: \d+ to create/);
    expect(process.env.ESTATE_CONFIG).toBeUndefined();
    expect(process.env.CI).toBe(before.ci); // every run sets CI=true
    expect(process.cwd()).toBe(before.cwd);
    expect(process.exitCode).toBe(before.exitCode);
    expect(process.stdout.write).toBe(before.write);
    await cleanup();
  });

  it('runs overlapping calls one after the other, each with its own output and exit code', async () => {
    const [version, missing] = await Promise.all([
      estate(['--version']),
      estate(['config', 'validate', '--config', '/nonexistent/estate.yaml']),
    ]);
    expect(version.code).toBe(0);
    expect(version.stdout).toMatch(/^estate\//);
    expect(version.stderr).toBe('');
    expect(missing.code).toBe(2);
    expect(missing.stdout).toBe('');
    expect(missing.stderr).toMatch(/nonexistent\/estate\.yaml/);
  });
});
