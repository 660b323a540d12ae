/**
 * estate-lifecycle through the real adapters and the real toolkit-lib against the loopback
 * emulator: `env deploy` of an aws-executor environment synthesises the lifecycle stack offline
 * and deploys it (no assets to publish) beside the environment's stacks; a second deploy finds it
 * unchanged; moving the environment to ci destroys it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwsClients } from '../../src/aws/clients.js';
import { envServiceDeps } from '../../src/cli/wiring.js';
import type { EstateConfig } from '../../src/config/schema.js';
import { silentIoHost } from '../../src/core/io.js';
import { deployEnvironments, type EnvServiceDeps } from '../../src/core/env/service.js';
import { emulatedEstate, type EmulatedEstate } from '../_helpers/estate-emulator.js';
import { A, MGMT, env, envConfig } from '../core/env/harness.js';

const STEP = 300_000;
let cloud: EmulatedEstate;
let deps: EnvServiceDeps;
const saved = { ...process.env };

const withExecutor = (config: EstateConfig, executor: 'aws' | 'ci'): EstateConfig =>
  ({
    ...config,
    environments: config.environments.map((e) => ({
      ...e,
      executor,
      schedule: { hours: 'Mon-Fri 08:00-19:00', timezone: 'Europe/London' },
    })),
  }) as unknown as EstateConfig;

const base = envConfig([env('alice', 'dev-a', { ttl: '72h' })]);

beforeAll(async () => {
  cloud = await emulatedEstate(base, MGMT);
  // toolkit-lib reads its endpoints from process.env.
  Object.assign(process.env, cloud.env, { AWS_ENDPOINT_URL_S3_FOR_CLOUDFORMATION: cloud.emulator.url });
  delete process.env.AWS_PROFILE;
  const clients = new AwsClients({ region: 'eu-west-2', env: cloud.env });
  deps = await envServiceDeps(base, clients, silentIoHost);
}, 60_000);

afterAll(async () => {
  process.env = saved;
  await cloud?.close();
});

const deploy = (config: EstateConfig) =>
  deployEnvironments(
    deps,
    config,
    { environments: ['alice'], approve: 'never', yes: false, configDir: cloud.dir, cwd: cloud.dir },
    { io: silentIoHost, interactive: false },
  );

describe('estate-lifecycle against the emulator', () => {
  it(
    'Given an aws-executor environment, When deployed, Then estate-lifecycle is deployed with its schedules; again, it is unchanged',
    async () => {
      const result = await deploy(withExecutor(base, 'aws'));
      expect(result.environments[0]!.status).toBe('deployed');
      expect(result.lifecycle?.stacks).toEqual([
        { accountId: A, region: 'eu-west-2', status: 'deployed', environments: ['alice'] },
      ]);
      const live = await deps.stacks.describeStack({ accountId: A, region: 'eu-west-2' }, 'estate-lifecycle');
      expect(live?.status).toBe('CREATE_COMPLETE');
      const resources = await deps.stacks.stackResources(
        { accountId: A, region: 'eu-west-2' },
        'estate-lifecycle',
      );
      expect(
        resources.filter((r) => r.type === 'AWS::Scheduler::Schedule').map((r) => r.logicalId).length,
      ).toBe(3);
      const again = await deploy(withExecutor(base, 'aws'));
      expect(again.lifecycle?.stacks.map((s) => s.status)).toEqual(['unchanged']);
    },
    STEP,
  );

  it(
    'Given the environment moved to ci, When deployed, Then estate-lifecycle is destroyed',
    async () => {
      const result = await deploy(withExecutor(base, 'ci'));
      expect(result.lifecycle?.stacks.map((s) => s.status)).toEqual(['destroyed']);
      expect(
        await deps.stacks.describeStack({ accountId: A, region: 'eu-west-2' }, 'estate-lifecycle'),
      ).toBeUndefined();
    },
    STEP,
  );
});
