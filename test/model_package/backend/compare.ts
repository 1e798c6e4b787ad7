/** Helpers for checking wasm kernels against the cpu backend (the reference). */
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';

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
