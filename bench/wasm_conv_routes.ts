/**
 * wasm convolution routes, per layer of the default model (batch 16, 28x256):
 *  - forward: XNNPACK's convolution (what the model uses) against im2col + the XNNPACK
 *    matmul with channel-last packing (cols [N*Ho*Wo, kh*kw*Cin] @ filter [kh*kw*Cin, Cout]);
 *  - filter gradient: the routes of model_package/backend/wasm_kernels/conv2d_backprop_filter.ts,
 *    the convolution (batch as channels), the GEMM (channel-major patches @ dy) and our
 *    SIMD kernel (with HTR_WASM_SIMD=0 it is left out), and the route it picks for --threads.
 * Each route is timed interleaved with the others; the median of --reps is reported.
 *
 *   npx tsx bench/wasm_conv_routes.ts --threads 1 --markdown
 *
 * bench:args --json --reps 3
 */
import * as tf from '@tensorflow/tfjs-core';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { initBackend } from '../model_package/backend/index.js';
import { im2col } from '../model_package/backend/wasm_kernels/im2col.js';
import { conv2dBackpropFilter, filterGradientRoute } from '../model_package/backend/wasm_kernels/conv2d_backprop_filter.js';
import { conv2dBackpropInput, inputGradientRoute } from '../model_package/backend/wasm_kernels/conv2d_backprop_input.js';
import { median } from './lib/timing.js';

const { values: a } = parseArgs({
  options: {
    batch: { type: 'string', default: '16' },
    threads: { type: 'string', default: '1' },
    reps: { type: 'string', default: '7' },
    json: { type: 'boolean', default: false },
    markdown: { type: 'boolean', default: false },
  },
});
const info = await initBackend({ accelerator: 'wasm', numThreads: Number(a.threads), log: () => {} });
const n = Number(a.batch);
type Layer = readonly [name: string, x: readonly [number, number, number], f: readonly [number, number, number, number], stride: number, pad: number];
const LAYERS: Layer[] = [
  ['stem 5x5 1->32', [28, 256, 1], [5, 5, 1, 32], 1, 2],
  ['stage0 conv1 s2', [28, 256, 32], [3, 3, 32, 32], 2, 1],
  ['stage0 conv2', [14, 128, 32], [3, 3, 32, 32], 1, 1],
  ['stage1 conv1 s2', [14, 128, 32], [3, 3, 32, 64], 2, 1],
  ['stage1 conv2', [7, 64, 64], [3, 3, 64, 64], 1, 1],
  ['stage2 conv1 s2', [7, 64, 64], [3, 3, 64, 128], 2, 1],
  ['stage2 conv2', [4, 32, 128], [3, 3, 128, 128], 1, 1],
];

interface Operands {
  readonly x: tf.Tensor4D;
  readonly filter: tf.Tensor4D;
  readonly dy: tf.Tensor4D;
}

/**
 * Times `fn` on fresh copies of the operands, made outside the timing: tfjs-wasm keeps
 * XNNPACK's packed weights per weight tensor, and in training every weight and every
 * dy is new at each step (timed on the same tensors, the filter gradient's GEMM looked
 * 1.4x faster than it is, the stem's 3x).
 * wasm kernels run synchronously, so the call's wall time is the work. The output is not
 * read back: copying a 15 MB activation out of the wasm heap allocates a JS buffer of
 * that size, and with the garbage collection it triggers took 1-40 ms on its own
 * (measured on the stem's forward pass: 9 ms without the read-back, 10-50 ms with it).
 */
function time(ops: Operands, fn: (o: Operands) => tf.Tensor): number {
  const fresh: Operands = { x: tf.add(ops.x, 0), filter: tf.add(ops.filter, 0), dy: tf.add(ops.dy, 0) };
  const t0 = performance.now();
  const out = tf.tidy(() => fn(fresh));
  const ms = performance.now() - t0;
  tf.dispose([out, fresh.x, fresh.filter, fresh.dy]);
  return ms;
}

