/**
 * The training loop, in the manner of Lightning's Trainer: `fit` (with resume from
 * `ckptPath`), `validate` and `test`, driven by the TrainerConfig options, calling
 * Callback hooks and Logger methods. The data module must be prepared and set up
 * (the runner does that; the Trainer never downloads).
 *
 * Steps: each batch's loss is divided by accumulate_grad_batches and its gradients
 * summed; every accumulate_grad_batches batches (and at the end of an epoch) the
 * global norm is clipped, the lr set from the schedule and Adam(W) applied.
 * Ctrl-C sets shouldStop: the current step finishes, last.ckpt is written with the
 * position in the epoch, and fit returns with status "interrupted".
 *
 * One fit's collaborators travel in a FitState; overfit_batches swaps the data
 * module for an OverfitData that serves the same N batches for train and val.
 */
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { Batch, DataModule } from '../core/data_types.js';
import type { Logger, PredictionRow } from '../loggers/types.js';
import type { Recognizer } from '../models/types.js';
import { Rng } from '../core/rng.js';
import { evalBatches, fastDevRunBatches, planFit, take } from './batch_plan.js';
import type { Callback, TrainerView } from './callback.js';
import { loadModelWeights, readCheckpoint, saveCheckpoint, toTensors, type CheckpointState } from '../checkpoint/checkpoint.js';
import { removeStaleTempFiles } from '../core/atomic_write.js';
import { maxTimeSeconds, type CheckpointConfig, type EarlyStoppingConfig, type LrSchedulerConfig, type OptimizerConfig, type TrainerConfig } from './config.js';
import { EarlyStopping, type EarlyStoppingState } from './early_stopping.js';
import { evaluate, predictRows, type EvalOptions } from './evaluation.js';
import { describeLmFusion, loadLmFusion, type LmFusion } from '../lm/index.js';
import type { FitState, LoopPosition } from './fit_state.js';
import { createLrScheduler } from './lr_scheduler.js';
import { ModelCheckpoint, type ModelCheckpointState } from './model_checkpoint.js';
import { createOptimizer, type AdamOptimizer } from './optimizer.js';
import { OverfitData } from './overfit_data.js';
import { ProgressLine } from './progress_line.js';
import { accumulateGradients, applyGradients, compiledTrainSteps, paramIndex } from './train_step.js';
import type { LossStats } from './loss.js';
import { withoutFunctionCompilation } from '../models/compiled_functions.js';

export interface TrainerOptions {
  readonly trainer: TrainerConfig;
  readonly optimizer: OptimizerConfig;
  readonly lr_scheduler: LrSchedulerConfig;
  readonly checkpoint: CheckpointConfig;
  readonly early_stopping: EarlyStoppingConfig;
  /** seed_everything: the Trainer's own RNG (saved in checkpoints). */
  readonly seed: number;
  /** The full resolved config, stored in every checkpoint. */
  readonly resolvedConfig: Record<string, unknown>;
  readonly loggers?: readonly Logger[];
  readonly callbacks?: readonly Callback[];
  readonly runDir?: string;
  /** Plain progress and summary lines (default console.log). */
  readonly log?: (line: string) => void;
}

export interface StageRunOptions {
  /** fit: resume from this checkpoint; validate/test: evaluate these weights. */
  readonly ckptPath?: string;
}

export type FitStatus = 'success' | 'failed' | 'interrupted';

export class Trainer implements TrainerView {
  epoch = 0;
  globalStep = 0;
  stepsPerEpoch = 0;
  totalSteps: number | undefined;
  lr: number;
  metrics: Record<string, number> = {};
  readonly runDir: string | undefined;
  shouldStop = false;
  /** performance.now() at which max_time ends the current fit. */
  private deadline = Number.POSITIVE_INFINITY;
  model: Recognizer | undefined;
  /** Files of the best and last checkpoints after fit. */
  bestModelPath: string | undefined;
  lastModelPath: string | undefined;
  /** Why fit stopped ("max_epochs", "max_steps", "early stopping: ...", "interrupted"). */
  stopReason = '';

