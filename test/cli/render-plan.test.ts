import { describe, expect, it } from 'vitest';
import { renderPlan } from '../../src/cli/render-plan.js';
import { diffPolicyDocuments } from '../../src/core/org/policies.js';
import type { Change, Plan } from '../../src/core/plan/types.js';

const regionsDoc = (regions: string[]) =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'DenyOutsideGovernedRegions',
        Effect: 'Deny',
        NotAction: ['iam:*'],
        Resource: '*',
        Condition: { StringNotEquals: { 'aws:RequestedRegion': regions } },
      },
    ],
  });

const planOf = (changes: Change[]): Plan => ({
  version: 1,
  createdAt: '2026-12-01T00:00:00.000Z',
  configDigest: 'sha256:c',
  snapshotDigest: 'sha256:s',
  offline: false,
  changes,
  notes: [],
});

describe('renderPlan: policy documents', () => {
  it('shows a policy update statement by statement with the regions named, not the JSON texts', () => {
    const before = regionsDoc(['eu-west-2', 'us-west-2']);
    const after = regionsDoc(['eu-west-2', 'eu-central-1']);
    const text = renderPlan(
      planOf([
        {
          section: 'policies',
          action: 'update',
          resourceType: 'policy',
          address: 'policy:estate-deny-outside-governed-regions',
          summary:
            'update SCP estate-deny-outside-governed-regions: document (DenyOutsideGovernedRegions changed) changed',
          diff: [],
          payload: {
            policyId: 'p-1',
            name: 'x',
            content: after,
            documentDiff: diffPolicyDocuments(before, after),
          },
        },
      ]),
      { color: false },
    );
    expect(text).toContain(
      [
        '      statement DenyOutsideGovernedRegions changed',
        '        Condition.StringNotEquals.aws:RequestedRegion: + eu-central-1, - us-west-2',
      ].join('\n'),
    );
    expect(text).not.toContain('\\"');
  });
});
