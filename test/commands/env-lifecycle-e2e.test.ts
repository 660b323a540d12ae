/**
 * env down | up | schedule | extend end to end: the real CLI in-process, the engine, the
 * adapters and the real toolkit-lib (for the first deploy) against the loopback emulator's
 * CloudFormation, S3, SSM and STS. The bundled example's developer environment (alice) and its
 * protected production environment are deployed once; each step builds on the previous one.
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
const ALICE = IDS['dev-alice']!;
const REGION = 'eu-west-2';
const STEP = 300_000;

let cloud: EmulatedEstate;
const run = (args: string[]) => estate(args, { env: cloud.env, cwd: cloud.dir });
const json = (stdout: string) => JSON.parse(stdout);

/** alice's live stacks in the emulator (both regions), by name. */
function aliceStacks() {
  const out = new Map<string, any>();
  for (const region of [REGION, 'us-east-1'])
    for (const name of [
      'alice-edge',
      'alice-auth',
      'alice-data',
      'alice-api-lambda',
      'alice-ai',
      'alice-observability',
    ]) {
      const s = cloud.cloudformation.stack(ALICE, region, name);
      if (s && s.status !== 'DELETE_COMPLETE') out.set(name, s);
    }
  return out;
}
const tag = (s: any, key: string) => s.tags.find((t: any) => t.Key === key)?.Value as string | undefined;
const records = () =>
  cloud.ssm
    .names(ALICE, REGION)
    .filter((n) => n.startsWith('/estate/env/alice/stacks/'))
    .map((n) => JSON.parse(cloud.ssm.get(ALICE, REGION, n)!.Value));

beforeAll(async () => {
  const config = parse(await readFile(EXAMPLE, 'utf8'));
  for (const a of config.accounts) a.id = IDS[a.name];
  cloud = await emulatedEstate(config, MGMT);
}, 60_000);
afterAll(() => cloud.close());

