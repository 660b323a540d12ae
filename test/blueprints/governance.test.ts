import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { EstateGovernanceStack, type EstateGovernanceStackProps } from '../../src/blueprints/governance.js';
import { awsSolutionsFindings } from '../../src/blueprints/nag.js';
import { PLATFORM_OUTPUTS } from '../../src/blueprints/platform.js';
import type { EstateConfig } from '../../src/config/schema.js';
import { controlTowerEstate } from './_control-tower.js';
import { newApp, resourcesOf, template } from './_helpers.js';

const IC_BASELINE = 'arn:aws:controltower:eu-west-2:999999999999:enabledbaseline/XALULM96QHI525UOC';
const OU_ARNS = {
  Security: 'arn:aws:organizations::999999999999:ou/o-abc/ou-sec',
  Workloads: 'arn:aws:organizations::999999999999:ou/o-abc/ou-wl',
  'Workloads/Production': 'arn:aws:organizations::999999999999:ou/o-abc/ou-prod',
  Sandbox: 'arn:aws:organizations::999999999999:ou/o-abc/ou-sbx',
};
const ACCOUNT_IDS = { logs: '111111111111', audit: '222222222222', backup: '333333333333' };

/** The Control Tower estate, registering Workloads/Production and Sandbox (Given). */
function estate(ct: Record<string, unknown> = {}): EstateConfig {
  return controlTowerEstate({ workloadOus: ['Workloads/Production', 'Sandbox'], ...ct });
}

function synth(props: Partial<EstateGovernanceStackProps> & { config: EstateConfig }): {
  stack: EstateGovernanceStack;
  t: Template;
} {
  const stack = new EstateGovernanceStack(newApp(), 'estate-governance', {
    accountIds: ACCOUNT_IDS,
    ouArns: OU_ARNS,
    identityCenterEnabledBaselineArn: IC_BASELINE,
    ...props,
  });
  return { stack, t: template(stack) };
}

const manifestOf = (t: Template) => resourcesOf(t, 'AWS::ControlTower::LandingZone')[0]![1].Properties;

describe('governance stack: landing zone', () => {
  it('writes a 3.3 manifest: the OUs Control Tower creates, central logging in the logs account, security roles in audit', () => {
    const { t } = synth({
      config: estate({
        kmsKeyArn: 'arn:aws:kms:eu-west-2:111111111111:key/abcd-1234',
        securityOuName: 'Core',
      }),
    });
    const lz = manifestOf(t);
    expect(lz.Version).toBe('3.3');
    expect(lz.Manifest).toEqual({
      governedRegions: ['eu-west-2', 'us-east-1', 'eu-west-1'],
      organizationStructure: { security: { name: 'Core' }, sandbox: { name: 'Sandbox' } },
      centralizedLogging: {
        accountId: '111111111111',
        configurations: {
          loggingBucket: { retentionDays: 365 },
          accessLoggingBucket: { retentionDays: 3650 },
          kmsKeyArn: 'arn:aws:kms:eu-west-2:111111111111:key/abcd-1234',
        },
        enabled: true,
      },
      securityRoles: { accountId: '222222222222' },
      accessManagement: { enabled: true },
    });
    expect(resourcesOf(t, 'AWS::ControlTower::LandingZone')[0]![1].DeletionPolicy).toBe('Retain');
  });

  it('writes a 4.0 manifest: no organization structure, every integration with its enabled flag, backup', () => {
    const { t } = synth({
      config: estate({
        landingZoneVersion: '4.0',
        securityRoles: false,
        accessManagement: false,
        backup: {
          adminAccount: 'audit',
          centralAccount: 'backup',
          kmsKeyArn: 'arn:aws:kms:eu-west-2:333333333333:key/bk',
        },
      }),
    });
    const { Version, Manifest } = manifestOf(t);
    expect(Version).toBe('4.0');
    expect(Manifest.organizationStructure).toBeUndefined();
    expect(Manifest.config).toEqual({
      accountId: '222222222222',
      enabled: true,
      configurations: { loggingBucket: { retentionDays: 365 }, accessLoggingBucket: { retentionDays: 3650 } },
    });
    expect(Manifest.centralizedLogging).toMatchObject({ accountId: '111111111111', enabled: true });
    expect(Manifest.securityRoles).toEqual({ enabled: false });
    expect(Manifest.accessManagement).toEqual({ enabled: false });
    expect(Manifest.backup).toEqual({
      enabled: true,
      configurations: {
        backupAdmin: { accountId: '222222222222' },
        centralBackup: { accountId: '333333333333' },
        kmsKeyArn: 'arn:aws:kms:eu-west-2:333333333333:key/bk',
      },
    });
  });

  it('outputs the landing zone ARN under LandingZoneArn, where the engine reads it', () => {
    const { t } = synth({ config: estate() });
    const [id] = resourcesOf(t, 'AWS::ControlTower::LandingZone')[0]!;
    expect(t.toJSON().Outputs[PLATFORM_OUTPUTS.landingZoneArn]).toEqual({
      Description: 'ARN of the Control Tower landing zone',
      Value: { 'Fn::GetAtt': [id, 'Arn'] },
    });
  });

  it('switches AWS Config and backup off in a 4.0 manifest when the config says so', () => {
    const { Manifest } = manifestOf(
      synth({ config: estate({ landingZoneVersion: '4.0', awsConfig: false }) }).t,
    );
    expect(Manifest.config).toEqual({ enabled: false });
    expect(Manifest.backup).toEqual({ enabled: false });
  });
});

