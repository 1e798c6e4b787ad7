/** A `ModelLoader` for a checkpoint file: rebuilds the recognizer and keeps its metadata for /v1/model. */
import { basename, dirname } from 'node:path';
import { readCheckpoint, recognizerFromCheckpoint } from '../model_package/checkpoint/checkpoint.js';
import type { LoadedModel, ModelLoader } from './plugins/model.js';

export function checkpointLoader(file: string): ModelLoader {
  return async (): Promise<LoadedModel> => {
    const ckpt = await readCheckpoint(file);
    const recognizer = recognizerFromCheckpoint(ckpt);
    const modelName = String((ckpt.config.model as { name?: unknown } | undefined)?.name ?? 'model');
    const { epoch, globalStep, metrics } = ckpt.state;
    return {
      recognizer,
      name: `${modelName}:${basename(dirname(file))}/${basename(file)}`,
      checkpoint: file,
      config: ckpt.config,
      metadata: { epoch, global_step: globalStep, metrics },
    };
  };
}
