import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import {
  bootstrapTemplatePath,
  EstateBaselineStack,
  INLINE_TEMPLATE_LIMIT_BYTES,
  readBootstrapTemplate,
  type EstateBaselineStackOptions,
} from '../../src/blueprints/baseline.js';
import { awsSolutionsFindings } from '../../src/blueprints/nag.js';
import type { EstateConfig } from '../../src/config/schema.js';
import { controlTowerEstate, MANAGEMENT } from './_control-tower.js';
import { newApp, resourcesOf, template } from './_helpers.js';

const SINK = 'arn:aws:oam:eu-west-2:222222222222:sink/a1b2c3d4-5678-90ab-cdef-example12345';
const OU_IDS = {
  Security: 'ou-abcd-11111111',
  'Workloads/Production': 'ou-abcd-22222222',
  Sandbox: 'ou-abcd-33333333',
};
const POLICY = 'arn:aws:iam::999999999999:policy/estate-cfn-execution';

/** The Control Tower estate with execution policies for the bootstrap (Given). */
function estate(
  ct: Record<string, unknown> = {},
  extra: Record<string, unknown> = { deployments: { executionPolicies: [POLICY] } },
): EstateConfig {
  return controlTowerEstate(ct, extra);
}

function synth(props: Partial<EstateBaselineStackOptions> & { config: EstateConfig }): {
  stack: EstateBaselineStack;
  t: Template;
} {
  const stack = new EstateBaselineStack(newApp(), 'estate-baseline', {
    managementAccountId: MANAGEMENT,
    ouIds: OU_IDS,
    ...props,
  });
  return { stack, t: template(stack) };
}

const stackSetOf = (t: Template) => {
  const found = resourcesOf(t, 'AWS::CloudFormation::StackSet');
  expect(found).toHaveLength(1);
  return found[0]![1].Properties;
};
const memberOf = (t: Template) => JSON.parse(stackSetOf(t).TemplateBody as string);

