/** fit --ckpt_path continues exactly: split runs end with the same weights as a straight run. */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readCheckpoint } from '../../../model_package/checkpoint/checkpoint.js';
import { Trainer } from '../../../model_package/training/trainer.js';
import { RecordingCallback } from '../../helpers/recorders.js';
import { maxAbsDiff, snapshot, useTrainingBackend } from '../../helpers/tf.js';
import { tinyData, tinyModel, trainerOptions } from '../../helpers/tiny_run.js';

beforeAll(useTrainingBackend);

// Epochs of 2 batches; AdamW with decay and clipping, so every piece of optimizer
// state matters for an exact resume.
const SECTIONS = (maxEpochs: number, schedule: 'none' | 'CosineWarmup' = 'none') => ({
  trainer: { max_epochs: maxEpochs, gradient_clip_val: 1 },
  optimizer: { name: 'AdamW' as const, lr: 3e-3, weight_decay: 0.01 },
  lr_scheduler: { name: schedule, warmup_steps: 2 },
  checkpoint: { save_top_k: -1 },
});

async function straightRun(data: Awaited<ReturnType<typeof tinyData>>, schedule: 'none' | 'CosineWarmup', epochs = 4) {
  const model = tinyModel(data);
  const cb = new RecordingCallback();
  await new Trainer(trainerOptions(mkdtempSync(path.join(tmpdir(), 'htr-straight-')), SECTIONS(epochs, schedule), { callbacks: [cb] })).fit(model, data);
  return { model, cb };
}

