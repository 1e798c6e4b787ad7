/**
 * wasm convolution routes, per layer of the default model (batch 16, 28x256): XNNPACK's
 * convolution (what the model uses; the filter gradient is also one, see
 * model_package/backend/wasm_kernels/conv2d_backprop_filter.ts) against im2col + the
 * XNNPACK matmul with channel-last packing (cols [N*Ho*Wo, kh*kw*Cin], filter
 * [kh*kw*Cin, Cout]) for the forward pass and the filter gradient (dW^T = dy^T cols).
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

function time(fn: () => tf.Tensor): number {
  const t0 = performance.now();
  const out = tf.tidy(fn);
  out.dataSync();
  const ms = performance.now() - t0;
  out.dispose();
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
  const routes: Record<string, () => tf.Tensor> = {
    conv_fwd: () => tf.conv2d(x, filter, s, p),
    im2col_fwd: () => tf.matMul(tf.reshape(im2col(x, g), [m, k]) as tf.Tensor2D, tf.reshape(filter, [k, cout]) as tf.Tensor2D),
    conv_dw: () => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides: s, pad: p, dataFormat: 'NHWC', filterShape: f }) as tf.Tensor,
    im2col_dw: () => tf.transpose(tf.matMul(tf.reshape(dy, [m, cout]) as tf.Tensor2D, tf.reshape(im2col(x, g), [m, k]) as tf.Tensor2D, true, false)),
  };
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(routes).map((r) => [r, []]));
  for (const fn of Object.values(routes)) time(fn);
  for (let r = 0; r < Number(a.reps); r++) for (const [key, fn] of Object.entries(routes)) times[key]!.push(time(fn));
  tf.dispose([x, filter, dy]);
  const med = (key: string): number => +median(times[key]!).toFixed(2);
  return {
    layer: name,
    gemm: { m, k, n: cout },
    conv_fwd_ms: med('conv_fwd'),
    im2col_fwd_ms: med('im2col_fwd'),
    conv_dw_ms: med('conv_dw'),
    im2col_dw_ms: med('im2col_dw'),
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
if (a.markdown) {
  console.error([
    '| layer | GEMM M×K×N | conv fwd (ms) | im2col fwd (ms) | conv dW (ms) | im2col dW (ms) |',
    '|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.layer} | ${r.gemm.m}×${r.gemm.k}×${r.gemm.n} | ${r.conv_fwd_ms} | ${r.im2col_fwd_ms} | ${r.conv_dw_ms} | ${r.im2col_dw_ms} |`),
  ].join('\n'));
}
process.exit(0);
