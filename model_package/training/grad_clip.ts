/**
 * Gradient clipping by global norm, as torch.nn.utils.clip_grad_norm_: every
 * gradient is scaled by max_norm / (norm + 1e-6) when the norm of all of them
 * together exceeds max_norm.
 */
import * as tf from '@tensorflow/tfjs-core';

/** The L2 norm of all gradients together, as a number. */
export function globalNorm(grads: ReadonlyMap<string, tf.Tensor>): number {
  if (grads.size === 0) return 0;
  const sq = tf.tidy(() => tf.addN([...grads.values()].map((g) => tf.sum(tf.square(g)))));
  const value = Math.sqrt(sq.dataSync()[0] as number);
  sq.dispose();
  return value;
}

/**
 * Returns the gradients scaled to norm <= maxNorm (new tensors; the inputs are
 * disposed when replaced) and the norm before clipping.
 */
export function clipGradNorm(grads: Map<string, tf.Tensor>, maxNorm: number): number {
  const norm = globalNorm(grads);
  const coef = maxNorm / (norm + 1e-6);
  if (maxNorm > 0 && coef < 1) {
    for (const [name, g] of grads) {
      grads.set(name, tf.mul(g, coef));
      g.dispose();
    }
  }
  return norm;
}