describe('resume from checkpoint', () => {
  it('4 epochs straight == max_epochs=2, then fit --ckpt_path last.ckpt with max_epochs=4', async () => {
    const data = await tinyData({ num_train: 8, num_val: 4 });
    const straight = await straightRun(data, 'none');

    const dir = mkdtempSync(path.join(tmpdir(), 'htr-split-'));
    const first = tinyModel(data);
    const t1 = new Trainer(trainerOptions(dir, SECTIONS(2)));
    await t1.fit(first, data);
    expect(t1.globalStep).toBe(4);
    expect(t1.stopReason).toBe('max_epochs');
    const last = path.join(dir, 'checkpoints', 'last.ckpt');
    const ckpt = await readCheckpoint(last);
    expect(ckpt.state.resume).toEqual({ epoch: 2, batch: 0 });
    expect(ckpt.state.optimizer?.step).toBe(4);
    expect(ckpt.optimizer.size).toBe(2 * first.namedParameters().length);
    first.dispose();

    const second = tinyModel(data, { seed: 99 }); // different init: everything must come from the file
    const cb = new RecordingCallback();
    const t2 = new Trainer(trainerOptions(dir, SECTIONS(4), { callbacks: [cb] }));
    await t2.fit(second, data, { ckptPath: last });
    expect(t2.globalStep).toBe(8);
    expect(cb.trainBatches.map((b) => b.epoch)).toEqual([2, 2, 3, 3]);
    // Same batches in the same order as the straight run's last two epochs.
    expect(cb.trainBatches.map((b) => b.ids)).toEqual(straight.cb.trainBatches.slice(4).map((b) => b.ids));
    expect(maxAbsDiff(snapshot(straight.model), snapshot(second))).toBeLessThan(1e-5);
    expect(t2.metrics['val/loss']).toBeCloseTo(straight.cb.validations.at(-1)!.metrics['val/loss']!, 4);
    straight.model.dispose();
    second.dispose();
  });

  it('restores the LR schedule position too (CosineWarmup over the whole fit)', async () => {
    const data = await tinyData({ num_train: 8, num_val: 4 });
    const straight = await straightRun(data, 'CosineWarmup');
    const dir = mkdtempSync(path.join(tmpdir(), 'htr-sched-'));
    const first = tinyModel(data);
    const stopper = new RecordingCallback();
    stopper.onBatch = (t) => {
      if (t.globalStep === 4) t.shouldStop = true; // stop after epoch 2 of a 4-epoch schedule
    };
    await new Trainer(trainerOptions(dir, SECTIONS(4, 'CosineWarmup'), { callbacks: [stopper] })).fit(first, data);
    first.dispose();
    const second = tinyModel(data);
    await new Trainer(trainerOptions(dir, SECTIONS(4, 'CosineWarmup'))).fit(second, data, { ckptPath: path.join(dir, 'checkpoints', 'last.ckpt') });
    expect(maxAbsDiff(snapshot(straight.model), snapshot(second))).toBeLessThan(1e-5);
    straight.model.dispose();
    second.dispose();
  });

  it('Ctrl-C mid-epoch saves last.ckpt at that batch, and resuming matches a straight run', async () => {
    const data = await tinyData({ num_train: 12, num_val: 4 });
    const sections = { trainer: { max_epochs: 2 }, checkpoint: { save_top_k: 0, save_last: false } };
    const straight = tinyModel(data);
    await new Trainer(trainerOptions(mkdtempSync(path.join(tmpdir(), 'htr-s-')), sections)).fit(straight, data);

    const dir = mkdtempSync(path.join(tmpdir(), 'htr-int-'));
    const model = tinyModel(data);
    const cb = new RecordingCallback();
    cb.onBatch = (t, batchIndex) => {
      if (t.epoch === 0 && batchIndex === 1) process.emit('SIGINT');
    };
    const lines: string[] = [];
    const t1 = new Trainer(trainerOptions(dir, sections, { callbacks: [cb], log: (l) => lines.push(l) }));
    await t1.fit(model, data);
    expect(cb.status).toBe('interrupted');
    expect(t1.globalStep).toBe(2); // the step in flight finished, then it stopped
    expect(process.listenerCount('SIGINT')).toBe(0);
    const last = path.join(dir, 'checkpoints', 'last.ckpt');
    expect(existsSync(last)).toBe(true);
    expect((await readCheckpoint(last)).state.resume).toEqual({ epoch: 0, batch: 2 });
    expect(lines.some((l) => l.startsWith('Interrupted'))).toBe(true);

    const resumed = tinyModel(data);
    const cb2 = new RecordingCallback();
    await new Trainer(trainerOptions(dir, sections, { callbacks: [cb2] })).fit(resumed, data, { ckptPath: last });
    expect(cb2.trainBatches.map((b) => `${b.epoch}:${b.batchIndex}`)).toEqual(['0:2', '1:0', '1:1', '1:2']);
    expect(maxAbsDiff(snapshot(straight), snapshot(resumed))).toBeLessThan(1e-5);
    [straight, model, resumed].forEach((m) => m.dispose());
  });

  it('checkpoint.every_n_train_steps: a crash mid-epoch resumes from last.ckpt at the step it was saved', async () => {
    const data = await tinyData(); // 4 batches per epoch
    const straight = await straightRun(data, 'none', 2);

    const dir = mkdtempSync(path.join(tmpdir(), 'htr-steps-'));
    const crashing = tinyModel(data);
    const crash = new RecordingCallback();
    crash.onBatch = (t) => {
      if (t.globalStep === 7) throw new Error('simulated crash after step 7');
    };
    const sections = { ...SECTIONS(2), checkpoint: { save_top_k: 0, every_n_train_steps: 3 } };
    await expect(new Trainer(trainerOptions(dir, sections, { callbacks: [crash] })).fit(crashing, data)).rejects.toThrow(/simulated crash/);
    crashing.dispose();
    const last = path.join(dir, 'checkpoints', 'last.ckpt');
    const ckpt = await readCheckpoint(last);
    // Saved at step 6, the second batch of epoch 1: at most N steps were lost.
    expect(ckpt.state.globalStep).toBe(6);
    expect(ckpt.state.resume).toEqual({ epoch: 1, batch: 2 });

    const resumed = tinyModel(data, { seed: 99 });
    const cb = new RecordingCallback();
    const t2 = new Trainer(trainerOptions(dir, SECTIONS(2), { callbacks: [cb] }));
    await t2.fit(resumed, data, { ckptPath: last });
    expect(t2.globalStep).toBe(8);
    expect(cb.trainBatches.map((b) => [b.epoch, b.batchIndex])).toEqual([[1, 2], [1, 3]]);
    expect(cb.trainBatches.map((b) => b.ids)).toEqual(straight.cb.trainBatches.slice(6).map((b) => b.ids));
    expect(maxAbsDiff(snapshot(straight.model), snapshot(resumed))).toBeLessThan(1e-5);
    straight.model.dispose();
    resumed.dispose();
  });
});
