/** What the learning benches read from a training run's directory, through the project's run reader. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { RUN_FILES } from '../../model_package/loggers/run_dir.js';
import { readRun } from '../../model_package/loggers/report/index.js';

export interface ValPoint {
  readonly step: number;
  readonly val_cer: number;
  readonly val_wer: number;
  readonly val_loss: number;
}

export interface RunProgress {
  /** The highest step logged. */
  readonly steps: number;
  /** Seconds from the first metric record to the last (the training loop, without start-up). */
  readonly trainSeconds: number | null;
  readonly valCurve: ValPoint[];
}

/** Progress of a run so far; a line the trainer is still writing is skipped. */
export function readProgress(runDir: string): RunProgress {
  if (!existsSync(path.join(runDir, RUN_FILES.metrics))) return { steps: 0, trainSeconds: null, valCurve: [] };
  const { series, firstTime, lastTime } = readRun(runDir);
  const byStep = (name: string) => new Map((series.get(name) ?? []).map((p) => [p.step, p.value]));
  const wer = byStep('val/wer');
  const loss = byStep('val/loss');
  const valCurve = (series.get('val/cer') ?? []).map((p) => ({
    step: p.step,
    val_cer: p.value,
    val_wer: wer.get(p.step) ?? Number.NaN,
    val_loss: loss.get(p.step) ?? Number.NaN,
  }));
  const steps = Math.max(0, ...[...series.values()].flatMap((points) => points.map((p) => p.step)));
  const trainSeconds = firstTime !== null && lastTime !== null && lastTime > firstTime ? lastTime - firstTime : null;
  return { steps, trainSeconds, valCurve };
}
