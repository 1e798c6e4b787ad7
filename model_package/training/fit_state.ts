/**
 * Everything one `Trainer.fit` call works with, built once at its start and handed
 * to the epoch helpers: the model and data being fitted, the batch plan, optimizer,
 * schedule and progress line, and the loop's start and resume positions. The
 * counters callbacks read (epoch, globalStep, lr, metrics, stopReason) stay on the
 * Trainer, which is the TrainerView.
 */
import type { DataModule } from '../core/data_types.js';
import type { Recognizer } from '../models/types.js';
import type { FitPlan } from './batch_plan.js';
import type { LrScheduler } from './lr_scheduler.js';
import type { AdamOptimizer } from './optimizer.js';
import type { ProgressLine } from './progress_line.js';
import type { CompiledFunctions } from '../models/compiled_functions.js';

/** A place in the train loop: this epoch, after this many of its batches. */
export interface LoopPosition {
  readonly epoch: number;
  readonly batch: number;
}

export interface FitState {
  readonly model: Recognizer;
  /** The data module, or its OverfitData stand-in under trainer.overfit_batches. */
  readonly data: DataModule;
  readonly plan: FitPlan;
  readonly optimizer: AdamOptimizer;
  /** The fit's compiled train steps, one per batch shape (native only; see train_step.ts). */
  readonly trainSteps: CompiledFunctions;
  readonly scheduler: LrScheduler;
  readonly progress: ProgressLine;
  /** fast_dev_run: one short pass, no checkpoints. */
  readonly devRun: boolean;
  /** Where the loop starts: the beginning, or a checkpoint's resume position. */
  start: LoopPosition;
  /** Where a resumed fit continues; set when Ctrl-C, max_steps or max_time stops an epoch part-way. */
  resumeAt: LoopPosition | undefined;
  /** performance.now() after which trainer.max_time stops the fit (Infinity without a limit). */
  readonly deadline: number;
}
