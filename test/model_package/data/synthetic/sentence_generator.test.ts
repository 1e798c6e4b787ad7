import { describe, expect, it } from 'vitest';
import { SentenceGenerator, loadCorpus, loadCorpusPart, normalizeText } from '../../../../model_package/data/synthetic/sentence_generator.js';
import { DEFAULT_CHARACTERS } from '../../../../model_package/core/tokenizer.js';
import { Rng } from '../../../../model_package/core/rng.js';
import { isHtrError } from '../../../../model_package/errors.js';

describe('SentenceGenerator', () => {
  it('loads a few thousand words of offline corpus', () => {
    const words = loadCorpus().split(/\s+/).filter(Boolean);
    expect(words.length).toBeGreaterThan(3000);
  });

  it('produces whole-word snippets within maxLength from the default characters', () => {
    const gen = new SentenceGenerator({ maxLength: 30, rng: new Rng(1) });
    const allowed = new Set(DEFAULT_CHARACTERS);
    const corpus = normalizeText(loadCorpus(), new Set([...DEFAULT_CHARACTERS, ' ']));
    const lengths: number[] = [];
    for (let i = 0; i < 500; i++) {
      const s = gen.generate();
      expect(s.length).toBeGreaterThan(0);
      expect(s.length).toBeLessThanOrEqual(30);
      expect(s).toBe(s.trim());
      for (const ch of s) expect(allowed.has(ch)).toBe(true);
      expect(s).not.toContain('\n');
      expect(corpus.includes(s)).toBe(true);
      lengths.push(s.length);
    }
    // Lengths spread over the range, not all short or all long.
    expect(Math.min(...lengths)).toBeLessThan(10);
    expect(Math.max(...lengths)).toBeGreaterThan(25);
  });

  it('is deterministic from the seed and honours a per-call limit', () => {
    const a = new SentenceGenerator({ maxLength: 40, rng: new Rng(7) });
    const b = new SentenceGenerator({ maxLength: 40, rng: new Rng(7) });
    const sa = Array.from({ length: 20 }, () => a.generate(12));
    const sb = Array.from({ length: 20 }, () => b.generate(12));
    expect(sa).toEqual(sb);
    for (const s of sa) expect(s.length).toBeLessThanOrEqual(12);
    const c = new SentenceGenerator({ maxLength: 40, rng: new Rng(8) });
    expect(Array.from({ length: 20 }, () => c.generate(12))).not.toEqual(sa);
  });

  it('drops characters outside the vocabulary and cuts over-long words', () => {
    const gen = new SentenceGenerator({ maxLength: 4, rng: new Rng(3), text: 'ünïcode   extraordinary\n\tword€', characters: [...'abcdefghijklmnopqrstuvwxyz'] });
    for (let i = 0; i < 30; i++) {
      const s = gen.generate();
      expect(s).toMatch(/^[a-z]{1,4}$/);
    }
  });

  it('splits the corpus by sentence into disjoint train/val/test parts', () => {
    const parts = { train: loadCorpusPart('train'), val: loadCorpusPart('val'), test: loadCorpusPart('test') };
    const total = loadCorpus().split(/\s+/).filter(Boolean).length;
    const words = (t: string) => t.split(/\s+/).filter(Boolean).length;
    expect(words(parts.train) + words(parts.val) + words(parts.test)).toBe(total);
    expect(words(parts.val)).toBeGreaterThan(200);
    expect(words(parts.test)).toBeGreaterThan(200);
    // A long held-out stretch never occurs in training text.
    for (const part of [parts.val, parts.test]) {
      const sentences = part.split(/(?<=[.!?]) /).filter((x) => x.length > 40);
      expect(sentences.length).toBeGreaterThan(5);
      for (const sentence of sentences) expect(parts.train.includes(sentence)).toBe(false);
    }
  });

  it('rejects an empty corpus with a named error', () => {
    expect(() => new SentenceGenerator({ maxLength: 10, rng: new Rng(1), text: '€€€' })).toThrowError(/no usable words/);
    let caught: unknown;
    try {
      new SentenceGenerator({ maxLength: 10, rng: new Rng(1), text: '   ' });
    } catch (err) {
      caught = err;
    }
    expect(isHtrError(caught, 'HTR_ERR_BAD_DATA_FILE')).toBe(true);
  });
});

describe('SentenceGenerator.snippet', () => {
  it('fills up to maxLength with whole words, at least minLength long', () => {
    const gen = new SentenceGenerator({ maxLength: 100, rng: new Rng(2) });
    const corpus = normalizeText(loadCorpus(), new Set([...DEFAULT_CHARACTERS, ' ']));
    for (let i = 0; i < 300; i++) {
      const max = 10 + (i % 80);
      const s = gen.snippet(max - 10, max);
      expect(s.length).toBeLessThanOrEqual(max);
      expect(s.length).toBeGreaterThanOrEqual(max - 10);
      expect(s).toBe(s.trim());
      expect(corpus.includes(` ${s} `) || corpus.startsWith(`${s} `) || corpus.endsWith(` ${s}`), s).toBe(true);
    }
  });

  it('starts at a sentence start when asked', () => {
    const gen = new SentenceGenerator({ maxLength: 100, rng: new Rng(4) });
    for (let i = 0; i < 100; i++) expect(gen.snippet(1, 60, undefined, true)).toMatch(/^["'(]?[A-Z]/);
  });
});
