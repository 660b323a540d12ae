import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/loader.js';
import { onboardingSettings } from '../../src/config/onboarding.js';
import {
  addDeveloper,
  addDeveloperText,
  CONFIG_CONFLICT,
  CONFIG_WRITE_REJECTED,
  handOver,
  handOverText,
  RECYCLED_TAG,
  recycleAccount,
  recycleAccountText,
} from '../../src/config/write-back.js';
import { EstateError } from '../../src/errors.js';
import { EXAMPLE, tempDir } from '../_helpers/cli.js';

/** An estate.yaml written by a person: comments everywhere, blank lines, mixed styles. */
const COMMENTED = `# estate.yaml for Acme — edit with care
version: 1   # the schema version

organization:
  name: acme
  homeRegion: eu-west-2
  governedRegions: [eu-west-2, us-east-1]   # keep in sync with the SCP
  emailPattern: aws+{account}@acme.example.com

# The OU tree
organizationalUnits:
  - name: Security
  - name: Sandbox     # developers live here

accounts:
  # shared accounts
  - name: logs
    kind: logs
    ou: Security

  # developers, one account each
  - name: dev-alice
    kind: developer
    ou: Sandbox
    owner: 'alice@acme.example.com'   # quoted on purpose
    budget:
        monthlyUsd: 80
# end of accounts

budgets:
  alertEmails: [finops@acme.example.com]
  byKind:
    developer: { monthlyUsd: 100 }

environments:
  # alice's sandbox
  - name: alice
    account: dev-alice
    blueprints: [auth, data, api-lambda]
    size: dev
    owner: alice@acme.example.com
    ttl: 72h

# trailing words
`;

const BOB = {
  name: 'dev-bob',
  email: 'aws+dev-bob@acme.example.com',
  owner: 'bob@acme.example.com',
  ou: 'Sandbox',
};
const BOB_ENV = {
  name: 'dev-bob-dev',
  blueprints: ['auth', 'data', 'api-lambda'],
  ttl: '72h',
  owner: 'bob@acme.example.com',
};

/**
 * The lines `edited` adds to `original` and the ones it drops, by a longest common
 * subsequence of lines: what a reviewer's diff would show.
 */
function lineDiff(original: string, edited: string): { added: string[]; dropped: string[] } {
  const a = original.split('\n');
  const b = edited.split('\n');
  const lcs = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--)
    for (let j = b.length - 1; j >= 0; j--)
      lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  const added: string[] = [];
  const dropped: string[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      i++;
      j++;
    } else if (j < b.length && (i === a.length || lcs[i]![j + 1]! >= lcs[i + 1]![j]!)) added.push(b[j++]!);
    else dropped.push(a[i++]!);
  }
  return { added, dropped };
}

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir()));
afterEach(() => cleanup());

async function file(text: string): Promise<string> {
  const path = join(dir, 'estate.yaml');
  await writeFile(path, text);
  return path;
}

async function failure(promise: Promise<unknown>): Promise<EstateError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(EstateError);
  return error as EstateError;
}

