/**
 * Multi-head scaled dot-product attention (PyTorch nn.MultiheadAttention math).
 *
 * Heads are folded into the batch: q/k/v are [heads*B, S, dh] (see HeadLayout) and attention is two
 * batched matMuls, so every tensor stays at rank <= 4. Projections are 2-D matMuls
 * with the weight as the `b` operand.
 *
 * - 'self': one fused q|k|v projection (`qkv`); `step` attends one new token to a
 *   growing key/value cache.
 * - 'cross': `q` for the queries and a fused k|v projection (`kv`) of the memory,
 *   computed once per image with `projectKV` and reused at every step.
 */
import * as tf from '@tensorflow/tfjs-core';
import { BaseModule, tidy } from '../module.js';
import { Linear } from './linear.js';
import { dropout } from './dropout.js';
import type { Rng } from '../../core/rng.js';

/**
 * How heads are folded into the batch axis of [heads*B, T, dh] tensors.
 * - 'head' (row h*B + b): whole-sequence passes (training, uncached decoding); the
 *   fused q|k|v projection then splits along the outer axis, a contiguous copy.
 * - 'batch' (row b*heads + h): one-token decoding steps, where [B, D] <-> [B*heads, 1, dh]
 *   is a free reshape, so a step needs no transposes for queries and outputs.
 */
export type HeadLayout = 'head' | 'batch';

/**
 * Keys and values per head; values [heads*B, T, dh]. Keys are [heads*B, T, dh], or
 * transposed [heads*B, dh, T] when `kTransposed`. Measured on wasm: q @ kT is ~1.3x
 * faster than a transposed-operand matMul, so the image memory's keys (reused at
 * every decoding step) are stored transposed; the self-attention cache is not,
 * because growing kT along its last axis (concat) is ~9x slower than growing k
 * along axis 1.
 */
export interface KV {
  readonly k: tf.Tensor3D;
  readonly v: tf.Tensor3D;
  readonly kTransposed: boolean;
  readonly layout: HeadLayout;
}

export interface MultiHeadAttentionOptions {
  readonly dim: number;
  readonly heads: number;
  readonly kind: 'self' | 'cross';
  readonly dropout?: number;
  readonly rng: Rng;
}

export class MultiHeadAttention extends BaseModule {
  readonly dim: number;
  readonly heads: number;
  readonly headDim: number;
  readonly kind: 'self' | 'cross';
  /** Projections (read by the folded decoder, folded_decoder.ts). */
  readonly qkv: Linear | null;
  readonly q: Linear | null;
  readonly kv: Linear | null;
  readonly out: Linear;
  private readonly dropoutRate: number;
  private readonly rng: Rng;

  constructor(o: MultiHeadAttentionOptions) {
    super();
    if (o.dim % o.heads !== 0) throw new RangeError(`attention dim ${o.dim} is not divisible by ${o.heads} heads`);
    this.dim = o.dim;
    this.heads = o.heads;
    this.headDim = o.dim / o.heads;
    this.kind = o.kind;
    this.dropoutRate = o.dropout ?? 0;
    this.rng = o.rng;
    const lin = (name: string, out: number, init: 'xavier' | 'default'): Linear =>
      this.registerModule(name, new Linear({ inFeatures: o.dim, outFeatures: out, init, zeroBias: true, rng: o.rng }));
    // Xavier over the fused [dim, 3*dim] matrix, as PyTorch initialises in_proj_weight.
    this.qkv = o.kind === 'self' ? lin('qkv', 3 * o.dim, 'xavier') : null;
    this.q = o.kind === 'cross' ? lin('q', o.dim, 'xavier') : null;
    this.kv = o.kind === 'cross' ? lin('kv', 2 * o.dim, 'xavier') : null;
    this.out = lin('out', o.dim, 'default'); // PyTorch: default weight, zero bias
  }

