/** trainer.max_time stops a fit on the clock; the run still validates, saves last.ckpt and tests. */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { maxTimeSeconds } from '../../../model_package/training/config.js';
import { readCheckpoint } from '../../../model_package/checkpoint/checkpoint.js';
import { useTrainingBackend } from '../../helpers/tf.js';
import { tinyFit } from '../../helpers/tiny_run.js';

beforeAll(useTrainingBackend);

describe('trainer.max_time and test_after_fit', () => {
  it('parses Lightning-style durations', () => {
    expect(maxTimeSeconds('00:00:01')).toBe(1);
    expect(maxTimeSeconds('01:30:00')).toBe(5400);
    expect(maxTimeSeconds('02:00:00:05')).toBe(2 * 86400 + 5);
  });

  it('stops at the deadline mid-run, then validates, saves last.ckpt and tests the best checkpoint', async () => {
    // 1 s of wall clock against 1000 epochs: only the clock can stop this run.
    const { dir, model, cb, lines, trainer, metrics } = await tinyFit({
      trainer: { max_time: '00:00:01', max_epochs: 1000, test_after_fit: true },
    });
    expect(trainer.stopReason).toBe('max_time');
    expect(trainer.epoch).toBeLessThan(999);
    expect(trainer.globalStep).toBeGreaterThan(0);
    expect(lines.some((l) => /max_time 00:00:01 reached at step \d+/.test(l))).toBe(true);
    expect(existsSync(path.join(dir, 'checkpoints', 'last.ckpt'))).toBe(true);
    // Resume continues right after the last step taken, even part-way through an epoch.
    const { state } = await readCheckpoint(path.join(dir, 'checkpoints', 'last.ckpt'));
    expect(state.globalStep).toBe(trainer.globalStep);
    expect(state.resume.epoch * trainer.stepsPerEpoch + state.resume.batch).toBe(trainer.globalStep);
    // The test split ran after fit, on the best checkpoint, with its own metrics and hook.
    expect(lines.some((l) => /^Testing epoch=.*\.ckpt on the test split$/.test(l))).toBe(true);
    expect(cb.events.at(-2)).toBe('test');
    expect(Object.keys(metrics)).toEqual(expect.arrayContaining(['test/cer', 'test/wer', 'test/loss']));
    expect(cb.testMetrics?.['test/cer']).toBe(metrics['test/cer']);
    model.dispose();
  });
});
