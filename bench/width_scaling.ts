/**
 * Cost against line width: the default model's train step and greedy decode (KV cache,
 * 32 tokens, no early stop) at height 28 and widths 256, 512, 1024, 2048, reported per
 * pixel column. Cost linear in width means a flat per-column time; the goal is the
 * 2048 value within 1.3x of the 256 one. One model serves every width (positions are
 * looked up per feature-map size); widths are interleaved round by round and each
 * number is the median over rounds.
 *
 *   npx tsx bench/width_scaling.ts --accelerator native --rounds 3 --markdown
 *   npx tsx bench/width_scaling.ts --accelerator wasm --batch 4
 *
 * bench:args --json --rounds 1 --batch 4
 */
import * as tf from '@tensorflow/tfjs-core';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { initBackend, type Accelerator } from '../model_package/backend/index.js';
import { createOptimizer } from '../model_package/training/optimizer.js';
import { OptimizerConfig } from '../model_package/training/config.js';
import { accumulateGradients, applyGradients, paramIndex } from '../model_package/training/train_step.js';
import type { Batch } from '../model_package/core/data_types.js';
import { buildBenchModel, MODEL_ARGS } from './lib/bench_model.js';
import { median } from './lib/timing.js';

const { values: a } = parseArgs({
  options: {
    ...MODEL_ARGS,
    widths: { type: 'string', default: '256,512,1024,2048' },
    accelerator: { type: 'string', default: 'native' },
    threads: { type: 'string', default: '0' },
    rounds: { type: 'string', default: '3' },
    json: { type: 'boolean', default: false },
    markdown: { type: 'boolean', default: false },
  },
});
const widths = String(a.widths).split(',').map(Number);
const backend = await initBackend({ accelerator: a.accelerator as Accelerator, numThreads: Number(a.threads), log: () => {} });
const maxWidth = Math.max(...widths);
const bench = buildBenchModel(a, { width: maxWidth });
const { model } = bench;
const params = paramIndex(model);
const optimizer = createOptimizer(model.namedParameters(), OptimizerConfig.parse({ lr: 1e-3 }));
const batchSize = bench.x.shape[0];
const height = bench.x.shape[1];
const maxLen = bench.y.shape[1];

/** The benchmark batch cropped to `width` columns. */
function batchAt(width: number): { batch: Batch; x: tf.Tensor4D } {
  const x = tf.tidy(() => tf.slice(bench.x, [0, 0, 0, 0], [batchSize, height, width, 1])) as tf.Tensor4D;
  return { x, batch: { ...bench.batch, x: Float32Array.from(x.dataSync()), width } };
}

const inputs = new Map(widths.map((w) => [w, batchAt(w)]));
const trainOnce = (w: number): number => {
  const t0 = performance.now();
  model.train(true);
  const grads = new Map<string, tf.Tensor>();
  accumulateGradients(model, inputs.get(w)!.batch, params, 1, grads, false);
  applyGradients(optimizer, grads, 1e-3, 0);
  return performance.now() - t0;
};
const decodeOnce = (w: number): number => {
  const t0 = performance.now();
  const ids = model.greedyDecode(inputs.get(w)!.x, { earlyStop: false, maxLength: maxLen });
  ids.dataSync();
  ids.dispose();
  return performance.now() - t0;
};

for (const w of widths) {
  trainOnce(w);
  decodeOnce(w);
}
const times = new Map(widths.map((w) => [w, { train: [] as number[], decode: [] as number[] }]));
const loadStart = os.loadavg().map((l) => +l.toFixed(1));
for (let r = 0; r < Number(a.rounds); r++) {
  for (const w of widths) {
    times.get(w)!.train.push(trainOnce(w));
    times.get(w)!.decode.push(decodeOnce(w));
  }
}
const base = widths[0]!;
const perCol = (w: number, k: 'train' | 'decode'): number => median(times.get(w)![k]) / w;
const rows = widths.map((w) => ({
  width: w,
  train_step_ms: +median(times.get(w)!.train).toFixed(1),
  greedy_decode_ms: +median(times.get(w)!.decode).toFixed(1),
  train_ms_per_column: +perCol(w, 'train').toFixed(3),
  decode_ms_per_column: +perCol(w, 'decode').toFixed(3),
  train_per_column_vs_first: +(perCol(w, 'train') / perCol(base, 'train')).toFixed(2),
  decode_per_column_vs_first: +(perCol(w, 'decode') / perCol(base, 'decode')).toFixed(2),
}));
const report = {
  bench: 'width_scaling',
  date: new Date().toISOString(),
  engine: backend.name,
  threads: backend.threads ?? null,
  machine: { cpus: os.cpus().length, loadavg_start: loadStart, loadavg_end: os.loadavg().map((l) => +l.toFixed(1)) },
  batch: batchSize,
  height,
  decode_tokens: maxLen,
  rounds: Number(a.rounds),
  rows,
};
console.log(JSON.stringify(report));
if (a.markdown) {
  console.error([
    `| width | train step (ms) | per column (ms) | × ${base} | greedy decode (ms) | per column (ms) | × ${base} |`,
    '|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.width} | ${r.train_step_ms} | ${r.train_ms_per_column} | ${r.train_per_column_vs_first} | ${r.greedy_decode_ms} | ${r.decode_ms_per_column} | ${r.decode_per_column_vs_first} |`),
  ].join('\n'));
}
optimizer.dispose();
for (const { x } of inputs.values()) x.dispose();
bench.dispose();
process.exit(0); // the threaded wasm build keeps worker threads alive
