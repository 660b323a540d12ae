/**
 * `estate account onboard <new> --recycle <old>` end to end: the real CLI in-process against
 * the loopback emulator. dev-dora is onboarded and offboarded (her account parked in the
 * suspended OU, tagged estate:recycled); then dev-erin is onboarded with --recycle dev-dora:
 * no account is created, dora's account goes back to the developer OU with erin as its owner,
 * estate.yaml's entry changes hands (comments kept), erin gets her access, budget and
 * environment; a second run does nothing.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { EmulatedEstate } from '../_helpers/estate-emulator.js';
import {
  KEPT_COMMENT,
  onboardingEstate,
  stepStatuses,
  type OnboardingEstate,
} from '../_helpers/onboarding-estate.js';

const MGMT = '111111111111';
const STEP = 300_000;
const ERIN = [
  'account',
  'onboard',
  'dev-erin',
  '--recycle',
  'dev-dora',
  '--owner',
  'erin@acme.example.com',
  '--sso-user',
  'erin@acme.example.com',
];

let cloud: EmulatedEstate;
let run: OnboardingEstate['run'];
let doraId: string;
const statuses = stepStatuses;
const dora = () => cloud.fake.accountByName('dev-dora')!;
const budgets = () => [...(cloud.budgets.accounts.get(MGMT)?.keys() ?? [])];

beforeAll(async () => {
  ({ cloud, run } = await onboardingEstate(MGMT, ['dora@acme.example.com', 'erin@acme.example.com']));
  const who = ['--owner', 'dora@acme.example.com', '--sso-user', 'dora@acme.example.com', '--yes', '--json'];
  const onboarded = await run(['account', 'onboard', 'dev-dora', ...who]);
  expect(onboarded.code, onboarded.stderr).toBe(0);
  doraId = dora().id;
}, STEP);
afterAll(() => cloud.close());

describe('estate account onboard --recycle, end to end against the emulator', () => {
  it(
    'Given dev-dora not offboarded, When recycling her account, Then it fails naming --recycle and the offboard command, and changes nothing',
    async () => {
      const before = await readFile(cloud.file, 'utf8');
      const r = await run([...ERIN, '--yes', '--json']);
      expect(r.code).toBe(1);
      const doc = JSON.parse(r.stdout);
      expect(statuses(doc)).toMatchObject({ config: 'failed', account: 'not-reached' });
      expect(doc.steps[0].detail).toContain('--recycle dev-dora');
      expect(doc.steps[0].detail).toContain('not in Suspended');
      expect(await readFile(cloud.file, 'utf8')).toBe(before);
      expect(cloud.fake.pathOf(dora().parentId)).not.toBe('Suspended');
    },
    STEP,
  );

  it(
    'Given dev-dora offboarded, When recycling with --dry-run, Then it says it would move her account back and nothing changes',
    async () => {
      const off = await run(['account', 'offboard', 'dev-dora', '--yes', '--json']);
      expect(off.code, off.stderr).toBe(0);
      const before = await readFile(cloud.file, 'utf8');
      const accounts = cloud.fake.accounts.size;
      const r = await run([...ERIN, '--dry-run', '--json']);
      expect(r.code, r.stderr).toBe(0);
      const doc = JSON.parse(r.stdout);
      expect(doc.steps.every((s: { status: string }) => s.status === 'planned')).toBe(true);
      const account = doc.steps.find((s: { step: string }) => s.step === 'account').detail;
      expect(account).toContain('from Suspended to');
      expect(account).not.toContain('create account');
      expect(await readFile(cloud.file, 'utf8')).toBe(before);
      expect(cloud.fake.accounts.size).toBe(accounts);
      expect(cloud.fake.pathOf(dora().parentId)).toBe('Suspended');
    },
    STEP,
  );

  it(
    "When onboarding dev-erin with --recycle dev-dora, Then dora's account is hers: no new account, moved back, retagged, her access, budget and environment",
    async () => {
      const accounts = cloud.fake.accounts.size;
      const r = await run([...ERIN, '--yes', '--json']);
      expect(r.code, r.stderr).toBe(0);
      const doc = JSON.parse(r.stdout);
      expect(statuses(doc)).toEqual({
        config: 'done',
        account: 'done',
        enrolment: 'skipped',
        budget: 'done',
        access: 'done',
        bootstrap: expect.stringMatching(/^(already|skipped)$/),
        environment: 'done',
      });
      expect(doc.welcome).toMatchObject({
        accountId: doraId,
        accountName: 'dev-erin',
        recycledFrom: 'dev-dora',
      });
      // AWS keeps the account's name and root e-mail; no account was created.
      expect(cloud.fake.accounts.size).toBe(accounts);
      expect(dora().id).toBe(doraId);
      const ou = cloud.fake.pathOf(dora().parentId);
      expect(ou).not.toBe('Suspended');
      const view = cloud.fake.view() as { accounts: { name: string; tags: Record<string, string> }[] };
      const tags = view.accounts.find((a) => a.name === 'dev-dora')!.tags;
      expect(tags['estate:owner']).toBe('erin@acme.example.com');
      expect(tags['estate:recycled']).toBeUndefined();
      expect(tags['estate:recycled-from']).toBe('dev-dora');
      expect(cloud.identityCenter.assignmentsOf(doraId)).toHaveLength(1);
      expect(budgets().some((n) => n.includes('dev-erin'))).toBe(true);
      expect(budgets().some((n) => n.includes('dev-dora'))).toBe(false);
      const text = await readFile(cloud.file, 'utf8');
      expect(text.startsWith(KEPT_COMMENT)).toBe(true);
      const config = parse(text);
      expect(config.accounts.some((a: { name: string }) => a.name === 'dev-dora')).toBe(false);
      expect(config.accounts.find((a: { name: string }) => a.name === 'dev-erin')).toMatchObject({
        id: doraId,
        ou,
        owner: 'erin@acme.example.com',
        tags: { 'estate:recycled-from': 'dev-dora' },
      });
      expect(config.environments.map((e: { name: string }) => e.name)).toContain('dev-erin-dev');
    },
    STEP,
  );

  it(
    'When the same recycle runs again, Then every step is already in place and estate.yaml is byte for byte the same',
    async () => {
      const before = await readFile(cloud.file, 'utf8');
      const r = await run([...ERIN, '--yes', '--json']);
      expect(r.code, r.stderr).toBe(0);
      const doc = JSON.parse(r.stdout);
      expect(statuses(doc)).toMatchObject({
        config: 'already',
        account: 'already',
        budget: 'already',
        access: 'already',
        environment: 'already',
      });
      expect(await readFile(cloud.file, 'utf8')).toBe(before);
      const applied = await run(['plan', '--json']);
      expect(applied.code, applied.stderr).toBe(0);
      // The whole estate agrees: nothing to create, move or retag for the handed-over account.
      const { changes } = JSON.parse(applied.stdout) as { changes: { address: string; summary: string }[] };
      expect(Array.isArray(changes)).toBe(true);
      expect(changes.filter((c) => /dev-(erin|dora)/.test(`${c.address} ${c.summary}`))).toEqual([]);
    },
    STEP,
  );
});
