/**
 * What validation says about a construct tree, without aws-cdk-lib: nag.ts produces these and
 * the synth engine reports them, so the engine's cache check never loads the CDK.
 */

/** A validation rule a construct breaks (CloudFormation validator or cdk-nag). */
export interface Finding {
  readonly tool: 'cloudformation' | 'cdk-nag';
  readonly rule: string;
  readonly severity: 'error' | 'warning' | 'info';
  readonly message: string;
  /** Construct paths of the offending resources. */
  readonly paths: readonly string[];
}

/** A rule a construct breaks on purpose, with the reason recorded on it. */
export interface Acknowledgement {
  readonly tool: 'cloudformation' | 'cdk-nag';
  readonly rule: string;
  readonly reason: string;
  readonly paths: readonly string[];
}
