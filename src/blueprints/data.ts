import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { DEFAULT_TABLES, type Size } from './defaults.js';
import { BlueprintError } from './errors.js';
import { acknowledge, profileOf } from './profile.js';

export interface KeyAttribute {
  readonly name: string;
  /** @default 'S' */
  readonly type?: 'S' | 'N' | 'B';
}

export interface TableSpec {
  /** Logical name; the physical table name is `<namePrefix>-<name>`. */
  readonly name: string;
  readonly partitionKey: KeyAttribute;
  /** @default - no sort key */
  readonly sortKey?: KeyAttribute;
  /** @default - no global secondary indexes */
  readonly globalSecondaryIndexes?: readonly {
    readonly name: string;
    readonly partitionKey: KeyAttribute;
    /** @default - no sort key */
    readonly sortKey?: KeyAttribute;
  }[];
  /** Attribute holding an epoch-seconds expiry. @default - no TTL */
  readonly ttlAttribute?: string;
  /** @default - no stream */
  readonly stream?: 'NEW_IMAGE' | 'OLD_IMAGE' | 'NEW_AND_OLD_IMAGES' | 'KEYS_ONLY';
}

export interface DataBlueprintProps {
  /** dev: on-demand, destroyable, no PITR; prod: retained, deletion-protected, PITR, KMS (AWS managed key). */
  readonly size: Size;
  /** Prefix of the physical table names, normally the environment name. */
  readonly namePrefix: string;
  /** @default - one table `users` with partition key `userId` (S) */
  readonly tables?: readonly TableSpec[];
}

const attr = (k: KeyAttribute): dynamodb.Attribute => ({
  name: k.name,
  type: {
    S: dynamodb.AttributeType.STRING,
    N: dynamodb.AttributeType.NUMBER,
    B: dynamodb.AttributeType.BINARY,
  }[k.type ?? 'S'],
});

/**
 * DynamoDB tables declared in config: on-demand billing, server-side encryption, and in prod
 * point-in-time recovery, deletion protection and RETAIN.
 */
export class DataBlueprint extends Construct {
  /** Tables by logical name. */
  readonly tables: Readonly<Record<string, dynamodb.TableV2>>;

  constructor(scope: Construct, id: string, props: DataBlueprintProps) {
    super(scope, id);
    const specs: readonly TableSpec[] = props.tables ?? DEFAULT_TABLES;
    validateTables(specs);
    const p = profileOf(props.size);
    const prod = props.size === 'prod';
    const tables: Record<string, dynamodb.TableV2> = {};
    for (const spec of specs) {
      const table = new dynamodb.TableV2(this, `Table-${spec.name}`, {
        tableName: `${props.namePrefix}-${spec.name}`,
        partitionKey: attr(spec.partitionKey),
        sortKey: spec.sortKey ? attr(spec.sortKey) : undefined,
        billing: dynamodb.Billing.onDemand(),
        // Encryption at rest is always on; prod uses the AWS managed KMS key so key use is in CloudTrail.
        encryption: prod
          ? dynamodb.TableEncryptionV2.awsManagedKey()
          : dynamodb.TableEncryptionV2.dynamoOwnedKey(),
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: p.pointInTimeRecovery },
        deletionProtection: p.deletionProtection,
        removalPolicy: p.removalPolicy,
        timeToLiveAttribute: spec.ttlAttribute,
        dynamoStream: spec.stream ? dynamodb.StreamViewType[spec.stream] : undefined,
        globalSecondaryIndexes: spec.globalSecondaryIndexes?.map((g) => ({
          indexName: g.name,
          partitionKey: attr(g.partitionKey),
          sortKey: g.sortKey ? attr(g.sortKey) : undefined,
        })),
      });
      if (!prod) {
        acknowledge(table, {
          'AwsSolutions-DDB3':
            'dev profile: disposable data, point-in-time recovery is turned on by the prod profile only',
        });
      }
      tables[spec.name] = table;
    }
    this.tables = tables;
  }

  /** The table with this logical name, or an error naming the declared ones. */
  table(name: string): dynamodb.TableV2 {
    const t = this.tables[name];
    if (!t)
      throw new BlueprintError(
        'data',
        `no table "${name}" is declared; tables: ${Object.keys(this.tables).join(', ')}`,
        [`add a table named ${name} under blueprints.data.tables`],
      );
    return t;
  }
}

function validateTables(specs: readonly TableSpec[]): void {
  if (specs.length === 0) throw new BlueprintError('data', 'tables is empty', ['declare at least one table']);
  const seen = new Set<string>();
  for (const spec of specs) {
    if (!spec.partitionKey?.name)
      throw new BlueprintError('data', `table "${spec.name}" has no partition key`, [
        `set tables[].partitionKey: { name: id, type: S } on ${spec.name}`,
      ]);
    if (seen.has(spec.name)) throw new BlueprintError('data', `table "${spec.name}" is declared twice`);
    seen.add(spec.name);
    if ((spec.globalSecondaryIndexes?.length ?? 0) > 20)
      throw new BlueprintError('data', `table "${spec.name}" has more than 20 global secondary indexes`);
    const gsiNames = new Set<string>();
    for (const g of spec.globalSecondaryIndexes ?? []) {
      if (!g.partitionKey?.name)
        throw new BlueprintError('data', `index "${g.name}" of table "${spec.name}" has no partition key`);
      if (gsiNames.has(g.name))
        throw new BlueprintError('data', `index "${g.name}" is declared twice on table "${spec.name}"`);
      gsiNames.add(g.name);
    }
    // DynamoDB requires one type per attribute name across the table's keys.
    const types = new Map<string, string>();
    const keys = [
      spec.partitionKey,
      spec.sortKey,
      ...(spec.globalSecondaryIndexes ?? []).flatMap((g) => [g.partitionKey, g.sortKey]),
    ];
    for (const k of keys) {
      if (!k) continue;
      const t = k.type ?? 'S';
      if (types.has(k.name) && types.get(k.name) !== t)
        throw new BlueprintError(
          'data',
          `attribute "${k.name}" of table "${spec.name}" is used as ${types.get(k.name)} and as ${t}`,
          ['give the attribute one type in every key that uses it'],
        );
      types.set(k.name, t);
    }
  }
}
