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
    return tf.tidy(() => {
      if (!this.training) {
        return tf.batchNorm4d(x, this.runningMean as tf.Tensor1D, this.runningVar as tf.Tensor1D, this.bias as tf.Tensor1D,
          this.weight as tf.Tensor1D, this.eps);
      }
      const { mean, variance } = tf.moments(x, [0, 1, 2]);
      this.updateRunningStats(mean as tf.Tensor1D, variance as tf.Tensor1D, x.size / x.shape[3]);
      return tf.batchNorm4d(x, mean as tf.Tensor1D, variance as tf.Tensor1D, this.bias as tf.Tensor1D,
        this.weight as tf.Tensor1D, this.eps);
    });
  }

  /**
   * Runs inside the caller's tidy (and possibly a gradient tape): `assign` takes a
   * reference to the new value, so it survives the tidy; the ops are not on the
   * path to the loss, so the tape ignores them.
   */
  private updateRunningStats(mean: tf.Tensor1D, variance: tf.Tensor1D, n: number): void {
    const m = this.momentum;
    const unbiased = n > 1 ? tf.mul(variance, n / (n - 1)) : variance;
    this.runningMean.assign(tf.add(tf.mul(this.runningMean, 1 - m), tf.mul(mean, m)));
    this.runningVar.assign(tf.add(tf.mul(this.runningVar, 1 - m), tf.mul(unbiased, m)));
  }
}
