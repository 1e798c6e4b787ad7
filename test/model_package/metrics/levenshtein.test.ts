import { describe, expect, it } from 'vitest';
import { levenshtein } from '../../../model_package/metrics/levenshtein.js';

describe('levenshtein', () => {
  it('counts hand-computed edits on characters', () => {
    expect(levenshtein('kitten', 'sitting')).toBe(3); // k->s, e->i, +g
    expect(levenshtein('flaw', 'lawn')).toBe(2); // -f, +n
    expect(levenshtein('', 'abc')).toBe(3);
    expect(levenshtein('abc', '')).toBe(3);
    expect(levenshtein('same', 'same')).toBe(0);
    expect(levenshtein('ab', 'ba')).toBe(2); // no transposition op
  });

  it('works on word arrays', () => {
    expect(levenshtein(['the', 'cat', 'sat'], ['the', 'bat', 'sat', 'down'])).toBe(2);
  });

  it('is symmetric', () => {
    expect(levenshtein('intention', 'execution')).toBe(5);
    expect(levenshtein('execution', 'intention')).toBe(5);
  });
});
