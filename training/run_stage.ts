/**
 * One fit / validate / test run from a resolved config: backend, data module
 * (prepare, setup), linking, model, loggers, Trainer.
 */
import { existsSync } from 'node:fs';
import { htrError } from '../model_package/errors.js';
import { getDataEntry } from '../model_package/data/registry.js';
import { getModelEntry } from '../model_package/models/registry.js';
import { linkConfig, linkedKeysOf, printableConfig, shapeOf, type Resolved } from '../model_package/config/index.js';
import type { DataModule } from '../model_package/core/data_types.js';
import type { Recognizer } from '../model_package/models/types.js';
import { createLoggers, type CreatedLoggers } from '../model_package/loggers/index.js';
import { Trainer } from '../model_package/training/trainer.js';
import { readCheckpoint } from '../model_package/checkpoint/checkpoint.js';
import { describeInitFrom, initFromCheckpoint } from '../model_package/checkpoint/init_from.js';
import type { Callback } from '../model_package/training/callback.js';
import { buildNativeOnFirstUse, initBackend } from '../model_package/backend/index.js';

export type Stage = 'fit' | 'validate' | 'test';

export interface StageOptions {
  readonly ckptPath?: string | undefined;
  /** Progress and diagnostics (stderr in the CLI). */
  readonly log: (message: string) => void;
  /** Results (stdout in the CLI). */
  readonly out: (message: string) => void;
  /** Extra Trainer callbacks (tests, tools), run before the loggers' own. */
  readonly callbacks?: readonly Callback[];
}

export interface Prepared {
  readonly data: DataModule;
  readonly model: Recognizer;
  /** The config after linking: what is saved with checkpoints and logged. */
  readonly resolvedConfig: Record<string, unknown>;
}

/** Data module set up for `stage`, linked config and a fresh model. */
export async function prepareRun(stage: Stage, resolved: Resolved): Promise<Prepared> {
  const cfg = resolved.config;
  const { name: dataName, ...dataOptions } = cfg.data;
  const data = getDataEntry(dataName).create(dataOptions);
  await data.prepareData();
  await data.setup(stage);
  const dataConfig = data.dataConfig();
  const modelEntry = getModelEntry(cfg.model.name);
  const linked = linkConfig(cfg, dataConfig, resolved.raw, linkedKeysOf(Object.keys(shapeOf(modelEntry.schema) ?? {})));
  const { name: _modelName, ...modelOptions } = linked.model;
  const model = modelEntry.create(modelOptions, dataConfig);
  const resolvedConfig = { ...printableConfig(resolved), model: linked.model };
  return { data, model, resolvedConfig };
}

/** `model.init_from`: start a fit from a checkpoint's weights (mapped onto this vocabulary). */
async function initFrom(model: Recognizer, file: string, log: (message: string) => void): Promise<void> {
  if (!existsSync(file)) throw htrError('HTR_ERR_MISSING_FILE', { file, key: 'model.init_from' });
  log(`[run] ${describeInitFrom(initFromCheckpoint(model, await readCheckpoint(file)))}`);
}

export async function runStage(stage: Stage, resolved: Resolved, opts: StageOptions): Promise<Record<string, number>> {
  if (opts.ckptPath !== undefined && !existsSync(opts.ckptPath)) {
    throw htrError('HTR_ERR_MISSING_FILE', { file: opts.ckptPath, key: '--ckpt_path' });
  }
  const cfg = resolved.config;
  // Training is long enough to pay for a one-time native build (validate/test are not).
  if (stage === 'fit') await buildNativeOnFirstUse({ accelerator: cfg.trainer.accelerator, log: opts.log });
  const backend = await initBackend({ accelerator: cfg.trainer.accelerator, numThreads: cfg.trainer.num_threads, log: opts.log });
  const { data, model, resolvedConfig } = await prepareRun(stage, resolved);
  let created: CreatedLoggers | undefined;
  let status: 'success' | 'failed' = 'failed';
  try {
    created = await createLoggers(cfg.logger, {
      rootDir: cfg.trainer.default_root_dir,
      stage,
      resolvedConfig,
      seed: cfg.seed_everything,
      backend: backend.name,
      log: opts.log,
    });
    if (created.runDir) opts.log(`[run] ${created.runDir}`);
    const trainer = new Trainer({
      trainer: cfg.trainer,
      optimizer: cfg.optimizer,
      lr_scheduler: cfg.lr_scheduler,
      checkpoint: cfg.checkpoint,
      early_stopping: cfg.early_stopping,
      seed: cfg.seed_everything,
      resolvedConfig,
      loggers: created.loggers,
      callbacks: [...(opts.callbacks ?? []), ...created.callbacks],
      ...(created.runDir ? { runDir: created.runDir } : {}),
      log: opts.log,
    });
    const run = opts.ckptPath !== undefined ? { ckptPath: opts.ckptPath } : {};
    const initFile = (resolvedConfig.model as { init_from?: unknown }).init_from;
    if (stage === 'fit' && typeof initFile === 'string' && opts.ckptPath === undefined) await initFrom(model, initFile, opts.log);
    const metrics =
      stage === 'fit' ? await trainer.fit(model, data, run) : stage === 'validate' ? await trainer.validate(model, data, run) : await trainer.test(model, data, run);
    if (stage === 'fit' && trainer.bestModelPath) opts.log(`[run] best checkpoint: ${trainer.bestModelPath}`);
    for (const [k, v] of Object.entries(metrics)) opts.out(`${k}\t${v}`);
    status = 'success';
    return metrics;
  } finally {
    // fit finishes its loggers itself; validate/test runs close them here (finish is idempotent).
    if (created) await Promise.all(created.loggers.map((l) => l.finish(status)));
    model.dispose();
  }
}
