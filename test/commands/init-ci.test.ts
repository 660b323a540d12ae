/**
 * `estate init --ci github|gitlab` through the CLI, in a real temporary project folder: the
 * template written where each CI system reads it, never over an existing file without --force,
 * never over a project's own GitLab pipeline, and what was written said on stderr and in --json.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ROOT, estate, tempDir } from '../_helpers/cli.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir('estate-init-ci-')));
afterEach(async () => cleanup());

const template = (path: string) => readFileSync(join(ROOT, 'templates/ci', path), 'utf8');
const out = () => ['--out', join(dir, 'estate.yaml')];

describe('estate init --ci', () => {
  it('github: writes .github/workflows/estate-reap.yml beside estate.yaml and says what to set', async () => {
    const r = await estate(['init', '--ci', 'github', ...out(), '--json']);
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout);
    const file = join(dir, '.github/workflows/estate-reap.yml');
    expect(result).toMatchObject({
      ci: 'github',
      files: [{ file, path: '.github/workflows/estate-reap.yml', action: 'written' }],
    });
    expect(result.next.join('\n')).toContain('ESTATE_ROLE_ARN');
    expect(readFileSync(file, 'utf8')).toBe(template('github/estate-reap.yml'));
    // No estate.yaml is written by --ci.
    expect(existsSync(join(dir, 'estate.yaml'))).toBe(false);
  });

  it('never overwrites without --force, and overwrites with it', async () => {
    const file = join(dir, '.github/workflows/estate-reap.yml');
    mkdirSync(join(dir, '.github/workflows'), { recursive: true });
    writeFileSync(file, 'mine: true\n');
    const refused = await estate(['init', '--ci', 'github', ...out()]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`${file} already exists`);
    expect(refused.stderr).toContain('--force');
    expect(readFileSync(file, 'utf8')).toBe('mine: true\n');

    const forced = await estate(['init', '--ci', 'github', '--force', ...out()]);
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stderr).toContain(`✔ overwritten ${file}`);
    expect(readFileSync(file, 'utf8')).toBe(template('github/estate-reap.yml'));
  });

  it('gitlab: writes .gitlab-ci.yml in a project without one', async () => {
    const r = await estate(['init', '--ci', 'gitlab', ...out()]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`✔ written ${join(dir, '.gitlab-ci.yml')}`);
    expect(r.stderr).toContain('next: add two pipeline schedules');
    expect(readFileSync(join(dir, '.gitlab-ci.yml'), 'utf8')).toBe(template('gitlab/.gitlab-ci.yml'));
    // Its own pipeline again: estate's to replace, with --force.
    expect((await estate(['init', '--ci', 'gitlab', ...out()])).code).toBe(2);
    expect((await estate(['init', '--ci', 'gitlab', '--force', ...out()])).code).toBe(0);
  });

  it("gitlab: leaves a project's own .gitlab-ci.yml alone and writes a file to include", async () => {
    writeFileSync(join(dir, '.gitlab-ci.yml'), 'test:\n  script: [npm test]\n');
    const r = await estate(['init', '--ci', 'gitlab', '--force', ...out(), '--json']);
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result.files).toEqual([
      {
        file: join(dir, 'ci/estate-reap.gitlab-ci.yml'),
        path: 'ci/estate-reap.gitlab-ci.yml',
        action: 'written',
      },
    ]);
    expect(result.next[0]).toContain('include: [{ local: ci/estate-reap.gitlab-ci.yml }]');
    expect(readFileSync(join(dir, '.gitlab-ci.yml'), 'utf8')).toBe('test:\n  script: [npm test]\n');
    expect(readFileSync(join(dir, 'ci/estate-reap.gitlab-ci.yml'), 'utf8')).toBe(
      template('gitlab/.gitlab-ci.yml'),
    );
  });

  it('rejects a CI system it has no template for', async () => {
    const r = await estate(['init', '--ci', 'jenkins', ...out()]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Expected --ci=jenkins to be one of: github, gitlab/);
  });
});
