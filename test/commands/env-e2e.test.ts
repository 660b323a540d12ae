/**
 * The env commands end to end: the real CLI in-process, the engine, the adapters and the real
 * toolkit-lib against the loopback emulator's CloudFormation, S3, SSM and STS. The bundled
 * example's three environments go to three emulated accounts; integration's DynamoDB table
 * is made to fail. Each step builds on the previous one (one estate for the file).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
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
const STEP = 300_000;

let cloud: EmulatedEstate;
let config: Record<string, any>;
const run = (args: string[]) => estate(args, { env: cloud.env, cwd: cloud.dir });
const json = (stdout: string) => JSON.parse(stdout);
const byName = (doc: { environments: { environment: string }[] }) =>
  Object.fromEntries(doc.environments.map((e) => [e.environment, e])) as Record<string, any>;

beforeAll(async () => {
  config = parse(await readFile(EXAMPLE, 'utf8'));
  for (const a of config.accounts) a.id = IDS[a.name];
  cloud = await emulatedEstate(config, MGMT, {
    faults: [
      {
        stackName: 'integration-data',
        resourceType: 'AWS::DynamoDB::GlobalTable',
        operation: 'create',
        reason: 'Table already exists: integration-users',
      },
    ],
  });
}, 60_000);
afterAll(() => cloud.close());

describe('estate env, end to end against the emulator', () => {
  it(
    'Given CI and the default --approve broadening, When deploying alice, Then stacks that broaden IAM are not deployed and the error names --approve never',
    async () => {
      const r = await run(['env', 'deploy', 'alice', '--json']);
      expect(r.code).toBe(1);
      const alice = byName(json(r.stdout)).alice;
      const declined = alice.stacks.filter((s: any) => s.status === 'declined');
      expect(declined.length).toBeGreaterThan(0);
      for (const s of declined) expect(s.reason).toContain('--approve never');
    },
    STEP,
  );

  it(
    'Given three environments in three accounts and one failing, When deployed with --json, Then the other two complete, all three are reported, exit 1',
    async () => {
      const r = await run([
        'env',
        'deploy',
        'alice',
        'integration',
        'production',
        '--approve',
        'never',
        '--json',
      ]);
      expect(r.code).toBe(1);
      const doc = json(r.stdout);
      expect(doc.ok).toBe(false);
      const envs = byName(doc);
      expect(Object.keys(envs).sort()).toEqual(['alice', 'integration', 'production']);
      expect(envs.alice).toMatchObject({ status: 'deployed', accountId: IDS['dev-alice'] });
      expect(envs.production).toMatchObject({ status: 'deployed', accountId: IDS.prod });
      expect(envs.integration.accountId).toBe(IDS.integration);
      expect(['failed', 'partial']).toContain(envs.integration.status);
      const data = envs.integration.stacks.find((s: any) => s.stack === 'integration-data');
      expect(data.status).toBe('failed');
      expect(data.failure).toMatchObject({ resourceType: 'AWS::DynamoDB::GlobalTable' });
      expect(data.failure.reason).toContain('Table already exists: integration-users');
      for (const s of envs.alice.stacks) expect(['deployed', 'unchanged']).toContain(s.status);
      // What a person needs, from the blueprints' outputs as the emulator evaluated them.
      expect(Object.keys(envs.alice.endpoints).sort()).toEqual([
        'apiUrl',
        'dashboardUrl',
        'siteUrl',
        'userPoolClientId',
        'userPoolId',
      ]);
      expect(envs.alice.endpoints.dashboardUrl).toContain('cloudwatch/home?region=eu-west-2#dashboards');
    },
    STEP,
  );

  it(
    'Given the same run without --json, Then all three outcomes are printed, the failure with its resource and reason, exit 1',
    async () => {
      const r = await run(['env', 'deploy', 'alice', 'integration', 'production', '--approve', 'never']);
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/alice → dev-alice \(400000000001, eu-west-2\): unchanged/);
      expect(r.stdout).toMatch(/production → prod \(200000000001, eu-west-2\): unchanged/);
      expect(r.stdout).toMatch(/integration → integration \(300000000001, eu-west-2\): (failed|partial)/);
      expect(r.stdout).toContain('Table already exists: integration-users');
      expect(r.stdout).toContain('Deployed 2 of 3 environments');
      // Progress went to stderr, per stack.
      expect(r.stderr).toContain('integration-data (300000000001, eu-west-2)');
    },
    STEP,
  );

  it(
    'Given a stack tagged for an environment estate.yaml does not declare, When listing, Then every environment is shown and that one is an orphan',
    async () => {
      cloud.cloudformation.onCreateStack(
        {
          StackName: 'pr-7-data',
          TemplateBody: JSON.stringify({ Resources: { Topic: { Type: 'AWS::SNS::Topic' } } }),
          Tags: [
            { Key: 'estate:env', Value: 'pr-7' },
            { Key: 'estate:blueprint', Value: 'data' },
            { Key: 'estate:owner', Value: 'bob@recall.example.com' },
          ],
        },
        IDS['dev-alice']!,
        'eu-west-2',
      );
      const r = await run(['env', 'list', '--json']);
      expect(r.code).toBe(0);
      const envs = byName(json(r.stdout));
      expect(Object.keys(envs).sort()).toEqual(['alice', 'integration', 'pr-7', 'production']);
      expect(envs['pr-7']).toMatchObject({
        orphan: true,
        account: 'dev-alice',
        owner: 'bob@recall.example.com',
      });
      expect(envs.alice).toMatchObject({
        orphan: false,
        protected: false,
        owner: 'alice@recall.example.com',
      });
      expect(envs.alice.expiresAt).toBeDefined();
      expect(envs.production).toMatchObject({ orphan: false, protected: true });

      const text = await run(['env', 'list', '--account', 'dev-alice']);
      expect(text.code).toBe(0);
      expect(text.stdout).toMatch(
        /^ENV\s+ACCOUNT\s+BLUEPRINTS\s+STATUS\s+AGE\s+OWNER\s+EXPIRES\s+NEXT\s+PROTECTED\s+ORPHAN/,
      );
      expect(text.stdout).toMatch(/pr-7\s+dev-alice \(400000000001\).*orphan/);
      expect(text.stdout).not.toContain('production');
    },
    STEP,
  );

  it(
    'Given alice deployed, When its status is asked, Then it shows its stacks, outputs and last deployer',
    async () => {
      const r = await run(['env', 'status', 'alice', '--json']);
      expect(r.code).toBe(0);
      const doc = json(r.stdout);
      expect(doc).toMatchObject({ environment: 'alice', accountId: IDS['dev-alice'], deployed: true });
      expect(doc.deployedBy).toContain(MGMT);
      expect(doc.stacks.map((s: any) => s.name)).toContain('alice-api-lambda');
      expect(
        Object.keys(doc.stacks.find((s: any) => s.name === 'alice-data').outputs).length,
      ).toBeGreaterThan(0);
      const text = await run(['env', 'status', 'alice']);
      expect(text.stdout).toContain('last deployed');
      expect(text.stdout).toContain('alice-api-lambda');
      expect(text.stdout).toContain('Outputs:');
    },
    STEP,
  );

  it(
    'Given alice deployed and unchanged, When diffed with --detailed-exitcode, Then exit 0 and every stack is unchanged',
    async () => {
      const r = await run(['env', 'diff', 'alice', '--detailed-exitcode', '--json']);
      expect(r.code).toBe(0);
      const doc = json(r.stdout);
      expect(doc.changes).toBe(false);
      expect(doc.stacks.map((s: any) => s.status)).toEqual(doc.stacks.map(() => 'unchanged'));
    },
    STEP,
  );

  it(
    'Given a config change to alice, When diffed with --detailed-exitcode, Then exit 2 with the stack changed and its resources listed',
    async () => {
      config.blueprints['api-lambda'].memoryMb = 1024;
      await writeFile(join(cloud.dir, 'estate.yaml'), stringify(config));
      const changed = await run(['env', 'diff', 'alice', '--detailed-exitcode', '--json']);
      expect(changed.code).toBe(2);
      const doc = json(changed.stdout);
      expect(doc.changes).toBe(true);
      const api = doc.stacks.find((s: any) => s.stack === 'alice-api-lambda');
      expect(api.status).toBe('changed');
      expect(api.diff.resources).toContainEqual(
        expect.objectContaining({ type: 'AWS::Lambda::Function', change: 'update' }),
      );
      const text = await run(['env', 'diff', 'alice']);
      expect(text.code).toBe(0);
      expect(text.stdout).toMatch(/alice-api-lambda \(api-lambda, eu-west-2\): changed \(.*1 changed/);
      expect(text.stdout).toMatch(/~ \S+ AWS::Lambda::Function changed/);
    },
    STEP,
  );

  it(
    'Given production is protected, When destroyed in CI without --force-protected, Then it is refused; with it, it is destroyed and what prod retains is listed',
    async () => {
      const refused = await run(['env', 'destroy', 'production', '--yes', '--json']);
      expect(refused.code).toBe(1);
      expect(byName(json(refused.stdout)).production).toMatchObject({ status: 'refused', protected: true });
      expect(cloud.cloudformation.stack(IDS.prod!, 'eu-west-2', 'production-data')).toBeDefined();

      const forced = await run(['env', 'destroy', 'production', '--force-protected', '--yes']);
      expect(forced.code).toBe(0);
      expect(forced.stdout).toContain(`production → prod (${IDS.prod}, eu-west-2): destroyed [protected]`);
      expect(forced.stdout).toContain('Retained by CloudFormation');
      expect(cloud.cloudformation.stack(IDS.prod!, 'eu-west-2', 'production-data')).toBeUndefined();
    },
    STEP,
  );

  it(
    'Given alice, When destroyed in CI without --yes, Then it fails at once naming --yes; with --yes it goes and the shared stack is kept',
    async () => {
      const declined = await run(['env', 'destroy', 'alice', '--json']);
      expect(declined.code).toBe(2);
      const { error } = json(declined.stdout);
      expect(error.code).toBe('MissingFlag');
      expect(error.message).toContain('--yes');
      expect(cloud.cloudformation.stack(IDS['dev-alice']!, 'eu-west-2', 'alice-data')).toBeDefined();

      const r = await run(['env', 'destroy', 'alice', '--yes', '--json']);
      expect(r.code).toBe(0);
      const stacks = byName(json(r.stdout)).alice.stacks;
      expect(stacks.find((s: any) => s.stack === 'estate-bedrock-logging').status).toBe('kept');
      expect(stacks.find((s: any) => s.stack === 'alice-data').status).toBe('destroyed');
      expect(cloud.cloudformation.stack(IDS['dev-alice']!, 'eu-west-2', 'alice-data')).toBeUndefined();
    },
    STEP,
  );

  it(
    'Given a deploy one stack at a time, When Ctrl-C comes as the first stack starts, Then it exits 130 with what was in flight and what never started',
    async () => {
      // The first CreateChangeSet of this run: a stack has started, the others wait (--concurrency 1).
      const seen = cloud.cloudformation.log.length;
      const watch = setInterval(() => {
        if (cloud.cloudformation.log.slice(seen).some((q) => q.op === 'CreateChangeSet')) {
          clearInterval(watch);
          process.emit('SIGINT');
        }
      }, 5);
      try {
        const r = await run(['env', 'deploy', 'alice', '--approve', 'never', '--concurrency', '1', '--json']);
        expect(r.code).toBe(130);
        const doc = json(r.stdout);
        expect(doc.interrupted).toBe(true);
        expect(doc.notStarted.length).toBeGreaterThan(0);
        expect(
          doc.inFlight.length + doc.environments[0].stacks.filter((s: any) => s.status === 'deployed').length,
        ).toBeGreaterThan(0);
      } finally {
        clearInterval(watch);
      }
    },
    STEP,
  );
});