describe('addDeveloper', () => {
  it('Given a file full of comments, When a developer is added, Then only the new entries are new lines, written like their siblings', async () => {
    const path = await file(COMMENTED);

    const result = await addDeveloper(path, BOB, BOB_ENV);

    const written = await readFile(path, 'utf8');
    expect(result).toMatchObject({ changed: true, added: ['accounts[2]', 'environments[1]'] });
    expect(lineDiff(COMMENTED, written)).toEqual({
      dropped: [],
      added: [
        '',
        '  - name: dev-bob',
        '    kind: developer',
        '    ou: Sandbox',
        "    owner: 'bob@acme.example.com'",
        '  - name: dev-bob-dev',
        '    account: dev-bob',
        '    blueprints: [auth, data, api-lambda]',
        '    size: dev',
        '    owner: bob@acme.example.com',
        '    ttl: 72h',
      ],
    });
    // The account goes right after alice's, before the comment that closes the list.
    expect(written).toContain('    budget:\n        monthlyUsd: 80\n\n  - name: dev-bob\n');
    expect(written).toContain("    owner: 'bob@acme.example.com'\n# end of accounts\n");
    const config = parseConfig(written);
    expect(config.accounts.at(-1)).toEqual({
      name: 'dev-bob',
      kind: 'developer',
      ou: 'Sandbox',
      owner: 'bob@acme.example.com',
    });
    expect(config.environments.at(-1)).toMatchObject({ name: 'dev-bob-dev', account: 'dev-bob', ttl: '72h' });
  });

  it('writes the e-mail when it is not the derived one, and the budget when it is not the kind default', () => {
    const config = parseConfig(COMMENTED);
    const { text } = addDeveloperText(COMMENTED, config, {
      ...BOB,
      email: 'bob.root@acme.example.com',
      budgetUsd: 150,
    });
    expect(lineDiff(COMMENTED, text).added).toEqual([
      '',
      '  - name: dev-bob',
      '    kind: developer',
      '    ou: Sandbox',
      '    email: bob.root@acme.example.com',
      "    owner: 'bob@acme.example.com'",
      '    budget:',
      '        monthlyUsd: 150',
    ]);
    expect(parseConfig(text).accounts.at(-1)?.budget).toEqual({ monthlyUsd: 150 });
  });

  it('writes the alert e-mails when they are not what the developer kind sends to, and refuses other ones on a re-run', () => {
    const config = parseConfig(COMMENTED);
    const alerting = { ...BOB, alertEmails: ['bob@acme.example.com', 'platform@acme.example.com'] };
    const { text } = addDeveloperText(COMMENTED, config, alerting);
    expect(lineDiff(COMMENTED, text).added.slice(-3)).toEqual([
      "    owner: 'bob@acme.example.com'",
      '    budget:',
      '        emails: [bob@acme.example.com, platform@acme.example.com]',
    ]);
    const parsed = parseConfig(text);
    expect(parsed.accounts.at(-1)?.budget).toEqual({
      emails: ['bob@acme.example.com', 'platform@acme.example.com'],
    });
    expect(
      addDeveloperText(text, parsed, { ...alerting, alertEmails: [...alerting.alertEmails].reverse() })
        .changed,
    ).toBe(false);
    expect(() => addDeveloperText(text, parsed, { ...BOB, alertEmails: ['bob@acme.example.com'] })).toThrow(
      /accounts\[2\]\.budget\.emails is \["bob@acme.example.com","platform@acme.example.com"\]/,
    );
    // The kind's recipients already: nothing to write.
    const kindOnly = addDeveloperText(COMMENTED, config, {
      ...BOB,
      alertEmails: ['finops@acme.example.com'],
    }).text;
    expect(lineDiff(COMMENTED, kindOnly).added).not.toContain('    budget:');
  });

  it('Given the same developer already declared, When adding again, Then nothing is written (a re-run is a no-op)', async () => {
    const path = await file(COMMENTED);
    await addDeveloper(path, BOB, BOB_ENV);
    const once = await readFile(path, 'utf8');

    const again = await addDeveloper(path, BOB, BOB_ENV);

    expect(again).toMatchObject({ changed: false, added: [] });
    expect(await readFile(path, 'utf8')).toBe(once);
  });

  it('rejects a name declared with another definition, naming the field, and leaves the file alone', async () => {
    const path = await file(COMMENTED);
    const error = await failure(
      addDeveloper(path, {
        ...BOB,
        name: 'dev-alice',
        email: 'aws+dev-alice@acme.example.com',
        owner: 'mallory@acme.example.com',
      }),
    );
    expect(error.code).toBe(CONFIG_CONFLICT);
    expect(error.message).toBe(
      'estate.yaml: accounts[1].owner is "alice@acme.example.com", but onboarding would write "mallory@acme.example.com"',
    );
    expect(await readFile(path, 'utf8')).toBe(COMMENTED);

    const env = await failure(addDeveloper(path, BOB, { ...BOB_ENV, name: 'alice' }));
    expect(env.message).toBe(
      'estate.yaml: environments[0].account is "dev-alice", but onboarding would write "dev-bob"',
    );
    expect(await readFile(path, 'utf8')).toBe(COMMENTED);
  });

  it('rejects a change the loader would refuse (an e-mail another account has), writing nothing', async () => {
    const path = await file(COMMENTED);
    const error = await failure(addDeveloper(path, { ...BOB, email: 'aws+logs@acme.example.com' }));
    expect(error.code).toBe(CONFIG_WRITE_REJECTED);
    expect(error.message).toMatch(
      /would not load, so it was not written: .*e-mail aws\+logs@acme\.example\.com is already used/,
    );
    expect(await readFile(path, 'utf8')).toBe(COMMENTED);
    expect((await readdir(dir)).sort()).toEqual(['estate.yaml']);
  });

  it('rejects an OU that is not declared, through the loader', async () => {
    const path = await file(COMMENTED);
    const error = await failure(addDeveloper(path, { ...BOB, ou: 'Developers' }));
    expect(error.code).toBe(CONFIG_WRITE_REJECTED);
    expect(error.message).toContain('OU "Developers" is not declared');
  });

  it('Given flow-style entries, When adding, Then the new entry is a flow mapping on one line', () => {
    const text = COMMENTED.replace(
      / {2}- name: dev-alice\n[\s\S]*?# end of accounts\n/,
      '  - { name: dev-alice, kind: developer, ou: Sandbox, owner: alice@acme.example.com }\n# end of accounts\n',
    );
    const { text: edited } = addDeveloperText(text, parseConfig(text), BOB);
    expect(lineDiff(text, edited)).toEqual({
      dropped: [],
      added: ['', '  - { name: dev-bob, kind: developer, ou: Sandbox, owner: bob@acme.example.com }'],
    });
  });

  it('Given no environments key, When adding the first environment, Then a block list is appended like accounts', () => {
    const text = COMMENTED.slice(0, COMMENTED.indexOf('environments:'));
    const unspaced = text.trimEnd() + '\n';
    expect(addDeveloperText(unspaced, parseConfig(unspaced), BOB, BOB_ENV).text).toContain(
      'developer: { monthlyUsd: 100 }\n\nenvironments:\n  - name: dev-bob-dev\n',
    );
    const { text: edited } = addDeveloperText(text, parseConfig(text), BOB, BOB_ENV);
    expect(lineDiff(text, edited).dropped).toEqual([]);
    expect(
      edited.endsWith(
        'developer: { monthlyUsd: 100 }\n\nenvironments:\n  - name: dev-bob-dev\n    account: dev-bob\n    blueprints: [auth, data, api-lambda]\n    owner: bob@acme.example.com\n    ttl: 72h\n',
      ),
    ).toBe(true);
    expect(parseConfig(edited).environments.map((e) => e.name)).toEqual(['dev-bob-dev']);
  });

  it('Given environments: [], When adding, Then the list is written in block style in its place', () => {
    const text = COMMENTED.replace(/environments:\n[\s\S]*?ttl: 72h\n/, 'environments: []\n');
    const { text: edited } = addDeveloperText(text, parseConfig(text), BOB, BOB_ENV);
    expect(edited).toContain('environments:\n  - name: dev-bob-dev\n    account: dev-bob\n');
    expect(parseConfig(edited).environments).toHaveLength(1);
  });

  it('keeps the bundled example loadable and otherwise byte for byte', async () => {
    const original = await readFile(EXAMPLE, 'utf8');
    const path = await file(original);
    await addDeveloper(
      path,
      {
        name: 'dev-carol',
        email: 'aws+dev-carol@recall.example.com',
        owner: 'carol@recall.example.com',
        ou: 'Sandbox',
      },
      {
        name: 'carol',
        blueprints: ['auth', 'data', 'api-lambda'],
        ttl: '72h',
        owner: 'carol@recall.example.com',
      },
    );
    const written = await readFile(path, 'utf8');
    expect(lineDiff(original, written).dropped).toEqual([]);
    expect(lineDiff(original, written).added).toEqual([
      '  - name: dev-carol',
      '    kind: developer',
      '    ou: Sandbox',
      '    owner: carol@recall.example.com',
      '  - name: carol',
      '    account: dev-carol',
      '    blueprints: [auth, data, api-lambda]',
      '    size: dev',
      '    owner: carol@recall.example.com',
      '    ttl: 72h',
    ]);
  });
});

