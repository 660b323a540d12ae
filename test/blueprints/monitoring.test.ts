import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { CfnInclude } from 'aws-cdk-lib/cloudformation-include';
import type { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import {
  EstateMonitoringStack,
  fitToLimits,
  MAX_DASHBOARD_WIDGETS,
  SINK_NAME,
  environmentRow,
} from '../../src/blueprints/monitoring.js';
import { EstateBaselineStack, readBootstrapTemplate } from '../../src/blueprints/baseline.js';
import { awsSolutionsFindings } from '../../src/blueprints/nag.js';
import {
  OVERVIEW_DASHBOARD,
  PLATFORM_OUTPUTS,
  type EstateMonitoringStackProps,
} from '../../src/blueprints/platform.js';
import type { EstateConfig } from '../../src/config/schema.js';
import { controlTowerEstate, MANAGEMENT } from './_control-tower.js';
import { flat, newApp, resourcesOf, template } from './_helpers.js';

const ORG = 'o-abcdef1234';
const ACCOUNT_IDS = {
  logs: '111111111111',
  audit: '222222222222',
  prod: '444444444444',
  'dev-alice': '555555555555',
};

const ENVIRONMENTS = [
  { name: 'shop', account: 'prod', blueprints: ['edge', 'auth', 'data', 'api-lambda', 'observability'] },
  { name: 'alice', account: 'dev-alice', region: 'eu-west-1', blueprints: ['data', 'auth', 'api-lambda'] },
  { name: 'alice-2', account: 'dev-alice', region: 'eu-west-1', blueprints: ['auth', 'api-lambda'] },
];

/** The Control Tower estate with three environments in two workload accounts (Given). */
function estate(ct: Record<string, unknown> = {}, environments: unknown[] = ENVIRONMENTS): EstateConfig {
  return controlTowerEstate(ct, {
    environments,
    blueprints: { auth: { callbackUrls: ['https://app.example.com/callback'] } },
  });
}

function synth(props: Partial<EstateMonitoringStackProps> & { config: EstateConfig }): {
  stack: EstateMonitoringStack;
  t: Template;
} {
  const stack = new EstateMonitoringStack(newApp(), 'estate-monitoring', {
    organizationId: ORG,
    accountIds: ACCOUNT_IDS,
    ...props,
  });
  return { stack, t: template(stack) };
}

interface Widget {
  type: string;
  properties: {
    title?: string;
    markdown?: string;
    region?: string;
    accountId?: string;
    metrics?: unknown[][];
  };
}

const widgetsOf = (t: Template): Widget[] => {
  const [, dashboard] = resourcesOf(t, 'AWS::CloudWatch::Dashboard')[0]!;
  expect(dashboard.Properties.DashboardName).toBe(OVERVIEW_DASHBOARD);
  return JSON.parse(flat(dashboard.Properties.DashboardBody)).widgets;
};
const titled = (widgets: Widget[], prefix: string) =>
  widgets.filter((w) => w.properties.title?.startsWith(prefix));

describe('monitoring stack: the sink', () => {
  it('lives in the audit account, home region, and lets only the organisation link, for exactly the configured types', () => {
    const { stack, t } = synth({ config: estate({ observability: { resourceTypes: ['metrics', 'logs'] } }) });
    expect(stack.account).toBe('222222222222');
    expect(stack.region).toBe('eu-west-2');
    const sinks = resourcesOf(t, 'AWS::Oam::Sink');
    expect(sinks).toHaveLength(1);
    expect(sinks[0]![1].Properties).toEqual({
      Name: SINK_NAME,
      Policy: {
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'OrganizationAccountsLink',
            Effect: 'Allow',
            Principal: '*',
            Action: ['oam:CreateLink', 'oam:UpdateLink'],
            Resource: '*',
            Condition: {
              StringEquals: { 'aws:PrincipalOrgID': ORG },
              'ForAllValues:StringEquals': {
                'oam:ResourceTypes': ['AWS::CloudWatch::Metric', 'AWS::Logs::LogGroup'],
              },
            },
          },
        ],
      },
    });
  });

  it('allows metrics, logs and traces by default and outputs the sink ARN under ObservabilitySinkArn', () => {
    const { t } = synth({ config: estate() });
    const [id, sink] = resourcesOf(t, 'AWS::Oam::Sink')[0]!;
    expect(
      sink.Properties.Policy.Statement[0].Condition['ForAllValues:StringEquals']['oam:ResourceTypes'],
    ).toEqual(['AWS::CloudWatch::Metric', 'AWS::Logs::LogGroup', 'AWS::XRay::Trace']);
    expect(t.toJSON().Outputs[PLATFORM_OUTPUTS.sinkArn].Value).toEqual({ 'Fn::GetAtt': [id, 'Arn'] });
  });

  it('passes cdk-nag AwsSolutions', () => {
    expect(awsSolutionsFindings(synth({ config: estate() }).stack)).toEqual([]);
  });
});