const rows = LAYERS.map(([name, [h, w, cin], f, s, p]) => {
  const x = tf.randomNormal([n, h, w, cin], 0, 1, 'float32', 1) as tf.Tensor4D;
  const filter = tf.randomNormal([...f], 0, 1, 'float32', 2) as tf.Tensor4D;
  const [kh, kw, , cout] = f;
  const y = tf.conv2d(x, filter, s, p);
  const [, oh, ow] = y.shape;
  y.dispose();
  const dy = tf.randomNormal([n, oh, ow, cout], 0, 1, 'float32', 3) as tf.Tensor4D;
  const g = { kh, kw, sh: s, sw: s, outH: oh, outW: ow, padTop: p, padLeft: p };
  const m = n * oh * ow;
  const k = kh * kw * cin;
  const routes: Record<string, (o: Operands) => tf.Tensor> = {
    conv_fwd: (o) => tf.conv2d(o.x, o.filter, s, p),
    im2col_fwd: (o) => tf.matMul(tf.reshape(im2col(o.x, g), [m, k]) as tf.Tensor2D, tf.reshape(o.filter, [k, cout]) as tf.Tensor2D),
    conv_dw: (o) => conv2dBackpropFilter(o.x, o.dy, [...f], s, p, undefined, 'conv'),
    gemm_dw: (o) => conv2dBackpropFilter(o.x, o.dy, [...f], s, p, undefined, 'gemm'),
    ...(info.simdKernels ? { simd_dw: (o: Operands) => conv2dBackpropFilter(o.x, o.dy, [...f], s, p, undefined, 'simd') } : {}),
    phases_dx: (o) => conv2dBackpropInput(o.dy, o.filter, o.x.shape, s, p, undefined, 'phases'),
    ...(info.simdKernels && cin % 8 === 0 ? { simd_dx: (o: Operands) => conv2dBackpropInput(o.dy, o.filter, o.x.shape, s, p, undefined, 'simd') } : {}),
  };
  const ops = { x, filter, dy };
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(routes).map((r) => [r, []]));
  for (const fn of Object.values(routes)) time(ops, fn);
  for (let r = 0; r < Number(a.reps); r++) for (const [key, fn] of Object.entries(routes)) times[key]!.push(time(ops, fn));
  tf.dispose([x, filter, dy]);
  const med = (key: string): number => +median(times[key]!).toFixed(2);
  return {
    layer: name,
    gemm: { m, k, n: cout },
    conv_fwd_ms: med('conv_fwd'),
    im2col_fwd_ms: med('im2col_fwd'),
    conv_dw_ms: med('conv_dw'),
    gemm_dw_ms: med('gemm_dw'),
    simd_dw_ms: info.simdKernels ? med('simd_dw') : null,
    phases_dx_ms: med('phases_dx'),
    simd_dx_ms: times.simd_dx ? med('simd_dx') : null,
    dw_route: filterGradientRoute(cin, cout, info.threads ?? 1, info.simdKernels === true),
    dx_route: inputGradientRoute(cin, [s, s], info.threads ?? 1, info.simdKernels === true),
  };
});
const report = {
  bench: 'wasm_conv_routes',
  date: new Date().toISOString(),
  threads: info.threads ?? 1,
  batch: n,
  machine: { cpus: os.cpus().length, loadavg: os.loadavg().map((l) => +l.toFixed(1)) },
  rows,
};
console.log(JSON.stringify(report));
function sum(key: 'conv_fwd_ms' | 'im2col_fwd_ms' | 'conv_dw_ms' | 'gemm_dw_ms' | 'simd_dw_ms' | 'phases_dx_ms' | 'simd_dx_ms'): number {
  return +rows.reduce((t, r) => t + (r[key] ?? 0), 0).toFixed(1);
}
if (a.markdown) {
  console.error([
    '| layer | GEMM M×K×N | conv fwd (ms) | im2col fwd (ms) | dW as conv (ms) | dW as GEMM (ms) | dW by the SIMD kernel (ms) | dW route taken | dX by phases (ms) | dX by the SIMD kernel (ms) | dX route taken |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.layer} | ${r.gemm.m}×${r.gemm.k}×${r.gemm.n} | ${r.conv_fwd_ms} | ${r.im2col_fwd_ms} | ${r.conv_dw_ms} | ${r.gemm_dw_ms} | ${r.simd_dw_ms ?? '-'} | ${r.dw_route} | ${r.phases_dx_ms} | ${r.simd_dx_ms ?? '-'} | ${r.dx_route} |`),
    `| total | | ${sum('conv_fwd_ms')} | ${sum('im2col_fwd_ms')} | ${sum('conv_dw_ms')} | ${sum('gemm_dw_ms')} | ${sum('simd_dw_ms')} | | ${sum('phases_dx_ms')} | ${sum('simd_dx_ms')} | |`,
  ].join('\n'));
}
process.exit(0);
