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

/** The account a creation ended with, and the request that made it (if this run followed one). */
interface Created {
  readonly id: string;
  readonly requestId?: string;
}

export interface AccountCreator {
  /** Creates (or finds, or follows) the account; resolves to its id and the request that made it. */
  create(p: AccountCreatePayload, update: Update): Promise<Created>;
}

/** One creation's sends: how many, and since when (ms) a lost request is looked for. */
interface Sends {
  count: number;
  since?: number;
}

/** Where one step of a creation got to: the account, or the request to follow next (none: send again). */
interface Step {
  readonly created?: Created;
  readonly request?: CreateAccountRequestInfo;
}

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

/** The creations of one run: they share the slots, the first-request probe and the stop. */
class AccountCreations implements AccountCreator {
  private readonly slots: CreationSlots;
  private stop: CreationStop | undefined;
  // The run's first CreateAccount goes alone: if AWS refuses it (a new organisation, the
  // daily limit), no other request is sent in vain.
  private probe: Promise<void> | undefined;
  private age: Promise<OrganizationAge> | undefined;

  constructor(
    private readonly port: OrganizationsPort,
    private readonly options: CreationOptions,
  ) {
    this.slots = new CreationSlots(port);
  }

  create = async (p: AccountCreatePayload, update: Update): Promise<Created> => {
    let request: CreateAccountRequestInfo | undefined;
    if (p.requestId) {
      request = { id: p.requestId, accountName: p.name, state: 'IN_PROGRESS' };
      update(`following request ${p.requestId} from an earlier run`);
    }
    const sends: Sends = { count: 0 };
    for (;;) {
      const step = request
        ? await this.settle(await this.follow(request, p, update), p, update, sends)
        : await this.send(p, update, sends);
      if (step.created) return step.created;
      request = step.request;
    }
  };

  private organizationAge(): Promise<OrganizationAge> {
    return (this.age ??= (async (): Promise<OrganizationAge> => {
      const createdHere = this.options.organizationCreatedAt();
      if (createdHere) return { createdAt: new Date(createdHere), isNew: true };
      try {
        const org = await this.port.describeOrganization();
        if (!org) return { isNew: false };
        const management = await this.port.describeAccount(org.managementAccountId);
        if (!management.joinedAt) return { isNew: false };
        const createdAt = new Date(management.joinedAt);
        return { createdAt, isNew: this.options.now() - createdAt.getTime() < NEW_ORGANIZATION_MS };
      } catch {
        return { isNew: false };
      }
    })());
  }

  /** The account with this e-mail, or a request for this name made since `since` (ms). */
  private async findExisting(
    p: AccountCreatePayload,
    since: number,
    except?: string,
  ): Promise<{ accountId?: string; request?: CreateAccountRequestInfo }> {
    const email = p.email.toLowerCase();
    const account = (await this.port.listAccounts()).find((a) => a.email.toLowerCase() === email);
    if (account) return { accountId: account.id };
    const requests = (await this.port.listCreateAccountRequests(['IN_PROGRESS', 'SUCCEEDED']))
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
  }

  /** Holds a creation slot, or throws when the run stopped creating accounts. */
  private async holdSlot(p: AccountCreatePayload, update: Update): Promise<void> {
    if (this.stop) throw notStarted(p, this.stop);
    const held = await this.slots.acquire(this.options, update, () => this.stop !== undefined);
    if (this.stop) {
      if (held) this.slots.release();
      throw notStarted(p, this.stop);
    }
  }

  /** Sends CreateAccount once a slot is held (after the run's first request, if this is not it). */
  private async send(p: AccountCreatePayload, update: Update, sends: Sends): Promise<Step> {
    await this.holdSlot(p, update);
    sends.since ??= this.options.now();
    sends.count++;
    let openProbe: (() => void) | undefined;
    if (this.probe) await this.probe;
    else this.probe = new Promise<void>((resolve) => (openProbe = resolve));
    if (this.stop) {
      this.slots.release();
      throw notStarted(p, this.stop);
    }
    try {
      const request = await this.port.createAccount({
        name: p.name,
        email: p.email,
        roleName: p.roleName,
        iamUserAccessToBilling: p.iamUserAccessToBilling,
        tags: p.tags,
      });
      this.slots.release(request.id);
      openProbe?.();
      update(`requested (${request.id})`);
      return { request };
    } catch (error) {
      this.slots.release();
      await this.refused(error, p, openProbe);
      return this.lostAnswer(error, p, update, sends);
    }
  }

