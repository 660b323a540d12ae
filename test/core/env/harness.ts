import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect } from 'vitest';
import { stringify } from 'yaml';
import { parseConfig } from '../../../src/config/loader.js';
import type { EstateConfig } from '../../../src/config/schema.js';
import { configThenOrganization } from '../../../src/core/finops/account-ids.js';
import { deployEnvironments, type EnvServiceDeps } from '../../../src/core/env/service.js';
import {
  FakeCloud,
  FakeToolkit,
  fakeSynth,
  toolkitLoader,
  type FakeStackSpec,
} from '../../_helpers/fake-env.js';
import { recordingIoHost } from '../../_helpers/recording-io.js';

export const A = '111111111111';
export const B = '222222222222';
export const C = '333333333333';
export const PROD = '444444444444';
export const MGMT = '999999999999';
export const CALLER_ARN = `arn:aws:sts::${MGMT}:assumed-role/Deployer/ci`;

/** Three developer accounts, a prod account, one not created yet; environments in each. */
export function envConfig(
  environments: Record<string, unknown>[] = [],
  deployments: Record<string, unknown> | undefined = {
    executionPolicies: ['arn:aws:iam::aws:policy/PowerUserAccess'],
  },
): EstateConfig {
  return parseConfig(
    stringify({
      version: 1,
      organization: {
        name: 'acme',
        homeRegion: 'eu-west-2',
        governedRegions: ['eu-west-2', 'us-east-1', 'eu-west-1'],
        emailPattern: 'aws+{account}@acme.example.com',
      },
      organizationalUnits: [{ name: 'Sandbox' }, { name: 'Prod' }],
      accounts: [
        { name: 'dev-a', kind: 'developer', ou: 'Sandbox', id: A },
        { name: 'dev-b', kind: 'developer', ou: 'Sandbox', id: B },
        { name: 'dev-c', kind: 'developer', ou: 'Sandbox', id: C },
        { name: 'prod', kind: 'prod-single-tenant', ou: 'Prod', id: PROD },
        { name: 'future', kind: 'developer', ou: 'Sandbox' },
      ],
      environments,
      ...(deployments ? { deployments } : {}),
    }),
  );
}

export const env = (name: string, account: string, extra: Record<string, unknown> = {}) => ({
  name,
  account,
  blueprints: ['data'],
  ...extra,
});

/** data ← api-lambda ← observability: the usual chain. */
export const chain = (): FakeStackSpec[] => [
  { blueprint: 'data' },
  { blueprint: 'api-lambda', dependsOn: ['data'], outputs: { ApiUrl: 'https://api.example' } },
];

/** Temporary assembly folders of this file's harnesses, removed after each test. */
const open: string[] = [];
afterEach(() => {
  for (const dir of open.splice(0)) rmSync(dir, { recursive: true, force: true });
});

export function harness(config: EstateConfig, specs: Record<string, FakeStackSpec[]>) {
  const root = mkdtempSync(join(tmpdir(), 'estate-env-'));
  open.push(root);
  const cloud = new FakeCloud();
  const toolkit = new FakeToolkit(cloud);
  const loader = toolkitLoader(toolkit);
  const synth = fakeSynth(root, specs);
  const listed: string[][] = [];
  const deps: EnvServiceDeps = {
    stacks: cloud,
    bootstrap: cloud,
    buckets: cloud,
    identity: cloud,
    toolkit: loader.load,
    accounts: configThenOrganization(config, async () => {
      listed.push(['listAccounts']);
      return [];
    }),
    caller: async () => ({ account: MGMT, arn: CALLER_ARN }),
    synth: synth.synth,
  };
  // Every account and region starts bootstrapped; tests remove what they need absent.
  for (const id of [A, B, C, PROD])
    for (const region of ['eu-west-2', 'us-east-1', 'eu-west-1'])
      cloud.bootstrapVersions.set(`${id}/${region}`, 30);
  const io = recordingIoHost();
  return {
    root,
    cloud,
    toolkit,
    loads: loader.loads,
    synth,
    deps,
    io,
    run: (extra: { interactive?: boolean; signal?: AbortSignal } = {}) => ({
      io,
      interactive: extra.interactive ?? false,
      now: () => new Date('2026-12-01T10:00:00Z'),
      ...(extra.signal ? { signal: extra.signal } : {}),
    }),
  };
}

/** A harness whose environments (every key of `specs`) are deployed; the toolkit's calls start empty. */
export async function deployedHarness(
  environments: Record<string, unknown>[],
  specs: Record<string, FakeStackSpec[]>,
) {
  const config = envConfig(environments);
  const h = harness(config, specs);
  const result = await deployEnvironments(
    h.deps,
    config,
    { environments: Object.keys(specs), approve: 'never', yes: false, configDir: '/tmp' },
    h.run(),
  );
  expect(result.ok).toBe(true);
  h.toolkit.calls.length = 0;
  return { config, h };
}
