/**
 * Applies the organisation and policy changes of a plan through the port: each change runs
 * once the changes it depends on are applied, at most `concurrency` at a time. Account
 * creations take one of AWS's five slots (counted live, see account-creation.ts), are
 * followed through DescribeCreateAccountStatus with backoff, and are never sent twice
 * without first looking for the request and the account. A policy type is waited for until
 * the root shows it ENABLED before anything is attached with it. A failure does not stop
 * independent changes; the changes that depend on a failed one are skipped. Changes of
 * other sections and drift are left alone.
 *
 * Safe to kill at any point: the next plan is computed from AWS again and shows only what
 * remains; a creation that was in progress is found with ListCreateAccountStatus and
 * followed (payload.requestId) rather than requested again.
 */
import { EstateError, isEstateError } from '../../errors.js';
import { type ApplyResult, type Change, isActionable } from '../plan/types.js';
import { type IoHost, silentIoHost } from '../io.js';
import {
  type ChangeHandlers,
  executeChanges,
  newExecutionState,
  type ExecutionState,
} from '../plan/execute.js';
import { accountCreator, CREATION_NOT_STARTED } from './account-creation.js';
import {
  ADDRESS,
  ORG_SECTIONS,
  type AccountCreatePayload,
  type AccountMovePayload,
  type AttachmentPayload,
  type OuCreatePayload,
  type OuDeletePayload,
  type PolicyCreatePayload,
  type PolicyDeletePayload,
  type PolicyTypePayload,
  type PolicyUpdatePayload,
  type Ref,
  type TagsPayload,
  type TrustedAccessPayload,
} from './changes.js';
import {
  MAX_CREATIONS_IN_PROGRESS,
  POLICY_TYPE_NOT_ENABLED,
  type OrganizationsPort,
  type PolicyType,
} from './ports.js';
import { checkManagementAccount } from './safety.js';

/** AWS allows five CreateAccount requests in progress at once. */
export const MAX_ACCOUNT_CREATIONS = MAX_CREATIONS_IN_PROGRESS;

/** AttachPolicy attempts while AWS still answers PolicyTypeNotEnabledException. */
const ATTACH_ATTEMPTS = 6;

export interface ApplyOrganizationOptions {
  /** Where the run reports each change. @default silent */
  readonly io?: IoHost;
  /** Changes applied at once, account creations aside. @default 8 */
  readonly concurrency?: number;
  /** Account creations in flight at once (capped at 5). @default 5 */
  readonly accountCreationConcurrency?: number;
  /** Waits between polls; tests inject a no-op. @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  /**
   * First wait before polling a creation; grows ×1.5 per poll up to maxPollIntervalMs. A
   * creation AWS finishes quickly is seen within seconds, and a slow one costs a handful of
   * DescribeCreateAccountStatus calls more than a longer first wait would. @default 2000
   */
  readonly pollIntervalMs?: number;
  /** @default 30000 */
  readonly maxPollIntervalMs?: number;
  /** Stop following one creation after this much waiting; the next apply resumes it. @default 30 minutes */
  readonly accountCreationTimeoutMs?: number;
  /** First wait before reading a policy type's status again; grows ×1.5. @default 1000 */
  readonly policyTypePollMs?: number;
  /** Give up waiting for a policy type to show ENABLED after this long. @default 5 minutes */
  readonly policyTypeTimeoutMs?: number;
  /** The clock (ages, request times). @default Date.now */
  readonly now?: () => number;
  /** When given, the run stops before any change unless this is the management account. */
  readonly callerAccountId?: string;
  /** organization.managementAccountId from estate.yaml. */
  readonly expectedManagementAccountId?: string;
  /**
   * Shared between calls when one plan is applied in several calls (one per section): ids
   * created by an earlier call resolve references in a later one, and a change whose
   * dependency failed in an earlier call is skipped. @default a fresh state
   */
  readonly state?: OrgApplyState;
  /** Told about every account id a creation produced (for later sections: budgets, ...). */
  readonly onAccountCreated?: (name: string, id: string) => void;
  /** Told about every OU a creation produced, by its path (for the Control Tower section). */
  readonly onOuCreated?: (path: string, id: string) => void;
}

/** What one apply run learned: outputs (ids) and statuses by change address. */
export type OrgApplyState = ExecutionState;

