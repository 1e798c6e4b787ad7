/**
 * Conv2DBackpropInput (dX) for wasm, about 12x faster than the stock kernel by either route,
 * chosen by measurement (bench/wasm_conv_routes.ts, docs/benchmarks.md "wasm convolutions"):
 *  - SIMD (where our kernels are attached and Cin is a multiple of 8): our own kernel
 *    (wasm_simd/htr_kernels.c) gathers each dx position from the padded dy and the filter.
 *    It takes the strided layers on any thread count, and every layer on one thread.
 *  - phases: dX[h] = sum_{i,a: h = i*s + a - pad} dy[i] * W[a]. Split h by phase
 *    r = (h + pad) mod s: each phase is a stride-1 correlation of dy with the flipped
 *    sub-filter W[r::s], so s_h x s_w forward convs (XNNPACK) do the work; the phases are
 *    then interleaved with rank <= 4 reshapes, stacks, transposes and concats (5-D/6-D ops
 *    are ~100x slower on wasm). With 2+ threads a stride-1 layer is one XNNPACK
 *    convolution, which uses the threads and beats the single-threaded SIMD kernel.
 */
import * as tf from '@tensorflow/tfjs-core';
import { backend_util, Conv2DBackpropInput } from '@tensorflow/tfjs-core';
import { asTensor, installKernel, wasmThreads, wrapOutput, type KernelArgs } from './kernel_util.js';
import { axisPlan, type AxisPlan, type PadSpec } from './conv_geometry.js';
import { currentSimdKernels, heapOffset, requireSimdKernels } from '../wasm_simd/registry.js';

interface Phase {
  /** Taps of the sub-filter W[r::s]. */
  readonly taps: number;
  /** Output positions in this phase (h = first + k*s). */
  readonly count: number;
  /** Slice/pad plan of dy along this axis; null = every tap reads padding. */
  readonly plan: AxisPlan | null;
}

/** Phase of output position h is (h mod s); its sub-filter starts at r = (h + pad) mod s. */
function phasesFor(inLen: number, outLen: number, k: number, s: number, pad: number): Phase[] {
  const phases: Phase[] = [];
  for (let p = 0; p < s; p++) {
    const r = (((p + pad) % s) + s) % s;
    const taps = r < k ? Math.ceil((k - r) / s) : 0;
    const count = p < inLen ? Math.ceil((inLen - p) / s) : 0;
    // dy index read for output q (h = q*s + r - pad) and tap m: i = q - m; q0 = (p + pad - r) / s.
    const q0 = (p + pad - r) / s;
    const plan = taps > 0 && count > 0 ? axisPlan(outLen, count, taps, 1, taps - 1 - q0) : null;
    phases.push({ taps, count, plan });
  }
  return phases;
}

export type InputGradientRoute = 'simd' | 'phases';

/** Which route computes this input gradient (see the file comment). */
export function inputGradientRoute(cin: number, strides: readonly [number, number], threads: number, simd: boolean): InputGradientRoute {
  if (!simd || cin % 8 !== 0) return 'phases';
  return threads <= 1 || strides[0] > 1 || strides[1] > 1 ? 'simd' : 'phases';
}

export function conv2dBackpropInput(
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  inputShape: [number, number, number, number],
  strides: number | [number, number],
  pad: PadSpec,
  dimRoundingMode?: 'floor' | 'round' | 'ceil',
  route: 'auto' | InputGradientRoute = 'auto',
): tf.Tensor4D {
  const info = backend_util.computeConv2DInfo(inputShape, filter.shape, strides, 1, pad as 'same', dimRoundingMode);
  const [n, h, w, cin] = inputShape;
  const [kh, kw] = filter.shape;
  const sh = info.strideHeight;
  const sw = info.strideWidth;
  const chosen = route === 'auto' ? inputGradientRoute(cin, [sh, sw], wasmThreads(), currentSimdKernels() !== null) : route;
  if (chosen === 'simd') {
    const { backend, kernels } = requireSimdKernels('input-gradient', 'Cin', cin);
    return tf.tidy(() => {
      const padTop = info.padInfo.top;
      const padLeft = info.padInfo.left;
      // dy padded so that every (row, tap) and every block of 4 columns reads inside it (htr_kernels.c).
      const offTop = Math.max(0, Math.ceil((kh - 1 - padTop) / sh));
      const offLeft = Math.max(0, Math.ceil((kw - 1 - padLeft) / sw));
      const padBottom = Math.max(0, Math.floor((h - 1 + padTop) / sh) + 1 - info.outHeight);
      const lastColumn = Math.floor((sw - 1 + padLeft) / sw) + 4 * Math.ceil(Math.ceil(w / sw) / 4) - 1;
      const padRight = Math.max(0, lastColumn + 1 - info.outWidth);
      const dyp = tf.pad(dy, [[0, 0], [offTop, padBottom], [offLeft, padRight], [0, 0]]);
      const filterT = tf.transpose(filter, [0, 1, 3, 2]);
      const out = backend.makeOutput([n, h, w, cin], 'float32');
      kernels.conv2dInputGrad(heapOffset(backend, dyp), heapOffset(backend, filterT), heapOffset(backend, out),
        n, h, w, cin, dyp.shape[1], dyp.shape[2], filter.shape[3], kh, kw, sh, sw, padTop, padLeft, offTop, offLeft);
      return wrapOutput(out) as tf.Tensor4D;
    });
  }
  return tf.tidy(() => {
    const rowPhases = phasesFor(h, info.outHeight, kh, sh, info.padInfo.top);
    const colPhases = phasesFor(w, info.outWidth, kw, sw, info.padInfo.left);
    const rowBlocks: tf.Tensor4D[] = [];
    const kRows = Math.ceil(h / sh);
    const kCols = Math.ceil(w / sw);
    for (let pr = 0; pr < sh; pr++) {
      const rp = rowPhases[pr]!;
      const colBlocks: tf.Tensor4D[] = [];
      for (let pc = 0; pc < sw; pc++) {
        const cp = colPhases[pc]!;
        let block = phaseConv(dy, filter, rp, cp, sh, sw, info.padInfo.top, info.padInfo.left, pr, pc, n, cin);
        // Pad every phase to the same grid so the interleave is a plain reshape.
        if (rp.count < kRows || cp.count < kCols) {
          block = tf.pad(block, [[0, 0], [0, kRows - rp.count], [0, kCols - cp.count], [0, 0]]);
        }
        colBlocks.push(block);
      }
      let rowBlock: tf.Tensor4D = sw === 1 ? colBlocks[0]! : interleaveColumns(colBlocks, n, kRows, kCols, cin);
      if (kCols * sw !== w) rowBlock = tf.slice(rowBlock, [0, 0, 0, 0], [n, kRows, w, cin]);
      rowBlocks.push(rowBlock);
    }
    // Row phases [n, kRows, w, cin] -> [n, kRows*sh, w, cin], interleaved the same way.
    let out: tf.Tensor4D = sh === 1 ? rowBlocks[0]! : interleaveColumns(rowBlocks.map((b) => tf.reshape(b, [n, kRows, 1, w * cin])), n, kRows, 1, w * cin);
    if (sh > 1) out = tf.reshape(out, [n, kRows * sh, w, cin]);
    if (kRows * sh !== h) out = tf.slice(out, [0, 0, 0, 0], [n, h, w, cin]);
    return out;
  });
}

