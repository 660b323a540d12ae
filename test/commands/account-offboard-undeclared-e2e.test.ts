/**
 * `estate account offboard <name> --no-config-write` after the account's environments were
 * taken out of estate.yaml by hand: offboarding still finds the environment's stacks in the
 * account by their estate:env tag (as the reaper finds orphans) and destroys them, instead of
 * parking an account that still runs them. The real CLI in-process against the emulator.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/loader.js';
import { recycleAccountText } from '../../src/config/write-back.js';
import type { EmulatedEstate } from '../_helpers/estate-emulator.js';
import { onboardingEstate, stepStatuses, type OnboardingEstate } from '../_helpers/onboarding-estate.js';

const MGMT = '111111111111';
const STEP = 300_000;
const REGION = 'eu-west-2';

let cloud: EmulatedEstate;
let run: OnboardingEstate['run'];
let gusId: string;
const stack = () => cloud.cloudformation.stack(gusId, REGION, 'dev-gus-dev-data');

beforeAll(async () => {
  ({ cloud, run } = await onboardingEstate(MGMT, ['gus@acme.example.com']));
  const onboarded = await run([
    'account',
    'onboard',
    'dev-gus',
    '--owner',
    'gus@acme.example.com',
    '--sso-user',
    'gus@acme.example.com',
    '--yes',
    '--json',
  ]);
  expect(onboarded.code, onboarded.stderr).toBe(0);
  gusId = cloud.fake.accountByName('dev-gus')!.id;
}, STEP);
afterAll(() => cloud.close());

describe('estate account offboard --no-config-write, environments already out of estate.yaml', () => {
  it(
    'When estate.yaml was edited by hand (recycled, environment gone) and offboard runs with --no-config-write, Then the stacks left in the account are found by tag and destroyed',
    async () => {
      expect(stack(), 'the environment is deployed').toBeDefined();
      // The platform engineer's edit: gus's account recycled, his environment taken out.
      const text = await readFile(cloud.file, 'utf8');
      const edited = recycleAccountText(text, parseConfig(text), {
        name: 'dev-gus',
        suspendedOu: 'Suspended',
      });
      await writeFile(cloud.file, edited.text);
      expect(parseConfig(edited.text).environments.some((e) => e.account === 'dev-gus')).toBe(false);

      const dry = await run(['account', 'offboard', 'dev-gus', '--no-config-write', '--dry-run', '--json']);
      expect(dry.code, dry.stderr).toBe(0);
      const planned = JSON.parse(dry.stdout).steps[0];
      expect(planned).toMatchObject({ step: 'environments', status: 'planned' });
      expect(planned.detail).toContain('dev-gus-dev');
      expect(stack()).toBeDefined();

      const r = await run(['account', 'offboard', 'dev-gus', '--no-config-write', '--yes', '--json']);
      expect(r.code, r.stderr).toBe(0);
      const doc = JSON.parse(r.stdout);
      expect(stepStatuses(doc)).toMatchObject({
        environments: 'done',
        config: 'skipped',
        organisation: 'done',
      });
      expect(doc.steps[0].detail).toContain('destroyed dev-gus-dev (not in estate.yaml: dev-gus-dev)');
      expect(stack()).toBeUndefined();
      expect(cloud.fake.pathOf(cloud.fake.accountByName('dev-gus')!.parentId)).toBe('Suspended');
    },
    STEP,
  );

  it(
    'When it runs again, Then nothing is left to find',
    async () => {
      const r = await run(['account', 'offboard', 'dev-gus', '--no-config-write', '--yes', '--json']);
      expect(r.code, r.stderr).toBe(0);
      expect(stepStatuses(JSON.parse(r.stdout)).environments).toBe('already');
    },
    STEP,
  );
});
