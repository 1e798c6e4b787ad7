/**
 * One measurement run of the benchmark table in docs/benchmarks.md: the PyTorch anchor
 * (bench/torch_mirror.py time, the same model in stock torch.nn) and bench/train_step.ts
 * on every engine, same shapes and threads, interleaved for `--rounds` rounds (the
 * machine may be shared; the median round is reported). Prints JSON, and with
 * --markdown the table too.
 *
 *   HTR_PYTHON=/tmp/torch/bin/python npx tsx bench/compare_torch.ts --rounds 2 --markdown
 *
 * HTR_PYTHON (default python3) must import torch; without it the PyTorch rows are left out.
 *
 * Ratios are given against the PyTorch anchor and against its 1-thread run; the train step's
 * also as the median of per-round ratios (each row against the anchor of its own round).
 *
 * bench:args --rounds 1
 */
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { findNativeBuild } from '../model_package/backend/native.js';
import { median } from './lib/timing.js';
import { runCommand, runTsx } from './lib/run_script.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values: a } = parseArgs({
  options: {
    rounds: { type: 'string', default: '1' },
    threads: { type: 'string', default: '2' },
    batch: { type: 'string', default: '16' },
    height: { type: 'string', default: '28' },
    width: { type: 'string', default: '256' },
    'cpu-batch': { type: 'string', default: '1' },
    // The cpu backend row takes minutes a round and its ratio (~1000×) tells nothing new.
    'skip-cpu': { type: 'boolean', default: false },
    // Stock wasm takes ~10 s a round; without it more rounds fit in the same time.
    'skip-stock-wasm': { type: 'boolean', default: false },
    // Rows for wasm without our SIMD kernels (HTR_WASM_SIMD=0), 1 thread and --threads: what they gain.
    'wasm-without-simd': { type: 'boolean', default: false },
    markdown: { type: 'boolean', default: false },
  },
});
const shape = ['--batch', String(a.batch), '--height', String(a.height), '--width', String(a.width)];
const threads = String(a.threads);

interface Row {
  label: string;
  run: () => ReturnType<typeof runTsx>;
  /** The cpu backend is too slow for the full batch: it runs a smaller one, reported per sample. */
  batch?: number;
}
interface Result {
  engine: string;
  threads: number | null;
  params: number;
  batch: number;
  train_step_ms: number;
  greedy_decode_batch_ms: number;
  /** ctc_greedy of the same model with a CTC head (PyTorch's mirror times its own twin too). */
  ctc_greedy_decode_batch_ms?: number;
  train_samples_per_s: number;
}