  private readonly cfg: TrainerConfig;
  /** trainer.lm, read at the first evaluation. */
  private languageModel: { file: string; fusion: LmFusion } | undefined;
  private readonly loggers: readonly Logger[];
  private readonly callbacks: readonly Callback[];
  private readonly log: (line: string) => void;
  private readonly rng: Rng;
  private readonly saver: ModelCheckpoint;
  private readonly early: EarlyStopping;
  private interrupted = false;

  constructor(private readonly options: TrainerOptions) {
    this.cfg = options.trainer;
    this.loggers = options.loggers ?? [];
    this.callbacks = options.callbacks ?? [];
    this.log = options.log ?? ((line) => console.log(line));
    this.runDir = options.runDir;
    this.lr = options.optimizer.lr;
    this.rng = new Rng(options.seed);
    const dir = options.checkpoint.dirpath
      ?? path.join(options.runDir ?? options.trainer.default_root_dir, 'checkpoints');
    this.saver = new ModelCheckpoint(options.checkpoint, dir);
    this.early = new EarlyStopping(options.early_stopping);
  }

  /** Directory checkpoints are written to. */
  get checkpointDir(): string {
    return this.saver.dirpath;
  }

  predictBatch(batch: Batch): Promise<PredictionRow[]> {
    if (!this.model) return Promise.reject(new Error('predictBatch: no model (call fit/validate/test first)'));
    return Promise.resolve(predictRows(this.model, batch));
  }

  async fit(model: Recognizer, data: DataModule, opts: StageRunOptions = {}): Promise<Record<string, number>> {
    this.model = model;
    this.shouldStop = false;
    this.interrupted = false;
    const train = this.cfg.overfit_batches > 0 ? await OverfitData.wrap(data, this.cfg.overfit_batches) : data;
    const plan = planFit(this.cfg, train.trainDataloader(0).numBatches);
    this.stepsPerEpoch = plan.stepsPerEpoch;
    this.totalSteps = plan.totalSteps;
    this.deadline = this.cfg.max_time === null ? Number.POSITIVE_INFINITY : performance.now() + maxTimeSeconds(this.cfg.max_time) * 1000;
    const fit: FitState = {
      model,
      data: train,
      plan,
      optimizer: createOptimizer(model.namedParameters(), this.options.optimizer),
      trainSteps: compiledTrainSteps(),
      scheduler: createLrScheduler(this.options.lr_scheduler, this.options.optimizer.lr, plan.totalSteps),
      progress: new ProgressLine(this, this.log, this.cfg.enable_progress_bar && !this.callbacks.some((c) => c.providesProgress)),
      devRun: fastDevRunBatches(this.cfg) > 0,
      start: { epoch: 0, batch: 0 },
      resumeAt: undefined,
      deadline: this.deadline,
    };
    const onSigint = () => this.interrupt();
    process.on('SIGINT', onSigint);
    let status: FitStatus = 'failed';
    try {
      await this.removeStaleTemps(opts.ckptPath);
      if (opts.ckptPath) fit.start = await this.restore(opts.ckptPath, model, fit.optimizer);
      await Promise.all(this.loggers.map((l) => l.logConfig(this.options.resolvedConfig)));
      await this.emit((c) => c.onFitStart?.(this));
      if (!fit.devRun && this.cfg.num_sanity_val_steps > 0) await this.sanityCheck(fit);
      model.train(true);
      for (this.epoch = fit.start.epoch; this.epoch < plan.maxEpochs && !this.shouldStop; this.epoch++) {
        await this.trainEpoch(fit, this.epoch === fit.start.epoch ? fit.start.batch : 0);
        if (this.shouldStop && this.interrupted) break;
        await this.endEpoch(fit);
      }
      if (this.interrupted) await this.saveInterrupted(fit, fit.resumeAt ?? { epoch: this.epoch, batch: 0 });
      if (!this.shouldStop) this.stopReason = this.globalStep >= plan.maxSteps ? 'max_steps' : 'max_epochs';
      if (!this.interrupted && this.cfg.test_after_fit) await this.testAfterFit(model, data);
      status = this.interrupted ? 'interrupted' : 'success';
      return { ...this.metrics };
    } finally {
      process.off('SIGINT', onSigint);
      model.train(false);
      fit.optimizer.dispose();
      fit.trainSteps.dispose();
      await this.emit((c) => c.onFitEnd?.(this, status));
      await Promise.all(this.loggers.map((l) => l.finish(status)));
    }
  }

