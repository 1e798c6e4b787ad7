/**
 * BatchNorm over NHWC channels with PyTorch semantics: train mode normalises with
 * the batch statistics and updates the running ones (momentum 0.1, unbiased
 * variance); eval mode uses the running statistics.
 */
import * as tf from '@tensorflow/tfjs-core';
import { BaseModule } from '../module.js';
import { constantValues } from '../init.js';

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

  forward(x: tf.Tensor4D): tf.Tensor4D {
    if (!this.training) {
      return tf.batchNorm4d(x, this.runningMean as tf.Tensor1D, this.runningVar as tf.Tensor1D, this.bias as tf.Tensor1D,
        this.weight as tf.Tensor1D, this.eps);
    }
    return this.trainForward(x, this.weight, this.bias);
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
   * Train-mode BatchNorm with the closed-form backward pass
   *   dx = gamma * invstd * (dy - mean(dy) - xhat * mean(dy * xhat)),
   * a handful of full-size passes instead of the ~15 that autodiff of
   * moments + batchNorm records (tiles, broadcasts, variance chain rule).
   * The running-statistics update happens in the forward pass: `assign` keeps the
   * new value alive past the kernel's tidy and is not on the tape.
   */
  private readonly trainForward = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [x4, gamma, beta, save] = args as [tf.Tensor4D, tf.Tensor1D, tf.Tensor1D, tf.GradSaveFunc];
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
