/**
 * A short real training run with tracking on: BitmapLines + the tiny
 * ResnetTransformer + the Trainer, with the loggers and callbacks createLoggers
 * builds. Shared by the end-to-end and browser tests.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLoggers, LoggerConfig } from '../../../model_package/loggers/index.js';
import type { TrainerConfig } from '../../../model_package/training/config.js';
import { Trainer } from '../../../model_package/training/trainer.js';
import { tinyData, tinyModel, trainerOptions } from '../../helpers/tiny_run.js';

export interface TrackedRun {
  readonly runDir: string;
  readonly trainer: Trainer;
  readonly numParameters: number;
  readonly progress: string[];
}

export async function tinyTrackedRun(opts: { trainer: Partial<TrainerConfig>; runId: string; root?: string; test?: boolean }): Promise<TrackedRun> {
  const root = opts.root ?? mkdtempSync(join(tmpdir(), 'htr-tracked-'));
  const data = await tinyData();
  const model = tinyModel(data);
  const base = trainerOptions(root, { trainer: { log_every_n_steps: 1, enable_progress_bar: true, ...opts.trainer }, checkpoint: { dirpath: undefined } });
  const resolvedConfig = { ...base.resolvedConfig, trainer: base.trainer, seed_everything: base.seed };
  const progress: string[] = [];
  const { loggers, callbacks, runDir } = await createLoggers(LoggerConfig.parse({ experiment: 'tiny', run_id: opts.runId, table_rows: 8, progress_interval_s: 0.001 }), {
    rootDir: root,
    resolvedConfig,
    seed: base.seed,
    progressStream: { isTTY: false, write: (s: string) => progress.push(s) },
  });
  const trainer = new Trainer({ ...base, resolvedConfig, loggers, callbacks, runDir: runDir as string });
  await trainer.fit(model, data);
  if (opts.test) await trainer.test(model, data);
  const numParameters = model.numParameters();
  model.dispose();
  return { runDir: runDir as string, trainer, numParameters, progress };
}