describe('baseline stack: the StackSet', () => {
  it('is one service-managed StackSet deployed automatically, removed from accounts that leave, managed execution, as the management account', () => {
    const { stack, t } = synth({ config: estate() });
    expect(stack.account).toBe(MANAGEMENT);
    expect(stack.region).toBe('eu-west-2');
    expect(stackSetOf(t)).toMatchObject({
      StackSetName: 'estate-baseline',
      PermissionModel: 'SERVICE_MANAGED',
      AutoDeployment: { Enabled: true, RetainStacksOnAccountRemoval: false },
      CallAs: 'SELF',
      ManagedExecution: { Active: true },
      Capabilities: ['CAPABILITY_NAMED_IAM'],
    });
  });

  it('targets the workload OUs by id in the governed regions by default', () => {
    const { t } = synth({ config: estate() });
    // Default workload OUs: every OU with an account other than the log-archive and audit accounts
    // (the backup account keeps Security among them).
    expect(stackSetOf(t).StackInstancesGroup).toEqual([
      {
        DeploymentTargets: {
          OrganizationalUnitIds: [OU_IDS.Security, OU_IDS['Workloads/Production'], OU_IDS.Sandbox],
        },
        Regions: ['eu-west-2', 'us-east-1', 'eu-west-1'],
      },
    ]);
  });

  it('targets the configured workload OUs and baseline regions', () => {
    const { t } = synth({
      config: estate({ workloadOus: ['Sandbox'], baseline: { regions: ['eu-west-2', 'eu-west-1'] } }),
    });
    expect(stackSetOf(t).StackInstancesGroup).toEqual([
      { DeploymentTargets: { OrganizationalUnitIds: [OU_IDS.Sandbox] }, Regions: ['eu-west-2', 'eu-west-1'] },
    ]);
  });

  it('deploys a quarter of the accounts at once by default, decoupled from the failure tolerance', () => {
    expect(stackSetOf(synth({ config: estate() }).t).OperationPreferences).toEqual({
      MaxConcurrentPercentage: 25,
      FailureTolerancePercentage: 10,
      RegionConcurrencyType: 'PARALLEL',
      ConcurrencyMode: 'SOFT_FAILURE_TOLERANCE',
    });
  });

  it('takes the operation preferences of controlTower.baseline, percentages only (never counts too)', () => {
    const prefs = stackSetOf(
      synth({
        config: estate({
          baseline: {
            maxConcurrentPercentage: 50,
            failureTolerancePercentage: 0,
            regionConcurrency: 'SEQUENTIAL',
          },
        }),
      }).t,
    ).OperationPreferences;
    expect(prefs).toEqual({
      MaxConcurrentPercentage: 50,
      FailureTolerancePercentage: 0,
      RegionConcurrencyType: 'SEQUENTIAL',
      ConcurrencyMode: 'SOFT_FAILURE_TOLERANCE',
    });
    expect(prefs.MaxConcurrentCount).toBeUndefined();
    expect(prefs.FailureToleranceCount).toBeUndefined();
  });

  it('fixes the bootstrap qualifier, the trusted management account and the execution policies', () => {
    const { t } = synth({
      config: estate(
        {},
        {
          deployments: {
            qualifier: 'acme1',
            executionPolicies: [POLICY, 'arn:aws:iam::aws:policy/ReadOnlyAccess'],
          },
        },
      ),
    });
    expect(stackSetOf(t).Parameters).toEqual([
      { ParameterKey: 'Qualifier', ParameterValue: 'acme1' },
      { ParameterKey: 'TrustedAccounts', ParameterValue: MANAGEMENT },
      {
        ParameterKey: 'CloudFormationExecutionPolicies',
        ParameterValue: `${POLICY},arn:aws:iam::aws:policy/ReadOnlyAccess`,
      },
    ]);
  });

  it('passes cdk-nag AwsSolutions, and so do the resources it deploys into every account', () => {
    const { stack } = synth({ config: estate(), sinkArn: SINK });
    expect(awsSolutionsFindings(stack)).toEqual([]);
    expect(awsSolutionsFindings(stack.estateResources)).toEqual([]);
  });
});

