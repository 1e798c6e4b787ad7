/**
 * BatchMatMul fast paths for wasm. XNNPACK's matmul is fast for one big 2-D product
 * but the stock kernel loops over the batch and repacks `b` on every call, so:
 *  - b without real batch dims (a weight) and a not transposed: flatten a's batch
 *    into its rows -> one 2-D product;
 *  - a is 2-D-able the other way round (both operands batched, b transposed) is left
 *    to the stock kernel, as are all other cases.
 */
import * as tf from '@tensorflow/tfjs-core';
import { BatchMatMul } from '@tensorflow/tfjs-core';
import { asTensor, installKernel, type KernelArgs } from './kernel_util.js';

export function registerBatchMatMul(): void {
  installKernel(BatchMatMul, ({ inputs, attrs, backend }: KernelArgs, fallback) => {
    if (!fallback) throw new Error('wasm BatchMatMul fallback missing');
    const a = inputs.a!;
    const b = inputs.b!;
    const { transposeA, transposeB } = attrs as { transposeA: boolean; transposeB: boolean };
    const bBatch = b.shape.slice(0, -2).reduce((p, q) => p * q, 1);
    const aBatch = a.shape.slice(0, -2).reduce((p, q) => p * q, 1);
    if (a.shape.length <= 2 || bBatch !== 1 || aBatch === 1 || transposeA) {
      return fallback({ inputs, backend, attrs });
    }
    return tf.tidy(() => {
      const [m, k] = a.shape.slice(-2) as [number, number];
      const a2 = tf.reshape(asTensor(a), [aBatch * m, k]);
      const b2 = tf.reshape(asTensor(b), b.shape.slice(-2) as [number, number]);
      const out = fallback({ inputs: { a: a2, b: b2 }, backend, attrs: { transposeA: false, transposeB } }) as tf.TensorInfo;
      const n = out.shape[1]!;
      const outShape = [...a.shape.slice(0, -2), m, n];
      const t = tf.engine().makeTensorFromTensorInfo(out);
      // makeTensorFromTensorInfo added a ref; the kernel's own ref goes with `out`.
      backend.disposeData(out.dataId);
      return tf.reshape(t, outShape);
    });
  });
}
