/**
 * `estate env …` usage errors: each is refused before any AWS call (no credentials, no
 * endpoint here: a call would fail differently), names the flag or value, and lists the
 * valid ones. Exit 2, and under --json exactly one error document.
 */
import { describe, expect, it } from 'vitest';
import { EXAMPLE, estate } from '../_helpers/cli.js';

const ENVS = 'alice, integration, production';

describe('estate env: usage errors before any AWS call', () => {
  it.each([
    ['deploy', ['env', 'deploy', 'alice', 'nobody']],
    ['destroy', ['env', 'destroy', 'nobody', '--yes']],
    ['diff', ['env', 'diff', 'nobody']],
    ['status', ['env', 'status', 'nobody']],
  ])(
    'Given an unknown environment, When env %s runs, Then it exits 2 listing the environments',
    async (_, args) => {
      const r = await estate([...args, '--config', EXAMPLE]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('no environment "nobody" in estate.yaml');
      expect(r.stderr).toContain(`environments: ${ENVS}`);
      expect(r.stdout).toBe('');
    },
  );

  it('Given --blueprint that no chosen environment has, When deploying, Then it exits 2 listing the valid ones', async () => {
    const r = await estate([
      'env',
      'deploy',
      'alice',
      '--blueprint',
      'api-eks',
      '--config',
      EXAMPLE,
      '--json',
    ]);
    expect(r.code).toBe(2);
    const error = JSON.parse(r.stdout).error;
    expect(error.code).toBe('UnknownBlueprint');
    expect(error.message).toBe(
      '--blueprint api-eks: not a blueprint of alice; valid here: edge, auth, data, api-lambda, ai, observability',
    );
  });

  it('Given --blueprint that is no blueprint at all, When deploying, Then it says so', async () => {
    const r = await estate(['env', 'deploy', 'alice', '--blueprint', 'dtaa', '--config', EXAMPLE]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--blueprint dtaa: not a blueprint; valid here:');
  });

  it('Given --account that estate.yaml does not declare, When listing, Then it exits 2 listing the accounts', async () => {
    const r = await estate(['env', 'list', '--account', 'nobody', '--config', EXAMPLE, '--json']);
    expect(r.code).toBe(2);
    const doc = JSON.parse(r.stdout);
    expect(doc.error.code).toBe('UnknownAccount');
    expect(doc.error.message).toContain(
      'accounts: logs, monitoring, prod, prod-acme, integration, dev-alice, dev-bob',
    );
  });

  it('Given --approve with an unknown policy, When deploying, Then it exits 2 naming the choices', async () => {
    const r = await estate(['env', 'deploy', 'alice', '--approve', 'sometimes', '--config', EXAMPLE]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--approve');
    expect(r.stderr).toContain('broadening, any, never');
  });

  it('Given --concurrency 0, When deploying, Then it exits 2', async () => {
    const r = await estate(['env', 'deploy', 'alice', '--concurrency', '0', '--config', EXAMPLE]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('concurrency');
  });

  it('Given no environment, When deploying or destroying, Then it exits 2 asking for one', async () => {
    for (const verb of ['deploy', 'destroy']) {
      const r = await estate(['env', verb, '--config', EXAMPLE]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('Missing 1 required arg');
    }
  });

  it('Given a misspelt flag, When deploying (which takes several environments), Then it is a flag error, not an environment', async () => {
    const r = await estate(['env', 'deploy', 'alice', '--blueprnt', 'data', '--config', EXAMPLE]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--blueprnt');
    expect(r.stderr).not.toContain('no environment');
  });

  it('Given the common AWS flags, When asking for help, Then every AWS-facing env command takes them', async () => {
    for (const verb of ['deploy', 'diff', 'destroy', 'list', 'status']) {
      const r = await estate(['env', verb, '--help']);
      expect(r.code).toBe(0);
      for (const flag of ['--timeout', '--profile', '--region', '--config', '--json'])
        expect(r.stdout).toContain(flag);
    }
  });

  it('Given the env topic, When asking for its help, Then it lists the five commands', async () => {
    const r = await estate(['env', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Deploy, diff, destroy, list and inspect environments');
    for (const verb of ['deploy', 'destroy', 'diff', 'list', 'status'])
      expect(r.stdout).toContain(`env ${verb}`);
  });
});
