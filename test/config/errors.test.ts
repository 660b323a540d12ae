/**
 * Config errors a person can act on: the path as they would write it, the key they meant,
 * and why YAML read a value as something else. Given the bundled example with one mistake.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, formatIssue, knownKeysAt, nearestKey, parseConfig } from '../../src/config/loader.js';
import { configSchema } from '../../src/config/schema.js';
import { EXAMPLE } from '../_helpers/cli.js';

const example = readFileSync(EXAMPLE, 'utf8');

/** The example with `from` replaced by `to` (which must occur exactly once). */
function edited(from: string, to: string): string {
  expect(example.split(from)).toHaveLength(2);
  return example.replace(from, to);
}

function problems(text: string): string[] {
  try {
    parseConfig(text, 'estate.yaml');
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.issues.map(formatIssue);
  }
}

const lineOf = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;

describe('config errors', () => {
  it('suggests the known key a misspelt key meant, as the one problem', () => {
    const text = edited('  homeRegion: eu-west-2', '  homeRegon: eu-west-2');
    expect(problems(text)).toEqual([
      `estate.yaml:${lineOf(text, 'homeRegon')}: organization.homeRegon: unknown key "homeRegon"; did you mean "homeRegion"?`,
    ]);
  });

  it('suggests from the keys known at that path, inside lists too', () => {
    const text = edited('    owner: bob@recall.example.com', '    ownr: bob@recall.example.com');
    expect(problems(text)).toEqual([
      `estate.yaml:${lineOf(text, 'ownr')}: accounts[6].ownr: unknown key "ownr"; did you mean "owner"?`,
    ]);
    const ct = edited('  logRetentionDays: 365', '  logRetentionDay: 365');
    expect(problems(ct)[0]).toMatch(/controlTower\.logRetentionDay: .*did you mean "logRetentionDays"\?/);
  });

  it('lists the known keys when nothing is close', () => {
    const text = edited(
      '    owner: bob@recall.example.com',
      '    owner: bob@recall.example.com\n    colour: blue',
    );
    const [problem] = problems(text);
    expect(problem).toMatch(/accounts\[6\]\.colour: unknown key "colour"; remove it or check its spelling/);
    expect(problem).toMatch(/known keys: name, kind, ou, email, id, owner, tags, budget/);
    expect(problem).not.toMatch(/did you mean/);
  });

  it('finds the known keys through lists, optionals and the recursive OU tree', () => {
    expect(knownKeysAt(configSchema, ['organizationalUnits', 1, 'children', 0])).toEqual([
      'name',
      'tags',
      'children',
    ]);
    expect(knownKeysAt(configSchema, ['environments', 0, 'schedule'])).toEqual([
      'hours',
      'timezone',
      'stop',
      'start',
    ]);
    expect(nearestKey('acount', ['name', 'account', 'owner'])).toBe('account');
    expect(nearestKey('zzz', ['name', 'account', 'owner'])).toBeUndefined();
  });

  it('reports a tab in the indentation once, with its line', () => {
    const text = edited('    kind: logs\n', '\tkind: logs\n');
    expect(problems(text)).toEqual([
      `estate.yaml:${lineOf(text, '\tkind: logs')}: a tab character indents this line; YAML indents with spaces only: replace the tab with spaces`,
    ]);
  });

  it('tells to quote an unquoted account id, keeping its leading zero', () => {
    const text = edited("managementAccountId: '111111111111'", 'managementAccountId: 011111111111');
    const [problem, ...rest] = problems(text);
    expect(rest).toEqual([]);
    expect(problem).toContain(
      `estate.yaml:${lineOf(text, 'managementAccountId')}: organization.managementAccountId:`,
    );
    expect(problem).toMatch(/reads the unquoted 011111111111 as a number and drops its leading zeros/);
    expect(problem).toContain("quote the account id: '011111111111'");
    const plain = edited("managementAccountId: '111111111111'", 'managementAccountId: 111111111111');
    expect(problems(plain)[0]).toMatch(
      /reads the unquoted 111111111111 as a number; quote the account id: '111111111111'$/,
    );
  });

  it('tells to write true or false for protected: yes', () => {
    const text = edited('    protected: true', '    protected: yes');
    expect(problems(text)).toEqual([
      `estate.yaml:${lineOf(text, 'protected: yes')}: environments[2].protected: must be a boolean: YAML 1.2 reads yes as a string, not a boolean; write true or false, unquoted`,
    ]);
  });

  it('writes list positions in brackets: accounts[6].owner', () => {
    const text = edited('    owner: bob@recall.example.com', '    owner: bob');
    expect(problems(text)).toEqual([
      `estate.yaml:${lineOf(text, 'owner: bob')}: accounts[6].owner: must be an e-mail address such as ops@example.com`,
    ]);
  });
});
