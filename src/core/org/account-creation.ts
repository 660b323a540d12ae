/**
 * Creating one account, as AWS really behaves:
 *
 * - Slots: AWS allows five CreateAccount requests in progress at once, across every caller.
 *   The free slots are five minus the live IN_PROGRESS count (ListCreateAccountStatus), read
 *   before the first request and again whenever none is free, never an assumed five.
 * - CreateAccount is not idempotent. When its answer is lost (a timeout, a dropped
 *   connection, a 5xx), estate looks for the request (ListCreateAccountStatus, by account
 *   name and requested time) and for an account with that e-mail (ListAccounts) before it
 *   sends again: a found request is followed to its end, a found account adopted.
 * - A request that ends EMAIL_ALREADY_EXISTS or CONCURRENT_ACCOUNT_MODIFICATION while an
 *   account with that e-mail is in the organisation (or another request for it is in
 *   progress) was a duplicate of ours: it resolves to that account.
 * - The daily creation limit, the account limit and a new organisation that AWS is still
 *   setting up stop every further creation in the run; those not started are reported as
 *   not done, with the reason. The run's first CreateAccount is sent alone, so such a
 *   refusal costs one request, not five.
 */
import { EstateError, isEstateError } from '../../errors.js';
import {
  explainCreateAccountFailure,
  explainCreationRefusal,
  NEW_ORGANIZATION_MS,
  type FailureExplanation,
  type OrganizationAge,
} from './account-failures.js';
import type { AccountCreatePayload } from './changes.js';
import {
  CREATE_ACCOUNT_ERRORS,
  MAX_CREATIONS_IN_PROGRESS,
  type CreateAccountRequestInfo,
  type OrganizationsPort,
} from './ports.js';

/** How long to wait after a lost CreateAccount answer before looking for the request. */
const LOST_ANSWER_SETTLE_MS = 5_000;

/** EstateError code of a creation this run did not start (see CreationStop). */
export const CREATION_NOT_STARTED = 'AccountCreationNotStarted';

/** Sends of one CreateAccount after lost answers, before the run gives up on it. */
const MAX_SENDS = 3;
/** Clock difference tolerated between this machine and AWS's RequestedTimestamp. */
const CLOCK_SKEW_MS = 5 * 60_000;

export interface CreationOptions {
  readonly sleep: (ms: number) => Promise<void>;
  readonly now: () => number;
  /** First wait before polling; grows ×1.5 per poll. */
  readonly pollIntervalMs: number;
  readonly maxPollIntervalMs: number;
  /** Stop following one creation (or waiting for a slot) after this much waiting. */
  readonly timeoutMs: number;
  /** When estate created the organisation in this run (ISO 8601), if it did. */
  readonly organizationCreatedAt: () => string | undefined;
}

type Update = (message: string) => void;

/** The live count of AWS's five creation slots, shared by every creation of a run. */
class CreationSlots {
  /** Requests in progress as AWS last showed them, plus the ones this run follows. */
  private known?: Set<string>;
  private readonly following = new Set<string>();
  private reserved = 0;

  constructor(private readonly port: OrganizationsPort) {}

  private async refresh(): Promise<void> {
    const live = await this.port.listCreateAccountRequests(['IN_PROGRESS']);
    this.known = new Set([
      ...live.filter((r) => r.state === 'IN_PROGRESS').map((r) => r.id),
      ...this.following,
    ]);
  }

  /** Waits until fewer than five requests are in progress, then holds one slot for a send. */
  /** True when a slot is held; false when the run stopped creating accounts meanwhile. */
  async acquire(options: CreationOptions, update: Update, stopped: () => boolean): Promise<boolean> {
    let wait = options.pollIntervalMs;
    let waited = 0;
    if (!this.known) await this.refresh();
    for (;;) {
      if (stopped()) return false;
      const busy = this.known!.size + this.reserved;
      if (busy < MAX_CREATIONS_IN_PROGRESS) {
        this.reserved++;
        return true;
      }
      if (waited >= options.timeoutMs) {
        throw new EstateError(
          `${busy} account creations are still in progress after ${Math.round(waited / 60_000)} minutes; AWS allows ${MAX_CREATIONS_IN_PROGRESS} at once`,
          {
            code: 'AccountCreationSlotTimeout',
            source: 'aws',
            suggestions: ['run apply again once they have finished (ListCreateAccountStatus shows them)'],
          },
        );
      }
      update(
        `${busy} account creations in progress (AWS allows ${MAX_CREATIONS_IN_PROGRESS}); waiting for a free slot`,
      );
      await options.sleep(wait);
      waited += wait;
      wait = Math.min(options.maxPollIntervalMs, Math.ceil(wait * 1.5));
      await this.refresh();
    }
  }