describe('monitoring stack: the overview dashboard', () => {
  it('shows every environment with the metrics its blueprints emit, from its own account and region', () => {
    const { t } = synth({ config: estate() });
    expect(t.toJSON().Outputs[PLATFORM_OUTPUTS.dashboardName].Value).toBe(OVERVIEW_DASHBOARD);
    const widgets = widgetsOf(t);
    const headings = widgets
      .filter((w) => w.properties.markdown?.startsWith('### '))
      .map((w) => w.properties.markdown!.split('\n')[0]);
    expect(headings).toEqual(['### shop', '### alice', '### alice-2']);

    const [shopLambda] = titled(widgets, 'shop: Lambda');
    expect(shopLambda!.properties).toMatchObject({ accountId: '444444444444', region: 'eu-west-2' });
    const lambdaJson = JSON.stringify(shopLambda!.properties.metrics);
    expect(lambdaJson).toContain('"shop-api-lambda\\" OR \\"shop-auth\\"');
    expect(lambdaJson).toContain('MetricName=\\"Errors\\"');
    expect(lambdaJson).toContain('"accountId":"444444444444"');

    const [cloudFront] = titled(widgets, 'shop: CloudFront');
    expect(cloudFront!.properties.region).toBe('us-east-1');
    expect(JSON.stringify(cloudFront!.properties.metrics)).toContain('Region=\\"Global\\"');

    const [shopApi] = titled(widgets, 'shop: HTTP API');
    expect(shopApi!.properties.title).toBe('shop: HTTP API requests and 5xx');
    expect(JSON.stringify(shopApi!.properties.metrics)).toContain('MetricName=\\"5xx\\"');

    const [tables] = titled(widgets, 'alice: DynamoDB');
    expect(tables!.properties).toMatchObject({ accountId: '555555555555', region: 'eu-west-1' });
    expect(tables!.properties.metrics).toEqual([
      [
        'AWS/DynamoDB',
        'ReadThrottleEvents',
        'TableName',
        'alice-users',
        expect.objectContaining({ accountId: '555555555555', region: 'eu-west-1' }),
      ],
      [
        'AWS/DynamoDB',
        'WriteThrottleEvents',
        'TableName',
        'alice-users',
        expect.objectContaining({ accountId: '555555555555', region: 'eu-west-1' }),
      ],
    ]);
    // alice-2 has neither data nor edge.
    expect(titled(widgets, 'alice-2: ').map((w) => w.properties.title)).toEqual([
      'alice-2: Lambda invocations and errors',
      expect.stringContaining('alice-2: HTTP API'),
    ]);
  });

  it('says when an HTTP API widget shows every API of an account that holds several environments', () => {
    const widgets = widgetsOf(synth({ config: estate() }).t);
    expect(titled(widgets, 'alice: HTTP API')[0]!.properties.title).toBe(
      'alice: HTTP API requests and 5xx (every HTTP API of dev-alice)',
    );
  });

  it('watches the tables data.tables names', () => {
    const config = estate({}, [
      {
        name: 'shop',
        account: 'prod',
        blueprints: ['data'],
        settings: { data: { tables: [{ name: 'orders', partitionKey: { name: 'id', type: 'S' } }] } },
      },
    ]);
    const row = environmentRow(config, config.environments[0]!, '444444444444');
    expect(JSON.stringify(row.map((w) => w.toJson()))).toContain('"shop-orders"');
  });

  it('names the environments it cannot show in its header', () => {
    const { stack, t } = synth({ config: estate(), accountIds: { ...ACCOUNT_IDS, 'dev-alice': '' } });
    expect(stack.omitted.map((o) => o.environment)).toEqual(['alice', 'alice-2']);
    const header = widgetsOf(t)[0]!.properties.markdown!;
    expect(header).toContain(
      '**Not shown (2):** alice (no account id for dev-alice), alice-2 (no account id for dev-alice)',
    );
  });

  it('keeps to 500 widgets, leaving out whole environments and naming them', () => {
    const many = Array.from({ length: 120 }, (_, i) => ({
      name: `env-${i}`,
      account: 'prod',
      blueprints: ['edge', 'data', 'auth', 'api-lambda'],
    }));
    const { stack, t } = synth({ config: estate({}, many) });
    const widgets = widgetsOf(t);
    expect(widgets.length).toBeLessThanOrEqual(MAX_DASHBOARD_WIDGETS);
    // Each environment takes 5 widgets (title, Lambda, API, CloudFront, tables), the header 1.
    expect(widgets.length).toBe(1 + 99 * 5);
    expect(stack.omitted.map((o) => o.environment)).toEqual(many.slice(99).map((e) => e.name));
    expect(widgets[0]!.properties.markdown).toContain('env-99 (over the dashboard limits)');
  });

  it('keeps the body within its byte budget', () => {
    const config = estate();
    const rows = config.environments.map((e) => ({
      environment: e.name,
      widgets: environmentRow(config, e, ACCOUNT_IDS.prod),
    }));
    const { shown, cut } = fitToLimits(rows, { widgets: 500, bodyBytes: 4000 });
    expect(shown.length).toBeGreaterThan(0);
    expect(cut.length).toBeGreaterThan(0);
    expect([...shown.map((r) => r.environment), ...cut]).toEqual(['shop', 'alice', 'alice-2']);
  });

  it('has no dashboard when observability.dashboard is off', () => {
    const { t } = synth({ config: estate({ observability: { dashboard: false } }) });
    expect(resourcesOf(t, 'AWS::CloudWatch::Dashboard')).toEqual([]);
    expect(t.toJSON().Outputs[PLATFORM_OUTPUTS.dashboardName]).toBeUndefined();
  });
});

