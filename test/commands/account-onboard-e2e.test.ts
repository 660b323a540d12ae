/**
 * `estate account onboard` end to end: the real CLI in-process against the loopback emulator
 * (Organizations, Budgets, Identity Center, CloudFormation, S3, SSM, STS). The estate is applied
 * first; then a developer is onboarded, which writes estate.yaml, creates the account, its budget,
 * the Identity Center assignment and deploys the first environment; a second run does nothing.
 * A second estate manages a landing zone it has not applied yet: onboarding skips the waits.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { EmulatedEstate } from '../_helpers/estate-emulator.js';
import {
  onboardArgs,
  onboardingEstate,
  stepStatuses,
  type OnboardingEstate,
} from '../_helpers/onboarding-estate.js';

const MGMT = '111111111111';
const STEP = 300_000;
const CAROL = onboardArgs('dev-carol', 'carol@acme.example.com');

let cloud: EmulatedEstate;
let run: OnboardingEstate['run'];
const statuses = stepStatuses;

beforeAll(async () => {
  ({ cloud, run } = await onboardingEstate(MGMT, ['carol@acme.example.com']));
}, STEP);
afterAll(() => cloud.close());

describe('estate account onboard, end to end against the emulator', () => {
  it(
    'Given CI and no --owner, --sso-user or --yes, When onboarding, Then it names all three at once and calls nothing',
    async () => {
      const before = cloud.fake.totalCalls();
      const r = await run(['account', 'onboard', 'dev-carol', '--json'], { CI: 'true' });
      expect(r.code).toBe(2);
      // Under --json the error is the one JSON document on stdout.
      const { error } = JSON.parse(r.stdout);
      expect(error.code).toBe('MissingFlag');
      expect(error.message).toContain('--owner');
      expect(error.message).toContain('--sso-user <email> or --sso-group <name>');
      expect(error.message).toContain('--yes');
      expect(cloud.fake.totalCalls()).toBe(before);
      expect(await readFile(cloud.file, 'utf8')).not.toContain('dev-carol');
    },
    STEP,
  );

  it(
    'When onboarding with --dry-run, Then every step is planned and neither estate.yaml nor AWS changes',
    async () => {
      const r = await run([...CAROL, '--dry-run', '--json']);
      expect(r.code, r.stderr).toBe(0);
      const doc = JSON.parse(r.stdout);
      expect(doc.steps.every((s: { status: string }) => s.status === 'planned')).toBe(true);
      expect(await readFile(cloud.file, 'utf8')).not.toContain('dev-carol');
      expect(cloud.fake.accountByName('dev-carol')).toBeUndefined();
    },
    STEP,
  );

  it(
    'When onboarding dev-carol, Then estate.yaml, the account, its budget, her access and her environment exist, with a welcome',
    async () => {
      const r = await run([...CAROL, '--yes', '--json']);
      expect(r.code, r.stderr).toBe(0);
      const doc = JSON.parse(r.stdout);
      expect(statuses(doc)).toEqual({
        config: 'done',
        account: 'done',
        enrolment: 'skipped',
        budget: 'done',
        access: 'done',
        bootstrap: 'skipped',
        environment: 'done',
      });
      const text = await readFile(cloud.file, 'utf8');
      expect(text.startsWith('# estate for acme: keep this comment\n')).toBe(true);
      expect(text).toContain('dev-carol-dev');
      const account = cloud.fake.accountByName('dev-carol')!;
      expect(account).toBeDefined();
      expect(cloud.fake.pathOf(account.parentId)).toBe(
        parse(text).accounts.find((a: any) => a.name === 'dev-carol').ou,
      );
      expect(cloud.identityCenter.assignmentsOf(account.id)).toHaveLength(1);
      // Her budget alerts reach her as well as the platform team.
      const budgets = [...cloud.budgets.accounts.values()].flatMap((m) => [...m.entries()]);
      const hers = budgets.find(([name]) => name.includes('dev-carol'));
      expect(hers, budgets.map(([n]) => n).join(', ')).toBeDefined();
      const subscribers = [...hers![1].notifications.values()].flatMap((n) =>
        n.subscribers.map((x) => x.Address),
      );
      expect(subscribers).toContain('carol@acme.example.com');
      expect(subscribers).toContain('finops@recall.example.com');
      expect(doc.welcome.accountId).toBe(account.id);
      expect(doc.welcome.profileSnippet).toContain(`sso_account_id = ${account.id}`);
      expect(doc.welcome.expiresAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    },
    STEP,
  );

  it(
    'When onboarding dev-carol again, Then every step is already in place and estate.yaml is byte for byte the same',
    async () => {
      const before = await readFile(cloud.file, 'utf8');
      const r = await run([...CAROL, '--yes', '--json']);
      expect(r.code, r.stderr).toBe(0);
      expect(statuses(JSON.parse(r.stdout))).toEqual({
        config: 'already',
        account: 'already',
        enrolment: 'skipped',
        budget: 'already',
        access: 'already',
        bootstrap: 'already',
        environment: 'already',
      });
      expect(await readFile(cloud.file, 'utf8')).toBe(before);
    },
    STEP,
  );
});

describe('estate account onboard before the landing zone is applied', () => {
  // estate.yaml manages a landing zone; the organisation, policies and budgets are applied, the
  // landing zone is not. Enrolment and the StackSet bootstrap cannot happen without it, so
  // onboarding says how to create it and goes on instead of waiting out their timeouts (60 and
  // 30 minutes); the first environment's deploy bootstraps the account directly.
  let bare: EmulatedEstate;
  let runBare: OnboardingEstate['run'];
  beforeAll(async () => {
    ({ cloud: bare, run: runBare } = await onboardingEstate(MGMT, ['carol@acme.example.com'], {
      landingZoneNotApplied: true,
    }));
  }, STEP);
  afterAll(() => bare.close());

  it(
    'When onboarding dev-carol, Then enrolment and the StackSet bootstrap are skipped with the command that creates the landing zone, and her environment deploys',
    async () => {
      const r = await runBare([...onboardArgs('dev-carol', 'carol@acme.example.com'), '--yes', '--json']);
      expect(r.code, r.stderr).toBe(0);
      const doc = JSON.parse(r.stdout);
      expect(stepStatuses(doc)).toMatchObject({
        account: 'done',
        enrolment: 'skipped',
        bootstrap: 'skipped',
        environment: 'done',
      });
      const detail = (step: string) => doc.steps.find((s: { step: string }) => s.step === step).detail;
      expect(detail('enrolment')).toContain('estate apply --section controltower');
      expect(detail('bootstrap')).toContain('no estate-baseline StackSet yet');
      expect(bare.fake.accountByName('dev-carol')).toBeDefined();
    },
    STEP,
  );
});
