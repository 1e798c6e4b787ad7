/**
 * Overfit-one-batch benchmark: the default ResnetTransformer trains on one fixed batch
 * of 16 synthetic lines (SyntheticLines, handwriting fonts; --data BitmapLines for the
 * bitmap-font set) through the real Trainer (overfit_batches=1) until greedy decoding
 * of that batch has CER 0. Records the optimizer steps and wall time it took.
 *
 *   npx tsx bench/overfit_one_batch.ts --json
 *   npx tsx bench/overfit_one_batch.ts --accelerator cpu --data BitmapLines --max-steps 300
 *
 * Goal (issue 5): CER 0 within 200 steps and 3 minutes on the 2-core CI machine.
 * wall time includes the periodic validation decodes (every --check-every steps).
 */
import { parseArgs } from 'node:util';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { initBackend, type Accelerator } from '../model_package/backend/index.js';
import { getDataEntry } from '../model_package/data/registry.js';
import { ResnetTransformer, ResnetTransformerConfig } from '../model_package/models/resnet_transformer.js';
import {
  CheckpointConfig,
  EarlyStoppingConfig,
  LrSchedulerConfig,
  OptimizerConfig,
  TrainerConfig,
} from '../model_package/training/config.js';
import { Trainer } from '../model_package/training/trainer.js';
import type { Callback } from '../model_package/training/callback.js';

const { values: a } = parseArgs({
  options: {
    data: { type: 'string', default: 'SyntheticLines' },
    batch: { type: 'string', default: '16' },
    'max-length': { type: 'string', default: '30' },
    'max-steps': { type: 'string', default: '400' },
    'check-every': { type: 'string', default: '10' },
    lr: { type: 'string', default: '0.003' },
    accelerator: { type: 'string', default: 'wasm' },
    threads: { type: 'string', default: '0' },
    seed: { type: 'string', default: '0' },
    json: { type: 'boolean', default: false },
  },
});
const num = (k: keyof typeof a): number => Number(a[k]);
const say = a.json ? (_: string) => {} : (m: string) => console.error(m);

const backend = await initBackend({ accelerator: a.accelerator as Accelerator, numThreads: num('threads'), log: say });
const batch = num('batch');
const dataName = a.data as string;
const dataOptions: Record<string, unknown> = { batch_size: batch, num_train: batch, num_val: 1, num_test: 1, max_length: num('max-length') };
if (dataName === 'BitmapLines') Object.assign(dataOptions, { width: 256, alphabet: '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ .,', max_length: Math.min(20, num('max-length')), num_val: 1, num_test: 1 });
const entry = getDataEntry(dataName);
const data = entry.create(entry.schema.parse(dataOptions));
await data.prepareData();
await data.setup('fit');
const model = new ResnetTransformer(ResnetTransformerConfig.parse({ seed: num('seed') }), data.dataConfig());

const checkEvery = num('check-every');
const maxSteps = num('max-steps');
const curve: Array<{ step: number; seconds: number; loss: number; val_loss: number; cer: number }> = [];
let reached: { step: number; seconds: number } | undefined;
let t0 = 0;
const recorder: Callback = {
  onFitStart() {
    t0 = performance.now();
  },
  onValidationEnd(t, info) {
    const seconds = (performance.now() - t0) / 1000;
    const cer = info.metrics['val/cer'] ?? Number.NaN;
    const valLoss = info.metrics['val/loss'] ?? Number.NaN;
    curve.push({ step: t.globalStep, seconds: round(seconds), loss: round(t.metrics['train/loss'] ?? Number.NaN), val_loss: round(valLoss), cer: round(cer) });
    say(`step ${t.globalStep}  ${seconds.toFixed(1)} s  loss ${t.metrics['train/loss']?.toFixed(4)}  eval-mode loss ${valLoss.toFixed(4)}  cer ${cer.toFixed(4)}`);
    if (process.env.OVERFIT_SHOW) for (const p of info.predictions.slice(0, 3)) say(`  "${p.groundTruth}" -> "${p.prediction}"`);
    if (cer === 0 && !reached) {
      reached = { step: t.globalStep, seconds: round(seconds) };
      t.shouldStop = true;
    }
  },
};

const trainer = new Trainer({
  // One batch per epoch, so epochs are steps; validation decodes the same batch.
  trainer: TrainerConfig.parse({
    max_epochs: maxSteps,
    overfit_batches: 1,
    check_val_every_n_epoch: checkEvery,
    num_sanity_val_steps: 0,
    enable_progress_bar: false,
  }),
  optimizer: OptimizerConfig.parse({ lr: num('lr') }),
  lr_scheduler: LrSchedulerConfig.parse({}),
  checkpoint: CheckpointConfig.parse({ dirpath: mkdtempSync(path.join(tmpdir(), 'overfit-bench-')), save_top_k: 0, save_last: false }),
  early_stopping: EarlyStoppingConfig.parse({}),
  seed: num('seed'),
  resolvedConfig: {},
  callbacks: [recorder],
  log: () => {},
});
await trainer.fit(model, data);
const wall = (performance.now() - t0) / 1000;

const result = {
  bench: 'overfit_one_batch',
  date: new Date().toISOString(),
  data: dataName,
  lines: batch,
  input: data.dataConfig().inputDims,
  max_label_tokens: data.dataConfig().outputDims[0],
  parameters: model.numParameters(),
  accelerator: backend.name,
  threads: backend.threads ?? null,
  lr: num('lr'),
  reached_cer0: reached !== undefined,
  steps_to_cer0: reached?.step ?? null,
  seconds_to_cer0: reached?.seconds ?? null,
  steps_run: trainer.globalStep,
  wall_seconds: round(wall),
  ms_per_step_incl_checks: round((wall * 1000) / Math.max(1, trainer.globalStep)),
  goal: { steps: 200, seconds: 180 },
  curve,
};
console.log(a.json ? JSON.stringify(result) : JSON.stringify(result, null, 2));
model.dispose();

function round(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}
