/**
 * Conv2DBackpropFilter (dW) for wasm, which has none. dW is itself a convolution:
 * with x as [Cin, H, W, N] ("batch" = input channel, "channels" = batch) and dy as a
 * [Ho, Wo, N, Cout] filter dilated by the stride,
 *   dW[a, b, ci, co] = sum_{n,i,j} x[n, i*s + a - pad, j*s + b - pad, ci] * dy[n, i, j, co],
 * so XNNPACK's forward conv does the work. Result transposed back to [kh, kw, Cin, Cout].
 * Measured against two im2col + GEMM variants (cols^T @ dy, and tap-major colsT @ dy):
 * this was 1.7-10x faster on every layer of the default model except 1x1 kernels,
 * which take the GEMM path below.
 */
import * as tf from '@tensorflow/tfjs-core';
import { backend_util, Conv2DBackpropFilter } from '@tensorflow/tfjs-core';
import { asTensor, installKernel, type KernelArgs } from './kernel_util.js';
import { axisPlan, type PadSpec } from './conv_geometry.js';
import { im2col } from './im2col.js';

export function conv2dBackpropFilter(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  filterShape: [number, number, number, number],
  strides: number | [number, number],
  pad: PadSpec,
  dimRoundingMode?: 'floor' | 'round' | 'ceil',
): tf.Tensor4D {
  const info = backend_util.computeConv2DInfo(
    x.shape,
    filterShape,
    strides,
    1,
    pad as 'same',
    dimRoundingMode,
  );
  const [kh, kw, cin, cout] = filterShape;
  return tf.tidy(() => {
    if (kh === 1 && kw === 1) {
      // 1x1 (projection skips): dW = xSubsampled^T @ dy, one GEMM, no 4-D transposes.
      const cols = im2col(x, {
        kh, kw, sh: info.strideHeight, sw: info.strideWidth, outH: info.outHeight, outW: info.outWidth,
        padTop: info.padInfo.top, padLeft: info.padInfo.left,
      });
      const m = info.batchSize * info.outHeight * info.outWidth;
      const dW = tf.matMul(tf.reshape(cols, [m, cin]) as tf.Tensor2D, tf.reshape(dy, [m, cout]) as tf.Tensor2D, true, false);
      return tf.reshape(dW, filterShape);
    }
    const rows = axisPlan(info.inHeight, kh, info.outHeight, info.strideHeight, info.padInfo.top);
    const cols = axisPlan(info.inWidth, kw, info.outWidth, info.strideWidth, info.padInfo.left);
    if (!rows || !cols) return tf.zeros(filterShape);
    let xs: tf.Tensor4D = x;
    if (rows.start > 0 || cols.start > 0 || rows.len < info.inHeight || cols.len < info.inWidth) {
      xs = tf.slice(x, [0, rows.start, cols.start, 0], [-1, rows.len, cols.len, -1]);
    }
    const xT = tf.transpose(xs, [3, 1, 2, 0]); // [Cin, H, W, N]
    const dyF = tf.transpose(dy, [1, 2, 0, 3]); // [Ho, Wo, N, Cout]
    const pads: [[number, number], [number, number], [number, number], [number, number]] = [
      [0, 0],
      [rows.padBefore, rows.padAfter],
      [cols.padBefore, cols.padAfter],
      [0, 0],
    ];
    const out = tf.conv2d(xT, dyF, 1, pads, 'NHWC', [info.strideHeight, info.strideWidth]); // [Cin, kh, kw, Cout]
    return tf.transpose(out, [1, 2, 0, 3]);
  });
}

export function registerConv2dBackpropFilter(): void {
  installKernel(Conv2DBackpropFilter, ({ inputs, attrs }: KernelArgs, fallback) => {
    const a = attrs as unknown as {
      strides: [number, number] | number;
      pad: PadSpec;
      dataFormat: 'NHWC' | 'NCHW';
      dimRoundingMode?: 'floor' | 'round' | 'ceil';
      filterShape: [number, number, number, number];
    };
    if (a.dataFormat === 'NCHW') {
      if (fallback) return fallback({ inputs, backend: tf.backend(), attrs });
      throw new Error('Conv2DBackpropFilter on wasm supports NHWC only');
    }
    return tf.tidy(() =>
      conv2dBackpropFilter(asTensor(inputs.x!), asTensor(inputs.dy!), a.filterShape, a.strides, a.pad, a.dimRoundingMode),
    );
  });
}
