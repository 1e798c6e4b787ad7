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

/** The model's trainable variables and their module names (gradients come back by variable name). */
export interface ParamIndex {
  readonly vars: tf.Variable[];
  readonly nameOf: ReadonlyMap<string, string>;
}

export function paramIndex(model: Recognizer): ParamIndex {
  const params = model.namedParameters();
  return { vars: params.map(([, v]) => v), nameOf: new Map(params.map(([name, v]) => [v.name, name])) };
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
): number {
  const { x, y } = batchTensors(batch, { trimPadding: ignorePad });
  const ctc = (model.ctcWeight ?? 0) > 0 ? ctcTargets(model, batch) : undefined;
  try {
    const { value, grads: g } = tf.variableGrads(
      () => tf.div(trainingLoss(model, x, y, ctc, { ignorePad }, stats), groupSize) as tf.Scalar,
      params.vars,
    );
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
    x.dispose();
    y.dispose();
  }
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
