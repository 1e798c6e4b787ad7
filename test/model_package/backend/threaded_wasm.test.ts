/**
 * The threaded-SIMD wasm build, loaded by hand in Node (tfjs only loads the
 * single-threaded one there): it starts with 2 threads, our SIMD kernels attach to its
 * shared memory, and it computes what cpu does (the filter gradient by the SIMD kernel).
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { initBackend } from '../../../model_package/backend/index.js';
import { expectClose, rnd, runOn } from './compare.js';

describe('threaded wasm', () => {
  it('runs with 2 threads and matches cpu on a conv step and its gradients', async () => {
    const info = await initBackend({ accelerator: 'wasm', numThreads: 2, log: () => {} });
    expect(info).toMatchObject({ name: 'wasm', threads: 2, simdKernels: true });
    const run = () => {
      const x = rnd([2, 12, 20, 8], 1) as tf.Tensor4D;
      const f = rnd([3, 3, 8, 16], 2) as tf.Tensor4D;
      const dy = rnd([2, 6, 10, 16], 3);
      const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same'), dy)));
      return [tf.conv2d(x, f, 2, 'same'), ...g([x, f])];
    };
    expectClose(await runOn('wasm', run), await runOn('cpu', run), 2e-5);
  });
});
