/**
 * BatchMatMul fast paths for wasm. Measured here (2-D, 2048x128x256): the stock kernel
 * is 10-25x slower with transposeA or transposeB than an explicit Transpose followed by
 * the untransposed product, and it loops over the batch even when `b` is a plain
 * weight. So:
 *  - transposed operands are transposed explicitly (last two axes; rank stays <= 4);
 *  - `b` without batch dims (a weight): a's batch folds into its rows -> one 2-D product;
 *  - the untransposed remainder goes to the stock kernel.
 */
import * as tf from '@tensorflow/tfjs-core';
import { BatchMatMul } from '@tensorflow/tfjs-core';
import type { TensorInfo } from '@tensorflow/tfjs-core';
import { asTensor, installKernel, wrapOutput, type KernelArgs } from './kernel_util.js';

function swapLast2(t: tf.Tensor): tf.Tensor {
  const r = t.rank;
  const perm = Array.from({ length: r }, (_, i) => i);
  perm[r - 2] = r - 1;
  perm[r - 1] = r - 2;
  return tf.transpose(t, perm);
}

export function registerBatchMatMul(): void {
  installKernel(BatchMatMul, ({ inputs, attrs, backend }: KernelArgs, fallback) => {
    if (!fallback) throw new Error('wasm BatchMatMul fallback missing');
    const { transposeA, transposeB } = attrs as { transposeA: boolean; transposeB: boolean };
    const a0 = inputs.a!;
    const b0 = inputs.b!;
    const bBatch = b0.shape.slice(0, -2).reduce((p, q) => p * q, 1);
    const foldA = a0.shape.length > 2 && bBatch === 1;
    if (!transposeA && !transposeB && !foldA) return fallback({ inputs, backend, attrs });
    return tf.tidy(() => {
      let a = asTensor(a0);
      let b = asTensor(b0);
      if (transposeA) a = swapLast2(a);
      if (transposeB) b = swapLast2(b);
      const plain = { transposeA: false, transposeB: false };
      const m = a.shape[a.rank - 2]!;
      const n = b.shape[b.rank - 1]!;
      let outShape: number[] | null = null;
      if (foldA) {
        outShape = [...a.shape.slice(0, -2), m, n];
        a = tf.reshape(a, [a.size / a.shape[a.rank - 1]!, a.shape[a.rank - 1]!]);
        b = tf.reshape(b, b.shape.slice(-2));
      }
      const info = fallback({ inputs: { a, b }, backend, attrs: plain }) as TensorInfo;
      // Wrap the kernel's output (refCount 1, owned by the wrapper) so tidy() tracks it.
      const out = wrapOutput(info);
      return outShape ? tf.reshape(out, outShape) : out;
    });
  });
}
