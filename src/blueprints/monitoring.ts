/**
 * The monitoring (audit) account's platform stack: the CloudWatch cross-account observability
 * sink every workload account links to through the baseline, and the estate-overview
 * dashboard of every environment, drawn from the source accounts' metrics.
 */
import { CfnOutput, Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as oam from 'aws-cdk-lib/aws-oam';
import type { Construct } from 'constructs';
import type { EnvironmentConfig, EstateConfig } from '../config/schema.js';
import { DEFAULT_TABLES } from './defaults.js';
import { EDGE_REGION, environmentTarget, mergedSettings, stackName } from './environment.js';
import { BlueprintError } from './errors.js';
import { oamResourceTypes } from './oam-types.js';
import { OVERVIEW_DASHBOARD, PLATFORM_OUTPUTS, type EstateMonitoringStackProps } from './platform.js';

/** The sink's name in the monitoring account. */
export const SINK_NAME = 'estate-observability';
/** CloudWatch's limit of widgets on one dashboard (Dashboard Body Structure: 0 to 500 widgets). */
export const MAX_DASHBOARD_WIDGETS = 500;
/**
 * The budget for the dashboard body: it is a property of this stack's template, which
 * CloudFormation takes from S3 up to 1 MB; the rest of the template is small.
 */
export const MAX_DASHBOARD_BODY_BYTES = 900_000;

const ORG_ID_RE = /^o-[a-z0-9]{10,32}$/;
const PERIOD = Duration.minutes(5);

export interface OverviewRow {
  /** The environment this row shows. */
  readonly environment: string;
  readonly widgets: cloudwatch.IWidget[];
}

/**
 * In the audit account (controlTower.auditAccount), home region: the OAM sink, whose policy
 * lets only the organisation's accounts create or update links, for exactly the configured
 * resource types; with observability.dashboard on, the estate-overview dashboard.
 */
export class EstateMonitoringStack extends Stack {
  readonly sink: oam.CfnSink;
  readonly dashboard?: cloudwatch.Dashboard;
  /** Environments the dashboard does not show (over CloudWatch's limits, or no account id). */
  readonly omitted: { environment: string; reason: string }[] = [];

  constructor(scope: Construct, id: string, props: EstateMonitoringStackProps) {
    const { config } = props;
    const ct = config.controlTower;
    if (!ct?.enabled || !ct.observability.enabled)
      throw new BlueprintError(
        'monitoring',
        'controlTower or controlTower.observability is absent or disabled',
        [
          'set controlTower.enabled and controlTower.observability.enabled, or do not build the monitoring stack',
        ],
      );
    const audit = props.accountIds[ct.auditAccount];
    if (!audit || !/^\d{12}$/.test(audit))
      throw new BlueprintError('monitoring', `no account id for the audit account "${ct.auditAccount}"`, [
        'create the account first (the organisation section does), then pass its id in accountIds',
      ]);
    if (!ORG_ID_RE.test(props.organizationId))
      throw new BlueprintError('monitoring', `"${props.organizationId}" is not an organisation id (o-…)`);
    super(scope, id, {
      ...props,
      env: props.env ?? { region: config.organization.homeRegion, account: audit },
    });

    this.sink = new oam.CfnSink(this, 'Sink', {
      name: SINK_NAME,
      policy: sinkPolicy(props.organizationId, oamResourceTypes(config)),
    });
    new CfnOutput(this, PLATFORM_OUTPUTS.sinkArn, {
      value: this.sink.attrArn,
      description: 'ARN of the CloudWatch cross-account observability sink the baseline links to',
    });

    if (!ct.observability.dashboard) return;
    const rows: OverviewRow[] = [];
    for (const env of config.environments) {
      const account = environmentTarget(config, env, props.accountIds).account;
      if (!account) this.omitted.push({ environment: env.name, reason: `no account id for ${env.account}` });
      else rows.push({ environment: env.name, widgets: environmentRow(config, env, account) });
    }
    const { shown, cut } = fitToLimits(rows);
    this.omitted.push(...cut.map((environment) => ({ environment, reason: 'over the dashboard limits' })));
    this.dashboard = new cloudwatch.Dashboard(this, 'Overview', {
      dashboardName: OVERVIEW_DASHBOARD,
      defaultInterval: Duration.hours(6),
      widgets: [[header(config, this.omitted)], ...shown.map((r) => r.widgets)],
    });
    new CfnOutput(this, PLATFORM_OUTPUTS.dashboardName, {
      value: OVERVIEW_DASHBOARD,
      description: 'The CloudWatch dashboard of every environment',
    });
  }
}

/**
 * Only principals of the organisation may link, and only for the configured resource types
 * (the OAM sink policy examples: aws:PrincipalOrgID, ForAllValues:StringEquals oam:ResourceTypes).
 */
export function sinkPolicy(
  organizationId: string,
  resourceTypes: readonly string[],
): Record<string, unknown> {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'OrganizationAccountsLink',
        Effect: 'Allow',
        Principal: '*',
        Action: ['oam:CreateLink', 'oam:UpdateLink'],
        Resource: '*',
        Condition: {
          StringEquals: { 'aws:PrincipalOrgID': organizationId },
          'ForAllValues:StringEquals': { 'oam:ResourceTypes': [...resourceTypes] },
        },
      },
    ],
  };
}

/**
 * One row of the dashboard per environment: a title, then per blueprint what it emits, in the
 * source account and region (cross-account widgets, through the sink's links). Metrics that
 * carry the stack or table name are the environment's own; HTTP APIs (ApiId) and CloudFront
 * distributions (DistributionId) have only opaque ids, so their widgets show the account.
 */
