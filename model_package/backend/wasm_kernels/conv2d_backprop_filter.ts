/**
 * Conv2DBackpropFilter (dW) for wasm, which has none. Three routes, chosen by measurement
 * (bench/wasm_conv_routes.ts, docs/benchmarks.md "wasm convolutions"):
 *  - SIMD (the default where our kernels are attached and Cout is a multiple of 8): our
 *    own kernel (wasm_simd/htr_kernels.c) sums dw straight from the padded input and dy,
 *    with no patch matrix. Over the default model's encoder it takes half the time of the
 *    GEMM route on one thread, and 0.6x the convolution route's on two (it runs on one
 *    thread, so there XNNPACK's threaded convolution still wins on the largest layer).
 *  - GEMM: dW = cols @ dy with the patches channel-major (`im2colChannelMajor`,
 *    [Cin*kh*kw, N*Ho*Wo]) as the left operand and dy [N*Ho*Wo, Cout] as XNNPACK's
 *    weights. Without the SIMD kernel, it beats the convolution route on one thread
 *    (the whole encoder 270 -> 227 ms), on two only where the input has few channels.
 *    (Patches as the right operand made XNNPACK repack the large matrix every call and
 *    was 2-10x slower; splitting the sum over positions into blocks of images, 15-30% slower.)
 *  - convolution: with x as [Cin, H, W, N] ("batch" = input channel, "channels" = batch)
 *    and dy as a [Ho, Wo, N, Cout] filter dilated by the stride,
 *      dW[a, b, ci, co] = sum_{n,i,j} x[n, i*s + a - pad, j*s + b - pad, ci] * dy[n, i, j, co],
 *    so XNNPACK's forward conv does the work; transposed back to [kh, kw, Cin, Cout].
 */
import * as tf from '@tensorflow/tfjs-core';
import { backend_util, Conv2DBackpropFilter } from '@tensorflow/tfjs-core';
import { asTensor, installKernel, wasmThreads, wrapOutput, type KernelArgs } from './kernel_util.js';
import { axisPlan, type PadSpec } from './conv_geometry.js';
import { im2col, im2colChannelMajor, padForTaps } from './im2col.js';
import { currentSimdKernels, heapOffset, requireSimdKernels } from '../wasm_simd/registry.js';

/** Input channels up to which the GEMM route wins with several threads too (the stem). */
const GEMM_MAX_CHANNELS_THREADED = 4;

export type FilterGradientRoute = 'simd' | 'gemm' | 'conv';

/** Which route computes this filter gradient (see the file comment). */
export function filterGradientRoute(cin: number, cout: number, threads: number, simd: boolean): FilterGradientRoute {
  if (simd && cout % 8 === 0) return 'simd';
  return threads <= 1 || cin <= GEMM_MAX_CHANNELS_THREADED ? 'gemm' : 'conv';
}

export function conv2dBackpropFilter(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  filterShape: [number, number, number, number],
  strides: number | [number, number],
  pad: PadSpec,
  dimRoundingMode?: 'floor' | 'round' | 'ceil',
  route: 'auto' | FilterGradientRoute = 'auto',
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
  const geometry = {
    kh, kw, sh: info.strideHeight, sw: info.strideWidth, outH: info.outHeight, outW: info.outWidth,
    padTop: info.padInfo.top, padLeft: info.padInfo.left,
  };
  const m = info.batchSize * info.outHeight * info.outWidth;
  const chosen = route === 'auto' ? filterGradientRoute(cin, cout, wasmThreads(), currentSimdKernels() !== null) : route;
  if (chosen === 'simd') {
    const { backend, kernels } = requireSimdKernels('filter-gradient', 'Cout', cout);
    return tf.tidy(() => {
      const xp = padForTaps(x, geometry);
      const out = backend.makeOutput([kh, kw, cin, cout], 'float32');
      const [n, hp, wp] = xp.shape;
      kernels.conv2dFilterGrad(heapOffset(backend, xp), heapOffset(backend, dy), heapOffset(backend, out),
        n, hp, wp, cin, info.outHeight, info.outWidth, cout, kh, kw, info.strideHeight, info.strideWidth);
      return wrapOutput(out) as tf.Tensor4D;
    });
  }
  return tf.tidy(() => {
    if (kh === 1 && kw === 1) {
      // 1x1 (projection skips): dW = xSubsampled^T @ dy, one GEMM, no 4-D transposes.
      const cols = im2col(x, geometry);
      const dW = tf.matMul(tf.reshape(cols, [m, cin]) as tf.Tensor2D, tf.reshape(dy, [m, cout]) as tf.Tensor2D, true, false);
      return tf.reshape(dW, filterShape);
    }
    if (chosen === 'gemm') {
      const dW = tf.matMul(im2colChannelMajor(x, geometry), tf.reshape(dy, [m, cout]) as tf.Tensor2D); // [Cin*kh*kw, Cout]
      return tf.transpose(tf.reshape(dW, [cin, kh, kw, cout]), [1, 2, 0, 3]);
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
