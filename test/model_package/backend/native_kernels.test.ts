/**
 * Our kernels for the TensorFlow backend against the cpu backend: convolutions with
 * explicit padding (forward, fused eval forward, both gradients), fused BatchNorm and
 * ReLU-gradient (output, every gradient, running statistics), inference Linear (and
 * LayerNorm around it), and the aliasing reshape and cast.
 * Skipped, with the reason, when the native build is absent.
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { findNativeBuild, initBackend } from '../../../model_package/backend/index.js';
import { BATCH_NORM_TRAIN, RELU_GRAD, RMS_NORM } from '../../../model_package/models/layers/fused_kernels.js';
import { relu } from '../../../model_package/models/layers/relu.js';
import { Linear } from '../../../model_package/models/layers/linear.js';
import { LayerNorm } from '../../../model_package/models/layers/layer_norm.js';
import { rmsNorm } from '../../../model_package/models/layers/rms_norm.js';
import { Rng } from '../../../model_package/core/rng.js';
import { batchNormTrainStep, CONV_CASES, expectClose, rnd, runOn } from './compare.js';
import { asTfBackend, supportsListAttrs, useSeparateOps } from '../../../model_package/backend/tf_raw_ops.js';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const build = findNativeBuild();
if (!build) console.warn('[native_kernels] skipped: no .native build (run `npm run setup:native` to enable)');

describe.skipIf(!build)('native kernels vs cpu', () => {
  beforeAll(async () => {
    await initBackend({ accelerator: 'native', log: () => {} });
    await tf.setBackend('cpu');
  });

  it('are registered for the TensorFlow backend only', () => {
    expect(tf.getKernel(BATCH_NORM_TRAIN, 'tensorflow')).toBeDefined();
    expect(tf.getKernel(RELU_GRAD, 'tensorflow')).toBeDefined();
    expect(tf.getKernel(RMS_NORM, 'tensorflow')).toBeDefined();
    expect(tf.getKernel(BATCH_NORM_TRAIN, 'cpu')).toBeUndefined();
  });

  it.each(CONV_CASES.flatMap((c) => [[JSON.stringify(c), 'one-op', c], [JSON.stringify(c), 'separate ops', c]] as const))('conv2d, fused conv2d + bias + relu, dX and dW: %s (%s)', async (_, route, c) => {
    useSeparateOps(route === 'separate ops');
    const run = () => {
      const x = rnd(c.x, 1) as tf.Tensor4D;
      const f = rnd(c.f, 2) as tf.Tensor4D;
      const bias = rnd([c.f[3]], 4) as tf.Tensor1D;
      const y = tf.conv2d(x, f, c.s, c.pad);
      const dy = rnd(y.shape, 3);
      const fused = tf.fused.conv2d({ x, filter: f, strides: c.s, pad: c.pad, bias, activation: 'relu' });
      const [dx, df] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.s, c.pad), dy)))([x, f]);
      return [y, fused, dx!, df!];
    };
    expectClose(await runOn('tensorflow', run), await runOn('cpu', run), 2e-5, JSON.stringify(c));
    useSeparateOps(false);
  });

  it.each([[[3, 5, 7, 4]], [[2, 9, 6, 16]]])('BatchNorm2d + ReLU in train mode: output, gradients, running statistics %j', async (shape) => {
    const run = () => batchNormTrainStep(shape);
    expectClose(await runOn('tensorflow', run), await runOn('cpu', run), 1e-4, 'batch norm');
  });

  it('explicit-padding conv kernels leave only their output behind', async () => {
    await tf.setBackend('tensorflow');
    const x = rnd([2, 6, 7, 3], 31) as tf.Tensor4D;
    const f = rnd([3, 3, 3, 4], 32) as tf.Tensor4D;
    const bias = rnd([4], 33) as tf.Tensor1D;
    const before = tf.memory().numTensors;
    const outs = [
      tf.conv2d(x, f, 2, 1),
      tf.fused.conv2d({ x, filter: f, strides: 1, pad: 1, bias, activation: 'relu' }),
      tf.fused.conv2d({ x, filter: f, strides: 1, pad: 1, bias }),
    ];
    expect(tf.memory().numTensors).toBe(before + outs.length);
    tf.dispose([...outs, x, f, bias]);
    await tf.setBackend('cpu');
  });

  it('a reshape to the same shape shares the data, outlives its source and frees it last', async () => {
    await tf.setBackend('tensorflow');
    const before = tf.memory();
    const x = tf.tensor2d([[1, 2, 3], [4, 5, 6]]);
    const same = tf.reshape(x, [2, -1]);
    const other = tf.reshape(x, [3, 2]);
    expect(tf.memory().numDataBuffers).toBe(before.numDataBuffers + 2); // x and same share one buffer
    x.dispose();
    expect(Array.from(same.dataSync())).toEqual([1, 2, 3, 4, 5, 6]);
    expect(same.shape).toEqual([2, 3]);
    const sum = tf.tidy(() => tf.add(same, tf.reshape(other, [2, 3])));
    expect(Array.from(sum.dataSync())).toEqual([2, 4, 6, 8, 10, 12]);
    tf.dispose([same, other, sum]);
    expect(tf.memory().numTensors).toBe(before.numTensors);
    expect(tf.memory().numDataBuffers).toBe(before.numDataBuffers);
    await tf.setBackend('cpu');
  });

  it.each(['one-op', 'separate ops'])('inference Linear (with and without relu), LayerNorm, RMS normalisation, and a same-dtype cast (%s)', async (route) => {
    useSeparateOps(route === 'separate ops');
    const run = () => {
      const rng = new Rng(7);
      const lin = new Linear({ inFeatures: 12, outFeatures: 9, rng });
      const ln = new LayerNorm(12);
      ln.weight.assign(tf.add(1, rnd([12], 27)));
      ln.bias.assign(rnd([12], 28));
      const x = tf.add(tf.mul(rnd([5, 12], 29), 4), 2);
      const x3 = rnd([2, 3, 12], 30);
      const out = [lin.forward(x), lin.forward(x3, 'relu'), ln.forward(x), ln.forward(x3), tf.cast(x, 'float32'), rmsNorm(x as tf.Tensor2D, 1e-3)];
      lin.dispose();
      ln.dispose();
      return out;
    };
    expectClose(await runOn('tensorflow', run), await runOn('cpu', run), 1e-5, 'linear / layer norm');
    useSeparateOps(false);
  });

  it('the addon built by setup:native passes list attributes (the one-op fused kernels run)', async () => {
    await tf.setBackend('tensorflow');
    const source = readFileSync(path.join(build!.packageDir, 'binding/tfjs_backend.cc'), 'utf8');
    expect(supportsListAttrs(asTfBackend(tf.backend()))).toBe(source.includes('htr-ts: list attributes'));
    await tf.setBackend('cpu');
  });

  it('relu gradient is dy where y > 0, else 0', async () => {
    const run = () => {
      const x = tf.variable(rnd([4, 33], 25));
      const dy = rnd([4, 33], 26);
      const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(relu(x), dy)), [x]);
      const out = [value, grads[x.name]!];
      x.dispose();
      return out;
    };
    expectClose(await runOn('tensorflow', run), await runOn('cpu', run), 1e-6, 'relu');
  });

  it.each([
    [[64, 1, 32], [64, 128, 32], false, true], // a decoding step's attention scores
    [[64, 1, 128], [64, 128, 32], false, false],
    [[3, 6, 5], [3, 6, 4], true, false],
    [[4, 20, 16], [4, 12, 16], false, true], // 20 rows: the oneDNN route
    [[4, 16, 20], [4, 16, 12], true, false],
    [[2, 3, 7, 5], [5, 4], false, false], // broadcast over the batch: forward only (tfjs has no broadcasting gradient)
  ] as const)('batched matMul on both routes (Eigen up to 8 rows, else oneDNN) and its gradients: %j × %j, transposes %s %s', async (sa, sb, ta, tb) => {
    const run = () => {
      const a = rnd([...sa], 27);
      const b = rnd([...sb], 28);
      const y = tf.matMul(a, b, ta, tb);
      if (sa.length !== sb.length) return [y];
      const dy = rnd(y.shape, 29);
      const [da, db] = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.mul(tf.matMul(p, q, ta, tb), dy)))([a, b]);
      return [y, da!, db!];
    };
    expectClose(await runOn('tensorflow', run), await runOn('cpu', run), 2e-5, 'batchMatMul');
  });
});
