/** Helpers for checking wasm kernels against the cpu backend (the reference). */
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';
import { BatchNorm2d } from '../../../model_package/models/layers/batch_norm2d.js';

/** Runs `fn` on `backend` and returns every output as plain arrays (no tensors survive). */
export async function runOn(backend: string, fn: () => tf.Tensor | tf.Tensor[]): Promise<{ shape: number[]; data: Float32Array }[]> {
  await tf.setBackend(backend);
  const before = tf.memory().numTensors;
  const outs = tf.tidy(() => {
    const r = fn();
    return Array.isArray(r) ? r : [r];
  });
  const res = outs.map((t) => ({ shape: t.shape, data: Float32Array.from(t.dataSync()) }));
  tf.dispose(outs);
  expect(tf.memory().numTensors, `${backend} leaked tensors`).toBe(before);
  return res;
}

/** Same shapes, and max |a-b| <= tol * max(1, max|a|). */
export function expectClose(
  got: { shape: number[]; data: Float32Array }[],
  want: { shape: number[]; data: Float32Array }[],
  tol = 1e-4,
  label = '',
): void {
  expect(got.length, label).toBe(want.length);
  got.forEach((g, i) => {
    const w = want[i]!;
    expect(g.shape, `${label} output ${i} shape`).toEqual(w.shape);
    let maxAbs = 1;
    let maxErr = 0;
    for (let j = 0; j < w.data.length; j++) {
      maxAbs = Math.max(maxAbs, Math.abs(w.data[j]!));
      maxErr = Math.max(maxErr, Math.abs(g.data[j]! - w.data[j]!));
    }
    expect(maxErr / maxAbs, `${label} output ${i} relative error`).toBeLessThanOrEqual(tol);
  });
}

/** Seeded normal tensor (same values on every backend). */
export function rnd(shape: number[], seed: number): tf.Tensor {
  return tf.randomNormal(shape, 0, 1, 'float32', seed);
}

export type Pad = 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];
export interface ConvCase {
  x: [number, number, number, number];
  f: [number, number, number, number];
  s: number | [number, number];
  pad: Pad;
}

/** Conv shapes for kernel tests: strides 1, 2, [2,1], [1,2], 3; same, valid, numeric and explicit padding; odd sizes; 1 and many channels. */
export const CONV_CASES: ConvCase[] = [
  { x: [2, 9, 11, 3], f: [3, 3, 3, 4], s: 1, pad: 'same' },
  { x: [2, 9, 11, 3], f: [3, 3, 3, 4], s: 2, pad: 'same' },
  { x: [1, 10, 12, 1], f: [5, 5, 1, 8], s: [2, 1], pad: 'valid' },
  { x: [2, 8, 8, 4], f: [1, 1, 4, 6], s: 2, pad: 'valid' },
  { x: [2, 8, 9, 4], f: [1, 1, 4, 6], s: 1, pad: 'same' },
  { x: [2, 7, 9, 4], f: [3, 3, 4, 6], s: 2, pad: [[0, 0], [1, 2], [2, 0], [0, 0]] },
  { x: [1, 7, 7, 16], f: [3, 3, 16, 1], s: 2, pad: 'valid' },
  { x: [3, 6, 13, 2], f: [5, 5, 2, 3], s: 1, pad: 'same' },
  { x: [2, 5, 5, 3], f: [3, 3, 3, 2], s: 3, pad: 'same' },
  { x: [1, 4, 17, 5], f: [3, 3, 5, 4], s: [2, 1], pad: 'same' },
  { x: [2, 12, 10, 2], f: [4, 2, 2, 3], s: [1, 2], pad: [[0, 0], [0, 1], [3, 1], [0, 0]] },
  // Numeric padding, as the model's square convs pass it.
  { x: [2, 9, 12, 3], f: [3, 3, 3, 5], s: 2, pad: 1 },
  { x: [2, 8, 11, 1], f: [5, 5, 1, 4], s: 1, pad: 2 },
];

/**
 * One train-mode BatchNorm2d + ReLU step on NHWC `shape`: [output sum, dx, dScale, dOffset,
 * new running mean, new running variance], to compare a backend's fused kernels with cpu.
 */
export function batchNormTrainStep(shape: number[]): tf.Tensor[] {
  const c = shape[3]!;
  const bn = new BatchNorm2d({ channels: c, momentum: 0.3 });
  bn.weight.assign(tf.add(1, rnd([c], 21)));
  bn.bias.assign(rnd([c], 22));
  const x = tf.variable(tf.add(tf.mul(rnd(shape, 23), 3), 1));
  const dy = rnd(shape, 24);
  const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(bn.forward(x as unknown as tf.Tensor4D, 'relu'), dy)), [x, bn.weight, bn.bias]);
  const out = [value, grads[x.name]!, grads[bn.weight.name]!, grads[bn.bias.name]!, tf.clone(bn.runningMean), tf.clone(bn.runningVar)];
  bn.dispose();
  x.dispose();
  return out;
}
