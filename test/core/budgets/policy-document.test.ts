import { describe, expect, it } from 'vitest';
import { denyPolicyDocument, SCP_SIZE_LIMIT } from '../../../src/core/budgets/policy-document.js';
import { EstateError } from '../../../src/errors.js';

describe('deny-new-resources SCP document', () => {
  it('Given the shipped template, When loaded, Then it is minified JSON under the SCP size limit that denies launching compute', () => {
    const doc = denyPolicyDocument();
    expect(doc.length).toBeLessThanOrEqual(SCP_SIZE_LIMIT);
    const parsed = JSON.parse(doc);
    expect(parsed.Statement[0].Effect).toBe('Deny');
    expect(parsed.Statement[0].Action).toEqual(
      expect.arrayContaining(['ec2:RunInstances', 'rds:CreateDBInstance']),
    );
  });

  it('Given a document over 5,120 characters, When loaded, Then it fails naming the limit', () => {
    const big = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Deny', Action: 'x'.repeat(6000) }],
    });
    expect(() => denyPolicyDocument(big)).toThrow(EstateError);
    expect(() => denyPolicyDocument(big)).toThrow(/AWS allows 5120 per SCP/);
  });
});
