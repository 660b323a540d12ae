import { describe, expect, it } from 'vitest';
import { accountIdOfArn, enrolmentOf } from '../../../src/core/controltower/enrolment.js';
import type { EnabledBaseline } from '../../../src/core/controltower/ports.js';

const OU_BASELINE = 'arn:aws:controltower:eu-west-2:111111111111:enabledbaseline/XOU';
const ouBaseline: EnabledBaseline = {
  arn: OU_BASELINE,
  baselineIdentifier: 'arn:aws:controltower:eu-west-2::baseline/17BSJV3IGJ2QSGA2',
  targetIdentifier: 'arn:aws:organizations::111111111111:ou/o-abc123/ou-ab12-cdef3456',
  status: 'SUCCEEDED',
};
const child = (id: string, status: string): EnabledBaseline => ({
  arn: `${OU_BASELINE}-${id}`,
  baselineIdentifier: ouBaseline.baselineIdentifier,
  // As ListEnabledBaselines writes an account target: account/o-<org>/<id>.
  targetIdentifier: `arn:aws:organizations::111111111111:account/o-abc123/${id}`,
  parentIdentifier: OU_BASELINE,
  status,
});

describe('enrolmentOf', () => {
  it("reads an account's child baseline from its ARN with the organisation id in it", () => {
    expect(enrolmentOf([ouBaseline, child('222222222222', 'SUCCEEDED')], '222222222222')).toEqual({
      state: 'enrolled',
    });
    expect(enrolmentOf([ouBaseline, child('222222222222', 'UNDER_CHANGE')], '222222222222')).toEqual({
      state: 'in-progress',
    });
  });

  it('names the failed baseline', () => {
    expect(enrolmentOf([child('222222222222', 'FAILED')], '222222222222')).toEqual({
      state: 'failed',
      reason: `its baseline ${OU_BASELINE}-222222222222 is FAILED`,
    });
  });

  it("is not enrolled when only the OU's baseline or another account's exists", () => {
    expect(enrolmentOf([ouBaseline, child('333333333333', 'SUCCEEDED')], '222222222222')).toEqual({
      state: 'not-enrolled',
    });
  });

  it('takes only account ARNs for account ids', () => {
    expect(accountIdOfArn('arn:aws:organizations::111111111111:account/o-abc123/222222222222')).toBe(
      '222222222222',
    );
    expect(accountIdOfArn(ouBaseline.targetIdentifier)).toBeUndefined();
  });
});
