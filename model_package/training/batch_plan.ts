/**
 * How many batches each loop runs, from the Trainer's limit_* / fast_dev_run /
 * overfit_batches / accumulate options. A limit is a fraction of the loader when
 * <= 1 (1 = all of it) and a batch count when > 1, as in Lightning (which tells
 * 1.0 from 1 by type; here 1 always means "all").
 */
import * as tf from '@tensorflow/tfjs-core';
import { htrError } from '../errors.js';
import type { Batch } from '../core/data_types.js';
import type { TrainerConfig } from './config.js';
import { PAD_INDEX } from '../core/tokenizer.js';

export function limitBatches(available: number, limit: number): number {
  if (limit <= 1) return limit === 1 ? available : Math.floor(available * limit);
  return Math.min(available, Math.floor(limit));
}

/** N for fast_dev_run (true = 1), 0 when off. */
export function fastDevRunBatches(config: TrainerConfig): number {
  const f = config.fast_dev_run;
  return f === true ? 1 : f === false ? 0 : f;
}

export interface FitPlan {
  readonly trainBatches: number;
  readonly stepsPerEpoch: number;
  readonly maxEpochs: number;
  readonly maxSteps: number;
  /** Optimizer steps of the whole fit, when bounded. */
  readonly totalSteps: number | undefined;
  /** Validate after every this many train batches within an epoch. */
  readonly valEvery: number;
}

export function planFit(config: TrainerConfig, trainAvailable: number): FitPlan {
  const dev = fastDevRunBatches(config);
  let trainBatches: number;
  if (config.overfit_batches > 0) trainBatches = Math.min(config.overfit_batches, trainAvailable);
  else trainBatches = limitBatches(trainAvailable, config.limit_train_batches);
  if (dev > 0) trainBatches = Math.min(dev, trainAvailable);
  if (trainBatches < 1) {
    throw htrError('HTR_ERR_CONFIG_INVALID', {
      key: 'trainer.limit_train_batches',
      reason: `leaves no train batches (the loader has ${trainAvailable})`,
    });
  }
  const stepsPerEpoch = Math.ceil(trainBatches / config.accumulate_grad_batches);
  const maxEpochs = dev > 0 ? 1 : config.max_epochs < 0 ? Number.POSITIVE_INFINITY : config.max_epochs;
  const maxSteps = dev > 0 || config.max_steps < 0 ? Number.POSITIVE_INFINITY : config.max_steps;
  const byEpochs = maxEpochs * stepsPerEpoch;
  const total = Math.min(byEpochs, maxSteps);
  const interval = config.val_check_interval;
  const valEvery = interval <= 1 ? Math.max(1, Math.floor(interval * trainBatches)) : Math.floor(interval);
  return {
    trainBatches,
    stepsPerEpoch,
    maxEpochs,
    maxSteps,
    totalSteps: Number.isFinite(total) ? total : undefined,
    valEvery,
  };
}

/** Batches of an eval loop (validation, test). `dev` > 0 caps it at fast_dev_run's N. */
export function evalBatches(available: number, limit: number, dev: number): number {
  return dev > 0 ? Math.min(dev, available) : limitBatches(available, limit);
}

/** Label columns up to the last non-padding token of any row (at least 2: <S> and one target). */
export function usedLabelColumns(batch: Batch): number {
  let used = 2;
  for (let r = 0; r < batch.batchSize; r++) {
    const row = batch.y.subarray(r * batch.seqLength, (r + 1) * batch.seqLength);
    let last = row.length - 1;
    while (last >= used && row[last] === PAD_INDEX) last--;
    used = Math.max(used, last + 1);
  }
  return Math.min(used, batch.seqLength);
}

/**
 * NHWC images and int32 labels of a batch; the caller disposes both. With
 * `trimPadding` the labels stop at the batch's longest label: when the loss
 * ignores padding targets this changes nothing (the decoder is causal) but
 * spares the decoder up to max_length positions of padding on short-line batches.
 */
export function batchTensors(batch: Batch, opts: { trimPadding?: boolean } = {}): { x: tf.Tensor4D; y: tf.Tensor2D } {
  const x = tf.tensor4d(batch.x, [batch.batchSize, batch.height, batch.width, 1], 'float32');
  const cols = opts.trimPadding ? usedLabelColumns(batch) : batch.seqLength;
  if (cols === batch.seqLength) return { x, y: tf.tensor2d(batch.y, [batch.batchSize, batch.seqLength], 'int32') };
  const trimmed = new Int32Array(batch.batchSize * cols);
  for (let r = 0; r < batch.batchSize; r++) trimmed.set(batch.y.subarray(r * batch.seqLength, r * batch.seqLength + cols), r * cols);
  return { x, y: tf.tensor2d(trimmed, [batch.batchSize, cols], 'int32') };
}

/** At most `n` batches of `source`, as an async iterable. */
export async function* take(source: AsyncIterable<Batch>, n: number): AsyncGenerator<Batch> {
  if (n <= 0) return;
  let i = 0;
  for await (const b of source) {
    yield b;
    if (++i >= n) return;
  }
}
