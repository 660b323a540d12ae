/**
 * A governed organisation as AWS answers for it: the responses of GetLandingZone,
 * ListLandingZones, ListEnabledBaselines (includeChildren), ListEnabledControls,
 * ListControlOperations, DescribeStackSet, ListStackInstances, ListStackSetOperations,
 * DescribeStacks and the Organizations tree reads, in the wire shapes of the API references
 * (Control Tower REST-JSON: camelCase, epoch-second timestamps; CloudFormation and
 * Organizations as the SDK returns them). `recordedDeps` serves them through the ports of
 * `estate ct status`, mapped the way the adapters map them, and records every call.
 * Each test copies the recording and edits what its case needs.
 */
import type { EstateConfig } from '../../../src/config/schema.js';
import { configSchema } from '../../../src/config/schema.js';
import type {
  ControlOperationSummary,
  EnabledBaseline,
  EnabledControl,
  LandingZoneState,
  StackSetInstance,
  StackSetOperation,
  StackSetState,
} from '../../../src/core/controltower/ports.js';
import {
  ctStatusService,
  type CtStatusDeps,
  type CtStatusEnabled,
} from '../../../src/core/controltower/status.js';
import type { DeployedStack, StackLocation } from '../../../src/core/env/ports.js';
import type { AccountInfo, OrganizationsPort, OuInfo } from '../../../src/core/org/ports.js';

export const MANAGEMENT = '111111111111';
export const LOGS = '222222222222';
export const AUDIT = '333333333333';
export const SHOP_PROD = '444444444444';
export const DEV_ALICE = '555555555555';
export const DEV_BOB = '666666666666';
export const ORG = 'o-a1b2c3d4e5';
export const ROOT = 'r-a1b2';
export const OU = {
  security: 'ou-a1b2-5ecur1ty',
  workloads: 'ou-a1b2-w0rk10ad',
  production: 'ou-a1b2-pr0duct1',
  sandbox: 'ou-a1b2-5andb0x1',
} as const;
export const ouArn = (id: string) => `arn:aws:organizations::${MANAGEMENT}:ou/${ORG}/${id}`;
export const accountArn = (id: string) => `arn:aws:organizations::${MANAGEMENT}:account/${ORG}/${id}`;
export const LANDING_ZONE_ARN = `arn:aws:controltower:eu-west-2:${MANAGEMENT}:landingzone/1A2B3C4D5E6F7G8H`;
const CT_BASELINE = 'arn:aws:controltower:eu-west-2::baseline/17BSJV3IGJ2QSGA2';
const AUDIT_BASELINE = 'arn:aws:controltower:eu-west-2::baseline/2YQ7ABTW1OUBH5KV';
const LOG_ARCHIVE_BASELINE = 'arn:aws:controltower:eu-west-2::baseline/4T4HA1KMO10S6311';
export const control = (id: string) => `arn:aws:controltower:eu-west-2::control/${id}`;

/** estate.yaml of the recorded organisation. */
export function ctConfig(patch: (raw: Record<string, any>) => void = () => {}): EstateConfig {
  const raw: Record<string, any> = {
    version: 1,
    organization: {
      name: 'acme',
      managementAccountId: MANAGEMENT,
      homeRegion: 'eu-west-2',
      governedRegions: ['eu-west-2', 'us-east-1'],
      emailPattern: 'aws+{account}@acme.example.com',
    },
    controlTower: {
      landingZoneVersion: '3.3',
      logArchiveAccount: 'logs',
      auditAccount: 'audit',
      logRetentionDays: 365,
      accessLogRetentionDays: 3650,
    },
    organizationalUnits: [
      { name: 'Security' },
      { name: 'Workloads', children: [{ name: 'Production' }] },
      { name: 'Sandbox' },
    ],
    accounts: [
      { name: 'logs', kind: 'logs', ou: 'Security' },
      { name: 'audit', kind: 'monitoring', ou: 'Security' },
      { name: 'shop-prod', kind: 'prod-single-tenant', ou: 'Workloads/Production' },
      { name: 'dev-alice', kind: 'developer', ou: 'Sandbox' },
      { name: 'dev-bob', kind: 'developer', ou: 'Sandbox' },
    ],
  };
  patch(raw);
  return configSchema.parse(raw);
}

