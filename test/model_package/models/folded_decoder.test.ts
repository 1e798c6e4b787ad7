import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoTensorLeak, useCpuBackend } from '../../helpers/tf.js';
import { START_INDEX } from '../../../model_package/core/tokenizer.js';
import { Rng } from '../../../model_package/core/rng.js';
import { LayerNorm } from '../../../model_package/models/layers/layer_norm.js';
import { rmsNorm } from '../../../model_package/models/layers/rms_norm.js';
import type { ResnetTransformer } from '../../../model_package/models/resnet_transformer.js';
import { images, maxAbsDiff, tinyModel } from './fixtures.js';

beforeAll(useCpuBackend);

/**
 * Gives every LayerNorm a scale and shift far from (1, 0), every bias and the positions
 * non-zero values, and embeddings a non-zero row mean: at initialisation the folds are
 * nearly identities and would prove little.
 */
function perturb(model: ResnetTransformer, seed: number): void {
  const rng = new Rng(seed);
  for (const [name, v] of model.namedParameters()) {
    if (!name.startsWith('decoder.') && !name.startsWith('head.') && !name.startsWith('token_emb') && !name.startsWith('text_pos')) continue;
    const values = v.dataSync().slice();
    const isNormScale = /norm\d?\.weight$/.test(name);
    for (let i = 0; i < values.length; i++) {
      const u = rng.next() - 0.5;
      values[i] = isNormScale ? 1 + u : name.endsWith('.bias') ? u : values[i]! + 0.3 * u + 0.2;
    }
    v.assign(tf.tensor(values, v.shape));
  }
}

describe('FoldedDecoder (cached decoding steps)', () => {
  let model: ResnetTransformer;
  let x: tf.Tensor4D;

  beforeAll(() => {
    model = tinyModel({ seed: 5 });
    perturb(model, 9);
    x = tf.tidy(() => tf.mul(images(3, 16, 48, 4), tf.tensor4d([1, 10, 40], [3, 1, 1, 1])));
  });
  afterAll(() => {
    model.dispose();
    x.dispose();
  });

  it('gives the unfolded decoder\'s logits at every step of a fed sequence', () => {
    const cached = model.stepDecoder(x, 1, true);
    const full = model.stepDecoder(x, 1, false);
    const rng = new Rng(3);
    let tokens = new Int32Array(3).fill(START_INDEX);
    for (let t = 0; t < 7; t++) {
      const a = cached.step(tokens);
      const b = full.step(tokens);
      const scale = tf.tidy(() => tf.max(tf.abs(b)).dataSync()[0]!);
      expect(scale).toBeGreaterThan(1); // the logits are not trivially small
      expect(maxAbsDiff(a, b) / scale, `step ${t}`).toBeLessThan(2e-5);
      tf.dispose([a, b]);
      tokens = tokens.map(() => rng.int(4, 11));
    }
    cached.dispose();
    full.dispose();
  });

  it('decodes greedily to the same tokens as the uncached decoder', () => {
    const cached = model.greedyDecode(x);
    const uncached = model.greedyDecode(x, { useCache: false });
    expect(cached.arraySync()).toEqual(uncached.arraySync());
    tf.dispose([cached, uncached]);
  });

  it('is folded once per set of weights, kept by the model and freed with it', async () => {
    const empty = tf.memory().numTensors;
    const m = tinyModel({ seed: 6 });
    const withModel = tf.memory().numTensors;
    const decode = (): void => {
      const dec = m.stepDecoder(x, 2, true);
      tf.dispose(dec.step(new Int32Array(6).fill(START_INDEX)));
      dec.reorder(Int32Array.from([1, 1, 2, 3, 5, 4]));
      tf.dispose(dec.step(new Int32Array(6).fill(5)));
      dec.dispose();
    };
    decode();
    const folded = tf.memory().numTensors - withModel;
    expect(folded).toBeGreaterThan(0);
    await expectNoTensorLeak(decode, 'decoding again');
    // New weights: the old fold is freed when the new one is made.
    const head = new Map(m.namedParameters()).get('head.weight')!;
    const doubled = tf.mul(head, 2);
    head.assign(doubled);
    doubled.dispose();
    await expectNoTensorLeak(decode, 'decoding after a weight change');
    m.dispose();
    expect(tf.memory().numTensors).toBe(empty);
  });

  it('outlives the caller\'s tf.tidy around the decode that folded it', () => {
    const m = tinyModel({ seed: 7 });
    const first = tf.tidy(() => m.greedyDecode(x));
    const second = m.greedyDecode(x);
    expect(second.arraySync()).toEqual(first.arraySync());
    tf.dispose([first, second]);
    m.dispose();
  });

  it('follows the weights: a new head bias changes the next decoder\'s logits', () => {
    const first = model.stepDecoder(x, 1, true);
    const before = first.step(new Int32Array(3).fill(START_INDEX));
    first.dispose();
    const bias = new Map(model.namedParameters()).get('head.bias')!;
    const saved = tf.clone(bias);
    bias.assign(tf.tidy(() => tf.add(saved, tf.mul(tf.cast(tf.oneHot(6, bias.shape[0]!), 'float32'), 3)) as tf.Tensor1D));
    const second = model.stepDecoder(x, 1, true);
    const after = second.step(new Int32Array(3).fill(START_INDEX));
    second.dispose();
    const delta = tf.tidy(() => tf.sub(after, before).arraySync() as number[][]);
    // Logits move by 3 at index 6 and not elsewhere.
    for (const row of delta) row.forEach((d, i) => expect(d).toBeCloseTo(i === 6 ? 3 : 0, 4));
    bias.assign(saved);
    tf.dispose([saved, before, after]);
  });
});

describe('rmsNorm', () => {
  it('equals LayerNorm (scale 1, shift 0) on rows of mean 0', () => {
    const norm = new LayerNorm(16);
    const rows = tf.tidy(() => {
      const r = tf.randomNormal([5, 16], 2, 3, 'float32', 7) as tf.Tensor2D;
      return tf.sub(r, tf.mean(r, 1, true)) as tf.Tensor2D;
    });
    const a = rmsNorm(rows, norm.eps);
    const b = norm.forward(rows);
    expect(maxAbsDiff(a, b)).toBeLessThan(1e-5);
    tf.dispose([rows, a, b]);
    norm.dispose();
  });
});