  /** Throws the CreateAccount error unless its answer was lost; a refusal stops the run's creations. */
  private async refused(error: unknown, p: AccountCreatePayload, openProbe: (() => void) | undefined) {
    const code = isEstateError(error) ? error.code : '';
    const stops: string[] = [CREATE_ACCOUNT_ERRORS.numberLimit, CREATE_ACCOUNT_ERRORS.finalizing];
    const age = stops.includes(code) ? await this.organizationAge() : { isNew: false };
    const refusal = explainCreationRefusal(code, p, age, new Date(this.options.now()));
    if (refusal) this.stop ??= { why: refusal };
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
  }

  /** The request may have been accepted: look for it and the account before asking again. */
  private async lostAnswer(
    error: unknown,
    p: AccountCreatePayload,
    update: Update,
    sends: Sends,
  ): Promise<Step> {
    update('no answer to CreateAccount; looking for the request and the account before asking again');
    // Give AWS's lists time to show a request it did accept before deciding it did not.
    await this.options.sleep(Math.max(this.options.pollIntervalMs, LOST_ANSWER_SETTLE_MS));
    const found = await this.findExisting(p, sends.since!);
    if (found.accountId) return { created: { id: found.accountId } };
    if (found.request) {
      update(`found request ${found.request.id}`);
      return { request: found.request };
    }
    if (sends.count >= MAX_SENDS) throw error;
    return {};
  }

  /** Polls the request until it is no longer IN_PROGRESS. */
  private async follow(request: CreateAccountRequestInfo, p: AccountCreatePayload, update: Update) {
    this.slots.follow(request.id);
    let interval = this.options.pollIntervalMs;
    let waited = 0;
    try {
      while (request.state === 'IN_PROGRESS') {
        if (waited >= this.options.timeoutMs) {
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
        await this.options.sleep(interval);
        waited += interval;
        interval = Math.min(this.options.maxPollIntervalMs, Math.ceil(interval * 1.5));
        request = await this.port.describeCreateAccountRequest(request.id);
        update(`${request.state.toLowerCase().replace('_', ' ')} (${request.id})`);
      }
    } finally {
      if (request.state !== 'IN_PROGRESS') this.slots.finished(request.id);
    }
    return request;
  }

  /** A finished request: its account, a duplicate's account or request, or the failure thrown. */
  private async settle(
    request: CreateAccountRequestInfo,
    p: AccountCreatePayload,
    update: Update,
    sends: Sends,
  ): Promise<Step> {
    if (request.state === 'SUCCEEDED' && request.accountId)
      return { created: { id: request.accountId, requestId: request.id } };

    const reason = request.failureReason;
    if (reason === 'EMAIL_ALREADY_EXISTS' || reason === 'CONCURRENT_ACCOUNT_MODIFICATION') {
      // A duplicate of a request whose answer was lost (or that a retry sent twice).
      const requested = request.requestedAt ? Date.parse(request.requestedAt) : this.options.now();
      const found = await this.findExisting(p, Math.min(sends.since ?? requested, requested), request.id);
      if (found.accountId) {
        update(`the account with ${p.email} already exists (${found.accountId}); adopting it`);
        return { created: { id: found.accountId } };
      }
      if (found.request) {
        update(`following request ${found.request.id} for the same account`);
        return { request: found.request };
      }
    }
    const account = reason === 'ACCOUNT_LIMIT_EXCEEDED' ? await this.organizationAge() : undefined;
    const why = explainCreateAccountFailure(reason, p, account, new Date(this.options.now()));
    if (reason === 'ACCOUNT_LIMIT_EXCEEDED') this.stop ??= { why };
    throw failed(p, request, why);
  }
}

export function accountCreator(port: OrganizationsPort, options: CreationOptions): AccountCreator {
  return new AccountCreations(port, options);
}