const email = (name: string) => `aws+${name}@acme.example.com`;
const account = (id: string, name: string, status = 'ACTIVE') => ({
  Id: id,
  Arn: accountArn(id),
  Email: email(name),
  Name: name,
  Status: status,
  JoinedMethod: 'CREATED',
  JoinedTimestamp: new Date('2026-06-01T09:00:00Z'),
});
const ou = (id: string, name: string) => ({ Id: id, Arn: ouArn(id), Name: name });
const enabledBaseline = (
  suffix: string,
  baselineIdentifier: string,
  target: string,
  status = 'SUCCEEDED',
  extra: Record<string, unknown> = {},
) => ({
  arn: `arn:aws:controltower:eu-west-2:${MANAGEMENT}:enabledbaseline/${suffix}`,
  baselineIdentifier,
  baselineVersion: '4.0',
  driftStatusSummary: { types: { inheritance: { status: 'IN_SYNC' } } },
  statusSummary: { lastOperationIdentifier: `op-${suffix.toLowerCase()}`, status },
  targetIdentifier: target,
  ...extra,
});
const enabledControl = (
  suffix: string,
  id: string,
  target: string,
  status = 'SUCCEEDED',
  drift = 'IN_SYNC',
) => ({
  arn: `arn:aws:controltower:eu-west-2:${MANAGEMENT}:enabledcontrol/${suffix}`,
  controlIdentifier: control(id),
  driftStatusSummary: { driftStatus: drift },
  statusSummary: { lastOperationIdentifier: `op-${suffix.toLowerCase()}`, status },
  targetIdentifier: target,
});
const instance = (
  accountId: string,
  region: string,
  ouId: string,
  status = 'CURRENT',
  detailed = 'SUCCEEDED',
) => ({
  StackSetId: 'estate-baseline:8f2b1c3e-5d6a-4b7c-9e8f-0a1b2c3d4e5f',
  Region: region,
  Account: accountId,
  StackId: `arn:aws:cloudformation:${region}:${accountId}:stack/StackSet-estate-baseline-8f2b1c3e/1a2b3c4d`,
  Status: status,
  StackInstanceStatus: { DetailedStatus: detailed },
  OrganizationalUnitId: ouId,
  DriftStatus: 'NOT_CHECKED',
  LastOperationId: '3c9a8f2e-1b2d-4e5f-a6b7-c8d9e0f1a2b3',
});

