/**
 * A tiny but real setup for trainer tests: BitmapLines digits and a ResnetTransformer
 * small enough that a training step takes milliseconds on the cpu backend.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { BitmapLines, BitmapLinesConfig } from '../../model_package/data/synthetic/bitmap_lines.js';
import { ResnetTransformer, ResnetTransformerConfig } from '../../model_package/models/resnet_transformer.js';
import {
  CheckpointConfig,
  EarlyStoppingConfig,
  LrSchedulerConfig,
  OptimizerConfig,
  TrainerConfig,
} from '../../model_package/training/config.js';
import { Trainer, type TrainerOptions } from '../../model_package/training/trainer.js';
import { RecordingCallback, RecordingLogger } from './recorders.js';

export const TINY_MODEL = {
  // One stage and a 3x3 stem: tfjs-cpu's conv filter gradient dominates step time.
  stem_kernel: 3,
  stem_channels: 4,
  stages: [{ channels: 16, stride: [4, 4], blocks: 1 }],
  tf_dim: 16,
  tf_fc_dim: 32,
  tf_nhead: 2,
  tf_layers: 1,
} as const;

export async function tinyData(overrides: Partial<BitmapLinesConfig> = {}): Promise<BitmapLines> {
  const data = new BitmapLines(
    BitmapLinesConfig.parse({
      alphabet: '0123456789',
      height: 16,
      width: 32,
      min_length: 1,
      max_length: 2,
      min_scale: 2,
      max_scale: 2,
      num_train: 16,
      num_val: 8,
      num_test: 8,
      batch_size: 4,
      ...overrides,
    }),
  );
  await data.prepareData();
  await data.setup('fit');
  return data;
}

export function tinyModel(data: BitmapLines, overrides: Partial<ResnetTransformerConfig> = {}): ResnetTransformer {
  return new ResnetTransformer(ResnetTransformerConfig.parse({ ...TINY_MODEL, seed: 1, ...overrides }), data.dataConfig());
}

/** Config sections for trainerOptions, each merged over its schema defaults. */
export interface TrainerSections {
  trainer?: Partial<TrainerConfig>;
  optimizer?: Partial<OptimizerConfig>;
  lr_scheduler?: Partial<LrSchedulerConfig>;
  checkpoint?: Partial<CheckpointConfig>;
  early_stopping?: Partial<EarlyStoppingConfig>;
}

/**
 * Trainer options with quiet defaults; sections merge over the schema defaults.
 * test_after_fit is off: tests that test call `trainer.test` themselves.
 */
export function trainerOptions(dir: string, sections: TrainerSections = {}, extra: Partial<TrainerOptions> = {}): TrainerOptions {
  const trainer = TrainerConfig.parse({ accelerator: 'cpu', enable_progress_bar: false, num_sanity_val_steps: 0, test_after_fit: false, default_root_dir: dir, ...sections.trainer });
  return {
    trainer,
    optimizer: OptimizerConfig.parse({ lr: 3e-3, ...sections.optimizer }),
    lr_scheduler: LrSchedulerConfig.parse({ ...sections.lr_scheduler }),
    checkpoint: CheckpointConfig.parse({ dirpath: `${dir}/checkpoints`, ...sections.checkpoint }),
    early_stopping: EarlyStoppingConfig.parse({ ...sections.early_stopping }),
    seed: 0,
    resolvedConfig: { model: { name: 'ResnetTransformer', ...TINY_MODEL, seed: 1 }, trainer },
    log: () => {},
    ...extra,
  };
}

/**
 * Fits a fresh tiny model on the default tiny data (16 train lines in batches of
 * 4, 8 val lines) in a new temp dir, with a recording callback, logger and log.
 */
export async function tinyFit(sections: TrainerSections = {}, extra: Partial<TrainerOptions> = {}) {
  const dir = mkdtempSync(path.join(tmpdir(), 'htr-fit-'));
  const data = await tinyData();
  const model = tinyModel(data);
  const cb = new RecordingCallback();
  const logger = new RecordingLogger();
  const lines: string[] = [];
  const trainer = new Trainer(trainerOptions(dir, sections, { callbacks: [cb], loggers: [logger], log: (l) => lines.push(l), ...extra }));
  const metrics = await trainer.fit(model, data);
  return { dir, data, model, cb, logger, lines, trainer, metrics };
}
