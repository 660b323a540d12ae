import { describe, expect, it } from 'vitest';
import { mandatoryValues } from '../../src/config/tags.js';
import { estate } from '../blueprints/_helpers.js';

describe('mandatoryValues', () => {
  it("gives each mandatory tag the account's own value, else its kind's, else the default", () => {
    const config = estate({
      tags: {
        mandatory: [
          { key: 'cost-center', default: 'shared' },
          { key: 'team', default: 'platform' },
          { key: 'data-class', default: 'internal' },
        ],
        byKind: { developer: { team: 'web', 'data-class': 'public' } },
      },
    });
    const account = { ...config.accounts[0]!, tags: { 'data-class': 'secret' } };
    expect(mandatoryValues(config, account)).toEqual({
      'cost-center': 'shared',
      team: 'web',
      'data-class': 'secret',
    });
    // A config that skipped validation: the tag with no value anywhere is named, undefined.
    const unchecked = {
      ...config,
      tags: { ...config.tags!, mandatory: [...config.tags!.mandatory, { key: 'owner' }] },
    };
    expect(mandatoryValues(unchecked, account)).toMatchObject({ owner: undefined });
    expect(Object.keys(mandatoryValues(unchecked, account))).toContain('owner');
  });

  it('is empty when no tag is mandatory', () => {
    const config = estate({});
    expect(mandatoryValues(config, config.accounts[0]!)).toEqual({});
  });
});
