/**
 * The profiler's bookkeeping on real kernels (cpu backend): operations counted for
 * convolutions, both their gradients and matrix products, nested kernels not counted
 * twice, and self time never more than total time.
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../model_package/backend/index.js';
import { instrumentBackend, recordKernels, summarize } from '../../bench/lib/kernel_timer.js';

describe('kernel timer', () => {
  beforeAll(async () => {
    await initBackend({ accelerator: 'cpu', log: () => {} });
    instrumentBackend('cpu');
  });

  it('counts 2 operations per multiply-add of convolutions, their gradients and matrix products', () => {
    const x = tf.randomNormal([2, 9, 10, 3]) as tf.Tensor4D;
    const f = tf.randomNormal([3, 3, 3, 4]) as tf.Tensor4D;
    const a = tf.randomNormal([2, 5, 7]);
    const b = tf.randomNormal([2, 6, 7]);
    const run = recordKernels(() =>
      tf.tidy(() => {
        const [dx, df] = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.conv2d(p as tf.Tensor4D, q as tf.Tensor4D, 2, 'same')))([x, f]);
        return [dx!.shape, df!.shape, tf.matMul(a, b, false, true).shape];
      }),
    );
    const flops = (name: string): number[] => run.kernels.filter((k) => k.name === name && k.depth === 0).map((k) => k.flops);
    const convOut = 2 * 5 * 5 * 4; // stride 2, same: 9x10 -> 5x5
    expect(flops('Conv2D')).toEqual([2 * convOut * 3 * 3 * 3]);
    expect(flops('Conv2DBackpropInput')).toEqual([2 * convOut * 3 * 3 * 3]);
    expect(flops('Conv2DBackpropFilter')).toEqual([2 * convOut * 3 * 3 * 3]);
    expect(flops('BatchMatMul')).toEqual([2 * 2 * 5 * 6 * 7]);
    expect(run.kernels.filter((k) => k.name === 'Sum').every((k) => k.flops === 0)).toBe(true);
    const s = summarize(run.kernels);
    expect(s.gflop * 1e9).toBeCloseTo(3 * 2 * convOut * 27 + 2 * 2 * 5 * 6 * 7, 3);
    expect(s.arithmetic_ms).toBeGreaterThan(0);
    expect(s.arithmetic_ms).toBeLessThanOrEqual(run.wallMs);
    for (const k of run.kernels) expect(k.selfMs).toBeLessThanOrEqual(k.totalMs + 1e-9);
    tf.dispose([x, f, a, b]);
  });
});
