import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { sampleApiCodePath } from '../../../src/blueprints/paths.js';
import {
  annotationLines,
  annotationsOf,
  assemblySources,
  cacheKey,
  summaryLines,
  synthEnvironment,
  type SynthResult,
} from '../../../src/core/env/synth.js';
import type { EstateConfig } from '../../../src/config/schema.js';
import { IO, type IoHost, type IoMessage } from '../../../src/core/io.js';
import { estate } from '../../blueprints/_helpers.js';

/** A config folder with its own copy of the sample handler, so a test can edit the code. */
function project(memoryMb = 256): { config: EstateConfig; configDir: string } {
  const configDir = mkdtempSync(join(tmpdir(), 'estate-project-'));
  cpSync(sampleApiCodePath(), join(configDir, 'api'), { recursive: true });
  const config = estate({
    blueprints: { 'api-lambda': { codePath: 'api', memoryMb } },
    environments: [
      {
        name: 'dev',
        account: 'dev-acct',
        blueprints: ['edge', 'auth', 'data', 'api-lambda', 'ai', 'observability'],
        size: 'dev',
        owner: 'alice@acme.example.com',
      },
    ],
  });
  return { config, configDir };
}

// Given a five-blueprint environment synthesised into a fresh folder, then again unchanged.
const { config, configDir } = project();
const cwd = mkdtempSync(join(tmpdir(), 'estate-cwd-'));
let first: SynthResult;
let second: SynthResult;
const heard: IoMessage[][] = [[], []];
const recorder = (messages: IoMessage[]): IoHost => ({
  notify: async (m) => void messages.push(m),
  requestResponse: async (r) => r.defaultResponse,
});
beforeAll(async () => {
  first = await synthEnvironment(config, 'dev', { configDir, cwd, io: recorder(heard[0]!) });
  second = await synthEnvironment(config, 'dev', { configDir, cwd, io: recorder(heard[1]!) });
});