export const newApplyState = newExecutionState;

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function applyOrganizationPlan(
  plan: { readonly changes: readonly Change[] },
  port: OrganizationsPort,
  options: ApplyOrganizationOptions = {},
): Promise<ApplyResult> {
  const selected = plan.changes.filter((c) => ORG_SECTIONS.includes(c.section) && isActionable(c));
  if (options.callerAccountId) {
    checkManagementAccount({
      callerAccountId: options.callerAccountId,
      expectedManagementAccountId: options.expectedManagementAccountId,
      organization: await port.describeOrganization(),
    });
  }
  const state = options.state ?? newApplyState();
  const results = await executeChanges(selected, {
    io: options.io ?? silentIoHost,
    handlers: organizationHandlers(port, state.outputs, options),
    concurrency: options.concurrency ?? 8,
    // How many creations run at once; AWS's five slots are counted live by the creator.
    concurrencyByKind: {
      'account/create': Math.min(
        MAX_ACCOUNT_CREATIONS,
        options.accountCreationConcurrency ?? MAX_ACCOUNT_CREATIONS,
      ),
    },
    state,
    // Not attempted: the run stopped creating accounts (the reason is in the message).
    notAttempted: (error) => isEstateError(error) && error.code === CREATION_NOT_STARTED,
  });
  return { ok: results.every((r) => r.status === 'applied'), results };
}

/**
 * One handler per (resource type, action) of the organisation and policy sections.
 * Long on purpose: a flat table of small handlers, read one entry at a time; splitting it would only scatter them.
 */
function organizationHandlers(
  port: OrganizationsPort,
  outputs: ReadonlyMap<string, Record<string, string>>,
  options: ApplyOrganizationOptions,
): ChangeHandlers {
  const sleep = options.sleep ?? realSleep;
  const now = options.now ?? Date.now;
  const resolve = referenceResolver(outputs);
  const creator = accountCreator(port, {
    sleep,
    now,
    pollIntervalMs: options.pollIntervalMs ?? 2_000,
    maxPollIntervalMs: options.maxPollIntervalMs ?? 30_000,
    timeoutMs: options.accountCreationTimeoutMs ?? 30 * 60_000,
    organizationCreatedAt: () => outputs.get(ADDRESS.organization)?.createdAt,
  });
  const policyTypes = policyTypeWaiter(port, sleep, options);
  const payload = <T>(change: Change) => change.payload as unknown as T;

  return {
    'organization/create': async () => {
      const createdAt = new Date(now()).toISOString();
      const org = await port.createOrganization();
      const [root] = await port.listRoots();
      if (!root)
        throw new EstateError('the new organisation has no root yet', { code: 'NoRoot', source: 'aws' });
      return { id: org.id, rootId: root.id, managementAccountId: org.managementAccountId, createdAt };
    },
    'trusted-access/create': async (change) => {
      await port.enableServiceAccess(payload<TrustedAccessPayload>(change).principal);
      return undefined;
    },
    'policy-type/create': async (change, task) => {
      const p = payload<PolicyTypePayload>(change);
      await port.enablePolicyType(resolve(p.root), p.policyType);
      await policyTypes.ready(p.policyType, (message) => void task.update(message));
      return undefined;
    },
    'ou/create': async (change) => {
      const p = payload<OuCreatePayload>(change);
      const label = `OU ${p.path}`;
      const ou = await port.createOrganizationalUnit({
        parentId: resolve(p.parent),
        name: p.name,
        tags: p.tags,
        label,
      });
      // An OU that was already there (an interrupted run, a retried call) still gets its tags.
      if (ou.existed && Object.keys(p.tags).length)
        await port.tagResource({ resourceId: ou.id, tags: p.tags, label });
      options.onOuCreated?.(p.path, ou.id);
      return { id: ou.id };
    },
    'ou/delete': async (change) => {
      const p = payload<OuDeletePayload>(change);
      await port.deleteOrganizationalUnit({ ouId: p.ouId, label: `OU ${p.path}` });
      return undefined;
    },
    'tags/update': async (change) => {
      const p = payload<TagsPayload>(change);
      const resourceId = resolve(p.resource);
      if (Object.keys(p.set).length) await port.tagResource({ resourceId, tags: p.set, label: p.label });
      if (p.remove.length) await port.untagResource({ resourceId, keys: p.remove, label: p.label });
      return undefined;
    },
    'account/create': async (change, task) => {
      const p = payload<AccountCreatePayload>(change);
      const account = await creator.create(p, (message) => void task.update(message));
      options.onAccountCreated?.(p.name, account.id);
      return { id: account.id, ...(account.requestId ? { requestId: account.requestId } : {}) };
    },
    'account/move': async (change) => {
      const p = payload<AccountMovePayload>(change);
      const accountId = resolve(p.account);
      await port.moveAccount({
        accountId,
        fromParentId: resolve(p.from),
        toParentId: resolve(p.to),
        label: `account ${accountId} (${p.name}) from ${p.fromPath || 'Root'} to OU ${p.ouPath}`,
      });
      return undefined;
    },
    ...policyHandlers(port, resolve, sleep, options.policyTypePollMs ?? 1_000),
  };
}

