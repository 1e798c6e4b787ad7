/** Lookup table [num, dim] (PyTorch nn.Embedding, N(0, std) init). */
import * as tf from '@tensorflow/tfjs-core';
import { BaseModule } from '../module.js';
import { normalValues } from '../init.js';
import type { Rng } from '../../core/rng.js';

export interface EmbeddingOptions {
  readonly num: number;
  readonly dim: number;
  /** PyTorch's default is 1. */
  readonly std?: number;
  readonly rng: Rng;
}

export class Embedding extends BaseModule {
  readonly weight: tf.Variable;
  readonly num: number;
  readonly dim: number;

  constructor(o: EmbeddingOptions) {
    super();
    this.num = o.num;
    this.dim = o.dim;
    this.weight = this.registerParameter('weight', [o.num, o.dim], normalValues([o.num, o.dim], o.std ?? 1, o.rng));
  }

  /** ids of any shape (int32) -> [...ids.shape, dim]. */
  forward(ids: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const flatIds = tf.reshape(ids, [-1]);
      const flat = tf.gather(this.weight, flatIds.dtype === 'int32' ? flatIds : tf.cast(flatIds, 'int32'));
      return tf.reshape(flat, [...ids.shape, this.dim]);
    });
  }

  /** The first `n` rows [n, dim] (positions 0..n-1). */
  rows(n: number, start = 0): tf.Tensor2D {
    if (start + n > this.num) throw new RangeError(`embedding has ${this.num} rows, asked for ${start}..${start + n - 1}`);
    return tf.slice(this.weight as tf.Tensor2D, [start, 0], [n, this.dim]);
  }
}
