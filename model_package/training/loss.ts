/**
 * Teacher-forced cross-entropy: the decoder reads y[:, :-1] and is scored on
 * predicting y[:, 1:]. By default <P> targets count like any other token (the
 * seed's choice: the model also learns to keep padding after <E>); with
 * `ignorePad` they are masked out and the mean runs over real targets only,
 * like PyTorch's `ignore_index`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { PAD_INDEX } from '../core/tokenizer.js';
import type { Recognizer } from '../models/types.js';

export interface LossOptions {
  readonly ignorePad: boolean;
}

/** Mean cross-entropy of `logits` [B,S,V] against int32 `targets` [B,S]. Caller owns the scalar. */
export function crossEntropy(logits: tf.Tensor3D, targets: tf.Tensor2D, opts: LossOptions): tf.Scalar {
  return tf.tidy(() => {
    const vocab = logits.shape[2];
    const logp = tf.logSoftmax(logits, -1);
    const onehot = tf.oneHot(targets, vocab, 1, 0, 'float32');
    const nll = tf.neg(tf.sum(tf.mul(logp, onehot), -1)); // [B,S]
    if (!opts.ignorePad) return tf.mean(nll) as tf.Scalar;
    const mask = tf.cast(tf.notEqual(targets, PAD_INDEX), 'float32');
    // max(1, count): a batch of only padding gives 0, not NaN.
    return tf.div(tf.sum(tf.mul(nll, mask)), tf.maximum(tf.sum(mask), 1)) as tf.Scalar;
  });
}

/** Splits labels [B,L] into decoder input [B,L-1] and targets [B,L-1]. Caller owns both. */
export function shiftLabels(y: tf.Tensor2D): { yIn: tf.Tensor2D; yOut: tf.Tensor2D } {
  const [b, l] = y.shape;
  return { yIn: tf.slice(y, [0, 0], [b, l - 1]), yOut: tf.slice(y, [0, 1], [b, l - 1]) };
}

/** The training loss of `model` on one batch (honours the model's train/eval mode). */
export function teacherForcedLoss(model: Recognizer, x: tf.Tensor4D, y: tf.Tensor2D, opts: LossOptions): tf.Scalar {
  return tf.tidy(() => {
    const { yIn, yOut } = shiftLabels(y);
    return crossEntropy(model.logits(x, yIn), yOut, opts);
  });
}
