/**
 * Learning benchmark: the main job (configs/synthetic_lines.yaml) trained for a
 * wall-clock budget on one backend, through the real CLI, then its best checkpoint
 * tested in each decode mode on the held-out fonts and text. Writes JSON: backend,
 * steps, steps/s, validation CER by step, test CER and WER per decode mode, times.
 * A mode `M+lm` (ctc_beam+lm) builds a character language model from the config's
 * training split (`run_experiment lm`) and decodes in mode M with it, --lm-beam beams.
 *
 *   npx tsx bench/learning.ts --minutes 30 --accelerator native --out bench/results/learning_native.json
 *   npx tsx bench/learning.ts --minutes 30 --accelerator wasm --out bench/results/learning_wasm.json
 *
 * SyntheticLines is synthetic handwriting (fonts), not IAM: never quote it as an IAM result.
 * bench:args --minutes 2 --modes ctc_greedy --test-batches 4
 */
import { mkdtempSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { RUN_FILES } from '../model_package/loggers/run_dir.js';
import { runTsx, unattendedRunFlags } from './lib/run_script.js';
import { benchHeader, emitResult } from './lib/emit.js';
import { readProgress } from './lib/run_progress.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values: a } = parseArgs({
  options: {
    minutes: { type: 'string', default: '30' },
    accelerator: { type: 'string', default: 'native' },
    config: { type: 'string', default: 'configs/synthetic_lines.yaml' },
    modes: { type: 'string', default: 'ctc_greedy,greedy,joint,ctc_beam+lm' },
    'test-batches': { type: 'string', default: '1' },
    // Attention-only decoding loops on an undertrained model and is slow: these modes (and ctc_greedy beside
    // them, for a like-for-like number) run on the first --test-batches batches; the others on all of them.
    'sampled-modes': { type: 'string', default: 'greedy,beam' },
    'lm-beam': { type: 'string', default: '8' },
    'run-dir': { type: 'string' },
    out: { type: 'string' },
  },
});

const minutes = Number(a.minutes);
const hms = (m: number) => [Math.floor(m / 60), Math.floor(m % 60), Math.round((m * 60) % 60)].map((v) => String(v).padStart(2, '0')).join(':');
const common = unattendedRunFlags(a.accelerator as string);
const say = (m: string) => process.stderr.write(`[learning] ${m}\n`);

/** The checkpoint with the lowest val_cer in its name (ModelCheckpoint's template), else last.ckpt. */
function bestCheckpoint(dir: string): string {
  const ranked = readdirSync(dir)
    .map((f) => ({ f, cer: Number(/val_cer=([\d.]+)\.ckpt$/.exec(f)?.[1] ?? Number.NaN) }))
    .filter((c) => Number.isFinite(c.cer))
    .sort((x, y) => x.cer - y.cer);
  return path.join(dir, ranked[0]?.f ?? 'last.ckpt');
}

/** The fit's run directory: given (re-test an earlier run) or trained now. */
async function fit(): Promise<{ runDir: string; seconds: number | null }> {
  if (a['run-dir']) return { runDir: a['run-dir'], seconds: null };
  const root = mkdtempSync(path.join(os.tmpdir(), 'htr-learning-'));
  say(`fit ${a.config} for ${hms(minutes)} on ${a.accelerator} (runs under ${root})`);
  const run = await runTsx(ROOT, 'training/run_experiment.ts', ['fit', '--config', a.config as string, ...common, `--trainer.max_time=${hms(minutes)}`, `--trainer.default_root_dir=${root}`]);
  if (run.code !== 0) throw new Error(`fit failed (${run.code}):\n${run.stderr.slice(-3000)}`);
  const m = /\[run\] (\S+)/.exec(run.stderr);
  if (!m) throw new Error('fit printed no run directory');
  return { runDir: m[1] as string, seconds: run.seconds };
}

const { runDir, seconds: fitSeconds } = await fit();
const { steps, trainSeconds, valCurve } = readProgress(runDir);
const best = bestCheckpoint(path.join(runDir, RUN_FILES.checkpoints));

/** The language model of the `+lm` modes: built once from the config's training split, beside the run. */
let lmFile: string | undefined;
async function languageModel(): Promise<string> {
  if (lmFile) return lmFile;
  const file = path.join(runDir, 'lm.json');
  say(`build the language model from the training split of ${a.config}`);
  const run = await runTsx(ROOT, 'training/run_experiment.ts', ['lm', '--config', a.config as string, '--out', file]);
  if (run.code !== 0) throw new Error(`lm failed (${run.code}):\n${run.stderr.slice(-3000)}`);
  return (lmFile = file);
}

type TestResult = { cer: number; wer: number; seconds: number; test_batches: number | 'all'; beam_width?: number };
async function testBest(mode: string, batches: number | 'all'): Promise<TestResult> {
  say(`test ${path.basename(best)} with decoding=${mode} on ${batches} test batches`);
  const limit = batches === 'all' ? [] : [`--trainer.limit_test_batches=${batches}`];
  const [decoding, lm] = mode.split('+');
  const lmFlags = lm === 'lm' ? [`--trainer.lm=${await languageModel()}`, `--trainer.beam_width=${a['lm-beam']}`] : [];
  const run = await runTsx(ROOT, 'training/run_experiment.ts', ['test', '--ckpt_path', best, ...common, `--trainer.decoding=${decoding}`, ...lmFlags, `--trainer.default_root_dir=${mkdtempSync(path.join(os.tmpdir(), 'htr-learning-test-'))}`, ...limit]);
  const out = Object.fromEntries(run.stdout.trim().split('\n').map((l) => l.split('\t')).filter((p) => p.length === 2).map(([k, v]) => [k, Number(v)]));
  if (run.code !== 0 || out['test/cer'] === undefined) throw new Error(`test (${mode}) failed:\n${run.stderr.slice(-3000)}`);
  return { cer: out['test/cer'] as number, wer: out['test/wer'] as number, seconds: Math.round(run.seconds), test_batches: batches, ...(lmFlags.length ? { beam_width: Number(a['lm-beam']) } : {}) };
}

const sampled = new Set(String(a['sampled-modes']).split(','));
const modes = String(a.modes).split(',');
const tests: Record<string, TestResult> = {};
for (const mode of modes) tests[mode] = await testBest(mode, sampled.has(mode) ? Number(a['test-batches']) : 'all');
if (modes.some((m) => sampled.has(m))) tests[`ctc_greedy_first_${a['test-batches']}_batches`] = await testBest('ctc_greedy', Number(a['test-batches']));

emitResult({
  ...benchHeader('learning'),
  config: a.config,
  data: 'SyntheticLines (synthetic handwriting fonts; test = held-out fonts and held-out text, not IAM)',
  accelerator: a.accelerator,
  budget_minutes: minutes,
  run_dir: runDir,
  steps,
  steps_per_second: trainSeconds ? Math.round((steps / trainSeconds) * 1000) / 1000 : null,
  fit_wall_seconds: fitSeconds === null ? null : Math.round(fitSeconds),
  val_curve: valCurve,
  test_cer_by_decoding: tests,
}, a.out);