/**
 * Column phases [n, kRows, kCols, cin] x sw -> [n, kRows, kCols*sw, cin]: stacked on a
 * new outer axis (contiguous copies) and transposed, 2x faster on wasm than a concat
 * along the column axis, whose blocks are only `cin` floats long. Rows interleave the
 * same way with each row as one "column" of w*cin channels.
 */
function interleaveColumns(blocks: tf.Tensor4D[], n: number, kRows: number, kCols: number, cin: number): tf.Tensor4D {
  const stacked = tf.stack(blocks.map((b) => tf.reshape(b, [n * kRows * kCols, cin]))); // [sw, cells, cin]
  return tf.reshape(tf.transpose(stacked, [1, 0, 2]), [n, kRows, kCols * blocks.length, cin]);
}

/** One phase: dy (sliced/padded) correlated with the flipped sub-filter, [n, rows, cols, cin]. */
function phaseConv(
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  rp: Phase,
  cp: Phase,
  sh: number,
  sw: number,
  padTop: number,
  padLeft: number,
  pr: number,
  pc: number,
  n: number,
  cin: number,
): tf.Tensor4D {
  if (!rp.plan || !cp.plan) return tf.zeros([n, rp.count, cp.count, cin]);
  const [kh, kw] = filter.shape;
  const r0 = (((pr + padTop) % sh) + sh) % sh;
  const c0 = (((pc + padLeft) % sw) + sw) % sw;
  let sub: tf.Tensor4D = filter;
  if (sh > 1 || sw > 1 || r0 > 0 || c0 > 0) {
    sub = tf.stridedSlice(filter, [r0, c0, 0, 0], [kh, kw, filter.shape[2], filter.shape[3]], [sh, sw, 1, 1]) as tf.Tensor4D;
  }
  const flipped = tf.transpose(tf.reverse(sub, [0, 1]), [0, 1, 3, 2]); // [taps_h, taps_w, Cout, Cin]
  let src: tf.Tensor4D = dy;
  if (rp.plan.start > 0 || cp.plan.start > 0 || rp.plan.len < dy.shape[1] || cp.plan.len < dy.shape[2]) {
    src = tf.slice(dy, [0, rp.plan.start, cp.plan.start, 0], [-1, rp.plan.len, cp.plan.len, -1]);
  }
  return tf.conv2d(src, flipped, 1, [
    [0, 0],
    [rp.plan.padBefore, rp.plan.padAfter],
    [cp.plan.padBefore, cp.plan.padAfter],
    [0, 0],
  ]);
}

export function registerConv2dBackpropInput(): void {
  installKernel(Conv2DBackpropInput, ({ inputs, attrs }: KernelArgs, fallback) => {
    const a = attrs as unknown as {
      inputShape: [number, number, number, number];
      strides: [number, number] | number;
      pad: PadSpec;
      dataFormat: 'NHWC' | 'NCHW';
      dimRoundingMode?: 'floor' | 'round' | 'ceil';
    };
    if (a.dataFormat === 'NCHW') {
      if (fallback) return fallback({ inputs, backend: tf.backend(), attrs });
      throw new Error('Conv2DBackpropInput on wasm supports NHWC only');
    }
    return tf.tidy(() =>
      conv2dBackpropInput(asTensor(inputs.dy!), asTensor(inputs.filter!), a.inputShape, a.strides, a.pad, a.dimRoundingMode),
    );
  });
}