  /** The held slot now belongs to this request (or is given back when `id` is undefined). */
  release(id?: string): void {
    this.reserved--;
    if (id) this.follow(id);
  }

  follow(id: string): void {
    this.following.add(id);
    this.known?.add(id);
  }

  finished(id: string): void {
    this.following.delete(id);
    this.known?.delete(id);
  }
}

/** Why no further account is created in this run. */
interface CreationStop {
  readonly why: FailureExplanation;
}

export interface AccountCreator {
  /** Creates (or finds, or follows) the account; resolves to its id and the request that made it. */
  create(p: AccountCreatePayload, update: Update): Promise<{ id: string; requestId?: string }>;
}

export function accountCreator(port: OrganizationsPort, options: CreationOptions): AccountCreator {
  const slots = new CreationSlots(port);
  let stop: CreationStop | undefined;
  // The run's first CreateAccount goes alone: if AWS refuses it (a new organisation, the
  // daily limit), no other request is sent in vain.
  let probe: Promise<void> | undefined;
  let age: Promise<OrganizationAge> | undefined;

  const organizationAge = (): Promise<OrganizationAge> =>
    (age ??= (async (): Promise<OrganizationAge> => {
      const createdHere = options.organizationCreatedAt();
      if (createdHere) return { createdAt: new Date(createdHere), isNew: true };
      try {
        const org = await port.describeOrganization();
        if (!org) return { isNew: false };
        const management = await port.describeAccount(org.managementAccountId);
        if (!management.joinedAt) return { isNew: false };
        const createdAt = new Date(management.joinedAt);
        return { createdAt, isNew: options.now() - createdAt.getTime() < NEW_ORGANIZATION_MS };
      } catch {
        return { isNew: false };
      }
    })());

  const notStarted = (p: AccountCreatePayload, s: CreationStop) =>
    new EstateError(`not started: ${s.why.message}`, {
      code: CREATION_NOT_STARTED,
      source: 'aws',
      details: { account: p.name, email: p.email },
      suggestions: [s.why.fix],
    });

  const failed = (p: AccountCreatePayload, request: CreateAccountRequestInfo, why: FailureExplanation) =>
    new EstateError(why.message, {
      code: 'AccountCreationFailed',
      source: 'aws',
      details: {
        account: p.name,
        email: p.email,
        reason: request.failureReason ?? 'UNKNOWN',
        requestId: request.id,
      },
      suggestions: [why.fix],
    });

  /** The account with this e-mail, or a request for this name made since `since` (ms). */
  const findExisting = async (
    p: AccountCreatePayload,
    since: number,
    except?: string,
  ): Promise<{ accountId?: string; request?: CreateAccountRequestInfo }> => {
    const email = p.email.toLowerCase();
    const account = (await port.listAccounts()).find((a) => a.email.toLowerCase() === email);
    if (account) return { accountId: account.id };
    const requests = (await port.listCreateAccountRequests(['IN_PROGRESS', 'SUCCEEDED']))
      .filter((r) => r.accountName === p.name && r.id !== except)
      .filter(
        (r) =>
          r.state === 'IN_PROGRESS' || !r.requestedAt || Date.parse(r.requestedAt) >= since - CLOCK_SKEW_MS,
      )
      .sort((a, b) => (a.requestedAt ?? '').localeCompare(b.requestedAt ?? ''));
    const succeeded = requests.find((r) => r.state === 'SUCCEEDED' && r.accountId);
    if (succeeded) return { accountId: succeeded.accountId! };
    const inProgress = requests.find((r) => r.state === 'IN_PROGRESS');
    return inProgress ? { request: inProgress } : {};
  };

  /** Polls the request until it is no longer IN_PROGRESS. */
  const follow = async (request: CreateAccountRequestInfo, p: AccountCreatePayload, update: Update) => {
    slots.follow(request.id);
    let interval = options.pollIntervalMs;
    let waited = 0;
    try {
      while (request.state === 'IN_PROGRESS') {
        if (waited >= options.timeoutMs) {
          throw new EstateError(
            `account ${p.name} is still being created after ${Math.round(waited / 60_000)} minutes (request ${request.id})`,
            {
              code: 'AccountCreationTimeout',
              source: 'aws',
              suggestions: [
                'run apply again later: estate follows the request in progress instead of creating the account twice',
              ],
            },
          );
        }
        await options.sleep(interval);
        waited += interval;
        interval = Math.min(options.maxPollIntervalMs, Math.ceil(interval * 1.5));
        request = await port.describeCreateAccountRequest(request.id);
        update(`${request.state.toLowerCase().replace('_', ' ')} (${request.id})`);
      }
    } finally {
      if (request.state !== 'IN_PROGRESS') slots.finished(request.id);
    }
    return request;
  };

  const create = async (
    p: AccountCreatePayload,
    update: Update,
  ): Promise<{ id: string; requestId?: string }> => {
    let request: CreateAccountRequestInfo | undefined;
    if (p.requestId) {
      request = { id: p.requestId, accountName: p.name, state: 'IN_PROGRESS' };
      update(`following request ${p.requestId} from an earlier run`);
    }
    let sends = 0;
    /** When this run first sent the request (ms): lost requests are looked for from then on. */
    let since: number | undefined;
    for (;;) {
      if (!request) {
        if (stop) throw notStarted(p, stop);
        const held = await slots.acquire(options, update, () => stop !== undefined);
        if (stop) {
          if (held) slots.release();
          throw notStarted(p, stop);
        }
        since ??= options.now();
        sends++;
        let openProbe: (() => void) | undefined;
        if (probe) await probe;
        else probe = new Promise<void>((resolve) => (openProbe = resolve));
        if (stop) {
          slots.release();
          throw notStarted(p, stop);
        }
        try {
          request = await port.createAccount({
            name: p.name,
            email: p.email,
            roleName: p.roleName,
            iamUserAccessToBilling: p.iamUserAccessToBilling,
            tags: p.tags,
          });
          slots.release(request.id);
          openProbe?.();
          update(`requested (${request.id})`);
        } catch (error) {
          slots.release();
          const code = isEstateError(error) ? error.code : '';
          const stops: string[] = [CREATE_ACCOUNT_ERRORS.numberLimit, CREATE_ACCOUNT_ERRORS.finalizing];
          const age = stops.includes(code) ? await organizationAge() : { isNew: false };
          const refusal = explainCreationRefusal(code, p, age, new Date(options.now()));
          if (refusal) stop ??= { why: refusal };
          // Decided: the creations waiting behind the first request may go (or stop).
          openProbe?.();
          if (refusal) {
            throw new EstateError(refusal.message, {
              code,
              source: 'aws',
              cause: error,
              details: { account: p.name, email: p.email },
              suggestions: [refusal.fix],
            });
          }
          if (code !== CREATE_ACCOUNT_ERRORS.outcomeUnknown) throw error;
          // The request may have been accepted: look before asking again.
          update('no answer to CreateAccount; looking for the request and the account before asking again');
          // Give AWS's lists time to show a request it did accept before deciding it did not.
          await options.sleep(Math.max(options.pollIntervalMs, LOST_ANSWER_SETTLE_MS));
          const found = await findExisting(p, since);
          if (found.accountId) return { id: found.accountId };
          if (found.request) {
            request = found.request;
            update(`found request ${request.id}`);
          } else if (sends >= MAX_SENDS) throw error;
          continue;
        }
      }

      request = await follow(request, p, update);
      if (request.state === 'SUCCEEDED' && request.accountId)
        return { id: request.accountId, requestId: request.id };

      const reason = request.failureReason;
      if (reason === 'EMAIL_ALREADY_EXISTS' || reason === 'CONCURRENT_ACCOUNT_MODIFICATION') {
        // A duplicate of a request whose answer was lost (or that a retry sent twice).
        const requested = request.requestedAt ? Date.parse(request.requestedAt) : options.now();
        const found = await findExisting(p, Math.min(since ?? requested, requested), request.id);
        if (found.accountId) {
          update(`the account with ${p.email} already exists (${found.accountId}); adopting it`);
          return { id: found.accountId };
        }
        if (found.request) {
          update(`following request ${found.request.id} for the same account`);
          request = found.request;
          continue;
        }
      }
      const account = reason === 'ACCOUNT_LIMIT_EXCEEDED' ? await organizationAge() : undefined;
      const why = explainCreateAccountFailure(reason, p, account, new Date(options.now()));
      if (reason === 'ACCOUNT_LIMIT_EXCEEDED') stop ??= { why };
      throw failed(p, request, why);
    }
  };

  return { create };
}
