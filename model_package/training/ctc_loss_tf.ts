/**
 * CTC loss on the TensorFlow backend, from TensorFlow's own CTCLoss kernel. It is built
 * from tensors only (no read-back to JavaScript), so a compiled train step can hold it
 * (models/compiled_functions.ts), and an op-by-op step skips the copy of the logits that
 * ctc_loss.ts makes. The contract is ctcLoss's with zeroInfinity: blank is token 0; a
 * label its frames cannot hold adds loss 0 and gradient 0; 'mean' divides each loss by
 * its label length (at least 1) and averages over the batch.
 *
 * TensorFlow's kernel takes the blank as the last class, time-major logits and sparse
 * labels, so the logits are rotated by one class (token k becomes k - 1, blank V - 1)
 * and transposed, and the dense labels are made sparse in the graph.
 */
import * as tf from '@tensorflow/tfjs-core';
import { asTfBackend, deleteHandle, runOpOnHandles, tensorOfHandle, type OpAttr, type TfBackend } from '../backend/tf_raw_ops.js';
import type { CtcReduction } from './ctc_loss.js';

/** CTC targets as tensors, so that they can be inputs of a compiled step. */
export interface CtcLabelTensors {
  /** [B] int32: valid frames per row (clamped to the logits' frames). */
  readonly frames: tf.Tensor1D;
  /** [B, L] int32: row b's token ids (1..V-1) in its first lengths[b] places, anything after. */
  readonly labels: tf.Tensor2D;
  /** [B] int32. */
  readonly lengths: tf.Tensor1D;
}

/** Tensors of `frames` and `labels`, the labels padded to `width` places (at least the longest). Caller owns them. */
export function ctcLabelTensors(frames: ArrayLike<number>, labels: ReadonlyArray<ArrayLike<number>>, width: number): CtcLabelTensors {
  const longest = labels.reduce((m, l) => Math.max(m, l.length), 0);
  if (width < longest) throw new RangeError(`ctcLabelTensors: a label of ${longest} tokens does not fit in ${width} places`);
  const dense = new Int32Array(labels.length * width);
  labels.forEach((l, b) => dense.set(l, b * width));
  return {
    frames: tf.tensor1d(Int32Array.from(frames), 'int32'),
    labels: tf.tensor2d(dense, [labels.length, width], 'int32'),
    lengths: tf.tensor1d(Int32Array.from(labels, (l) => l.length), 'int32'),
  };
}

export function tensorflowCtcAvailable(): boolean {
  return tf.getBackend() === 'tensorflow';
}

/**
 * CTC loss of raw `logits` [B, T, V] against `targets`: a scalar for 'mean' and 'sum', [B]
 * for 'none'. Differentiable w.r.t. the logits; caller owns the result.
 */
export function tensorflowCtcLoss(logits: tf.Tensor3D, targets: CtcLabelTensors, reduction: CtcReduction = 'mean'): tf.Tensor {
  if (!tensorflowCtcAvailable()) throw new Error(`tensorflowCtcLoss needs the tensorflow backend, not ${tf.getBackend()}`);
  const b = asTfBackend(tf.backend());
  const [B, T, V] = logits.shape;
  return tf.tidy(() => {
    const rotated = tf.concat([tf.slice(logits, [0, 0, 1], [B, T, V - 1]), tf.slice(logits, [0, 0, 0], [B, T, 1])], 2);
    const timeMajor = tf.transpose(rotated, [1, 0, 2]);
    const frames = feasibleFrames(tf.minimum(targets.frames, tf.scalar(T, 'int32')), targets);
    const lengths = tf.cast(tf.maximum(targets.lengths, 1), 'float32');
    // 'mean' weighs row b by 1 / (B · its label length), as PyTorch does.
    const weights = reduction === 'mean' ? tf.div(1 / B, lengths) : tf.onesLike(lengths);
    const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
      const x = args[0] as tf.Tensor3D;
      const save = args[1] as tf.GradSaveFunc;
      const [losses, grad] = withEmptyLabels(x, frames, targets.lengths, ctcKernel(b, x, frames, targets));
      save([grad!, weights]); // the backward pass runs after this tidy has freed `weights`
      const value = reduction === 'none' ? losses! : tf.sum(tf.mul(losses!, weights));
      const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor => {
        const [g, w] = saved as [tf.Tensor, tf.Tensor];
        return tf.mul(g, tf.reshape(tf.mul(w, dy), [1, B, 1]));
      };
      return { value, gradFunc };
    });
    return op(timeMajor);
  });
}

