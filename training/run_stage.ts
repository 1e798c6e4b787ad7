/**
 * One fit / validate / test run from a resolved config: backend, data module
 * (prepare, setup), linking, model, loggers, Trainer.
 */
import { existsSync } from 'node:fs';
import { htrError } from '../model_package/errors.js';
import { getDataEntry } from '../model_package/data/registry.js';
import { getModelEntry } from '../model_package/models/registry.js';
import { linkConfig, linkedKeysOf, printableConfig, type Resolved } from '../model_package/config/index.js';
import { shapeOf } from '../model_package/config/zod_walk.js';
import type { DataModule } from '../model_package/data/types.js';
import type { Recognizer } from '../model_package/models/types.js';
import type { Logger } from '../model_package/loggers/types.js';
import { initBackend } from '../model_package/backend/index.js';

export type Stage = 'fit' | 'validate' | 'test';

export interface StageOptions {
  readonly ckptPath?: string | undefined;
  /** Progress and diagnostics (stderr in the CLI). */
  readonly log: (message: string) => void;
  /** Results (stdout in the CLI). */
  readonly out: (message: string) => void;
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

export async function runStage(stage: Stage, resolved: Resolved, opts: StageOptions): Promise<Record<string, number>> {
  if (opts.ckptPath !== undefined && !existsSync(opts.ckptPath)) {
    throw htrError('HTR_ERR_MISSING_FILE', { file: opts.ckptPath, key: '--ckpt_path' });
  }
  const cfg = resolved.config;
  await initBackend({ accelerator: cfg.trainer.accelerator, numThreads: cfg.trainer.num_threads, log: opts.log });
  const { data, model, resolvedConfig } = await prepareRun(stage, resolved);
  try {
    const { Trainer } = await loadTrainer();
    const loggers = await makeLoggers(cfg, resolvedConfig);
    const trainer = new Trainer({
      trainer: cfg.trainer,
      optimizer: cfg.optimizer,
      lr_scheduler: cfg.lr_scheduler,
      checkpoint: cfg.checkpoint,
      early_stopping: cfg.early_stopping,
      seed: cfg.seed_everything,
      resolvedConfig,
      loggers,
      callbacks: [],
    });
    const ckpt = { ckptPath: opts.ckptPath };
    const metrics = stage === 'fit' ? await trainer.fit(model, data, ckpt) : stage === 'validate' ? await trainer.validate(model, data, ckpt) : await trainer.test(model, data, ckpt);
    const scalars = toScalars(metrics);
    for (const [k, v] of Object.entries(scalars)) opts.out(`${k}\t${v}`);
    return scalars;
  } finally {
    model.dispose();
  }
}

function toScalars(m: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  if (m && typeof m === 'object') for (const [k, v] of Object.entries(m)) if (typeof v === 'number') out[k] = v;
  return out;
}

// ---- Adapters for modules other helpers are still writing; replaced by static imports once they land.
interface TrainerLike {
  fit(model: Recognizer, data: DataModule, opts: { ckptPath?: string | undefined }): Promise<unknown>;
  validate(model: Recognizer, data: DataModule, opts: { ckptPath?: string | undefined }): Promise<unknown>;
  test(model: Recognizer, data: DataModule, opts: { ckptPath?: string | undefined }): Promise<unknown>;
}
type TrainerCtor = new (opts: Record<string, unknown>) => TrainerLike;

async function loadTrainer(): Promise<{ Trainer: TrainerCtor }> {
  const spec = '../model_package/training/trainer.js';
  try {
    return (await import(spec)) as { Trainer: TrainerCtor };
  } catch (err) {
    throw htrError('HTR_ERR_CLASS_UNAVAILABLE', { value: 'Trainer', reason: 'model_package/training/trainer.ts is not in this build' }, err);
  }
}

async function makeLoggers(cfg: Resolved['config'], resolvedConfig: Record<string, unknown>): Promise<Logger[]> {
  const spec = '../model_package/loggers/index.js';
  let mod: { createLoggers?: (c: unknown, o: { rootDir: string; resolvedConfig: Record<string, unknown> }) => Logger[] | Promise<Logger[]> };
  try {
    mod = (await import(spec)) as typeof mod;
  } catch {
    return [];
  }
  return mod.createLoggers ? await mod.createLoggers(cfg.logger, { rootDir: cfg.trainer.default_root_dir, resolvedConfig }) : [];
}
