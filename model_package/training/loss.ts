/**
 * Teacher-forced cross-entropy: the decoder reads y[:, :-1] and is scored on
 * predicting y[:, 1:]. By default <P> targets count like any other token (the
 * seed's choice: the model also learns to keep padding after <E>); with
 * `ignorePad` they are masked out and the mean runs over real targets only,
 * like PyTorch's `ignore_index`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { PAD_INDEX } from '../core/tokenizer.js';
import type { Batch } from '../core/data_types.js';
import type { Recognizer } from '../models/types.js';
import { ctcLabelsFromEncoded } from '../models/ctc/ctc_targets.js';
import { ctcLoss, infeasibleCtcRows } from './ctc_loss.js';
import { ctcLabelTensors, tensorflowCtcAvailable, tensorflowCtcLoss, type CtcLabelTensors } from './ctc_loss_tf.js';

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

/** What CTC needs of a batch: valid frames per row and the label ids without <S>, <E> and <P>. */
export interface CtcTargets {
  readonly frames: Int32Array;
  readonly labels: readonly Int32Array[];
  /** The same as tensors (inputs of a compiled step); made on the fly when absent. */
  readonly tensors?: CtcLabelTensors;
}

/** CTC targets of `batch` for `model` (frames from each image's own width). */
export function ctcTargets(model: Recognizer, batch: Batch): CtcTargets {
  const frameCount = model.ctcFrames?.bind(model);
  if (!frameCount) throw new Error('ctcTargets: the model has no CTC head');
  const frames = Int32Array.from(batch.widths, (w) => frameCount(w));
  return { frames, labels: ctcLabelsFromEncoded(batch.y, batch.batchSize, batch.seqLength) };
}

/** Counters a loss call adds to (sequences CTC could not align in their frames). */
export interface LossStats {
  ctcInfeasible: number;
}

/**
 * The training objective on one batch: teacher-forced cross-entropy, or with a CTC
 * head `w·CTC + (1 − w)·CE` (w = model.ctcWeight) from one encoder pass. A label
 * longer than its frames allow adds 0 (PyTorch's zero_infinity) and is counted in
 * `stats`. Honours the model's train/eval mode; the caller owns the scalar.
 */
export function trainingLoss(model: Recognizer, x: tf.Tensor4D, y: tf.Tensor2D, ctc: CtcTargets | undefined, opts: LossOptions, stats?: LossStats): tf.Scalar {
  const w = model.ctcWeight ?? 0;
  if (w <= 0 || !ctc || !model.jointLogits) return teacherForcedLoss(model, x, y, opts);
  return tf.tidy(() => {
    const { yIn, yOut } = shiftLabels(y);
    const { logits, ctcLogits } = (model.jointLogits as NonNullable<Recognizer['jointLogits']>)(x, yIn);
    const frames = ctc.frames.map((f) => Math.min(f, ctcLogits.shape[1]));
    let loss: tf.Scalar;
    if (tensorflowCtcAvailable()) {
      // TensorFlow's kernel: no read-back, so the step can be compiled (train_step.ts).
      loss = tensorflowCtcLoss(ctcLogits, ctc.tensors ?? ctcLabelTensors(frames, ctc.labels, y.shape[1]), 'mean') as tf.Scalar;
      if (stats) stats.ctcInfeasible += infeasibleCtcRows(frames, ctc.labels);
    } else {
      const r = ctcLoss(ctcLogits, frames, ctc.labels, { reduction: 'mean', zeroInfinity: true });
      loss = r.loss;
      if (stats) stats.ctcInfeasible += r.infeasible;
    }
    if (w >= 1) return loss;
    return tf.add(tf.mul(loss, w), tf.mul(crossEntropy(logits, yOut, opts), 1 - w)) as tf.Scalar;
  });
}
