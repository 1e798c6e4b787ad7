/**
 * Where the time of one train step and one decoding step goes, per engine: kernels
 * per step, self time per kernel type, and the time between kernels (wall minus
 * kernel time: JS, tfjs bookkeeping and binding overhead).
 *
 *   npx tsx bench/profile_step.ts --rounds 3 --markdown --out bench/results/profile_step.json
 *   npx tsx bench/profile_step.ts --engines native,wasm,cpu --batch 4
 *
 * Each engine runs in its own process, interleaved round by round (the machine is
 * shared); every number is the median over rounds of the per-process median over
 * --reps profiled repetitions. Parts:
 *  - train_step: the trainer's step (accumulateGradients + applyGradients: forward,
 *    backward, loss read-back, Adam), phases forward_backward and optimizer; on native the
 *    forward and backward passes are one compiled call (HtrGraphFunction) unless --op-by-op;
 *  - decode_prepare: encoder + cross-attention keys/values, once per line batch;
 *  - decode_step: one KV-cached greedy step at position --decode-pos (embedding,
 *    decoder, head, argMax and its read-back), as greedyLoop runs it. On native the
 *    step is one compiled function call (HtrGraphFunction); --op-by-op profiles the
 *    same step run kernel by kernel.
 * Each part also reports its arithmetic (convolutions and matrix products, counted by
 * bench/lib/kernel_flops.ts from the model's own kernel calls, so the same for every
 * engine that runs them op by op) and the rate it ran at; and each engine reports its
 * rate on one large square product (matmul_gflops, 1024^3), the most a BLAS-style
 * kernel reaches there. Compiled calls hide their operations: use --op-by-op to count.
 *
 * bench:args --json --rounds 1
 */
import * as tf from '@tensorflow/tfjs-core';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { initBackend, type Accelerator } from '../model_package/backend/index.js';
import { createOptimizer } from '../model_package/training/optimizer.js';
import { OptimizerConfig } from '../model_package/training/config.js';
import { accumulateGradients, applyGradients, compiledTrainSteps, paramIndex } from '../model_package/training/train_step.js';
import { START_INDEX } from '../model_package/core/tokenizer.js';
import { buildBenchModel, MODEL_ARGS } from './lib/bench_model.js';
import { instrumentBackend, phase, recordKernels, summarize, type KernelRecord, type KernelSummary } from './lib/kernel_timer.js';
import { median } from './lib/timing.js';
import { setFunctionCompilation } from '../model_package/models/compiled_functions.js';
import { runTsx } from './lib/run_script.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values: a } = parseArgs({
  options: {
    ...MODEL_ARGS,
    engines: { type: 'string', default: 'native,wasm' },
    /** Internal: profile this one engine in this process. */
    engine: { type: 'string' },
    threads: { type: 'string', default: '1' },
    rounds: { type: 'string', default: '3' },
    reps: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '2' },
    'decode-pos': { type: 'string', default: '16' },
    'op-by-op': { type: 'boolean', default: false },
    top: { type: 'string', default: '12' },
    json: { type: 'boolean', default: false },
    markdown: { type: 'boolean', default: false },
    out: { type: 'string' },
  },
});

interface PartProfile extends KernelSummary {
  readonly wall_ms: number;
  /** wall - kernel time. */
  readonly between_kernels_ms: number;
  readonly phases?: Record<string, { kernels: number; kernel_ms: number }>;
}
interface EngineProfile {
  readonly engine: string;
  readonly threads: number | null;
  readonly train_step: PartProfile;
  readonly decode_prepare: PartProfile;
  readonly decode_step: PartProfile;
  /** Rate of one 1024x1024 by 1024x1024 product, GFLOP/s (median of --reps). */
  readonly matmul_gflops: number;
}
type Part = 'train_step' | 'decode_prepare' | 'decode_step';
const PARTS: Part[] = ['train_step', 'decode_prepare', 'decode_step'];