describe('monitoring stack: bad props', () => {
  it('fails when observability or Control Tower is disabled', () => {
    expect(() => synth({ config: estate({ observability: { enabled: false } }) })).toThrow(
      /absent or disabled/,
    );
    expect(() => synth({ config: estate({ enabled: false }) })).toThrow(/absent or disabled/);
  });

  it('fails when the audit account has no id yet', () => {
    expect(() => synth({ config: estate(), accountIds: { logs: '111111111111' } })).toThrow(
      /no account id for the audit account "audit"/,
    );
  });

  it('fails when the organisation id is not one', () => {
    expect(() => synth({ config: estate(), organizationId: '123456789012' })).toThrow(
      /is not an organisation id/,
    );
  });
});

describe('platform stacks: CloudFormation validation', () => {
  it('passes the validator bundled with aws-cdk-lib for the baseline and monitoring stacks and the member template', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'estate-platform-'));
    const app = new App({ outdir, builtinCloudFormationValidation: true });
    const config = controlTowerEstate(
      {},
      {
        environments: ENVIRONMENTS,
        blueprints: { auth: { callbackUrls: ['https://app.example.com/callback'] } },
        deployments: { executionPolicies: ['arn:aws:iam::999999999999:policy/estate-cfn-execution'] },
      },
    );
    new EstateMonitoringStack(app, 'estate-monitoring', {
      config,
      organizationId: ORG,
      accountIds: ACCOUNT_IDS,
    });
    const baseline = new EstateBaselineStack(app, 'estate-baseline', {
      config,
      managementAccountId: MANAGEMENT,
      ouIds: {
        Security: 'ou-abcd-11111111',
        'Workloads/Production': 'ou-abcd-22222222',
        Sandbox: 'ou-abcd-33333333',
      },
      sinkArn: 'arn:aws:oam:eu-west-2:222222222222:sink/a1b2c3d4-5678-90ab-cdef-example12345',
    });
    // The member template the StackSet sends, validated as a stack of its own.
    const member = join(outdir, 'member.json');
    writeFileSync(member, JSON.stringify(baseline.memberTemplate));
    new CfnInclude(new Stack(app, 'estate-baseline-member'), 'Member', { templateFile: member });
    app.synth();
    const file = join(outdir, 'validation-report.json');
    const report = existsSync(file)
      ? (JSON.parse(readFileSync(file, 'utf8')) as { pluginReports?: { violations?: Violation[] }[] })
      : {};
    // Findings on CDK's own bootstrap resources (its empty-string parameter defaults) are not estate's.
    const bootstrap = readBootstrapTemplate();
    const cdkOwn = new Set(
      [bootstrap.Resources, bootstrap.Outputs ?? {}, bootstrap.Parameters ?? {}].flatMap((o) =>
        Object.keys(o),
      ),
    );
    const fromBootstrap = (v: Violation) =>
      cdkOwn.has(/^(?:Outputs|Parameters)\/([^/:]+)[/:]/.exec(v.description)?.[1] ?? '') ||
      ((v.violatingConstructs ?? []).length > 0 &&
        v.violatingConstructs!.every(
          (c) =>
            c.constructPath.startsWith('estate-baseline-member/') &&
            cdkOwn.has(c.cloudFormationResource?.logicalId ?? c.constructPath.split('/').at(-1)!),
        ));
    const violations = (report.pluginReports ?? []).flatMap((p) => p.violations ?? []);
    expect(violations.filter((v) => !fromBootstrap(v))).toEqual([]);
  }, 120_000);
});

interface Violation {
  ruleName: string;
  description: string;
  violatingConstructs?: { constructPath: string; cloudFormationResource?: { logicalId?: string } }[];
}
