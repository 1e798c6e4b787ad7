/**
 * BatchNorm over NHWC channels with PyTorch semantics: train mode normalises with
 * the batch statistics and updates the running ones (momentum 0.1, unbiased
 * variance); eval mode uses the running statistics.
 */
import * as tf from '@tensorflow/tfjs-core';
import { BaseModule } from '../module.js';
import { constantValues } from '../init.js';
import { BATCH_NORM_TRAIN, BATCH_NORM_TRAIN_GRAD, backendHas, runKernel, type BatchNormTrainAttrs } from './fused_kernels.js';
import { relu } from './relu.js';

export interface BatchNorm2dOptions {
  readonly channels: number;
  readonly momentum?: number;
  readonly eps?: number;
}

export class BatchNorm2d extends BaseModule {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable;
  readonly runningMean: tf.Variable;
  readonly runningVar: tf.Variable;
  readonly momentum: number;
  readonly eps: number;

  constructor(o: BatchNorm2dOptions) {
    super();
    const c = [o.channels];
    this.momentum = o.momentum ?? 0.1;
    this.eps = o.eps ?? 1e-5;
    this.weight = this.registerParameter('weight', c, constantValues(c, 1));
    this.bias = this.registerParameter('bias', c, constantValues(c, 0));
    this.runningMean = this.registerBuffer('running_mean', c, constantValues(c, 0));
    this.runningVar = this.registerBuffer('running_var', c, constantValues(c, 1));
  }

  /**
   * `activation: 'relu'` applies ReLU after the normalisation (train mode: BatchNorm and
   * ReLU are each one kernel, forward and backward, where the backend has them).
   */
  forward(x: tf.Tensor4D, activation: 'linear' | 'relu' = 'linear'): tf.Tensor4D {
    return tf.tidy(() => {
      const y = this.training
        ? this.trainForward(x, this.weight, this.bias) as tf.Tensor4D
        : tf.batchNorm4d(x, this.runningMean as tf.Tensor1D, this.runningVar as tf.Tensor1D, this.bias as tf.Tensor1D,
          this.weight as tf.Tensor1D, this.eps);
      return activation === 'relu' ? relu(y) : y;
    });
  }

  /** What evalAffine() reads: a fold made from it is stale once any of these has new data. */
  evalState(): tf.Variable[] {
    return [this.weight, this.bias, this.runningMean, this.runningVar];
  }

  /**
   * Eval-mode BatchNorm as a per-channel affine y = x * scale + shift, for folding
   * into the preceding convolution (see Conv2d.forwardFolded). Tensors belong to
   * the caller's tidy.
   */
  evalAffine(): { scale: tf.Tensor1D; shift: tf.Tensor1D } {
    const scale = tf.mul(this.weight, tf.rsqrt(tf.add(this.runningVar, this.eps))) as tf.Tensor1D;
    const shift = tf.sub(this.bias, tf.mul(this.runningMean, scale)) as tf.Tensor1D;
    return { scale, shift };
  }

  /**
   * Train-mode BatchNorm: one BATCH_NORM_TRAIN kernel (normalisation and running
   * statistics) and one BATCH_NORM_TRAIN_GRAD kernel backward where the backend has
   * them; otherwise tfjs ops with the closed-form backward pass
   *   dx = gamma * invstd * (dy - mean(dy) - xhat * mean(dy * xhat)),
   * a handful of full-size passes instead of the ~15 that autodiff of
   * moments + batchNorm records (tiles, broadcasts, variance chain rule).
   * The running-statistics update happens in the forward pass: `assign` keeps the
   * new value alive past the kernel's tidy and is not on the tape.
   */
  private readonly trainForward = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [x4, gamma, beta, save] = args as [tf.Tensor4D, tf.Tensor1D, tf.Tensor1D, tf.GradSaveFunc];
    if (backendHas(BATCH_NORM_TRAIN) && backendHas(BATCH_NORM_TRAIN_GRAD)) {
      const attrs: BatchNormTrainAttrs = { epsilon: this.eps, momentum: this.momentum };
      const [value, runningMean, runningVar, ...kept] = runKernel(BATCH_NORM_TRAIN,
        { x: x4, scale: gamma, offset: beta, mean: this.runningMean, variance: this.runningVar }, { ...attrs });
      this.runningMean.assign(runningMean!);
      this.runningVar.assign(runningVar!);
      save([x4, gamma, ...kept]);
      const gradFunc = (dy: tf.Tensor4D, saved: tf.Tensor[]): tf.Tensor[] => {
        const [sx, sGamma, ...rest] = saved as [tf.Tensor4D, tf.Tensor1D, ...tf.Tensor[]];
        const inputs: tf.NamedTensorMap = { dy, x: sx, scale: sGamma };
        rest.forEach((t, i) => { inputs[`saved${i}`] = t; });
        return runKernel(BATCH_NORM_TRAIN_GRAD, inputs, { epsilon: this.eps }).slice(0, 3);
      };
      return { value: value as tf.Tensor4D, gradFunc };
    }
    const { mean, variance } = tf.moments(x4, [0, 1, 2]);
    const n = x4.size / x4.shape[3];
    this.updateRunningStats(mean as tf.Tensor1D, variance as tf.Tensor1D, n);
    const invstd = tf.rsqrt(tf.add(variance, this.eps));
    save([x4, mean, variance, invstd, gamma]);
    const value = tf.batchNorm4d(x4, mean as tf.Tensor1D, variance as tf.Tensor1D, beta, gamma, this.eps);
    const gradFunc = (dy: tf.Tensor4D, saved: tf.Tensor[]): tf.Tensor[] => {
      const [sx, sMean, sVar, sInvstd, sGamma] = saved as [tf.Tensor4D, tf.Tensor1D, tf.Tensor1D, tf.Tensor1D, tf.Tensor1D];
      const xhat = tf.batchNorm4d(sx, sMean, sVar, undefined, undefined, this.eps);
      const dBeta = tf.sum(dy, [0, 1, 2]);
      const dGamma = tf.sum(tf.mul(dy, xhat), [0, 1, 2]);
      const scale = tf.mul(sGamma, sInvstd); // [C]
      // dx = dy*scale - xhat*(scale*dGamma/n) - scale*dBeta/n
      const dx = tf.add(tf.mul(dy, scale),
        tf.sub(tf.mul(xhat, tf.mul(scale, tf.div(tf.neg(dGamma), n))), tf.mul(scale, tf.div(dBeta, n))));
      return [dx, dGamma, dBeta];
    };
    return { value, gradFunc };
  });

  private updateRunningStats(mean: tf.Tensor1D, variance: tf.Tensor1D, n: number): void {
    tf.tidy(() => {
      const m = this.momentum;
      const unbiased = n > 1 ? tf.mul(variance, n / (n - 1)) : variance;
      this.runningMean.assign(tf.add(tf.mul(this.runningMean, 1 - m), tf.mul(mean, m)));
      this.runningVar.assign(tf.add(tf.mul(this.runningVar, 1 - m), tf.mul(unbiased, m)));
    });
  }
}
