import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { AwsTagging } from '../../../src/aws/tagging.js';
import { parseConfig } from '../../../src/config/loader.js';
import { configThenOrganization, rootEmail } from '../../../src/core/finops/account-ids.js';
import type { TaskEvent } from '../../../src/core/io.js';
import {
  TAGS_IO,
  tagsApplyService,
  tagsAuditService,
  type TagsServiceDeps,
  type TrackedWork,
} from '../../../src/core/tags/service.js';
import { minimalConfig } from '../../_helpers/config.js';
import { FakeTaggingApi } from '../../../src/emulator/tagging.js';
import { recordingIoHost } from '../../_helpers/recording-io.js';

const LOGS = '333333333333';
const ALICE = '222222222222';

function estate() {
  const c = minimalConfig();
  c.accounts.push({ name: 'dev-bob', kind: 'developer', ou: 'Sandbox' });
  c.organization.governedRegions = ['eu-west-2'];
  c.tags = { mandatory: [{ key: 'cost-center', default: 'platform' }] };
  return parseConfig(stringify(c));
}

/** The organisation knows logs and dev-alice by root e-mail; dev-bob is not created yet. */
function world() {
  const config = estate();
  const api = new FakeTaggingApi();
  api.add(LOGS, 'eu-west-2', 'arn:aws:s3:::logs-archive', { 'cost-center': 'platform' });
  api.add(ALICE, 'eu-west-2', 'arn:aws:s3:::alice-scratch', {});
  api.add(ALICE, 'us-east-1', `arn:aws:cloudfront::${ALICE}:distribution/E1`, {});
  const io = recordingIoHost();
  const { messages } = io;
  const tracked: TrackedWork[][] = [];
  const events: TaskEvent[] = [];
  const deps: TagsServiceDeps = {
    tagging: new AwsTagging(api.clientFor),
    directory: configThenOrganization(config, async () =>
      [LOGS, ALICE].map((id, i) => ({
        id,
        name: config.accounts[i]!.name,
        email: rootEmail(config, config.accounts[i]!),
        status: 'ACTIVE',
      })),
    ),
    io,
    track: (work, run) => {
      tracked.push([...work]);
      const progress = recordingIoHost();
      return run(progress).finally(() => events.push(...progress.events));
    },
  };
  return { config, api, deps, messages, tracked, events };
}

describe('tagsAuditService', () => {
  it('Given an account not created yet, When every account is audited, Then it is skipped with a warning and the others are audited under one tracked task each', async () => {
    const w = world();
    const report = await tagsAuditService(w.config, { accounts: [], concurrency: 2 }, w.deps);

    expect(w.messages).toEqual([
      expect.objectContaining({
        level: 'warn',
        code: TAGS_IO.NOT_CREATED_SKIPPED,
        message: 'not in the organisation yet, skipped: dev-bob',
        data: { skipped: ['dev-bob'] },
      }),
    ]);
    expect(w.tracked).toEqual([
      [
        { id: 'tags:logs', title: 'audit tags in logs' },
        { id: 'tags:dev-alice', title: 'audit tags in dev-alice' },
      ],
    ]);
    expect(w.events.filter((e) => e.type === 'start').map((e) => e.id)).toEqual([
      'tags:logs',
      'tags:dev-alice',
    ]);
    // us-east-1 is scanned for global resources only: the distribution counts, once.
    expect(report.accounts.map((a) => [a.account, a.resources, a.nonCompliant])).toEqual([
      ['logs', 1, 0],
      ['dev-alice', 2, 2],
    ]);
  });

  it('Given --region, When audited, Then only that region is read', async () => {
    const w = world();
    await tagsAuditService(
      w.config,
      { accounts: ['dev-alice'], region: 'eu-west-2', concurrency: 1 },
      w.deps,
    );
    expect(new Set(w.api.calls.map((c) => c.scope))).toEqual(new Set([`${ALICE}/eu-west-2`]));
    expect(w.messages).toEqual([]);
  });
});

describe('tagsApplyService', () => {
  it('Given a dry run, When planned, Then every region is listed, the plan names the missing tags and nothing is tagged', async () => {
    const w = world();
    const out = await tagsApplyService(
      w.config,
      { account: 'dev-alice', concurrency: 2, apply: false },
      w.deps,
    );

    expect(out.dryRun).toBe(true);
    expect(out.result).toBeUndefined();
    expect(out.plan.additions.map((a) => [a.region, a.arn, a.add])).toEqual([
      ['eu-west-2', 'arn:aws:s3:::alice-scratch', { 'cost-center': 'platform' }],
      ['us-east-1', `arn:aws:cloudfront::${ALICE}:distribution/E1`, { 'cost-center': 'platform' }],
    ]);
    expect(w.api.calls.filter((c) => c.op === 'TagResources')).toEqual([]);
    expect(w.tracked).toEqual([]);
  });

  it('Given apply, When run, Then the missing tags are added through the region that lists each resource, as one tracked task', async () => {
    const w = world();
    const out = await tagsApplyService(
      w.config,
      { account: 'dev-alice', concurrency: 2, apply: true },
      w.deps,
    );

    expect(out).toMatchObject({ dryRun: false, result: { tagged: 2, failed: [] } });
    expect(w.tracked).toEqual([[{ id: 'tags-apply:dev-alice', title: 'tag resources in dev-alice' }]]);
    expect(
      w.api.calls
        .filter((c) => c.op === 'TagResources')
        .map((c) => c.scope)
        .sort(),
    ).toEqual([`${ALICE}/eu-west-2`, `${ALICE}/us-east-1`]);
    expect(w.api.resources.get(`${ALICE}/eu-west-2`)![0]!.tags).toEqual({ 'cost-center': 'platform' });
  });

  it('Given a region that cannot be listed, When planned, Then the listing error is raised and nothing is tagged', async () => {
    const w = world();
    w.api.denied.add(ALICE);
    await expect(
      tagsApplyService(w.config, { account: 'dev-alice', concurrency: 2, apply: true }, w.deps),
    ).rejects.toThrow(/cannot GetResources in eu-west-2/);
    expect(w.api.calls.filter((c) => c.op === 'TagResources')).toEqual([]);
  });

  it('Given an account that is not in estate.yaml, When planned, Then the error names it', async () => {
    const w = world();
    await expect(
      tagsApplyService(w.config, { account: 'dev-carol', concurrency: 1, apply: false }, w.deps),
    ).rejects.toThrow('no account named dev-carol in estate.yaml');
  });
});