  /** Runs the validation split (limit_val_batches) and returns val/loss, val/cer, val/wer. */
  async validate(model: Recognizer, data: DataModule, opts: StageRunOptions = {}): Promise<Record<string, number>> {
    return this.evalStage('validate', model, data, opts);
  }

  /** Runs the test split (limit_test_batches) and returns test/loss, test/cer, test/wer. */
  async test(model: Recognizer, data: DataModule, opts: StageRunOptions = {}): Promise<Record<string, number>> {
    return this.evalStage('test', model, data, opts);
  }

  /** What Ctrl-C does; a second one exits at once. */
  interrupt(): void {
    if (this.interrupted) {
      this.log('Interrupted twice: exiting now without saving.');
      process.exit(130);
    }
    this.interrupted = true;
    this.shouldStop = true;
    this.stopReason = 'interrupted';
    this.log('Interrupted: finishing the current step and saving last.ckpt (Ctrl-C again to quit at once).');
  }

  /** One train epoch of `fit`, skipping its first `skip` batches (a mid-epoch resume). */
  private async trainEpoch(fit: FitState, skip: number): Promise<void> {
    const { model, plan } = fit;
    const accum = this.cfg.accumulate_grad_batches;
    const params = paramIndex(model);
    const grads = new Map<string, tf.Tensor>();
    let groupLoss = 0;
    const lossStats: LossStats = { ctcInfeasible: 0 };
    let epochLoss = 0;
    let epochBatches = 0;
    let b = -1;
    try {
      for await (const batch of take(fit.data.trainDataloader(this.epoch), plan.trainBatches)) {
        b += 1;
        if (b < skip) continue;
        // Let signal handlers (Ctrl-C) run: the loop below is otherwise microtasks only.
        await new Promise((resolve) => setImmediate(resolve));
        const groupStart = Math.floor(b / accum) * accum;
        const groupSize = Math.min(accum, plan.trainBatches - groupStart);
        const loss = accumulateGradients(model, batch, params, groupSize, grads, this.cfg.ignore_pad, lossStats, fit.trainSteps);
        groupLoss += loss / groupSize;
        epochLoss += loss;
        epochBatches += 1;
        const stepNow = b + 1 - groupStart >= groupSize;
        if (stepNow) {
          this.optimizerStep(fit, grads);
          this.metrics['train/loss'] = groupLoss;
        }
        // After the optimizer step, as Lightning: globalStep already counts this batch's step.
        await this.emit((c) => c.onTrainBatchEnd?.(this, { batch, loss, batchIndex: b }));
        const last = b + 1 === plan.trainBatches;
        // Batches, not steps, set the validation cadence (as Lightning); gradients
        // being accumulated are untouched by an eval pass.
        if (!last && (b + 1) % plan.valEvery === 0 && this.valDue()) await this.runValidation(fit);
        if (!stepNow) continue;
        if (this.globalStep % this.cfg.log_every_n_steps === 0) {
          const ctc: Record<string, number> = (model.ctcWeight ?? 0) > 0 ? { 'train/ctc_infeasible': lossStats.ctcInfeasible } : {};
          await this.logMetrics({ 'train/loss': groupLoss, [`lr-${fit.optimizer.name}`]: this.lr, epoch: this.epoch, ...ctc });
          fit.progress.update();
        }
        // The epoch end saves anyway; mid-epoch, last.ckpt resumes after this batch.
        if (!last && !fit.devRun && this.saver.dueAtStep(this.globalStep)) await this.saveLast(fit, { epoch: this.epoch, batch: b + 1 });
        groupLoss = 0;
        if (this.globalStep >= plan.maxSteps && !this.shouldStop) {
          this.shouldStop = true;
          this.stopReason = 'max_steps';
        }
        if (performance.now() >= fit.deadline && !this.shouldStop) {
          this.shouldStop = true;
          this.stopReason = 'max_time';
          this.log(`max_time ${this.cfg.max_time} reached at step ${this.globalStep}: validating, saving and stopping`);
        }
        if (this.shouldStop) {
          // Ctrl-C, max_steps or max_time part-way through an epoch: resume continues at the next batch.
          fit.resumeAt = last ? { epoch: this.epoch + 1, batch: 0 } : { epoch: this.epoch, batch: b + 1 };
          break;
        }
      }
    } finally {
      for (const g of grads.values()) g.dispose();
    }
    if (epochBatches > 0) this.metrics['train/loss_epoch'] = epochLoss / epochBatches;
  }

