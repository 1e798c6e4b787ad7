/**
 * The transformer decoder rewritten for cached decoding steps (inference only), from
 * the model's current weights. Three rewrites, each exact in real arithmetic, halve the
 * kernels of a step (the step's cost on native is mostly per-kernel overhead):
 *
 * - Each LayerNorm's scale γ and shift β move into the projection that reads it:
 *   LN(x)·W + b = n(x)·(diag(γ)·W) + (β·W + b), with n the bare normalisation.
 * - The attention scale 1/sqrt(dh) moves into the query weights.
 * - The residual stream is kept centred (every row sums to 0): the token and position
 *   tables and every projection that adds to the stream are centred, W·(I - 11ᵀ/D).
 *   LayerNorm ignores a row's mean, and LayerNorms are the stream's only readers, so
 *   nothing else changes, and on a centred row n(x) = x·rsqrt(mean(x²) + eps): one
 *   RMS normalisation instead of nine kernels. (The pre-LN to pre-RMSNorm equivalence
 *   of Jiang et al., "Pre-RMSNorm and Pre-CRMSNorm Transformers", NeurIPS 2023.)
 *
 * The tests hold its logits at every step to the uncached decoder's, which runs the whole
 * prefix through the unfolded layers.
 */
import * as tf from '@tensorflow/tfjs-core';
import { htrError } from '../errors.js';
import { tidy } from './module.js';
import { project, type Projection } from './layers/linear.js';
import { rmsNorm } from './layers/rms_norm.js';
import type { LayerNorm } from './layers/layer_norm.js';
import { appendToCache, attentionContext, foldBatchMajor, type KV } from './layers/multi_head_attention.js';
import type { TransformerDecoder } from './transformer_decoder.js';
import type { CachedStepper } from './step_decoder.js';
import { CompiledFunctions } from './compiled_functions.js';

/** The decoder's parts, as trained. */
export interface DecoderParts {
  readonly tokenTable: tf.Tensor2D;
  /** Makes the position encodings of every position [maxLength, D] (freed after folding). */
  readonly positionTable: () => tf.Tensor2D;
  readonly decoder: TransformerDecoder;
  readonly finalNorm: LayerNorm;
  readonly head: Projection;
  readonly heads: number;
}

interface FoldedLayer {
  readonly selfQkv: Projection;
  readonly selfOut: Projection;
  readonly crossQ: Projection;
  readonly crossOut: Projection;
  readonly ff1: Projection;
  readonly ff2: Projection;
  readonly eps: readonly [number, number, number];
}

interface FoldedWeights {
  readonly tokens: tf.Tensor2D;
  readonly positions: tf.Tensor2D;
  readonly layers: FoldedLayer[];
  readonly head: Projection;
}

/** Queries are already scaled (folded into their projection). */
const UNSCALED = 1;

export class FoldedDecoder implements CachedStepper {
  readonly heads: number;
  private readonly w: FoldedWeights;
  private readonly finalEps: number;
  /** The step as one backend call where the backend compiles functions, per batch size and first/later step. */
  private readonly compiled: CompiledFunctions;

  constructor(parts: DecoderParts) {
    this.heads = parts.heads;
    this.finalEps = parts.finalNorm.eps;
    this.w = tidy(() => foldWeights(parts));
    // The model keeps it across calls: a caller's tf.tidy around the first decode must not free it.
    for (const t of this.tensors()) tf.keep(t);
    this.compiled = new CompiledFunctions(this.tensors());
  }

  step(tokens: Int32Array, pos: number, caches: ReadonlyArray<KV | null>, memoryKV: readonly KV[]): { logits: tf.Tensor2D; caches: KV[] } {
    const maxLength = this.w.positions.shape[0];
    if (pos >= maxLength) {
      throw htrError('HTR_ERR_SHAPE_MISMATCH', { key: 'text length', expected: `at most ${maxLength}`, actual: pos + 1 });
    }
    const cached = caches[0] != null;
    return tidy(() => {
      const inputs = [
        tf.tensor1d(tokens, 'int32'),
        tf.tensor1d([pos], 'int32'),
        ...(cached ? caches.flatMap((c) => [c!.k, c!.v]) : []),
        ...memoryKV.flatMap((m) => [m.k, m.v]),
      ];
      const [logits, ...grown] = this.compiled.run(`${tokens.length}:${cached}`, (t) => this.stepTensors(t, cached, memoryKV), inputs);
      const next = memoryKV.map((_, i): KV => ({ k: grown[2 * i]! as tf.Tensor3D, v: grown[2 * i + 1]! as tf.Tensor3D, kTransposed: false, layout: 'batch' }));
      return { logits: logits as tf.Tensor2D, caches: next };
    });
  }

  dispose(): void {
    this.compiled.dispose();
    tf.dispose(this.tensors());
  }

