import { describe, expect, it } from 'vitest';
import { EstateError } from '../../../src/errors.js';
import {
  ctStatusService,
  isUnreadable,
  type CtStatusEnabled,
} from '../../../src/core/controltower/status.js';
import {
  AUDIT,
  DEV_ALICE,
  DEV_BOB,
  LANDING_ZONE_ARN,
  LOGS,
  MANAGEMENT,
  OU,
  SHOP_PROD,
  accountArn,
  control,
  ctConfig,
  healthyRecording,
  ouArn,
  recordedDeps,
  recordedStatus,
  RECORDED_NOW,
} from './recorded-ct.js';

const NOW = RECORDED_NOW;
const statusOf = recordedStatus;

const value = <T>(read: T): Exclude<T, { unreadable: string }> => {
  if (isUnreadable(read)) throw new Error(`unreadable: ${read.unreadable}`);
  return read as Exclude<T, { unreadable: string }>;
};

const baselineArn = (suffix: string) =>
  `arn:aws:controltower:eu-west-2:${MANAGEMENT}:enabledbaseline/${suffix}`;

describe('estate ct status over recorded responses', () => {
  it('Given a healthy landing zone, When read, Then every part is shown and nothing needs attention', async () => {
    const { status, deps } = await statusOf();

    expect(status.unreadable).toEqual([]);
    expect(status.attention).toEqual([]);
    expect(status.organizationId).toBe('o-a1b2c3d4e5');
    expect(status.landingZone).toEqual({
      arn: LANDING_ZONE_ARN,
      source: 'governance-stack',
      status: 'ACTIVE',
      version: '3.3',
      latestAvailableVersion: '3.3',
      updateAvailable: false,
      driftStatus: 'IN_SYNC',
      governedRegions: ['eu-west-2', 'us-east-1'],
    });
    // The ARN came from the stack's LandingZoneArn output: no ListLandingZones.
    expect(deps.calls).not.toContain('ListLandingZones');
    expect(value(status.governanceStack)).toMatchObject({
      name: 'estate-governance',
      status: 'UPDATE_COMPLETE',
      inProgress: false,
      failed: false,
      since: '2026-12-01T10:15:00.000Z',
    });

    expect(
      status.ous.map((o) => [o.path, o.workload, value(o.registration)?.status, o.accounts, controlsOf(o)]),
    ).toEqual([
      ['Sandbox', true, 'SUCCEEDED', { total: 2, enrolled: 2 }, ['AWS-GR_RESTRICT_ROOT_USER_ACCESS_KEYS']],
      ['Security', false, 'SUCCEEDED', { total: 2, enrolled: 2 }, []],
      [
        'Workloads/Production',
        true,
        'SUCCEEDED',
        { total: 1, enrolled: 1 },
        ['AWS-GR_ENCRYPTED_VOLUMES', 'AWS-GR_RESTRICT_ROOT_USER_ACCESS_KEYS'],
      ],
    ]);
    expect(value(status.accounts).map((a) => [a.name, a.ouPath, a.enrolment])).toEqual([
      ['dev-alice', 'Sandbox', 'enrolled'],
      ['dev-bob', 'Sandbox', 'enrolled'],
      ['audit', 'Security', 'enrolled'],
      ['logs', 'Security', 'enrolled'],
      ['shop-prod', 'Workloads/Production', 'enrolled'],
    ]);
    expect(value(status.controlOperations)).toEqual([]);

    const baseline = value(status.baseline!);
    expect(baseline).toMatchObject({
      exists: true,
      autoDeployment: true,
      regions: ['eu-west-2', 'us-east-1'],
    });
    expect(baseline.byOu).toEqual([
      { ouId: OU.sandbox, path: 'Sandbox', current: 4, outdated: 0, inoperable: 0, missing: 0 },
      {
        ouId: OU.production,
        path: 'Workloads/Production',
        current: 2,
        outdated: 0,
        inoperable: 0,
        missing: 0,
      },
    ]);
    expect(baseline.operationsInFlight).toEqual([]);

    expect(value(status.monitoring!)).toMatchObject({
      accountId: AUDIT,
      accountName: 'audit',
      sinkArn: `arn:aws:oam:eu-west-2:${AUDIT}:sink/a1b2c3d4-5e6f-7a8b-9c0d-e1f2a3b4c5d6`,
      dashboardName: 'estate-overview',
    });
    expect(value(status.logs)!.map((l) => [l.kind, l.accountName ?? '', l.where, l.retention ?? ''])).toEqual(
      [
        ['CloudTrail organization trail', 'logs', `S3 aws-controltower-logs-${LOGS}-eu-west-2`, '365 days'],
        ['AWS Config history', 'logs', `S3 aws-controltower-logs-${LOGS}-eu-west-2`, '365 days'],
        [
          'S3 access logs of the log bucket',
          'logs',
          `S3 aws-controltower-s3-access-logs-${LOGS}-eu-west-2`,
          '3650 days',
        ],
        [
          'CloudTrail events (CloudWatch Logs)',
          'management',
          'log group aws-controltower/CloudTrailLogs',
          '',
        ],
        ['AWS Config aggregation', 'audit', 'aggregator aws-controltower-GuardrailsComplianceAggregator', ''],
        [
          'Security notifications',
          'audit',
          'SNS aws-controltower-SecurityNotifications, aws-controltower-AllConfigNotifications',
          '',
        ],
        [
          'Metrics, logs, traces (cross-account)',
          'audit',
          `OAM sink arn:aws:oam:eu-west-2:${AUDIT}:sink/a1b2c3d4-5e6f-7a8b-9c0d-e1f2a3b4c5d6`,
          '',
        ],
        ['Overview dashboard', 'audit', 'CloudWatch dashboard estate-overview', ''],
      ],
    );
    // The monitoring stack is read in the audit account, the governance stack in the management account.
    expect(deps.calls).toEqual(
      expect.arrayContaining([
        `DescribeStacks ${MANAGEMENT} estate-governance`,
        `DescribeStacks ${AUDIT} estate-monitoring`,
      ]),
    );
  });

  it('Given an update and control operations in flight, When read, Then each shows its elapsed time', async () => {
    const { status } = await statusOf((r) => {
      const stack = r.DescribeStacks[`${MANAGEMENT}/estate-governance`];
      stack.StackStatus = 'UPDATE_IN_PROGRESS';
      stack.LastUpdatedTime = new Date('2026-12-02T04:17:55Z');
      r.GetLandingZone.landingZone.status = 'PROCESSING';
      r.ListControlOperations.controlOperations.push(
        {
          controlIdentifier: control('AWS-GR_ENCRYPTED_VOLUMES'),
          enabledControlIdentifier: `arn:aws:controltower:eu-west-2:${MANAGEMENT}:enabledcontrol/SAND000000000EBS`,
          operationIdentifier: 'a1b2c3d4-0000-4000-8000-000000000001',
          operationType: 'ENABLE_CONTROL',
          startTime: NOW.getTime() / 1000 - 185,
          status: 'IN_PROGRESS',
          targetIdentifier: ouArn(OU.sandbox),
        },
        {
          operationIdentifier: 'a1b2c3d4-0000-4000-8000-000000000002',
          operationType: 'ENABLE_CONTROL',
          startTime: NOW.getTime() / 1000 - 3600,
          endTime: NOW.getTime() / 1000 - 3000,
          status: 'SUCCEEDED',
        },
      );
      r.ListStackSetOperations.Summaries.unshift({
        OperationId: '9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a',
        Action: 'UPDATE',
        Status: 'RUNNING',
        CreationTimestamp: new Date(NOW.getTime() - 90_000),
      });
    });

    expect(value(status.governanceStack)).toMatchObject({
      status: 'UPDATE_IN_PROGRESS',
      inProgress: true,
      elapsedMs: 12 * 60_000 + 5_000,
    });
    expect(value(status.landingZone)!.status).toBe('PROCESSING');
    expect(value(status.controlOperations)).toEqual([
      {
        id: 'a1b2c3d4-0000-4000-8000-000000000001',
        type: 'ENABLE_CONTROL',
        status: 'IN_PROGRESS',
        control: 'AWS-GR_ENCRYPTED_VOLUMES',
        target: 'Sandbox',
        startedAt: '2026-12-02T04:26:55.000Z',
        elapsedMs: 185_000,
      },
    ]);
    expect(value(status.baseline!).operationsInFlight).toEqual([
      {
        id: '9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a',
        action: 'UPDATE',
        status: 'RUNNING',
        startedAt: '2026-12-02T04:28:30.000Z',
        elapsedMs: 90_000,
      },
    ]);
  });

  it('Given drift in the landing zone, a control and an account, When read, Then each is marked and listed for attention', async () => {
    const { status } = await statusOf((r) => {
      r.GetLandingZone.landingZone.driftStatus = { status: 'DRIFTED' };
      r.GetLandingZone.landingZone.latestAvailableVersion = '4.0';
      r.ListEnabledControls[ouArn(OU.production)]![0]!.driftStatusSummary = { driftStatus: 'DRIFTED' };
      const bob = r.ListEnabledBaselines.enabledBaselines.find(
        (b) => b.targetIdentifier === accountArn(DEV_BOB),
      )!;
      bob.driftStatusSummary = { types: { inheritance: { status: 'DRIFTED' } } };
      const sandbox = r.ListEnabledBaselines.enabledBaselines.find(
        (b) => b.targetIdentifier === ouArn(OU.sandbox),
      )!;
      sandbox.driftStatusSummary = { types: { inheritance: { status: 'DRIFTED' } } };
    });

    expect(value(status.landingZone)).toMatchObject({ driftStatus: 'DRIFTED', updateAvailable: true });
    const prod = status.ous.find((o) => o.path === 'Workloads/Production')!;
    expect(value(prod.controls!)[0]).toMatchObject({
      name: 'AWS-GR_ENCRYPTED_VOLUMES',
      driftStatus: 'DRIFTED',
    });
    const bob = value(status.accounts).find((a) => a.id === DEV_BOB)!;
    expect(bob).toMatchObject({ enrolment: 'enrolled', drifted: true });
    expect(bob.reason).toMatch(/no longer matches its OU/);
    expect(status.attention).toEqual([
      'the landing zone has drifted: repair it in the Control Tower console, or `estate apply`',
      "OU Sandbox: an account does not match the OU's baseline",
      'OU Workloads/Production: 1 control drifted',
      "1 enrolled account drifted from their OU's baseline",
    ]);
  });

  it('Given accounts not enrolled, failed and outside registered OUs, When read, Then each has its state and reason', async () => {
    const config = ctConfig((raw) => {
      raw.organizationalUnits.push({ name: 'Suspended' });
      raw.accounts.push({ name: 'old', kind: 'developer', ou: 'Suspended' });
      raw.controlTower.workloadOus = ['Workloads/Production', 'Sandbox', 'Workloads/Integration'];
      raw.organizationalUnits[1].children.push({ name: 'Integration' });
    });
    const { status } = await statusOf(
      (r) => {
        const list = r.ListEnabledBaselines.enabledBaselines;
        list.splice(
          list.findIndex((b) => b.targetIdentifier === accountArn(DEV_BOB)),
          1,
        );
        list.find((b) => b.targetIdentifier === accountArn(DEV_ALICE))!.statusSummary.status = 'FAILED';
        r.ListOrganizationalUnitsForParent['r-a1b2']!.push({
          Id: 'ou-a1b2-0ldacc75',
          Arn: ouArn('ou-a1b2-0ldacc75'),
          Name: 'Suspended',
        });
        r.ListAccountsForParent['ou-a1b2-0ldacc75'] = [
          {
            Id: '777777777777',
            Arn: accountArn('777777777777'),
            Email: 'aws+old@acme.example.com',
            Name: 'old',
            Status: 'SUSPENDED',
            JoinedMethod: 'CREATED',
            JoinedTimestamp: new Date('2025-01-01T00:00:00Z'),
          },
        ];
        // Two of the sandbox instances never came: dev-bob was not enrolled when the StackSet deployed.
        r.ListStackInstances.Summaries = r.ListStackInstances.Summaries.filter((i) => i.Account !== DEV_BOB);
      },
      { config },
    );

    const accounts = value(status.accounts);
    expect(accounts.map((a) => [a.name, a.enrolment])).toEqual([
      ['dev-alice', 'failed'],
      ['dev-bob', 'not-enrolled'],
      ['audit', 'enrolled'],
      ['logs', 'enrolled'],
      ['shop-prod', 'enrolled'],
      ['old', 'ungoverned'],
    ]);
    expect(accounts[0]!.reason).toBe(
      `enabled baseline ${baselineArn('XDEVALICE0000001')} FAILED; its operation in the Control Tower console says why`,
    );
    expect(accounts[1]!.reason).toMatch(/^no enabled baseline for this account: re-register its OU/);
    expect(accounts[5]!.reason).toBe('OU Suspended is not registered');
    // A workload OU estate.yaml declares that the organisation does not have yet.
    expect(status.ous.find((o) => o.path === 'Workloads/Integration')).toEqual({
      path: 'Workloads/Integration',
      workload: true,
      registration: null,
    });
    expect(status.ous.find((o) => o.path === 'Sandbox')!.accounts).toEqual({ total: 2, enrolled: 1 });
    const baseline = value(status.baseline!);
    expect(baseline.byOu.find((o) => o.path === 'Sandbox')).toMatchObject({ current: 2, missing: 2 });
    expect(baseline.problems).toEqual([
      { accountId: DEV_BOB, accountName: 'dev-bob', region: 'eu-west-2', status: 'MISSING' },
      { accountId: DEV_BOB, accountName: 'dev-bob', region: 'us-east-1', status: 'MISSING' },
    ]);
    expect(status.attention).toEqual([
      'workload OU Workloads/Integration is not registered',
      '1 account failed to enrol',
      '1 account in registered OUs not enrolled',
      '2 estate-baseline instances not current',
    ]);
  });

  it('Given an outdated and an inoperable instance, When read, Then they are counted per OU with their reasons', async () => {
    const { status } = await statusOf((r) => {
      const [a, b] = r.ListStackInstances.Summaries;
      a!.Status = 'OUTDATED';
      a!.StackInstanceStatus = { DetailedStatus: 'FAILED' };
      a!.StatusReason =
        'ResourceLogicalId:CloudFormationExecutionRole, ResourceType:AWS::IAM::Role, ResourceStatusReason:Role already exists.';
      b!.Status = 'INOPERABLE';
      b!.StackInstanceStatus = { DetailedStatus: 'INOPERABLE' };
    });
    const baseline = value(status.baseline!);
    expect(baseline.byOu.find((o) => o.path === 'Workloads/Production')).toEqual({
      ouId: OU.production,
      path: 'Workloads/Production',
      current: 0,
      outdated: 1,
      inoperable: 1,
      missing: 0,
    });
    expect(baseline.problems[0]).toEqual({
      accountId: SHOP_PROD,
      accountName: 'shop-prod',
      region: 'eu-west-2',
      status: 'OUTDATED',
      detailedStatus: 'FAILED',
      reason:
        'ResourceLogicalId:CloudFormationExecutionRole, ResourceType:AWS::IAM::Role, ResourceStatusReason:Role already exists.',
    });
  });

  it('Given reads that fail, When read, Then each failed part is unreadable with its reason and the rest is shown', async () => {
    const { status } = await statusOf(() => {}, {
      faults: {
        GetLandingZone: new EstateError(
          'cannot read the landing zone: the caller lacks controltower:GetLandingZone',
          {
            code: 'AccessDenied',
            source: 'aws',
          },
        ),
        ListEnabledControls: new Error('Rate exceeded'),
      },
    });

    expect(status.landingZone).toEqual({
      unreadable: 'cannot read the landing zone: the caller lacks controltower:GetLandingZone',
    });
    expect(isUnreadable(status.logs)).toBe(true);
    for (const ou of status.ous) expect(ou.controls).toEqual({ unreadable: 'Rate exceeded' });
    expect(status.unreadable).toEqual([
      {
        part: 'landing zone',
        reason: 'cannot read the landing zone: the caller lacks controltower:GetLandingZone',
      },
      { part: 'controls of Sandbox', reason: 'Rate exceeded' },
      { part: 'controls of Security', reason: 'Rate exceeded' },
      { part: 'controls of Workloads/Production', reason: 'Rate exceeded' },
    ]);
    // Everything else was still read.
    expect(value(status.accounts)).toHaveLength(5);
    expect(value(status.governanceStack)!.status).toBe('UPDATE_COMPLETE');
    expect(value(status.baseline!).exists).toBe(true);
  });

  it('Given the enabled baselines cannot be read, When read, Then registration and enrolment are unreadable, not guessed', async () => {
    const { status } = await statusOf(() => {}, {
      faults: {
        ListEnabledBaselines: new Error(
          "SyntaxError: Unexpected token '<'\n  Deserialization error: to see the raw response, inspect $response",
        ),
      },
    });
    const reason =
      "SyntaxError: Unexpected token '<' Deserialization error: to see the raw response, inspect $response";
    expect(status.unreadable).toEqual([{ part: 'enabled baselines', reason }]);
    expect(status.accounts).toEqual({ unreadable: `the enabled baselines could not be read: ${reason}` });
    const sandbox = status.ous.find((o) => o.path === 'Sandbox')!;
    expect(sandbox.registration).toEqual({ unreadable: reason });
    expect(sandbox.accounts).toEqual({ total: 2 });
    // The controls of the configured OUs are still read.
    expect(value(sandbox.controls!).map((c) => c.name)).toEqual(['AWS-GR_RESTRICT_ROOT_USER_ACCESS_KEYS']);
  });

  it('Given the organisation cannot be read, When read, Then accounts are unreadable and the Control Tower parts still show', async () => {
    const { status } = await statusOf(() => {}, {
      faults: { Organizations: new Error('connect ETIMEDOUT') },
    });
    expect(status.unreadable.map((u) => u.part)).toEqual(['organisation', 'monitoring stack']);
    expect(status.accounts).toEqual({ unreadable: 'the organisation could not be read' });
    expect(value(status.landingZone)!.status).toBe('ACTIVE');
    // OUs known from their baselines, without paths; missing instances cannot be counted.
    expect(status.ous.map((o) => [o.id, o.path])).toEqual([
      [OU.sandbox, undefined],
      [OU.security, undefined],
      [OU.production, undefined],
    ]);
    expect(value(status.baseline!).byOu.every((o) => o.missing === undefined)).toBe(true);
  });

  it('Given a governance stack without the LandingZoneArn output, When read, Then the ARN comes from ListLandingZones and is flagged', async () => {
    const { status, deps } = await statusOf((r) => {
      r.DescribeStacks[`${MANAGEMENT}/estate-governance`] = undefined;
    });
    expect(deps.calls).toContain('ListLandingZones');
    expect(status.governanceStack).toBeNull();
    expect(value(status.landingZone)!.source).toBe('organization');
    expect(status.attention).toContain(
      'the landing zone was not created by estate-governance: estate will not manage it',
    );
  });

  it('Given no landing zone yet, When read, Then it says so and where logs would land is null', async () => {
    const { status } = await statusOf((r) => {
      r.DescribeStacks[`${MANAGEMENT}/estate-governance`] = undefined;
      r.ListLandingZones.landingZones = [];
      r.ListEnabledBaselines.enabledBaselines = [];
      r.DescribeStackSet.StackSet = undefined;
      r.ListStackInstances.Summaries = [];
      r.DescribeStacks[`${AUDIT}/estate-monitoring`] = undefined;
    });
    expect(status.landingZone).toBeNull();
    expect(status.logs).toBeNull();
    expect(status.unreadable).toEqual([]);
    expect(status.attention).toEqual([
      'no landing zone: `estate apply` creates it (30–45 minutes)',
      'workload OU Sandbox is not registered',
      'workload OU Workloads/Production is not registered',
      'the estate-baseline StackSet does not exist: `estate apply` creates it',
      'estate-monitoring is not deployed in the audit account',
    ]);
    expect(value(status.accounts).map((a) => [a.name, a.enrolment, a.reason])).toEqual([
      ['audit', 'shared', "the landing zone's audit account, governed by the landing zone"],
      ['logs', 'shared', "the landing zone's log-archive account, governed by the landing zone"],
      ['dev-alice', 'ungoverned', 'OU Sandbox is not registered'],
      ['dev-bob', 'ungoverned', 'OU Sandbox is not registered'],
      ['shop-prod', 'ungoverned', 'OU Workloads/Production is not registered'],
    ]);
  });

  it('Given no audit account yet, When read, Then the monitoring part is absent, not unreadable', async () => {
    const { status, deps } = await statusOf((r) => {
      r.ListAccountsForParent[OU.security] = r.ListAccountsForParent[OU.security]!.filter(
        (a) => a.Id !== AUDIT,
      );
    });
    expect(status.monitoring).toBeNull();
    expect(status.unreadable).toEqual([]);
    expect(status.attention).toContain(
      'the audit account is not in the organisation yet: `estate apply` creates it',
    );
    expect(deps.calls.filter((c) => c.includes('estate-monitoring'))).toEqual([]);
  });

  it('Given a 4.0 landing zone with Config and backup, When read, Then Config lands in its own account with its retention', async () => {
    const { status } = await statusOf((r) => {
      const lz = r.GetLandingZone.landingZone;
      lz.version = '4.0';
      lz.latestAvailableVersion = '4.0';
      lz.manifest = {
        governedRegions: ['eu-west-2'],
        centralizedLogging: {
          accountId: LOGS,
          enabled: true,
          configurations: {
            loggingBucket: { retentionDays: 90 },
            accessLoggingBucket: { retentionDays: 365 },
            kmsKeyArn: 'arn:aws:kms:eu-west-2:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab',
          },
        },
        config: {
          accountId: AUDIT,
          enabled: true,
          configurations: { loggingBucket: { retentionDays: 730 } },
        },
        securityRoles: { accountId: AUDIT, enabled: false },
        accessManagement: { enabled: false },
        backup: { enabled: false },
      };
    });
    const logs = value(status.logs)!;
    expect(logs.map((l) => l.kind)).not.toContain('AWS Config history');
    expect(logs.map((l) => l.kind)).not.toContain('Security notifications');
    expect(logs.find((l) => l.kind === 'CloudTrail organization trail')).toEqual({
      kind: 'CloudTrail organization trail',
      accountId: LOGS,
      accountName: 'logs',
      where: `S3 aws-controltower-logs-${LOGS}-eu-west-2 (KMS arn:aws:kms:eu-west-2:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab)`,
      retention: '90 days',
    });
    expect(logs.find((l) => l.kind === 'AWS Config aggregation and history')).toMatchObject({
      accountName: 'audit',
      retention: '730 days',
    });
  });

  it('Given Control Tower disabled, When asked, Then it says what governance is missing without any AWS call', async () => {
    const deps = recordedDeps(healthyRecording());
    let asked = false;
    const status = await ctStatusService(
      ctConfig((raw) => (raw.controlTower.enabled = false)),
      {},
      { ...deps, callerAccountId: async () => ((asked = true), MANAGEMENT) },
    );
    expect(status.enabled).toBe(false);
    expect(status).toMatchObject({ configured: true });
    expect(!status.enabled && status.missing.length).toBe(5);
    expect(deps.calls).toEqual([]);
    expect(asked).toBe(false);
  });

  it('rejects credentials of another account before reading anything', async () => {
    const deps = recordedDeps(healthyRecording());
    await expect(
      ctStatusService(ctConfig(), {}, { ...deps, callerAccountId: async () => '999999999999' }),
    ).rejects.toMatchObject({ code: 'NotManagementAccount' });
    expect(deps.calls).toEqual([]);
  });

  it('Given a bound of 2, When read, Then never more than 2 calls are in flight', async () => {
    const { deps, status } = await statusOf(() => {}, { concurrency: 2, delayMs: 2 });
    expect(status.unreadable).toEqual([]);
    expect(deps.peak()).toBe(2);
  });
});

function controlsOf(ou: CtStatusEnabled['ous'][number]): string[] {
  return value(ou.controls!).map((c) => c.name);
}
