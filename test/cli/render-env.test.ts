import { describe, expect, it } from 'vitest';
import {
  formatAge,
  renderDeploy,
  renderDestroy,
  renderDiff,
  renderList,
  renderStatus,
} from '../../src/cli/render-env.js';
import type {
  DeployResult,
  DestroyResult,
  DiffResult,
  ListedEnvironment,
  StatusResult,
} from '../../src/core/env/service.js';

const plain = { color: false };
const at = (environment: string, accountId: string) => ({ environment, accountId, region: 'eu-west-2' });

const deploy: DeployResult = {
  ok: false,
  interrupted: false,
  inFlight: [],
  notStarted: [],
  bootstrapped: [{ accountId: '222222222222', region: 'eu-west-2' }],
  environments: [
    {
      environment: 'alice',
      account: 'dev-alice',
      accountId: '222222222222',
      region: 'eu-west-2',
      status: 'deployed',
      stacks: [
        { ...at('alice', '222222222222'), stack: 'alice-data', blueprint: 'data', status: 'unchanged' },
        {
          ...at('alice', '222222222222'),
          stack: 'alice-api-lambda',
          blueprint: 'api-lambda',
          status: 'deployed',
          outputs: { ApiUrl: 'https://api.example/' },
        },
      ],
      endpoints: { apiUrl: 'https://api.example/', userPoolId: 'eu-west-2_abc' },
    },
    {
      environment: 'integration',
      account: 'integration',
      accountId: '333333333333',
      region: 'eu-west-2',
      status: 'failed',
      stacks: [
        {
          ...at('integration', '333333333333'),
          stack: 'integration-data',
          blueprint: 'data',
          status: 'failed',
          reason: 'UPDATE_ROLLBACK_COMPLETE',
          failure: {
            logicalId: 'UsersTable',
            resourceType: 'AWS::DynamoDB::Table',
            status: 'CREATE_FAILED',
            reason: 'Table already exists',
          },
        },
        {
          ...at('integration', '333333333333'),
          stack: 'integration-api-lambda',
          blueprint: 'api-lambda',
          status: 'skipped',
          reason: 'skipped: integration-data failed',
        },
      ],
      endpoints: {},
    },
    {
      environment: 'production',
      account: 'prod',
      region: 'eu-west-2',
      status: 'refused',
      reason:
        'the credentials for account 444444444444 resolve to account 999999999999; refusing to act there',
      stacks: [],
      endpoints: {},
    },
  ],
};

describe('renderDeploy', () => {
  it('prints every environment with every stack outcome, the failing resource and reason, and the outputs', () => {
    const text = renderDeploy(deploy, plain);
    expect(text).toContain('alice → dev-alice (222222222222, eu-west-2): deployed');
    expect(text).toContain('= alice-data (data) unchanged');
    expect(text).toContain('✔ alice-api-lambda (api-lambda) deployed');
    expect(text).toContain('API: https://api.example/');
    expect(text).toContain('user pool: eu-west-2_abc');
    expect(text).toContain('integration → integration (333333333333, eu-west-2): failed');
    expect(text).toContain('✖ integration-data (data) failed: UPDATE_ROLLBACK_COMPLETE');
    expect(text).toContain('UsersTable (AWS::DynamoDB::Table) CREATE_FAILED: Table already exists');
    expect(text).toContain('↓ integration-api-lambda (api-lambda) skipped: integration-data failed');
    expect(text).toContain('production → prod (eu-west-2): refused');
    expect(text).toContain('resolve to account 999999999999');
    expect(text).toContain('Bootstrapped: 222222222222 in eu-west-2');
    expect(text.split('\n').at(-1)).toBe(
      'Deployed 1 of 3 environments; stacks: 1 unchanged, 1 deployed, 1 failed, 1 skipped',
    );
  });

  it('says what was in flight and what never started when interrupted', () => {
    const text = renderDeploy(
      {
        ...deploy,
        interrupted: true,
        inFlight: [{ stack: 'alice-api-lambda', ...at('alice', '222222222222') }],
        notStarted: [{ stack: 'alice-observability', ...at('alice', '222222222222') }],
      },
      plain,
    );
    expect(text).toContain('Still running in CloudFormation: alice-api-lambda (222222222222, eu-west-2)');
    expect(text).toContain('Not started: alice-observability (222222222222, eu-west-2)');
    expect(text).toContain('Run the same command again to continue');
  });

  it('says what became of the estate-lifecycle stacks of aws-executor environments', () => {
    const text = renderDeploy(
      {
        ...deploy,
        lifecycle: {
          ok: false,
          stacks: [
            { accountId: '222222222222', region: 'eu-west-2', status: 'deployed', environments: ['alice'] },
            {
              accountId: '333333333333',
              region: 'eu-west-2',
              status: 'failed',
              environments: [],
              reason: 'AccessDenied',
            },
          ],
        },
      },
      plain,
    );
    expect(text).toContain('✔ estate-lifecycle 222222222222 eu-west-2: deployed (runs alice)');
    expect(text).toContain('✖ estate-lifecycle 333333333333 eu-west-2: failed: AccessDenied');
    expect(renderDeploy(deploy, plain)).not.toContain('estate-lifecycle');
  });

  it('colours only when asked', () => {
    expect(renderDeploy(deploy, { color: true })).toContain('\u001b[');
    expect(renderDeploy(deploy, plain)).not.toContain('\u001b[');
  });
});

