import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { type ConfigError, formatIssue, parseConfig } from '../../src/config/loader.js';
import { controlArn, controlIdProblem } from '../../src/config/controltower.js';
import { configSchema } from '../../src/config/schema.js';
import { workloadOus } from '../../src/config/workload-ous.js';
import { configProblems, minimalConfig } from '../_helpers/config.js';

/** The minimal estate with an audit account and a controlTower block (Given). */
function withLandingZone(ct: Record<string, unknown> = {}): Record<string, any> {
  const c = minimalConfig();
  c.organizationalUnits.push({ name: 'Workloads' });
  c.accounts.push({ name: 'audit', kind: 'monitoring', ou: 'Security' });
  c.accounts.push({ name: 'prod', kind: 'prod-multi-tenant', ou: 'Workloads' });
  c.controlTower = { logArchiveAccount: 'logs', auditAccount: 'audit', ...ct };
  return c;
}

function problemsAt(config: unknown, path: string): string[] {
  return configProblems(config).filter((p) => p.includes(`: ${path}: `));
}

describe('controlTower config', () => {
  it('accepts a 3.3 and a 4.0 landing zone with their own options', () => {
    expect(configProblems(withLandingZone({ securityOuName: 'Core', sandboxOuName: 'Sandbox' }))).toEqual([]);
    const v4 = withLandingZone({
      landingZoneVersion: '4.0',
      awsConfig: false,
      securityRoles: true,
      backup: {
        adminAccount: 'audit',
        centralAccount: 'logs',
        kmsKeyArn: 'arn:aws:kms:eu-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      },
    });
    expect(configProblems(v4)).toEqual([]);
  });

  it('rejects an unknown landing-zone version, naming the field and the versions AWS offers', () => {
    const [problem] = problemsAt(
      withLandingZone({ landingZoneVersion: '3.4' }),
      'controlTower.landingZoneVersion',
    );
    expect(problem).toMatch(/"3\.4" is not one AWS Control Tower offers: use 3\.3 or 4\.0/);
  });

  it('rejects a version YAML reads as a number, asking for quotes', () => {
    const text = stringify(withLandingZone()).replace(
      'controlTower:\n',
      'controlTower:\n  landingZoneVersion: 4.0\n',
    );
    const problems = (() => {
      try {
        parseConfig(text, 'estate.yaml');
        return [];
      } catch (error) {
        return (error as ConfigError).issues.map(formatIssue);
      }
    })();
    expect(problems.join('\n')).toMatch(/landingZoneVersion: .*unquoted 4\.0 as a number; quote it: '4\.0'/);
  });

  it('rejects Security and sandbox OU names on 4.0, which creates no Security OU', () => {
    const c = withLandingZone({
      landingZoneVersion: '4.0',
      securityOuName: 'Security',
      sandboxOuName: 'Sandbox',
    });
    expect(problemsAt(c, 'controlTower.securityOuName')[0]).toMatch(
      /4\.0 creates no Security OU: remove securityOuName/,
    );
    expect(problemsAt(c, 'controlTower.sandboxOuName')[0]).toMatch(/4\.0 creates no sandbox OU/);
  });

  it('rejects switching off AWS Config or the security roles, and a backup block, before 4.0', () => {
    const c = withLandingZone({
      awsConfig: false,
      securityRoles: false,
      backup: {
        adminAccount: 'audit',
        centralAccount: 'logs',
        kmsKeyArn: 'arn:aws:kms:eu-west-2:111122223333:key/abcd',
      },
    });
    expect(problemsAt(c, 'controlTower.awsConfig')[0]).toMatch(/3\.3 always has AWS Config; .*4\.0/);
    expect(problemsAt(c, 'controlTower.securityRoles')[0]).toMatch(/always has the security roles/);
    expect(problemsAt(c, 'controlTower.backup')[0]).toMatch(/needs landingZoneVersion 4\.0, not 3\.3/);
  });

  it('rejects 4.0 service-integration accounts under different parent OUs', () => {
    const c = withLandingZone({ landingZoneVersion: '4.0' });
    c.accounts.find((a: any) => a.name === 'audit').ou = 'Workloads';
    expect(problemsAt(c, 'controlTower.auditAccount')[0]).toMatch(
      /one parent OU: logs is in Security, audit is in Workloads/,
    );
  });

  it('rejects backup accounts that are not declared and a KMS key that is not a key ARN', () => {
    const c = withLandingZone({
      landingZoneVersion: '4.0',
      kmsKeyArn: 'alias/logs',
      backup: {
        adminAccount: 'backup-admin',
        centralAccount: 'logs',
        kmsKeyArn: 'arn:aws:kms:eu-west-2:111122223333:key/ab',
      },
    });
    expect(problemsAt(c, 'controlTower.backup.adminAccount')[0]).toMatch(/"backup-admin" is not declared/);
    expect(problemsAt(c, 'controlTower.kmsKeyArn')[0]).toMatch(/must be a KMS key ARN/);
  });

  it('rejects a landing zone without a logs or a monitoring account, saying which kind to declare', () => {
    const c = minimalConfig();
    c.accounts = c.accounts.filter((a: any) => a.kind !== 'logs');
    c.controlTower = { logArchiveAccount: 'logs', auditAccount: 'audit' };
    expect(problemsAt(c, 'controlTower.logArchiveAccount')[0]).toMatch(
      /a landing zone needs a log-archive account: declare one of kind logs/,
    );
    expect(problemsAt(c, 'controlTower.auditAccount')[0]).toMatch(
      /a landing zone needs an audit account: declare one of kind monitoring/,
    );
  });

  it('rejects governed regions without the home region', () => {
    const c = withLandingZone();
    c.organization.governedRegions = ['us-east-1'];
    expect(problemsAt(c, 'organization.governedRegions')[0]).toMatch(
      /home region eu-west-2 must be governed/,
    );
  });

  it('rejects a control id in the wrong form, naming both ARN forms', () => {
    const c = withLandingZone({
      controls: [{ ou: 'Workloads', identifiers: ['AWS-GR_RESTRICT_ROOT_USER', 'restrict-root-user'] }],
    });
    const problems = problemsAt(c, 'controlTower.controls[0].identifiers[1]');
    expect(problems[0]).toMatch(
      /"restrict-root-user" is not a control identifier: write arn:aws:controltower:<region>::control\/<ID> or arn:aws:controlcatalog:::control\/<id>/,
    );
    expect(problemsAt(c, 'controlTower.controls[0].identifiers[0]')).toEqual([]);
  });

  it('rejects a control ARN of another region than the home region', () => {
    const c = withLandingZone({
      controls: [
        {
          ou: 'Workloads',
          identifiers: ['arn:aws:controltower:us-east-1::control/AWS-GR_ENCRYPTED_VOLUMES'],
        },
      ],
    });
    expect(problemsAt(c, 'controlTower.controls[0].identifiers[0]')[0]).toMatch(/home region eu-west-2/);
  });

  it('rejects controls on an OU that is not registered before 4.0, and takes them on 4.0', () => {
    const controls = [{ ou: 'Security', identifiers: ['AWS-GR_RESTRICT_ROOT_USER'] }];
    expect(problemsAt(withLandingZone({ controls }), 'controlTower.controls[0].ou')[0]).toMatch(
      /OU "Security" is not registered with Control Tower \(workload OUs: Sandbox, Workloads\); .*add it to controlTower.workloadOus/,
    );
    expect(
      problemsAt(withLandingZone({ landingZoneVersion: '4.0', controls }), 'controlTower.controls[0].ou'),
    ).toEqual([]);
  });

  it('rejects workload OUs that are not declared', () => {
    const c = withLandingZone({ workloadOus: ['Workloads', 'Nowhere'] });
    expect(problemsAt(c, 'controlTower.workloadOus[1]')[0]).toMatch(/OU "Nowhere" is not declared/);
  });

  it('accepts baseline regions that are governed and include the home region', () => {
    const c = withLandingZone({ baseline: { regions: ['eu-west-2', 'us-east-1'] } });
    expect(configProblems(c)).toEqual([]);
  });

  it('rejects baseline regions that are not governed, naming the region and the governed ones', () => {
    const c = withLandingZone({ baseline: { regions: ['eu-west-2', 'eu-central-1'] } });
    expect(problemsAt(c, 'controlTower.baseline.regions[1]')).toEqual([
      expect.stringMatching(
        /region eu-central-1 is not governed \(governedRegions: eu-west-2, us-east-1\); the baseline deploys only to governed regions/,
      ),
    ]);
  });

  it('rejects baseline regions without the home region while observability links to the sink there', () => {
    const c = withLandingZone({ baseline: { regions: ['us-east-1'] } });
    expect(problemsAt(c, 'controlTower.baseline.regions')).toEqual([
      expect.stringMatching(
        /the observability sink is in the home region eu-west-2, .*add eu-west-2 to controlTower\.baseline\.regions/,
      ),
    ]);
    const off = withLandingZone({ baseline: { regions: ['us-east-1'] }, observability: { enabled: false } });
    expect(configProblems(off)).toEqual([]);
  });

  it('checks no baseline regions when the baseline is off', () => {
    const c = withLandingZone({ baseline: { enabled: false, regions: ['eu-central-1'] } });
    expect(configProblems(c)).toEqual([]);
  });

  it('baselines every OU holding accounts other than the log-archive and audit accounts by default', () => {
    const config = configSchema.parse(withLandingZone());
    expect(workloadOus(config)).toEqual(['Sandbox', 'Workloads']);
    expect(workloadOus(configSchema.parse(withLandingZone({ workloadOus: ['Workloads'] })))).toEqual([
      'Workloads',
    ]);
  });
});

describe('control identifiers', () => {
  it('accepts the three forms Control Tower takes and turns a guardrail name into a home-region ARN', () => {
    for (const id of [
      'arn:aws:controltower:eu-west-2::control/AWS-GR_ENCRYPTED_VOLUMES',
      'arn:aws:controlcatalog:::control/5kvme4m5d2b4d7if2fs5yg2ui',
      'AWS-GR_RESTRICT_ROOT_USER_ACCESS_KEYS',
    ])
      expect(controlIdProblem(id), id).toBeUndefined();
    expect(controlArn('AWS-GR_ENCRYPTED_VOLUMES', 'aws', 'eu-west-2')).toBe(
      'arn:aws:controltower:eu-west-2::control/AWS-GR_ENCRYPTED_VOLUMES',
    );
    expect(controlArn('arn:aws:controlcatalog:::control/abc', 'aws', 'eu-west-2')).toBe(
      'arn:aws:controlcatalog:::control/abc',
    );
  });

  it('rejects near misses', () => {
    for (const id of [
      'arn:aws:controltower:eu-west-2:111122223333:control/AWS-GR_X',
      'arn:aws:controlcatalog:eu-west-2::control/abc',
      'aws-gr_restrict_root_user',
      'GR_RESTRICT_ROOT_USER',
      // CloudFormation's ControlIdentifier pattern has no dots: catalog names need their catalog ARN
      'arn:aws:controltower:eu-west-2::control/CT.MULTISERVICE.PV.1',
    ])
      expect(controlIdProblem(id), id).toMatch(/is not a control identifier/);
  });
});