  private optimizerStep(fit: FitState, grads: Map<string, tf.Tensor>): void {
    this.lr = fit.scheduler.lrAt(this.globalStep, this.timeFraction(fit));
    const norm = applyGradients(fit.optimizer, grads, this.lr, this.cfg.gradient_clip_val);
    if (norm !== undefined) this.metrics['train/grad_norm'] = norm;
    this.globalStep += 1;
  }

  get secondsLeft(): number | undefined {
    return Number.isFinite(this.deadline) ? Math.max(0, (this.deadline - performance.now()) / 1000) : undefined;
  }

  /** Share of trainer.max_time used so far (undefined without a time limit). */
  private timeFraction(fit: FitState): number | undefined {
    if (!Number.isFinite(fit.deadline)) return undefined;
    const total = maxTimeSeconds(this.cfg.max_time as string) * 1000;
    return Math.min(1, 1 - (fit.deadline - performance.now()) / total);
  }

  /** After an epoch's batches: epoch metrics, validation, checkpoints, early stopping. */
  private async endEpoch(fit: FitState): Promise<void> {
    await this.emit((c) => c.onTrainEpochEnd?.(this));
    if (this.metrics['train/loss_epoch'] !== undefined) {
      await this.logMetrics({ 'train/loss_epoch': this.metrics['train/loss_epoch'], epoch: this.epoch });
    }
    let validated = false;
    if (this.valDue()) validated = await this.runValidation(fit);
    fit.model.train(true);
    if (!fit.devRun && this.saver.dueAt(this.epoch)) {
      const written = await this.saver.save(this.epoch, this.globalStep, this.metrics, (file) =>
        this.writeCheckpoint(file, fit, fit.resumeAt ?? { epoch: this.epoch + 1, batch: 0 }));
      if (written.length > 0) this.log(`Saved ${written.map((f) => path.basename(f)).join(', ')}`);
      this.bestModelPath = this.saver.bestPath;
      if (this.options.checkpoint.save_last) this.lastModelPath = this.saver.lastPath;
    }
    if (validated) {
      const reason = this.early.update(this.metrics);
      if (reason) {
        this.shouldStop = true;
        this.stopReason = `early stopping: ${reason}`;
        this.log(`Early stopping: ${reason}`);
      }
    }
    if (this.globalStep >= fit.plan.maxSteps) this.shouldStop = true;
  }

  private valDue(): boolean {
    return this.cfg.limit_val_batches > 0 && (this.epoch + 1) % this.cfg.check_val_every_n_epoch === 0;
  }

  /** A validation pass during fit: metrics, loggers, callbacks. Returns false if nothing ran. */
  private async runValidation(fit: FitState): Promise<boolean> {
    // The weights change before the next validation: compiled passes would not pay for themselves.
    const { metrics, predictions } = await withoutFunctionCompilation(() => this.evaluatePass('validate', fit.model, fit.data, this.valLimit(fit.data)));
    fit.model.train(true);
    if (Object.keys(metrics).length === 0) return false;
    Object.assign(this.metrics, metrics);
    await this.logMetrics({ ...metrics, epoch: this.epoch });
    await Promise.all(this.loggers.map((l) => l.logTable('val/predictions', predictions, this.globalStep)));
    await this.emit((c) => c.onValidationEnd?.(this, { metrics, predictions }));
    this.log(`epoch ${this.epoch} step ${this.globalStep} | ${formatMetrics(metrics)}`);
    return true;
  }

  private async sanityCheck(fit: FitState): Promise<void> {
    if (this.cfg.limit_val_batches <= 0) return;
    const n = Math.min(this.cfg.num_sanity_val_steps, this.valLimit(fit.data));
    const { metrics } = await withoutFunctionCompilation(async () => evaluate(fit.model, take(fit.data.valDataloader(), n), {
      prefix: 'val',
      ignorePad: this.cfg.ignore_pad,
      ...(await this.decodeOptions(fit.model)),
      numPredictions: 0,
    }));
    if (metrics['val/loss'] !== undefined) this.log(`Sanity check on ${n} val batch(es): ${formatMetrics(metrics)}`);
  }

