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
import {
  type ApplyResult,
  type Change,
  type ChangeResult,
  type ChangeStatus,
  isActionable,
} from '../plan/types.js';
import type { Progress } from '../progress.js';
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
import { limiter } from '../concurrency.js';
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
  readonly progress?: Progress;
  /** Changes applied at once, account creations aside. @default 8 */
  readonly concurrency?: number;
  /** Account creations in flight at once (capped at 5). @default 5 */
  readonly accountCreationConcurrency?: number;
  /** Waits between polls; tests inject a no-op. @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  /** First wait before polling a creation; grows ×1.5 per poll. @default 5000 */
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
}

/** What one apply run learned: outputs (ids) and statuses by change address. */
export interface OrgApplyState {
  readonly outputs: Map<string, Record<string, string>>;
  readonly statuses: Map<string, ChangeStatus>;
}

export function newApplyState(): OrgApplyState {
  return { outputs: new Map(), statuses: new Map() };
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Orders addresses so that every dependency comes first; throws on a cycle. */
function checkAcyclic(changes: ReadonlyMap<string, Change>): void {
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (address: string, path: string[]) => {
    const s = state.get(address);
    if (s === 'done') return;
    if (s === 'visiting') {
      throw new EstateError(`the plan has a dependency cycle: ${[...path, address].join(' → ')}`, {
        code: 'PlanCycle',
        source: 'internal',
      });
    }
    state.set(address, 'visiting');
    for (const dep of changes.get(address)?.dependsOn ?? [])
      if (changes.has(dep)) visit(dep, [...path, address]);
    state.set(address, 'done');
  };
  for (const address of changes.keys()) visit(address, []);
}

function messageOf(error: unknown): string {
  if (isEstateError(error))
    return error.suggestions.length ? `${error.message}; ${error.suggestions[0]}` : error.message;
  return error instanceof Error ? error.message : String(error);
}

export async function applyOrganizationPlan(
  plan: { readonly changes: readonly Change[] },
  port: OrganizationsPort,
  options: ApplyOrganizationOptions = {},
): Promise<ApplyResult> {
  const progress = options.progress ?? (() => {});
  const sleep = options.sleep ?? realSleep;
  const selected = plan.changes.filter((c) => ORG_SECTIONS.includes(c.section) && isActionable(c));

  if (options.callerAccountId) {
    checkManagementAccount({
      callerAccountId: options.callerAccountId,
      expectedManagementAccountId: options.expectedManagementAccountId,
      organization: await port.describeOrganization(),
    });
  }

  const byAddress = new Map<string, Change>();
  for (const change of selected) {
    if (byAddress.has(change.address)) {
      throw new EstateError(`the plan has two changes at ${change.address}`, {
        code: 'PlanDuplicate',
        source: 'internal',
      });
    }
    byAddress.set(change.address, change);
  }
  checkAcyclic(byAddress);

  const state = options.state ?? newApplyState();
  const outputs = state.outputs;
  const results = new Map<string, ChangeResult>();
  const running = new Map<string, Promise<ChangeStatus>>();
  const limit = limiter(options.concurrency ?? 8);
  // How many creations run at once; AWS's five slots are counted live by the creator.
  const creations = limiter(
    Math.min(MAX_ACCOUNT_CREATIONS, options.accountCreationConcurrency ?? MAX_ACCOUNT_CREATIONS),
  );

  const resolve = (ref: Ref): string => {
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

  const now = options.now ?? Date.now;
  const creator = accountCreator(port, {
    sleep,
    now,
    pollIntervalMs: options.pollIntervalMs ?? 5_000,
    maxPollIntervalMs: options.maxPollIntervalMs ?? 30_000,
    timeoutMs: options.accountCreationTimeoutMs ?? 30 * 60_000,
    organizationCreatedAt: () => outputs.get(ADDRESS.organization)?.createdAt,
  });

  const createAccount = async (change: Change): Promise<Record<string, string>> => {
    const p = change.payload as unknown as AccountCreatePayload;
    const update = (message: string) => progress({ type: 'update', id: change.address, message });
    const account = await creator.create(p, update);
    options.onAccountCreated?.(p.name, account.id);
    return { id: account.id, ...(account.requestId ? { requestId: account.requestId } : {}) };
  };

  /** Polls ListRoots until the type shows ENABLED (EnablePolicyType works in the background). */
  const policyTypeReady = new Map<PolicyType, Promise<void>>();
  const waitForPolicyType = (type: PolicyType, update: (message: string) => void): Promise<void> => {
    let ready = policyTypeReady.get(type);
    if (!ready) {
      ready = (async () => {
        const timeout = options.policyTypeTimeoutMs ?? 5 * 60_000;
        let interval = options.policyTypePollMs ?? 1_000;
        let waited = 0;
        for (;;) {
          const roots = await port.listRoots();
          const status =
            roots.flatMap((r) => r.policyTypes).find((t) => t.type === type)?.status ?? 'not listed';
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
      })();
      ready.catch(() => policyTypeReady.delete(type));
      policyTypeReady.set(type, ready);
    }
    return ready;
  };

  /** AttachPolicy, again (bounded, with backoff) while AWS says the type is not enabled yet. */
  const attach = async (input: { policyId: string; targetId: string; label: string }) => {
    let interval = options.policyTypePollMs ?? 1_000;
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
  };

  const execute = async (change: Change): Promise<Record<string, string>> => {
    const payload = change.payload as unknown;
    switch (`${change.resourceType}/${change.action}`) {
      case 'organization/create': {
        const createdAt = new Date(now()).toISOString();
        const org = await port.createOrganization();
        const [root] = await port.listRoots();
        if (!root)
          throw new EstateError('the new organisation has no root yet', { code: 'NoRoot', source: 'aws' });
        return { id: org.id, rootId: root.id, managementAccountId: org.managementAccountId, createdAt };
      }
      case 'trusted-access/create':
        await port.enableServiceAccess((payload as TrustedAccessPayload).principal);
        return {};
      case 'policy-type/create': {
        const p = payload as PolicyTypePayload;
        await port.enablePolicyType(resolve(p.root), p.policyType);
        await waitForPolicyType(p.policyType, (message) =>
          progress({ type: 'update', id: change.address, message }),
        );
        return {};
      }
      case 'ou/create': {
        const p = payload as OuCreatePayload;
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
        return { id: ou.id };
      }
      case 'ou/delete': {
        const p = payload as OuDeletePayload;
        await port.deleteOrganizationalUnit({ ouId: p.ouId, label: `OU ${p.path}` });
        return {};
      }
      case 'tags/update': {
        const p = payload as TagsPayload;
        const resourceId = resolve(p.resource);
        if (Object.keys(p.set).length) await port.tagResource({ resourceId, tags: p.set, label: p.label });
        if (p.remove.length) await port.untagResource({ resourceId, keys: p.remove, label: p.label });
        return {};
      }
      case 'account/create':
        return createAccount(change);
      case 'account/move': {
        const p = payload as AccountMovePayload;
        const accountId = resolve(p.account);
        await port.moveAccount({
          accountId,
          fromParentId: resolve(p.from),
          toParentId: resolve(p.to),
          label: `account ${accountId} (${p.name}) from ${p.fromPath || 'Root'} to OU ${p.ouPath}`,
        });
        return {};
      }
      case 'policy/create': {
        const p = payload as PolicyCreatePayload;
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
      }
      case 'policy/update': {
        const p = payload as PolicyUpdatePayload;
        await port.updatePolicy({
          policyId: p.policyId,
          label: p.name,
          ...(p.content !== undefined ? { content: p.content } : {}),
          ...(p.description !== undefined ? { description: p.description } : {}),
        });
        return {};
      }
      case 'policy/delete': {
        const p = payload as PolicyDeletePayload;
        await port.deletePolicy({ policyId: p.policyId, label: p.name });
        return {};
      }
      case 'policy-attachment/attach': {
        const p = payload as AttachmentPayload;
        await attach({
          policyId: resolve(p.policy),
          targetId: resolve(p.target),
          label: `${p.policyName} to ${p.targetLabel}`,
        });
        return {};
      }
      case 'policy-attachment/detach': {
        const p = payload as AttachmentPayload;
        await port.detachPolicy({
          policyId: resolve(p.policy),
          targetId: resolve(p.target),
          label: `${p.policyName} from ${p.targetLabel}`,
        });
        return {};
      }
      default:
        throw new EstateError(
          `estate does not know how to ${change.action} a ${change.resourceType} (${change.address})`,
          {
            code: 'UnknownChange',
            source: 'internal',
          },
        );
    }
  };

  const run = (address: string): Promise<ChangeStatus> => {
    const existing = running.get(address);
    if (existing) return existing;
    const change = byAddress.get(address)!;
    const promise = (async (): Promise<ChangeStatus> => {
      const deps = (change.dependsOn ?? []).filter((d) => byAddress.has(d) || state.statuses.has(d));
      await Promise.all(deps.filter((d) => byAddress.has(d)).map(run));
      const blocker = deps.find((d) => state.statuses.get(d) !== 'applied');
      if (blocker) {
        const message = `skipped: ${blocker} ${state.statuses.get(blocker) === 'failed' ? 'failed' : 'was skipped'}`;
        results.set(address, { address, status: 'skipped', message });
        state.statuses.set(address, 'skipped');
        progress({ type: 'skip', id: address, message });
        return 'skipped';
      }
      const slot = change.resourceType === 'account' && change.action === 'create' ? creations : limit;
      return slot(async () => {
        progress({ type: 'start', id: address, title: change.summary });
        try {
          const out = await execute(change);
          outputs.set(address, out);
          results.set(address, {
            address,
            status: 'applied',
            ...(Object.keys(out).length ? { outputs: out } : {}),
          });
          state.statuses.set(address, 'applied');
          progress({ type: 'done', id: address });
          return 'applied';
        } catch (error) {
          const message = messageOf(error);
          if (isEstateError(error) && error.code === CREATION_NOT_STARTED) {
            // Not attempted: the run stopped creating accounts (the reason is in the message).
            results.set(address, { address, status: 'skipped', message });
            state.statuses.set(address, 'skipped');
            progress({ type: 'skip', id: address, message });
            return 'skipped';
          }
          results.set(address, { address, status: 'failed', message });
          state.statuses.set(address, 'failed');
          progress({ type: 'fail', id: address, message });
          return 'failed';
        }
      });
    })();
    running.set(address, promise);
    return promise;
  };

  await Promise.all([...byAddress.keys()].map(run));
  const ordered = selected.map((c) => results.get(c.address)!);
  return { ok: ordered.every((r) => r.status === 'applied'), results: ordered };
}