describe('renderDiff', () => {
  const diff: DiffResult = {
    environment: 'alice',
    accountId: '222222222222',
    region: 'eu-west-2',
    changes: true,
    stacks: [
      { stack: 'alice-data', ...at('alice', '222222222222'), blueprint: 'data', status: 'unchanged' },
      { stack: 'alice-ai', ...at('alice', '222222222222'), blueprint: 'ai', status: 'new' },
      {
        stack: 'alice-api-lambda',
        ...at('alice', '222222222222'),
        blueprint: 'api-lambda',
        status: 'changed',
        diff: {
          stackName: 'alice-api-lambda',
          resources: [
            { logicalId: 'Handler', type: 'AWS::Lambda::Function', change: 'update' },
            { logicalId: 'Role', type: 'AWS::IAM::Role', change: 'replace' },
            { logicalId: 'Queue', type: 'AWS::SQS::Queue', change: 'add' },
          ],
          permissionChange: 'broadening',
          securityChanges: ['+ Allow dynamodb:* on * for Role'],
          text: '',
        },
      },
    ],
  };

  it('lists added, changed and replaced resources and highlights IAM/security changes', () => {
    const text = renderDiff(diff, plain);
    expect(text).toContain('alice-data (data, eu-west-2): unchanged');
    expect(text).toContain('alice-ai (ai, eu-west-2): new');
    expect(text).toContain(
      'alice-api-lambda (api-lambda, eu-west-2): changed (1 added, 1 changed, 1 replaced)',
    );
    expect(text).toContain('~ Handler AWS::Lambda::Function changed');
    expect(text).toContain('± Role AWS::IAM::Role replaced');
    expect(text).toContain('+ Queue AWS::SQS::Queue added');
    expect(text).toContain('! IAM/security: broadens permissions');
    expect(text).toContain('! + Allow dynamodb:* on * for Role');
    expect(text).toContain('2 of 3 stacks would change (1 new, 1 changed).');
    // The security lines stand out in red on a terminal.
    expect(renderDiff(diff, { color: true })).toContain('\u001b[31m! + Allow dynamodb:* on * for Role');
  });

  it('says there is nothing to change', () => {
    const text = renderDiff({ ...diff, changes: false, stacks: [diff.stacks[0]!] }, plain);
    expect(text).toContain('No changes: all 1 stacks match what is deployed.');
  });
});