function part(runs: Array<{ wallMs: number; kernels: KernelRecord[] }>, phases: string[] = []): PartProfile {
  const sums = runs.map((r) => ({ wall: r.wallMs, s: summarize(r.kernels) }));
  return {
    ...medianSummary(sums.map((x) => x.s)),
    wall_ms: median(sums.map((x) => x.wall)),
    between_kernels_ms: median(sums.map((x) => x.wall - x.s.kernel_ms)),
    ...(phases.length
      ? {
          phases: Object.fromEntries(phases.map((p) => {
            const ps = runs.map((r) => summarize(r.kernels, p));
            return [p, { kernels: median(ps.map((x) => x.kernels)), kernel_ms: median(ps.map((x) => x.kernel_ms)) }];
          })),
        }
      : {}),
  };
}

function medianSummary(ss: readonly KernelSummary[]): KernelSummary {
  const names = new Set(ss.flatMap((s) => s.by_kernel.map((k) => k.name)));
  const by = [...names].map((name) => {
    const hits = ss.map((s) => s.by_kernel.find((k) => k.name === name));
    return {
      name,
      calls: median(hits.map((h) => h?.calls ?? 0)),
      ms: median(hits.map((h) => h?.ms ?? 0)),
    };
  });
  return {
    kernels: median(ss.map((s) => s.kernels)),
    top_level_calls: median(ss.map((s) => s.top_level_calls)),
    kernel_ms: median(ss.map((s) => s.kernel_ms)),
    gflop: median(ss.map((s) => s.gflop)),
    arithmetic_ms: median(ss.map((s) => s.arithmetic_ms)),
    by_kernel: by.sort((p, q) => q.ms - p.ms),
  };
}

async function profileEngine(engine: string): Promise<EngineProfile> {
  const info = await initBackend({ accelerator: engine as Accelerator, numThreads: Number(a.threads), log: () => {} });
  instrumentBackend(tf.getBackend());
  setFunctionCompilation(!a['op-by-op']);
  const bench = buildBenchModel(a);
  const { model, x, batch } = bench;
  const params = paramIndex(model);
  const trainSteps = compiledTrainSteps();
  const optimizer = createOptimizer(model.namedParameters(), OptimizerConfig.parse({ lr: 1e-3 }));
  const reps = Number(a.reps);
  const warmup = Number(a.warmup);

  model.train(true);
  const trainStep = (): void => {
    phase('forward_backward');
    const grads = new Map<string, tf.Tensor>();
    accumulateGradients(model, batch, params, 1, grads, false, undefined, trainSteps);
    phase('optimizer');
    applyGradients(optimizer, grads, 1e-3, 0);
  };
  for (let i = 0; i < warmup; i++) trainStep();
  const train = Array.from({ length: reps }, () => recordKernels(trainStep));

  model.train(false);
  const decodePos = Number(a['decode-pos']);
  const rows = x.shape[0];
  const decodeRuns = (): { prepare: ReturnType<typeof recordKernels>; step: ReturnType<typeof recordKernels> } => {
    const prepare = recordKernels(() => model.stepDecoder(x, 1, true));
    const dec = prepare.result as ReturnType<typeof model.stepDecoder>;
    const tokens = new Int32Array(rows).fill(START_INDEX);
    const greedyStep = (): void => {
      const logits = dec.step(tokens);
      const arg = tf.argMax(logits, 1);
      const ids = arg.dataSync();
      logits.dispose();
      arg.dispose();
      tokens.set(ids);
    };
    for (let t = 1; t < decodePos; t++) greedyStep();
    const step = recordKernels(greedyStep);
    dec.dispose();
    return { prepare, step };
  };
  for (let i = 0; i < warmup; i++) decodeRuns();
  const decodes = Array.from({ length: reps }, decodeRuns);
  const matmulGflops = squareMatMulRate(1024, reps);
  optimizer.dispose();
  trainSteps.dispose();
  bench.dispose();
  return {
    engine: info.name,
    threads: info.threads ?? null,
    train_step: part(train, ['forward_backward', 'optimizer']),
    decode_prepare: part(decodes.map((d) => d.prepare)),
    decode_step: part(decodes.map((d) => d.step)),
    matmul_gflops: matmulGflops,
  };
}

