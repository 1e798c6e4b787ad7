/**
 * BatchMatMul fast paths for wasm. Measured here (2-D, 2048x128x256): the stock kernel
 * is 10-25x slower with transposeA or transposeB than an explicit Transpose followed by
 * the untransposed product, and it loops over the batch even when `b` is a plain
 * weight. Its batched product (attention: [heads*B, S, dh] x [heads*B, dh, T]) is a
 * scalar triple loop, 2-4x slower than XNNPACK's depthwise convolution doing the same
 * sums (see `batchedAsDepthwise`). So:
 *  - `b` without batch dims (a weight): a's batch folds into its rows -> one 2-D product;
 *  - a batched product with enough rows and work -> one depthwise conv (+ transposes,
 *    which also absorb transposeA/transposeB);
 *  - other transposed operands are transposed explicitly (last two axes; rank stays <= 4);
 *  - the untransposed remainder goes to the stock kernel.
 */
import * as tf from '@tensorflow/tfjs-core';
import { BatchMatMul } from '@tensorflow/tfjs-core';
import type { TensorInfo } from '@tensorflow/tfjs-core';
import { asTensor, installKernel, wrapOutput, type KernelArgs } from './kernel_util.js';

/**
 * Smallest batched product routed through the depthwise conv, chosen by measurement
 * (bench: [64,1,32]x[64,32,128] decoding steps stay 2-4x faster on the stock kernel;
 * [4,31,32]x[4,32,128] is 1.4x faster as a conv, [64,31,32]x[64,32,128] 3-4x).
 */
const MIN_ROWS = 8;
const MIN_MACS = 1 << 18;

function swapLast2(t: tf.Tensor): tf.Tensor {
  const r = t.rank;
  const perm = Array.from({ length: r }, (_, i) => i);
  perm[r - 2] = r - 1;
  perm[r - 1] = r - 2;
  return tf.transpose(t, perm);
}

/**
 * out[g] = op(a[g]) @ op(b[g]) as one depthwise conv: channel g of an [1, m, k, G] image
 * (rows i, width = the shared axis) is correlated with a [1, k] filter per output column
 *   y[0, i, 0, g*n + j] = sum_t x[0, i, t, g] * w[0, t, g, j] = sum_t a[g,i,t] b[g,t,j].
 * a: [G, m, k] ([G, k, m] if transposeA); b: [G, k, n] ([G, n, k] if transposeB).
 */
export function batchedAsDepthwise(a: tf.Tensor3D, b: tf.Tensor3D, transposeA: boolean, transposeB: boolean): tf.Tensor3D {
  const g = a.shape[0];
  const [m, k] = transposeA ? [a.shape[2], a.shape[1]] : [a.shape[1], a.shape[2]];
  const n = transposeB ? b.shape[1] : b.shape[2];
  const x = tf.reshape(tf.transpose(a, transposeA ? [2, 1, 0] : [1, 2, 0]), [1, m, k, g]) as tf.Tensor4D;
  const w = tf.reshape(tf.transpose(b, transposeB ? [2, 0, 1] : [1, 0, 2]), [1, k, g, n]) as tf.Tensor4D;
  const y = tf.depthwiseConv2d(x, w, 1, 'valid'); // [1, m, 1, g*n]
  return tf.transpose(tf.reshape(y, [m, g, n]), [1, 0, 2]);
}

function useDepthwise(a: readonly number[], b: readonly number[], transposeA: boolean, transposeB: boolean): boolean {
  const batchA = a.slice(0, -2);
  const batchB = b.slice(0, -2);
  if (batchA.length !== batchB.length || batchA.some((d, i) => d !== batchB[i])) return false; // no broadcasting
  const g = batchA.reduce((p, q) => p * q, 1);
  const m = transposeA ? a[a.length - 1]! : a[a.length - 2]!;
  const k = transposeA ? a[a.length - 2]! : a[a.length - 1]!;
  const n = transposeB ? b[b.length - 2]! : b[b.length - 1]!;
  return g > 1 && m >= MIN_ROWS && g * m * k * n >= MIN_MACS;
}

export function registerBatchMatMul(): void {
  installKernel(BatchMatMul, ({ inputs, attrs, backend }: KernelArgs, fallback) => {
    if (!fallback) throw new Error('wasm BatchMatMul fallback missing');
    const { transposeA, transposeB } = attrs as { transposeA: boolean; transposeB: boolean };
    const a0 = inputs.a!;
    const b0 = inputs.b!;
    const bBatch = b0.shape.slice(0, -2).reduce((p, q) => p * q, 1);
    const foldA = a0.shape.length > 2 && bBatch === 1;
    const depthwise = !foldA && a0.dtype === 'float32' && useDepthwise(a0.shape, b0.shape, transposeA, transposeB);
    if (!transposeA && !transposeB && !foldA && !depthwise) return fallback({ inputs, backend, attrs });
    return tf.tidy(() => {
      let a = asTensor(a0);
      let b = asTensor(b0);
      if (depthwise) {
        const r = a.rank;
        const g = a.size / (a.shape[r - 2]! * a.shape[r - 1]!);
        const a3 = tf.reshape(a, [g, a.shape[r - 2]!, a.shape[r - 1]!]) as tf.Tensor3D;
        const b3 = tf.reshape(b, [g, b.shape[r - 2]!, b.shape[r - 1]!]) as tf.Tensor3D;
        const out = batchedAsDepthwise(a3, b3, transposeA, transposeB);
        return tf.reshape(out, [...a.shape.slice(0, -2), out.shape[1], out.shape[2]]);
      }
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
