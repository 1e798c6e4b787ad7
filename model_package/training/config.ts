/**
 * Schemas of the trainer-side config sections. Defaults live here; the CLI derives
 * validation and --help from them. Keys are snake_case like Lightning's.
 */
import { z } from 'zod';
import { LM_SETTINGS } from '../lm/settings.js';
import { DECODING_CHOICES } from '../models/decoding/index.js';

export const ACCELERATORS = ['auto', 'gpu', 'native', 'wasm', 'cpu'] as const;

export const TrainerConfig = z.strictObject({
  accelerator: z.enum(ACCELERATORS).default('auto').describe('tensor backend; auto tries gpu, native, wasm, cpu in order'),
  num_threads: z.number().int().min(0).default(0).describe('wasm threads (0 = measured default)'),
  max_epochs: z.number().int().min(-1).default(10).describe('stop after this many epochs (-1 = no limit)'),
  max_steps: z.number().int().min(-1).default(-1).describe('stop after this many optimizer steps (-1 = no limit)'),
  max_time: z
    .string()
    .regex(/^(\d+:)?\d+:\d{2}:\d{2}$/, 'must be "HH:MM:SS" or "DD:HH:MM:SS"')
    .nullable()
    .default(null)
    .describe('stop training after this wall-clock time, "HH:MM:SS" or "DD:HH:MM:SS" as Lightning (null = no limit); the run still validates, checkpoints and tests'),
  test_after_fit: z.boolean().default(true).describe('after fit, test the best checkpoint (else the last weights) on the test split and print test/cer and test/wer'),
  accumulate_grad_batches: z.number().int().positive().default(1).describe('batches per optimizer step'),
  gradient_clip_val: z.number().min(0).default(0).describe('clip the global gradient norm to this (0 = off)'),
  check_val_every_n_epoch: z.number().int().positive().default(1).describe('validate every N epochs'),
  val_check_interval: z.number().positive().default(1).describe('validate every fraction (<=1) or N batches (>1) of an epoch'),
  limit_train_batches: z.number().positive().default(1).describe('fraction (<=1) or count (>1) of train batches per epoch'),
  limit_val_batches: z.number().min(0).default(1).describe('fraction (<=1) or count (>1) of val batches'),
  limit_test_batches: z.number().min(0).default(1).describe('fraction (<=1) or count (>1) of test batches'),
  num_sanity_val_steps: z.number().int().min(0).default(2).describe('val batches run before training'),
  fast_dev_run: z.union([z.boolean(), z.number().int().min(0)]).default(false).describe('run N (true = 1) train/val/test batches, no checkpoints'),
  overfit_batches: z.number().int().min(0).default(0).describe('train and validate on the same N fixed train batches'),
  log_every_n_steps: z.number().int().positive().default(10).describe('how often to log train metrics'),
  enable_progress_bar: z.boolean().default(true).describe('show the live progress line'),
  default_root_dir: z.string().default('runs').describe('where run directories go'),
  precision: z.literal(32).default(32).describe('float precision (32 only)'),
  ignore_pad: z
    .boolean()
    .default(false)
    .describe('leave <P> targets out of the loss (default false: the seed trained on them too, so the model also learns to pad after <E>)'),
  decoding: z.enum(DECODING_CHOICES).default('auto')
    .describe('decode mode of validation and test CER/WER: auto (ctc_greedy with a CTC head, else greedy), greedy, beam, ctc_greedy, ctc_beam or joint'),
  beam_width: z.number().int().min(1).default(5).describe('beams per line for the beam decode modes'),
  joint_ctc_weight: z.number().min(0).max(1).nullable().default(null)
    .describe("CTC share w of the joint decode score w·log p_ctc + (1−w)·log p_att (null: the model's default, see docs/model.md)"),
  ...LM_SETTINGS,
  num_predictions: z.number().int().min(0).default(32).describe('decoded validation/test samples handed to loggers and callbacks per pass'),
});
export type TrainerConfig = z.infer<typeof TrainerConfig>;

export const OptimizerConfig = z.strictObject({
  name: z.enum(['Adam', 'AdamW']).default('Adam').describe('optimizer class'),
  lr: z.number().positive().default(1e-3).describe('learning rate'),
  weight_decay: z.number().min(0).default(0).describe('L2 (Adam) or decoupled (AdamW) weight decay'),
  betas: z.tuple([z.number(), z.number()]).default([0.9, 0.999]).describe('Adam betas'),
  eps: z.number().positive().default(1e-8).describe('Adam epsilon'),
});
export type OptimizerConfig = z.infer<typeof OptimizerConfig>;

export const LrSchedulerConfig = z.strictObject({
  name: z.enum(['none', 'OneCycleLR', 'CosineWarmup']).default('none').describe('learning-rate schedule'),
  max_lr: z.number().positive().optional().describe('peak lr for OneCycleLR (default optimizer.lr)'),
  warmup_steps: z.number().int().min(0).default(0).describe('linear warm-up steps (CosineWarmup)'),
  pct_start: z.number().min(0).max(1).default(0.3).describe('fraction of steps rising (OneCycleLR)'),
  min_lr: z.number().min(0).default(0).describe('final lr (CosineWarmup)'),
  div_factor: z.number().positive().default(25).describe('OneCycleLR starts at max_lr / div_factor'),
  final_div_factor: z.number().positive().default(1e4).describe('OneCycleLR ends at max_lr / div_factor / final_div_factor'),
});
export type LrSchedulerConfig = z.infer<typeof LrSchedulerConfig>;

export const CheckpointConfig = z.strictObject({
  dirpath: z.string().optional().describe('where checkpoints go (default <run dir>/checkpoints)'),
  filename: z.string().default('epoch={epoch}-step={step}-{monitor}={value}').describe('file name template'),
  monitor: z.string().default('val/cer').describe('metric that ranks checkpoints'),
  mode: z.enum(['min', 'max']).default('min').describe('whether lower or higher is better'),
  save_top_k: z.number().int().min(-1).default(1).describe('best checkpoints to keep (-1 = all)'),
  save_last: z.boolean().default(true).describe('also keep last.ckpt'),
  every_n_epochs: z.number().int().min(1).default(1).describe('save every N epochs'),
  every_n_train_steps: z.number().int().min(0).default(0).describe('also save last.ckpt every N optimizer steps, with the mid-epoch position to resume from (0 = only at epoch ends)'),
});
export type CheckpointConfig = z.infer<typeof CheckpointConfig>;

export const EarlyStoppingConfig = z.strictObject({
  monitor: z.string().default('val/cer').describe('metric to watch'),
  mode: z.enum(['min', 'max']).default('min').describe('whether lower or higher is better'),
  patience: z.number().int().min(0).default(0).describe('validations without improvement before stopping (0 = off)'),
  min_delta: z.number().min(0).default(0).describe('smallest change that counts as improvement'),
});
export type EarlyStoppingConfig = z.infer<typeof EarlyStoppingConfig>;

/** Seconds of a max_time string ("HH:MM:SS" or "DD:HH:MM:SS"). */
export function maxTimeSeconds(value: string): number {
  const parts = value.split(':').map(Number);
  const [d, h, m, s] = parts.length === 4 ? parts : [0, ...parts];
  return (((d as number) * 24 + (h as number)) * 60 + (m as number)) * 60 + (s as number);
}