  /** How validation and test decode: the mode, its beam and joint settings, the language model (loaded once). */
  private async decodeOptions(model: Recognizer): Promise<Pick<EvalOptions, 'decoding' | 'beamWidth' | 'jointCtcWeight' | 'lm'>> {
    const { decoding, beam_width: beamWidth, joint_ctc_weight: joint, lm } = this.cfg;
    if (lm !== null && this.languageModel?.file !== lm) {
      const fusion = await loadLmFusion(this.cfg, model.dataConfig.mapping);
      if (fusion) this.log(describeLmFusion(lm, fusion));
      this.languageModel = fusion && { file: lm, fusion };
    }
    return {
      decoding,
      beamWidth,
      ...(joint !== null ? { jointCtcWeight: joint } : {}),
      ...(lm !== null && this.languageModel ? { lm: this.languageModel.fusion } : {}),
    };
  }

  /** Val batches of a pass during fit; overfit_batches validates on all its fixed batches. */
  private valLimit(data: DataModule): number {
    const available = data.valDataloader().numBatches;
    if (data instanceof OverfitData) return available;
    return evalBatches(available, this.cfg.limit_val_batches, fastDevRunBatches(this.cfg));
  }

  private async evaluatePass(stage: 'validate' | 'test', model: Recognizer, data: DataModule, n: number) {
    const source = stage === 'test' ? data.testDataloader() : data.valDataloader();
    return evaluate(model, take(source, n), {
      prefix: stage === 'test' ? 'test' : 'val',
      ignorePad: this.cfg.ignore_pad,
      ...(await this.decodeOptions(model)),
      numPredictions: this.cfg.num_predictions,
      onBatchEnd: (batchIndex) => this.emit((c) => c.onEvalBatchEnd?.(this, { stage, batchIndex, numBatches: n })),
    });
  }

  /** One validate/test pass with the current weights: metrics, loggers, callbacks, a summary line. */
  private async evalAndReport(stage: 'validate' | 'test', model: Recognizer, data: DataModule): Promise<Record<string, number>> {
    const dev = fastDevRunBatches(this.cfg);
    const available = stage === 'test' ? data.testDataloader().numBatches : data.valDataloader().numBatches;
    const limit = stage === 'test' ? this.cfg.limit_test_batches : this.cfg.limit_val_batches;
    const { metrics, predictions } = await this.evaluatePass(stage, model, data, evalBatches(available, limit, dev));
    Object.assign(this.metrics, metrics);
    await this.logMetrics(metrics);
    await Promise.all(this.loggers.map((l) => l.logTable(`${stage === 'test' ? 'test' : 'val'}/predictions`, predictions, this.globalStep)));
    if (stage === 'test') await this.emit((c) => c.onTestEnd?.(this, { metrics, predictions }));
    else await this.emit((c) => c.onValidationEnd?.(this, { metrics, predictions }));
    this.log(`${stage}: ${formatMetrics(metrics)}`);
    return metrics;
  }

  /**
   * trainer.test_after_fit: the best checkpoint (else the last weights) on the test
   * split, as fsdl's run_experiment does, within the fit's logger session.
   */
  private async testAfterFit(model: Recognizer, data: DataModule): Promise<void> {
    if (this.cfg.limit_test_batches <= 0 || this.cfg.overfit_batches > 0) return;
    await data.setup('test');
    if (data.testDataloader().numBatches === 0) return;
    const best = this.saver.bestPath;
    if (best) loadModelWeights(model, await readCheckpoint(best));
    this.log(`Testing ${best ? path.basename(best) : 'the last weights'} on the test split`);
    await this.evalAndReport('test', model, data);
  }

  private async evalStage(stage: 'validate' | 'test', model: Recognizer, data: DataModule, opts: StageRunOptions): Promise<Record<string, number>> {
    this.model = model;
    let status: FitStatus = 'failed';
    try {
      if (opts.ckptPath) {
        const ckpt = await readCheckpoint(opts.ckptPath);
        loadModelWeights(model, ckpt);
        this.epoch = ckpt.state.epoch;
        this.globalStep = ckpt.state.globalStep;
      }
      const metrics = await this.evalAndReport(stage, model, data);
      status = 'success';
      return metrics;
    } finally {
      await Promise.all(this.loggers.map((l) => l.finish(status)));
    }
  }