describe('renderDestroy', () => {
  const destroy: DestroyResult = {
    ok: false,
    dryRun: false,
    interrupted: false,
    inFlight: [],
    notStarted: [],
    environments: [
      {
        environment: 'production',
        account: 'prod',
        accountId: '444444444444',
        region: 'eu-west-2',
        protected: true,
        status: 'destroyed',
        stacks: [
          {
            stack: 'production-data',
            ...at('production', '444444444444'),
            blueprint: 'data',
            status: 'destroyed',
          },
        ],
        retained: [
          {
            stack: 'production-data',
            ...at('production', '444444444444'),
            logicalId: 'UsersTable',
            type: 'AWS::DynamoDB::Table',
            physicalId: 'production-users',
          },
        ],
        emptiedBuckets: [],
      },
      {
        environment: 'alice',
        account: 'dev-alice',
        accountId: '222222222222',
        region: 'eu-west-2',
        protected: false,
        status: 'partial',
        stacks: [
          {
            stack: 'alice-edge',
            ...at('alice', '222222222222'),
            blueprint: 'edge',
            status: 'failed',
            reason: 'DELETE_FAILED',
            failure: { logicalId: 'Site', status: 'DELETE_FAILED', reason: 'bucket not empty' },
          },
          {
            stack: 'estate-bedrock-logging',
            ...at('alice', '222222222222'),
            blueprint: 'ai',
            status: 'kept',
            reason: 'shared',
          },
        ],
        retained: [],
        emptiedBuckets: [{ bucket: 'alice-site', stack: 'alice-edge', objects: 12 }],
      },
    ],
  };

  it('lists each stack, the emptied buckets, the failure, and at the end what prod retained', () => {
    const text = renderDestroy(destroy, plain);
    expect(text).toContain('production → prod (444444444444, eu-west-2): destroyed [protected]');
    expect(text).toContain('✖ alice-edge (edge) failed: DELETE_FAILED');
    expect(text).toContain('Site DELETE_FAILED: bucket not empty');
    expect(text).toContain('= estate-bedrock-logging (ai) kept: shared');
    expect(text).toContain('emptied bucket alice-site (alice-edge): 12 objects');
    const retained = text.indexOf('Retained by CloudFormation');
    expect(retained).toBeGreaterThan(text.indexOf('alice-edge'));
    expect(text).toContain(
      'production: AWS::DynamoDB::Table production-users (from production-data, 444444444444, eu-west-2)',
    );
    expect(text.split('\n').at(-1)).toBe('Destroyed 1 of 2 environments; 1 resources retained');
  });

  it('says a dry run deleted nothing and counts what it would', () => {
    const text = renderDestroy(
      {
        ...destroy,
        dryRun: true,
        environments: [
          {
            ...destroy.environments[1]!,
            status: 'dry-run',
            stacks: [
              {
                stack: 'alice-edge',
                ...at('alice', '222222222222'),
                blueprint: 'edge',
                status: 'would-delete',
              },
            ],
            emptiedBuckets: [],
          },
        ],
      },
      plain,
    );
    expect(text).toContain('- alice-edge (edge) would-delete');
    expect(text).toContain('Dry run: nothing was deleted; 1 stacks would be.');
  });
});

