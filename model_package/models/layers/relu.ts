/**
 * ReLU for training graphs. tfjs differentiates relu as dy * step(x): a Step kernel that
 * TensorFlow (tfjs-node) builds from six full-size ops. With a RELU_GRAD kernel the
 * backward pass is one call; elsewhere it is dy * step(y), the same numbers.
 */
import * as tf from '@tensorflow/tfjs-core';
import { backendHas, RELU_GRAD, runKernel } from './fused_kernels.js';

const reluWithGrad = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const [x, save] = args as [tf.Tensor, tf.GradSaveFunc];
  const y = tf.relu(x);
  save([y]);
  return {
    value: y,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [reluGrad(dy, saved[0]!)],
  };
});

/** dL/dx of y = relu(x), from the output y (y > 0 exactly where x > 0). */
export function reluGrad(dy: tf.Tensor, y: tf.Tensor): tf.Tensor {
  if (backendHas(RELU_GRAD)) return runKernel(RELU_GRAD, { dy, y })[0]!;
  return tf.mul(dy, tf.step(y));
}

/** relu(x); under a gradient tape its backward pass is reluGrad. */
export function relu<T extends tf.Tensor>(x: T): T {
  if (tf.engine().state.gradientDepth === 0 || !backendHas(RELU_GRAD)) return tf.relu(x);
  return reluWithGrad(x) as T;
}
