import { describe, expect, it } from 'vitest';
import { ProgressLine } from '../../../model_package/training/progress_line.js';
import { formatDurationUnits } from '../../../model_package/loggers/live_line.js';
import type { TrainerView } from '../../../model_package/training/callback.js';

describe('ProgressLine', () => {
  it('formats durations for the ETA', () => {
    expect(formatDurationUnits(5.4)).toBe('5s');
    expect(formatDurationUnits(133)).toBe('2m13s');
    expect(formatDurationUnits(3 * 3600 + 7 * 60)).toBe('3h07m');
  });

  it('prints epoch, step of total, loss, val/cer and lr, and stays silent when disabled', () => {
    const view: TrainerView = {
      epoch: 3, globalStep: 120, stepsPerEpoch: 40, totalSteps: 400, lr: 1e-3,
      metrics: { 'train/loss': 0.81234, 'val/cer': 0.21 }, runDir: undefined, shouldStop: false,
    };
    const lines: string[] = [];
    new ProgressLine(view, (l) => lines.push(l), true).update();
    expect(lines[0]).toMatch(/^epoch 3 \| step 120\/400 \| [\d.]+ step\/s \| loss 0\.8123 \| val\/cer 0\.2100 \| lr 1\.00e-3/);
    new ProgressLine(view, (l) => lines.push(l), false).update();
    expect(lines).toHaveLength(1);
  });
});
