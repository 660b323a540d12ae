import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { EstateStack } from '../../src/blueprints/compose.js';
import { configSchema, type EstateConfig } from '../../src/config/schema.js';

/** An app with the per-synth CloudFormation validator off (validation.test.ts runs it once). */
export function newApp(): App {
  return new App({
    builtinCloudFormationValidation: false,
    outdir: mkdtempSync(join(tmpdir(), 'estate-bp-')),
  });
}

/** A stack with explicit availability zones, as composeEnvironment makes them. */
export function stackIn(app: App, id: string, region = 'eu-west-2'): Stack {
  return new EstateStack(app, id, { env: { region }, zones: [`${region}a`, `${region}b`] });
}

export function template(stack: Stack): Template {
  return Template.fromStack(stack);
}

/** All resources of one type in a template, as [logicalId, resource] pairs. */
export function resourcesOf(
  t: Template,
  type: string,
): [string, { Properties?: any; DeletionPolicy?: string }][] {
  return Object.entries(t.findResources(type));
}

/** A folder with an index.html, like a built SPA. */
export function buildDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'estate-build-'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>app</title>');
  return dir;
}

/** A small estate: two accounts, environments added by the caller. */
export function estate(extra: Record<string, unknown>): EstateConfig {
  return configSchema.parse({
    version: 1,
    organization: {
      name: 'acme',
      homeRegion: 'eu-west-2',
      governedRegions: ['eu-west-2', 'us-east-1', 'eu-west-1'],
      emailPattern: 'aws+{account}@acme.example.com',
    },
    organizationalUnits: [{ name: 'Workloads' }],
    accounts: [
      { name: 'dev-acct', kind: 'developer', ou: 'Workloads' },
      { name: 'prod-acct', kind: 'prod-multi-tenant', ou: 'Workloads', id: '123456789012' },
    ],
    ...extra,
  });
}

/** A string that appears anywhere in a template (resolved references included). */
export function json(t: Template): string {
  return JSON.stringify(t.toJSON());
}

/** A CloudFormation value as a string: Fn::Join flattened, Ref/GetAtt shown as ${...}. */
export function flat(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(flat).join(',');
  const v = value as Record<string, any>;
  if (v?.['Fn::Join']) return (v['Fn::Join'][1] as unknown[]).map(flat).join(v['Fn::Join'][0]);
  if (v?.Ref) return `\${${v.Ref}}`;
  if (v?.['Fn::GetAtt']) return `\${${v['Fn::GetAtt'].join('.')}}`;
  if (v?.['Fn::ImportValue']) return `\${Import:${flat(v['Fn::ImportValue'])}}`;
  return JSON.stringify(value);
}
