import { describe, expect, it } from 'vitest';
import { LineTextSource, sampleLength } from '../../../../model_package/data/synthetic/render/line_text.js';
import { OPEN_CLASSES, partOf, StructuredText, wordPart } from '../../../../model_package/data/synthetic/render/structured_text.js';
import { loadCorpusPart } from '../../../../model_package/data/synthetic/sentence_generator.js';
import { LINE_CHARACTERS } from '../../../../model_package/data/synthetic/synthetic_lines.js';
import { Rng } from '../../../../model_package/core/rng.js';

const source = (extra: Partial<ConstructorParameters<typeof LineTextSource>[0]> = {}) =>
  new LineTextSource({ mixedFraction: 0.15, structuredFraction: 0.25, characters: LINE_CHARACTERS, ...extra });
const draw = (src: LineTextSource, n: number, min: number, max: number, seed = 1) => Array.from({ length: n }, (_, i) => src.generate(min, max, new Rng(seed * 100_003 + i)));

describe('LineTextSource', () => {
  it('keeps every line within [min_length, max_length], in the vocabulary, without edge spaces', () => {
    const src = source();
    const allowed = new Set([...LINE_CHARACTERS, ' ']);
    for (const [min, max] of [[1, 100], [1, 1], [20, 40], [60, 90], [5, 8]] as const) {
      for (const text of draw(src, 300, min, max)) {
        expect(text.length, `${min}..${max}: ${text}`).toBeGreaterThanOrEqual(min);
        expect(text.length, `${min}..${max}: ${text}`).toBeLessThanOrEqual(max);
        expect(text).toBe(text.trim());
        for (const ch of text) expect(allowed.has(ch), `${JSON.stringify(ch)} in ${text}`).toBe(true);
      }
    }
  });

  it('spreads lengths over 1..100 with medium lines most common', () => {
    const lengths = draw(source(), 2000, 1, 100).map((t) => t.length);
    const share = (lo: number, hi: number) => lengths.filter((l) => l >= lo && l <= hi).length / lengths.length;
    expect(share(1, 10)).toBeGreaterThan(0.03);
    expect(share(81, 100)).toBeGreaterThan(0.05);
    expect(share(31, 70)).toBeGreaterThan(share(1, 30));
    expect(share(31, 70)).toBeGreaterThan(share(71, 100));
    const mean = lengths.reduce((a, b) => a + b, 0) / lengths.length;
    expect(mean).toBeGreaterThan(40);
    expect(mean).toBeLessThan(58);
  });

  it('sampleLength stays in range and reaches both ends', () => {
    const rng = new Rng(3);
    const seen = new Set(Array.from({ length: 5000 }, () => sampleLength(1, 20, rng)));
    expect(Math.min(...seen)).toBe(1);
    expect(Math.max(...seen)).toBe(20);
    expect(seen.size).toBe(20);
  });

  it('mixes prose, whole sentences and form-like text with digits and capitals', () => {
    const texts = draw(source(), 400, 1, 100);
    const share = (re: RegExp) => texts.filter((t) => re.test(t)).length / texts.length;
    expect(share(/\d/)).toBeGreaterThan(0.2);
    expect(share(/^["'(]?[A-Z][a-z]/)).toBeGreaterThan(0.2); // sentence starts and names
    expect(share(/^[a-z]/)).toBeGreaterThan(0.2); // mid-sentence snippets
    expect(share(/\d{1,2}[/.]\d{1,2}[/.]\d{2,4}|\d{1,3}(,\d{3})*\.\d\d/)).toBeGreaterThan(0.03); // dates, amounts
  });

  it('is a pure function of the RNG', () => {
    const a = draw(source(), 50, 1, 100, 7);
    expect(draw(source(), 50, 1, 100, 7)).toEqual(a);
    expect(draw(source(), 50, 1, 100, 8)).not.toEqual(a);
  });

  it('keeps held-out names apart: a val or test name, street or town never occurs in a training line', () => {
    const lines = (part: 'train' | 'val' | 'test') => {
      const s = new StructuredText(LINE_CHARACTERS, part);
      return Array.from({ length: 800 }, (_, i) => s.line(80, 100, new Rng(i))).join('\n');
    };
    const train = lines('train');
    const heldOut = `${lines('val')}\n${lines('test')}`;
    const has = (text: string, word: string) => new RegExp(`(^|[^A-Za-z'-])${word}($|[^A-Za-z'-])`).test(text);
    const open = [...new Set(Object.values(OPEN_CLASSES).flat())];
    let heldOutSeen = 0;
    for (const word of open) {
      if (wordPart(word) === 'train') continue;
      expect(has(train, word), word).toBe(false);
      if (has(heldOut, word)) heldOutSeen++;
    }
    expect(heldOutSeen).toBeGreaterThan(20);
    // Every split has some of every open class to draw from.
    for (const words of Object.values(OPEN_CLASSES)) for (const part of ['train', 'val', 'test'] as const) expect(partOf(words, part).length).toBeGreaterThan(0);
  });

  it('draws prose from the given text only', () => {
    const val = loadCorpusPart('val');
    const src = source({ structuredFraction: 0, mixedFraction: 0, text: val, part: 'val' });
    for (const t of draw(src, 100, 1, 100)) expect(val.replace(/\s+/g, ' ').includes(t), t).toBe(true);
  });
});

describe('partOf', () => {
  it('splits a list into disjoint train/val/test shares covering it', () => {
    const words = OPEN_CLASSES.first;
    const parts = (['train', 'val', 'test'] as const).map((p) => partOf(words, p));
    expect(parts.reduce((n, p) => n + p.length, 0)).toBe(words.length);
    expect(new Set(parts.flat()).size).toBe(words.length);
    expect(partOf(words, undefined)).toEqual(words);
  });
});
