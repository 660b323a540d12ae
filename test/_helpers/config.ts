import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { ConfigError, formatIssue, parseConfig } from '../../src/config/loader.js';
import { EXAMPLE, tempDir } from './cli.js';

/** The bundled example estate as plain data, a fresh copy each call (tests mutate it). */
export function exampleConfig(): Record<string, any> {
  return parse(readFileSync(EXAMPLE, 'utf8'));
}

/**
 * The example with one config error (organization.homeRegon), in broken.yaml in a fresh
 * temporary folder; cleanup removes the folder.
 */
export async function brokenExample(): Promise<{ file: string; cleanup: () => Promise<void> }> {
  const { dir, cleanup } = await tempDir();
  const file = join(dir, 'broken.yaml');
  const text = readFileSync(EXAMPLE, 'utf8');
  writeFileSync(file, text.replace('  homeRegion: eu-west-2', '  homeRegon: eu-west-2'));
  return { file, cleanup };
}

export function minimalConfig(): Record<string, any> {
  return {
    version: 1,
    organization: {
      name: 'acme',
      homeRegion: 'eu-west-2',
      governedRegions: ['eu-west-2', 'us-east-1'],
      emailPattern: 'aws+{account}@acme.example.com',
    },
    organizationalUnits: [{ name: 'Security' }, { name: 'Sandbox' }],
    accounts: [
      { name: 'logs', kind: 'logs', ou: 'Security' },
      { name: 'dev-alice', kind: 'developer', ou: 'Sandbox', owner: 'alice@acme.example.com' },
    ],
  };
}

/** Parses a config object through the YAML loader and returns the formatted problems. */
export function configProblems(config: unknown): string[] {
  try {
    parseConfig(stringify(config), 'estate.yaml');
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.issues.map(formatIssue);
  }
}
