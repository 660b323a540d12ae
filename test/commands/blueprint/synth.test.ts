import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseDocument } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLE, estate, tempDir } from '../../_helpers/cli.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ dir, cleanup } = await tempDir('estate-synth-cmd-')));
afterAll(async () => cleanup());

const run = (args: string[]) => estate(['blueprint', 'synth', '--config', EXAMPLE, ...args], { cwd: dir });

/** Modification times of every file in an assembly: unchanged means nothing was re-synthesised. */
const mtimes = (assembly: string) =>
  Object.fromEntries(readdirSync(assembly).map((f) => [f, statSync(join(assembly, f)).mtimeMs]));

describe('estate blueprint synth', () => {
  it('synthesises the example dev environment offline, then reuses the assembly without rewriting it', async () => {
    const first = await run(['alice', '--json']);
    expect(first.code, first.stderr).toBe(0);
    const a = JSON.parse(first.stdout);
    expect(a).toMatchObject({
      environment: 'alice',
      cached: false,
      assemblyDir: join(dir, 'cdk.out', 'alice'),
    });
    expect(a.stacks.map((s: { name: string }) => s.name).sort()).toEqual([
      'alice-ai',
      'alice-api-lambda',
      'alice-auth',
      'alice-data',
      'alice-edge',
      'alice-observability',
      'estate-bedrock-logging',
    ]);
    expect(existsSync(join(a.assemblyDir, 'manifest.json'))).toBe(true);

    const before = mtimes(a.assemblyDir);
    const second = await run(['alice', '--json']);
    expect(second.code).toBe(0);
    const b = JSON.parse(second.stdout);
    expect(b.cached).toBe(true);
    expect(b.stacks).toEqual(a.stacks);
    // Timing is measured by bench/synth; here: the cached run wrote nothing.
    expect(mtimes(a.assemblyDir)).toEqual(before);
  });

  it('prints one line per stack and where the assembly is', async () => {
    const r = await run(['alice', '--out', 'assembly']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^alice-edge\s+us-east-1\s+stateful\s+\d+ resources\s+[\d.]+ KB$/m);
    expect(r.stdout).toMatch(/^alice-api-lambda\s+eu-west-2\s+stateless\s+\d+ resources/m);
    expect(r.stdout).toContain(`wrote ${join(dir, 'assembly')} (7 stacks`);
    expect(r.stderr).toMatch(/synthesise alice/);
    const again = await run(['alice', '--out', 'assembly']);
    expect(again.stdout).toContain(`reused ${join(dir, 'assembly')} (7 stacks`);
    expect(again.stderr).toMatch(/inputs unchanged, reusing/);
  });

  it('validates with the CloudFormation validator and cdk-nag (--validate)', async () => {
    const r = await run(['production', '--validate', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result.validation).toMatchObject({ ok: true, findings: [] });
    expect(result.validation.acknowledged.length).toBeGreaterThan(0);
    expect(existsSync(result.validation.reportFile)).toBe(true);
  });

  it('exits 2 naming the environments when the environment is unknown', async () => {
    const r = await run(['staging', '--json']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toMatchObject({
      ok: false,
      error: {
        code: 'UnknownEnvironment',
        message: expect.stringMatching(/environments: alice, integration, production/),
      },
    });
  });

  it('refuses to write into a folder that is not a cloud assembly', async () => {
    mkdirSync(join(dir, 'notes'));
    writeFileSync(join(dir, 'notes', 'todo.txt'), 'keep me');
    const r = await run(['alice', '--out', 'notes']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/refusing to overwrite/);
    expect(existsSync(join(dir, 'notes', 'todo.txt'))).toBe(true);
  });

  it('synthesises the example with no CDK warning: the cross-stack reference strength is set, not defaulted', async () => {
    const r = await run(['alice', '--json', '--out', 'warnings', '--force']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).annotations).toEqual([]);
    const text = await run(['alice', '--out', 'warnings']);
    expect(text.stdout).toMatch(/^CDK: 0 errors, 0 warnings$/m);
  });
});

describe('estate blueprint synth after a failed synth', () => {
  // Given the example copied into a fresh project whose alice environment uploads a build folder.
  let project: string;
  let done: () => Promise<void>;
  beforeAll(async () => {
    ({ dir: project, cleanup: done } = await tempDir('estate-synth-fail-'));
    const doc = parseDocument(readFileSync(EXAMPLE, 'utf8'));
    doc.setIn(['environments', 0, 'settings', 'edge'], doc.createNode({ buildDir: 'site' }));
    writeFileSync(join(project, 'estate.yaml'), doc.toString());
    mkdirSync(join(project, 'site'));
  });
  afterAll(async () => done());
  const synth = (args: string[]) =>
    estate(['blueprint', 'synth', 'alice', '--json', ...args], { cwd: project });
  const assembly = () => join(project, 'cdk.out', 'alice');
  const leftovers = () => readdirSync(dirname(assembly())).filter((f) => f !== 'alice');

  it('leaves nothing behind when the first synth fails', async () => {
    // No index.html yet: the edge blueprint rejects the folder while the tree is built, after
    // other stacks' assets were already staged.
    const r = await synth([]);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout).error.message).toMatch(/buildDir .*site has no index\.html/);
    expect(existsSync(assembly())).toBe(false);
    expect(existsSync(join(project, 'cdk.out')) ? leftovers() : []).toEqual([]);
  });

  it('keeps the previous assembly when a later synth fails, and synthesises once the cause is fixed', async () => {
    writeFileSync(join(project, 'site', 'index.html'), '<!doctype html><title>v1</title>');
    const ok = await synth([]);
    expect(ok.code, ok.stderr).toBe(0);
    const before = readFileSync(join(assembly(), 'manifest.json'), 'utf8');

    rmSync(join(project, 'site', 'index.html'));
    const failed = await synth(['--force']);
    expect(failed.code).toBe(2);
    expect(readFileSync(join(assembly(), 'manifest.json'), 'utf8')).toBe(before);
    expect(leftovers()).toEqual([]);

    writeFileSync(join(project, 'site', 'index.html'), '<!doctype html><title>v2</title>');
    const again = await synth([]);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ cached: false, assemblyDir: assembly() });
    expect(leftovers()).toEqual([]);
  });
});
