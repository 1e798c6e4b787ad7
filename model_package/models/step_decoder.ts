/**
 * The two implementations of StepDecoder (the interface is in types.ts), the
 * one-token-at-a-time view of a decoder shared by greedy decoding and beam search
 * so both work with and without the key/value cache.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { HeadLayout, KV } from './layers/multi_head_attention.js';
import { tidy } from './module.js';
import type { StepDecoder } from './types.js';

// Decoding code imports the interface and its implementations from one place.

/** What the uncached step decoder needs from a model (ResnetTransformer provides it). */
export interface StepModel {
  readonly vocabSize: number;
  /** Teacher-forced logits [B,S,V] of a whole prefix. */
  decodeLogits(memoryKV: readonly KV[], yIn: tf.Tensor2D): tf.Tensor3D;
  withEvalMode<T>(fn: () => T): T;
}

/** What the cached step decoder needs: one step (the model's folded decoder provides it). */
export interface CachedStepper {
  /** Attention heads (rows per image in the head-folded caches). */
  readonly heads: number;
  /** Token ids of each row at position `pos` -> logits [rows, V] and the grown caches. */
  step(tokens: Int32Array, pos: number, caches: ReadonlyArray<KV | null>, memoryKV: readonly KV[]): { logits: tf.Tensor2D; caches: KV[] };
}

/**
 * Key/value-cached decoding: each step embeds and attends only the newest token. It owns
 * (and disposes) the image memory's keys and values; the stepper belongs to the model.
 */
export class CachedStepDecoder implements StepDecoder {
  length = 0;
  private caches: Array<KV | null>;

  constructor(private readonly stepper: CachedStepper, private readonly memoryKV: KV[], readonly rows: number) {
    this.caches = memoryKV.map(() => null);
  }

  step(tokens: Int32Array): tf.Tensor2D {
    const r = this.stepper.step(tokens, this.length, this.caches, this.memoryKV);
    disposeKVs(this.caches);
    this.caches = r.caches;
    this.length++;
    return r.logits;
  }

  reorder(parents: Int32Array): void {
    if (this.caches[0] === null) return;
    const heads = this.stepper.heads;
    const idx = tf.tensor1d(expandHeads(parents, heads, this.caches[0].layout), 'int32');
    const next = this.caches.map((c) => tidy((): KV => ({ ...c!, k: tf.gather(c!.k, idx), v: tf.gather(c!.v, idx) })));
    idx.dispose();
    disposeKVs(this.caches);
    this.caches = next;
  }

  dispose(): void {
    disposeKVs(this.caches);
    disposeKVs(this.memoryKV);
    this.caches = [];
  }
}

/** Reference decoding without a cache: every step re-runs the decoder on the whole prefix. */
export class FullStepDecoder implements StepDecoder {
  private history: Int32Array[] = [];

  constructor(private readonly model: StepModel, private readonly memoryKV: KV[], readonly rows: number) {}

  get length(): number {
    return this.history.length;
  }

  step(tokens: Int32Array): tf.Tensor2D {
    this.history.push(Int32Array.from(tokens));
    const s = this.history.length;
    return tf.tidy(() => {
      const flat = new Int32Array(this.rows * s);
      for (let r = 0; r < this.rows; r++) for (let t = 0; t < s; t++) flat[r * s + t] = this.history[t]![r]!;
      const ids = tf.tensor2d(flat, [this.rows, s], 'int32');
      const logits = this.model.withEvalMode(() => this.model.decodeLogits(this.memoryKV, ids));
      return tf.reshape(tf.slice(logits, [0, s - 1, 0], [this.rows, 1, this.model.vocabSize]), [this.rows, this.model.vocabSize]) as tf.Tensor2D;
    });
  }

  reorder(parents: Int32Array): void {
    this.history = this.history.map((col) => Int32Array.from(parents, (p) => col[p]!));
  }

  dispose(): void {
    disposeKVs(this.memoryKV);
    this.history = [];
  }
}

/** Row indices -> indices into head-folded [heads*rows, ...] tensors of the given layout. */
function expandHeads(parents: Int32Array, heads: number, layout: HeadLayout): Int32Array {
  const rows = parents.length;
  const out = new Int32Array(rows * heads);
  for (let h = 0; h < heads; h++) {
    for (let r = 0; r < rows; r++) {
      if (layout === 'head') out[h * rows + r] = h * rows + parents[r]!;
      else out[r * heads + h] = parents[r]! * heads + h;
    }
  }
  return out;
}

function disposeKVs(kvs: ReadonlyArray<KV | null>): void {
  for (const kv of kvs) {
    if (!kv) continue;
    kv.k.dispose();
    kv.v.dispose();
  }
}
