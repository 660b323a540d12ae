import { describe, expect, it } from 'vitest';
import { renderOrgStatus, statusMermaid } from '../../src/cli/render-org-status.js';
import type { OrgStatus } from '../../src/core/org/status.js';
import type { OrgSnapshot } from '../../src/core/org/snapshot.js';

const status: OrgStatus = {
  organizationId: 'o-abc123',
  managementAccountId: '111111111111',
  rows: [
    { type: 'root', path: '', name: 'Root', id: 'r-1', tags: {}, differences: [] },
    { type: 'ou', path: 'Security', name: 'Security', id: 'ou-1', tags: {}, differences: [] },
    {
      type: 'account',
      path: 'Security/dev-alice',
      name: 'dev-alice',
      id: '222222222222',
      status: 'ACTIVE',
      kind: 'developer',
      owner: 'alice@acme.example.com',
      tags: {},
      differences: ['in Security (want Sandbox)'],
    },
  ],
  missing: ['OU Sandbox'],
  inSync: false,
};

describe('org status text', () => {
  it('Given a status, When rendered, Then a header, one row per item with its differences, what is missing and the verdict', () => {
    expect(renderOrgStatus(status).split('\n')).toEqual([
      'Organisation o-abc123 (management account 111111111111)',
      '',
      'PATH                ID            STATUS  KIND       OWNER                   DIFFERS FROM estate.yaml',
      '------------------  ------------  ------  ---------  ----------------------  --------------------------',
      'Root                r-1',
      'Security/           ou-1',
      'Security/dev-alice  222222222222  ACTIVE  developer  alice@acme.example.com  in Security (want Sandbox)',
      '',
      'Not in AWS yet: OU Sandbox (run `estate plan`)',
      '',
      '! differs from estate.yaml',
    ]);
  });

  it('Given no organisation yet, When rendered, Then it says what plan would do', () => {
    expect(renderOrgStatus({ rows: [], missing: [], inSync: false })).toBe(
      'This account is not in an organisation yet: `estate plan` shows what apply would create.',
    );
  });

  it('Given a status and its snapshot, When drawn as Mermaid, Then parents link to children and drift is marked', () => {
    const snapshot = {
      ous: [{ id: 'ou-1', parentId: 'r-1' }],
      accounts: [{ id: '222222222222', parentId: 'ou-1' }],
    } as unknown as OrgSnapshot;
    const text = statusMermaid(status, snapshot);
    expect(text).toContain('  n_r_1 --> n_ou_1');
    expect(text).toContain('  n_ou_1 --> n_222222222222');
    expect(text).toContain('  class n_222222222222 drift');
  });
});
