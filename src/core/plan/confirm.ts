/**
 * The apply confirmation, asked through the interaction port. The safe default of both
 * questions is "no answer": a run that cannot ask (CI, no terminal, --json) and was not
 * given the flag stops before any change, naming the flag to pass.
 */
import { EstateError, missingFlag, userError } from '../../errors.js';
import { IO, ioRequest, type ConfirmData, type IoHost } from '../io.js';
import type { Plan } from './types.js';

export interface ConfirmApplyInput {
  readonly plan: Pick<Plan, 'changes'>;
  readonly organizationName: string;
  /** The plan in one line ("2 to create, 1 to move."), asked about as "… Apply?". */
  readonly summary: string;
}

/** Resolves when the person (or a flag) agreed; throws, changing nothing, otherwise. */
export async function confirmApply(io: IoHost, input: ConfirmApplyInput): Promise<void> {
  const { organizationName: orgName } = input;
  const deletes = input.plan.changes.filter((c) => c.action === 'delete' && c.resourceType === 'ou');
  if (deletes.length > 0) {
    const prune: ConfirmData = {
      kind: 'text',
      flag: `--confirm-prune ${orgName}`,
      what: 'typed confirmation of OU deletion',
    };
    const typed = await io.requestResponse(
      ioRequest<ConfirmData, string | undefined>(
        IO.CONFIRM_PRUNE,
        `--prune deletes ${deletes.length} OU(s). Type the organisation name (${orgName}) to confirm`,
        prune,
        undefined,
      ),
    );
    if (typed === undefined) throw missingFlag(prune.flag, prune.what);
    if (typed !== orgName)
      throw userError(
        'PruneNotConfirmed',
        `the typed name "${typed}" is not the organisation name "${orgName}"; nothing was changed`,
      );
  }
  const apply: ConfirmData = { kind: 'confirm', flag: '--yes', what: 'confirmation to apply these changes' };
  const ok = await io.requestResponse(
    ioRequest<ConfirmData, boolean | undefined>(
      IO.CONFIRM_APPLY,
      `${input.summary} Apply?`,
      apply,
      undefined,
    ),
  );
  if (ok === undefined) throw missingFlag(apply.flag, apply.what);
  if (!ok)
    throw new EstateError('apply cancelled; nothing was changed', {
      code: 'Cancelled',
      source: 'user',
      exitCode: 1,
    });
}
