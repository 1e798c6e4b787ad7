/**
 * The root config: one schema per section, the `data` and `model` sections taken
 * from the registry entry of the selected class. Registries are read at call time,
 * so classes registered after this module loads are seen.
 */
import { z } from 'zod';
import { htrError } from '../errors.js';
import { DATA_REGISTRY } from '../data/registry.js';
import { MODEL_REGISTRY } from '../models/registry.js';
import { LoggerConfig } from '../loggers/config.js';
import {
  CheckpointConfig,
  EarlyStoppingConfig,
  LrSchedulerConfig,
  OptimizerConfig,
  TrainerConfig,
} from '../training/config.js';
import { nearest } from './nearest.js';

export const DEFAULT_MODEL = 'ResnetTransformer';

/** Section names in print order. */
export const SECTIONS = [
  'seed_everything',
  'trainer',
  'data',
  'model',
  'optimizer',
  'lr_scheduler',
  'checkpoint',
  'early_stopping',
  'logger',
] as const;

/** Older spellings accepted in YAML and on the command line. */
export const SECTION_ALIASES: Readonly<Record<string, string>> = { my_model_checkpoint: 'checkpoint' };

export const SeedEverything = z.number().int().min(0).default(0).describe('seed of weight init (model.seed) and data order (data.shuffle_seed) unless those are set');

/** Where a class name came from: 'command line', a config file path, or 'default'. */
export interface ClassChoice {
  readonly name: string;
  readonly source: string;
}

type Kind = 'data' | 'model';

function registryOf(kind: Kind): Record<string, { schema: z.ZodObject; description: string }> {
  return kind === 'data' ? DATA_REGISTRY : MODEL_REGISTRY;
}

/** Throws the right error for a class name that is not registered. */
export function requireClass(kind: Kind, choice: ClassChoice): z.ZodObject {
  const reg = registryOf(kind);
  const entry = reg[choice.name];
  if (entry) return entry.schema;
  const known = Object.keys(reg);
  const near = nearest(choice.name, known);
  if (choice.source === 'command line') {
    throw htrError(kind === 'data' ? 'HTR_ERR_UNKNOWN_DATA' : 'HTR_ERR_UNKNOWN_MODEL', {
      key: `${kind}.name`,
      value: choice.name,
      allowed: known.length ? known : ['(none registered yet)'],
      hint: near ? `Did you mean "${near}"?` : '',
    });
  }
  // Named by a config file or the default: most likely a class another part of the
  // project provides that this build does not have (yet).
  const where = choice.source === 'default' ? 'the default model' : `named in ${choice.source}`;
  const file = kind === 'data' ? 'model_package/data/registry.ts' : 'model_package/models/registry.ts';
  throw htrError('HTR_ERR_CLASS_UNAVAILABLE', {
    key: `${kind}.name`,
    value: choice.name,
    reason: `${kind} class "${choice.name}" (${where}) is not registered in ${file}${near ? ` (did you mean "${near}"?)` : ''}; registered ${kind} classes: ${known.length ? known.join(', ') : 'none yet'}`,
  });
}

/** `{ name, ...options }` of one class, strict so unknown options are errors; keeps the class's refinements. */
export function classSection(kind: Kind, choice: ClassChoice): z.ZodObject {
  const schema = requireClass(kind, choice);
  const known = Object.keys(registryOf(kind)) as [string, ...string[]];
  const base = z.enum(known);
  const name = (kind === 'model' ? base.default(DEFAULT_MODEL) : base).describe(`${kind} class; selects which options follow`);
  return schema.safeExtend({ name }).strict();
}

/** A placeholder section for help when no class is selected yet. */
function unselectedSection(kind: Kind): z.ZodObject {
  const known = Object.keys(registryOf(kind));
  return z.strictObject({
    name: z.string().describe(`${kind} class: ${known.length ? known.join(', ') : 'none registered yet'}; pick one with --${kind}=NAME`),
  });
}

export function buildRootSchema(data: ClassChoice | undefined, model: ClassChoice | undefined): z.ZodObject {
  return z.strictObject({
    seed_everything: SeedEverything,
    trainer: TrainerConfig.default(TrainerConfig.parse({})).describe('training loop'),
    data: data ? classSection('data', data) : unselectedSection('data'),
    model: (model ? classSection('model', model) : unselectedSection('model')).describe('recognizer'),
    optimizer: OptimizerConfig.default(OptimizerConfig.parse({})).describe('optimizer'),
    lr_scheduler: LrSchedulerConfig.default(LrSchedulerConfig.parse({})).describe('learning-rate schedule'),
    checkpoint: CheckpointConfig.default(CheckpointConfig.parse({})).describe('checkpointing (alias: my_model_checkpoint)'),
    early_stopping: EarlyStoppingConfig.default(EarlyStoppingConfig.parse({})).describe('early stopping'),
    logger: LoggerConfig.default(LoggerConfig.parse({})).describe('experiment loggers'),
  });
}

export function registeredNames(kind: Kind): string[] {
  return Object.keys(registryOf(kind));
}
