/**
 * Writes a realistic run directory through the real LocalLogger: a decaying loss
 * with seeded noise, per-epoch validation CER, and prediction tables with line
 * images rendered from simple strokes. Shared by the logger and report tests.
 */
import { LocalLogger } from '../../../model_package/loggers/local_logger.js';
import { collectEnvironment } from '../../../model_package/loggers/environment.js';
import { createRunDir } from '../../../model_package/loggers/run_dir.js';
import type { PredictionRow } from '../../../model_package/loggers/types.js';
import type { GrayImage } from '../../../model_package/core/data_types.js';
import { Rng } from '../../../model_package/core/rng.js';
import { cer } from '../../../model_package/metrics/index.js';

export interface SyntheticRunOptions {
  rootDir: string;
  experiment?: string;
  runId?: string;
  epochs?: number;
  stepsPerEpoch?: number;
  seed?: number;
  /** Multiplies every loss (to make compared runs differ). */
  lossScale?: number;
  finish?: boolean;
}

const TEXTS = ['the quick brown fox', 'jumps over', 'a lazy dog', 'hello world', 'handwriting', 'text recognition', 'A MOVE to stop', 'Mr. Gaitskell'];

/** A line image with one blob of ink per character, so images differ by text. */
export function strokeImage(text: string, height = 28, width = 160): GrayImage {
  const data = new Float32Array(height * width);
  Array.from(text).forEach((ch, i) => {
    if (ch === ' ') return;
    const x0 = 4 + i * 8;
    const tall = /[A-Zbdfhklt]/.test(ch) ? 6 : 11;
    for (let y = tall; y < 22; y++) for (let x = x0; x < Math.min(width, x0 + 5); x++) if ((x + y + ch.charCodeAt(0)) % 3 !== 0) data[y * width + x] = 1;
  });
  return { data, height, width };
}

export async function writeSyntheticRun(opts: SyntheticRunOptions): Promise<{ runDir: string; logger: LocalLogger }> {
  const experiment = opts.experiment ?? 'synthetic';
  const runId = opts.runId ?? 'run-a';
  const epochs = opts.epochs ?? 3;
  const spe = opts.stepsPerEpoch ?? 20;
  const scale = opts.lossScale ?? 1;
  const rng = new Rng(opts.seed ?? 1);
  const runDir = createRunDir(opts.rootDir, experiment, runId);
  const logger = new LocalLogger({ runDir, experiment, runId, tableRows: 6 });
  logger.logConfig({ seed_everything: opts.seed ?? 1, trainer: { max_epochs: epochs }, optimizer: { lr: 1e-3 * scale } });
  logger.logEnvironment(collectEnvironment({ seed: opts.seed ?? 1, backend: 'cpu' }));
  logger.logRunShape({ stepsPerEpoch: spe, totalSteps: spe * epochs });
  logger.logMetrics({ 'model/num_parameters': 891_234, 'model/size_mb': 3.4 }, 0);
  for (let e = 0; e < epochs; e++) {
    for (let s = 1; s <= spe; s++) {
      const step = e * spe + s;
      const loss = scale * (3.2 * Math.exp(-step / 18) + 0.12) * (1 + 0.15 * (rng.next() - 0.5));
      logger.logMetrics({ 'train/loss': loss, lr: 1e-3 * Math.min(1, step / 10), epoch: e }, step);
    }
    const step = (e + 1) * spe;
    const valCer = Math.max(0, scale * 0.9 * Math.exp(-(e + 1) / 1.3));
    logger.logMetrics({ 'val/loss': scale * (2.5 * Math.exp(-step / 20) + 0.2), 'val/cer': valCer, 'val/wer': Math.min(1, valCer * 2.2), epoch: e }, step);
    const rows: PredictionRow[] = TEXTS.map((t, i) => {
      const wrong = Math.floor(valCer * t.length * (0.5 + (i % 3) / 2));
      const prediction = t.slice(0, t.length - wrong) + 'x'.repeat(Math.min(wrong, 2));
      return { id: `line-${i}`, image: strokeImage(t), groundTruth: t, prediction, cer: cer(prediction, t) };
    });
    await logger.logTable('val/predictions', rows, step);
  }
  if (opts.finish ?? true) await logger.finish('success');
  return { runDir, logger };
}
