import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
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
