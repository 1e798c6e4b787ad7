import { describe, expect, it } from 'vitest';
import { ProgressCallback } from '../../../model_package/loggers/progress.js';
import { formatDuration } from '../../../model_package/loggers/live_line.js';
import type { TrainerView } from '../../../model_package/training/callback.js';

function sink(isTTY: boolean) {
  const out: string[] = [];
  return { out, stream: { isTTY, columns: 200, write: (s: string) => out.push(s) } };
}

function view(step: number, epoch = 0): TrainerView {
  return { epoch, globalStep: step, stepsPerEpoch: 50, totalSteps: 200, lr: 1e-3, metrics: {}, runDir: undefined, shouldStop: false };
}

describe('ProgressCallback', () => {
  it('without a TTY prints a plain line every interval with step/total, speed, loss, val CER and ETA', () => {
    let now = 0;
    const { out, stream } = sink(false);
    const p = new ProgressCallback({ stream, intervalS: 10, now: () => now });
    p.onFitStart(view(0));
    for (let s = 1; s <= 100; s++) {
      now = s * 500; // 2 steps/s
      p.onTrainBatchEnd(view(s, Math.floor(s / 50)), { loss: 1 / s });
      if (s === 50) p.onValidationEnd(view(s, 1), { metrics: { 'val/cer': 0.25, 'val/loss': 1.5 } });
    }
    p.onFitEnd(view(100, 1), 'interrupted');
    expect(out.every((l) => !l.includes('\r'))).toBe(true);
    expect(out[0]).toBe('fit: 50 steps per epoch, 200 in total\n');
    const lines = out.filter((l) => l.startsWith('epoch'));
    // 50 s of training, one line per 10 s (plus the first).
    expect(lines.length).toBeGreaterThanOrEqual(5);
    expect(lines.length).toBeLessThanOrEqual(7);
    const last = lines.at(-1) as string;
    expect(last).toMatch(/^epoch 1\/4 · step \d+\/200 \[#+\.*\] \d+% · 2\.00 it\/s · loss [\d.]+ · val CER 25\.00% · ETA \d+:\d\d\n$/);
    // 100 steps at 2/s from step ~99: about 50 s left.
    expect(last).toMatch(/ETA 0:5\d/);
    expect(out.at(-1)).toMatch(/^fit interrupted after 100 steps in 0:50 · last val CER 25\.00%\n$/);
  });

  it('with a max_time budget the ETA is the time left when that ends the fit first', () => {
    let now = 0;
    const { out, stream } = sink(false);
    const p = new ProgressCallback({ stream, intervalS: 1, now: () => now });
    const timed = (step: number, secondsLeft: number): TrainerView => ({ ...view(step), totalSteps: 75000, secondsLeft });
    p.onFitStart(timed(0, 600));
    for (let s = 1; s <= 10; s++) {
      now = s * 1000; // 1 step/s: 74,990 steps would take 20 h; the clock ends it in 10 min
      p.onTrainBatchEnd(timed(s, 600 - s), { loss: 1 });
    }
    expect(out.filter((l) => l.startsWith('epoch')).at(-1)).toMatch(/ETA 9:50\n$/);
  });

  it('on a TTY redraws one line in place and keeps permanent lines intact', () => {
    let now = 0;
    const { out, stream } = sink(true);
    const p = new ProgressCallback({ stream, now: () => now });
    p.onFitStart(view(0));
    for (let s = 1; s <= 10; s++) {
      now += 1000;
      p.onTrainBatchEnd(view(s), { loss: 0.5 });
    }
    now += 50;
    p.onEvalBatchEnd(view(10), { stage: 'validate', batchIndex: 1, numBatches: 5 }); // within 100 ms: not drawn
    now += 1000;
    p.onEvalBatchEnd(view(10), { stage: 'validate', batchIndex: 2, numBatches: 5 });
    p.onValidationEnd(view(10), { metrics: { 'val/cer': 0.1 } });
    const redraws = out.filter((l) => l.startsWith('\r\x1b[2Kepoch'));
    expect(redraws.length).toBe(10);
    expect(redraws.every((l) => !l.endsWith('\n'))).toBe(true);
    expect(out).toContain('\r\x1b[2Kvalidate 3/5 · epoch 0 · step 10');
    expect(out.some((l) => l.includes('validate 2/5'))).toBe(false);
    // Validation end clears the live line so the Trainer's metrics line starts clean.
    expect(out.at(-1)).toBe('\r\x1b[2K');
    p.onFitEnd(view(10), 'success');
    expect(out.at(-1)).toMatch(/^fit success after 10 steps in 0:1\d · last val CER 10\.00%\n$/);
  });

  it('truncates the live line to the terminal width, assuming 120 columns when the pty reports 0', () => {
    let now = 0;
    for (const [columns, max] of [[40, 39], [0, 119]] as const) {
      const out: string[] = [];
      const p = new ProgressCallback({ stream: { isTTY: true, columns, write: (s: string) => out.push(s) }, now: () => now });
      p.onFitStart(view(0));
      now += 1000;
      p.onTrainBatchEnd(view(1), { loss: 0.5 });
      const line = (out.at(-1) as string).replace('\r\x1b[2K', '');
      expect(line.length).toBeLessThanOrEqual(max);
      expect(line.length).toBeGreaterThan(30);
    }
  });

  it('formats durations', () => {
    expect(formatDuration(59.6)).toBe('1:00');
    expect(formatDuration(3725)).toBe('1:02:05');
    expect(formatDuration(Number.POSITIVE_INFINITY)).toBe('?');
  });
});
