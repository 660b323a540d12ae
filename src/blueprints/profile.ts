import { AspectPriority, Aspects, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct, IConstruct } from 'constructs';
import { PROFILE, type Profile, type Size } from './defaults.js';

export type { Size } from './defaults.js';

/** The size profile's settings, with CDK types. */
export interface ProfileSettings extends Profile {
  readonly removalPolicy: RemovalPolicy;
}

export function profileOf(size: Size): ProfileSettings {
  const p = PROFILE[size];
  return { ...p, removalPolicy: p.removal === 'destroy' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN };
}

/** A log group with the profile's retention and removal policy. */
export function logGroup(scope: Construct, id: string, size: Size, retentionDays?: number): logs.LogGroup {
  const p = profileOf(size);
  return new logs.LogGroup(scope, id, {
    retention: (retentionDays ?? p.logRetentionDays) as logs.RetentionDays,
    removalPolicy: p.removalPolicy,
  });
}

export function days(n: number): Duration {
  return Duration.days(n);
}

/**
 * Acknowledges a cdk-nag (or CloudFormation validator) finding on a construct and its
 * children. The reason is shown in the validation report: say why the rule does not apply
 * or what compensates for it.
 */
export function acknowledge(scope: IConstruct, rules: Readonly<Record<string, string>>): void {
  for (const [id, reason] of Object.entries(rules)) {
    if (reason.trim().length < 20) throw new Error(`acknowledgement of ${id} needs a written reason`);
    Validations.of(scope).acknowledge({ id, reason });
  }
}

/**
 * Acknowledges every IAM wildcard finding (AwsSolutions-IAM5) of the policies under scope with
 * one reason. For policies written by aws-cdk-lib constructs (grants of a deployment handler)
 * whose wildcards estate cannot narrow: the findings are computed when the policy is final, in a
 * read-only aspect, the way cdk-nag names them (`Action::s3:List*`, `Resource::<Bucket.Arn>/*`).
 */
export function acknowledgeWildcards(scope: IConstruct, reason: string): void {
  Aspects.of(scope).add(
    {
      visit(node: IConstruct) {
        if (!(node instanceof iam.CfnPolicy) && !(node instanceof iam.CfnManagedPolicy)) return;
        const doc = Stack.of(node).resolve(node.policyDocument) as { Statement?: PolicyStatementJson[] };
        const ids = new Set<string>();
        for (const st of doc.Statement ?? []) {
          if (st.Effect !== 'Allow') continue;
          for (const a of [st.Action ?? []].flat()) if (a.includes('*')) ids.add(`Action::${a}`);
          for (const r of [st.Resource ?? []].flat().map(flattenReference))
            if (r.includes('*')) ids.add(`Resource::${r}`);
        }
        for (const id of ids) Validations.of(node).acknowledge({ id: `AwsSolutions-IAM5[${id}]`, reason });
      },
    },
    { priority: AspectPriority.READONLY },
  );
}

interface PolicyStatementJson {
  readonly Effect?: string;
  readonly Action?: string | string[];
  readonly Resource?: unknown;
}

/** cdk-nag's rendering of a CloudFormation reference: `<Logical.Attr>`, `<AWS::Partition>`. */
function flattenReference(ref: unknown): string {
  if (ref === undefined) return '';
  if (typeof ref === 'string') return ref.replace(/\$\{/g, '<').replace(/}/g, '>');
  const r = ref as Record<string, unknown>;
  if (r['Fn::Join']) {
    const [delimiter, items] = r['Fn::Join'] as [string, unknown[]];
    return items.map(flattenReference).join(delimiter);
  }
  if (r['Fn::Sub']) return flattenReference(r['Fn::Sub']);
  if (r['Fn::GetAtt']) {
    const [resource, attribute] = r['Fn::GetAtt'] as [unknown, unknown];
    return `<${flattenReference(resource)}.${flattenReference(attribute)}>`;
  }
  if (r['Fn::ImportValue']) return flattenReference(r['Fn::ImportValue']);
  if (r.Ref) return `<${flattenReference(r.Ref)}>`;
  return JSON.stringify(ref);
}
