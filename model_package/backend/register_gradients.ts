/**
 * Registers tfjs's gradient functions. In Node, `@tensorflow/tfjs-core` resolves to a
 * CJS bundle that has none (only the @tensorflow/tfjs union package registers them), so
 * without this every tf.grads / optimizer.minimize fails with "gradient function not
 * found". `generated/tfjs_gradients.cjs` is tfjs-core's own register_all_gradients,
 * bundled by scripts/build_tfjs_gradients.mjs. Importing this module is enough.
 */
import * as tf from '@tensorflow/tfjs-core';
import { createRequire } from 'node:module';

export function registerGradients(): void {
  if (tf.getGradient('Conv2D') !== undefined) return;
  createRequire(import.meta.url)('./generated/tfjs_gradients.cjs');
}

registerGradients();
