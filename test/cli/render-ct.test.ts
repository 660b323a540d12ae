import { describe, expect, it } from 'vitest';
import { renderCtStatus } from '../../src/cli/render-ct.js';
import { disabledStatus, type CtStatus } from '../../src/core/controltower/status.js';
import {
  DEV_ALICE,
  DEV_BOB,
  MANAGEMENT,
  OU,
  accountArn,
  control,
  ctConfig,
  ouArn,
  recordedStatus,
  RECORDED_NOW,
  type Recording,
} from '../core/controltower/recorded-ct.js';

const NOW = RECORDED_NOW;

async function statusOf(
  edit: (r: Recording) => void = () => {},
  faults: NonNullable<Parameters<typeof recordedStatus>[1]>['faults'] = {},
): Promise<CtStatus> {
  return (await recordedStatus(edit, { faults })).status;
}

const plain = (s: CtStatus) => renderCtStatus(s, { color: false });
const ESC = String.fromCharCode(27);

describe('ct status text', () => {
  it('Given a healthy landing zone, When rendered, Then every section is aligned and it ends governed', async () => {
    expect(plain(await statusOf()).split('\n')).toEqual([
      'Control Tower in eu-west-2 · management account 111111111111 · organisation o-a1b2c3d4e5',
      '',
      'Landing zone',
      '  arn      arn:aws:controltower:eu-west-2:111111111111:landingzone/1A2B3C4D5E6F7G8H',
      '  status   ACTIVE',
      '  version  3.3 (latest)',
      '  drift    IN_SYNC',
      '  regions  eu-west-2, us-east-1',
      '  stack    estate-governance UPDATE_COMPLETE (last change 2026-12-01T10:15:00.000Z)',
      '',
      'Registered OUs',
      'OU                            ID                REGISTRATION  BASELINE  DRIFT    ENROLLED  CONTROLS',
      '----------------------------  ----------------  ------------  --------  -------  --------  --------',
      'Sandbox                       ou-a1b2-5andb0x1  SUCCEEDED     4.0       IN_SYNC  2/2       1',
      'Security (not a workload OU)  ou-a1b2-5ecur1ty  SUCCEEDED     4.0       IN_SYNC  2/2       0',
      'Workloads/Production          ou-a1b2-pr0duct1  SUCCEEDED     4.0       IN_SYNC  1/1       2',
      '',
      'Accounts (5 enrolled)',
      'ACCOUNT    ID            OU                    ENROLMENT  NOTE',
      '---------  ------------  --------------------  ---------  ----',
      'dev-alice  555555555555  Sandbox               enrolled',
      'dev-bob    666666666666  Sandbox               enrolled',
      'audit      333333333333  Security              enrolled',
      'logs       222222222222  Security              enrolled',
      'shop-prod  444444444444  Workloads/Production  enrolled',
      '',
      'Controls',
      'OU                    CONTROL                                STATUS     DRIFT',
      '--------------------  -------------------------------------  ---------  -------',
      'Sandbox               AWS-GR_RESTRICT_ROOT_USER_ACCESS_KEYS  SUCCEEDED  IN_SYNC',
      'Security              none enabled',
      'Workloads/Production  AWS-GR_ENCRYPTED_VOLUMES               SUCCEEDED  IN_SYNC',
      'Workloads/Production  AWS-GR_RESTRICT_ROOT_USER_ACCESS_KEYS  SUCCEEDED  IN_SYNC',
      '',
      'Control operations in flight',
      '  none',
      '',
      'Account baseline (StackSet estate-baseline) in eu-west-2 · regions eu-west-2, us-east-1 · automatic deployment on',
      'OU                    CURRENT  OUTDATED  INOPERABLE  MISSING',
      '--------------------  -------  --------  ----------  -------',
      'Sandbox               4        0         0           0',
      'Workloads/Production  2        0         0           0',
      '',
      'Where logs land',
      'LOGS                                   ACCOUNT                    WHERE                                                                                  RETENTION',
      '-------------------------------------  -------------------------  -------------------------------------------------------------------------------------  ---------',
      'CloudTrail organization trail          logs (222222222222)        S3 aws-controltower-logs-222222222222-eu-west-2                                        365 days',
      'AWS Config history                     logs (222222222222)        S3 aws-controltower-logs-222222222222-eu-west-2                                        365 days',
      'S3 access logs of the log bucket       logs (222222222222)        S3 aws-controltower-s3-access-logs-222222222222-eu-west-2                              3650 days',
      'CloudTrail events (CloudWatch Logs)    management (111111111111)  log group aws-controltower/CloudTrailLogs',
      'AWS Config aggregation                 audit (333333333333)       aggregator aws-controltower-GuardrailsComplianceAggregator',
      'Security notifications                 audit (333333333333)       SNS aws-controltower-SecurityNotifications, aws-controltower-AllConfigNotifications',
      'Metrics, logs, traces (cross-account)  audit (333333333333)       OAM sink arn:aws:oam:eu-west-2:333333333333:sink/a1b2c3d4-5e6f-7a8b-9c0d-e1f2a3b4c5d6',
      'Overview dashboard                     audit (333333333333)       CloudWatch dashboard estate-overview',
      '  monitoring account audit (333333333333): estate-monitoring CREATE_COMPLETE (last change 2026-12-01T11:00:00.000Z)',
      '',
      '✔ governed: nothing needs attention',
    ]);
  });

  it('Given an update in flight, When rendered, Then the stack shows how long it has run and the operations are listed', async () => {
    const text = plain(
      await statusOf((r) => {
        const stack = r.DescribeStacks[`${MANAGEMENT}/estate-governance`];
        stack.StackStatus = 'UPDATE_IN_PROGRESS';
        stack.LastUpdatedTime = new Date('2026-12-02T04:17:55Z');
        r.GetLandingZone.landingZone.status = 'PROCESSING';
        r.ListControlOperations.controlOperations.push({
          controlIdentifier: control('AWS-GR_ENCRYPTED_VOLUMES'),
          operationIdentifier: 'a1b2c3d4-0000-4000-8000-000000000001',
          operationType: 'ENABLE_CONTROL',
          startTime: NOW.getTime() / 1000 - 185,
          status: 'IN_PROGRESS',
          targetIdentifier: ouArn(OU.sandbox),
        });
      }),
    );
    expect(text).toContain('  status   PROCESSING');
    expect(text).toContain(
      '  stack    estate-governance UPDATE_IN_PROGRESS for 12m05s (since 2026-12-02T04:17:55.000Z); `estate ct status` again to follow it',
    );
    expect(text).toContain(
      [
        'Control operations in flight',
        'OPERATION       CONTROL                   TARGET   STATUS       RUNNING FOR',
        '--------------  ------------------------  -------  -----------  -----------',
        'ENABLE_CONTROL  AWS-GR_ENCRYPTED_VOLUMES  Sandbox  IN_PROGRESS  3m05s',
      ].join('\n'),
    );
  });

  it('Given drift and an update available, When rendered, Then the drift is marked in place and listed to look at', async () => {
    const text = plain(
      await statusOf((r) => {
        r.GetLandingZone.landingZone.driftStatus = { status: 'DRIFTED' };
        r.GetLandingZone.landingZone.latestAvailableVersion = '4.0';
        r.ListEnabledControls[ouArn(OU.production)]![0]!.driftStatusSummary = { driftStatus: 'DRIFTED' };
      }),
    );
    expect(text).toContain(
      '  version  3.3 (4.0 available: set controlTower.landingZoneVersion and `estate apply`)',
    );
    expect(text).toContain('  drift    DRIFTED');
    expect(text).toMatch(
      /^Workloads\/Production +ou-a1b2-pr0duct1 +SUCCEEDED +4\.0 +IN_SYNC +1\/1 +2 \(1 DRIFTED\)$/m,
    );
    expect(text).toMatch(/^Workloads\/Production +AWS-GR_ENCRYPTED_VOLUMES +SUCCEEDED +DRIFTED$/m);
    expect(text.split('\n').slice(-3)).toEqual([
      '! 2 things to look at:',
      '  - the landing zone has drifted: repair it in the Control Tower console, or `estate apply`',
      '  - OU Workloads/Production: 1 control drifted',
    ]);
  });

  it('Given accounts not enrolled and failed, When rendered, Then the counts head the table and each says why', async () => {
    const text = plain(
      await statusOf((r) => {
        const list = r.ListEnabledBaselines.enabledBaselines;
        list.splice(
          list.findIndex((b) => b.targetIdentifier === accountArn(DEV_BOB)),
          1,
        );
        list.find((b) => b.targetIdentifier === accountArn(DEV_ALICE))!.statusSummary.status = 'FAILED';
      }),
    );
    expect(text).toContain('Accounts (3 enrolled, 1 failed, 1 not enrolled)');
    expect(text).toMatch(
      /^dev-alice +555555555555 +Sandbox +failed +enabled baseline arn:aws:controltower:eu-west-2:111111111111:enabledbaseline\/XDEVALICE0000001 FAILED; its operation in the Control Tower console says why$/m,
    );
    expect(text).toMatch(
      /^dev-bob +666666666666 +Sandbox +not-enrolled +no enabled baseline for this account/m,
    );
    expect(text).toContain('  - 1 account failed to enrol');
    expect(text).toContain('  - 1 account in registered OUs not enrolled');
  });

  it('Given parts that cannot be read, When rendered, Then each shows its reason in place and the rest still prints', async () => {
    const text = plain(
      await statusOf(() => {}, {
        GetLandingZone: new Error(
          'AccessDeniedException: not authorized to perform controltower:GetLandingZone',
        ),
        ListStackInstances: new Error('Rate exceeded'),
      }),
    );
    expect(text).toContain(
      [
        'Landing zone',
        '  ! unreadable: AccessDeniedException: not authorized to perform controltower:GetLandingZone',
        '  stack  estate-governance UPDATE_COMPLETE (last change 2026-12-01T10:15:00.000Z)',
      ].join('\n'),
    );
    expect(text).toContain(
      ['Account baseline (StackSet estate-baseline)', '  ! unreadable: Rate exceeded'].join('\n'),
    );
    expect(text).toContain(
      '  ! unreadable: the landing zone could not be read: AccessDeniedException: not authorized to perform controltower:GetLandingZone',
    );
    // The parts that were read are still there.
    expect(text).toMatch(/^dev-alice +555555555555 +Sandbox +enrolled$/m);
    expect(text).toContain('! 2 parts could not be read (exit code 1):');
    expect(text).toContain('  - baseline StackSet: Rate exceeded');
    expect(text).not.toContain('✔ governed');
  });

  it('Given Control Tower disabled, When rendered, Then it says so and lists the governance missing', () => {
    const text = plain(disabledStatus(ctConfig((raw) => (raw.controlTower.enabled = false))));
    expect(text.split('\n').slice(0, 3)).toEqual([
      'Control Tower is disabled in estate.yaml (controlTower.enabled: false): the organisation runs on plain AWS Organizations.',
      '',
      'Governance the organisation does without:',
    ]);
    expect(text).toContain('  - no registered OUs: accounts are not enrolled');
    expect(text.split('\n').at(-1)).toBe(
      'Set controlTower.enabled: true and run `estate plan` to see what the landing zone would add.',
    );
  });

  it('Given colour, When rendered, Then status words are coloured and the columns stay aligned', async () => {
    const status = await statusOf((r) => {
      r.GetLandingZone.landingZone.driftStatus = { status: 'DRIFTED' };
    });
    const coloured = renderCtStatus(status, { color: true });
    expect(coloured).toContain(`${ESC}[31mDRIFTED${ESC}[39m`);
    expect(coloured).toContain(`${ESC}[32mSUCCEEDED${ESC}[39m`);
    // Without the escape codes, the text is exactly the plain one.
    expect(coloured.replace(new RegExp(`${ESC}\\[\\d+m`, 'g'), '')).toBe(plain(status));
    expect(plain(status)).not.toContain(ESC);
  });
});
