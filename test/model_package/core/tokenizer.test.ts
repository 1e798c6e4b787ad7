import { describe, expect, it } from 'vitest';
import { buildMapping, DEFAULT_CHARACTERS, END_INDEX, PAD_INDEX, START_INDEX, Tokenizer } from '../../../model_package/core/tokenizer.js';

describe('Tokenizer', () => {
  const tok = new Tokenizer(buildMapping(DEFAULT_CHARACTERS));

  it('puts the special tokens first in fsdl order', () => {
    expect(tok.mapping.slice(0, 4)).toEqual(['<B>', '<S>', '<E>', '<P>']);
    expect(tok.mapping).toContain('\n');
  });

  it('encodes <S> text <E> <P>... and decodes back', () => {
    const ids = tok.encode('Hi!', 8);
    expect(ids[0]).toBe(START_INDEX);
    expect(ids[4]).toBe(END_INDEX);
    expect(Array.from(ids.slice(5))).toEqual([PAD_INDEX, PAD_INDEX, PAD_INDEX]);
    expect(tok.decode(ids)).toBe('Hi!');
  });

  it('truncates long text but always ends with <E>', () => {
    const ids = tok.encode('abcdefghij', 5);
    expect(ids[4]).toBe(END_INDEX);
    expect(tok.decode(ids)).toBe('abc');
  });

  it('drops characters outside the vocabulary instead of crashing', () => {
    expect(tok.has('é')).toBe(false);
    expect(tok.decode(tok.encode('café', 10))).toBe('caf');
  });

  it('rejects a mapping without the special tokens', () => {
    expect(() => new Tokenizer(['a', 'b', 'c', 'd'])).toThrow(/mapping\[0\] must be <B>/);
  });
});
