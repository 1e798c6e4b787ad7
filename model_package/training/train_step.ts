/**
 * The two halves of an optimizer step with gradient accumulation: `accumulateGradients`
 * runs forward + backward on one batch and adds its (loss / groupSize) gradients into
 * a map by parameter name; `applyGradients` clips, sets the lr and updates, then frees
 * the gradients.
 */
import '../backend/register_gradients.js';
import * as tf from '@tensorflow/tfjs-core';
import type { Batch } from '../core/data_types.js';
import type { Recognizer } from '../models/types.js';
import { batchTensors } from './batch_plan.js';
import { ctcTargets, trainingLoss, type LossStats } from './loss.js';
import type { AdamOptimizer } from './optimizer.js';
import { CompiledFunctions } from '../models/compiled_functions.js';
import { infeasibleCtcRows } from './ctc_loss.js';
import { ctcLabelTensors, tensorflowCtcAvailable } from './ctc_loss_tf.js';

/** The model's trainable variables and their module names (gradients come back by variable name). */
export interface ParamIndex {
  readonly vars: tf.Variable[];
  readonly nameOf: ReadonlyMap<string, string>;
}

export function paramIndex(model: Recognizer): ParamIndex {
  const params = model.namedParameters();
  return { vars: params.map(([, v]) => v), nameOf: new Map(params.map(([name, v]) => [v.name, name])) };
}

/**
 * Compiled forward + backward passes for one fit (models/compiled_functions.ts): on native,
 * a model whose training draws no random numbers trains each batch shape as one
 * TensorFlow call from that shape's second batch (a CTC loss included: it is TensorFlow's
 * kernel there, training/ctc_loss_tf.ts). The caller disposes it at the end of the fit.
 */
export function compiledTrainSteps(): CompiledFunctions {
  // One variant per batch shape: a fit of lines padded to multiples of 32 px up to 2048 has at most 64.
  return new CompiledFunctions([], { compileOnRun: 2, maxVariants: 64 });
}

/** Adds d(loss / groupSize)/dθ of `batch` into `grads`; returns the batch's (unscaled) loss. */
export function accumulateGradients(
  model: Recognizer,
  batch: Batch,
  params: ParamIndex,
  groupSize: number,
  grads: Map<string, tf.Tensor>,
  ignorePad: boolean,
  stats?: LossStats,
  compiled?: CompiledFunctions,
): number {
  const { x, y } = batchTensors(batch, { trimPadding: ignorePad });
  const targets = (model.ctcWeight ?? 0) > 0 ? ctcTargets(model, batch) : undefined;
  const compile = compiled !== undefined && model.deterministicTraining && (!targets || tensorflowCtcAvailable());
  // A compiled step reads the CTC targets as inputs, never as constants baked in at its recording.
  const ctcInputs = compile && targets ? ctcLabelTensors(targets.frames, targets.labels, y.shape[1]) : undefined;
  const ctc = targets && { ...targets, tensors: ctcInputs };
  try {
    // A compiled run skips the loss function, so the host counts what it would have (below).
    const lossOf = () => tf.div(trainingLoss(model, x, y, ctc, { ignorePad }, compile ? undefined : stats), groupSize) as tf.Scalar;
    const data = [x, y, ...(ctcInputs ? [ctcInputs.frames, ctcInputs.labels, ctcInputs.lengths] : [])];
    const { value, grads: g } = compile
      ? compiledGrads(compiled, `${x.shape}|${y.shape}|${groupSize}|${ignorePad}`, model, lossOf, data, params.vars)
      : tf.variableGrads(lossOf, params.vars);
    if (compile && stats && targets) {
      const T = model.ctcFrames!(x.shape[2]); // x is [B, H, W, 1]
      stats.ctcInfeasible += infeasibleCtcRows(targets.frames.map((f) => Math.min(f, T)), targets.labels);
    }
    const loss = (value.dataSync()[0] as number) * groupSize;
    value.dispose();
    for (const [varName, grad] of Object.entries(g)) {
      const name = params.nameOf.get(varName) ?? varName;
      const prev = grads.get(name);
      if (prev) {
        grads.set(name, tf.add(prev, grad));
        prev.dispose();
        grad.dispose();
      } else {
        grads.set(name, grad);
      }
    }
    return loss;
  } finally {
    tf.dispose([x, y, ...(ctcInputs ? Object.values(ctcInputs) : [])]);
  }
}

/**
 * tf.variableGrads(lossOf, vars) as one compiled call. The parameters and buffers (BatchNorm's
 * running statistics) are the function's inputs, never baked in; the buffers' new values are
 * outputs too, assigned after the call as the forward pass would have.
 */
function compiledGrads(
  compiled: CompiledFunctions,
  key: string,
  model: Recognizer,
  lossOf: () => tf.Scalar,
  data: readonly tf.Tensor[],
  vars: readonly tf.Variable[],
): { value: tf.Scalar; grads: Record<string, tf.Tensor> } {
  const buffers = model.namedBuffers().map(([, b]) => b);
  const [value, ...rest] = compiled.run(key, () => {
    const { value: v, grads } = tf.variableGrads(lossOf, [...vars]);
    // Variables the loss does not reach have no gradient; a compiled call returns the same ones.
    const reached = vars.map((p) => p.name).filter((name) => grads[name]);
    namesOf(compiled).set(key, reached);
    return [v, ...reached.map((name) => grads[name]!), ...buffers];
  }, [...data, ...vars, ...buffers]);
  const names = namesOf(compiled).get(key)!;
  buffers.forEach((b, i) => {
    const updated = rest[names.length + i]!;
    if (updated === b) return; // ran op by op: the forward pass assigned it already
    b.assign(updated);
    updated.dispose();
  });
  return { value: value as tf.Scalar, grads: Object.fromEntries(names.map((name, i) => [name, rest[i]!])) };
}

/** Per cache (one fit, one model): which variables' gradients a step of each key returns, in order. */
const gradNames = new WeakMap<CompiledFunctions, Map<string, string[]>>();

function namesOf(compiled: CompiledFunctions): Map<string, string[]> {
  let m = gradNames.get(compiled);
  if (!m) {
    m = new Map();
    gradNames.set(compiled, m);
  }
  return m;
}

/** Clips (when clipVal > 0), applies one update at `lr` and disposes `grads`. Returns the pre-clip norm if clipped. */
export function applyGradients(optimizer: AdamOptimizer, grads: Map<string, tf.Tensor>, lr: number, clipVal: number): number | undefined {
  try {
    optimizer.lr = lr;
    // Clipping happens inside the flat update (one norm over one vector).
    return optimizer.apply(grads, { clipNorm: clipVal });
  } finally {
    for (const g of grads.values()) g.dispose();
    grads.clear();
  }
}
