/**
 * From config files and command-line overrides to one validated config:
 * files deep-merge in order, then overrides apply in order, then the selected
 * data and model classes decide the schema that validates (and fills defaults).
 */
import type { z } from 'zod';
import { htrError, type HtrError } from '../errors.js';
import type { LoggerConfig } from '../loggers/config.js';
import type {
  CheckpointConfig,
  EarlyStoppingConfig,
  LrSchedulerConfig,
  OptimizerConfig,
  TrainerConfig,
} from '../training/config.js';
import { type ConfigObject, deepMerge, dropUndefined, getPath, hasPath, isPlainObject, setPath } from './merge.js';
import { buildRootSchema, type ClassChoice, DEFAULT_MODEL, registeredNames, SECTION_ALIASES } from './root_schema.js';
import { issuesToErrors } from './validate.js';
import { loadYamlFile } from './yaml_file.js';
import { expectsString, schemaAt } from './zod_walk.js';

export interface ClassOptions extends Record<string, unknown> {
  name: string;
}

export interface RootConfig {
  seed_everything: number;
  trainer: TrainerConfig;
  data: ClassOptions;
  model: ClassOptions;
  optimizer: OptimizerConfig;
  lr_scheduler: LrSchedulerConfig;
  checkpoint: CheckpointConfig;
  early_stopping: EarlyStoppingConfig;
  logger: LoggerConfig;
}

/** `--trainer.max_epochs=300`: path ["trainer","max_epochs"], raw "300", value 300. */
export interface Override {
  readonly path: readonly string[];
  /** The text as typed, kept so a string option can take "123" literally. */
  readonly raw?: string;
  readonly value: unknown;
}

export interface ConfigSources {
  readonly configFiles?: readonly string[];
  /** Already-parsed layers (tests, --print_config round trips), merged after the files. */
  readonly layers?: ReadonlyArray<{ source: string; values: ConfigObject }>;
  readonly overrides?: readonly Override[];
}

export interface Merged {
  /** Everything the user set, before defaults. */
  readonly raw: ConfigObject;
  readonly data: ClassChoice | undefined;
  readonly model: ClassChoice;
}

export interface Resolved extends Merged {
  readonly config: RootConfig;
  readonly schema: z.ZodObject;
}

/** Renames alias sections and expands `data: IAMLines` to `data: { name: IAMLines }`. */
export function normalizeLayer(layer: ConfigObject): ConfigObject {
  let out: ConfigObject = {};
  for (const [k, v] of Object.entries(layer)) {
    const key = SECTION_ALIASES[k] ?? k;
    const value = (key === 'data' || key === 'model') && typeof v === 'string' ? { name: v } : v;
    out = deepMerge(out, { [key]: value });
  }
  return out;
}

export function normalizePath(path: readonly string[]): string[] {
  const [head, ...rest] = path;
  return [SECTION_ALIASES[head as string] ?? (head as string), ...rest];
}

/** Merges files, layers and overrides, and records where the class names came from. */
export function mergeSources(sources: ConfigSources): Merged {
  let raw: ConfigObject = {};
  let data: ClassChoice | undefined;
  let model: ClassChoice | undefined;
  const note = (layer: ConfigObject, source: string): void => {
    const d = getPath(layer, ['data', 'name']);
    const m = getPath(layer, ['model', 'name']);
    if (typeof d === 'string') data = { name: d, source };
    if (typeof m === 'string') model = { name: m, source };
  };
  const layers = [
    ...(sources.configFiles ?? []).map((file) => ({ source: file, values: loadYamlFile(file) })),
    ...(sources.layers ?? []),
  ];
  for (const { source, values } of layers) {
    const layer = normalizeLayer(values);
    note(layer, source);
    raw = deepMerge(raw, layer);
  }
  for (const o of sources.overrides ?? []) {
    let path = normalizePath(o.path);
    if (path.length === 1 && (path[0] === 'data' || path[0] === 'model') && !isPlainObject(o.value)) path = [path[0], 'name'];
    const layer: ConfigObject = {};
    setPath(layer, path, structuredClone(o.value));
    note(layer, 'command line');
    raw = deepMerge(raw, layer);
  }
  const chosenModel = model ?? { name: DEFAULT_MODEL, source: 'default' };
  return { raw, data, model: chosenModel };
}

/** Thrown for every config problem; `errors` holds all of them, the message the first. */
export class ConfigErrors extends Error {
  constructor(readonly errors: readonly HtrError[]) {
    super(errors.map((e) => e.message).join('\n'));
    this.name = 'ConfigErrors';
  }
}

export function resolveConfig(sources: ConfigSources): Resolved {
  const merged = mergeSources(sources);
  return validateMerged(merged, sources.overrides ?? []);
}

export function validateMerged(merged: Merged, overrides: readonly Override[] = []): Resolved {
  const { data, model } = merged;
  if (!data) {
    const known = registeredNames('data');
    throw htrError('HTR_ERR_CONFIG_INVALID', {
      key: 'data.name',
      allowed: known,
      reason: `required: choose a data class with --data=NAME or data.name in a config file (registered: ${known.join(', ') || 'none yet'})`,
    });
  }
  const dataName = getPath(merged.raw, ['data', 'name']);
  if (typeof dataName !== 'string') throw htrError('HTR_ERR_CONFIG_INVALID', { key: 'data.name', value: dataName, reason: 'expected a class name (string)' });
  const schema = buildRootSchema(data, model);
  const raw = structuredClone(merged.raw);
  raw.model = { name: model.name, ...(isPlainObject(raw.model) ? raw.model : {}) };
  // YAML reads `--logger.experiment=123` as a number; a string option takes the text as typed.
  for (const o of overrides) {
    const path = normalizePath(o.path);
    const leaf = schemaAt(schema, path);
    if (o.raw !== undefined && leaf && expectsString(leaf) && typeof o.value !== 'string' && !isPlainObject(o.value) && !Array.isArray(o.value)) {
      setPath(raw, path, o.raw);
    }
  }
  const result = schema.safeParse(raw, { reportInput: true });
  if (!result.success) throw new ConfigErrors(issuesToErrors(schema, result.error.issues));
  const config = dropUndefined(result.data) as RootConfig;
  seedFromSeedEverything(config, merged.raw);
  return { raw: merged.raw, data, model, schema, config };
}

/**
 * Per-class seeds the user did not set follow `seed_everything` (Lightning seeds
 * globally; here each class has its own seed). Only weights and data order: a data
 * class's `seed` defines the dataset itself and stays put. Done at resolve time so
 * --print_config shows, and a reread reproduces, the seeds the run uses.
 */
export const SEEDED_KEYS: ReadonlyArray<readonly ['data' | 'model', string]> = [
  ['model', 'seed'],
  ['data', 'shuffle_seed'],
];

function seedFromSeedEverything(config: RootConfig, raw: ConfigObject): void {
  for (const [section, key] of SEEDED_KEYS) {
    if (key in config[section] && !hasPath(raw, [section, key])) config[section][key] = config.seed_everything;
  }
}
