/** Every TrainerConfig loop option changes what the loop does, as Lightning's would. */
import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readCheckpoint } from '../../../model_package/checkpoint/checkpoint.js';
import { Trainer } from '../../../model_package/training/trainer.js';
import { maxAbsDiff, snapshot, useTrainingBackend } from '../../helpers/tf.js';
import { tinyFit as fit, tinyModel, trainerOptions } from '../../helpers/tiny_run.js';

beforeAll(useTrainingBackend);

describe('Trainer options', () => {
  it('accumulate_grad_batches, max_steps, val_check_interval, log_every_n_steps, clipping, sanity steps', async () => {
    const r = await fit({
      trainer: {
        max_epochs: 10,
        max_steps: 3,
        accumulate_grad_batches: 3,
        val_check_interval: 0.5,
        log_every_n_steps: 2,
        gradient_clip_val: 0.5,
        num_sanity_val_steps: 1,
      },
    });
    // Epoch 0: batches 0-2 make step 1, the partial group [3] step 2; epoch 1 stops at step 3.
    expect(r.cb.trainBatches.map((b) => `${b.epoch}:${b.batchIndex}@${b.step}`)).toEqual([
      '0:0@0', '0:1@0', '0:2@1', '0:3@2', '1:0@2', '1:1@2', '1:2@3',
    ]);
    expect(r.trainer.globalStep).toBe(3);
    expect(r.trainer.stopReason).toBe('max_steps');
    expect(r.trainer.stepsPerEpoch).toBe(2);
    expect(r.trainer.totalSteps).toBe(3);
    // Validation every 2 batches (half an epoch) and at the end of each epoch.
    expect(r.cb.validations.map((v) => `${v.epoch}@${v.step}`)).toEqual(['0@0', '0@2', '1@2', '1@3']);
    expect(r.logger.series('train/loss').map(([step]) => step)).toEqual([2]);
    expect(r.logger.series('lr-Adam')).toEqual([[2, 3e-3]]);
    expect(r.metrics['train/grad_norm']).toBeGreaterThan(0);
    expect(r.lines.some((l) => l.startsWith('Sanity check on 1 val batch'))).toBe(true);
    r.model.dispose();
  });

  it('limit_train_batches, limit_val_batches and check_val_every_n_epoch', async () => {
    const r = await fit({ trainer: { max_epochs: 2, limit_train_batches: 0.5, limit_val_batches: 0.5, check_val_every_n_epoch: 2 } });
    expect(r.cb.trainBatches.map((b) => `${b.epoch}:${b.batchIndex}`)).toEqual(['0:0', '0:1', '1:0', '1:1']);
    expect(r.cb.validations.map((v) => v.epoch)).toEqual([1]);
    expect(r.cb.validations[0]?.predictionIds).toHaveLength(4); // one val batch of 4
    // Only the epoch with validation ranked a checkpoint; last.ckpt each due epoch.
    const files = readdirSync(path.join(r.dir, 'checkpoints')).sort();
    expect(files).toEqual([`epoch=1-step=4-val_cer=${r.metrics['val/cer']!.toFixed(4)}.ckpt`, 'last.ckpt']);
    // validate --ckpt_path: a fresh model with the best weights scores what fit measured.
    const fresh = tinyModel(r.data, { seed: 5 });
    const again = await new Trainer(trainerOptions(r.dir, { trainer: { limit_val_batches: 0.5 } })).validate(fresh, r.data, { ckptPath: r.trainer.bestModelPath! });
    expect(again['val/loss']).toBeCloseTo(r.metrics['val/loss']!, 5);
    expect(again['val/cer']).toBe(r.metrics['val/cer']);
    fresh.dispose();
    r.model.dispose();
  });

  it('early stopping stops after `patience` validations without improvement', async () => {
    const r = await fit({
      trainer: { max_epochs: 10, limit_train_batches: 0.25 },
      // No change can beat min_delta, so the second validation is the first without improvement.
      early_stopping: { monitor: 'val/loss', patience: 1, min_delta: 1e9 },
    });
    expect(r.cb.validations.map((v) => v.epoch)).toEqual([0, 1]);
    expect(r.trainer.stopReason).toMatch(/^early stopping: val\/loss did not improve for 1 validations/);
    expect(r.cb.status).toBe('success');
    r.model.dispose();
  });

  it('overfit_batches trains on the same fixed batches every epoch and validates on them', async () => {
    const r = await fit({ trainer: { max_epochs: 3, overfit_batches: 1 } });
    const ids = r.cb.trainBatches.map((b) => b.ids.join(','));
    expect(ids).toHaveLength(3);
    expect(new Set(ids).size).toBe(1);
    for (const v of r.cb.validations) expect(v.predictionIds.join(',')).toBe(ids[0]);
    expect(ids[0]).toMatch(/^bitmap-train-/);
    r.model.dispose();
  });

  it('save_top_k keeps the k best by monitor under the filename template, plus last.ckpt', async () => {
    const r = await fit({
      trainer: { max_epochs: 4, limit_train_batches: 0.25 },
      checkpoint: { monitor: 'val/loss', mode: 'min', save_top_k: 2, filename: 'e{epoch}-{val/loss}' },
    });
    const ranked = r.cb.validations.map((v) => ({ epoch: v.epoch, loss: v.metrics['val/loss']! })).sort((a, b) => a.loss - b.loss);
    const expected = ranked.slice(0, 2).map((x) => `e${x.epoch}-${x.loss.toFixed(4)}.ckpt`);
    expect(readdirSync(path.join(r.dir, 'checkpoints')).sort()).toEqual([...expected, 'last.ckpt'].sort());
    expect(path.basename(r.trainer.bestModelPath!)).toBe(expected[0]);
    const last = await readCheckpoint(path.join(r.dir, 'checkpoints', 'last.ckpt'));
    expect(last.state.epoch).toBe(3);
    expect(last.state.resume).toEqual({ epoch: 4, batch: 0 });
    r.model.dispose();
  });

  it('the same seed and config give bit-identical weights (seed_everything)', async () => {
    const sections = { trainer: { max_epochs: 2, limit_train_batches: 0.5, limit_val_batches: 0 } };
    const a = await fit(sections);
    const b = await fit(sections);
    expect(maxAbsDiff(snapshot(a.model), snapshot(b.model))).toBe(0);
    expect(a.cb.validations).toHaveLength(0); // limit_val_batches 0 disables validation
    a.model.dispose();
    b.model.dispose();
  });
});
