/**
 * FusedBatchNorm (normalisation with given statistics) for wasm. The stock kernel is a
 * scalar loop at about 3.8 ns an element (14.3 ms for the default model's largest
 * activation, [16,28,256,32]); the same arithmetic as three broadcast element-wise
 * kernels, (x - mean) * (scale / sqrt(variance + eps)) + offset, takes 5.7 ms on one
 * thread and 3.3 ms on two (XNNPACK's SIMD). The per-channel factor is computed once on
 * the [C] vectors. Train-mode BatchNorm calls it twice a step per layer (forward, and
 * the normalised input again in its backward pass).
 */
import * as tf from '@tensorflow/tfjs-core';
import { FusedBatchNorm } from '@tensorflow/tfjs-core';
import { asTensor, installKernel, type KernelArgs } from './kernel_util.js';

export function registerFusedBatchNorm(): void {
  installKernel(FusedBatchNorm, ({ inputs, attrs }: KernelArgs) => {
    const { varianceEpsilon } = attrs as { varianceEpsilon: number };
    return tf.tidy(() => {
      const x = asTensor(inputs.x!);
      let factor = tf.rsqrt(tf.add(asTensor(inputs.variance!), varianceEpsilon));
      if (inputs.scale) factor = tf.mul(factor, asTensor(inputs.scale));
      const y = tf.mul(tf.sub(x, asTensor(inputs.mean!)), factor);
      return inputs.offset ? tf.add(y, asTensor(inputs.offset)) : y;
    });
  });
}
