import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useCpuBackend } from '../../../helpers/tf.js';
import { Linear } from '../../../../model_package/models/layers/linear.js';
import { Embedding } from '../../../../model_package/models/layers/embedding.js';
import { LayerNorm } from '../../../../model_package/models/layers/layer_norm.js';
import { Rng } from '../../../../model_package/core/rng.js';

beforeAll(useCpuBackend);

describe('Linear', () => {
  it('computes x W + b over the last axis of a rank-3 input, W stored [in, out]', () => {
    const lin = new Linear({ inFeatures: 3, outFeatures: 2, rng: new Rng(1) });
    lin.weight.assign(tf.tensor2d([[1, 0], [0, 1], [1, 1]]));
    lin.bias!.assign(tf.tensor1d([10, 20]));
    const x = tf.tensor3d([[[1, 2, 3]], [[4, 5, 6]]]);
    const y = lin.forward(x);
    expect(y.shape).toEqual([2, 1, 2]);
    expect(Array.from(y.dataSync())).toEqual([14, 25, 20, 31]);
    tf.dispose([x, y]);
    lin.dispose();
  });

  it('default init is U(-1/sqrt(in), 1/sqrt(in)) like nn.Linear', () => {
    const lin = new Linear({ inFeatures: 100, outFeatures: 50, rng: new Rng(2) });
    const w = lin.weight.dataSync();
    expect(Math.max(...w)).toBeLessThanOrEqual(0.1);
    expect(Math.min(...w)).toBeGreaterThanOrEqual(-0.1);
    expect(Math.max(...w)).toBeGreaterThan(0.09);
    lin.dispose();
  });
});

describe('Embedding', () => {
  it('looks up rows for ids of any shape and slices position rows', () => {
    const emb = new Embedding({ num: 5, dim: 2, rng: new Rng(3) });
    emb.weight.assign(tf.tensor2d([[0, 0], [1, 1], [2, 2], [3, 3], [4, 4]]));
    const ids = tf.tensor2d([[4, 0], [2, 2]], [2, 2], 'int32');
    const out = emb.forward(ids);
    expect(out.shape).toEqual([2, 2, 2]);
    expect(Array.from(out.dataSync())).toEqual([4, 4, 0, 0, 2, 2, 2, 2]);
    const rows = emb.rows(2, 3);
    expect(Array.from(rows.dataSync())).toEqual([3, 3, 4, 4]);
    expect(() => emb.rows(3, 3)).toThrow(/5 rows/);
    tf.dispose([ids, out, rows]);
    emb.dispose();
  });
});

describe('LayerNorm', () => {
  it('normalises the last axis to mean 0, variance 1, then scales and shifts', () => {
    const ln = new LayerNorm(4);
    ln.weight.assign(tf.tensor1d([1, 2, 1, 1]));
    ln.bias.assign(tf.tensor1d([0, 0, 0, 5]));
    const x = tf.tensor2d([[1, 2, 3, 4], [10, 10, 10, 14]]);
    const y = ln.forward(x).arraySync() as number[][];
    const s = Math.sqrt(1.25 + 1e-5);
    [-1.5 / s, (2 * -0.5) / s, 0.5 / s, 1.5 / s + 5].forEach((v, i) => expect(y[0]![i]).toBeCloseTo(v, 5));
    const s2 = Math.sqrt(3 + 1e-5);
    expect(y[1]![3]).toBeCloseTo(3 / s2 + 5, 5);
    x.dispose();
    ln.dispose();
  });
});

describe('LayerNorm gradients', () => {
  it('the closed-form backward pass equals autodiff of the textbook formula', async () => {
    await import('../../../../model_package/backend/register_gradients.js');
    const ln = new LayerNorm(6);
    const rng = new Rng(11);
    const rand = (shape: number[]): tf.Tensor => tf.tensor(new Float32Array(shape.reduce((a, b) => a * b)).map(() => rng.normal()), shape);
    ln.weight.assign(rand([6]));
    ln.bias.assign(rand([6]));
    const x = rand([2, 3, 6]);
    const target = rand([2, 3, 6]);
    const textbook = (xx: tf.Tensor, w: tf.Tensor, b: tf.Tensor): tf.Scalar => {
      const { mean, variance } = tf.moments(xx, -1, true);
      const y = tf.add(tf.mul(tf.div(tf.sub(xx, mean), tf.sqrt(tf.add(variance, 1e-5))), w), b);
      return tf.sum(tf.mul(y, target));
    };
    const want = tf.grads(textbook)([x, ln.weight, ln.bias]);
    const got = tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(ln.forward(xx), target)) as tf.Scalar)(x);
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(got, want[0]!))).dataSync()[0]!)).toBeLessThan(1e-4);
    const vg = tf.variableGrads(() => tf.sum(tf.mul(ln.forward(x), target)) as tf.Scalar, [ln.weight, ln.bias]);
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(vg.grads[ln.weight.name]!, want[1]!))).dataSync()[0]!)).toBeLessThan(1e-4);
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(vg.grads[ln.bias.name]!, want[2]!))).dataSync()[0]!)).toBeLessThan(1e-4);
    tf.dispose([x, target, ...want, got, vg.value, ...Object.values(vg.grads)]);
    ln.dispose();
  });
});
