/**
 * Model classes by name: `--model=ResnetTransformer` and YAML `model.name` resolve here.
 */
import type { z } from 'zod';
import { htrError } from '../errors.js';
import type { DataConfig } from '../core/data_types.js';
import type { Recognizer } from './types.js';
import { ResnetTransformer, ResnetTransformerConfig } from './resnet_transformer.js';

export interface ModelEntry<S extends z.ZodObject = z.ZodObject> {
  readonly schema: S;
  /** `dataConfig` is linked from the data module (vocabulary, input dims, max length). */
  readonly create: (config: z.infer<S>, dataConfig: DataConfig) => Recognizer;
  readonly description: string;
}

export const MODEL_REGISTRY: Record<string, ModelEntry> = {
  ResnetTransformer: {
    schema: ResnetTransformerConfig,
    create: (c, d) => new ResnetTransformer(ResnetTransformerConfig.parse(c), d),
    description: 'ResNet encoder + pre-norm transformer decoder (0.89M params by default; PyTorch mirror in bench/torch_mirror.py)',
  },
};

export function getModelEntry(name: string): ModelEntry {
  const entry = MODEL_REGISTRY[name];
  if (!entry) throw htrError('HTR_ERR_UNKNOWN_MODEL', { value: name, key: 'model.name', allowed: Object.keys(MODEL_REGISTRY) });
  return entry;
}