describe('governance stack: prerequisite roles', () => {
  const roles = (t: Template) =>
    Object.fromEntries(
      resourcesOf(t, 'AWS::IAM::Role').map(([, r]) => [r.Properties.RoleName, r.Properties]),
    );

  it('creates the four service roles under /service-role/ with the trust AWS documents, before the landing zone', () => {
    const { t } = synth({ config: estate() });
    const byName = roles(t);
    const trusts = {
      AWSControlTowerAdmin: 'controltower.amazonaws.com',
      AWSControlTowerCloudTrailRole: 'cloudtrail.amazonaws.com',
      AWSControlTowerStackSetRole: 'cloudformation.amazonaws.com',
      AWSControlTowerConfigAggregatorRoleForOrganizations: 'config.amazonaws.com',
    };
    expect(Object.keys(byName).sort()).toEqual(Object.keys(trusts).sort());
    for (const [name, service] of Object.entries(trusts)) {
      expect(byName[name].Path, name).toBe('/service-role/');
      expect(byName[name].AssumeRolePolicyDocument.Statement, name).toEqual([
        { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: service } },
      ]);
    }
    const json = JSON.stringify(byName);
    for (const policy of [
      'AWSControlTowerServiceRolePolicy',
      'AWSControlTowerCloudTrailRolePolicy',
      'AWSConfigRoleForOrganizations',
    ])
      expect(json).toContain(`:iam::aws:policy/service-role/${policy}`);
    expect(JSON.stringify(byName.AWSControlTowerStackSetRole.Policies)).toContain(
      'arn:aws:iam::*:role/AWSControlTowerExecution',
    );
    const [, lz] = Object.entries(t.findResources('AWS::ControlTower::LandingZone'))[0]!;
    const roleIds = resourcesOf(t, 'AWS::IAM::Role').map(([id]) => id);
    expect((lz as { DependsOn: string[] }).DependsOn).toEqual(expect.arrayContaining(roleIds));
  });

  it('creates no roles when they exist already', () => {
    const { t } = synth({ config: estate(), prerequisiteRolesExist: true });
    expect(resourcesOf(t, 'AWS::IAM::Role')).toEqual([]);
  });
});

