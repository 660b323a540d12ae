/**
 * The controltower section end to end: the real CLI in-process, the engine, the adapters and
 * the real toolkit-lib against the loopback emulator (Organizations, CloudFormation with
 * StackSets and the AWS::ControlTower::* resources Control Tower's fake makes, IAM, S3, SSM).
 * From an empty organisation, one `estate apply` creates the organisation and its accounts,
 * then the governance, monitoring and baseline stacks; the next changes nothing. `--no-wait`
 * returns with the governance stack still being created.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { estate } from '../_helpers/cli.js';
import { emulatedEstate, type EmulatedEstate } from '../_helpers/estate-emulator.js';

const MGMT = '111111111111';
const STEP = 300_000;

const config = () => ({
  version: 1,
  organization: {
    name: 'acme',
    managementAccountId: MGMT,
    homeRegion: 'eu-west-2',
    governedRegions: ['eu-west-2'],
    emailPattern: 'aws+{account}@acme.example.com',
  },
  controlTower: {
    enabled: true,
    logArchiveAccount: 'logs',
    auditAccount: 'audit',
    accessManagement: false,
    controls: [{ ou: 'Sandbox', identifiers: ['AWS-GR_RESTRICT_ROOT_USER'] }],
  },
  organizationalUnits: [
    { name: 'Security' },
    { name: 'Workloads', children: [{ name: 'Production' }] },
    { name: 'Sandbox' },
  ],
  accounts: [
    { name: 'logs', kind: 'logs', ou: 'Security' },
    { name: 'audit', kind: 'monitoring', ou: 'Security' },
    { name: 'shop-prod', kind: 'prod-single-tenant', ou: 'Workloads/Production' },
    { name: 'dev-alice', kind: 'developer', ou: 'Sandbox', owner: 'alice@acme.example.com' },
  ],
  deployments: { executionPolicies: ['arn:aws:iam::aws:policy/AdministratorAccess'] },
});

let cloud: EmulatedEstate | undefined;
afterEach(async () => {
  await cloud?.close();
  cloud = undefined;
});

const run = (args: string[]) => estate(args, { env: cloud!.env, cwd: cloud!.dir });
const applied = (stdout: string) =>
  (JSON.parse(stdout).result?.results ?? []) as { address: string; status: string; message?: string }[];
const REGION = 'eu-west-2';

describe('estate apply: Control Tower, end to end against the emulator', () => {
  it(
    'Given an empty organisation, When applied, Then the organisation, then the governance, monitoring and baseline stacks are created, and a second apply changes nothing',
    async () => {
      cloud = await emulatedEstate(config(), MGMT);
      const r = await run(['apply', '--config', cloud.file, '--yes', '--json']);
      expect(r.code, r.stderr).toBe(0);
      const results = applied(r.stdout);
      expect(results.filter((x) => x.status !== 'applied')).toEqual([]);
      const addresses = results.map((x) => x.address);
      for (const a of [
        'organization',
        'ou:Workloads/Production',
        'account:audit',
        'stack:estate-governance',
        'stack:estate-monitoring',
        'stacksets:organizations-access',
        'stack:estate-baseline',
      ])
        expect(addresses).toContain(a);
      expect(addresses.indexOf('organization')).toBeLessThan(addresses.indexOf('stack:estate-governance'));

      const audit = cloud.fake.accountByName('audit')!.id;
      const stacks = cloud.cloudformation;
      expect(stacks.stack(MGMT, REGION, 'estate-governance')?.status).toMatch(/_COMPLETE$/);
      expect(stacks.stack(audit, REGION, 'estate-monitoring')?.status).toMatch(/_COMPLETE$/);
      expect(stacks.stack(MGMT, REGION, 'estate-baseline')?.status).toMatch(/_COMPLETE$/);
      // The landing zone exists, and the workload OUs are registered.
      expect(cloud.controltower.landingZones.size).toBe(1);
      const registered = [...cloud.controltower.baselines.values()].map((b) =>
        b.targetIdentifier.split('/').at(-1),
      );
      expect(registered.sort()).toEqual(
        [cloud.fake.idOfPath('Sandbox'), cloud.fake.idOfPath('Workloads/Production')].sort(),
      );

      // The StackSet reached every account of the workload OUs, and only those.
      const set = stacks.stackSets.find((x) => x.name === 'estate-baseline' && x.status === 'ACTIVE')!;
      expect([...set.instances.keys()].sort()).toEqual(
        [
          `${cloud.fake.accountByName('dev-alice')!.id}/${REGION}`,
          `${cloud.fake.accountByName('shop-prod')!.id}/${REGION}`,
        ].sort(),
      );

      const again = await run(['apply', '--config', cloud.file, '--yes', '--json']);
      expect(again.code, again.stderr).toBe(0);
      const doc = JSON.parse(again.stdout);
      expect(doc.applied).toBe(false);
      expect(doc.plan.changes.filter((c: { action: string }) => c.action !== 'drift')).toEqual([]);
    },
    STEP,
  );

  it(
    'Given access management on (the default), When applied, Then the landing zone comes first and the OU baselines take its Identity Center baseline, and a second apply changes nothing',
    async () => {
      const c = config();
      delete (c.controlTower as { accessManagement?: boolean }).accessManagement;
      cloud = await emulatedEstate(c, MGMT);
      const r = await run(['apply', '--config', cloud.file, '--yes', '--json']);
      expect(r.code, r.stderr).toBe(0);
      expect(applied(r.stdout).filter((x) => x.status !== 'applied')).toEqual([]);
      const all = [...cloud.controltower.baselines.values()];
      const identityCenter = all.find((b) => b.baselineIdentifier.endsWith('/LN25R72TTG6IGPTQ'))!;
      expect(identityCenter).toBeDefined();
      const ous = all.filter((b) => b.baselineIdentifier.endsWith('/17BSJV3IGJ2QSGA2'));
      expect(ous).toHaveLength(2);
      for (const b of ous)
        expect(b.parameters).toEqual([
          { Key: 'IdentityCenterEnabledBaselineArn', Value: identityCenter.arn },
        ]);
      const again = await run(['apply', '--config', cloud.file, '--yes', '--json']);
      expect(again.code, again.stderr).toBe(0);
      expect(
        JSON.parse(again.stdout).plan.changes.filter((x: { action: string }) => x.action !== 'drift'),
      ).toEqual([]);
    },
    STEP,
  );

  it(
    'Given --no-wait, When applied, Then the governance stack is started and reported so, and the next plan leaves it to finish',
    async () => {
      cloud = await emulatedEstate(config(), MGMT);
      const org = await run([
        'apply',
        '--config',
        cloud.file,
        '--section',
        'organization',
        '--yes',
        '--json',
      ]);
      expect(org.code, org.stderr).toBe(0);
      // From now on every stack operation stays in progress for a few reads.
      cloud.cloudformation.inProgressPolls = 3;
      cloud.cloudformation.changeSetPolls = 0;
      const r = await run([
        'apply',
        '--config',
        cloud.file,
        '--section',
        'controltower',
        '--yes',
        '--no-wait',
        '--json',
      ]);
      expect(r.code, r.stderr).toBe(0);
      const governance = applied(r.stdout).find((x) => x.address === 'stack:estate-governance');
      expect(governance).toMatchObject({
        status: 'applied',
        message: 'started; follow with `estate ct status`',
      });
      expect(cloud.cloudformation.stack(MGMT, REGION, 'estate-governance')?.status).toMatch(/_IN_PROGRESS$/);
      // The other platform stacks were waited for.
      const audit = cloud.fake.accountByName('audit')!.id;
      expect(cloud.cloudformation.stack(audit, REGION, 'estate-monitoring')?.status).toMatch(/_COMPLETE$/);

      const plan = await run(['plan', '--config', cloud.file, '--section', 'controltower', '--json']);
      expect(plan.code, plan.stderr).toBe(0);
      const change = JSON.parse(plan.stdout).changes.find(
        (c: { address: string }) => c.address === 'stack:estate-governance',
      );
      expect(change).toMatchObject({ action: 'drift' });
    },
    STEP,
  );
});
