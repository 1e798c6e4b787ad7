/** Inverted dropout, seeded from the module's Rng so training runs are reproducible. */
import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../../core/rng.js';

export function dropout<T extends tf.Tensor>(x: T, rate: number, training: boolean, rng: Rng): T {
  if (!training || rate <= 0) return x;
  return tf.dropout(x, rate, undefined, rng.int(0, 2 ** 31 - 1)) as T;
}