describe('renderList', () => {
  const env = (over: Partial<ListedEnvironment>): ListedEnvironment => ({
    environment: 'alice',
    account: 'dev-alice',
    accountId: '222222222222',
    regions: ['eu-west-2'],
    blueprints: ['data', 'api-lambda'],
    status: 'UPDATE_COMPLETE',
    createdAt: '2026-12-01T00:00:00.000Z',
    ageMs: 26 * 3_600_000,
    owner: 'alice@recall.example.com',
    expiresAt: '2026-12-04T00:00:00.000Z',
    expired: false,
    protected: false,
    orphan: false,
    stacks: [],
    ...over,
  });

  it('is a table of env, account, blueprints, status, age, owner, expires, next action, protected, orphan', () => {
    const text = renderList(
      {
        environments: [
          env({ next: { action: 'down', at: '2026-12-01T19:00:00.000Z', by: 'aws' } }),
          env({
            environment: 'pr-42',
            account: undefined,
            accountId: '555555555555',
            expiresAt: '2026-11-30T00:00:00.000Z',
            expired: true,
            orphan: true,
            protected: true,
            ageMs: 5 * 60_000,
          }),
        ],
        unreadable: [{ accountId: '666666666666', region: 'eu-west-2', reason: 'AccessDenied' }],
      },
      plain,
    );
    const [header, , alice, orphan] = text.split('\n');
    expect(header!.split(/\s{2,}/)).toEqual([
      'ENV',
      'ACCOUNT',
      'BLUEPRINTS',
      'STATUS',
      'AGE',
      'OWNER',
      'EXPIRES',
      'NEXT',
      'PROTECTED',
      'ORPHAN',
    ]);
    expect(alice!.split(/\s{2,}/)).toEqual([
      'alice',
      'dev-alice (222222222222)',
      'data,api-lambda',
      'UPDATE_COMPLETE',
      '26h',
      'alice@recall.example.com',
      '2026-12-04T00:00:00.000Z',
      'down 2026-12-01T19:00:00.000Z (aws)',
      'no',
    ]);
    expect(orphan).toContain('555555555555');
    expect(orphan).toContain('2026-11-30T00:00:00.000Z (expired)');
    expect(orphan).toMatch(/yes\s+orphan$/);
    expect(text).toContain('1 not in estate.yaml (orphan): pr-42');
    expect(text).toContain('! could not read 666666666666 in eu-west-2: AccessDenied');
  });

  it('says when there is nothing', () => {
    expect(renderList({ environments: [], unreadable: [] }, plain)).toBe('No environments found.');
  });
});

describe('renderStatus', () => {
  const status: StatusResult = {
    environment: 'alice',
    account: 'dev-alice',
    accountId: '222222222222',
    region: 'eu-west-2',
    deployed: true,
    protected: false,
    deployedBy: 'arn:aws:iam::111111111111:user/ci',
    deployedAt: '2026-12-01T10:00:00.000Z',
    expiresAt: '2026-12-04T10:00:00.000Z',
    endpoints: { siteUrl: 'https://d123.cloudfront.net' },
    stacks: [
      {
        name: 'alice-edge',
        region: 'us-east-1',
        blueprint: 'edge',
        status: 'UPDATE_ROLLBACK_COMPLETE',
        statusReason: 'The following resource(s) failed to update: [Distribution]',
        createdAt: '2026-12-01T09:00:00.000Z',
        updatedAt: '2026-12-01T10:00:00.000Z',
        outputs: { SiteUrl: 'https://d123.cloudfront.net' },
        drift: {
          status: 'DRIFTED',
          drifted: [
            { logicalId: 'Distribution', resourceType: 'AWS::CloudFront::Distribution', status: 'MODIFIED' },
          ],
        },
      },
    ],
  };

  it('shows the stacks, the last deployer, the outputs and the drift', () => {
    const text = renderStatus(status, plain);
    expect(text).toContain('alice → dev-alice (222222222222, eu-west-2)');
    expect(text).toContain('last deployed 2026-12-01T10:00:00.000Z by arn:aws:iam::111111111111:user/ci');
    expect(text).toContain('expires 2026-12-04T10:00:00.000Z');
    expect(text).toMatch(
      /alice-edge\s+edge\s+us-east-1\s+UPDATE_ROLLBACK_COMPLETE\s+2026-12-01T10:00:00.000Z\s+DRIFTED/,
    );
    expect(text).toContain('alice-edge: The following resource(s) failed to update: [Distribution]');
    expect(text).toContain('drift alice-edge: Distribution (AWS::CloudFront::Distribution) MODIFIED');
    expect(text).toContain('alice-edge.SiteUrl = https://d123.cloudfront.net');
    expect(text).toContain('site: https://d123.cloudfront.net');
  });

  it('says an environment is not deployed', () => {
    expect(renderStatus({ ...status, deployed: false, stacks: [] }, plain)).toContain('not deployed');
  });
});

describe('formatAge', () => {
  it('reads as an age', () => {
    expect(formatAge(45_000)).toBe('45s');
    expect(formatAge(12 * 60_000)).toBe('12m');
    expect(formatAge(5 * 3_600_000)).toBe('5h');
    expect(formatAge(76 * 3_600_000)).toBe('3d4h');
    expect(formatAge(72 * 3_600_000)).toBe('3d');
  });
});
