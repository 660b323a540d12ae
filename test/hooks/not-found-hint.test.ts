import { describe, expect, it } from 'vitest';
import { closestCommand, distance } from '../../src/hooks/not-found-hint.js';

describe('did-you-mean', () => {
  it('measures edits between ids', () => {
    expect(distance('graph', 'graph')).toBe(0);
    expect(distance('grahp', 'graph')).toBe(2);
    expect(distance('plam', 'plan')).toBe(1);
  });

  it('suggests the nearest command, and nothing for a far guess', () => {
    const ids = ['graph', 'plan', 'apply', 'config:validate', 'org:status'];
    expect(closestCommand('aply', ids)).toBe('apply');
    expect(closestCommand('config:validat', ids)).toBe('config:validate');
    expect(closestCommand('deploy-everything', ids)).toBeUndefined();
  });
});
