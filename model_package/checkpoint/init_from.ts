/**
 * Fine-tuning start: a new model takes a checkpoint's weights (`model.init_from`),
 * even when its vocabulary, maximum length or image size differ. Characters both
 * vocabularies share keep their rows in the embedding and the heads; new characters
 * keep their fresh initialisation (kraken's `--resize add`); a position table of
 * another length keeps the overlapping positions. Nothing else of the run (optimizer,
 * step, scheduler) is taken: that is what `--ckpt_path` resume is for.
 */
import * as tf from '@tensorflow/tfjs-core';
import { htrError } from '../errors.js';
import type { Recognizer } from '../models/types.js';
import type { Checkpoint } from './checkpoint.js';
import type { RawTensor } from './safetensors.js';

export interface InitFromReport {
  readonly file: string;
  /** Tensors copied whole or in part. */
  readonly loaded: number;
  /** Tensors the checkpoint lacks or that cannot be fitted: left as initialised. */
  readonly fresh: readonly string[];
  /** Tensors only part of which fits (other length, other vocabulary). */
  readonly resized: readonly string[];
  /** Characters of the new vocabulary the checkpoint did not have. */
  readonly added: readonly string[];
  /** Characters of the checkpoint the new vocabulary drops. */
  readonly dropped: readonly string[];
}

/** Copies what fits of `ckpt`'s weights into `model`. */
export function initFromCheckpoint(model: Recognizer, ckpt: Checkpoint): InitFromReport {
  const oldMapping = ckpt.dataConfig.mapping;
  const newMapping = model.dataConfig.mapping;
  const oldIndex = new Map(oldMapping.map((t, i) => [t, i]));
  // New token row -> checkpoint row (-1: a new character, keep its fresh row).
  const rowMap = Int32Array.from(newMapping, (t) => oldIndex.get(t) ?? -1);
  const vocabAxes = model.vocabAxes?.() ?? {};
  const fresh: string[] = [];
  const resized: string[] = [];
  let loaded = 0;
  for (const [name, v] of [...model.namedParameters(), ...model.namedBuffers()]) {
    const src = ckpt.model.get(name);
    if (!src || src.shape.length !== v.shape.length) {
      fresh.push(name);
      continue;
    }
    const axis = vocabAxes[name];
    const same = src.shape.every((d, i) => d === v.shape[i]);
    if (same && (axis === undefined || rowMap.every((r, i) => r === i))) {
      assignValues(v, src.data);
      loaded++;
      continue;
    }
    const differing = src.shape.filter((d, i) => d !== v.shape[i]).length;
    if (axis === undefined && differing > 1) {
      fresh.push(name);
      continue;
    }
    const dst = v.dataSync().slice();
    copyOverlap(src, dst, v.shape, axis === undefined ? undefined : { axis, rows: rowMap });
    assignValues(v, dst);
    resized.push(name);
    loaded++;
  }
  if (loaded === 0) {
    throw htrError('HTR_ERR_BAD_CHECKPOINT', { file: ckpt.file, reason: 'none of its weights fit this model (model.init_from)' });
  }
  const newSet = new Set(newMapping);
  return {
    file: ckpt.file,
    loaded,
    fresh,
    resized,
    added: newMapping.filter((t) => !oldIndex.has(t)),
    dropped: oldMapping.filter((t) => !newSet.has(t)),
  };
}

/** One line for the console: what was taken from the checkpoint and what changed. */
export function describeInitFrom(r: InitFromReport): string {
  const show = (chars: readonly string[]) => chars.map((c) => JSON.stringify(c)).join(' ') || 'none';
  const parts = [`init_from ${r.file}: ${r.loaded} tensors loaded`];
  if (r.added.length || r.dropped.length) parts.push(`vocabulary: ${r.added.length} added (${show(r.added)}), ${r.dropped.length} dropped (${show(r.dropped)})`);
  if (r.resized.length) parts.push(`resized: ${r.resized.join(', ')}`);
  if (r.fresh.length) parts.push(`left as initialised: ${r.fresh.join(', ')}`);
  return parts.join('; ');
}

/**
 * Writes into `dst` (shape `shape`, row-major) the part of `src` that overlaps it.
 * Along `vocab.axis`, destination index i reads source index vocab.rows[i] (-1 skips);
 * along every other axis, index i reads index i where both have it.
 */
function copyOverlap(src: RawTensor, dst: Float32Array | Int32Array | Uint8Array, shape: readonly number[], vocab?: { axis: number; rows: Int32Array }): void {
  const rank = shape.length;
  const srcStrides = strides(src.shape);
  const dstStrides = strides(shape);
  const idx = new Array<number>(rank).fill(0);
  const total = shape.reduce((a, b) => a * b, 1);
  for (let flat = 0; flat < total; flat++) {
    let rem = flat;
    let srcOff = 0;
    let inside = true;
    for (let a = 0; a < rank; a++) {
      idx[a] = Math.floor(rem / (dstStrides[a] as number));
      rem -= (idx[a] as number) * (dstStrides[a] as number);
      const from = vocab && a === vocab.axis ? (vocab.rows[idx[a] as number] as number) : (idx[a] as number);
      if (from < 0 || from >= (src.shape[a] as number)) {
        inside = false;
        break;
      }
      srcOff += from * (srcStrides[a] as number);
    }
    if (inside) dst[flat] = src.data[srcOff] as number;
  }
}

function assignValues(v: tf.Variable, values: Float32Array | Int32Array | Uint8Array): void {
  const t = tf.tensor(values, v.shape, v.dtype);
  v.assign(t);
  t.dispose();
}

function strides(shape: readonly number[]): number[] {
  const out = new Array<number>(shape.length).fill(1);
  for (let a = shape.length - 2; a >= 0; a--) out[a] = (out[a + 1] as number) * (shape[a + 1] as number);
  return out;
}
