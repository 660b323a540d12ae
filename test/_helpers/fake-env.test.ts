import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { envConfig, env } from '../core/env/harness.js';
import { FakeCloud, FakeToolkit, fakeSynth } from './fake-env.js';
import type { Task } from '../../src/core/io.js';

const task: Task = {
  update: async () => {},
  done: async () => {},
  fail: async () => {},
  skip: async () => {},
};
const at = { accountId: '111111111111', region: 'eu-west-2' };
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function setup(resources?: Record<string, { Type: string; DeletionPolicy?: string }>) {
  const dir = mkdtempSync(join(tmpdir(), 'fake-env-'));
  dirs.push(dir);
  const config = envConfig([env('dev', 'dev-a')]);
  const synth = fakeSynth(dir, { dev: [{ blueprint: 'data', ...(resources ? { resources } : {}) }] });
  const assembly = await synth.synth(config, 'dev', {
    configDir: dir,
    accountIds: { 'dev-a': at.accountId },
  });
  const cloud = new FakeCloud();
  const toolkit = new FakeToolkit(cloud);
  const request = {
    assemblyDir: assembly.assemblyDir,
    artifactId: assembly.stacks[0]!.artifactId,
    stackName: 'dev-data',
    at,
    task,
  };
  const deploy = () => toolkit.deploy({ ...request, tags: { a: 'b' }, approve: async () => true });
  const destroy = () => toolkit.destroy({ ...request, confirm: async () => true });
  return { cloud, toolkit, deploy, destroy };
}

describe('FakeToolkit over FakeCloud', () => {
  it('a failed creation leaves ROLLBACK_COMPLETE; a failed update leaves UPDATE_ROLLBACK_COMPLETE with the old template', async () => {
    const f = await setup();
    f.toolkit.deployFailures.set('dev-data', { logicalId: 'Topic', reason: 'boom' });
    expect(await f.deploy()).toMatchObject({
      status: 'failed',
      failure: { logicalId: 'Topic', status: 'CREATE_FAILED' },
    });
    expect(f.cloud.get(at, 'dev-data')!.status).toBe('ROLLBACK_COMPLETE');

    f.toolkit.deployFailures.clear();
    expect((await f.deploy()).status).toBe('deployed');
    expect(f.cloud.get(at, 'dev-data')).toMatchObject({ status: 'CREATE_COMPLETE', tags: { a: 'b' } });
    const before = structuredClone(f.cloud.get(at, 'dev-data')!.template);
    f.toolkit.deployFailures.set('dev-data', { logicalId: 'Topic', reason: 'boom' });
    await f.deploy();
    expect(f.cloud.get(at, 'dev-data')!.status).toBe('UPDATE_ROLLBACK_COMPLETE');
    expect(f.cloud.get(at, 'dev-data')!.template).toEqual(before);
  });

  it('a delete fails DELETE_FAILED on a non-empty bucket that is not retained, and under termination protection', async () => {
    const f = await setup({
      Site: { Type: 'AWS::S3::Bucket' },
      Keep: { Type: 'AWS::S3::Bucket', DeletionPolicy: 'Retain' },
    });
    f.toolkit.bucketObjects.set('Site', 3);
    f.toolkit.bucketObjects.set('Keep', 5);
    await f.deploy();
    expect(await f.destroy()).toMatchObject({
      status: 'failed',
      failure: { logicalId: 'Site', status: 'DELETE_FAILED' },
    });
    expect(f.cloud.get(at, 'dev-data')!.status).toBe('DELETE_FAILED');
    await f.cloud.emptyBucket(at, 'dev-data-site');
    await f.cloud.setTerminationProtection(at, 'dev-data', true);
    expect(await f.destroy()).toMatchObject({
      status: 'failed',
      reason: expect.stringContaining('TerminationProtection'),
    });
    await f.cloud.setTerminationProtection(at, 'dev-data', false);
    expect(await f.destroy()).toEqual({ status: 'destroyed' });
    expect(f.cloud.get(at, 'dev-data')).toBeUndefined();
    expect(f.cloud.buckets.get('dev-data-keep')).toBe(5);
  });
});
