import { describe, expect, it } from 'vitest';
import { CharErrorRate, WordErrorRate, cer, stripSpecialTokens, wer } from '../../../model_package/metrics/error_rate.js';

describe('CharErrorRate', () => {
  it('accumulates sum of edits over sum of reference lengths, not a mean of rates', () => {
    const m = new CharErrorRate();
    m.update(['abd'], ['abc']); // 1 edit / 3
    m.update(['x'], ['a long line']); // 11 edits (1 sub + 10 del) / 11
    expect(m.counts).toEqual({ edits: 12, total: 14 });
    expect(m.compute()).toBeCloseTo(12 / 14, 12);
    // A mean of per-line rates would be (1/3 + 1) / 2.
    expect(m.compute()).not.toBeCloseTo((1 / 3 + 1) / 2, 3);
  });

  it('strips special tokens from both sides', () => {
    expect(stripSpecialTokens('<S>hi<E><P><P>')).toBe('hi');
    expect(cer('<S>hello<E><P>', 'hello')).toBe(0);
    expect(cer('hello', '<S>helo<E>')).toBe(1 / 4);
  });

  it('handles empty references', () => {
    expect(cer('', '')).toBe(0);
    expect(cer('abc', '')).toBe(1);
    expect(cer('', 'abcd')).toBe(1);
  });

  it('can be reset for the next epoch', () => {
    const m = new CharErrorRate();
    m.update(['a'], ['b']);
    m.reset();
    m.update(['ab'], ['ab']);
    expect(m.compute()).toBe(0);
  });

  it('rejects mismatched lengths', () => {
    expect(() => new CharErrorRate().update(['a'], [])).toThrow(RangeError);
  });
});

describe('WordErrorRate', () => {
  it('counts word edits over reference words', () => {
    expect(wer('the cat sat', 'the bat sat down')).toBe(2 / 4);
    expect(wer('  a   b ', 'a b')).toBe(0);
    const m = new WordErrorRate();
    m.update(['hello world', 'foo'], ['hello there world', 'foo bar']);
    // 1 insertion + 1 insertion over 3 + 2 words
    expect(m.compute()).toBeCloseTo(2 / 5, 12);
  });
});
