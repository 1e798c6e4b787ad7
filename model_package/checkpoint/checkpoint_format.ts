/**
 * The checkpoint format, without file I/O (the browser uses it as is): one
 * safetensors container holding
 *   tensors   "model.<name>"          every parameter and buffer (BatchNorm statistics)
 *             "optimizer.m.<name>"    Adam first moments
 *             "optimizer.v.<name>"    Adam second moments
 *   metadata  "format"       "htr-ts-checkpoint"
 *             "version"      "1"
 *             "state"        JSON CheckpointState: epoch, step, resume position, RNG,
 *                            scheduler and optimizer step, metrics, callback state
 *             "config"       JSON of the full resolved config (all sections)
 *             "data_config"  JSON {inputDims, outputDims, mapping}: the vocabulary
 * An inference-only file (`run_experiment export`) is the same with no optimizer.*
 * tensors, empty callback state and metadata "contents": "inference".
 * Any safetensors reader can open it (Python: `safetensors.safe_open`).
 *
 * This module depends only on models/, so a client can load checkpoints
 * without pulling in the Trainer.
 */
import * as tf from '@tensorflow/tfjs-core';
import { htrError, isHtrError } from '../errors.js';
import { getModelEntry } from '../models/registry.js';
import type { DataConfig } from '../core/data_types.js';
import type { Module, Recognizer } from '../models/types.js';
import { decodeSafetensors, encodeSafetensors, type RawTensor, type SafetensorsFile } from './safetensors.js';

export const CHECKPOINT_FORMAT = 'htr-ts-checkpoint';
export const CHECKPOINT_VERSION = 1;

export interface CheckpointState {
  /** Epoch (0-based) the run was in when saved. */
  readonly epoch: number;
  /** Optimizer steps taken. */
  readonly globalStep: number;
  /** Where `fit --ckpt_path` continues: this epoch, after skipping this many train batches. */
  readonly resume: { readonly epoch: number; readonly batch: number };
  /** The Trainer's Rng state (core/rng.ts). */
  readonly rngState: number;
  readonly scheduler: { readonly name: string; readonly step: number };
  readonly optimizer: { readonly name: string; readonly step: number; readonly lr: number } | null;
  /** Latest logged metrics at save time. */
  readonly metrics: Readonly<Record<string, number>>;
  /** Per-callback state (best checkpoints, early-stopping counters). */
  readonly callbacks: Readonly<Record<string, unknown>>;
}

export interface Checkpoint {
  readonly file: string;
  readonly state: CheckpointState;
  readonly config: Record<string, unknown>;
  readonly dataConfig: DataConfig;
  /** Parameters and buffers by module name. */
  readonly model: Map<string, RawTensor>;
  /** "m.<name>" / "v.<name>" moments; empty in a weights-only checkpoint. */
  readonly optimizer: Map<string, RawTensor>;
}

/**
 * Validates a decoded safetensors container as a checkpoint; no tensors are created
 * (plain typed arrays). `file` names the source in errors.
 */
export function parseCheckpoint({ tensors, metadata }: SafetensorsFile, file: string): Checkpoint {
  const bad = (reason: string) => htrError('HTR_ERR_BAD_CHECKPOINT', { file, reason });
  if (metadata.format !== CHECKPOINT_FORMAT) throw bad(`metadata "format" is ${JSON.stringify(metadata.format)}, expected "${CHECKPOINT_FORMAT}" (a safetensors file, but not an htr-ts checkpoint)`);
  if (metadata.version !== String(CHECKPOINT_VERSION)) throw bad(`unsupported checkpoint version ${JSON.stringify(metadata.version)}`);
  const parse = (key: string): unknown => {
    try {
      return JSON.parse(metadata[key] ?? '');
    } catch {
      throw bad(`metadata "${key}" is missing or not JSON`);
    }
  };
  const state = parse('state') as CheckpointState;
  if (typeof state !== 'object' || state === null || !Number.isInteger(state.globalStep) || !Number.isInteger(state.epoch) || typeof state.resume !== 'object') {
    throw bad('metadata "state" lacks epoch/globalStep/resume');
  }
  const config = parse('config') as Record<string, unknown>;
  if (typeof config !== 'object' || config === null) throw bad('metadata "config" is not an object');
  const dataConfig = parse('data_config') as DataConfig;
  if (!Array.isArray(dataConfig?.mapping) || !Array.isArray(dataConfig.inputDims) || !Array.isArray(dataConfig.outputDims)) {
    throw bad('metadata "data_config" lacks inputDims/outputDims/mapping');
  }
  const model = new Map<string, RawTensor>();
  const optimizer = new Map<string, RawTensor>();
  for (const [name, t] of tensors) {
    if (name.startsWith('model.')) model.set(name.slice('model.'.length), t);
    else if (name.startsWith('optimizer.')) optimizer.set(name.slice('optimizer.'.length), t);
    else throw bad(`unexpected tensor "${name}" (expected model.* or optimizer.*)`);
  }
  if (model.size === 0) throw bad('no model weights in the file');
  return { file, state, config, dataConfig, model, optimizer };
}