const python = process.env.HTR_PYTHON ?? 'python3';
const mirror = path.join(ROOT, 'bench', 'torch_mirror.py');
const rows: Row[] = [];
if (spawnSync(python, ['-c', 'import torch']).status === 0) {
  const torchRow = (n: string) => () => runCommand(python, [mirror, 'time', '--json', '--threads', n, ...shape], ROOT);
  rows.push({ label: 'PyTorch (anchor)', run: torchRow(threads) });
  // OpenMP's spinning threads suffer most when other jobs share the cores: 1 thread shows how much.
  if (threads !== '1') rows.push({ label: 'PyTorch, 1 thread', run: torchRow('1') });
} else {
  process.stderr.write(`[compare] ${python} cannot import torch: no PyTorch rows (set HTR_PYTHON)\n`);
}
const ts = (extra: string[], env?: NodeJS.ProcessEnv) => () => runTsx(ROOT, 'bench/train_step.ts', ['--json', ...shape, ...extra], env);
const cpuBatch = Number(a['cpu-batch']);
if (!a['skip-cpu']) rows.push({
  label: 'tfjs cpu backend',
  batch: cpuBatch,
  run: () => runTsx(ROOT, 'bench/train_step.ts', ['--json', '--accelerator', 'cpu', '--reps', '1', '--warmup', '0', '--batch', String(cpuBatch), '--height', String(a.height), '--width', String(a.width)]),
});
if (!a['skip-stock-wasm']) rows.push({ label: 'wasm, stock + missing kernels, 1 thread', run: ts(['--accelerator', 'wasm', '--wasm-kernels', 'missing', '--threads', '1', '--reps', '3']) });
rows.push({ label: 'wasm, all kernels, 1 thread', run: ts(['--accelerator', 'wasm', '--threads', '1']) });
if (a['wasm-without-simd']) rows.push({ label: 'wasm without our SIMD kernels, 1 thread', run: ts(['--accelerator', 'wasm', '--threads', '1'], { HTR_WASM_SIMD: '0' }) });
rows.push({ label: `wasm, all kernels, ${threads} threads`, run: ts(['--accelerator', 'wasm', '--threads', threads]) });
if (a['wasm-without-simd'] && threads !== '1') {
  rows.push({ label: `wasm without our SIMD kernels, ${threads} threads`, run: ts(['--accelerator', 'wasm', '--threads', threads], { HTR_WASM_SIMD: '0' }) });
}
if (findNativeBuild()) {
  rows.push({ label: 'native (tfjs-node from TF wheel), oneDNN', run: ts(['--accelerator', 'native']) });
  // TensorFlow's own default on CPUs without AVX-512 (see preferOneDnn in model_package/backend/native.ts).
  rows.push({ label: 'native, oneDNN off (Eigen)', run: ts(['--accelerator', 'native'], { TF_ENABLE_ONEDNN_OPTS: '0' }) });
}

const rounds = Number(a.rounds);
const results = new Map<string, Result[]>();
/** Train-step time per row and round, for ratios taken within a round (rows run minutes apart across rounds). */
const byRound = new Map<string, Map<number, number>>();
for (let r = 0; r < rounds; r++) {
  for (const row of rows) {
    process.stderr.write(`[compare] round ${r + 1}/${rounds}: ${row.label}\n`);
    const out = await row.run();
    if (out.code !== 0 || !out.json) {
      process.stderr.write(`[compare] ${row.label} failed (exit ${out.code}): ${out.stderr.slice(-600)}\n`);
      continue;
    }
    results.set(row.label, [...(results.get(row.label) ?? []), out.json as Result]);
    byRound.set(row.label, (byRound.get(row.label) ?? new Map<number, number>()).set(r, (out.json as Result).train_step_ms));
  }
}

