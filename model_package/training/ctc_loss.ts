/**
 * CTC loss as a tfjs op with its own gradient, matching PyTorch's
 * `F.ctc_loss(F.log_softmax(logits), ..., blank=0)`.
 *
 * The forward-backward runs in plain TypeScript (model_package/models/ctc), so the
 * logits are read back once per call: cheap at line-recognizer sizes, on every backend.
 * Training on native uses TensorFlow's kernel instead (ctc_loss_tf.ts), which a compiled
 * step can hold. The gradient w.r.t. the
 * logits is softmax - occupancy per valid frame and 0 past each input length,
 * scaled by the reduction and the upstream gradient.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ctcForwardBackward, ctcMinFrames, logSoftmaxRows } from '../models/ctc/ctc_forward.js';

export type CtcReduction = 'mean' | 'sum' | 'none';

export interface CtcLossOptions {
  /**
   * 'mean' (default, as PyTorch): each sequence's loss divided by its label length
   * (at least 1), averaged over the batch. 'sum': summed. 'none': one loss per sequence.
   */
  readonly reduction?: CtcReduction;
  /**
   * Default true: a label that cannot be aligned in its frames (fewer frames than
   * tokens plus repeated neighbours) gets loss 0 and gradient 0 instead of +Infinity
   * (whose gradient is NaN). It still counts in the batch of the 'mean'.
   */
  readonly zeroInfinity?: boolean;
}

export interface CtcLossResult<L extends tf.Tensor> {
  /** Caller owns it. */
  readonly loss: L;
  /**
   * Sequences with an infinite loss, i.e. whose label cannot be aligned in their
   * frames; their loss is 0 with zeroInfinity, else +Infinity.
   */
  readonly infeasible: number;
}

/**
 * CTC loss of raw (pre-softmax) `logits` [B, T, V]; blank is token 0.
 * `inputLengths[b]` (<= T) frames of row b are valid; `labels[b]` holds its token
 * ids (no blanks, each in 1..V-1). Returns a scalar for 'mean' and 'sum', a [B]
 * tensor for 'none'.
 */
export function ctcLoss(
  logits: tf.Tensor3D,
  inputLengths: ArrayLike<number>,
  labels: ReadonlyArray<ArrayLike<number>>,
  opts?: CtcLossOptions & { readonly reduction?: 'mean' | 'sum' },
): CtcLossResult<tf.Scalar>;
export function ctcLoss(
  logits: tf.Tensor3D,
  inputLengths: ArrayLike<number>,
  labels: ReadonlyArray<ArrayLike<number>>,
  opts: CtcLossOptions & { readonly reduction: 'none' },
): CtcLossResult<tf.Tensor1D>;
export function ctcLoss(
  logits: tf.Tensor3D,
  inputLengths: ArrayLike<number>,
  labels: ReadonlyArray<ArrayLike<number>>,
  opts: CtcLossOptions = {},
): CtcLossResult<tf.Scalar | tf.Tensor1D> {
  const reduction = opts.reduction ?? 'mean';
  const zeroInfinity = opts.zeroInfinity ?? true;
  const [B, T, V] = logits.shape;
  if (inputLengths.length !== B || labels.length !== B) {
    throw new RangeError(`ctcLoss: ${B} rows of logits, ${inputLengths.length} input lengths, ${labels.length} labels`);
  }
  for (let b = 0; b < B; b++) {
    const n = inputLengths[b] as number;
    if (!Number.isInteger(n) || n < 0 || n > T) throw new RangeError(`ctcLoss: input length ${n} of row ${b} is not in 0..${T}`);
  }

  let infeasible = 0;
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const x = args[0] as tf.Tensor3D;
    const { losses, grad, count } = lossAndGrad(x.dataSync() as Float32Array, [B, T, V], inputLengths, labels, reduction, zeroInfinity);
    infeasible = count;
    const value = reduction === 'none' ? tf.tensor1d(Float32Array.from(losses)) : tf.scalar(reduce(losses, labels, reduction));
    const gradFunc = (dy: tf.Tensor): tf.Tensor =>
      tf.tidy(() => {
        const g = tf.tensor3d(grad, [B, T, V]);
        return tf.mul(g, reduction === 'none' ? tf.reshape(dy, [B, 1, 1]) : dy);
      });
    return { value, gradFunc };
  });
  const loss = op(logits) as tf.Scalar | tf.Tensor1D;
  return { loss, infeasible };
}

/** Per-sequence losses and d(reduced loss)/d(logits) for an upstream gradient of 1. */
function lossAndGrad(
  data: Float32Array,
  [B, T, V]: readonly [number, number, number],
  inputLengths: ArrayLike<number>,
  labels: ReadonlyArray<ArrayLike<number>>,
  reduction: CtcReduction,
  zeroInfinity: boolean,
): { losses: Float64Array; grad: Float32Array; count: number } {
  const losses = new Float64Array(B);
  const grad = new Float32Array(B * T * V);
  let count = 0;
  for (let b = 0; b < B; b++) {
    const frames = inputLengths[b] as number;
    const label = labels[b] as ArrayLike<number>;
    const start = b * T * V;
    const logProbs = logSoftmaxRows(data.subarray(start, start + frames * V), frames, V);
    const { logLikelihood, tokenOccupancy } = ctcForwardBackward(logProbs, frames, V, label);
    if (logLikelihood === -Infinity) {
      count++;
      losses[b] = zeroInfinity ? 0 : Infinity;
      if (!zeroInfinity) grad.fill(NaN, start, start + frames * V);
      continue;
    }
    losses[b] = -logLikelihood;
    const weight = reduction === 'mean' ? 1 / (B * Math.max(label.length, 1)) : 1;
    for (let i = 0; i < frames * V; i++) {
      grad[start + i] = weight * (Math.exp(logProbs[i] as number) - (tokenOccupancy[i] as number));
    }
  }
  return { losses, grad, count };
}

function reduce(losses: Float64Array, labels: ReadonlyArray<ArrayLike<number>>, reduction: 'mean' | 'sum'): number {
  let sum = 0;
  for (let b = 0; b < losses.length; b++) {
    const l = losses[b] as number;
    sum += reduction === 'mean' ? l / Math.max((labels[b] as ArrayLike<number>).length, 1) : l;
  }
  return reduction === 'mean' && losses.length > 0 ? sum / losses.length : sum;
}

/** How many rows' labels cannot be aligned in their frames (their loss is infinite, or 0 with zeroInfinity). */
export function infeasibleCtcRows(frames: ArrayLike<number>, labels: ReadonlyArray<ArrayLike<number>>): number {
  let count = 0;
  labels.forEach((label, b) => {
    if ((frames[b] as number) < ctcMinFrames(label)) count++;
  });
  return count;
}