/** Decodes checkpoint bytes (a file, a fetch response, an upload). */
export function decodeCheckpoint(bytes: Uint8Array, file: string): Checkpoint {
  return parseCheckpoint(decodeSafetensors(bytes, file), file);
}

/**
 * The inference-only file of a checkpoint: the same format with the model weights,
 * config and vocabulary, and no optimizer moments or callback state. It loads
 * wherever a checkpoint does (Node, the browser, `--ckpt_path` for test/predict).
 */
export function encodeInferenceCheckpoint(ckpt: Checkpoint): Uint8Array {
  const tensors = new Map<string, RawTensor>();
  for (const [name, t] of ckpt.model) tensors.set(`model.${name}`, t);
  const { inputDims, outputDims, mapping } = ckpt.dataConfig;
  return encodeSafetensors(tensors, {
    format: CHECKPOINT_FORMAT,
    version: String(CHECKPOINT_VERSION),
    contents: 'inference',
    state: JSON.stringify({ ...ckpt.state, callbacks: {} }),
    config: JSON.stringify(ckpt.config),
    data_config: JSON.stringify({ inputDims, outputDims, mapping }),
  });
}

/** tf tensors for raw arrays; the caller disposes them. */
export function toTensors(raw: ReadonlyMap<string, RawTensor>): Map<string, tf.Tensor> {
  const out = new Map<string, tf.Tensor>();
  for (const [name, t] of raw) out.set(name, tf.tensor(t.data, [...t.shape], t.dtype === 'F32' ? 'float32' : 'int32'));
  return out;
}

/**
 * Assigns checkpoint weights to `model`; a mismatch names the file and the tensor.
 * A recognizer's vocabulary must equal the checkpoint's: same-sized but different
 * mappings would load silently and decode nonsense.
 */
export function loadModelWeights(model: Module & { readonly dataConfig?: DataConfig }, ckpt: Checkpoint): void {
  const mapping = model.dataConfig?.mapping;
  if (mapping && mapping.join('\u0000') !== ckpt.dataConfig.mapping.join('\u0000')) {
    const diff = ckpt.dataConfig.mapping.length !== mapping.length
      ? `${ckpt.dataConfig.mapping.length} tokens in the checkpoint, ${mapping.length} in the data`
      : `token ${mapping.findIndex((t, i) => t !== ckpt.dataConfig.mapping[i])} differs`;
    throw htrError('HTR_ERR_BAD_CHECKPOINT', { file: ckpt.file, reason: `its vocabulary does not match the data module's (${diff})` });
  }
  const tensors = toTensors(ckpt.model);
  try {
    model.loadStateDict(tensors);
  } catch (err) {
    if (isHtrError(err, 'HTR_ERR_SHAPE_MISMATCH')) {
      throw htrError('HTR_ERR_BAD_CHECKPOINT', { file: ckpt.file, reason: `weights do not fit the model: ${err.message}` }, err);
    }
    throw err;
  } finally {
    for (const t of tensors.values()) t.dispose();
  }
}

export function recognizerFromCheckpoint(ckpt: Checkpoint): Recognizer {
  const section = ckpt.config.model as Record<string, unknown> | undefined;
  if (!section || typeof section.name !== 'string') {
    throw htrError('HTR_ERR_BAD_CHECKPOINT', { file: ckpt.file, reason: 'the stored config has no model.name' });
  }
  const { name, ...options } = section;
  const entry = getModelEntry(name);
  const parsed = entry.schema.safeParse(options);
  if (!parsed.success) {
    throw htrError('HTR_ERR_BAD_CHECKPOINT', { file: ckpt.file, reason: `stored model options do not fit ${name}: ${parsed.error.message}` });
  }
  const model = entry.create(parsed.data, ckpt.dataConfig);
  try {
    loadModelWeights(model, ckpt);
  } catch (err) {
    model.dispose();
    throw err;
  }
  model.train(false);
  return model;
}
