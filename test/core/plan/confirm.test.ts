import { describe, expect, it } from 'vitest';
import { IO } from '../../../src/core/io.js';
import { confirmApply } from '../../../src/core/plan/confirm.js';
import type { Change } from '../../../src/core/plan/types.js';
import { recordingIoHost } from '../../_helpers/recording-io.js';

const change = (resourceType: string, action: string) =>
  ({
    section: 'organization',
    resourceType,
    action,
    address: `${resourceType}:x`,
    summary: '',
    payload: {},
  }) as Change;
const input = (changes: Change[]) => ({
  plan: { changes },
  organizationName: 'acme',
  summary: '1 to create.',
});

describe('confirmApply', () => {
  it('Given no answer (the non-interactive default), Then it stops naming --yes, and asked "… Apply?"', async () => {
    const io = recordingIoHost();
    await expect(confirmApply(io, input([change('ou', 'create')]))).rejects.toMatchObject({
      message: expect.stringContaining('--yes'),
    });
    expect(io.requests.map((r) => [r.code, r.message])).toEqual([[IO.CONFIRM_APPLY, '1 to create. Apply?']]);
  });

  it('Given a "no", Then apply is cancelled with exit code 1', async () => {
    const io = recordingIoHost({ [IO.CONFIRM_APPLY]: false });
    await expect(confirmApply(io, input([change('ou', 'create')]))).rejects.toMatchObject({
      code: 'Cancelled',
      exitCode: 1,
    });
  });

  it('Given OU deletions and no typed name, Then it stops naming --confirm-prune with the organisation name', async () => {
    const io = recordingIoHost({ [IO.CONFIRM_APPLY]: true });
    await expect(confirmApply(io, input([change('ou', 'delete')]))).rejects.toMatchObject({
      message: expect.stringContaining('--confirm-prune acme'),
    });
    expect(io.requests[0]?.message).toBe(
      '--prune deletes 1 OU(s). Type the organisation name (acme) to confirm',
    );
  });

  it('Given the wrong name typed, Then nothing is applied and the message shows both names', async () => {
    const io = recordingIoHost({ [IO.CONFIRM_APPLY]: true, [IO.CONFIRM_PRUNE]: 'acne' });
    await expect(confirmApply(io, input([change('ou', 'delete')]))).rejects.toMatchObject({
      code: 'PruneNotConfirmed',
      message: 'the typed name "acne" is not the organisation name "acme"; nothing was changed',
    });
  });

  it('Given the right name and a yes, Then it resolves', async () => {
    const io = recordingIoHost({ [IO.CONFIRM_APPLY]: true, [IO.CONFIRM_PRUNE]: 'acme' });
    await expect(confirmApply(io, input([change('ou', 'delete')]))).resolves.toBeUndefined();
    expect(io.requests.map((r) => r.code)).toEqual([IO.CONFIRM_PRUNE, IO.CONFIRM_APPLY]);
  });
});