function medianOf(rs: Result[], key: 'train_step_ms' | 'greedy_decode_batch_ms'): number {
  return median(rs.map((x) => x[key]));
}
const anchor = results.get('PyTorch (anchor)');
const anchorTrain = anchor ? medianOf(anchor, 'train_step_ms') : null;
const anchorDecode = anchor ? medianOf(anchor, 'greedy_decode_batch_ms') : null;
const anchorCtcTimes = anchor?.flatMap((x) => (x.ctc_greedy_decode_batch_ms === undefined ? [] : [x.ctc_greedy_decode_batch_ms])) ?? [];
const anchorCtc = anchorCtcTimes.length > 0 ? median(anchorCtcTimes) : null;
// Under load PyTorch's OpenMP threads spin against other jobs and its 2-thread time
// collapses; the 1-thread run is then the fairer anchor, so both ratios are reported.
const single = results.get('PyTorch, 1 thread');
const singleTrain = single ? medianOf(single, 'train_step_ms') : null;
const singleDecode = single ? medianOf(single, 'greedy_decode_batch_ms') : null;
const fullBatch = Number(a.batch);
function perRoundRatios(label: string): number[] {
  const mine = byRound.get(label);
  const torch = byRound.get('PyTorch (anchor)');
  if (!mine || !torch) return [];
  return [...mine.entries()].flatMap(([r, ms]) => (torch.has(r) ? [+(ms / torch.get(r)!).toFixed(2)] : []));
}
const table = rows
  .filter((row) => results.has(row.label))
  .map((row) => {
    const rs = results.get(row.label)!;
    // Per-sample scaling for the reduced-batch cpu row (stated in the table).
    const scale = row.batch ? fullBatch / row.batch : 1;
    const train = medianOf(rs, 'train_step_ms') * scale;
    const decode = medianOf(rs, 'greedy_decode_batch_ms') * scale;
    const ctcTimes = rs.flatMap((x) => (x.ctc_greedy_decode_batch_ms === undefined ? [] : [x.ctc_greedy_decode_batch_ms]));
    const ctc = ctcTimes.length > 0 ? median(ctcTimes) * scale : null;
    return {
      label: row.label,
      engine: rs[0]!.engine,
      threads: rs[0]!.threads,
      measured_batch: rs[0]!.batch,
      train_step_ms: +train.toFixed(1),
      greedy_decode_batch_ms: +decode.toFixed(1),
      train_ratio: anchorTrain ? +(train / anchorTrain).toFixed(2) : null,
      decode_ratio: anchorDecode ? +(decode / anchorDecode).toFixed(2) : null,
      train_ratio_vs_1_thread: singleTrain ? +(train / singleTrain).toFixed(2) : null,
      decode_ratio_vs_1_thread: singleDecode ? +(decode / singleDecode).toFixed(2) : null,
      ctc_greedy_decode_batch_ms: ctc === null ? null : +ctc.toFixed(1),
      // Against PyTorch's attention greedy decode: what a user waits for with each.
      ctc_decode_ratio: ctc !== null && anchorDecode ? +(ctc / anchorDecode).toFixed(3) : null,
      // Against PyTorch's own ctc_greedy (one encoder pass each): like for like.
      ctc_vs_torch_ctc_ratio: ctc !== null && anchorCtc ? +(ctc / anchorCtc).toFixed(2) : null,
      rounds: rs.length,
      all_train_ms: rs.map((x) => x.train_step_ms),
      // This row's train step over PyTorch's in the same round, per round and their median: the
      // anchor drifts between rounds on a shared machine, and a ratio within a round follows it.
      train_ratio_per_round: perRoundRatios(row.label),
      train_ratio_median_of_rounds: perRoundRatios(row.label).length ? +median(perRoundRatios(row.label)).toFixed(2) : null,
    };
  });
const report = {
  bench: 'compare_torch',
  date: new Date().toISOString(),
  machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model ?? 'unknown', loadavg: os.loadavg().map((l) => +l.toFixed(1)) },
  shape: { batch: fullBatch, height: Number(a.height), width: Number(a.width), threads: Number(threads) },
  rows: table,
};
console.log(JSON.stringify(report));
if (a.markdown) {
  const lines = [
    '| engine | threads | train step (ms) | × PyTorch | × PyTorch within rounds (median) | × PyTorch 1 thread | greedy decode, 32 tokens (ms) | × PyTorch | × PyTorch 1 thread | ctc_greedy decode (ms) | × PyTorch greedy | × PyTorch ctc_greedy |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...table.map((t) =>
      `| ${t.label}${t.measured_batch !== fullBatch ? ` (batch ${t.measured_batch}, ×${fullBatch / t.measured_batch})` : ''} | ${t.threads ?? '-'} | ${t.train_step_ms} | ${t.train_ratio ?? '-'} | ${t.train_ratio_median_of_rounds ?? '-'} | ${t.train_ratio_vs_1_thread ?? '-'} | ${t.greedy_decode_batch_ms} | ${t.decode_ratio ?? '-'} | ${t.decode_ratio_vs_1_thread ?? '-'} | ${t.ctc_greedy_decode_batch_ms ?? '-'} | ${t.ctc_decode_ratio ?? '-'} | ${t.ctc_vs_torch_ctc_ratio ?? '-'} |`,
    ),
  ];
  console.error(lines.join('\n'));
}
