/**
 * Experiment loggers (local run directory, Weights & Biases). More than one can be
 * active; the Trainer talks to them through `MultiLogger`-style fan-out.
 */
import type { GrayImage } from '../core/data_types.js';

export interface PredictionRow {
  readonly id: string;
  readonly image: GrayImage;
  readonly groundTruth: string;
  readonly prediction: string;
  readonly cer: number;
}

export interface Logger {
  /** The resolved config, exactly what `--print_config` prints. */
  logConfig(config: Record<string, unknown>): void | Promise<void>;
  /** Scalars such as train/loss, val/cer, lr-Adam, epoch. */
  logMetrics(metrics: Readonly<Record<string, number>>, step: number): void | Promise<void>;
  /** A table of images with ground truth, prediction and CER (e.g. "val/predictions"). */
  logTable(name: string, rows: readonly PredictionRow[], step: number): void | Promise<void>;
  /** Flush and close; `status` says how the run ended. */
  finish(status: 'success' | 'failed' | 'interrupted'): void | Promise<void>;
}

/** One line of tables.jsonl; images are paths relative to the run directory. */
export interface TableRecord {
  name: string;
  step: number;
  epoch: number | null;
  time: number;
  rows: Array<{ id: string; image: string | null; groundTruth: string; prediction: string; cer: number }>;
}