export function environmentRow(
  config: EstateConfig,
  env: EnvironmentConfig,
  account: string,
): cloudwatch.IWidget[] {
  const { region } = environmentTarget(config, env);
  const has = (b: string) => (env.blueprints as readonly string[]).includes(b);
  const search = (expression: string, label: string, at = region) =>
    new cloudwatch.SearchExpression({
      expression,
      label,
      period: PERIOD,
      searchAccount: account,
      searchRegion: at,
    });
  const graph = (title: string, left: cloudwatch.IMetric[], at = region) =>
    new cloudwatch.GraphWidget({ title, left, width: 6, height: 6, region: at, accountId: account });
  const widgets: cloudwatch.IWidget[] = [
    new cloudwatch.TextWidget({
      markdown: `### ${env.name}\n${env.account} (${account}), ${region}, ${env.size}: ${env.blueprints.join(', ')}`,
      width: 24,
      height: 2,
    }),
  ];
  const fnStacks = ['api-lambda', 'auth'].filter(has).map((b) => stackName(env.name, b));
  if (fnStacks.length) {
    // CloudFormation names functions <stack>-<logical id>-<suffix>: the stack name finds them.
    const terms = fnStacks.map((s) => `"${s}"`).join(' OR ');
    widgets.push(
      graph(`${env.name}: Lambda invocations and errors`, [
        search(
          `SEARCH('{AWS/Lambda,FunctionName} MetricName="Invocations" (${terms})', 'Sum', 300)`,
          'Invocations',
        ),
        search(`SEARCH('{AWS/Lambda,FunctionName} MetricName="Errors" (${terms})', 'Sum', 300)`, 'Errors'),
      ]),
    );
  }
  const shared = (blueprint: string, at: string) =>
    config.environments.some(
      (e) =>
        e.name !== env.name &&
        e.account === env.account &&
        (e.blueprints as readonly string[]).includes(blueprint) &&
        (blueprint === 'edge' ? true : environmentTarget(config, e).region === at),
    );
  if (has('api-lambda'))
    widgets.push(
      graph(
        `${env.name}: HTTP API requests and 5xx${shared('api-lambda', region) ? ` (every HTTP API of ${env.account})` : ''}`,
        [
          search(`SEARCH('{AWS/ApiGateway,ApiId} MetricName="Count"', 'Sum', 300)`, 'Count'),
          search(`SEARCH('{AWS/ApiGateway,ApiId} MetricName="5xx"', 'Sum', 300)`, '5xx'),
        ],
      ),
    );
  if (has('edge'))
    // CloudFront publishes in us-east-1 only, with Region=Global.
    widgets.push(
      graph(
        `${env.name}: CloudFront requests${shared('edge', EDGE_REGION) ? ` (every distribution of ${env.account})` : ''}`,
        [
          search(
            `SEARCH('{AWS/CloudFront,DistributionId,Region} MetricName="Requests" Region="Global"', 'Sum', 300)`,
            'Requests',
            EDGE_REGION,
          ),
        ],
        EDGE_REGION,
      ),
    );
  if (has('data')) {
    const tables = (mergedSettings(config, env).data?.tables ?? DEFAULT_TABLES).map(
      (t) => `${env.name}-${t.name}`,
    );
    const metric = (metricName: string, table: string) =>
      new cloudwatch.Metric({
        namespace: 'AWS/DynamoDB',
        metricName,
        dimensionsMap: { TableName: table },
        statistic: 'Sum',
        period: PERIOD,
        account,
        region,
        label: `${table} ${metricName === 'ReadThrottleEvents' ? 'read' : 'write'} throttles`,
      });
    widgets.push(
      graph(
        `${env.name}: DynamoDB throttles`,
        tables.flatMap((t) => [metric('ReadThrottleEvents', t), metric('WriteThrottleEvents', t)]),
      ),
    );
  }
  return widgets;
}

/** The first widget: what the dashboard is, and which environments it leaves out and why. */
function header(
  config: EstateConfig,
  omitted: readonly { environment: string; reason: string }[],
): cloudwatch.TextWidget {
  const lines = [
    `## ${config.organization.name}: every environment`,
    'Written by estate (the estate-monitoring stack): edits in the console are overwritten by the next apply.',
  ];
  if (omitted.length)
    lines.push(
      `**Not shown (${omitted.length}):** ${omitted.map((o) => `${o.environment} (${o.reason})`).join(', ')}`,
    );
  return new cloudwatch.TextWidget({
    markdown: lines.join('\n\n'),
    width: 24,
    height: omitted.length ? 4 : 3,
  });
}

/**
 * The rows that fit CloudWatch's limits, whole rows in order (one widget kept for the header):
 * at most 500 widgets, and a body within the template budget. The rest are named in the header.
 */
export function fitToLimits(
  rows: readonly OverviewRow[],
  limits = { widgets: MAX_DASHBOARD_WIDGETS, bodyBytes: MAX_DASHBOARD_BODY_BYTES },
): { shown: OverviewRow[]; cut: string[] } {
  // Reserve room for the header, its list of omitted environments included.
  const names = rows.map((r) => r.environment).join(', ');
  let widgets = 1;
  let bytes = 1024 + Buffer.byteLength(names, 'utf8');
  const shown: OverviewRow[] = [];
  const cut: string[] = [];
  for (const row of rows) {
    const rowBytes = row.widgets.reduce(
      (n, w) => n + Buffer.byteLength(JSON.stringify(w.toJson()), 'utf8'),
      0,
    );
    if (
      cut.length === 0 &&
      widgets + row.widgets.length <= limits.widgets &&
      bytes + rowBytes <= limits.bodyBytes
    ) {
      widgets += row.widgets.length;
      bytes += rowBytes;
      shown.push(row);
    } else cut.push(row.environment);
  }
  return { shown, cut };
}
