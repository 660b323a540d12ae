import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { DataBlueprint, type TableSpec } from '../../src/blueprints/data.js';
import { newApp, resourcesOf, stackIn, template } from './_helpers.js';

const TABLES: TableSpec[] = [
  { name: 'users', partitionKey: { name: 'userId' } },
  {
    name: 'notes',
    partitionKey: { name: 'userId' },
    sortKey: { name: 'createdAt', type: 'N' },
    globalSecondaryIndexes: [
      { name: 'byTag', partitionKey: { name: 'tag' }, sortKey: { name: 'createdAt', type: 'N' } },
    ],
    ttlAttribute: 'expiresAt',
    stream: 'NEW_AND_OLD_IMAGES',
  },
];

// Given the same two tables in a dev and a prod stack, synthesised once.
let dev: Template;
let prod: Template;
let defaults: Template;
beforeAll(() => {
  const app = newApp();
  const stacks = ['dev', 'prod', 'defaults'].map((id) => stackIn(app, id));
  new DataBlueprint(stacks[0]!, 'Data', { size: 'dev', namePrefix: 'dev', tables: TABLES });
  new DataBlueprint(stacks[1]!, 'Data', { size: 'prod', namePrefix: 'prod', tables: TABLES });
  new DataBlueprint(stacks[2]!, 'Data', { size: 'dev', namePrefix: 'x' });
  [dev, prod, defaults] = stacks.map(template);
});

const tables = (t: Template) => resourcesOf(t, 'AWS::DynamoDB::GlobalTable').map(([, r]) => r);
const byName = (t: Template, name: string) => tables(t).find((r) => r.Properties.TableName === name)!;

describe('data blueprint', () => {
  it('creates one on-demand table per declared table, named <env>-<name>', () => {
    expect(
      tables(dev)
        .map((r) => r.Properties.TableName)
        .sort(),
    ).toEqual(['dev-notes', 'dev-users']);
    for (const r of [...tables(dev), ...tables(prod)])
      expect(r.Properties.BillingMode).toBe('PAY_PER_REQUEST');
  });

  it('declares keys, GSIs, TTL and streams as configured', () => {
    const notes = byName(prod, 'prod-notes').Properties;
    expect(notes.KeySchema).toEqual([
      { AttributeName: 'userId', KeyType: 'HASH' },
      { AttributeName: 'createdAt', KeyType: 'RANGE' },
    ]);
    expect(notes.AttributeDefinitions).toEqual(
      expect.arrayContaining([
        { AttributeName: 'userId', AttributeType: 'S' },
        { AttributeName: 'createdAt', AttributeType: 'N' },
        { AttributeName: 'tag', AttributeType: 'S' },
      ]),
    );
    expect(notes.GlobalSecondaryIndexes).toEqual([
      expect.objectContaining({
        IndexName: 'byTag',
        KeySchema: [
          { AttributeName: 'tag', KeyType: 'HASH' },
          { AttributeName: 'createdAt', KeyType: 'RANGE' },
        ],
      }),
    ]);
    expect(notes.TimeToLiveSpecification).toEqual({ AttributeName: 'expiresAt', Enabled: true });
    expect(notes.StreamSpecification).toEqual({ StreamViewType: 'NEW_AND_OLD_IMAGES' });
    const users = byName(prod, 'prod-users').Properties;
    expect(users.StreamSpecification).toBeUndefined();
    expect(users.TimeToLiveSpecification).toBeUndefined();
  });

  it('encrypts every table: AWS owned key in dev, the AWS managed KMS key in prod', () => {
    for (const r of tables(dev)) expect(r.Properties.SSESpecification).toEqual({ SSEEnabled: false });
    for (const r of tables(prod))
      expect(r.Properties.SSESpecification).toEqual({ SSEEnabled: true, SSEType: 'KMS' });
  });

  it('turns on point-in-time recovery and deletion protection in prod only', () => {
    for (const r of tables(prod)) {
      const replica = r.Properties.Replicas[0];
      expect(replica.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
      expect(replica.DeletionProtectionEnabled).toBe(true);
      expect(r.DeletionPolicy).toBe('Retain');
    }
    for (const r of tables(dev)) {
      const replica = r.Properties.Replicas[0];
      expect(replica.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: false });
      expect(replica.DeletionProtectionEnabled).toBe(false);
      expect(r.DeletionPolicy).toBe('Delete');
    }
  });

  it('defaults to a users table keyed by userId', () => {
    expect(tables(defaults).map((r) => r.Properties.TableName)).toEqual(['x-users']);
    expect(tables(defaults)[0]!.Properties.KeySchema).toEqual([{ AttributeName: 'userId', KeyType: 'HASH' }]);
  });
});

describe('data blueprint props', () => {
  const build = (tables: TableSpec[]) =>
    new DataBlueprint(stackIn(newApp(), 's'), 'Data', { size: 'dev', namePrefix: 'x', tables });

  it('fails when a table has no partition key', () => {
    expect(() => build([{ name: 'orders' } as TableSpec])).toThrow(/table "orders" has no partition key/);
    expect(() => build([{ name: 'orders', partitionKey: { name: '' } }])).toThrow(/no partition key/);
  });

  it('fails when the table list is empty', () => {
    expect(() => build([])).toThrow(/tables is empty/);
  });

  it('fails when a table is declared twice', () => {
    expect(() => build([TABLES[0]!, TABLES[0]!])).toThrow(/table "users" is declared twice/);
  });

  it('fails when an index has no partition key or is declared twice', () => {
    const gsi = { name: 'byX', partitionKey: { name: 'x' } };
    expect(() => build([{ ...TABLES[0]!, globalSecondaryIndexes: [{ name: 'byX' } as never] }])).toThrow(
      /index "byX" of table "users" has no partition key/,
    );
    expect(() => build([{ ...TABLES[0]!, globalSecondaryIndexes: [gsi, gsi] }])).toThrow(/declared twice/);
  });

  it('fails when one attribute is given two types', () => {
    expect(() =>
      build([
        {
          name: 'orders',
          partitionKey: { name: 'id', type: 'S' },
          globalSecondaryIndexes: [{ name: 'byId', partitionKey: { name: 'id', type: 'N' } }],
        },
      ]),
    ).toThrow(/attribute "id" of table "orders" is used as S and as N/);
  });

  it('names the declared tables when asked for a missing one', () => {
    const data = build([TABLES[0]!]);
    expect(() => data.table('orders')).toThrow(/no table "orders" is declared; tables: users/);
  });
});
