import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { BLUEPRINT_NAMES } from '../../src/blueprints/catalog.js';
import { SETTING_DEFAULTS } from '../../src/blueprints/defaults.js';
import { describeBlueprints, formatDefault, formatRole } from '../../src/blueprints/describe.js';
import { stackRoles } from '../../src/blueprints/environment.js';
import { BLUEPRINT_SETTINGS_SHAPES } from '../../src/config/blueprint-settings.js';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');

describe('describeBlueprints', () => {
  const docs = describeBlueprints();

  it('lists every blueprint with its stack, region and settings', () => {
    expect(docs.map((d) => d.name)).toEqual([...BLUEPRINT_NAMES]);
    expect(docs.find((d) => d.name === 'edge')).toMatchObject({ stack: '<env>-edge', region: 'us-east-1' });
    expect(docs.find((d) => d.name === 'api-lambda')!.settings.map((s) => s.name)).toContain('memoryMb');
  });

  it('gives each blueprint the role its stack gets when it depends on no stateless stack', () => {
    const roles = stackRoles(docs.map((d) => ({ name: d.name, blueprint: d.name, dependsOn: [] })));
    for (const d of docs) expect(roles.get(d.name), d.name).toBe(d.role);
    expect(docs.filter((d) => d.role === 'stateless').map((d) => d.name)).toEqual(['api-lambda', 'api-eks']);
    // Only edge and observability turn stateless, by depending on the API.
    expect(docs.filter((d) => d.statelessWhen).map((d) => d.name)).toEqual(['edge', 'observability']);
    expect(formatRole(docs.find((d) => d.name === 'edge')!)).toBe(
      'stateful (kept off-hours; stateless when it fronts the API (edge.fronts: api))',
    );
    for (const d of docs) expect(d.holds && d.prodRetains, d.name).toBeTruthy();
  });

  it('gives every setting a type, a description and a default', () => {
    for (const d of docs)
      for (const s of d.settings) {
        expect(s.description, `${d.name}.${s.name}`).not.toBe('');
        expect(s.type, `${d.name}.${s.name}`).not.toBe('unknown');
        expect(s.default, `${d.name}.${s.name} has no documented default`).not.toEqual({ text: 'none' });
      }
    const memory = docs.find((d) => d.name === 'api-lambda')!.settings.find((s) => s.name === 'memoryMb')!;
    expect(memory).toMatchObject({ type: 'integer', default: { dev: 256, prod: 512 } });
    expect(formatDefault(memory.default)).toBe('dev: 256, prod: 512');
  });

  it('states what NAT gateways cost and that api-eks zones have no default', () => {
    const eks = docs.find((d) => d.name === 'api-eks')!.settings;
    const nat = eks.find((s) => s.name === 'natGateways')!;
    expect(nat.description).toMatch(/\$0\.045\/h .*\$33\/month.*0: no internet egress/);
    expect(formatDefault(nat.default)).toMatch(/^dev: 1 .*prod: one per zone/);
    expect(formatDefault(eks.find((s) => s.name === 'availabilityZones')!.default)).toMatch(/required/);
  });

  it('documents only settings that exist, with defaults the settings schema accepts', () => {
    for (const [name, defaults] of Object.entries(SETTING_DEFAULTS)) {
      const shape = BLUEPRINT_SETTINGS_SHAPES[name as keyof typeof BLUEPRINT_SETTINGS_SHAPES].shape as Record<
        string,
        z.ZodType
      >;
      for (const [key, value] of Object.entries(defaults)) {
        expect(shape[key], `${name}.${key} is not a setting`).toBeDefined();
        if (value && typeof value === 'object' && 'text' in value) continue;
        const pair = value as { dev?: unknown; prod?: unknown };
        const values = value && typeof value === 'object' && 'dev' in value ? [pair.dev, pair.prod] : [value];
        for (const v of values)
          expect(shape[key]!.safeParse(v).success, `${name}.${key} = ${JSON.stringify(v)}`).toBe(true);
      }
    }
  });

  it('keeps aws-cdk-lib out of the modules loaded before synthesis (list, config schema, cache check)', () => {
    const seen = new Set<string>();
    const cdkImports: string[] = [];
    const walk = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = readFileSync(file, 'utf8');
      // Static imports only: `await import(...)` is how synth loads the CDK on a cache miss.
      for (const m of text.matchAll(/^(?:import|export)\s[^;]*?from\s+'([^']+)'/gms)) {
        const spec = m[1]!;
        if (spec.startsWith('aws-cdk-lib') || spec === 'cdk-nag' || spec === 'constructs')
          cdkImports.push(`${file}: ${spec}`);
        if (spec.startsWith('.')) walk(join(dirname(file), spec.replace(/\.js$/, '.ts')));
      }
    };
    for (const entry of ['blueprints/describe.ts', 'core/env/synth.ts', 'config/schema.ts'])
      walk(join(SRC, entry));
    expect(seen.size).toBeGreaterThan(5);
    expect(cdkImports).toEqual([]);
  });
});