/**
 * GFLOP/s of an n x n by n x n product on the current engine (median of `reps`, after one
 * warm-up). Kernels run synchronously on these engines, so the product is not read back
 * (copying 4 MB out would be timed with it).
 */
function squareMatMulRate(n: number, reps: number): number {
  const a = tf.randomNormal([n, n], 0, 1, 'float32', 1);
  const b = tf.randomNormal([n, n], 0, 1, 'float32', 2);
  const once = (): number => {
    const t0 = performance.now();
    const c = tf.matMul(a, b);
    const ms = performance.now() - t0;
    c.dispose();
    return ms;
  };
  once();
  const ms = median(Array.from({ length: Math.max(reps, 3) }, once));
  tf.dispose([a, b]);
  return +((2 * n ** 3) / (ms * 1e6)).toFixed(1);
}

function aggregate(runs: readonly EngineProfile[]): EngineProfile {
  const agg = (p: Part): PartProfile => {
    const ps = runs.map((r) => r[p]);
    const phases = ps[0]!.phases;
    return {
      ...medianSummary(ps),
      wall_ms: median(ps.map((x) => x.wall_ms)),
      between_kernels_ms: median(ps.map((x) => x.between_kernels_ms)),
      ...(phases
        ? {
            phases: Object.fromEntries(Object.keys(phases).map((k) => [k, {
              kernels: median(ps.map((x) => x.phases![k]!.kernels)),
              kernel_ms: median(ps.map((x) => x.phases![k]!.kernel_ms)),
            }])),
          }
        : {}),
    };
  };
  return {
    engine: runs[0]!.engine, threads: runs[0]!.threads,
    train_step: agg('train_step'), decode_prepare: agg('decode_prepare'), decode_step: agg('decode_step'),
    matmul_gflops: median(runs.map((r) => r.matmul_gflops)),
  };
}

const r1 = (v: number): number => +v.toFixed(1);
const r2 = (v: number): number => +v.toFixed(2);

function rounded(p: EngineProfile, top: number): EngineProfile {
  const part1 = (q: PartProfile): PartProfile => ({
    wall_ms: r2(q.wall_ms),
    kernel_ms: r2(q.kernel_ms),
    between_kernels_ms: r2(q.between_kernels_ms),
    gflop: +q.gflop.toFixed(3),
    arithmetic_ms: r2(q.arithmetic_ms),
    kernels: q.kernels,
    top_level_calls: q.top_level_calls,
    ...(q.phases ? { phases: Object.fromEntries(Object.entries(q.phases).map(([k, v]) => [k, { kernels: v.kernels, kernel_ms: r2(v.kernel_ms) }])) } : {}),
    by_kernel: q.by_kernel.slice(0, top).map((k) => ({ name: k.name, calls: k.calls, ms: r2(k.ms) })),
  });
  return { ...p, train_step: part1(p.train_step), decode_prepare: part1(p.decode_prepare), decode_step: part1(p.decode_step) };
}

