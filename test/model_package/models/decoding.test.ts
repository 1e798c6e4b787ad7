import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useCpuBackend } from '../../helpers/tf.js';
import { END_INDEX, PAD_INDEX, START_INDEX } from '../../../model_package/core/tokenizer.js';
import { greedyHypotheses, greedyLoop } from '../../../model_package/models/decoding/greedy.js';
import { beamSearchLoop } from '../../../model_package/models/decoding/beam_search.js';
import type { StepDecoder } from '../../../model_package/models/types.js';
import type { ResnetTransformer } from '../../../model_package/models/resnet_transformer.js';
import { images, tinyModel } from './fixtures.js';

beforeAll(useCpuBackend);

/** A decoder whose next-token distribution is a fixed function of each row's prefix. */
class ScriptedDecoder implements StepDecoder {
  steps = 0;
  private prefixes: number[][];
  constructor(readonly rows: number, private readonly vocab: number,
    private readonly next: (row: number, prefix: readonly number[]) => Record<number, number>) {
    this.prefixes = Array.from({ length: rows }, () => []);
  }
  get length(): number {
    return this.prefixes[0]!.length;
  }
  step(tokens: Int32Array): tf.Tensor2D {
    this.steps++;
    this.prefixes.forEach((p, r) => p.push(tokens[r]!));
    const logits = new Float32Array(this.rows * this.vocab).fill(Math.log(1e-6));
    this.prefixes.forEach((p, r) => {
      for (const [tok, prob] of Object.entries(this.next(r, p))) logits[r * this.vocab + Number(tok)] = Math.log(prob);
    });
    return tf.tensor2d(logits, [this.rows, this.vocab]);
  }
  reorder(parents: Int32Array): void {
    this.prefixes = Array.from(parents, (p) => [...this.prefixes[p]!]);
  }
  dispose(): void {}
}

const A = 4;
const B = 5;
const V = 6;
const text = (tokens: readonly number[]): string => tokens.map((t) => (t === A ? 'a' : t === B ? 'b' : '?')).join('');

describe('greedyLoop', () => {
  it('pads with <P> after <E> and stops once every row has ended (earlyStop)', () => {
    // Row 0 ends at step 2, row 1 at step 4.
    const script = (row: number, p: readonly number[]): Record<number, number> =>
      p.length === (row === 0 ? 2 : 4) ? { [END_INDEX]: 0.9 } : { [A + row]: 0.9 };
    const dec = new ScriptedDecoder(2, V, script);
    const ids = greedyLoop(dec, 8, true);
    expect(Array.from(ids)).toEqual([
      START_INDEX, A, END_INDEX, PAD_INDEX, PAD_INDEX, PAD_INDEX, PAD_INDEX, PAD_INDEX,
      START_INDEX, B, B, B, END_INDEX, PAD_INDEX, PAD_INDEX, PAD_INDEX,
    ]);
    expect(dec.steps).toBe(4);
    const full = new ScriptedDecoder(2, V, script);
    expect(Array.from(greedyLoop(full, 8, false))).toEqual(Array.from(ids));
    expect(full.steps).toBe(7);
  });
});

describe('greedyHypotheses', () => {
  it('follows the same loop as greedyLoop and keeps each token\'s probability; confidence includes <E>', async () => {
    const script = (row: number, p: readonly number[]): Record<number, number> =>
      row === 0 ? (p.length === 3 ? { [END_INDEX]: 0.8, [A]: 0.2 } : { [A]: 0.5, [B]: 0.25 }) : { [B]: 0.9, [A]: 0.1 };
    const hyps = await greedyHypotheses(new ScriptedDecoder(2, V, script), 6);
    const ids = greedyLoop(new ScriptedDecoder(2, V, script), 6);
    expect(hyps[0]!.tokens).toEqual(Array.from(ids.slice(1, 3)));
    expect(hyps[0]!.charProbs.map((p) => Number(p.toFixed(3)))).toEqual([0.667, 0.667]); // softmax: 0.5 / (0.5 + 0.25)
    expect(hyps[0]!.confidence).toBeCloseTo(Math.cbrt((0.5 / 0.75) ** 2 * 0.8), 4);
    // Row 1 never ends: every token up to max length, no <E> in the confidence.
    expect(hyps[1]!.tokens).toEqual([B, B, B, B, B]);
    expect(hyps[1]!.confidence).toBeCloseTo(0.9, 4);
  });
});

