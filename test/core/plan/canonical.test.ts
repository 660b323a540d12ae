import { describe, expect, it } from 'vitest';
import { canonicalJson, digest } from '../../../src/core/plan/canonical.js';
import { sameDocument } from '../../../src/core/org/policies.js';

describe('canonicalJson', () => {
  it('does not depend on key order at any depth, in Maps or in Sets', () => {
    const a = {
      b: [{ y: 1, x: 2 }],
      a: new Map([
        ['q', 1],
        ['p', 2],
      ]),
      s: new Set(['n', 'm']),
    };
    const b = {
      s: new Set(['m', 'n']),
      a: new Map([
        ['p', 2],
        ['q', 1],
      ]),
      b: [{ x: 2, y: 1 }],
    };
    expect(canonicalJson(a)).toBe(canonicalJson(b));
    expect(canonicalJson(a)).toBe('{"a":{"p":2,"q":1},"b":[{"x":2,"y":1}],"s":["m","n"]}');
    expect(digest(a)).toBe(digest(b));
    expect(digest(a)).toMatch(/^[0-9a-f]{16}$/);
  });

  it('keeps array order and leaves out undefined fields', () => {
    expect(canonicalJson([2, 1])).not.toBe(canonicalJson([1, 2]));
    expect(canonicalJson({ a: 1, b: undefined })).toBe(canonicalJson({ a: 1 }));
  });

  it('is what policy documents are compared with', () => {
    expect(
      sameDocument('{"Version":"2012-10-17","Statement":[]}', '{ "Statement": [], "Version": "2012-10-17" }'),
    ).toBe(true);
    expect(sameDocument('{"a":[1,2]}', '{"a":[2,1]}')).toBe(false);
  });
});
