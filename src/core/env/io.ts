/**
 * The messages and requests of the environment engine (deploy, destroy, diff, list, status).
 * Codes are stable: hosts, tests and scripts act on them without parsing text. Never reuse or
 * renumber one; add new ones at the end of their range.
 *
 * Stack progress itself goes through the generic task messages (IO.TASK_*) with the task id
 * `stackTaskId(...)`; the codes here are what the engine adds on top.
 */
import type { ConfirmData } from '../io.js';
import type { PermissionChange, StackFailure } from './ports.js';

export const ENV_IO = {
  /** An environment's deploy ended. data: EnvDoneData */
  DEPLOY_ENV_DONE: 'ESTATE_I0500',
  /** A stack's live template, parameters and tags equal the synthesised ones: not deployed. data: StackRef */
  STACK_UNCHANGED: 'ESTATE_I0501',
  /** An account and region is not CDK-bootstrapped: bootstrapping it. data: BootstrapData */
  BOOTSTRAP_NEEDED: 'ESTATE_I0502',
  /** The outputs a person needs (site URL, API URL, user pool, dashboard). data: EndpointsData */
  ENDPOINTS: 'ESTATE_I0503',
  /** An environment's destroy ended. data: EnvDoneData */
  DESTROY_ENV_DONE: 'ESTATE_I0504',
  /** A bucket of a dev-profile environment was emptied before the delete. data: BucketEmptiedData */
  BUCKET_EMPTIED: 'ESTATE_I0505',
  /** Dry run: this stack would be deleted. data: StackRef */
  WOULD_DELETE: 'ESTATE_I0506',

  /** Interrupted: these stacks are still in flight in CloudFormation, these never started. data: InterruptedData */
  INTERRUPTED: 'ESTATE_W0510',
  /** A discovered environment is not in estate.yaml (left by a PR preview, renamed, ...). data: { environment, accountId } */
  ORPHAN_ENVIRONMENT: 'ESTATE_W0511',
  /** CloudFormation kept resources (DeletionPolicy Retain) when deleting. data: RetainedData */
  RETAINED: 'ESTATE_W0512',
  /** An account and region could not be read (list/status go on with the others). data: { accountId, region } */
  REGION_UNREADABLE: 'ESTATE_W0513',
  /** A shared stack (estate-bedrock-logging) is left in place by a destroy. data: StackRef */
  SHARED_KEPT: 'ESTATE_W0514',
  /** A deployed stack's record (what `env up` re-creates it from) was not written. data: StackRef */
  RECORD_UNWRITTEN: 'ESTATE_W0515',

  /** A stack failed: the resource and CloudFormation's reason. data: StackFailedData */
  STACK_FAILED: 'ESTATE_E0520',
  /** An environment was refused before anything ran (identity mismatch, protection). data: RefusedData */
  ENV_REFUSED: 'ESTATE_E0521',

  /** Approve this stack change (policy --approve)? data: ApproveData; answer: boolean */
  APPROVE_CHANGE: 'ESTATE_I0250',
  /** Destroy these environments' stacks? data: DestroyConfirmData; answer: boolean */
  CONFIRM_DESTROY: 'ESTATE_I0251',
  /** Type the protected environment's name to destroy it. data: DestroyConfirmData; answer: string */
  CONFIRM_PROTECTED: 'ESTATE_I0252',
} as const;

/** A stack somewhere. */
export interface StackRef {
  readonly stack: string;
  readonly environment: string;
  readonly accountId: string;
  readonly region: string;
}

export interface EnvDoneData {
  readonly environment: string;
  readonly status: string;
}

export interface BootstrapData {
  readonly accountId: string;
  readonly region: string;
  readonly qualifier: string;
}

export interface EndpointsData {
  readonly environment: string;
  readonly endpoints: Readonly<Record<string, string>>;
}

export interface BucketEmptiedData extends StackRef {
  readonly bucket: string;
  readonly objects: number;
}

export interface InterruptedData {
  readonly inFlight: readonly StackRef[];
  readonly notStarted: readonly StackRef[];
}

export interface RetainedData extends StackRef {
  readonly resources: readonly { logicalId: string; type: string; physicalId?: string }[];
}

export interface StackFailedData extends StackRef {
  readonly reason: string;
  readonly failure?: StackFailure;
}

export interface RefusedData {
  readonly environment: string;
  readonly reason: string;
}

export interface ApproveData extends ConfirmData, StackRef {
  readonly permissionChange: PermissionChange;
}

export interface DestroyConfirmData extends ConfirmData {
  readonly environments: readonly string[];
  readonly stacks: readonly string[];
}

/** The task id of a stack's deploy or destroy: unique across the accounts and regions of a run. */
export const stackTaskId = (ref: Pick<StackRef, 'stack' | 'accountId' | 'region'>): string =>
  `${ref.accountId}/${ref.region}/${ref.stack}`;

/** The task title: stack, account, region. */
export const stackTaskTitle = (ref: Pick<StackRef, 'stack' | 'accountId' | 'region'>): string =>
  `${ref.stack} (${ref.accountId}, ${ref.region})`;