describe('synthEnvironment', () => {
  it('writes a cloud assembly under cdk.out/<env> with a summary per stack', () => {
    expect(first.cached).toBe(false);
    expect(first.assemblyDir).toBe(join(cwd, 'cdk.out', 'dev'));
    expect(existsSync(join(first.assemblyDir, 'manifest.json'))).toBe(true);
    const names = first.stacks.map((s) => s.name);
    expect([...names].sort()).toEqual([
      'dev-ai',
      'dev-api-lambda',
      'dev-auth',
      'dev-data',
      'dev-edge',
      'dev-observability',
      'estate-bedrock-logging',
    ]);
    expect(first.stacks.filter((s) => s.shared).map((s) => s.name)).toEqual(['estate-bedrock-logging']);
    // Listed in deployment order: producers before consumers.
    expect(names.indexOf('dev-data')).toBeLessThan(names.indexOf('dev-auth'));
    expect(names.indexOf('dev-auth')).toBeLessThan(names.indexOf('dev-api-lambda'));
    expect(names.indexOf('dev-edge')).toBeLessThan(names.indexOf('dev-observability'));
    for (const s of first.stacks) {
      expect(s.resources).toBeGreaterThan(0);
      expect(s.templateBytes).toBe(readFileSync(join(first.assemblyDir, s.templateFile)).length);
    }
    expect(first.stacks.find((s) => s.name === 'dev-edge')).toMatchObject({
      blueprint: 'edge',
      region: 'us-east-1',
    });
    expect(first.validation).toBeUndefined();
    expect(summaryLines(first)[0]).toMatch(
      /^dev-\S+\s+(eu-west-2|us-east-1)\s+(stateful|stateless)\s+\d+ resources\s+[\d.]+ KB$/,
    );
  });

  it("names each stack's artifact, the stacks it depends on (no asset manifests) and its role", () => {
    const manifest = JSON.parse(readFileSync(join(first.assemblyDir, 'manifest.json'), 'utf8')) as {
      artifacts: Record<
        string,
        { type: string; properties?: { stackName?: string }; dependencies?: string[] }
      >;
    };
    const byName = new Map(first.stacks.map((s) => [s.name, s]));
    // The shared stack's artifact id is not its stack name: the toolkit selects it by the id.
    expect(byName.get('estate-bedrock-logging')!.artifactId).toBe(
      'estate-bedrock-logging-dev-acct-eu-west-2',
    );
    for (const s of first.stacks) {
      const artifact = manifest.artifacts[s.artifactId]!;
      expect(artifact.type).toBe('aws:cloudformation:stack');
      // The manifest spells the stack name out only when it differs from the artifact id.
      expect(artifact.properties?.stackName ?? s.artifactId).toBe(s.name);
      // The manifest lists the asset manifest too; the summary keeps only stacks.
      expect(artifact.dependencies).toEqual(expect.arrayContaining([`${s.artifactId}.assets`]));
      expect(s.dependsOn.every((d) => byName.has(d))).toBe(true);
    }
    expect([...byName.get('dev-api-lambda')!.dependsOn].sort()).toEqual(['dev-ai', 'dev-auth', 'dev-data']);
    expect(byName.get('dev-ai')!.dependsOn).toEqual(['estate-bedrock-logging']);
    expect(byName.get('dev-auth')!.dependsOn).toEqual(['dev-data']);
    expect(byName.get('dev-data')!.dependsOn).toEqual([]);
    // Edge does not front the API here: it keeps its bucket as stateful; the alarms watch the API.
    expect(Object.fromEntries(first.stacks.map((s) => [s.name, s.role]))).toEqual({
      'dev-data': 'stateful',
      'dev-auth': 'stateful',
      'dev-ai': 'stateful',
      'estate-bedrock-logging': 'stateful',
      'dev-edge': 'stateful',
      'dev-api-lambda': 'stateless',
      'dev-observability': 'stateless',
    });
    // Unbound: no account id, and the cached summary says the same.
    expect(first.stacks.every((s) => s.account === undefined)).toBe(true);
  });

  it('binds the stacks to the account id, and makes an edge fronting the API stateless', async () => {
    const own = mkdtempSync(join(tmpdir(), 'estate-cwd-'));
    const fronted = {
      ...config,
      environments: [
        {
          ...config.environments[0]!,
          blueprints: ['edge', 'auth', 'data', 'api-lambda'] as EstateConfig['environments'][0]['blueprints'],
          settings: { edge: { fronts: 'api' as const } },
        },
      ],
    };
    const r = await synthEnvironment(fronted, 'dev', {
      configDir,
      cwd: own,
      accountIds: { 'dev-acct': '111122223333' },
    });
    const byName = new Map(r.stacks.map((s) => [s.name, s]));
    expect(r.stacks.map((s) => s.account)).toEqual(r.stacks.map(() => '111122223333'));
    expect(byName.get('dev-edge')).toMatchObject({ region: 'us-east-1', role: 'stateless' });
    expect(byName.get('dev-edge')!.dependsOn).toContain('dev-api-lambda');
    expect(byName.get('dev-auth')!.role).toBe('stateful');
  });

  it('reuses the assembly when config and code are unchanged (timing lives in bench/synth)', () => {
    expect(second.cached).toBe(true);
    expect(second.cacheKey).toBe(first.cacheKey);
    expect(second.stacks).toEqual(first.stacks);
  });

  it('reports itself through the interaction port: a task when it builds, a skip when it reuses', () => {
    const said = (messages: IoMessage[]) =>
      messages.map((m) => [m.code, (m.data as { id: string }).id, m.message]);
    expect(said(heard[0]!)).toEqual([
      [IO.TASK_START, 'synth', 'synthesise dev'],
      [IO.TASK_DONE, 'synth', `7 stacks in ${first.assemblyDir}`],
    ]);
    expect(said(heard[1]!)).toEqual([
      [IO.TASK_SKIP, 'synth', `inputs unchanged, reusing ${first.assemblyDir}`],
    ]);
  });

  it('synthesises again when a setting changes', async () => {
    // Given a folder of its own holding the first assembly (the shared one stays as it is).
    const own = mkdtempSync(join(tmpdir(), 'estate-cwd-'));
    cpSync(join(cwd, 'cdk.out'), join(own, 'cdk.out'), { recursive: true });
    const changed = project(512);
    cpSync(join(configDir, 'api'), join(changed.configDir, 'api'), { recursive: true });
    expect(
      cacheKey(changed.config, changed.config.environments[0]!, { configDir: changed.configDir }),
    ).not.toBe(first.cacheKey);
    const r = await synthEnvironment(changed.config, 'dev', { configDir: changed.configDir, cwd: own });
    expect(r.cached).toBe(false);
    const again = await synthEnvironment(config, 'dev', { configDir, cwd: own });
    expect(again.cached).toBe(false); // the folder now holds the other assembly
  });

  it('changes the key when the handler code changes', () => {
    // A project of its own: the shared one's code stays as the other tests read it.
    const own = project();
    const env = own.config.environments[0]!;
    const before = cacheKey(own.config, env, { configDir: own.configDir });
    writeFileSync(join(own.configDir, 'api', 'extra.mjs'), 'export const x = 1;\n');
    expect(cacheKey(own.config, env, { configDir: own.configDir })).not.toBe(before);
  });

  it("keys on the account's mandatory tags and on the other environments sharing its logging stack", () => {
    const env = config.environments[0]!;
    const before = cacheKey(config, env, { configDir });
    const tagged = { ...config, tags: { mandatory: [{ key: 'cost-center', default: 'web' }] } };
    expect(cacheKey(tagged, env, { configDir })).not.toBe(before);
    const sibling = {
      name: 'other',
      account: 'dev-acct',
      blueprints: ['ai' as const],
      size: 'dev' as const,
      executor: 'ci' as const,
      protected: false,
      settings: { observability: { logRetentionDays: 30 } },
    };
    const shared = { ...config, environments: [...config.environments, sibling] };
    expect(cacheKey(shared, env, { configDir })).not.toBe(before);
  });

  it("keys on the account's kind, which makes a production account's environments protected", () => {
    const env = config.environments[0]!;
    const before = cacheKey(config, env, { configDir });
    const prodKind = {
      ...config,
      accounts: config.accounts.map((a) =>
        a.name === 'dev-acct' ? { ...a, kind: 'prod-single-tenant' as const } : a,
      ),
    };
    expect(cacheKey(prodKind, env, { configDir })).not.toBe(before);
  });

  it('keys on the blueprint sources and on the synth engine itself, wherever the engine lives', () => {
    const blueprints = dirname(fileURLToPath(new URL('../../../src/blueprints/compose.ts', import.meta.url)));
    const engine = dirname(fileURLToPath(new URL('../../../src/core/env/synth.ts', import.meta.url)));
    expect(assemblySources()).toEqual([blueprints, engine]);
  });

  it('keys on the account the stacks are bound to', () => {
    const env = config.environments[0]!;
    expect(cacheKey(config, env, { configDir, accountIds: { 'dev-acct': '111122223333' } })).not.toBe(
      cacheKey(config, env, { configDir }),
    );
  });

  it('fails when the environment is not declared', async () => {
    await expect(synthEnvironment(config, 'nope', { configDir, cwd })).rejects.toThrow(
      /no environment "nope".*environments: dev/,
    );
  });

  it('fails rather than clear a folder that holds no cloud assembly', async () => {
    const out = mkdtempSync(join(tmpdir(), 'estate-out-'));
    mkdirSync(join(out, 'src'));
    const messages: IoMessage[] = [];
    await expect(
      synthEnvironment(config, 'dev', { configDir, outDir: out, io: recorder(messages) }),
    ).rejects.toThrow(/refusing to overwrite/);
    expect(messages.map((m) => m.code)).toEqual([IO.TASK_START, IO.TASK_FAIL]);
    expect(messages[1]!.message).toMatch(/refusing to overwrite/);
    expect(existsSync(join(out, 'src'))).toBe(true);
  });

  it('replaces what an interrupted synth of an older estate left (staged assets, no manifest)', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'estate-out-')), 'dev');
    mkdirSync(join(out, 'asset.0123abcd'), { recursive: true });
    writeFileSync(join(out, 'dev-data.template.json'), '{}');
    const r = await synthEnvironment(config, 'dev', { configDir, outDir: out });
    expect(r.cached).toBe(false);
    expect(existsSync(join(out, 'manifest.json'))).toBe(true);
    expect(existsSync(join(out, 'asset.0123abcd'))).toBe(false);
  });
});

