import { describe, expect, it } from 'vitest';
import { checkManagementAccount } from '../../../src/core/org/safety.js';
import type { EstateError } from '../../../src/errors.js';

const errorOf = (fn: () => void): EstateError | undefined => {
  try {
    fn();
  } catch (e) {
    return e as EstateError;
  }
  return undefined;
};

describe('checkManagementAccount', () => {
  it('Given the caller is the expected management account, Then the run may continue', () => {
    expect(
      errorOf(() =>
        checkManagementAccount({
          callerAccountId: '111111111111',
          expectedManagementAccountId: '111111111111',
          organization: { managementAccountId: '111111111111' },
        }),
      ),
    ).toBeUndefined();
  });

  it('Given other credentials than organization.managementAccountId, Then it says which account it runs as and which it expected', () => {
    const error = errorOf(() =>
      checkManagementAccount({
        callerAccountId: '222222222222',
        expectedManagementAccountId: '111111111111',
        organization: { managementAccountId: '111111111111' },
      }),
    );
    expect(error?.code).toBe('NotManagementAccount');
    expect(error?.source).toBe('user');
    expect(error?.message).toBe(
      'these credentials are for account 222222222222, but estate.yaml says the management account is 111111111111; nothing was changed',
    );
    expect(error?.details).toEqual({ caller: '222222222222', expected: '111111111111' });
  });

  it('Given no managementAccountId in the config and a member caller, Then the organisation’s management account is named', () => {
    const error = errorOf(() =>
      checkManagementAccount({
        callerAccountId: '222222222222',
        organization: { managementAccountId: '111111111111' },
      }),
    );
    expect(error?.message).toMatch(
      /account 222222222222, a member of an organisation whose management account is 111111111111/,
    );
  });

  it('Given no organisation yet, Then only the configured id is checked (the caller will become management)', () => {
    expect(errorOf(() => checkManagementAccount({ callerAccountId: '222222222222' }))).toBeUndefined();
    expect(
      errorOf(() =>
        checkManagementAccount({
          callerAccountId: '222222222222',
          expectedManagementAccountId: '111111111111',
        }),
      )?.code,
    ).toBe('NotManagementAccount');
  });
});