describe('recycleAccount', () => {
  it('Given a policies list and a deny-all already on the suspended OU, When recycling, Then the policy is declared once', () => {
    const text = `${COMMENTED}policies:\n  - name: deny-root\n    type: scp\n    builtin: deny-root-user\n    targets: [Sandbox]\n`;
    const first = recycleAccountText(text, parseConfig(text), {
      name: 'dev-alice',
      suspendedOu: 'Suspended',
      date: '2026-12-02',
    });
    const policies = parseConfig(first.text).policies;
    expect(policies.map((p) => [p.name, p.builtin, p.targets])).toEqual([
      ['deny-root', 'deny-root-user', ['Sandbox']],
      ['deny-all', 'deny-all', ['Suspended']],
    ]);
    const again = recycleAccountText(first.text, parseConfig(first.text), {
      name: 'dev-alice',
      suspendedOu: 'Suspended',
      date: '2026-12-02',
    });
    expect(again.changed).toBe(false);
    expect(again.text).toBe(first.text);
  });

  it('moves the account to the suspended OU (declaring it), tags it recycled and takes its environments out', async () => {
    const path = await file(COMMENTED);

    const result = await recycleAccount(path, {
      name: 'dev-alice',
      suspendedOu: 'Suspended',
      date: '2026-12-02',
    });

    const written = await readFile(path, 'utf8');
    expect(result).toMatchObject({
      changed: true,
      added: ['policies[0]', 'organizationalUnits[2]'],
      removed: ['alice'],
    });
    expect(lineDiff(COMMENTED, written)).toEqual({
      dropped: [
        '    ou: Sandbox',
        // The only environment: the list becomes [] and its entry goes.
        'environments:',
        "  # alice's sandbox",
        '  - name: alice',
        '    account: dev-alice',
        '    blueprints: [auth, data, api-lambda]',
        '    size: dev',
        '    owner: alice@acme.example.com',
        '    ttl: 72h',
      ],
      added: [
        '  - name: Suspended',
        '    ou: Suspended',
        '    tags:',
        '        estate:recycled: 2026-12-02',
        'environments: []',
        // The suspended OU is locked by a deny-all SCP, declared where estate.yaml declares SCPs.
        'policies:',
        '  - name: deny-all',
        '    type: scp',
        '    builtin: deny-all',
        '    targets:',
        '      - Suspended',
      ],
    });
    const config = parseConfig(written);
    expect(config.accounts[1]).toMatchObject({ ou: 'Suspended', tags: { [RECYCLED_TAG]: '2026-12-02' } });
    expect(config.environments).toEqual([]);
  });

  it("Given other environments, When recycling, Then only the account's go, with the comment above them", () => {
    const text = COMMENTED.replace(
      '\n# trailing words',
      '  # shared\n  - name: shared\n    account: logs\n    blueprints: [data]\n\n# trailing words',
    );
    const { text: edited } = recycleAccountText(text, parseConfig(text), {
      name: 'dev-alice',
      suspendedOu: 'Suspended',
      date: '2026-12-02',
    });
    expect(parseConfig(edited).environments.map((e) => e.name)).toEqual(['shared']);
    expect(edited).toContain('environments:\n  # shared\n  - name: shared\n');
    expect(edited).not.toContain("alice's sandbox");
  });

  it('adds the tag to existing tags and leaves a declared suspended OU alone', () => {
    const text = COMMENTED.replace(
      "    owner: 'alice@acme.example.com'   # quoted on purpose\n",
      "    owner: 'alice@acme.example.com'   # quoted on purpose\n    tags:\n        team: web\n",
    ).replace(
      '  - name: Sandbox     # developers live here\n',
      '  - name: Sandbox     # developers live here\n  - name: Suspended\n',
    );
    const { text: edited, added } = recycleAccountText(text, parseConfig(text), {
      name: 'dev-alice',
      suspendedOu: 'Suspended',
      date: '2026-12-02',
    });
    expect(added).toEqual(['policies[0]']);
    expect(edited).toContain('    tags:\n        team: web\n        estate:recycled: 2026-12-02\n');
    expect(parseConfig(edited).accounts[1]?.tags).toEqual({ team: 'web', [RECYCLED_TAG]: '2026-12-02' });
  });

  it('declares a nested suspended OU under its declared parent', () => {
    const { text } = recycleAccountText(COMMENTED, parseConfig(COMMENTED), {
      name: 'dev-alice',
      suspendedOu: 'Security/Suspended',
      date: '2026-12-02',
    });
    const config = parseConfig(text);
    expect(config.organizationalUnits[0]).toEqual({ name: 'Security', children: [{ name: 'Suspended' }] });
    expect(config.accounts[1]?.ou).toBe('Security/Suspended');
  });

  it('Given a flow-style account, When recycling, Then the mapping is written again with the OU and the tag', () => {
    const text = COMMENTED.replace(
      / {2}- name: dev-alice\n[\s\S]*?# end of accounts\n/,
      '  - { name: dev-alice, kind: developer, ou: Sandbox }\n# end of accounts\n',
    );
    const { text: edited } = recycleAccountText(text, parseConfig(text), {
      name: 'dev-alice',
      suspendedOu: 'Suspended',
      date: '2026-12-02',
    });
    expect(edited).toContain(
      '  - { name: dev-alice, kind: developer, ou: Suspended, tags: { estate:recycled: 2026-12-02 } }\n',
    );
    expect(parseConfig(edited).accounts[1]?.tags).toEqual({ [RECYCLED_TAG]: '2026-12-02' });
  });

  it('Given an onboarding block, When the only developer is recycled, Then the developer OU it showed is written down', async () => {
    const text = `${COMMENTED}onboarding:\n  ttl: 72h\n`;
    const path = await file(text);
    const result = await recycleAccount(path, {
      name: 'dev-alice',
      suspendedOu: 'Suspended',
      date: '2026-12-02',
    });
    const written = await readFile(path, 'utf8');
    expect(result.added).toContain('onboarding.developerOu');
    expect(written).toContain('onboarding:\n  ttl: 72h\n  developerOu: Sandbox\n');
    expect(onboardingSettings(parseConfig(written)).developerOu).toBe('Sandbox');
  });

  it('Given two developers, When one is recycled, Then the developer OU stays derived from the other', () => {
    const text = `${COMMENTED}onboarding:\n  ttl: 72h\n`;
    const withBob = addDeveloperText(text, parseConfig(text), BOB).text;
    const { text: edited, added } = recycleAccountText(withBob, parseConfig(withBob), {
      name: 'dev-alice',
      suspendedOu: 'Suspended',
      date: '2026-12-02',
    });
    expect(added).not.toContain('onboarding.developerOu');
    expect(onboardingSettings(parseConfig(edited)).developerOu).toBe('Sandbox');
  });

  it('Given an account already recycled, When recycling again, Then nothing is written', async () => {
    const path = await file(COMMENTED);
    await recycleAccount(path, { name: 'dev-alice', suspendedOu: 'Suspended', date: '2026-12-02' });
    const once = await readFile(path, 'utf8');
    const again = await recycleAccount(path, {
      name: 'dev-alice',
      suspendedOu: 'Suspended',
      date: '2026-12-03',
    });
    expect(again.changed).toBe(false);
    expect(await readFile(path, 'utf8')).toBe(once);
  });

  it('rejects an account that is not declared', async () => {
    const path = await file(COMMENTED);
    const error = await failure(recycleAccount(path, { name: 'dev-zed', suspendedOu: 'Suspended' }));
    expect(error.code).toBe(CONFIG_CONFLICT);
    expect(error.message).toBe('estate.yaml declares no account "dev-zed"');
  });
});

