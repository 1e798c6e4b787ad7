/**
 * A `ModelLoader` for a checkpoint file: rebuilds the recognizer and keeps its metadata
 * for /v1/model; with `lm` settings, also the language model (in the model's vocabulary).
 */
import { basename, dirname } from 'node:path';
import { readCheckpoint, recognizerFromCheckpoint } from '../model_package/checkpoint/checkpoint.js';
import { loadLmFusion, type LmSettings } from '../model_package/lm/index.js';
import type { LoadedModel, ModelLoader } from './plugins/model.js';

export function checkpointLoader(file: string, lm?: LmSettings): ModelLoader {
  return async (): Promise<LoadedModel> => {
    const ckpt = await readCheckpoint(file);
    const fusion = lm ? await loadLmFusion(lm, ckpt.dataConfig.mapping) : undefined;
    const recognizer = recognizerFromCheckpoint(ckpt);
    const modelName = String((ckpt.config.model as { name?: unknown } | undefined)?.name ?? 'model');
    const { epoch, globalStep, metrics } = ckpt.state;
    return {
      recognizer,
      name: `${modelName}:${basename(dirname(file))}/${basename(file)}`,
      checkpoint: file,
      config: ckpt.config,
      metadata: { epoch, global_step: globalStep, metrics },
      ...(fusion && lm?.lm ? { lm: { file: lm.lm, fusion } } : {}),
    };
  };
}