describe("CDK's annotations", () => {
  it('are collected from every stack with their level and construct path, and counted in the text', async () => {
    // Given an app whose constructs carry one warning and one error.
    const { Annotations, App, Stack } = await import('aws-cdk-lib');
    const { Construct } = await import('constructs');
    const app = new App({ builtinCloudFormationValidation: false });
    const stack = new Stack(app, 'dev-api');
    const thing = new Construct(stack, 'Thing');
    Annotations.of(thing).addWarningV2('estate:test', 'mind the gap');
    Annotations.of(stack).addError('no way');

    // When its assembly's annotations are read and rendered.
    const found = annotationsOf(app.synth());

    // Then both are there, with the stack, the path and the message, and the text counts them.
    expect(found).toEqual(
      expect.arrayContaining([
        {
          level: 'warning',
          stack: 'dev-api',
          path: '/dev-api/Thing',
          message: expect.stringMatching(/^mind the gap/),
        },
        { level: 'error', stack: 'dev-api', path: '/dev-api', message: 'no way' },
      ]),
    );
    const lines = annotationLines(found);
    expect(lines).toContainEqual(
      expect.stringMatching(/^! cdk warning: mind the gap.* \(\/dev-api\/Thing\)$/),
    );
    expect(lines).toContain('✖ cdk error: no way (/dev-api)');
    expect(lines.at(-1)).toBe('CDK: 1 error, 1 warning');
    expect(annotationLines([]).at(-1)).toBe('CDK: 0 errors, 0 warnings');
  });
});