function markdown(report: { engines: EngineProfile[] }, top: number): string {
  const lines = [
    '| engine | part | wall (ms) | kernel time (ms) | between kernels (ms) | kernels | between kernels per kernel (µs) | GFLOP | arithmetic GFLOP/s |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  // Compiled calls hide their arithmetic from the kernel timer: no operations are counted for them.
  const rate = (q: PartProfile): string => (q.gflop > 0 ? `${r1(q.gflop / (q.arithmetic_ms / 1000))}` : '-');
  for (const e of report.engines) {
    for (const p of PARTS) {
      const q = e[p];
      const per = q.kernels ? (1000 * q.between_kernels_ms) / q.kernels : 0;
      lines.push(`| ${e.engine}${e.threads ? ` (${e.threads} thr)` : ''} | ${p} | ${r1(q.wall_ms)} | ${r1(q.kernel_ms)} | ${r1(q.between_kernels_ms)} (${Math.round((100 * q.between_kernels_ms) / q.wall_ms)}%) | ${q.kernels} | ${r1(per)} | ${q.gflop > 0 ? r2(q.gflop) : '-'} | ${rate(q)} |`);
    }
  }
  lines.push('', '| engine | 1024³ matmul (GFLOP/s) |', '|---|---|', ...report.engines.map((e) => `| ${e.engine}${e.threads ? ` (${e.threads} thr)` : ''} | ${r1(e.matmul_gflops)} |`));
  for (const e of report.engines) {
    const t = e.train_step;
    lines.push('', `Train step on ${e.engine}, top kernel types by self time (optimizer: ${t.phases?.optimizer?.kernels ?? '-'} kernels, ${r1(t.phases?.optimizer?.kernel_ms ?? 0)} ms):`, '', '| kernel | calls | ms | share of kernel time |', '|---|---|---|---|');
    for (const k of t.by_kernel.slice(0, top)) lines.push(`| ${k.name} | ${k.calls} | ${r1(k.ms)} | ${Math.round((100 * k.ms) / t.kernel_ms)}% |`);
    const d = e.decode_step;
    lines.push('', `Decode step on ${e.engine}, top kernel types:`, '', '| kernel | calls | ms |', '|---|---|---|');
    for (const k of d.by_kernel.slice(0, top)) lines.push(`| ${k.name} | ${k.calls} | ${r2(k.ms)} |`);
  }
  return lines.join('\n');
}

if (a.engine) {
  // Child: one engine, JSON on stdout.
  const p = await profileEngine(a.engine);
  console.log(JSON.stringify(p));
  process.exit(0); // the threaded wasm build keeps worker threads alive
}

const engines = String(a.engines).split(',').filter(Boolean);
const rounds = Number(a.rounds);
const forward = Object.entries(a).flatMap(([k, v]) =>
  k in MODEL_ARGS || k === 'threads' || k === 'reps' || k === 'warmup' || k === 'decode-pos' ? [`--${k}`, String(v)] : []);
if (a['op-by-op']) forward.push('--op-by-op');
const loadStart = os.loadavg().map(r1);
const runs = new Map<string, EngineProfile[]>();
for (let r = 0; r < rounds; r++) {
  for (const engine of engines) {
    if (!a.json) process.stderr.write(`[profile] round ${r + 1}/${rounds}: ${engine}\n`);
    const out = await runTsx(ROOT, 'bench/profile_step.ts', ['--engine', engine, ...forward]);
    if (out.code !== 0 || !out.json) {
      process.stderr.write(`[profile] ${engine} failed (exit ${out.code}): ${out.stderr.slice(-800)}\n`);
      continue;
    }
    runs.set(engine, [...(runs.get(engine) ?? []), out.json as EngineProfile]);
  }
}
const top = Number(a.top);
const report = {
  bench: 'profile_step',
  date: new Date().toISOString(),
  machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model ?? 'unknown', loadavg_start: loadStart, loadavg_end: os.loadavg().map(r1) },
  shape: { batch: Number(a.batch), height: Number(a.height), width: Number(a.width), decode_pos: Number(a['decode-pos']) },
  rounds,
  reps: Number(a.reps),
  command: `npx tsx bench/profile_step.ts ${process.argv.slice(2).join(' ')}`.trim(),
  engines: [...runs.values()].map((rs) => rounded(aggregate(rs), top)),
};
if (a.out) writeFileSync(a.out, JSON.stringify(report, null, 1) + '\n');
console.log(JSON.stringify(report));
if (a.markdown) console.error(markdown(report, top));
process.exitCode = runs.size === engines.length ? 0 : 1;
