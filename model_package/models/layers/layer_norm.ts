/** LayerNorm over the last axis (eps 1e-5, weight 1, bias 0, as PyTorch). */
import * as tf from '@tensorflow/tfjs-core';
import { BaseModule } from '../module.js';
import { constantValues } from '../init.js';

export class LayerNorm extends BaseModule {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable;
  readonly dim: number;
  readonly eps: number;

  constructor(dim: number, eps = 1e-5) {
    super();
    this.dim = dim;
    this.eps = eps;
    this.weight = this.registerParameter('weight', [dim], constantValues([dim], 1));
    this.bias = this.registerParameter('bias', [dim], constantValues([dim], 0));
  }

  forward<T extends tf.Tensor>(x: T): T {
    return tf.tidy(() => {
      const { mean, variance } = tf.moments(x, -1, true);
      const norm = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, this.eps)));
      return tf.add(tf.mul(norm, this.weight), this.bias) as T;
    });
  }
}
