/**
 * The estate the account onboard/offboard end-to-end tests start from: the example estate
 * without a landing zone (the Control Tower section has its own end-to-end test) and without
 * environments, applied against the loopback emulator, with a comment in estate.yaml that the
 * write-back must keep and the given Identity Center users.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { expect } from 'vitest';
import { parse, stringify } from 'yaml';
import { EXAMPLE, estate } from './cli.js';
import { emulatedEstate, type EmulatedEstate } from './estate-emulator.js';

export const KEPT_COMMENT = '# estate for acme: keep this comment\n';

export interface OnboardingEstate {
  readonly cloud: EmulatedEstate;
  readonly run: (args: string[], env?: NodeJS.ProcessEnv) => ReturnType<typeof estate>;
}

export async function onboardingEstate(
  managementAccountId: string,
  users: readonly string[],
  options: {
    /** Keep the example's controlTower block but apply every section except controltower. */
    readonly landingZoneNotApplied?: boolean;
  } = {},
): Promise<OnboardingEstate> {
  const config = parse(await readFile(EXAMPLE, 'utf8'));
  if (!options.landingZoneNotApplied) delete config.controlTower;
  config.environments = [];
  config.onboarding = { blueprints: ['data'], ttl: '48h' };
  const cloud = await emulatedEstate(config, managementAccountId);
  await writeFile(cloud.file, `${KEPT_COMMENT}${stringify(config)}`);
  for (const user of users) cloud.identityCenter.addUser(user);
  const run = (args: string[], env: NodeJS.ProcessEnv = {}) =>
    estate(args, { env: { ...cloud.env, ...env }, cwd: cloud.dir });
  const sections = options.landingZoneNotApplied
    ? ['organization', 'policies', 'budgets'].flatMap((s) => ['--section', s])
    : [];
  const applied = await run(['apply', ...sections, '--yes', '--json']);
  expect(applied.code, applied.stderr + applied.stdout.slice(0, 3000)).toBe(0);
  return { cloud, run };
}

/** A result's steps as step → status. */
export const stepStatuses = (doc: { steps: { step: string; status: string }[] }) =>
  Object.fromEntries(doc.steps.map((s) => [s.step, s.status]));

/** `estate account onboard <name>` for a developer who owns the account and signs in as herself. */
export const onboardArgs = (name: string, email: string): string[] => [
  'account',
  'onboard',
  name,
  '--owner',
  email,
  '--sso-user',
  email,
];
