import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseConfig } from '../../src/config/loader.js';
import { EXAMPLE, ROOT, estate, tempDir } from '../_helpers/cli.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ dir, cleanup } = await tempDir()));
afterAll(async () => cleanup());

describe('estate (top level)', () => {
  it('prints its version', async () => {
    const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8'));
    const r = await estate(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`estate/${pkg.version}`);
  });

  it('prints its version for -v and `estate version`, and help for -h', async () => {
    const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8'));
    const short = await estate(['-v']);
    expect(short.code).toBe(0);
    expect(short.stdout).toContain(`estate/${pkg.version}`);
    const command = await estate(['version']);
    expect(command.code).toBe(0);
    expect(command.stdout.trim()).toBe(short.stdout.trim());
    const json = await estate(['version', '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ name: 'estate', version: pkg.version });
    const help = await estate(['-h']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('USAGE');
    expect((await estate(['plan', '-h'])).stdout).toContain('--detailed-exitcode');
  });

  it('lists topics and commands in --help', async () => {
    const r = await estate(['--help']);
    expect(r.code).toBe(0);
    for (const word of ['config', 'graph', 'init', 'autocomplete']) expect(r.stdout).toContain(word);
  });

  it('shows topic help', async () => {
    const r = await estate(['config', '--help']);
    expect(r.stdout).toContain('config validate');
    expect(r.stdout).toContain('config schema');
  });

  it('fails with 127 and a pointer to help on an unknown command', async () => {
    const r = await estate(['grahp']);
    expect(r.code).toBe(127);
    expect(r.stderr).toMatch(/grahp is not a estate command/);
    // In CI there is no prompt, so the suggestion is printed.
    expect(r.stderr).toContain('Did you mean `estate graph`?');
    const topic = await estate(['config', 'validat']);
    expect(topic.stderr).toContain('Did you mean `estate config validate`?');
    expect((await estate(['zzzzzzz'])).stderr).not.toContain('Did you mean');
  });

  it('exits 2 naming an unknown flag', async () => {
    const r = await estate(['graph', '--bogus']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Nonexistent flag: --bogus');
  });
});

describe('estate config validate', () => {
  it('accepts the example estate and summarises it', async () => {
    const r = await estate(['config', 'validate', '--config', EXAMPLE]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/is valid: 7 accounts in 6 OUs, 3 environments, 5 policies/);
  });

  it('prints exactly one JSON document with --json', async () => {
    const r = await estate(['config', 'validate', '--config', EXAMPLE, '--json']);
    expect(JSON.parse(r.stdout)).toMatchObject({
      valid: true,
      accounts: 7,
      organizationalUnits: 6,
      environments: 3,
    });
    expect(r.stderr).toBe('');
  });

  it('reads the config path from ESTATE_CONFIG and --json from ESTATE_JSON', async () => {
    const r = await estate(['config', 'validate'], { env: { ESTATE_CONFIG: EXAMPLE, ESTATE_JSON: '1' } });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).valid).toBe(true);
  });

  it('lists every problem with file and line, exits 2', async () => {
    const file = join(dir, 'broken.yaml');
    const text = (await readFile(EXAMPLE, 'utf8'))
      .replace(
        'kind: developer\n    ou: Sandbox\n    owner: bob',
        'kind: developr\n    ou: Sandbox\n    owner: bob',
      )
      .replace('ttl: 72h', 'ttl: forever');
    await writeFile(file, text);
    const r = await estate(['config', 'validate', '--config', file]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/broken\.yaml has 2 problems/);
    expect(r.stderr).toMatch(/broken\.yaml:\d+: accounts\[6\]\.kind: must be one of/);
    expect(r.stderr).toMatch(/broken\.yaml:\d+: environments\[0\]\.ttl: TTL must be/);
  });

  it('reports problems as data with --json', async () => {
    const file = join(dir, 'bad.yaml');
    await writeFile(file, 'version: 1\norganization: {}\n');
    const r = await estate(['config', 'validate', '--config', file, '--json']);
    expect(r.code).toBe(2);
    const out = JSON.parse(r.stdout);
    expect(out.ok).toBe(false);
    expect(out.error.code).toBe('InvalidConfig');
    expect(
      out.error.details.problems.some((p: { path: string }) => p.path === 'organization.homeRegion'),
    ).toBe(true);
  });

  it('says how to get a config when there is none', async () => {
    const r = await estate(['config', 'validate'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no config at .*estate\.yaml/);
    expect(r.stderr).toMatch(/estate init/);
    // The bundled example is named from the package, so the hint works in any folder.
    const hint = /the bundled example: --config (\S+)/.exec(r.stderr)?.[1];
    expect(hint).toBe(EXAMPLE);
    const followed = await estate(['config', 'validate', '--config', hint!], { cwd: dir });
    expect(followed.code).toBe(0);
  });
});

describe('estate graph', () => {
  it('renders the example as Mermaid with OUs, accounts, budgets and environments', async () => {
    const r = await estate(['graph', '--config', EXAMPLE]);
    expect(r.code).toBe(0);
    expect(r.stdout.startsWith('flowchart LR')).toBe(true);
    expect(r.stdout).toContain('ou_Workloads --> ou_Workloads_Production');
    expect(r.stdout).toContain(
      'acct_dev_alice(["dev-alice<br/>developer<br/>alice@recall.example.com<br/>$100/mo"])',
    );
    expect(r.stdout).toContain(
      'acct_prod_acme(["prod-acme<br/>prod-single-tenant<br/>platform@recall.example.com<br/>$1500/mo"])',
    );
    expect(r.stdout).toContain('env_production -. deploys into .-> acct_prod');
    expect(r.stdout).toContain('env_alice__api_lambda["api-lambda"]');
    // The environment shows its lifetime: the ttl and the up window in its zone.
    expect(r.stdout).toContain('ttl 72h<br/>up Mon-Fri 08:00-19:00 Europe/London');
  });

  it('renders Graphviz dot', async () => {
    const r = await estate(['graph', '--config', EXAMPLE, '--format', 'dot']);
    expect(r.stdout).toMatch(/^digraph estate \{/);
    expect(r.stdout).toContain('ou_Sandbox -> acct_dev_bob;');
    expect(r.stdout.trim().endsWith('}')).toBe(true);
    // Line breaks in labels are dot's \\n escape, never an escaped backslash (a literal "\\n").
    expect(r.stdout).toContain(
      'acct_dev_alice [label="dev-alice\\ndeveloper\\nalice@recall.example.com\\n$100/mo", shape=box, style=rounded];',
    );
    expect(r.stdout).toContain(
      'env_production [label="production (prod)\\neu-west-2\\nplatform@recall.example.com\\nprotected"',
    );
    expect(r.stdout).not.toContain('\\\\n');
  });

  it('returns the graph as data with --json', async () => {
    const r = await estate(['graph', '--config', EXAMPLE, '--json']);
    const graph = JSON.parse(r.stdout);
    expect(graph.nodes.filter((n: { type: string }) => n.type === 'account')).toHaveLength(7);
    expect(graph.nodes.find((n: { id: string }) => n.id === 'env_production').attributes).toMatchObject({
      size: 'prod',
      protected: true,
    });
    expect(graph.nodes.find((n: { id: string }) => n.id === 'env_alice').attributes).toMatchObject({
      ttl: '72h',
      schedule: 'Mon-Fri 08:00-19:00 Europe/London',
      executor: 'ci',
    });
  });

  it('rejects an unknown format, listing the valid ones', async () => {
    const r = await estate(['graph', '--config', EXAMPLE, '--format', 'svg']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/mermaid, dot, json/);
  });
});

describe('estate init', () => {
  it('writes a valid estate.yaml from flags in a non-interactive run', async () => {
    const out = join(dir, 'init-flags.yaml');
    const r = await estate([
      'init',
      '--out',
      out,
      '--template',
      'recall',
      '--email-domain',
      'example.com',
      '--home-region',
      'eu-west-2',
      '--developer',
      'alice',
      '--developer',
      'bob',
      '--budget',
      'developer=75',
      '--hosted-zone-id',
      'Z0123456789ABC',
      '--yes',
      '--json',
    ]);
    expect(r.code).toBe(0);
    const text = await readFile(out, 'utf8');
    const config = parseConfig(text);
    expect(config.organization).toMatchObject({
      name: 'example',
      homeRegion: 'eu-west-2',
      governedRegions: ['eu-west-2', 'us-east-1'],
      emailPattern: 'aws+{account}@example.com',
    });
    expect(config.accounts.filter((a) => a.kind === 'developer').map((a) => a.name)).toEqual([
      'dev-alice',
      'dev-bob',
    ]);
    expect(config.budgets?.byKind.developer?.monthlyUsd).toBe(75);
    expect(config.budgets?.byKind.logs?.monthlyUsd).toBe(150);
    expect(config.budgets?.alertEmails).toEqual(['aws+budgets@example.com']);
    expect(new Set(config.accounts.map((a) => a.kind)).size).toBe(6);
    expect(text.split('\n')[0]).toContain('$schema=./estate.schema.json');
    expect(JSON.parse(await readFile(join(dir, 'estate.schema.json'), 'utf8')).title).toBe('estate.yaml');
    expect(JSON.parse(r.stdout).file).toBe(out);
  });

  it('fails at once naming the flag when an answer is missing in CI', async () => {
    const out = join(dir, 'init-missing.yaml');
    const r = await estate([
      'init',
      '--out',
      out,
      '--template',
      'minimal',
      '--email-domain',
      'example.com',
      '--yes',
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/the home region is required in a non-interactive run: pass --home-region/);
    await expect(readFile(out)).rejects.toThrow();
  });

  it('names every missing flag in one error, not one per run', async () => {
    const out = join(dir, 'init-all-missing.yaml');
    const r = await estate(['init', '--out', out, '--yes']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /3 answers are required in a non-interactive run: pass --email-domain, --home-region, --hosted-zone-id/,
    );
    expect(r.stderr).toContain('--email-domain <domain> (or --email-pattern): the root e-mail domain');
    expect(r.stderr).toContain('--home-region <region>: the home region');
    expect(r.stderr).toContain('--hosted-zone-id <id>: the Route 53 hosted zone id of the production domain');
    const json = await estate(['init', '--out', out, '--json']);
    expect(JSON.parse(json.stdout).error.details.missing).toEqual([
      '--template <recall|minimal>',
      '--email-domain <domain> (or --email-pattern)',
      '--org-name <name>',
      '--home-region <region>',
      '--governed-region <region>',
      '--developer <handle>',
      '--budget <kind=usd>',
      '--alert-email <address>',
      '--app-domain <domain>',
      '--hosted-zone-id <id>',
      '--hosted-zone-name <zone>',
      '--sender-email <address>',
    ]);
    await expect(readFile(out)).rejects.toThrow();
  });

  it('fails without --yes when an answer with a default was not given', async () => {
    const r = await estate([
      'init',
      '--out',
      join(dir, 'x.yaml'),
      '--email-domain',
      'example.com',
      '--home-region',
      'eu-west-2',
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/pass --template/);
  });

  it('refuses to overwrite an existing file unless --force', async () => {
    const out = join(dir, 'existing.yaml');
    await writeFile(out, 'keep me');
    const args = [
      'init',
      '--out',
      out,
      '--template',
      'minimal',
      '--email-domain',
      'example.com',
      '--home-region',
      'eu-west-1',
      '--yes',
    ];
    const refused = await estate(args);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/already exists/);
    expect(await readFile(out, 'utf8')).toBe('keep me');
    const forced = await estate([...args, '--force']);
    expect(forced.code).toBe(0);
    expect(parse(await readFile(out, 'utf8')).organization.homeRegion).toBe('eu-west-1');
  });

  it('rejects bad flag values naming the flag', async () => {
    const base = ['init', '--out', join(dir, 'init-bad.yaml'), '--template', 'minimal', '--yes'];
    expect(
      (await estate([...base, '--email-domain', 'example.com', '--home-region', 'mars-1'])).stderr,
    ).toMatch(/--home-region "mars-1"/);
    expect(
      (
        await estate([
          ...base,
          '--email-domain',
          'example.com',
          '--home-region',
          'eu-west-2',
          '--budget',
          'developer=-3',
        ])
      ).stderr,
    ).toMatch(/--budget developer=-3: the amount must be a positive number/);
    expect(
      (
        await estate([
          ...base,
          '--email-domain',
          'example.com',
          '--home-region',
          'eu-west-2',
          '--developer',
          'Alice',
        ])
      ).stderr,
    ).toMatch(/--developer "Alice"/);
  });
});
