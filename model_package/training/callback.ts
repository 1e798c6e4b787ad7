/**
 * Trainer hooks, in the manner of Lightning callbacks. Every hook is optional and
 * may be async; the Trainer awaits them in registration order.
 */
import type { Batch } from '../core/data_types.js';
import type { PredictionRow } from '../loggers/types.js';
import type { Module } from '../models/types.js';

export interface TrainerView {
  readonly epoch: number;
  readonly globalStep: number;
  /** Optimizer steps in one epoch, and in the whole fit when it is known (for ETA). */
  readonly stepsPerEpoch: number;
  readonly totalSteps: number | undefined;
  /** Seconds left before trainer.max_time stops the fit (undefined without a time limit). */
  readonly secondsLeft?: number;
  /** Current learning rate. */
  readonly lr: number;
  /** Latest value of every logged metric ("train/loss", "val/cer", ...). */
  readonly metrics: Readonly<Record<string, number>>;
  /** Directory of this run (config, checkpoints, media), when a local logger is active. */
  readonly runDir: string | undefined;
  /** Set to true to stop after the current step (early stopping, Ctrl-C). */
  shouldStop: boolean;
  /** The model being fitted, when the Trainer exposes it (model-size callback). */
  readonly model?: Module;
  /**
   * Decodes `batch` with the current weights in eval mode (restoring the mode after),
   * as validation does; the overfit-batch table uses it. Optional: Trainer-provided.
   */
  predictBatch?(batch: Batch): Promise<PredictionRow[]>;
}

/**
 * Seconds until the fit ends at `stepsPerSecond`: the step bound or the max_time clock,
 * whichever comes first (a max_time run would otherwise show the ETA of max_epochs).
 */
export function fitEtaSeconds(t: TrainerView, stepsPerSecond: number): number | undefined {
  const byStep = t.totalSteps !== undefined && stepsPerSecond > 0 ? Math.max(0, t.totalSteps - t.globalStep) / stepsPerSecond : undefined;
  if (t.secondsLeft === undefined) return byStep;
  return byStep === undefined ? t.secondsLeft : Math.min(byStep, t.secondsLeft);
}

export interface Callback {
  /** True for a callback that draws its own live progress; the Trainer then prints no progress line. */
  readonly providesProgress?: boolean;
  onFitStart?(t: TrainerView): void | Promise<void>;
  onTrainBatchEnd?(t: TrainerView, info: { batch: Batch; loss: number; batchIndex: number }): void | Promise<void>;
  onTrainEpochEnd?(t: TrainerView): void | Promise<void>;
  /** After validation; `predictions` are the decoded samples of that pass. */
  onValidationEnd?(t: TrainerView, info: { metrics: Record<string, number>; predictions: readonly PredictionRow[] }): void | Promise<void>;
  /** After each validation/test/predict batch (progress display); `numBatches` of that pass. */
  onEvalBatchEnd?(t: TrainerView, info: { stage: 'validate' | 'test' | 'predict'; batchIndex: number; numBatches: number }): void | Promise<void>;
  onTestEnd?(t: TrainerView, info: { metrics: Record<string, number>; predictions: readonly PredictionRow[] }): void | Promise<void>;
  /** Always called, also after an exception or an interrupt. */
  onFitEnd?(t: TrainerView, status: 'success' | 'failed' | 'interrupted'): void | Promise<void>;
}