describe('governance stack: baselines and controls', () => {
  const baselines = (t: Template) => resourcesOf(t, 'AWS::ControlTower::EnabledBaseline');

  it('registers every workload OU with the AWSControlTowerBaseline of its landing-zone version, after the landing zone', () => {
    for (const [version, baselineVersion] of [
      ['3.3', '4.0'],
      ['4.0', '5.0'],
    ] as const) {
      const { t } = synth({ config: estate({ landingZoneVersion: version }) });
      const found = baselines(t);
      expect(found.map(([, b]) => b.Properties.TargetIdentifier).sort()).toEqual(
        [OU_ARNS.Sandbox, OU_ARNS['Workloads/Production']].sort(),
      );
      for (const [, b] of found) {
        expect(b.Properties).toMatchObject({
          BaselineIdentifier: 'arn:aws:controltower:eu-west-2::baseline/17BSJV3IGJ2QSGA2',
          BaselineVersion: baselineVersion,
          Parameters: [{ Key: 'IdentityCenterEnabledBaselineArn', Value: IC_BASELINE }],
        });
        expect((b as { DependsOn?: string[] }).DependsOn).toEqual(['LandingZone']);
      }
    }
  });

  it('baselines the default workload OUs and leaves out the Identity Center parameter without access management', () => {
    const config = estate({ accessManagement: false });
    delete (config.controlTower as { workloadOus?: string[] }).workloadOus;
    const found = baselines(synth({ config }).t);
    // backup is an integration account in Security, so Security holds a workload account too.
    expect(found.map(([, b]) => b.Properties.TargetIdentifier).sort()).toEqual(
      [OU_ARNS.Security, OU_ARNS['Workloads/Production'], OU_ARNS.Sandbox].sort(),
    );
    for (const [, b] of found) expect(b.Properties.Parameters).toBeUndefined();
  });

  it("enables the default controls on each workload OU plus the config's own, as home-region ARNs", () => {
    const { t } = synth({
      config: estate({
        controls: [{ ou: 'Sandbox', identifiers: ['AWS-GR_RESTRICT_ROOT_USER', 'AWS-GR_ENCRYPTED_VOLUMES'] }],
      }),
    });
    const controls = resourcesOf(t, 'AWS::ControlTower::EnabledControl').map(([, c]) => c.Properties);
    const on = (ou: string) =>
      controls
        .filter((c) => c.TargetIdentifier === OU_ARNS[ou as keyof typeof OU_ARNS])
        .map((c) => c.ControlIdentifier);
    expect(on('Workloads/Production')).toContain(
      'arn:aws:controltower:eu-west-2::control/AWS-GR_RESTRICT_ROOT_USER_ACCESS_KEYS',
    );
    expect(on('Sandbox')).toContain('arn:aws:controltower:eu-west-2::control/AWS-GR_RESTRICT_ROOT_USER');
    // the default AWS-GR_ENCRYPTED_VOLUMES listed again on Sandbox is enabled once
    expect(on('Sandbox').filter((id) => id.endsWith('AWS-GR_ENCRYPTED_VOLUMES'))).toHaveLength(1);
  });

  it("passes control parameters and enables only the config's own controls without the defaults", () => {
    const { t } = synth({
      config: estate({
        defaultControls: false,
        controls: [{ ou: 'Sandbox', identifiers: ['AWS-GR_RESTRICT_ROOT_USER'] }],
      }),
    });
    expect(resourcesOf(t, 'AWS::ControlTower::EnabledControl').map(([, c]) => c.Properties)).toEqual([
      {
        ControlIdentifier: 'arn:aws:controltower:eu-west-2::control/AWS-GR_RESTRICT_ROOT_USER',
        TargetIdentifier: OU_ARNS.Sandbox,
      },
    ]);
    const withParams = synth({
      config: estate(),
      defaultControls: [
        {
          identifier: 'arn:aws:controlcatalog:::control/abc123',
          reason: 'a parameterised control',
          parameters: { AllowedRegions: ['eu-west-2'] },
        },
      ],
    }).t;
    for (const [, c] of resourcesOf(withParams, 'AWS::ControlTower::EnabledControl'))
      expect(c.Properties.Parameters).toEqual([{ Key: 'AllowedRegions', Value: ['eu-west-2'] }]);
    // The config's own controls take parameters too: the OU Region deny control needs AllowedRegions.
    const regionDeny = synth({
      config: estate({
        defaultControls: false,
        controls: [
          {
            ou: 'Sandbox',
            identifiers: ['arn:aws:controlcatalog:::control/regiondenyexample'],
            parameters: { AllowedRegions: ['eu-west-2', 'us-east-1'] },
          },
        ],
      }),
    }).t;
    expect(resourcesOf(regionDeny, 'AWS::ControlTower::EnabledControl').map(([, c]) => c.Properties)).toEqual(
      [
        {
          ControlIdentifier: 'arn:aws:controlcatalog:::control/regiondenyexample',
          TargetIdentifier: OU_ARNS.Sandbox,
          Parameters: [{ Key: 'AllowedRegions', Value: ['eu-west-2', 'us-east-1'] }],
        },
      ],
    );
  });

  it('chains controls so that at most N start at once', () => {
    const { t } = synth({ config: estate(), maxConcurrentControlOperations: 3 });
    const controls = Object.entries(t.findResources('AWS::ControlTower::EnabledControl'));
    const ids = new Set(controls.map(([id]) => id));
    expect(controls.length).toBeGreaterThan(6);
    // Each control's depth in the chain of control-to-control dependencies; a wave is one depth.
    const deps = Object.fromEntries(
      controls.map(([id, c]) => [
        id,
        ((c as { DependsOn?: string[] }).DependsOn ?? []).filter((d) => ids.has(d)),
      ]),
    );
    const depth = (id: string): number => Math.max(0, ...deps[id]!.map((d) => depth(d) + 1));
    const waves = new Map<number, number>();
    for (const id of ids) waves.set(depth(id), (waves.get(depth(id)) ?? 0) + 1);
    expect(Math.max(...waves.values())).toBe(3);
    expect(waves.size).toBe(Math.ceil(controls.length / 3));
    for (const [, c] of controls)
      expect((c as { DependsOn: string[] }).DependsOn.some((d) => d.startsWith('Baseline'))).toBe(true);
  });

  it('starts no more than 10 control operations at once by default', () => {
    const own = ['AWS-GR_RESTRICT_ROOT_USER', 'AWS-GR_ROOT_ACCOUNT_MFA_ENABLED', 'AWS-GR_RESTRICTED_SSH'];
    const { stack } = synth({ config: estate({ controls: [{ ou: 'Sandbox', identifiers: own }] }) });
    const unchained = stack.controls.filter(
      (c) => !c.obtainDependencies().some((d) => stack.controls.includes(d as never)),
    );
    expect(stack.controls.length).toBeGreaterThan(10);
    expect(unchained).toHaveLength(10);
  });

  it('passes cdk-nag AwsSolutions with every suppression justified', () => {
    const { stack } = synth({ config: estate() });
    expect(awsSolutionsFindings(stack)).toEqual([]);
  });
});

