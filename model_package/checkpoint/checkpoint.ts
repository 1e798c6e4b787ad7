/**
 * Checkpoint files on disk: save (model, optimizer moments, state, config) and read.
 * The format itself (what a checkpoint holds, parsing, building the recognizer) is in
 * checkpoint_format.ts; this module adds Node file I/O.
 *
 * This module depends only on models/, so serving can load checkpoints
 * without pulling in the Trainer.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { DataConfig } from '../core/data_types.js';
import type { Module, Recognizer } from '../models/types.js';
import type { RawTensor } from './safetensors.js';
import { readSafetensors, writeSafetensors } from './safetensors_file.js';
import { CHECKPOINT_FORMAT, CHECKPOINT_VERSION, parseCheckpoint, recognizerFromCheckpoint, type Checkpoint, type CheckpointState } from './checkpoint_format.js';

export {
  CHECKPOINT_FORMAT,
  CHECKPOINT_VERSION,
  decodeCheckpoint,
  encodeInferenceCheckpoint,
  loadModelWeights,
  parseCheckpoint,
  recognizerFromCheckpoint,
  toTensors,
  type Checkpoint,
  type CheckpointState,
} from './checkpoint_format.js';

export interface SaveCheckpointInput {
  readonly model: Module;
  /** Optimizer moments by "m.<name>"/"v.<name>" (caller keeps ownership). */
  readonly optimizerTensors?: ReadonlyMap<string, tf.Tensor>;
  readonly state: CheckpointState;
  readonly config: Record<string, unknown>;
  readonly dataConfig: DataConfig;
}

export async function saveCheckpoint(file: string, input: SaveCheckpointInput): Promise<void> {
  const tensors = new Map<string, RawTensor>();
  const weights = input.model.stateDict();
  try {
    for (const [name, t] of weights) tensors.set(`model.${name}`, await toRaw(t));
  } finally {
    for (const t of weights.values()) t.dispose();
  }
  for (const [name, t] of input.optimizerTensors ?? []) tensors.set(`optimizer.${name}`, await toRaw(t));
  const { inputDims, outputDims, mapping } = input.dataConfig;
  await writeSafetensors(file, tensors, {
    format: CHECKPOINT_FORMAT,
    version: String(CHECKPOINT_VERSION),
    state: JSON.stringify(input.state),
    config: JSON.stringify(input.config),
    data_config: JSON.stringify({ inputDims, outputDims, mapping }),
  });
}

/** Reads and validates a checkpoint file; no tensors are created (plain typed arrays). */
export async function readCheckpoint(file: string): Promise<Checkpoint> {
  return parseCheckpoint(await readSafetensors(file), file);
}

/**
 * Rebuilds the recognizer a checkpoint was trained as (model class and options from
 * its stored config, vocabulary and dims from its data config), loads the weights
 * and puts it in eval mode. The caller owns (disposes) the model.
 */
export async function loadRecognizerFromCheckpoint(file: string): Promise<Recognizer> {
  const ckpt = await readCheckpoint(file);
  return recognizerFromCheckpoint(ckpt);
}

async function toRaw(t: tf.Tensor): Promise<RawTensor> {
  if (t.dtype === 'float32') return { dtype: 'F32', shape: t.shape, data: (await t.data()) as Float32Array };
  if (t.dtype === 'int32') return { dtype: 'I32', shape: t.shape, data: (await t.data()) as Int32Array };
  throw new Error(`cannot checkpoint a ${t.dtype} tensor`);
}
