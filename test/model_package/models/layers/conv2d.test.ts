import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useCpuBackend } from '../../../helpers/tf.js';
import { Conv2d } from '../../../../model_package/models/layers/conv2d.js';
import { Rng } from '../../../../model_package/core/rng.js';

beforeAll(useCpuBackend);

function x(b: number, h: number, w: number, c: number): tf.Tensor4D {
  const rng = new Rng(5);
  return tf.tensor4d(new Float32Array(b * h * w * c).map(() => rng.normal()), [b, h, w, c]);
}

describe('Conv2d (NHWC)', () => {
  it.each([
    { kernel: 3, stride: 1, padding: 1, out: [2, 7, 10, 4] },
    { kernel: 3, stride: 2, padding: 1, out: [2, 4, 5, 4] },
    { kernel: 3, stride: [2, 1] as const, padding: 1, out: [2, 4, 10, 4] },
    { kernel: 5, stride: 1, padding: 2, out: [2, 7, 10, 4] },
    { kernel: 1, stride: 2, padding: 0, out: [2, 4, 5, 4] },
  ])('kernel $kernel stride $stride padding $padding -> $out (PyTorch output size)', ({ kernel, stride, padding, out }) => {
    const conv = new Conv2d({ inChannels: 3, outChannels: 4, kernel, stride, padding, rng: new Rng(1) });
    const input = x(2, 7, 10, 3);
    const y = conv.forward(input);
    expect(y.shape).toEqual(out);
    expect(conv.outputSize(7, 10)).toEqual(out.slice(1, 3));
    expect(conv.weight.shape).toEqual([kernel, kernel, 3, 4]);
    tf.dispose([input, y]);
    conv.dispose();
  });

  it('the 1x1 matMul path equals tf.conv2d, bias included', () => {
    const conv = new Conv2d({ inChannels: 3, outChannels: 5, kernel: 1, bias: true, rng: new Rng(2) });
    const input = x(2, 4, 6, 3);
    const got = conv.forward(input);
    const want = tf.tidy(() => tf.add(tf.conv2d(input, conv.weight as tf.Tensor4D, 1, 'valid'), conv.bias!));
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(got, want))).dataSync()[0])).toBeLessThan(1e-5);
    tf.dispose([input, got, want]);
    conv.dispose();
  });

  it('padding is symmetric zero padding, as PyTorch: a centre-tap kernel is the identity', () => {
    const conv = new Conv2d({ inChannels: 1, outChannels: 1, kernel: 3, padding: 1, rng: new Rng(3) });
    const w = new Float32Array(9);
    w[4] = 1;
    conv.weight.assign(tf.tensor4d(w, [3, 3, 1, 1]));
    const input = x(1, 5, 5, 1);
    const y = conv.forward(input);
    expect(Array.from(y.dataSync())).toEqual(Array.from(input.dataSync()));
    tf.dispose([input, y]);
    conv.dispose();
  });

  it('Kaiming-normal init (fan-out, ReLU gain): weight std ~ sqrt(2 / (k*k*cout))', () => {
    const conv = new Conv2d({ inChannels: 64, outChannels: 64, kernel: 3, rng: new Rng(4) });
    const d = Array.from(conv.weight.dataSync());
    const mean = d.reduce((a, b) => a + b, 0) / d.length;
    const std = Math.sqrt(d.reduce((a, b) => a + (b - mean) ** 2, 0) / d.length);
    expect(std).toBeCloseTo(Math.sqrt(2 / (9 * 64)), 2);
    conv.dispose();
  });
});

describe('Conv2d.forwardFolded', () => {
  it.each([
    { kernel: 3, stride: [2, 1] as const, padding: 1, bias: false, activation: 'relu' as const },
    { kernel: 1, stride: 1, padding: 0, bias: true, activation: 'linear' as const },
  ])('equals conv -> eval BatchNorm -> $activation (kernel $kernel, bias $bias)', async ({ kernel, stride, padding, bias, activation }) => {
    const { BatchNorm2d } = await import('../../../../model_package/models/layers/batch_norm2d.js');
    const conv = new Conv2d({ inChannels: 3, outChannels: 4, kernel, stride, padding, bias, rng: new Rng(6) });
    const bn = new BatchNorm2d({ channels: 4 });
    bn.weight.assign(tf.tensor1d([0.5, -1, 2, 1]));
    bn.bias.assign(tf.tensor1d([0.1, 0.2, -0.3, 0]));
    bn.runningMean.assign(tf.tensor1d([0.3, -0.2, 0, 1]));
    bn.runningVar.assign(tf.tensor1d([0.5, 2, 1, 0.25]));
    bn.train(false);
    const input = x(2, 6, 7, 3);
    const want = tf.tidy(() => {
      const y = bn.forward(conv.forward(input));
      return activation === 'relu' ? tf.relu(y) : y;
    });
    const got = tf.tidy(() => conv.forwardFolded(input, bn, activation));
    expect(got.shape).toEqual(want.shape);
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(got, want))).dataSync()[0])).toBeLessThan(1e-5);
    // The fold is kept (made inside the tidy above, it outlived it) and follows new statistics.
    const again = conv.forwardFolded(input, bn, activation);
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(again, got))).dataSync()[0])).toBe(0);
    bn.runningMean.assign(tf.tensor1d([1, 1, 1, 1]));
    const moved = tf.tidy(() => {
      const y = bn.forward(conv.forward(input));
      return tf.max(tf.abs(tf.sub(conv.forwardFolded(input, bn, activation), activation === 'relu' ? tf.relu(y) : y))).dataSync()[0];
    });
    expect(moved).toBeLessThan(1e-5);
    tf.dispose([input, got, want, again]);
    const before = tf.memory().numTensors;
    conv.dispose();
    // The conv's weights and its folded filter and bias.
    expect(before - tf.memory().numTensors).toBe(bias ? 4 : 3);
    bn.dispose();
  });
});
