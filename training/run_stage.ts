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
  void stage;
  void resolved;
  throw htrError('HTR_ERR_CLASS_UNAVAILABLE', { value: 'Trainer', reason: 'model_package/training/trainer.ts is not in this build yet' });
}
