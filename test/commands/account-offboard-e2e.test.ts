/**
 * `estate account offboard` end to end: the real CLI in-process against the loopback emulator.
 * A developer is onboarded, then offboarded: her environment goes, her Identity Center access
 * goes, estate.yaml marks the account recycled (comments kept) and declares the suspended OU's
 * deny-all SCP, and the account sits in that OU under it; a second run does nothing; --close
 * closes it only with the typed name.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { EmulatedEstate } from '../_helpers/estate-emulator.js';
import { onboardingEstate, stepStatuses, type OnboardingEstate } from '../_helpers/onboarding-estate.js';

const MGMT = '111111111111';
const STEP = 300_000;

let cloud: EmulatedEstate;
let run: OnboardingEstate['run'];
const statuses = stepStatuses;
/** The deny actions on dev-dora's budgets (in the management account). */
const actions = () =>
  [...(cloud.budgets.accounts.get(MGMT)?.entries() ?? [])]
    .filter(([name]) => name.includes('dev-dora'))
    .reduce((n, [, b]) => n + b.actions.size, 0);

beforeAll(async () => {
  ({ cloud, run } = await onboardingEstate(MGMT, ['dora@acme.example.com']));
  const onboarded = await run([
    'account',
    'onboard',
    'dev-dora',
    '--owner',
    'dora@acme.example.com',
    '--sso-user',
    'dora@acme.example.com',
    '--yes',
    '--json',
  ]);
  expect(onboarded.code, onboarded.stderr).toBe(0);
}, STEP);
afterAll(() => cloud.close());

describe('estate account offboard, end to end against the emulator', () => {
  it(
    'Given CI, --close and neither --yes nor --confirm-close, When offboarding, Then it names both at once and calls nothing',
    async () => {
      const before = cloud.fake.totalCalls();
      const r = await run(['account', 'offboard', 'dev-dora', '--close', '--json'], { CI: 'true' });
      expect(r.code).toBe(2);
      const { error } = JSON.parse(r.stdout);
      expect(error.code).toBe('MissingFlag');
      expect(error.message).toContain('--yes');
      expect(error.message).toContain('--confirm-close dev-dora');
      expect(cloud.fake.totalCalls()).toBe(before);
    },
    STEP,
  );

  it(
    'When offboarding dev-dora, Then her environment and access are gone and the account is recycled in the suspended OU under deny-all',
    async () => {
      const account = cloud.fake.accountByName('dev-dora')!;
      expect(cloud.identityCenter.assignmentsOf(account.id)).toHaveLength(1);
      expect(actions()).toBeGreaterThan(0);
      const r = await run(['account', 'offboard', 'dev-dora', '--yes', '--json']);
      expect(r.code, r.stderr).toBe(0);
      const doc = JSON.parse(r.stdout);
      expect(statuses(doc)).toEqual({
        environments: 'done',
        access: 'done',
        config: 'done',
        // The example estate enforces deny-new-resources on developers: the action goes.
        budget: 'done',
        organisation: 'done',
        close: 'skipped',
      });
      expect(cloud.identityCenter.assignmentsOf(account.id)).toHaveLength(0);
      const text = await readFile(cloud.file, 'utf8');
      expect(text.startsWith('# estate for acme: keep this comment\n')).toBe(true);
      const config = parse(text);
      const entry = config.accounts.find((a: any) => a.name === 'dev-dora');
      expect(entry.ou).toBe('Suspended');
      expect(entry.tags['estate:recycled']).toMatch(/^\d{4}-\d\d-\d\d$/);
      expect(config.environments.some((e: any) => e.account === 'dev-dora')).toBe(false);
      expect(config.policies).toContainEqual(
        expect.objectContaining({ builtin: 'deny-all', targets: ['Suspended'] }),
      );
      expect(cloud.fake.pathOf(cloud.fake.accountByName('dev-dora')!.parentId)).toBe('Suspended');
      const view = cloud.fake.view() as { policies: { name: string; targets: string[] }[] };
      expect(view.policies.find((p) => p.name === 'estate-deny-all')?.targets).toEqual(['ou:Suspended']);
    },
    STEP,
  );

  it(
    'When offboarding dev-dora again, Then every step is already in place and estate.yaml is byte for byte the same',
    async () => {
      const before = await readFile(cloud.file, 'utf8');
      const r = await run(['account', 'offboard', 'dev-dora', '--yes', '--json']);
      expect(r.code, r.stderr).toBe(0);
      expect(statuses(JSON.parse(r.stdout))).toEqual({
        environments: 'already',
        access: 'already',
        config: 'already',
        budget: 'already',
        organisation: 'already',
        close: 'skipped',
      });
      expect(await readFile(cloud.file, 'utf8')).toBe(before);
    },
    STEP,
  );

  it(
    'When the whole estate is applied after offboarding, Then the budget deny action of dev-dora does not come back',
    async () => {
      const budgets = () => [...(cloud.budgets.accounts.get(MGMT)?.keys() ?? [])];
      expect(actions()).toBe(0);
      const applied = await run(['apply', '--yes', '--json']);
      expect(applied.code, applied.stderr + applied.stdout.slice(0, 2000)).toBe(0);
      expect(actions()).toBe(0);
      expect(budgets().some((n) => n.includes('dev-dora'))).toBe(true);
      expect(cloud.fake.pathOf(cloud.fake.accountByName('dev-dora')!.parentId)).toBe('Suspended');
    },
    STEP,
  );

  it(
    'rejects --confirm-close with another name, then closes the account with its own name',
    async () => {
      const wrong = await run([
        'account',
        'offboard',
        'dev-dora',
        '--close',
        '--confirm-close',
        'dev-bob',
        '--yes',
        '--json',
      ]);
      expect(wrong.code).toBe(2);
      expect(JSON.parse(wrong.stdout).error.code).toBe('CloseNotConfirmed');
      expect(cloud.fake.accountByName('dev-dora')!.status).toBe('ACTIVE');
      const r = await run([
        'account',
        'offboard',
        'dev-dora',
        '--close',
        '--confirm-close',
        'dev-dora',
        '--yes',
        '--json',
      ]);
      expect(r.code, r.stderr).toBe(0);
      const doc = JSON.parse(r.stdout);
      expect(statuses(doc).close).toBe('done');
      expect(doc.warnings.join('\n')).toContain('10% of the member accounts');
      expect(doc.warnings.join('\n')).toContain('90 days');
      expect(cloud.fake.accountByName('dev-dora')!.status).toBe('SUSPENDED');
    },
    STEP,
  );
});