  private async restore(file: string, model: Recognizer, optimizer: AdamOptimizer): Promise<LoopPosition> {
    const ckpt = await readCheckpoint(file);
    loadModelWeights(model, ckpt);
    if (ckpt.state.optimizer) {
      const moments = toTensors(ckpt.optimizer);
      try {
        optimizer.loadState(moments, ckpt.state.optimizer.step, file);
      } finally {
        for (const t of moments.values()) t.dispose();
      }
    }
    this.globalStep = ckpt.state.globalStep;
    this.epoch = ckpt.state.resume.epoch;
    this.rng.setState(ckpt.state.rngState);
    this.metrics = { ...ckpt.state.metrics };
    this.lr = ckpt.state.optimizer?.lr ?? this.lr;
    const dropped = this.saver.loadState(ckpt.state.callbacks.model_checkpoint as ModelCheckpointState | undefined);
    if (dropped > 0) this.log(`Checkpoint ranking starts afresh in ${this.saver.dirpath} (${dropped} earlier checkpoint(s) live in another directory and are left alone)`);
    this.early.loadState(ckpt.state.callbacks.early_stopping as EarlyStoppingState | undefined);
    this.log(`Resumed from ${file}: epoch ${ckpt.state.resume.epoch}, batch ${ckpt.state.resume.batch}, step ${this.globalStep}`);
    return ckpt.state.resume;
  }

  /** Temp files of checkpoint writes killed mid-way (in the checkpoint folder, and the resumed one's). */
  private async removeStaleTemps(ckptPath: string | undefined): Promise<void> {
    const dirs = new Set([path.resolve(this.saver.dirpath), ...(ckptPath ? [path.resolve(path.dirname(ckptPath))] : [])]);
    for (const dir of dirs) {
      const removed = await removeStaleTempFiles(dir);
      if (removed.length > 0) this.log(`Removed ${removed.length} stale temporary file(s) in ${dir}: ${removed.join(', ')}`);
    }
  }

  private async saveInterrupted(fit: FitState, resume: LoopPosition): Promise<void> {
    if (fit.devRun) return;
    await this.saveLast(fit, resume);
    this.log(`Saved ${this.saver.lastPath} (resume with --ckpt_path)`);
  }

  /** last.ckpt at a loop position (an interrupt, or checkpoint.every_n_train_steps). */
  private async saveLast(fit: FitState, resume: LoopPosition): Promise<void> {
    await this.writeCheckpoint(this.saver.lastPath, fit, resume);
    this.lastModelPath = this.saver.lastPath;
  }

  private async writeCheckpoint(file: string, fit: FitState, resume: LoopPosition): Promise<void> {
    const { model, optimizer, scheduler } = fit;
    const state: CheckpointState = {
      epoch: this.epoch,
      globalStep: this.globalStep,
      resume,
      rngState: this.rng.getState(),
      scheduler: { name: scheduler.name, step: this.globalStep },
      optimizer: { name: optimizer.name, step: optimizer.step, lr: this.lr },
      metrics: { ...this.metrics },
      callbacks: { model_checkpoint: this.saver.state(), early_stopping: this.early.state() },
    };
    const moments = optimizer.stateTensors();
    try {
      await saveCheckpoint(file, { model, optimizerTensors: moments, state, config: this.options.resolvedConfig, dataConfig: model.dataConfig });
    } finally {
      for (const t of moments.values()) t.dispose();
    }
  }

  private async logMetrics(metrics: Record<string, number>): Promise<void> {
    await Promise.all(this.loggers.map((l) => l.logMetrics(metrics, this.globalStep)));
  }

  private async emit(hook: (c: Callback) => void | Promise<void>): Promise<void> {
    for (const c of this.callbacks) await hook(c);
  }
}

function formatMetrics(m: Readonly<Record<string, number>>): string {
  return Object.entries(m).map(([k, v]) => `${k}=${v.toFixed(4)}`).join(' ');
}