describe('handOver (onboard --recycle)', () => {
  const ALICE_ID = '222233334444';
  const CAROL = { name: 'dev-carol', owner: 'carol@acme.example.com', ou: 'Sandbox' };
  const CAROL_ENV = { name: 'dev-carol-dev', blueprints: ['data'], ttl: '48h', owner: CAROL.owner };
  const input = (over: Partial<Parameters<typeof handOverText>[2]> = {}) => ({
    from: 'dev-alice',
    suspendedOu: 'Suspended',
    accountId: ALICE_ID,
    account: CAROL,
    environment: CAROL_ENV,
    ...over,
  });
  const recycled = () =>
    recycleAccountText(COMMENTED, parseConfig(COMMENTED), {
      name: 'dev-alice',
      suspendedOu: 'Suspended',
      date: '2026-12-02',
    }).text;

  it('Given dev-alice offboarded, When handing her account to dev-carol, Then the entry changes hands in place, keeping the id and root e-mail, and the rest of the file stays', async () => {
    const before = recycled();
    const path = await file(before);

    const result = await handOver(path, input());

    const written = await readFile(path, 'utf8');
    expect(result).toMatchObject({ changed: true, added: ['accounts[1]', 'environments[0]'] });
    expect(lineDiff(before, written)).toEqual({
      dropped: [
        '  - name: dev-alice',
        '    ou: Suspended',
        "    owner: 'alice@acme.example.com'   # quoted on purpose",
        '    budget:',
        '        monthlyUsd: 80',
        '        estate:recycled: 2026-12-02',
        'environments: []',
      ],
      added: [
        '  - name: dev-carol',
        '    ou: Sandbox',
        // The pattern would derive aws+dev-carol@…: the account keeps the root e-mail it has.
        '    email: aws+dev-alice@acme.example.com',
        `    id: "${ALICE_ID}"`,
        "    owner: 'carol@acme.example.com'",
        // tags: stays; its estate:recycled goes, the old name is noted.
        '        estate:recycled-from: dev-alice',
        'environments:',
        '  - name: dev-carol-dev',
        '    account: dev-carol',
        '    blueprints: [data]',
        '    owner: carol@acme.example.com',
        '    ttl: 48h',
      ],
    });
    expect(written.startsWith('# estate.yaml for Acme — edit with care\n')).toBe(true);
    expect(written).toContain('  # developers, one account each\n  - name: dev-carol\n');
    const config = parseConfig(written);
    expect(config.accounts.map((a) => a.name)).toEqual(['logs', 'dev-carol']);
    expect(config.accounts[1]).toMatchObject({
      kind: 'developer',
      id: ALICE_ID,
      email: 'aws+dev-alice@acme.example.com',
      owner: 'carol@acme.example.com',
      tags: { 'estate:recycled-from': 'dev-alice' },
    });
    expect(config.accounts[1]!.tags![RECYCLED_TAG]).toBeUndefined();
  });

  it('Given the hand-over written, When it runs again, Then nothing is written (a re-run is a no-op)', async () => {
    const path = await file(recycled());
    await handOver(path, input());
    const once = await readFile(path, 'utf8');
    const again = await handOver(path, input());
    expect(again.changed).toBe(false);
    expect(await readFile(path, 'utf8')).toBe(once);
  });

  it('fails when the account is not offboarded, naming --recycle, what is missing and the offboard command', () => {
    const error = (() => {
      try {
        handOverText(COMMENTED, parseConfig(COMMENTED), input());
      } catch (e) {
        return e as EstateError;
      }
      throw new Error('expected an error');
    })();
    expect(error.code).toBe(CONFIG_CONFLICT);
    expect(error.message).toBe(
      '--recycle dev-alice: estate.yaml does not mark accounts[1] (dev-alice) offboarded: its ou is Sandbox, not the suspended OU Suspended; it has no estate:recycled tag; environment alice is in it',
    );
    expect(error.suggestions[0]).toBe('offboard it first: estate account offboard dev-alice');
  });

  it('fails for an unknown old name (listing the offboarded ones) and for a new name already taken', () => {
    const text = recycled();
    const config = parseConfig(text);
    expect(() => handOverText(text, config, input({ from: 'dev-zed' }))).toThrow(
      '--recycle dev-zed: estate.yaml declares no account "dev-zed"',
    );
    expect(() =>
      handOverText(text, config, input({ account: { ...CAROL, name: 'logs' }, environment: undefined })),
    ).toThrow('--recycle dev-alice: estate.yaml already declares an account "logs" (accounts[0])');
  });
});
