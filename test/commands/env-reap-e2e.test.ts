/**
 * `estate env reap` end to end: the real CLI in-process, the engine, the adapters (and
 * toolkit-lib for the deploys) against the loopback emulator's CloudFormation, S3, SSM,
 * CloudWatch, SNS and STS. Two environments in two accounts; one is given an expiry with
 * `env schedule --expires` and, once it has passed, is destroyed,
 * the other is kept; a failing delete exits 1 once and is then reported blocked, not retried.
 * Each step builds on the previous one (one estate for the file).
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { EXAMPLE, estate } from '../_helpers/cli.js';
import { emulatedEstate, type EmulatedEstate } from '../_helpers/estate-emulator.js';

const MGMT = '111111111111';
const IDS: Record<string, string> = {
  logs: '100000000001',
  monitoring: '100000000002',
  prod: '200000000001',
  'prod-acme': '200000000002',
  integration: '300000000001',
  'dev-alice': '400000000001',
  'dev-bob': '400000000002',
};
const REGION = 'eu-west-2';
const STEP = 300_000;

let cloud: EmulatedEstate;
const run = (args: string[]) => estate(args, { env: cloud.env, cwd: cloud.dir });
const json = (stdout: string) => JSON.parse(stdout);
/** Gives the environment an expiry a moment from now with `env schedule --expires`, then waits until it has passed. */
async function expireSoon(env: string): Promise<void> {
  const at = new Date(Date.now() + 2_000);
  const r = await run(['env', 'schedule', env, '--expires', at.toISOString(), '--json']);
  expect(r.code, r.stderr).toBe(0);
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, at.getTime() - Date.now() + 50)));
}

beforeAll(async () => {
  const config = parse(await readFile(EXAMPLE, 'utf8'));
  for (const a of config.accounts) a.id = IDS[a.name];
  config.environments = [
    {
      name: 'alice',
      account: 'dev-alice',
      blueprints: ['auth', 'data', 'api-lambda'],
      size: 'dev',
      owner: 'alice@recall.example.com',
      ttl: '72h',
    },
    { name: 'bob', account: 'dev-bob', blueprints: ['data'], size: 'dev', owner: 'bob@recall.example.com' },
  ];
  cloud = await emulatedEstate(config, MGMT);
}, 60_000);
afterAll(() => cloud?.close());

describe('estate env reap, end to end against the emulator', () => {
  it(
    'Given alice and bob deployed and nothing due, When reaped, Then nothing is deleted and exit 0',
    async () => {
      const deployed = await run(['env', 'deploy', 'alice', 'bob', '--approve', 'never', '--json']);
      expect(deployed.code, deployed.stderr).toBe(0);
      const r = await run(['env', 'reap', '--json']);
      expect(r.code, r.stderr).toBe(0);
      const doc = json(r.stdout);
      expect(doc.ok).toBe(true);
      expect(doc.reaped).toEqual([]);
      expect(doc.kept.map((k: any) => k.environment).sort()).toEqual(['alice', 'bob']);
      expect(cloud.cloudformation.log.some((q) => q.op === 'DeleteStack')).toBe(false);
    },
    STEP,
  );

  it(
    'Given alice expired, When reaped with --dry-run, Then it would be destroyed and every stack is still there',
    async () => {
      await expireSoon('alice');
      const r = await run(['env', 'reap', '--dry-run', '--json']);
      expect(r.code, r.stderr).toBe(0);
      const doc = json(r.stdout);
      expect(doc.reaped).toEqual([
        expect.objectContaining({
          environment: 'alice',
          reason: 'expired',
          action: 'destroy',
          status: 'dry-run',
        }),
      ]);
      expect(cloud.cloudformation.stack(IDS['dev-alice']!, REGION, 'alice-data')).toBeDefined();
      expect(cloud.cloudformation.log.some((q) => q.op === 'DeleteStack')).toBe(false);
    },
    STEP,
  );

  it(
    'Given alice expired, When reaped, Then alice is destroyed with a saving line, bob is kept, exit 0',
    async () => {
      const r = await run(['env', 'reap']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/alice in dev-alice \(400000000001\): destroyed \(expired at /);
      expect(r.stdout).toMatch(/bob in dev-bob \(400000000002\): /);
      expect(r.stdout).toMatch(
        /Estimated saving: ~\$\d+\.\d\d\/month \(USD prices of \d{4}-\d{2}-\d{2}, [a-z0-9-]+\)/,
      );
      expect(cloud.cloudformation.stack(IDS['dev-alice']!, REGION, 'alice-data')).toBeUndefined();
      expect(cloud.cloudformation.stack(IDS['dev-alice']!, REGION, 'alice-api-lambda')).toBeUndefined();
      expect(cloud.cloudformation.stack(IDS['dev-bob']!, REGION, 'bob-data')).toBeDefined();

      const again = await run(['env', 'reap', '--json']);
      expect(again.code).toBe(0);
      expect(json(again.stdout).reaped).toEqual([]);
    },
    STEP,
  );

  it(
    'Given bob expired and its table failing to delete, When reaped, Then exit 1 with the resource; the next run reports it blocked, does not retry it, exit 0',
    async () => {
      cloud.cloudformation.faults.push({
        stackName: 'bob-data',
        resourceType: 'AWS::DynamoDB::GlobalTable',
        operation: 'delete',
        reason: 'Table bob-users is in use by a replica',
      });
      await expireSoon('bob');
      const r = await run(['env', 'reap', '--json']);
      expect(r.code).toBe(1);
      const doc = json(r.stdout);
      expect(doc.ok).toBe(false);
      expect(doc.failed).toEqual([
        expect.objectContaining({
          environment: 'bob',
          reason: expect.stringContaining('in use by a replica'),
        }),
      ]);

      const deletes = () =>
        cloud.cloudformation.log.filter((q) => q.op === 'DeleteStack' && q.input.StackName === 'bob-data')
          .length;
      const before = deletes();
      const next = await run(['env', 'reap', '--json']);
      expect(next.code, next.stderr).toBe(0);
      const blocked = json(next.stdout);
      expect(blocked.failed).toEqual([]);
      expect(blocked.blocked).toEqual([
        expect.objectContaining({
          environment: 'bob',
          blocker: expect.stringContaining('in use by a replica'),
        }),
      ]);
      expect(deletes()).toBe(before);
    },
    STEP,
  );

  it('Given a malformed --idle-for, When reaped, Then a usage error names the flag, exit 2', async () => {
    const r = await run(['env', 'reap', '--idle-for', 'soon', '--json']);
    expect(r.code).toBe(2);
    expect(json(r.stdout).error.message).toContain('--idle-for "soon" is not a duration');
  });
});
