import { readFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';
import { ConfigError, formatIssue, parseConfig } from '../../src/config/loader.js';
import { EXAMPLE } from './cli.js';

/** The bundled example estate as plain data, a fresh copy each call (tests mutate it). */
export function exampleConfig(): Record<string, any> {
  return parse(readFileSync(EXAMPLE, 'utf8'));
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