/** The recording: a healthy 3.3 landing zone, two workload OUs, every account enrolled. */
export function healthyRecording() {
  return {
    DescribeOrganization: {
      Organization: {
        Id: ORG,
        Arn: `arn:aws:organizations::${MANAGEMENT}:organization/${ORG}`,
        FeatureSet: 'ALL',
        MasterAccountArn: `arn:aws:organizations::${MANAGEMENT}:account/${ORG}/${MANAGEMENT}`,
        MasterAccountId: MANAGEMENT,
        MasterAccountEmail: 'aws+management@acme.example.com',
      },
    },
    ListRoots: {
      Roots: [
        {
          Id: ROOT,
          Arn: `arn:aws:organizations::${MANAGEMENT}:root/${ORG}/${ROOT}`,
          Name: 'Root',
          PolicyTypes: [{ Type: 'SERVICE_CONTROL_POLICY', Status: 'ENABLED' }],
        },
      ],
    },
    ListOrganizationalUnitsForParent: {
      [ROOT]: [ou(OU.security, 'Security'), ou(OU.workloads, 'Workloads'), ou(OU.sandbox, 'Sandbox')],
      [OU.workloads]: [ou(OU.production, 'Production')],
    } as Record<string, ReturnType<typeof ou>[]>,
    ListAccountsForParent: {
      [ROOT]: [account(MANAGEMENT, 'management')],
      [OU.security]: [account(LOGS, 'logs'), account(AUDIT, 'audit')],
      [OU.production]: [account(SHOP_PROD, 'shop-prod')],
      [OU.sandbox]: [account(DEV_ALICE, 'dev-alice'), account(DEV_BOB, 'dev-bob')],
    } as Record<string, ReturnType<typeof account>[]>,
    DescribeStacks: {
      [`${MANAGEMENT}/estate-governance`]: {
        StackId: `arn:aws:cloudformation:eu-west-2:${MANAGEMENT}:stack/estate-governance/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0`,
        StackName: 'estate-governance',
        StackStatus: 'UPDATE_COMPLETE',
        CreationTime: new Date('2026-11-30T08:00:00Z'),
        LastUpdatedTime: new Date('2026-12-01T10:15:00Z'),
        Outputs: [{ OutputKey: 'LandingZoneArn', OutputValue: LANDING_ZONE_ARN }],
      },
      [`${AUDIT}/estate-monitoring`]: {
        StackId: `arn:aws:cloudformation:eu-west-2:${AUDIT}:stack/estate-monitoring/1c2d3e4f-5061-7283-94a5-b6c7d8e9f0a1`,
        StackName: 'estate-monitoring',
        StackStatus: 'CREATE_COMPLETE',
        CreationTime: new Date('2026-12-01T11:00:00Z'),
        Outputs: [
          {
            OutputKey: 'ObservabilitySinkArn',
            OutputValue: `arn:aws:oam:eu-west-2:${AUDIT}:sink/a1b2c3d4-5e6f-7a8b-9c0d-e1f2a3b4c5d6`,
          },
          { OutputKey: 'OverviewDashboardName', OutputValue: 'estate-overview' },
        ],
      },
    } as Record<string, any>,
    ListLandingZones: { landingZones: [{ arn: LANDING_ZONE_ARN }] },
    GetLandingZone: {
      landingZone: {
        arn: LANDING_ZONE_ARN,
        driftStatus: { status: 'IN_SYNC' },
        latestAvailableVersion: '3.3',
        manifest: {
          governedRegions: ['eu-west-2', 'us-east-1'],
          organizationStructure: { security: { name: 'Security' }, sandbox: { name: 'Sandbox' } },
          centralizedLogging: {
            accountId: LOGS,
            configurations: {
              loggingBucket: { retentionDays: 365 },
              accessLoggingBucket: { retentionDays: 3650 },
            },
            enabled: true,
          },
          securityRoles: { accountId: AUDIT },
          accessManagement: { enabled: true },
        },
        status: 'ACTIVE',
        version: '3.3',
      } as Record<string, any>,
    },
    ListEnabledBaselines: {
      enabledBaselines: [
        enabledBaseline('XSECURITY0000001', CT_BASELINE, ouArn(OU.security)),
        enabledBaseline('XPRODUCTION00001', CT_BASELINE, ouArn(OU.production)),
        enabledBaseline('XSANDBOX00000001', CT_BASELINE, ouArn(OU.sandbox)),
        enabledBaseline('XLOGS00000000001', LOG_ARCHIVE_BASELINE, accountArn(LOGS)),
        enabledBaseline('XAUDIT0000000001', AUDIT_BASELINE, accountArn(AUDIT)),
        enabledBaseline('XSHOPPROD0000001', CT_BASELINE, accountArn(SHOP_PROD), 'SUCCEEDED', {
          parentIdentifier: `arn:aws:controltower:eu-west-2:${MANAGEMENT}:enabledbaseline/XPRODUCTION00001`,
        }),
        enabledBaseline('XDEVALICE0000001', CT_BASELINE, accountArn(DEV_ALICE), 'SUCCEEDED', {
          parentIdentifier: `arn:aws:controltower:eu-west-2:${MANAGEMENT}:enabledbaseline/XSANDBOX00000001`,
        }),
        enabledBaseline('XDEVBOB000000001', CT_BASELINE, accountArn(DEV_BOB), 'SUCCEEDED', {
          parentIdentifier: `arn:aws:controltower:eu-west-2:${MANAGEMENT}:enabledbaseline/XSANDBOX00000001`,
        }),
      ] as Record<string, any>[],
    },
    ListEnabledControls: {
      [ouArn(OU.security)]: [],
      [ouArn(OU.production)]: [
        enabledControl('PROD0000000000EBS', 'AWS-GR_ENCRYPTED_VOLUMES', ouArn(OU.production)),
        enabledControl('PROD00000000ROOTK', 'AWS-GR_RESTRICT_ROOT_USER_ACCESS_KEYS', ouArn(OU.production)),
      ],
      [ouArn(OU.sandbox)]: [
        enabledControl('SAND00000000ROOTK', 'AWS-GR_RESTRICT_ROOT_USER_ACCESS_KEYS', ouArn(OU.sandbox)),
      ],
    } as Record<string, Record<string, any>[]>,
    ListControlOperations: { controlOperations: [] as Record<string, any>[] },
    DescribeStackSet: {
      StackSet: {
        StackSetName: 'estate-baseline',
        StackSetId: 'estate-baseline:8f2b1c3e-5d6a-4b7c-9e8f-0a1b2c3d4e5f',
        Status: 'ACTIVE',
        PermissionModel: 'SERVICE_MANAGED',
        AutoDeployment: { Enabled: true, RetainStacksOnAccountRemoval: false },
        OrganizationalUnitIds: [OU.production, OU.sandbox],
        ManagedExecution: { Active: true },
      } as Record<string, any> | undefined,
    },
    ListStackInstances: {
      Summaries: [
        instance(SHOP_PROD, 'eu-west-2', OU.production),
        instance(SHOP_PROD, 'us-east-1', OU.production),
        instance(DEV_ALICE, 'eu-west-2', OU.sandbox),
        instance(DEV_ALICE, 'us-east-1', OU.sandbox),
        instance(DEV_BOB, 'eu-west-2', OU.sandbox),
        instance(DEV_BOB, 'us-east-1', OU.sandbox),
      ] as Record<string, any>[],
    },
    ListStackSetOperations: {
      Summaries: [
        {
          OperationId: '3c9a8f2e-1b2d-4e5f-a6b7-c8d9e0f1a2b3',
          Action: 'CREATE',
          Status: 'SUCCEEDED',
          CreationTimestamp: new Date('2026-12-01T10:20:00Z'),
          EndTimestamp: new Date('2026-12-01T10:31:00Z'),
        },
      ] as Record<string, any>[],
    },
  };
}

