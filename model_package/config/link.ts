/**
 * Linked arguments: once the data module is set up, its `dataConfig()` decides the
 * model's vocabulary, input dims and max output length. A model key the user set by
 * hand to something else is an error, not a silent override.
 */
import type { DataConfig } from '../core/data_types.js';
import { htrError } from '../errors.js';
import { hasPath } from './merge.js';
import type { RootConfig } from './resolve.js';

/** Model keys a data module determines, and how. Only keys the model's schema has are linked. */
export const LINKED_MODEL_KEYS: Readonly<Record<string, { from: string; value: (d: DataConfig) => unknown }>> = {
  max_seq_length: { from: 'data output_dims[0]', value: (d) => d.outputDims[0] },
  max_output_length: { from: 'data output_dims[0]', value: (d) => d.outputDims[0] },
  input_dims: { from: 'data input_dims', value: (d) => [...d.inputDims] },
  input_height: { from: 'data input_dims[1]', value: (d) => d.inputDims[1] },
  input_width: { from: 'data input_dims[2]', value: (d) => d.inputDims[2] },
  idx_to_char: { from: 'data mapping', value: (d) => [...d.mapping] },
  mapping: { from: 'data mapping', value: (d) => [...d.mapping] },
  num_classes: { from: 'data mapping length', value: (d) => d.mapping.length },
};

/**
 * Returns a copy of `config` whose linked model keys hold the data module's values.
 * `userSet` is the merged config before defaults: keys present there were set by hand.
 */
export function linkConfig(config: RootConfig, dataConfig: DataConfig, userSet: Record<string, unknown>, modelKeys: readonly string[]): RootConfig {
  const model: Record<string, unknown> = { ...config.model };
  for (const key of modelKeys) {
    const spec = LINKED_MODEL_KEYS[key];
    if (!spec) continue;
    const derived = spec.value(dataConfig);
    if (hasPath(userSet, ['model', key]) && !sameValue(model[key], derived)) {
      throw htrError('HTR_ERR_CONFIG_LINK', {
        key: `model.${key}`,
        value: model[key],
        expected: derived,
        reason: `set to ${short(model[key])} but ${config.data.name} derives ${short(derived)} (${spec.from}); remove model.${key} from the config to use the derived value`,
      });
    }
    model[key] = derived;
  }
  return { ...config, model: model as RootConfig['model'] };
}

/** Linked model keys present in the model schema. */
export function linkedKeysOf(modelShapeKeys: readonly string[]): string[] {
  return modelShapeKeys.filter((k) => k in LINKED_MODEL_KEYS);
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function short(v: unknown): string {
  const s = JSON.stringify(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}
