/**
 * Conv2DBackpropFilter (dW) for wasm, which has none. Two routes, chosen by measurement
 * (bench/wasm_conv_routes.ts, docs/benchmarks.md "wasm convolutions"):
 *  - GEMM: dW = cols @ dy with the patches channel-major (`im2colChannelMajor`,
 *    [Cin*kh*kw, N*Ho*Wo]) as the left operand and dy [N*Ho*Wo, Cout] as XNNPACK's
 *    weights. On one thread it beat the convolution route on six of the seven layers of
 *    the default model (all seven: 267-273 -> 220-234 ms; the 5x5 stem with one input
 *    channel 1.7x), a whole train step by 3.4%; on two threads only where the input has
 *    few channels (XNNPACK's convolution uses the threads, building the patches does not). (Patches as the right operand, cols^T @ dy, made
 *    XNNPACK repack the large matrix every call and was 2-10x slower; splitting the
 *    sum over positions into blocks of images was 15-30% slower.)
 *  - convolution: with x as [Cin, H, W, N] ("batch" = input channel, "channels" = batch)
 *    and dy as a [Ho, Wo, N, Cout] filter dilated by the stride,
 *      dW[a, b, ci, co] = sum_{n,i,j} x[n, i*s + a - pad, j*s + b - pad, ci] * dy[n, i, j, co],
 *    so XNNPACK's forward conv does the work; transposed back to [kh, kw, Cin, Cout].
 */
import * as tf from '@tensorflow/tfjs-core';
import { backend_util, Conv2DBackpropFilter } from '@tensorflow/tfjs-core';
import { asTensor, installKernel, type KernelArgs } from './kernel_util.js';
import { axisPlan, type PadSpec } from './conv_geometry.js';
import { im2col, im2colChannelMajor } from './im2col.js';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';

/** Input channels up to which the GEMM route wins with several threads too (the stem). */
const GEMM_MAX_CHANNELS_THREADED = 4;

/** Which route computes this filter gradient (see the file comment). */
export function filterGradientRoute(cin: number, threads: number): 'gemm' | 'conv' {
  return threads <= 1 || cin <= GEMM_MAX_CHANNELS_THREADED ? 'gemm' : 'conv';
}

function wasmThreads(): number {
  try {
    return getThreadsCount();
  } catch {
    return 1; // not on wasm (the kernel is also called directly, e.g. by benchmarks)
  }
}

export function conv2dBackpropFilter(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  filterShape: [number, number, number, number],
  strides: number | [number, number],
  pad: PadSpec,
  dimRoundingMode?: 'floor' | 'round' | 'ceil',
  route: 'auto' | 'gemm' | 'conv' = 'auto',
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
  return tf.tidy(() => {
    if (kh === 1 && kw === 1) {
      // 1x1 (projection skips): dW = xSubsampled^T @ dy, one GEMM, no 4-D transposes.
      const cols = im2col(x, geometry);
      const dW = tf.matMul(tf.reshape(cols, [m, cin]) as tf.Tensor2D, tf.reshape(dy, [m, cout]) as tf.Tensor2D, true, false);
      return tf.reshape(dW, filterShape);
    }
    if (route === 'gemm' || (route === 'auto' && filterGradientRoute(cin, wasmThreads()) === 'gemm')) {
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