describe('baseline stack: the member template', () => {
  it("is CDK's bootstrap template with its parameters and version parameter, so the env engine sees the account as bootstrapped", () => {
    const member = memberOf(synth({ config: estate() }).t);
    const bootstrap = readBootstrapTemplate();
    expect(member.Parameters).toEqual(bootstrap.Parameters);
    for (const id of Object.keys(bootstrap.Resources))
      expect(member.Resources[id], id).toEqual(bootstrap.Resources[id]);
    expect(member.Resources.CdkBootstrapVersion.Properties.Name).toEqual({
      'Fn::Sub': '/cdk-bootstrap/${Qualifier}/version',
    });
    expect(member.Outputs.BootstrapVersion).toEqual(bootstrap.Outputs!.BootstrapVersion);
  });

  it('is sent inline and stays under the 51,200 bytes CloudFormation takes inline, observability link included', () => {
    const { stack, t } = synth({ config: estate(), sinkArn: SINK });
    const body = stackSetOf(t).TemplateBody as string;
    expect(JSON.parse(body)).toEqual(stack.memberTemplate);
    expect(Buffer.byteLength(body, 'utf8')).toBeLessThan(INLINE_TEMPLATE_LIMIT_BYTES);
    expect(body).not.toMatch(/\$\{Token\[/);
  });

  it('adds the estate deployment role, trusted by the management account only, with least-privilege statements', () => {
    const member = memberOf(synth({ config: estate({ baseline: { deploymentRoleName: 'ci-deploy' } }) }).t);
    const role = member.Resources.EstateDeploymentRole;
    expect(role.Type).toBe('AWS::IAM::Role');
    expect(role.Properties.RoleName).toBe('ci-deploy');
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      {
        Action: 'sts:AssumeRole',
        Effect: 'Allow',
        Principal: {
          AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${MANAGEMENT}:root`]] },
        },
      },
    ]);
    const statements = role.Properties.Policies[0].PolicyDocument.Statement as {
      Sid: string;
      Action: string | string[];
      Resource: unknown;
    }[];
    const bySid = Object.fromEntries(statements.map((s) => [s.Sid, s]));
    expect(Object.keys(bySid).sort()).toEqual(
      [
        'AssumeCdkBootstrapRoles',
        'EstateRecords',
        'ListStacks',
        'ReadBootstrapVersion',
        'ReadStacks',
        'ReadTagsAndMetrics',
      ].sort(),
    );
    expect(JSON.stringify(bySid.AssumeCdkBootstrapRoles!.Resource)).toContain(':role/cdk-hnb659fds-*-role-');
    expect(JSON.stringify(bySid.EstateRecords!.Resource)).toContain(':parameter/estate/*');
    expect(JSON.stringify(bySid.ReadBootstrapVersion!.Resource)).toContain(
      ':parameter/cdk-bootstrap/hnb659fds/*',
    );
    // Nothing writes outside estate's own records: no stack, IAM or data-plane writes of its own.
    const actions = statements.flatMap((s) => [s.Action].flat());
    const writes = actions.filter((a) => !/^(\w+:(Get|Describe|List)|sts:AssumeRole$)/.test(a));
    expect(writes.sort()).toEqual(['ssm:DeleteParameter', 'ssm:DeleteParameters', 'ssm:PutParameter']);
  });

  it("links every account but the sink's own to the sink with the configured resource types, only in the sink region", () => {
    const member = memberOf(
      synth({ config: estate({ observability: { resourceTypes: ['metrics', 'traces'] } }), sinkArn: SINK }).t,
    );
    expect(member.Resources.ObservabilityLink).toEqual({
      Type: 'AWS::Oam::Link',
      Condition: 'LinksToSink',
      Properties: {
        LabelTemplate: '$AccountName',
        ResourceTypes: ['AWS::CloudWatch::Metric', 'AWS::XRay::Trace'],
        SinkIdentifier: SINK,
      },
    });
    expect(member.Conditions.LinksToSink).toEqual({
      'Fn::And': [
        { 'Fn::Equals': [{ Ref: 'AWS::Region' }, 'eu-west-2'] },
        { 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'AWS::AccountId' }, '222222222222'] }] },
      ],
    });
  });

  it('has no link without a sink', () => {
    const member = memberOf(synth({ config: estate() }).t);
    expect(Object.values(member.Resources).map((r) => (r as { Type: string }).Type)).not.toContain(
      'AWS::Oam::Link',
    );
  });

  it('reads a bootstrap template written with short-form intrinsics into long form', () => {
    const dir = mkdtempSync(join(tmpdir(), 'estate-bootstrap-'));
    const file = join(dir, 'bootstrap.yaml');
    writeFileSync(
      file,
      [
        'Parameters:',
        '  Qualifier: { Type: String, Default: hnb659fds }',
        '  TrustedAccounts: { Type: CommaDelimitedList, Default: "" }',
        '  CloudFormationExecutionPolicies: { Type: CommaDelimitedList, Default: "" }',
        'Resources:',
        '  CdkBootstrapVersion:',
        '    Type: AWS::SSM::Parameter',
        '    Properties:',
        '      Type: String',
        "      Name: !Sub '/cdk-bootstrap/${Qualifier}/version'",
        "      Value: '32'",
        'Outputs:',
        '  Name: { Value: !GetAtt CdkBootstrapVersion.Value }',
        '  Ref: { Value: !Ref CdkBootstrapVersion }',
      ].join('\n'),
    );
    const member = memberOf(synth({ config: estate(), bootstrapTemplateFile: file }).t);
    expect(member.Resources.CdkBootstrapVersion.Properties.Name).toEqual({
      'Fn::Sub': '/cdk-bootstrap/${Qualifier}/version',
    });
    expect(member.Outputs).toEqual({
      Name: { Value: { 'Fn::GetAtt': ['CdkBootstrapVersion', 'Value'] } },
      Ref: { Value: { Ref: 'CdkBootstrapVersion' } },
    });
  });

  it('finds the bootstrap template through the installed toolkit-lib package', () => {
    expect(bootstrapTemplatePath()).toMatch(
      /@aws-cdk[\\/]toolkit-lib[\\/]lib[\\/]api[\\/]bootstrap[\\/]bootstrap-template\.yaml$/,
    );
    expect(readFileSync(bootstrapTemplatePath(), 'utf8')).toContain('CdkBootstrapVersion');
  });
});

describe('baseline stack: bad props', () => {
  it('fails when a workload OU has no id, naming the OU', () => {
    expect(() => synth({ config: estate(), ouIds: { Sandbox: OU_IDS.Sandbox } })).toThrow(
      /no OU id for workload OU "Security"/,
    );
  });

  it('fails when an OU id is an ARN or a name instead of an id', () => {
    expect(() =>
      synth({
        config: estate(),
        ouIds: { ...OU_IDS, Sandbox: 'arn:aws:organizations::999999999999:ou/o-abc/ou-abcd-33333333' },
      }),
    ).toThrow(/OU "Sandbox" has id "arn:aws:organizations.*", not an OU id/);
  });

  it('fails when the baseline or Control Tower is disabled', () => {
    expect(() => synth({ config: estate({ baseline: { enabled: false } }) })).toThrow(/absent or disabled/);
    expect(() => synth({ config: estate({ enabled: false }) })).toThrow(/absent or disabled/);
  });

  it('fails when deployments.executionPolicies is not set', () => {
    expect(() => synth({ config: estate({}, {}) })).toThrow(/deployments\.executionPolicies is not set/);
  });

  it('fails when the management account id is not 12 digits', () => {
    expect(() => synth({ config: estate(), managementAccountId: 'mgmt' })).toThrow(
      /not a 12-digit account id/,
    );
  });

  it('fails when the sink is in a region the baseline does not deploy to', () => {
    const elsewhere = 'arn:aws:oam:ap-south-1:222222222222:sink/a1b2c3d4-5678-90ab-cdef-example12345';
    expect(() => synth({ config: estate(), sinkArn: elsewhere })).toThrow(
      /the sink is in ap-south-1, where the baseline deploys no instance \(regions: eu-west-2, us-east-1, eu-west-1\)/,
    );
  });

  it('fails when a sink is given with observability off, or the sink ARN is not one', () => {
    expect(() => synth({ config: estate({ observability: { enabled: false } }), sinkArn: SINK })).toThrow(
      /controlTower\.observability is disabled/,
    );
    expect(() => synth({ config: estate(), sinkArn: 'arn:aws:oam:eu-west-2:222222222222:link/x' })).toThrow(
      /is not an OAM sink ARN/,
    );
  });

  it('fails when the member template would be larger than CloudFormation takes inline', () => {
    const bootstrap = readBootstrapTemplate();
    const dir = mkdtempSync(join(tmpdir(), 'estate-bootstrap-'));
    const file = join(dir, 'big.json');
    writeFileSync(
      file,
      JSON.stringify({ ...bootstrap, Metadata: { Padding: 'x'.repeat(INLINE_TEMPLATE_LIMIT_BYTES) } }),
    );
    expect(() => synth({ config: estate(), bootstrapTemplateFile: file })).toThrow(
      /the member template is \d+ bytes; a StackSet template passed inline takes at most 51200/,
    );
  });

  it('fails when the bootstrap template lacks a parameter the StackSet fixes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'estate-bootstrap-'));
    const file = join(dir, 'old.yaml');
    writeFileSync(
      file,
      'Parameters:\n  Qualifier: { Type: String }\nResources:\n  X: { Type: AWS::SNS::Topic }\n',
    );
    expect(() => synth({ config: estate(), bootstrapTemplateFile: file })).toThrow(
      /no parameter TrustedAccounts, CloudFormationExecutionPolicies/,
    );
  });
});