export type Recording = ReturnType<typeof healthyRecording>;
export { enabledBaseline, enabledControl, instance, account };

/** The Control Tower and CloudFormation read calls `estate ct status` can make. */
export type RecordedCall =
  | 'ListLandingZones'
  | 'GetLandingZone'
  | 'ListEnabledBaselines'
  | 'ListEnabledControls'
  | 'ListControlOperations'
  | 'DescribeStackSet'
  | 'ListStackInstances'
  | 'ListStackSetOperations'
  | 'DescribeStacks'
  | 'Organizations';

export interface RecordedDeps extends CtStatusDeps {
  /** Every call, in order, with its argument. */
  readonly calls: string[];
  /** The most calls that were in flight at once. */
  readonly peak: () => number;
}

const epoch = (seconds: unknown) => (typeof seconds === 'number' ? new Date(seconds * 1000) : undefined);

/**
 * The ports over a recording. `faults` makes a call fail with the given error (as the
 * adapter would throw it); `delayMs` keeps each call in flight a little, so the bound shows.
 */
export function recordedDeps(
  r: Recording,
  options: { faults?: Partial<Record<RecordedCall, Error>>; delayMs?: number; now?: Date } = {},
): RecordedDeps {
  const calls: string[] = [];
  let inFlight = 0;
  let peak = 0;
  const call = async <T>(name: RecordedCall, arg: string, answer: () => T): Promise<T> => {
    calls.push(arg ? `${name} ${arg}` : name);
    inFlight++;
    peak = Math.max(peak, inFlight);
    try {
      await new Promise((resolve) => setTimeout(resolve, options.delayMs ?? 0));
      const fault = options.faults?.[name];
      if (fault) throw fault;
      return answer();
    } finally {
      inFlight--;
    }
  };

  const organizations = new Proxy({} as OrganizationsPort, {
    get: (_t, prop: string) => {
      const reads: Record<string, (...args: any[]) => unknown> = {
        describeOrganization: () => {
          const o = r.DescribeOrganization.Organization;
          return { id: o.Id, arn: o.Arn, managementAccountId: o.MasterAccountId, featureSet: o.FeatureSet };
        },
        listRoots: () =>
          r.ListRoots.Roots.map((x) => ({
            id: x.Id,
            arn: x.Arn,
            name: x.Name,
            policyTypes: x.PolicyTypes.map((p) => ({ type: p.Type, status: p.Status })),
          })),
        listOrganizationalUnits: (parentId: string): OuInfo[] =>
          (r.ListOrganizationalUnitsForParent[parentId] ?? []).map((x) => ({
            id: x.Id,
            arn: x.Arn,
            name: x.Name,
          })),
        listAccountsForParent: (parentId: string): AccountInfo[] =>
          (r.ListAccountsForParent[parentId] ?? []).map((a) => ({
            id: a.Id,
            arn: a.Arn,
            name: a.Name,
            email: a.Email,
            status: a.Status,
            joinedAt: a.JoinedTimestamp.toISOString(),
          })),
        listServiceAccess: () => [
          'controltower.amazonaws.com',
          'member.org.stacksets.cloudformation.amazonaws.com',
        ],
        listPolicies: () => [],
        listCreateAccountRequests: () => [],
        listTags: () => ({}),
      };
      const read = reads[prop];
      if (!read) throw new Error(`ct status must not call organizations.${prop}`);
      return (...args: any[]) =>
        call('Organizations', `${prop}${args.length ? ` ${args[0]}` : ''}`, () => read(...args));
    },
  });

  const landingZone = (arn: string): LandingZoneState | undefined => {
    const lz = r.GetLandingZone.landingZone;
    if (!lz || lz.arn !== arn) return undefined;
    return {
      arn: lz.arn,
      version: lz.version,
      status: lz.status,
      ...(lz.driftStatus ? { driftStatus: lz.driftStatus.status } : {}),
      ...(lz.latestAvailableVersion ? { latestAvailableVersion: lz.latestAvailableVersion } : {}),
      manifest: lz.manifest,
    };
  };
  const baseline = (b: Record<string, any>): EnabledBaseline => ({
    arn: b.arn,
    baselineIdentifier: b.baselineIdentifier,
    ...(b.baselineVersion ? { baselineVersion: b.baselineVersion } : {}),
    targetIdentifier: b.targetIdentifier,
    ...(b.parentIdentifier ? { parentIdentifier: b.parentIdentifier } : {}),
    status: b.statusSummary.status,
    ...(b.driftStatusSummary?.types?.inheritance?.status
      ? { inheritanceDrift: b.driftStatusSummary.types.inheritance.status }
      : {}),
  });
  const enabledControlOf = (c: Record<string, any>): EnabledControl => ({
    ...(c.arn ? { arn: c.arn } : {}),
    controlIdentifier: c.controlIdentifier,
    targetIdentifier: c.targetIdentifier,
    ...(c.statusSummary?.status ? { status: c.statusSummary.status } : {}),
    ...(c.driftStatusSummary?.driftStatus ? { driftStatus: c.driftStatusSummary.driftStatus } : {}),
  });
  const operation = (o: Record<string, any>): ControlOperationSummary => ({
    operationIdentifier: o.operationIdentifier,
    ...(o.operationType ? { operationType: o.operationType } : {}),
    status: o.status,
    ...(o.statusMessage ? { statusMessage: o.statusMessage } : {}),
    ...(epoch(o.startTime) ? { startTime: epoch(o.startTime)! } : {}),
    ...(o.controlIdentifier ? { controlIdentifier: o.controlIdentifier } : {}),
    ...(o.targetIdentifier ? { targetIdentifier: o.targetIdentifier } : {}),
  });
  const stackSet = (): StackSetState | undefined => {
    const s = r.DescribeStackSet.StackSet;
    if (!s || s.Status === 'DELETED') return undefined;
    return {
      name: s.StackSetName,
      status: s.Status,
      permissionModel: s.PermissionModel,
      autoDeployment: {
        enabled: s.AutoDeployment.Enabled,
        retainStacksOnAccountRemoval: s.AutoDeployment.RetainStacksOnAccountRemoval,
      },
      organizationalUnitIds: s.OrganizationalUnitIds,
    };
  };
  const instanceOf = (i: Record<string, any>): StackSetInstance => ({
    accountId: i.Account,
    region: i.Region,
    ...(i.OrganizationalUnitId ? { ouId: i.OrganizationalUnitId } : {}),
    status: i.Status,
    ...(i.StackInstanceStatus?.DetailedStatus
      ? { detailedStatus: i.StackInstanceStatus.DetailedStatus }
      : {}),
    ...(i.StatusReason ? { statusReason: i.StatusReason } : {}),
  });
  const operationOf = (o: Record<string, any>): StackSetOperation => ({
    operationId: o.OperationId,
    action: o.Action,
    status: o.Status,
    ...(o.StatusReason ? { statusReason: o.StatusReason } : {}),
    ...(o.CreationTimestamp ? { creationTimestamp: o.CreationTimestamp } : {}),
    ...(o.EndTimestamp ? { endTimestamp: o.EndTimestamp } : {}),
  });
  const stack = (at: StackLocation, name: string): DeployedStack | undefined => {
    const s = r.DescribeStacks[`${at.accountId}/${name}`];
    if (!s || at.region !== 'eu-west-2') return undefined;
    return {
      name: s.StackName,
      id: s.StackId,
      status: s.StackStatus,
      ...(s.StackStatusReason ? { statusReason: s.StackStatusReason } : {}),
      createdAt: s.CreationTime,
      ...(s.LastUpdatedTime ? { updatedAt: s.LastUpdatedTime } : {}),
      tags: {},
      outputs: Object.fromEntries((s.Outputs ?? []).map((o: any) => [o.OutputKey, o.OutputValue])),
      parameters: {},
      terminationProtection: false,
    };
  };

  return {
    calls,
    peak: () => peak,
    now: () => options.now ?? new Date('2026-12-02T04:30:00Z'),
    callerAccountId: async () => MANAGEMENT,
    organizations,
    stacks: {
      describeStack: (at, name) => call('DescribeStacks', `${at.accountId} ${name}`, () => stack(at, name)),
    },
    controlTower: {
      landingZones: {
        landingZones: () =>
          call('ListLandingZones', '', () => r.ListLandingZones.landingZones.map((l) => l.arn)),
        landingZone: (arn) => call('GetLandingZone', arn, () => landingZone(arn)),
      },
      baselines: {
        enabledBaselines: () =>
          call('ListEnabledBaselines', '', () => r.ListEnabledBaselines.enabledBaselines.map(baseline)),
        controlOperationsInFlight: () =>
          call('ListControlOperations', '', () =>
            r.ListControlOperations.controlOperations
              .filter((o) => o.status === 'IN_PROGRESS')
              .map(operation),
          ),
      },
      controls: {
        listEnabledControls: (target) =>
          call('ListEnabledControls', target, () =>
            (r.ListEnabledControls[target] ?? []).map(enabledControlOf),
          ),
        getControlOperation: () => Promise.reject(new Error('ct status must not call GetControlOperation')),
      },
      stackSets: {
        organizationsAccess: () =>
          Promise.reject(new Error('ct status must not call DescribeOrganizationsAccess')),
        activateOrganizationsAccess: () => Promise.reject(new Error('ct status must not activate anything')),
        stackSet: (_region, name) => call('DescribeStackSet', name, stackSet),
        instances: (_region, name) =>
          call('ListStackInstances', name, () => r.ListStackInstances.Summaries.map(instanceOf)),
        operations: (_region, name) =>
          call('ListStackSetOperations', name, () => r.ListStackSetOperations.Summaries.map(operationOf)),
      },
    },
  };
}

/** When every recorded read is made: the clock of the recordings. */
export const RECORDED_NOW = new Date('2026-12-02T04:30:00Z');

/**
 * `estate ct status` over the healthy recording after `edit`, at RECORDED_NOW, with the
 * recorded ports (their calls and peak in `deps`).
 */
export async function recordedStatus(
  edit: (r: Recording) => void = () => {},
  options: Parameters<typeof recordedDeps>[1] & { config?: EstateConfig; concurrency?: number } = {},
): Promise<{ status: CtStatusEnabled; deps: RecordedDeps }> {
  const r = healthyRecording();
  edit(r);
  const deps = recordedDeps(r, { now: RECORDED_NOW, ...options });
  const status = await ctStatusService(
    options.config ?? ctConfig(),
    { concurrency: options.concurrency ?? 8 },
    deps,
  );
  if (!status.enabled) throw new Error('expected Control Tower enabled');
  return { status, deps };
}