  /**
   * Self-attention over x [B,S,D] (causal if `mask` is given: [S,S] additive).
   * Cross-attention of x [B,S,D] to precomputed `kv` (from `projectKV(memory)`); a
   * 2-D x [B,D] is one query per row (decoding steps) and gives [B,D], no reshapes.
   */
  forward<T extends tf.Tensor2D | tf.Tensor3D>(x: T, opts: { mask?: tf.Tensor2D; kv?: KV } = {}): T {
    return tf.tidy(() => {
      const [b, s] = x.rank === 2 ? [x.shape[0], 1] : [x.shape[0], x.shape[1]!];
      const flat = x.rank === 2 ? (x as tf.Tensor2D) : tf.reshape(x, [b * s, this.dim]) as tf.Tensor2D;
      if (this.kind === 'self') {
        const [q, k, v] = this.splitFused(this.qkv!.forward(flat), b, s, 3);
        return this.attend(q!, { k: k!, v: v!, kTransposed: false, layout: 'head' }, b, s, opts.mask, x.rank === 2) as T;
      }
      if (!opts.kv) throw new Error('cross-attention needs kv = projectKV(memory)');
      const q2 = this.q!.forward(flat);
      const q = opts.kv.layout === 'head' ? this.splitFused(q2, b, s, 1)[0]! : foldBatchMajor(q2, b, s, this.heads);
      return this.attend(q, opts.kv, b, s, undefined, x.rank === 2) as T;
    });
  }

  /**
   * Keys/values of `src` [B,T,D] per head. Cross: the image memory (keys stored
   * transposed); self: a token prefix.
   */
  projectKV(src: tf.Tensor3D, layout: HeadLayout = 'head'): KV {
    return tidy((): KV => {
      const [b, t] = src.shape;
      const flat = tf.reshape(src, [b * t, this.dim]) as tf.Tensor2D;
      const cross = this.kind === 'cross';
      const proj = cross ? this.kv!.forward(flat) : this.qkv!.forward(flat);
      if (layout === 'head') {
        const parts = this.splitFused(proj, b, t, cross ? 2 : 3);
        const [k, v] = cross ? parts : parts.slice(1);
        return { k: cross ? tf.transpose(k!, [0, 2, 1]) : k!, v: v!, kTransposed: cross, layout };
      }
      const parts = tf.split(proj, cross ? 2 : 3, 1);
      const [k2, v2] = cross ? parts : parts.slice(1);
      const k = cross
        ? tf.reshape(tf.transpose(tf.reshape(k2!, [b, t, this.heads, this.headDim]), [0, 2, 3, 1]), [b * this.heads, this.headDim, t])
        : foldBatchMajor(k2 as tf.Tensor2D, b, t, this.heads);
      return { k: k as tf.Tensor3D, v: foldBatchMajor(v2 as tf.Tensor2D, b, t, this.heads), kTransposed: cross, layout };
    });
  }

  /**
   * Incremental self-attention: x [B,1,D] (or [B,D]) is the newest token; `cache` holds
   * keys and values of the earlier ones (null at the first step). Returns the output,
   * shaped like x, and the grown cache; the caller owns both and disposes the old cache.
   */
  step<T extends tf.Tensor2D | tf.Tensor3D>(x: T, cache: KV | null): { out: T; cache: KV } {
    if (this.kind !== 'self') throw new Error('step() is for self-attention; use forward({ kv }) for cross');
    return tidy(() => {
      const b = x.shape[0];
      const x2 = x.rank === 2 ? (x as tf.Tensor2D) : tf.reshape(x, [b, this.dim]) as tf.Tensor2D;
      const grown = appendToCache(this.qkv!.forward(x2), cache, this.heads);
      return { out: this.attend(grown.q, grown.cache, b, 1, undefined, x.rank === 2) as T, cache: grown.cache };
    });
  }

  /**
   * [B*S, n*D] fused projection -> n tensors [heads*B, S, dh] (head-major rows:
   * index h*B + b) with one rank-4 transpose [B,S,n*H,dh] -> [n*H,B,S,dh]; the split
   * is then along the outer axis, i.e. contiguous (a cheap copy on every backend).
   */
  private splitFused(proj: tf.Tensor2D, b: number, s: number, n: number): tf.Tensor3D[] {
    const h = this.heads;
    const dh = this.headDim;
    const t = tf.transpose(tf.reshape(proj, [b, s, n * h, dh]), [2, 0, 1, 3]) as tf.Tensor4D;
    const parts = n === 1 ? [t] : tf.split(t, n, 0);
    return parts.map((p) => tf.reshape(p, [h * b, s, dh]) as tf.Tensor3D);
  }