/** TensorFlow's CTCLoss: per-row losses [B] and their gradients [T, B, V] w.r.t. the time-major rotated logits. */
function ctcKernel(b: TfBackend, timeMajor: tf.Tensor3D, frames: tf.Tensor, targets: CtcLabelTensors): tf.Tensor[] {
  const t = b.binding;
  const type = (name: string, value: number): OpAttr => ({ name, type: t.TF_ATTR_TYPE, value });
  const flag = (name: string, value: boolean): OpAttr => ({ name, type: t.TF_ATTR_BOOL, value });
  const L = targets.labels.shape[1];
  // The kernel refuses an empty label: such a row gets a stand-in token (withEmptyLabels replaces its result).
  const inLabel = tf.less(tf.expandDims(tf.range(0, L, 1, 'int32'), 0), tf.expandDims(tf.maximum(targets.lengths, tf.scalar(1, 'int32')), 1));
  const [indices] = runOpOnHandles(b, 'Where', [type('T', t.TF_BOOL)], [inLabel]);
  try {
    const [ids] = runOpOnHandles(b, 'GatherNd', [type('Tparams', t.TF_INT32), type('Tindices', t.TF_INT64)], [targets.labels, indices!]);
    // Blank 0 moves to V - 1; a stand-in (padding 0) becomes token 0, not -1.
    const values = tf.maximum(tf.sub(tensorOfHandle(b, ids!), tf.scalar(1, 'int32')), tf.scalar(0, 'int32'));
    const outputs = runOpOnHandles(b, 'CTCLoss', [
      type('T', t.TF_FLOAT),
      flag('preprocess_collapse_repeated', false),
      flag('ctc_merge_repeated', true),
      // A label longer than its frames allow adds 0 instead of failing the batch (zero_infinity).
      flag('ignore_longer_outputs_than_inputs', true),
    ], [timeMajor, indices!, values, frames], 2);
    return outputs.map((h) => tensorOfHandle(b, h));
  } finally {
    deleteHandle(b, indices!);
  }
}

/**
 * Rows with an empty label: the only path emits blank at every valid frame, so the loss is
 * -Σ log p(blank) and the gradient softmax - onehot(blank) over the valid frames.
 */
function withEmptyLabels(timeMajor: tf.Tensor3D, frames: tf.Tensor, lengths: tf.Tensor, [losses, grad]: tf.Tensor[]): tf.Tensor[] {
  const [T, , V] = timeMajor.shape;
  const valid = tf.cast(tf.less(tf.expandDims(tf.range(0, T, 1, 'int32'), 1), tf.expandDims(frames, 0)), 'float32'); // [T, B]
  const logp = tf.logSoftmax(timeMajor, -1);
  const blankLogp = tf.squeeze(tf.slice(logp, [0, 0, V - 1], [-1, -1, 1]), [2]); // [T, B]
  const blankLoss = tf.neg(tf.sum(tf.mul(blankLogp, valid), 0));
  const blankGrad = tf.mul(tf.sub(tf.exp(logp), tf.oneHot(tf.fill([T, timeMajor.shape[1]], V - 1, 'int32'), V)), tf.expandDims(valid, 2));
  const empty = tf.equal(lengths, tf.scalar(0, 'int32'));
  return [tf.where(empty, blankLoss, losses!), tf.where(tf.reshape(empty, [1, -1, 1]), blankGrad, grad!)];
}

/**
 * `frames`, with 0 for rows whose label cannot be aligned in them (fewer frames than tokens
 * plus repeated neighbours, which need a blank between them): the kernel then ignores the
 * row (loss and gradient 0) instead of returning +Infinity with a warning.
 */
function feasibleFrames(frames: tf.Tensor, targets: CtcLabelTensors): tf.Tensor {
  const [B, L] = targets.labels.shape;
  let required: tf.Tensor = targets.lengths;
  if (L > 1) {
    const next = tf.slice(targets.labels, [0, 1], [B, L - 1]);
    const prev = tf.slice(targets.labels, [0, 0], [B, L - 1]);
    const inLabel = tf.less(tf.expandDims(tf.range(1, L, 1, 'int32'), 0), tf.expandDims(targets.lengths, 1));
    const repeats = tf.sum(tf.cast(tf.logicalAnd(tf.equal(next, prev), inLabel), 'int32'), 1);
    required = tf.add(required, repeats);
  }
  return tf.where(tf.greaterEqual(frames, required), frames, tf.zerosLike(frames));
}
