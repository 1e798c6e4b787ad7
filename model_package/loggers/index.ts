/**
 * Experiment tracking: `createLoggers` turns the `logger` config section into the
 * loggers and callbacks the Trainer is handed. Layout of a run directory:
 * run_dir.ts; the HTML report: report/; W&B: wandb_logger.ts.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { htrError } from '../errors.js';
import type { Callback } from '../training/callback.js';
import { OverfitBatchTableCallback } from './callbacks/overfit_batch_table.js';
import { ModelSummaryCallback } from './callbacks/model_summary.js';
import { RunRecordCallback } from './callbacks/run_record.js';
import type { LoggerConfig } from './config.js';
import { collectEnvironment } from './environment.js';
import { LocalLogger } from './local_logger.js';
import { ProgressCallback } from './progress.js';
import type { ProgressStream } from './live_line.js';
import { createRunDir, makeRunId, RUN_FILES } from './run_dir.js';
import type { Logger } from './types.js';
import { WandbLogger } from './wandb_logger.js';

export type { Logger, PredictionRow, TableRecord } from './types.js';
export { LoggerConfig } from './config.js';
export { LocalLogger } from './local_logger.js';
export { WandbLogger } from './wandb_logger.js';
export { ProgressCallback } from './progress.js';
export { LiveLine, progressBar, formatDuration, formatDurationUnits, type ProgressStream, type LiveLineOptions } from './live_line.js';
export { OverfitBatchTableCallback, OVERFIT_TABLE } from './callbacks/overfit_batch_table.js';
export { ModelSummaryCallback, modelSize } from './callbacks/model_summary.js';
export { RunRecordCallback } from './callbacks/run_record.js';
export { RUN_FILES, type RunInfo } from './run_dir.js';
export { renderRunReport, renderCompareHtml, readRun } from './report/index.js';

export interface LoggerContext {
  /** `trainer.default_root_dir`: runs go to <rootDir>/<experiment>/<run-id>/. */
  readonly rootDir: string;
  /** The resolved config, as `--print_config` prints it. */
  readonly resolvedConfig: Record<string, unknown>;
  readonly seed: number;
  /** The stage being run (default fit); validate and test never write into an existing run. */
  readonly stage?: 'fit' | 'validate' | 'test';
  /** Tensor backend in use, when already known (the run record updates it at fit start). */
  readonly backend?: string;
  /** Progress output (default process.stderr) and messages such as the W&B URL. */
  readonly progressStream?: ProgressStream;
  readonly log?: (message: string) => void;
  /** Environment for WANDB_* (default process.env). */
  readonly env?: NodeJS.ProcessEnv;
}

export interface CreatedLoggers {
  readonly loggers: Logger[];
  readonly callbacks: Callback[];
  /** The local run directory (checkpoints go to <runDir>/checkpoints), if the local logger is on. */
  readonly runDir: string | undefined;
}

/**
 * The Trainer logs metrics and the val/test prediction tables to the loggers and
 * finishes them; the callbacks add what it does not: model size, the overfit-batch
 * table, the run shape and backend, report.html after each validation (the table
 * callback runs before the run record so that report holds the new table), and
 * the live progress display.
 */
export async function createLoggers(config: LoggerConfig, ctx: LoggerContext): Promise<CreatedLoggers> {
  const loggers: Logger[] = [];
  const runId = config.run_id ?? makeRunId();
  let local: LocalLogger | undefined;
  let runDir: string | undefined;
  if (config.local) {
    // Evaluation writes its own record; only a fit may continue an existing run.
    if ((ctx.stage ?? 'fit') !== 'fit' && existsSync(join(ctx.rootDir, config.experiment, runId, RUN_FILES.run))) {
      throw htrError('HTR_ERR_CONFIG_INVALID', {
        key: 'logger.run_id',
        reason: `${join(ctx.rootDir, config.experiment, runId)} already holds a run; ${ctx.stage} writes its own run record (leave logger.run_id unset)`,
      });
    }
    runDir = createRunDir(ctx.rootDir, config.experiment, runId);
    local = new LocalLogger({ runDir, experiment: config.experiment, runId, tableRows: config.table_rows });
    local.logConfig(ctx.resolvedConfig);
    local.logEnvironment(collectEnvironment({ seed: ctx.seed, ...(ctx.backend ? { backend: ctx.backend } : {}) }));
    loggers.push(local);
  }
  if (config.wandb) {
    try {
      loggers.push(
        await WandbLogger.create({
          project: config.project,
          entity: config.entity,
          runId,
          name: `${config.experiment}-${runId}`,
          config: ctx.resolvedConfig,
          ...(ctx.env ? { env: ctx.env } : {}),
          ...(ctx.log ? { log: ctx.log } : {}),
        }),
      );
    } catch (err) {
      await local?.finish('failed');
      throw err;
    }
  }
  const trainer = (ctx.resolvedConfig.trainer ?? {}) as { overfit_batches?: unknown; enable_progress_bar?: unknown };
  const callbacks: Callback[] = [new ModelSummaryCallback(loggers)];
  if (typeof trainer.overfit_batches === 'number' && trainer.overfit_batches > 0) {
    callbacks.push(new OverfitBatchTableCallback(loggers, trainer.overfit_batches));
  }
  if (local) callbacks.push(new RunRecordCallback(local));
  if (!config.quiet && trainer.enable_progress_bar !== false) {
    callbacks.push(new ProgressCallback({ intervalS: config.progress_interval_s, ...(ctx.progressStream ? { stream: ctx.progressStream } : {}) }));
  }
  return { loggers, callbacks, runDir };
}