/** Ids produced earlier in the run (or a previous call sharing its state) for `{ ref, key }`. */
function referenceResolver(outputs: ReadonlyMap<string, Record<string, string>>) {
  return (ref: Ref): string => {
    if ('id' in ref) return ref.id;
    const value = outputs.get(ref.ref)?.[ref.key];
    if (!value) {
      throw new EstateError(`${ref.ref} produced no ${ref.key}`, {
        code: 'UnresolvedReference',
        source: 'internal',
      });
    }
    return value;
  };
}

/** Policies and their attachments. */
function policyHandlers(
  port: OrganizationsPort,
  resolve: (ref: Ref) => string,
  sleep: (ms: number) => Promise<void>,
  attachRetryMs: number,
): ChangeHandlers {
  const payload = <T>(change: Change) => change.payload as unknown as T;
  return {
    'policy/create': async (change) => {
      const p = payload<PolicyCreatePayload>(change);
      const policy = await port.createPolicy(p);
      // Already there (an interrupted run): make its document and description ours.
      if (policy.existed)
        await port.updatePolicy({
          policyId: policy.id,
          content: p.content,
          description: p.description,
          label: p.name,
        });
      return { id: policy.id };
    },
    'policy/update': async (change) => {
      const p = payload<PolicyUpdatePayload>(change);
      await port.updatePolicy({
        policyId: p.policyId,
        label: p.name,
        ...(p.content !== undefined ? { content: p.content } : {}),
        ...(p.description !== undefined ? { description: p.description } : {}),
      });
      return undefined;
    },
    'policy/delete': async (change) => {
      const p = payload<PolicyDeletePayload>(change);
      await port.deletePolicy({ policyId: p.policyId, label: p.name });
      return undefined;
    },
    'policy-attachment/attach': async (change) => {
      const p = payload<AttachmentPayload>(change);
      const input = {
        policyId: resolve(p.policy),
        targetId: resolve(p.target),
        label: `${p.policyName} to ${p.targetLabel}`,
      };
      await attachWhenTypeEnabled(port, sleep, attachRetryMs, input);
      return undefined;
    },
    'policy-attachment/detach': async (change) => {
      const p = payload<AttachmentPayload>(change);
      await port.detachPolicy({
        policyId: resolve(p.policy),
        targetId: resolve(p.target),
        label: `${p.policyName} from ${p.targetLabel}`,
      });
      return undefined;
    },
  };
}

/** Polls ListRoots until a type shows ENABLED (EnablePolicyType works in the background); one wait per type. */
function policyTypeWaiter(
  port: OrganizationsPort,
  sleep: (ms: number) => Promise<void>,
  options: ApplyOrganizationOptions,
) {
  const waits = new Map<PolicyType, Promise<void>>();
  const poll = async (type: PolicyType, update: (message: string) => void): Promise<void> => {
    const timeout = options.policyTypeTimeoutMs ?? 5 * 60_000;
    let interval = options.policyTypePollMs ?? 1_000;
    let waited = 0;
    for (;;) {
      const roots = await port.listRoots();
      const status = roots.flatMap((r) => r.policyTypes).find((t) => t.type === type)?.status ?? 'not listed';
      if (status === 'ENABLED') return;
      if (waited >= timeout) {
        throw new EstateError(
          `${type} is still ${status} on the root after ${Math.round(waited / 1000)} s; nothing of that type was attached`,
          {
            code: 'PolicyTypePending',
            source: 'aws',
            suggestions: ['run `estate apply` again in a few minutes: it attaches what is left'],
          },
        );
      }
      update(`${type} is ${status}; waiting until AWS shows it ENABLED`);
      await sleep(interval);
      waited += interval;
      interval = Math.min(10_000, Math.ceil(interval * 1.5));
    }
  };
  return {
    ready(type: PolicyType, update: (message: string) => void): Promise<void> {
      let ready = waits.get(type);
      if (!ready) {
        ready = poll(type, update);
        ready.catch(() => waits.delete(type));
        waits.set(type, ready);
      }
      return ready;
    },
  };
}

/** AttachPolicy, again (bounded, with backoff) while AWS says the type is not enabled yet. */
async function attachWhenTypeEnabled(
  port: OrganizationsPort,
  sleep: (ms: number) => Promise<void>,
  firstWaitMs: number,
  input: { policyId: string; targetId: string; label: string },
): Promise<void> {
  let interval = firstWaitMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await port.attachPolicy(input);
    } catch (error) {
      if (!(isEstateError(error) && error.code === POLICY_TYPE_NOT_ENABLED) || attempt >= ATTACH_ATTEMPTS)
        throw error;
      await sleep(interval);
      interval = Math.min(10_000, Math.ceil(interval * 1.5));
    }
  }
}
