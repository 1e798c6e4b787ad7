/**
 * Kernels the layers run as ONE backend call where the backend has them, registered by
 * name per backend as tfjs registers its own (model_package/backend/ provides them for
 * the TensorFlow backend). Where a backend has none, the layers build the same math
 * from tfjs ops, so every backend gives the same result.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { NamedAttrMap, NamedTensorMap } from '@tensorflow/tfjs-core';

/**
 * Train-mode BatchNorm over NHWC channels.
 * Inputs x, scale, offset, runningMean, runningVar; attrs BatchNormTrainAttrs.
 * Outputs [y, new runningMean, new runningVar (unbiased batch variance), ...saved],
 * where `saved` is whatever BatchNormTrainGrad needs after x and scale.
 */
export const BATCH_NORM_TRAIN = 'HtrBatchNormTrain';
/** Inputs dy, x, scale, ...saved; attrs { epsilon }. Outputs [dx, dScale, dOffset]. */
export const BATCH_NORM_TRAIN_GRAD = 'HtrBatchNormTrainGrad';
/** dy * (y > 0) for y = relu(x). Inputs dy, y. */
export const RELU_GRAD = 'HtrReluGrad';

/**
 * x [N, in] @ weight [in, out] + bias [out], then the activation: inference only
 * (no gradient is registered). Inputs x, weight, bias; attrs { activation }.
 */
export const LINEAR = 'HtrLinear';

/**
 * x [N, D] * rsqrt(mean(x^2 over D) + epsilon): LayerNorm without centring or affine,
 * inference only. Inputs x; attrs { epsilon }.
 */
export const RMS_NORM = 'HtrRmsNorm';

export interface BatchNormTrainAttrs {
  readonly epsilon: number;
  /** Running-statistics momentum (PyTorch's; TensorFlow calls it exponential_avg_factor). */
  readonly momentum: number;
}

/** Does the current backend have kernel `name`? */
export function backendHas(name: string): boolean {
  return tf.getKernel(name, tf.getBackend()) !== undefined;
}

/** Runs a registered kernel; its outputs belong to the caller's tidy. */
export function runKernel(name: string, inputs: NamedTensorMap, attrs: NamedAttrMap = {}): tf.Tensor[] {
  const out = tf.engine().runKernel(name, inputs, attrs) as tf.Tensor | tf.Tensor[];
  return Array.isArray(out) ? out : [out];
}