describe('beamSearchLoop', () => {
  // p(a)=.5 p(b)=.4 p(E)=.1 first; after ...a: E .3, a .35, b .35; after ...b: E .9.
  // Greedy follows "a..." (prob <= .5*.35); the best sequence is "b<E>" (.4*.9 = .36).
  const script = (_row: number, p: readonly number[]): Record<number, number> => {
    const last = p[p.length - 1];
    if (last === START_INDEX) return { [A]: 0.5, [B]: 0.4, [END_INDEX]: 0.1 };
    if (last === A) return { [END_INDEX]: 0.3, [A]: 0.35, [B]: 0.35 };
    return { [END_INDEX]: 0.9, [A]: 0.05, [B]: 0.05 };
  };

  it('finds the most probable sequence that greedy misses, with per-character probabilities and confidence', async () => {
    const [hyp] = await beamSearchLoop(new ScriptedDecoder(2, V, script), 1, 2, 6, text);
    expect(hyp!.tokens).toEqual([B]);
    expect(hyp!.text).toBe('b');
    expect(hyp!.charProbs[0]).toBeCloseTo(0.4, 4);
    expect(hyp!.confidence).toBeCloseTo(Math.sqrt(0.4 * 0.9), 4);
  });

  it('width 1 is greedy', async () => {
    const [hyp] = await beamSearchLoop(new ScriptedDecoder(1, V, script), 1, 1, 6, text);
    const greedy = greedyLoop(new ScriptedDecoder(1, V, script), 6, true);
    expect([START_INDEX, ...hyp!.tokens]).toEqual(Array.from(greedy).filter((t) => t !== END_INDEX && t !== PAD_INDEX));
    expect(hyp!.text).toBe('aaaaa'); // a, then a forever (a/b tie goes to the lower id) up to max length
  });

  it('keeps rows independent and returns an unfinished hypothesis at max length', async () => {
    const perRow = (row: number, p: readonly number[]): Record<number, number> =>
      row < 2 ? script(row, p) : { [A]: 0.7, [B]: 0.3 - 4e-6 }; // slots 0-1 are image 0's beams; sums to 1
    const hyps = await beamSearchLoop(new ScriptedDecoder(4, V, perRow), 2, 2, 5, text);
    expect(hyps.map((h) => h.text)).toEqual(['b', 'aaaa']);
    expect(hyps[1]!.charProbs).toHaveLength(4);
    expect(hyps[1]!.confidence).toBeCloseTo(0.7, 4);
    hyps[1]!.charProbs.forEach((p) => expect(p).toBeCloseTo(0.7, 4));
  });
});

