import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
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
