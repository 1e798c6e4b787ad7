/** The character n-gram language model: a proper distribution, what it learns, its file, and its use in CTC beam search. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CharNgramLm, lmLineScore, loadLanguageModel, saveLanguageModel } from '../../../model_package/lm/index.js';
import { buildMapping, END_INDEX } from '../../../model_package/core/tokenizer.js';
import { ctcPrefixBeam } from '../../../model_package/models/ctc/ctc_decode.js';

const MAPPING = buildMapping('abehtx ');
const id = (c: string) => MAPPING.indexOf(c);
const ids = (s: string) => [...s].map(id);
const TEXTS = ['the bat', 'the hat', 'bet the hat', 'tax the bath', 'the the', 'eat the heat'];
const PREDICTED = [END_INDEX, ...ids('abehtx ')];

describe('CharNgramLm', () => {
  const lm = CharNgramLm.build(TEXTS, MAPPING, 4);

  it('gives a distribution over the characters and <E> after any history, seen or not', () => {
    for (const history of ['', 'th', 'the', 'xxxx', 'tax t', 'hhh']) {
      const total = PREDICTED.reduce((s, t) => s + Math.exp(lm.logProb(ids(history), t)), 0);
      expect(total, JSON.stringify(history)).toBeCloseTo(1, 10);
    }
    expect(CharNgramLm.build(TEXTS, MAPPING, 1).logProb([], id('t'))).toBeLessThan(0);
  });

  it('prefers what the text spells: "e" after "th", a line end after "hat", "t" at a line start', () => {
    expect(lm.logProb(ids('th'), id('e'))).toBeGreaterThan(lm.logProb(ids('th'), id('x')) + 2);
    expect(lm.logProb(ids('the h'), id('a'))).toBeGreaterThan(lm.logProb(ids('the h'), id('e')));
    expect(lm.logProb(ids('the hat'), END_INDEX)).toBeGreaterThan(lm.logProb(ids('the hat'), id('x')));
    expect(lm.logProb([], id('t'))).toBeGreaterThan(lm.logProb([], id('x')));
    // Unseen contexts back off to shorter ones instead of going flat.
    expect(lm.logProb(ids('xx th'), id('e'))).toBeGreaterThan(lm.logProb(ids('xx th'), id('x')) + 2);
  });

  it('skips characters outside the vocabulary, and lines with none', () => {
    const a = CharNgramLm.build(['the hat'], MAPPING, 3);
    const b = CharNgramLm.build(['the h%at', 'Q'], MAPPING, 3);
    for (const t of PREDICTED) expect(b.logProb(ids('the h'), t)).toBeCloseTo(a.logProb(ids('the h'), t), 12);
    expect(b.lines).toBe(1);
  });

  it('round-trips through its file, checks the vocabulary, and names the file of a bad one', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'htr-lm-'));
    const file = path.join(dir, 'lm.json');
    await saveLanguageModel(file, lm);
    const back = await loadLanguageModel(file, MAPPING);
    expect(back.order).toBe(4);
    expect(back.lines).toBe(TEXTS.length);
    for (const h of ['', 'the', 'bet t']) for (const t of PREDICTED) expect(back.logProb(ids(h), t)).toBe(lm.logProb(ids(h), t));
    await expect(loadLanguageModel(file, buildMapping('abc'))).rejects.toThrow(/lm\.json.*not the model's/);
    await expect(loadLanguageModel(path.join(dir, 'missing.json'))).rejects.toThrow(/File not found: .*missing\.json/);
    writeFileSync(path.join(dir, 'bad.json'), '{"format":"other"}');
    await expect(loadLanguageModel(path.join(dir, 'bad.json'))).rejects.toThrow(/bad\.json.*not an htr-char-ngram/);
  });
});

describe('CTC prefix beam search with a language model', () => {
  const lm = CharNgramLm.build(TEXTS, MAPPING, 4);
  const V = MAPPING.length;
  /** Frames spelling `text` (blank between letters), the ambiguous frame split between two letters. */
  function frames(text: string, ambiguous: number, other: string, p: number): Float64Array {
    const path: number[][] = [];
    [...text].forEach((c, i) => {
      const probs = new Array<number>(V).fill(0.001);
      if (i === ambiguous) {
        probs[id(c)] = p;
        probs[id(other)] = 0.99 - p;
      } else probs[id(c)] = 0.99;
      path.push(probs, Array.from({ length: V }, (_, v) => (v === 0 ? 0.99 : 0.001)));
    });
    return Float64Array.from(path.flatMap((row) => { const s = row.reduce((a, b) => a + b, 0); return row.map((q) => Math.log(q / s)); }));
  }

  it('reads the spelling the text supports when the ink is ambiguous, and weight 0 leaves the acoustic choice', () => {
    // The ink says "thx hat" slightly more than "the hat".
    const lp = frames('thx hat', 2, 'e', 0.55);
    const T = lp.length / V;
    const plain = ctcPrefixBeam(lp, T, V, 8)[0]!;
    expect(plain.tokens).toEqual(ids('thx hat'));
    const fused = ctcPrefixBeam(lp, T, V, 8, { lm, weight: 0.5, bonus: 0 })[0]!;
    expect(fused.tokens).toEqual(ids('the hat'));
    // The fused score is the acoustic one plus the line's LM score.
    expect(fused.score).toBeCloseTo(fused.logScore + lmLineScore({ lm, weight: 0.5, bonus: 0 }, fused.tokens), 8);
    const none = ctcPrefixBeam(lp, T, V, 8, { lm, weight: 0, bonus: 0 })[0]!;
    expect(none.tokens).toEqual(plain.tokens);
    expect(none.logScore).toBeCloseTo(plain.logScore, 10);
  });

  it('the bonus per character counters the model\'s pull towards shorter lines', () => {
    const fusion = { lm, weight: 1, bonus: 0 };
    const short = lmLineScore(fusion, ids('the'));
    expect(lmLineScore({ ...fusion, bonus: 2 }, ids('the'))).toBeCloseTo(short + 6, 10);
  });
});