  /**
   * One step on tensors only: [token ids [B], position [1], (self-attention k, v per layer),
   * memory k, v per layer] -> [logits [B, V], grown k, v per layer]. The memory's layout
   * fields come from `memoryKV`; its tensors from the inputs.
   */
  private stepTensors(inputs: readonly tf.Tensor[], cached: boolean, memoryKV: readonly KV[]): tf.Tensor[] {
    const layers = this.w.layers.length;
    const [ids, position] = inputs as [tf.Tensor1D, tf.Tensor1D];
    const kv = (offset: number, i: number, like: Pick<KV, 'kTransposed' | 'layout'>): KV => ({ ...like, k: inputs[offset + 2 * i] as tf.Tensor3D, v: inputs[offset + 2 * i + 1] as tf.Tensor3D });
    const cacheAt = (i: number): KV | null => (cached ? kv(2, i, { kTransposed: false, layout: 'batch' }) : null);
    const memoryAt = (i: number): KV => kv(cached ? 2 + 2 * layers : 2, i, memoryKV[i]!);
    const b = ids.shape[0];
    const opts = { heads: this.heads, scale: UNSCALED };
    let x = tf.add(tf.gather(this.w.tokens, ids), tf.gather(this.w.positions, position)) as tf.Tensor2D;
    const grown: tf.Tensor[] = [];
    this.w.layers.forEach((l, i) => {
      const self = appendToCache(project(rmsNorm(x, l.eps[0]), l.selfQkv), cacheAt(i), this.heads);
      grown.push(self.cache.k, self.cache.v);
      x = tf.add(x, project(attentionContext(self.q, self.cache, b, 1, opts), l.selfOut));
      const q = foldBatchMajor(project(rmsNorm(x, l.eps[1]), l.crossQ), b, 1, this.heads);
      x = tf.add(x, project(attentionContext(q, memoryAt(i), b, 1, opts), l.crossOut));
      x = tf.add(x, project(project(rmsNorm(x, l.eps[2]), l.ff1, 'relu'), l.ff2));
    });
    return [project(rmsNorm(x, this.finalEps), this.w.head), ...grown];
  }

  private tensors(): tf.Tensor[] {
    const projections = [this.w.head];
    for (const l of this.w.layers) projections.push(l.selfQkv, l.selfOut, l.crossQ, l.crossOut, l.ff1, l.ff2);
    return [this.w.tokens, this.w.positions, ...projections.flatMap((p) => (p.bias ? [p.weight, p.bias] : [p.weight]))];
  }
}

function foldWeights(parts: DecoderParts): FoldedWeights {
  const layers = parts.decoder.layers.map((l): FoldedLayer => {
    const { selfAttn, crossAttn } = l;
    const scale = 1 / Math.sqrt(selfAttn.headDim);
    const d = selfAttn.dim;
    // Scale the q part of the fused q|k|v columns only.
    const qkvScale = tf.concat([tf.fill([d], scale), tf.ones([2 * d])]) as tf.Tensor1D;
    return {
      selfQkv: scaleColumns(foldNorm(l.norm1, selfAttn.qkv!), qkvScale),
      selfOut: centreColumns(selfAttn.out),
      crossQ: scaleColumns(foldNorm(l.norm2, crossAttn.q!), scale),
      crossOut: centreColumns(crossAttn.out),
      ff1: foldNorm(l.norm3, l.ff1),
      ff2: centreColumns(l.ff2),
      eps: [l.norm1.eps, l.norm2.eps, l.norm3.eps],
    };
  });
  return {
    tokens: centreRows(parts.tokenTable),
    positions: centreRows(parts.positionTable()),
    layers,
    head: foldNorm(parts.finalNorm, parts.head),
  };
}

/** LN(x)·W + b = n(x)·(diag(γ)·W) + (β·W + b). */
function foldNorm(norm: LayerNorm, p: Projection): Projection {
  const weight = tf.mul(p.weight, tf.reshape(norm.weight, [-1, 1])) as tf.Tensor2D;
  const shift = tf.reshape(tf.matMul(tf.reshape(norm.bias, [1, -1]), p.weight), [-1]) as tf.Tensor1D;
  return { weight, bias: p.bias ? tf.add(shift, p.bias) as tf.Tensor1D : shift };
}

function scaleColumns(p: Projection, scale: tf.Tensor1D | number): Projection {
  return { weight: tf.mul(p.weight, scale) as tf.Tensor2D, bias: p.bias ? tf.mul(p.bias, scale) as tf.Tensor1D : null };
}

/** W·(I - 11ᵀ/D), b·(I - 11ᵀ/D): every output row then has mean 0. */
function centreColumns(p: Projection): Projection {
  return { weight: centreRows(p.weight), bias: p.bias ? tf.sub(p.bias, tf.mean(p.bias)) as tf.Tensor1D : null };
}

function centreRows(t: tf.Tensor2D): tf.Tensor2D {
  return tf.sub(t, tf.mean(t, 1, true));
}
