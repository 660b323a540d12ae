import { describe, expect, it } from 'vitest';
import { ENV_IO } from '../../../src/core/env/io.js';
import {
  deployEnvironments,
  destroyEnvironments,
  type DestroyOptions,
} from '../../../src/core/env/service.js';
import type { FakeStackSpec } from '../../_helpers/fake-env.js';
import { recordingIoHost } from '../../_helpers/recording-io.js';
import { A, PROD, env, envConfig, deployedHarness, harness } from './harness.js';

const three = (): FakeStackSpec[] => [
  { blueprint: 'data' },
  { blueprint: 'api-lambda', dependsOn: ['data'] },
  { blueprint: 'observability', dependsOn: ['api-lambda'] },
];
const opts = (environments: string[], extra: Partial<DestroyOptions> = {}): DestroyOptions => ({
  environments,
  dryRun: false,
  forceProtected: false,
  yes: true,
  configDir: '/tmp',
  ...extra,
});

const live = (h: ReturnType<typeof harness>, account = A) =>
  [...h.cloud.stacks.values()]
    .filter((s) => s.id.includes(`:${account}:`) && s.name !== 'CDKToolkit')
    .map((s) => s.name);

describe('destroyEnvironments', () => {
  it('deletes in reverse dependency order, each stack after those that depend on it', async () => {
    const { config, h } = await deployedHarness([env('dev', 'dev-a')], { dev: three() });
    const result = await destroyEnvironments(h.deps, config, opts(['dev']), h.run());
    expect(h.toolkit.calls).toEqual([
      `destroy dev-observability ${A}/eu-west-2`,
      `destroy dev-api-lambda ${A}/eu-west-2`,
      `destroy dev-data ${A}/eu-west-2`,
    ]);
    expect(result.ok).toBe(true);
    expect(result.environments[0]!.status).toBe('destroyed');
    expect(live(h)).toEqual([]);
  });

  it('never deletes the shared estate-bedrock-logging stack', async () => {
    const shared = { blueprint: 'bedrock-logging', name: 'estate-bedrock-logging', shared: true };
    const { config, h } = await deployedHarness([env('dev', 'dev-a')], {
      dev: [shared, { blueprint: 'ai', dependsOn: ['bedrock-logging'] }],
    });
    const result = await destroyEnvironments(h.deps, config, opts(['dev']), h.run());
    expect(result.environments[0]!.stacks.map((s) => [s.stack, s.status])).toEqual([
      ['estate-bedrock-logging', 'kept'],
      ['dev-ai', 'destroyed'],
    ]);
    expect(live(h)).toEqual(['estate-bedrock-logging']);
    expect(h.toolkit.calls).toEqual([`destroy dev-ai ${A}/eu-west-2`]);
  });

  describe('protection', () => {
    it('in CI refuses an environment in a production account without --force-protected, and with it destroys without asking', async () => {
      const { config, h } = await deployedHarness([env('live', 'prod', { size: 'prod' })], {
        live: [{ blueprint: 'data' }],
      });
      const before = h.cloud.calls.length;
      const refused = await destroyEnvironments(h.deps, config, opts(['live']), h.run());
      expect(refused.environments[0]).toMatchObject({
        status: 'refused',
        protected: true,
        reason: expect.stringContaining('--force-protected'),
      });
      expect(refused.ok).toBe(false);
      expect(live(h, PROD)).toEqual(['live-data']);
      // Refused from estate.yaml alone: not even the account's identity was asked for.
      expect(h.cloud.calls.slice(before).filter((c) => c.startsWith('accountOf'))).toEqual([]);

      const forced = await destroyEnvironments(
        h.deps,
        config,
        opts(['live'], { forceProtected: true, yes: false }),
        h.run(),
      );
      expect(forced.environments[0]!.status).toBe('destroyed');
      expect(h.io.requests).toEqual([]);
    });

    it('on a TTY needs --force-protected and the name typed; a wrong name deletes nothing', async () => {
      const { config, h } = await deployedHarness([env('dev', 'dev-a', { protected: true })], {
        dev: [{ blueprint: 'data' }],
      });
      const tty = (typed: string | undefined) => ({
        ...h.run({ interactive: true }),
        io: recordingIoHost({ [ENV_IO.CONFIRM_PROTECTED]: typed }),
      });

      const noFlag = await destroyEnvironments(h.deps, config, opts(['dev']), tty('dev'));
      expect(noFlag.environments[0]!.status).toBe('refused');

      const wrongRun = tty('dve');
      const wrong = await destroyEnvironments(
        h.deps,
        config,
        opts(['dev'], { forceProtected: true }),
        wrongRun,
      );
      expect(wrong.environments[0]).toMatchObject({
        status: 'declined',
        reason: expect.stringContaining('"dve"'),
      });
      expect(wrongRun.io.requests.map((r) => [r.code, (r.data as { kind: string }).kind])).toEqual([
        [ENV_IO.CONFIRM_PROTECTED, 'text'],
      ]);
      expect(live(h)).toEqual(['dev-data']);

      const right = await destroyEnvironments(
        h.deps,
        config,
        opts(['dev'], { forceProtected: true }),
        tty('dev'),
      );
      expect(right.environments[0]!.status).toBe('destroyed');
      expect(live(h)).toEqual([]);
      // Its stacks had termination protection on (protected: true); it was turned off first.
      expect(h.cloud.calls).toContain(`setTerminationProtection(false) ${A}/eu-west-2/dev-data`);
    });

    it('asks a yes/no question for an unprotected environment unless --yes; in CI without --yes it is declined naming --yes', async () => {
      const { config, h } = await deployedHarness([env('dev', 'dev-a')], { dev: [{ blueprint: 'data' }] });
      const ci = await destroyEnvironments(h.deps, config, opts(['dev'], { yes: false }), h.run());
      expect(ci.environments[0]).toMatchObject({
        status: 'declined',
        reason: expect.stringContaining('--yes'),
      });
      expect(h.io.requests.map((r) => [r.code, r.defaultResponse])).toEqual([
        [ENV_IO.CONFIRM_DESTROY, false],
      ]);
      expect(live(h)).toEqual(['dev-data']);

      const io = recordingIoHost({ [ENV_IO.CONFIRM_DESTROY]: true });
      const yes = await destroyEnvironments(h.deps, config, opts(['dev'], { yes: false }), {
        ...h.run({ interactive: true }),
        io,
      });
      expect(yes.environments[0]!.status).toBe('destroyed');
    });
  });

  it('empties the buckets of a dev-profile environment before deleting its stack', async () => {
    const config = envConfig([env('dev', 'dev-a')]);
    const h = harness(config, {
      dev: [{ blueprint: 'edge', resources: { Site: { Type: 'AWS::S3::Bucket' } } }],
    });
    h.toolkit.bucketObjects.set('Site', 42);
    await deployEnvironments(
      h.deps,
      config,
      { environments: ['dev'], approve: 'never', yes: false, configDir: '/tmp' },
      h.run(),
    );
    const result = await destroyEnvironments(h.deps, config, opts(['dev']), h.run());
    expect(result.environments[0]!.emptiedBuckets).toEqual([
      { bucket: 'dev-edge-site', stack: 'dev-edge', objects: 42 },
    ]);
    expect(result.environments[0]!.status).toBe('destroyed');
  });

  it('lists what a prod environment retains, and does not empty its buckets', async () => {
    const config = envConfig([env('live', 'prod', { size: 'prod' })]);
    const h = harness(config, {
      live: [
        {
          blueprint: 'data',
          resources: {
            Table: { Type: 'AWS::DynamoDB::Table', DeletionPolicy: 'Retain' },
            Archive: { Type: 'AWS::S3::Bucket', DeletionPolicy: 'Retain' },
            Topic: { Type: 'AWS::SNS::Topic' },
          },
        },
      ],
    });
    h.toolkit.bucketObjects.set('Archive', 7);
    await deployEnvironments(
      h.deps,
      config,
      { environments: ['live'], approve: 'never', yes: false, configDir: '/tmp' },
      h.run(),
    );
    const result = await destroyEnvironments(
      h.deps,
      config,
      opts(['live'], { forceProtected: true }),
      h.run(),
    );
    expect(result.environments[0]!.retained.map((r) => [r.logicalId, r.type, r.physicalId])).toEqual([
      ['Table', 'AWS::DynamoDB::Table', 'live-data-table'],
      ['Archive', 'AWS::S3::Bucket', 'live-data-archive'],
    ]);
    expect(result.environments[0]!.emptiedBuckets).toEqual([]);
    expect(h.cloud.buckets.get('live-data-archive')).toBe(7);
    expect(h.io.messages.some((m) => m.code === ENV_IO.RETAINED)).toBe(true);
  });

  it('Given DELETE_FAILED, Then it names the resource and reason, keeps what the failed stack depends on, and a re-run continues', async () => {
    const { config, h } = await deployedHarness([env('dev', 'dev-a')], { dev: three() });
    h.toolkit.deleteFailures.set('dev-api-lambda', {
      logicalId: 'HandlerRole',
      resourceType: 'AWS::IAM::Role',
      reason: 'Cannot delete entity, must detach all policies first',
    });
    const first = await destroyEnvironments(h.deps, config, opts(['dev']), h.run());
    expect(first.ok).toBe(false);
    expect(first.environments[0]!.status).toBe('partial');
    expect(first.environments[0]!.stacks.map((s) => [s.stack, s.status])).toEqual([
      ['dev-data', 'skipped'],
      ['dev-api-lambda', 'failed'],
      ['dev-observability', 'destroyed'],
    ]);
    expect(first.environments[0]!.stacks[1]!.failure).toMatchObject({
      logicalId: 'HandlerRole',
      reason: 'Cannot delete entity, must detach all policies first',
    });
    expect(live(h).sort()).toEqual(['dev-api-lambda', 'dev-data']);

    h.toolkit.deleteFailures.clear();
    h.toolkit.calls.length = 0;
    const second = await destroyEnvironments(h.deps, config, opts(['dev']), h.run());
    expect(second.environments[0]!.stacks.map((s) => [s.stack, s.status])).toEqual([
      ['dev-data', 'destroyed'],
      ['dev-api-lambda', 'destroyed'],
      ['dev-observability', 'absent'],
    ]);
    expect(h.toolkit.calls).toEqual([
      `destroy dev-api-lambda ${A}/eu-west-2`,
      `destroy dev-data ${A}/eu-west-2`,
    ]);
    expect(second.ok).toBe(true);
  });

  it('Given Ctrl-C while a stack is deleting, Then nothing else starts and the deletion in flight and the stacks never started are reported', async () => {
    const { config, h } = await deployedHarness([env('dev', 'dev-a')], { dev: three() });
    const held = h.toolkit.hold('dev-observability');
    const controller = new AbortController();
    void h.toolkit.started('dev-observability').then(() => controller.abort());
    const result = await destroyEnvironments(
      h.deps,
      config,
      opts(['dev']),
      h.run({ signal: controller.signal }),
    );
    expect(result).toMatchObject({ ok: false, interrupted: true });
    expect(result.environments[0]!.status).toBe('interrupted');
    expect(result.inFlight.map((s) => s.stack)).toEqual(['dev-observability']);
    expect(result.notStarted.map((s) => s.stack)).toEqual(['dev-data', 'dev-api-lambda']);
    held.release();
    await new Promise((r) => setTimeout(r, 10));
    expect(h.toolkit.calls).toEqual([`destroy dev-observability ${A}/eu-west-2`]);
    expect(live(h).sort()).toEqual(['dev-api-lambda', 'dev-data']);
  });

  it('dry run lists what would be deleted and changes nothing, without loading the toolkit', async () => {
    const { config, h } = await deployedHarness([env('dev', 'dev-a', { protected: true })], { dev: three() });
    const loads = h.loads();
    const result = await destroyEnvironments(
      h.deps,
      config,
      opts(['dev'], { dryRun: true, yes: false }),
      h.run(),
    );
    expect(result.dryRun).toBe(true);
    expect(result.environments[0]!.status).toBe('dry-run');
    expect(result.environments[0]!.stacks.map((s) => s.status)).toEqual([
      'would-delete',
      'would-delete',
      'would-delete',
    ]);
    expect(h.loads()).toBe(loads);
    expect(live(h)).toHaveLength(3);
    expect(h.io.requests).toEqual([]);
  });

  it('Given an environment never deployed, Then it is absent and nothing is asked', async () => {
    const config = envConfig([env('dev', 'dev-a')]);
    const h = harness(config, { dev: three() });
    const result = await destroyEnvironments(h.deps, config, opts(['dev'], { yes: false }), h.run());
    expect(result.environments[0]!.status).toBe('absent');
    expect(result.ok).toBe(true);
    expect(h.loads()).toBe(0);
  });
});
