/**
 * Training-step and greedy-decode benchmark of the default model, the TypeScript twin
 * of `bench/torch_mirror.py time`: same flags, same defaults, same JSON keys.
 *
 *   npm run --silent bench:train -- --batch 16 --height 28 --width 256 --json
 *   npm run --silent bench:train -- --accelerator native --json
 *   npm run --silent bench:train -- --accelerator wasm --wasm-kernels missing --json   # stock wasm + missing kernels
 *   npm run --silent bench:train -- --profile          # top kernels of one train step
 *
 * train_step_ms: forward, backward and Adam update (the project's loss and optimizer),
 * median after warm-up. greedy_decode_batch_ms: 32 tokens with the KV cache, no early stop.
 * ctc_greedy_decode_batch_ms: the same model with a CTC head (model.ctc_weight 0.5), decoded by
 * `ctc_greedy` (one forward pass, best path in JS); PyTorch's mirror has no twin of it.
 *
 * bench:args --json
 */
import * as tf from '@tensorflow/tfjs-core';
import { parseArgs } from 'node:util';
import { initBackend, type Accelerator } from '../model_package/backend/index.js';
import { registerWasmKernels, type WasmKernelSet } from '../model_package/backend/wasm_kernels/index.js';
import { accumulateGradients, applyGradients, compiledTrainSteps, paramIndex } from '../model_package/training/train_step.js';
import { createOptimizer } from '../model_package/training/optimizer.js';
import { OptimizerConfig } from '../model_package/training/config.js';
import { median, timed } from './lib/timing.js';
import { buildBenchModel, MODEL_ARGS } from './lib/bench_model.js';
import { ctcGreedyMode } from '../model_package/models/decoding/ctc_modes.js';

const { values: a } = parseArgs({
  options: {
    ...MODEL_ARGS,
    threads: { type: 'string', default: '0' },
    reps: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '2' },
    accelerator: { type: 'string', default: 'wasm' },
    'wasm-kernels': { type: 'string', default: 'all' },
    'no-cache': { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
});
const int = (k: keyof typeof a): number => Number(a[k]);
const maxLen = int('max-len');
const reps = int('reps');

const kernelSet = a['wasm-kernels'] as WasmKernelSet;
registerWasmKernels(kernelSet); // before the backend starts, so the chosen set is the one used
const backend = await initBackend({
  accelerator: a.accelerator as Accelerator,
  numThreads: int('threads'),
  log: a.json ? () => {} : (m) => console.error(m),
});

const { model, x, batch: data, dispose } = buildBenchModel(a);
const [batch, height, width] = x.shape;
const optimizer = createOptimizer(model.namedParameters(), OptimizerConfig.parse({ lr: 1e-3 }));
const params = paramIndex(model);
// The trainer's own step: on native, compiled from the second step of a batch shape.
const trainSteps = compiledTrainSteps();

function trainStep(): void {
  const grads = new Map<string, tf.Tensor>();
  accumulateGradients(model, data, params, 1, grads, false, undefined, trainSteps);
  applyGradients(optimizer, grads, 1e-3, 0);
  // Read one weight so the timing includes the (possibly asynchronous) update.
  params.vars[0]!.dataSync();
}

function decode(): void {
  const ids = model.greedyDecode(x, { useCache: !a['no-cache'], earlyStop: false, maxLength: maxLen });
  ids.dataSync();
  ids.dispose();
}

model.train(true);
if (a.profile) {
  trainStep();
  const prof = await tf.profile(() => trainStep());
  const byKernel = new Map<string, { ms: number; n: number }>();
  for (const k of prof.kernels) {
    const e = byKernel.get(k.name) ?? { ms: 0, n: 0 };
    e.ms += typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    e.n += 1;
    byKernel.set(k.name, e);
  }
  const rows = [...byKernel.entries()].sort((p, q) => q[1].ms - p[1].ms).slice(0, 25);
  const slowest = [...prof.kernels]
    .sort((p, q) => Number(q.kernelTimeMs) - Number(p.kernelTimeMs))
    .slice(0, 25)
    .map((k) => `${k.name} ${Number(k.kernelTimeMs).toFixed(1)}ms in=${JSON.stringify(k.inputShapes)} out=${JSON.stringify(k.outputShapes)}`);
  console.log(slowest.join('\n'));
  console.log(JSON.stringify({ backend: backend.name, kernels: rows.map(([name, e]) => ({ name, ms: +e.ms.toFixed(1), calls: e.n })) }, null, 1));
  process.exit(0);
}

const trainMs = timed(trainStep, int('warmup'), reps);
model.train(false);
// Two warm-up runs: on native a shape is compiled on its second run (models/compiled_functions.ts).
const decodeMs = timed(decode, 2, Math.max(1, Math.floor(reps / 2)));

// A twin with the CTC head: ctc_greedy is the fast path of every model that has one.
const twin = buildBenchModel(a, { ctcWeight: 0.5 });
twin.model.train(false);
const ctcDecode = async (): Promise<void> => {
  await ctcGreedyMode(twin.model, twin.x, { beamWidth: 1 });
};
await ctcDecode();
await ctcDecode();
const ctcRuns: number[] = [];
for (let r = 0; r < Math.max(1, Math.floor(reps / 2)); r++) {
  const t0 = performance.now();
  await ctcDecode();
  ctcRuns.push(performance.now() - t0);
}
const ctcMs = median(ctcRuns);
twin.dispose();

const threads = backend.threads ?? (backend.name === 'cpu' ? 1 : int('threads') || undefined);
const engine = `tfjs-${backend.name}${backend.name === 'wasm' && kernelSet === 'missing' ? '-stock' : ''}`;
const res = {
  engine,
  threads: threads ?? null,
  params: model.numParameters(),
  batch,
  height,
  width,
  train_step_ms: +trainMs.toFixed(2),
  greedy_decode_batch_ms: +decodeMs.toFixed(2),
  ctc_greedy_decode_batch_ms: +ctcMs.toFixed(2),
  train_samples_per_s: +((batch * 1000) / trainMs).toFixed(2),
};
console.log(a.json ? JSON.stringify(res) : Object.entries(res).map(([k, v]) => `${k}: ${v}`).join('\n'));
trainSteps.dispose();
dispose();
// The threaded wasm build keeps worker threads alive.
process.exit(0);
