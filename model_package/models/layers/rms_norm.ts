/**
 * Root-mean-square normalisation over the last axis, without an affine part:
 * x * rsqrt(mean(x^2) + eps). On an input whose rows have mean 0 it equals LayerNorm's
 * normalisation, which is how the folded decoder (folded_decoder.ts) uses it.
 * Inference only: one backend call where the backend has RMS_NORM.
 */
import * as tf from '@tensorflow/tfjs-core';
import { backendHas, RMS_NORM, runKernel } from './fused_kernels.js';

export function rmsNorm(x: tf.Tensor2D, eps: number): tf.Tensor2D {
  if (backendHas(RMS_NORM)) return runKernel(RMS_NORM, { x }, { epsilon: eps })[0] as tf.Tensor2D;
  return tf.tidy(() => tf.mul(x, tf.rsqrt(tf.add(tf.mean(tf.square(x), -1, true), eps))));
}