describe('estate env down | up | schedule | extend, end to end against the emulator', () => {
  let before: Record<string, any>;
  let stateless: string[];

  it(
    'Given alice and production deployed, Then each of alice’s stacks has a record naming its role and its template in the bootstrap bucket',
    async () => {
      const r = await run(['env', 'deploy', 'alice', 'production', '--approve', 'never', '--json']);
      expect(r.code).toBe(0);
      before = json(r.stdout).environments.find((e: any) => e.environment === 'alice');
      const recs = records();
      expect(recs.map((x: any) => x.name).sort()).toEqual([...aliceStacks().keys()].sort());
      stateless = recs.filter((x: any) => x.role === 'stateless').map((x: any) => x.name);
      expect(stateless).toContain('alice-api-lambda');
      expect(recs.find((x: any) => x.name === 'alice-data').role).toBe('stateful');
      for (const x of recs) expect(cloud.s3.object(x.template.bucket, x.template.key)).toBeDefined();
      // estate.yaml's window and executor, on every stack of the environment.
      for (const s of aliceStacks().values()) {
        expect(tag(s, 'estate:schedule')).toBe('Mon-Fri 08:00-19:00 Europe/London');
        expect(tag(s, 'estate:executor')).toBe('ci');
      }
    },
    STEP,
  );

  it(
    'When alice is taken down, Then its stateless stacks are deleted and data and auth stay, with the DynamoDB table',
    async () => {
      const declined = await run(['env', 'down', 'alice', '--json']);
      expect(declined.code).toBe(2);
      expect(json(declined.stdout).error).toMatchObject({ code: 'MissingFlag' });
      expect(json(declined.stdout).error.message).toContain('--yes');
      expect(aliceStacks().has('alice-api-lambda')).toBe(true);

      const r = await run(['env', 'down', 'alice', '--yes', '--json']);
      expect(r.code).toBe(0);
      const e = json(r.stdout).environments[0];
      expect(e.status).toBe('done');
      const live = aliceStacks();
      for (const name of stateless) expect(live.has(name)).toBe(false);
      expect(live.has('alice-data')).toBe(true);
      expect(live.has('alice-auth')).toBe(true);
      const data = live.get('alice-data');
      expect([...data.resources.values()].some((res: any) => /DynamoDB/.test(res.type))).toBe(true);
      expect(e.stacks.find((s: any) => s.stack === 'alice-data')).toMatchObject({
        status: 'kept',
        role: 'stateful',
      });
      expect(records()).toHaveLength(
        before.stacks.filter((s: any) => s.stack !== 'estate-bedrock-logging').length,
      );

      const again = await run(['env', 'down', 'alice', '--yes']);
      expect(again.code).toBe(0);
      expect(again.stdout).toContain('already down');
    },
    STEP,
  );

  it(
    'When alice is brought up, Then the deleted stacks are re-created from their records, the kept stacks’ outputs are unchanged and every endpoint is back',
    async () => {
      const r = await run(['env', 'up', 'alice', '--json']);
      expect(r.code).toBe(0);
      const e = json(r.stdout).environments[0];
      expect(e.status).toBe('done');
      expect(
        e.stacks
          .filter((s: any) => s.status === 'created')
          .map((s: any) => s.stack)
          .sort(),
      ).toEqual([...stateless].sort());
      const live = aliceStacks();
      for (const name of stateless) expect(live.get(name).status).toBe('CREATE_COMPLETE');
      expect(Object.keys(e.endpoints).sort()).toEqual(Object.keys(before.endpoints).sort());
      // What the kept stacks hold (site, users) is the same; the re-created HTTP API gets a new generated id, as in AWS.
      for (const k of ['siteUrl', 'userPoolId', 'userPoolClientId'])
        expect(e.endpoints[k]).toBe(before.endpoints[k]);
      expect(e.endpoints.apiUrl).toMatch(/^https:\/\/alice-api-lambda-.*apigatewayv2/);
      expect(tag(live.get('alice-api-lambda'), 'estate:expires-at')).toBe(
        tag(live.get('alice-data'), 'estate:expires-at'),
      );
      expect(tag(live.get('alice-api-lambda'), 'estate:env')).toBe('alice');

      const text = await run(['env', 'up', 'alice']);
      expect(text.code).toBe(0);
      expect(text.stdout).toContain('every recorded stack is up');
    },
    STEP,
  );

  it(
    'When alice is scheduled with --ttl 24h and extended --by 24h, Then estate:expires-at changes on every stack; only with --force for someone not its owner',
    async () => {
      const start = Date.now();
      const r = await run(['env', 'schedule', 'alice', '--ttl', '24h', '--json']);
      expect(r.code).toBe(0);
      const doc = json(r.stdout);
      const expires = Date.parse(doc.expiresAt);
      expect(expires).toBeGreaterThanOrEqual(start + 24 * 3600_000 - 1000);
      expect(expires).toBeLessThanOrEqual(Date.now() + 24 * 3600_000 + 1000);
      for (const s of aliceStacks().values()) expect(tag(s, 'estate:expires-at')).toBe(doc.expiresAt);

      const notOwner = await run(['env', 'extend', 'alice', '--by', '24h', '--json']);
      expect(notOwner.code).toBe(2);
      expect(notOwner.stdout + notOwner.stderr).toContain('--force');

      const extended = await run(['env', 'extend', 'alice', '--by', '24h', '--force', '--json']);
      expect(extended.code).toBe(0);
      const next = json(extended.stdout).expiresAt;
      expect(Date.parse(next) - expires).toBe(24 * 3600_000);
      for (const s of aliceStacks().values()) expect(tag(s, 'estate:expires-at')).toBe(next);
    },
    STEP,
  );

  it(
    'When the protected production environment is scheduled, Then it is refused naming why, and its stacks are unchanged',
    async () => {
      const prod = cloud.cloudformation.stack(IDS.prod!, REGION, 'production-data')!;
      const tagsBefore = structuredClone(prod.tags);
      const r = await run(['env', 'schedule', 'production', '--ttl', '24h', '--json']);
      expect(r.code).toBe(2);
      expect(r.stdout + r.stderr).toMatch(/production.*(protected|production)/);
      expect(cloud.cloudformation.stack(IDS.prod!, REGION, 'production-data')!.tags).toEqual(tagsBefore);
      expect(cloud.cloudformation.log.some((q) => q.op === 'UpdateStack' && q.account === IDS.prod)).toBe(
        false,
      );
    },
    STEP,
  );
});
