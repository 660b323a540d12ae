import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

/** A table and the names of its global secondary indexes (granted one by one, not index/*). */
export interface TableGrant {
  /** Logical name; exposed to the code as TABLE_<NAME> (upper case, non-alphanumerics as _). */
  readonly name: string;
  readonly table: dynamodb.ITableV2;
  /** @default - no indexes */
  readonly indexNames?: readonly string[];
}

const DATA_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:Scan',
  'dynamodb:ConditionCheckItem',
  'dynamodb:DescribeTable',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
];

/** Read/write data access to exactly these tables and indexes; no table administration. */
export function tableDataStatement(tables: readonly TableGrant[]): iam.PolicyStatement | undefined {
  if (tables.length === 0) return undefined;
  return new iam.PolicyStatement({
    sid: 'TableData',
    actions: DATA_ACTIONS,
    resources: tables.flatMap((t) => [
      t.table.tableArn,
      ...(t.indexNames ?? []).map((i) => `${t.table.tableArn}/index/${i}`),
    ]),
  });
}

/** Environment variables naming the tables: TABLE_USERS=dev-users. */
export function tableEnvironment(tables: readonly TableGrant[]): Record<string, string> {
  return Object.fromEntries(
    tables.map((t) => [`TABLE_${t.name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`, t.table.tableName]),
  );
}

/**
 * A Lambda execution role that may write to its own log group only, instead of the AWS
 * managed AWSLambdaBasicExecutionRole (logs:* on every group).
 */
export function functionRole(
  scope: Construct,
  id: string,
  group: logs.ILogGroup,
  description: string,
): iam.Role {
  const role = new iam.Role(scope, id, {
    description,
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
  });
  role.addToPolicy(
    new iam.PolicyStatement({
      sid: 'OwnLogGroup',
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      // The log group's Arn attribute ends in :* and so covers its streams.
      resources: [group.logGroupArn],
    }),
  );
  return role;
}