  /** Attention output [B,S,D], or [B*S,D] when `flat`. */
  private attend(q: tf.Tensor3D, kv: KV, b: number, s: number, mask?: tf.Tensor2D, flat = false): tf.Tensor2D | tf.Tensor3D {
    const merged = attentionContext(q, kv, b, s, {
      heads: this.heads,
      scale: 1 / Math.sqrt(this.headDim),
      mask,
      dropProbs: (p) => dropout(p, this.dropoutRate, this.training, this.rng),
    });
    const out = this.out.forward(merged);
    return flat ? out : tf.reshape(out, [b, s, this.dim]) as tf.Tensor3D;
  }
}

export interface AttentionOptions {
  readonly heads: number;
  /** Multiplies the queries: 1/sqrt(dh), or 1 where it is folded into their projection. */
  readonly scale: number;
  /** Additive [S,T] mask (causal self-attention). */
  readonly mask?: tf.Tensor2D;
  /** Dropout on the attention probabilities (training). */
  readonly dropProbs?: (probs: tf.Tensor3D) => tf.Tensor3D;
}

/**
 * Scaled dot-product attention of q [heads*B, S, dh] (in kv's layout) over `kv`: the
 * heads' outputs merged back to [B*S, D], before the output projection.
 */
export function attentionContext(q: tf.Tensor3D, kv: KV, b: number, s: number, o: AttentionOptions): tf.Tensor2D {
  const scaled = o.scale === 1 ? q : tf.mul(q, o.scale);
  let scores: tf.Tensor3D = tf.matMul(scaled, kv.k, false, !kv.kTransposed);
  if (o.mask) scores = tf.add(scores, o.mask);
  const softmax = tf.softmax(scores);
  const probs = o.dropProbs ? o.dropProbs(softmax) : softmax;
  const ctx = tf.matMul(probs, kv.v); // [heads*B, S, dh] in kv.layout
  const h = o.heads;
  const dh = q.shape[2];
  const dim = h * dh;
  if (kv.layout === 'head') return tf.reshape(tf.transpose(tf.reshape(ctx, [h, b, s, dh]), [1, 2, 0, 3]), [b * s, dim]);
  if (s === 1) return tf.reshape(ctx, [b, dim]);
  return tf.reshape(tf.transpose(tf.reshape(ctx, [b, h, s, dh]), [0, 2, 1, 3]), [b * s, dim]);
}

/**
 * One decoding step's fused q|k|v projection [B, 3D] -> its query [B*heads, 1, dh] and the
 * self-attention cache grown by its key and value (batch-major: [B, D] -> [B*heads, 1, dh]
 * is a reshape, no transpose). The caller owns the new cache and disposes the old one.
 */
export function appendToCache(qkv: tf.Tensor2D, cache: KV | null, heads: number): { q: tf.Tensor3D; cache: KV } {
  if (cache && (cache.kTransposed || cache.layout !== 'batch')) throw new Error('decoding-step caches are batch-major, keys untransposed');
  const b = qkv.shape[0];
  const [q, k, v] = tf.split(qkv, 3, 1).map((p) => foldBatchMajor(p as tf.Tensor2D, b, 1, heads));
  return {
    q: q!,
    cache: {
      k: cache ? tf.concat([cache.k, k!], 1) : k!,
      v: cache ? tf.concat([cache.v, v!], 1) : v!,
      kTransposed: false,
      layout: 'batch',
    },
  };
}

/** [B*S, D] -> [B*heads, S, dh] batch-major (a pure reshape when S = 1). */
export function foldBatchMajor(t: tf.Tensor2D, b: number, s: number, heads: number): tf.Tensor3D {
  const dh = t.shape[1] / heads;
  if (s === 1) return tf.reshape(t, [b * heads, 1, dh]);
  return tf.reshape(tf.transpose(tf.reshape(t, [b, s, heads, dh]), [0, 2, 1, 3]), [b * heads, s, dh]);
}

/** Additive causal mask [S,S]: 0 on and below the diagonal, -1e9 above. */
export function causalMask(s: number): tf.Tensor2D {
  const data = new Float32Array(s * s);
  for (let i = 0; i < s; i++) for (let j = i + 1; j < s; j++) data[i * s + j] = -1e9;
  return tf.tensor2d(data, [s, s]);
}
