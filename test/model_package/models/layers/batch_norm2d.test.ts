import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectNoTensorLeak, useCpuBackend } from '../../../helpers/tf.js';
import '../../../../model_package/backend/register_gradients.js';
import { BatchNorm2d } from '../../../../model_package/models/layers/batch_norm2d.js';
import { Rng } from '../../../../model_package/core/rng.js';

beforeAll(useCpuBackend);

function input(seed = 3): tf.Tensor4D {
  const rng = new Rng(seed);
  // Channel c has mean ~c and scale ~(c+1), so statistics differ per channel.
  const data = new Float32Array(2 * 3 * 4 * 3).map((_, i) => (i % 3) + ((i % 3) + 1) * rng.normal());
  return tf.tensor4d(data, [2, 3, 4, 3]);
}

/** Per-channel mean and biased/unbiased variance computed in plain JS. */
function stats(x: tf.Tensor4D): { mean: number[]; varBiased: number[]; varUnbiased: number[] } {
  const d = x.dataSync();
  const c = x.shape[3];
  const n = d.length / c;
  const mean = Array.from({ length: c }, (_, k) => { let s = 0; for (let i = k; i < d.length; i += c) s += d[i]!; return s / n; });
  const ss = Array.from({ length: c }, (_, k) => { let s = 0; for (let i = k; i < d.length; i += c) s += (d[i]! - mean[k]!) ** 2; return s; });
  return { mean, varBiased: ss.map((s) => s / n), varUnbiased: ss.map((s) => s / (n - 1)) };
}

describe('BatchNorm2d', () => {
  it('train mode normalises with batch statistics and updates running stats (momentum 0.1, unbiased var)', () => {
    const bn = new BatchNorm2d({ channels: 3 });
    const x = input();
    const { mean, varBiased, varUnbiased } = stats(x);
    const y = bn.forward(x);
    const ys = stats(y);
    ys.mean.forEach((m) => expect(m).toBeCloseTo(0, 5));
    ys.varBiased.forEach((v, k) => expect(v).toBeCloseTo(varBiased[k]! / (varBiased[k]! + 1e-5), 4));
    const rm = Array.from(bn.runningMean.dataSync());
    const rv = Array.from(bn.runningVar.dataSync());
    rm.forEach((v, k) => expect(v).toBeCloseTo(0.1 * mean[k]!, 5));
    rv.forEach((v, k) => expect(v).toBeCloseTo(0.9 + 0.1 * varUnbiased[k]!, 4));
    tf.dispose([x, y]);
    bn.dispose();
  });

  it('eval mode uses the running statistics and leaves them unchanged', () => {
    const bn = new BatchNorm2d({ channels: 3 });
    bn.runningMean.assign(tf.tensor1d([1, 2, 3]));
    bn.runningVar.assign(tf.tensor1d([4, 9, 16]));
    bn.train(false);
    const x = input();
    const y = bn.forward(x);
    const xd = x.dataSync();
    const yd = y.dataSync();
    for (let i = 0; i < xd.length; i++) {
      const c = i % 3;
      expect(yd[i]).toBeCloseTo((xd[i]! - [1, 2, 3][c]!) / Math.sqrt([4, 9, 16][c]! + 1e-5), 5);
    }
    expect(Array.from(bn.runningMean.dataSync())).toEqual([1, 2, 3]);
    tf.dispose([x, y]);
    bn.dispose();
  });

  it('train mode inside tf.variableGrads: correct gradients, running stats updated, no leaked tensors', async () => {
    const bn = new BatchNorm2d({ channels: 3 });
    bn.weight.assign(tf.tensor1d([0.5, 1.5, -1]));
    const x = input();
    const target = input(9);
    const lossOf = (f: () => tf.Tensor): tf.Scalar => tf.sum(tf.mul(f(), target));
    // Reference: the same normalisation written out with plain ops.
    const manual = (): tf.Tensor => {
      const { mean, variance } = tf.moments(x, [0, 1, 2]);
      return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-5))), bn.weight), bn.bias);
    };
    const want = tf.variableGrads(() => lossOf(manual), [bn.weight, bn.bias]);
    const wantX = tf.grad((xx: tf.Tensor) => {
      const { mean, variance } = tf.moments(xx, [0, 1, 2]);
      return tf.sum(tf.mul(tf.add(tf.mul(tf.div(tf.sub(xx, mean), tf.sqrt(tf.add(variance, 1e-5))), bn.weight), bn.bias), target));
    })(x);
    const gotX = tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(bn.forward(xx as tf.Tensor4D), target)))(x);
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(gotX, wantX))).dataSync()[0])).toBeLessThan(1e-4);
    const meanBefore = Array.from(bn.runningMean.dataSync());
    const got = await expectNoTensorLeak(() => {
      const g = tf.variableGrads(() => lossOf(() => bn.forward(x)), [bn.weight, bn.bias]);
      const out = { w: Array.from(g.grads[bn.weight.name]!.dataSync()), b: Array.from(g.grads[bn.bias.name]!.dataSync()) };
      tf.dispose([g.value, ...Object.values(g.grads)]);
      return out;
    }, 'BatchNorm train step under variableGrads');
    Array.from(want.grads[bn.weight.name]!.dataSync()).forEach((v, i) => expect(got.w[i]).toBeCloseTo(v, 4));
    Array.from(want.grads[bn.bias.name]!.dataSync()).forEach((v, i) => expect(got.b[i]).toBeCloseTo(v, 4));
    expect(Array.from(bn.runningMean.dataSync())).not.toEqual(meanBefore);
    tf.dispose([x, target, want.value, ...Object.values(want.grads), wantX, gotX]);
    bn.dispose();
  });
});