describe('governance stack: CloudFormation validation', () => {
  it('passes the validator bundled with aws-cdk-lib for both landing-zone versions, controls included', () => {
    for (const version of ['3.3', '4.0']) {
      const outdir = mkdtempSync(join(tmpdir(), 'estate-gov-'));
      const app = new App({ outdir, builtinCloudFormationValidation: true });
      new EstateGovernanceStack(app, 'estate-governance', {
        config: estate({
          landingZoneVersion: version,
          controls: [
            { ou: 'Sandbox', identifiers: ['arn:aws:controlcatalog:::control/5kvme4m5d2b4d7if2fs5yg2ui'] },
          ],
        }),
        accountIds: ACCOUNT_IDS,
        ouArns: OU_ARNS,
        identityCenterEnabledBaselineArn: IC_BASELINE,
      });
      app.synth();
      const file = join(outdir, 'validation-report.json');
      const report = existsSync(file)
        ? (JSON.parse(readFileSync(file, 'utf8')) as { pluginReports?: { violations?: unknown[] }[] })
        : {};
      expect(
        (report.pluginReports ?? []).flatMap((p) => p.violations ?? []),
        version,
      ).toEqual([]);
    }
  }, 120_000);
});

describe('governance stack: bad props', () => {
  it('fails when Control Tower is disabled', () => {
    expect(() => synth({ config: estate({ enabled: false }) })).toThrow(/controlTower is absent or disabled/);
  });

  it('fails when the log-archive account has no id yet', () => {
    expect(() => synth({ config: estate(), accountIds: { audit: '222222222222' } })).toThrow(
      /no account id for the log-archive account "logs"/,
    );
  });

  it('fails when a workload OU has no ARN', () => {
    expect(() => synth({ config: estate(), ouArns: { Sandbox: OU_ARNS.Sandbox } })).toThrow(
      /no ARN for OU "Workloads\/Production"/,
    );
  });

  it('fails when access management is on without the Identity Center baseline ARN', () => {
    expect(() => synth({ config: estate(), identityCenterEnabledBaselineArn: undefined })).toThrow(
      /identityCenterEnabledBaselineArn/,
    );
  });

  it('fails when the concurrency is outside what Control Tower allows', () => {
    for (const n of [0, 101, 2.5])
      expect(() => synth({ config: estate(), maxConcurrentControlOperations: n }), String(n)).toThrow(
        /from 1 to 100/,
      );
  });
});