describe('ResnetTransformer decoding', () => {
  let model: ResnetTransformer;
  let x: tf.Tensor4D;
  let ends: number[];

  beforeAll(() => {
    model = tinyModel({ seed: 0 });
    // Nudge <E> so rows end at different steps (found for this seed; asserted below).
    const bias = new Map(model.namedParameters()).get('head.bias')!;
    const b = bias.dataSync().slice();
    b[END_INDEX] = 0.5;
    bias.assign(tf.tensor1d(b));
    x = tf.tidy(() => tf.mul(images(4, 16, 48, 11), tf.tensor4d([1, 10, 30, 100], [4, 1, 1, 1])));
  });
  afterAll(() => {
    model.dispose();
    x.dispose();
  });

  it('cached greedy decoding equals uncached decoding token for token', () => {
    const cached = model.greedyDecode(x);
    const uncached = model.greedyDecode(x, { useCache: false });
    const rows = cached.arraySync();
    expect(cached.shape).toEqual([4, 8]);
    expect(cached.dtype).toBe('int32');
    expect(rows).toEqual(uncached.arraySync());
    ends = rows.map((r) => r.indexOf(END_INDEX));
    // The check is only meaningful if rows end at different steps, one at the last.
    expect(new Set(ends).size).toBeGreaterThan(2);
    expect(Math.max(...ends)).toBe(7);
    rows.forEach((r, i) => {
      expect(r[0]).toBe(START_INDEX);
      if (ends[i]! >= 0) expect(r.slice(ends[i]! + 1).every((t) => t === PAD_INDEX)).toBe(true);
    });
    const full = model.greedyDecode(x, { earlyStop: false, useCache: false });
    expect(full.arraySync()).toEqual(rows);
    const short = model.greedyDecode(x, { maxLength: 3 });
    expect(short.arraySync()).toEqual(rows.map((r) => r.slice(0, 3)));
    tf.dispose([cached, uncached, full, short]);
  });

  it('beam width 1 equals greedy; beam cached equals uncached; probabilities in (0, 1]', async () => {
    const greedy = model.greedyDecode(x);
    const rows = greedy.arraySync();
    greedy.dispose();
    const beam1 = await model.beamSearch(x, 1);
    beam1.forEach((h, i) => {
      const r = rows[i]!;
      const end = r.indexOf(END_INDEX);
      expect(h.tokens).toEqual(r.slice(1, end < 0 ? undefined : end));
    });
    const beam3 = await model.beamSearch(x, 3);
    const beam3nc = await model.beamSearch(x, 3, { useCache: false });
    expect(beam3.map((h) => h.tokens)).toEqual(beam3nc.map((h) => h.tokens));
    for (const h of [...beam1, ...beam3]) {
      expect(h.charProbs).toHaveLength(h.tokens.length);
      for (const p of h.charProbs) {
        expect(p).toBeGreaterThan(0);
        expect(p).toBeLessThanOrEqual(1);
      }
      expect(h.confidence).toBeGreaterThan(0);
      expect(h.confidence).toBeLessThanOrEqual(1);
    }
  });

  it('beam confidence and character probabilities agree with teacher-forced logits', async () => {
    const [h] = await model.beamSearch(tf.slice(x, [0, 0, 0, 0], [1, -1, -1, -1]) as tf.Tensor4D, 2);
    const ended = h!.tokens.length < 7;
    const seq = [START_INDEX, ...h!.tokens, ...(ended ? [END_INDEX] : [])];
    const x0 = tf.slice(x, [0, 0, 0, 0], [1, -1, -1, -1]) as tf.Tensor4D;
    model.train(false);
    const yIn = tf.tensor2d(seq.slice(0, -1), [1, seq.length - 1], 'int32');
    const probs = tf.tidy(() => tf.softmax(model.logits(x0, yIn)).arraySync()[0]!);
    const stepProbs = seq.slice(1).map((tok, t) => probs[t]![tok]!);
    h!.charProbs.forEach((p, i) => expect(p).toBeCloseTo(stepProbs[i]!, 4));
    const meanLog = stepProbs.reduce((s, p) => s + Math.log(p), 0) / stepProbs.length;
    expect(h!.confidence).toBeCloseTo(Math.exp(meanLog), 4);
    model.train(true);
    tf.dispose([x0, yIn]);
  });

  it('decoding (greedy, stepDecoder) runs in eval mode and restores train mode', () => {
    model.train(true);
    const before = new Map(model.namedBuffers()).get('encoder.stem_bn.running_mean')!.dataSync().slice();
    tf.dispose(model.greedyDecode(x));
    const dec = model.stepDecoder(x, 1, true);
    tf.dispose(dec.step(new Int32Array(4).fill(START_INDEX)));
    dec.dispose();
    expect(model.training).toBe(true);
    const after = new Map(model.namedBuffers()).get('encoder.stem_bn.running_mean')!.dataSync();
    expect(Array.from(after)).toEqual(Array.from(before));
  });

  it('rejects bad beam widths and lengths', async () => {
    await expect(model.beamSearch(x, 0)).rejects.toThrow(/HTR_ERR_CONFIG_INVALID/);
    expect(() => model.greedyDecode(x, { maxLength: 99 })).toThrow(/HTR_ERR_CONFIG_INVALID/);
  });
});
