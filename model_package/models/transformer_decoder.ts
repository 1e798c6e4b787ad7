/**
 * Pre-norm transformer decoder (PyTorch TransformerDecoderLayer, norm_first=True):
 *   x += SelfAttn(LN1(x), causal); x += CrossAttn(LN2(x), memory); x += FF(LN3(x))
 * with a final LayerNorm. `forward` runs a whole prefix; cached decoding steps run the
 * folded copy of this decoder (folded_decoder.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import { BaseModule } from './module.js';
import { LayerNorm } from './layers/layer_norm.js';
import { Linear } from './layers/linear.js';
import { MultiHeadAttention, type HeadLayout, type KV } from './layers/multi_head_attention.js';
import { dropout } from './layers/dropout.js';
import type { Rng } from '../core/rng.js';

export interface TransformerDecoderOptions {
  readonly dim: number;
  readonly ffDim: number;
  readonly heads: number;
  readonly layers: number;
  readonly dropout: number;
  readonly rng: Rng;
}

export class DecoderLayer extends BaseModule {
  readonly norm1: LayerNorm;
  readonly selfAttn: MultiHeadAttention;
  readonly norm2: LayerNorm;
  readonly crossAttn: MultiHeadAttention;
  readonly norm3: LayerNorm;
  readonly ff1: Linear;
  readonly ff2: Linear;
  private readonly rate: number;
  private readonly rng: Rng;

  constructor(o: TransformerDecoderOptions) {
    super();
    const { dim, rng } = o;
    this.rate = o.dropout;
    this.rng = rng;
    this.norm1 = this.registerModule('norm1', new LayerNorm(dim));
    this.selfAttn = this.registerModule('self_attn', new MultiHeadAttention({ dim, heads: o.heads, kind: 'self', dropout: o.dropout, rng }));
    this.norm2 = this.registerModule('norm2', new LayerNorm(dim));
    this.crossAttn = this.registerModule('cross_attn', new MultiHeadAttention({ dim, heads: o.heads, kind: 'cross', dropout: o.dropout, rng }));
    this.norm3 = this.registerModule('norm3', new LayerNorm(dim));
    this.ff1 = this.registerModule('ff1', new Linear({ inFeatures: dim, outFeatures: o.ffDim, rng }));
    this.ff2 = this.registerModule('ff2', new Linear({ inFeatures: o.ffDim, outFeatures: dim, rng }));
  }

  forward(x: tf.Tensor3D, memoryKV: KV, mask: tf.Tensor2D): tf.Tensor3D {
    return tf.tidy(() => {
      let h: tf.Tensor3D = tf.add(x, this.drop(this.selfAttn.forward(this.norm1.forward(x), { mask })));
      h = tf.add(h, this.drop(this.crossAttn.forward(this.norm2.forward(h), { kv: memoryKV })));
      return tf.add(h, this.drop(this.feedForward(this.norm3.forward(h))));
    });
  }

  private feedForward<T extends tf.Tensor2D | tf.Tensor3D>(x: T): T {
    return this.ff2.forward(this.drop(this.ff1.forward(x, 'relu')));
  }

  private drop<T extends tf.Tensor>(x: T): T {
    return dropout(x, this.rate, this.training, this.rng);
  }
}

export class TransformerDecoder extends BaseModule {
  readonly layers: DecoderLayer[] = [];
  readonly norm: LayerNorm;

  constructor(o: TransformerDecoderOptions) {
    super();
    for (let i = 0; i < o.layers; i++) this.layers.push(this.registerModule(`layers.${i}`, new DecoderLayer(o)));
    this.norm = this.registerModule('norm', new LayerNorm(o.dim));
  }

  /**
   * Cross-attention keys/values of the image memory [B,N,D], one per layer; computed
   * once per image. `forward` takes the 'head' layout, cached decoding steps the 'batch' one.
   */
  memoryKV(memory: tf.Tensor3D, layout: HeadLayout = 'head'): KV[] {
    return this.layers.map((l) => l.crossAttn.projectKV(memory, layout));
  }

  /** Whole prefix x [B,S,D] with a causal mask -> normalised hidden states [B,S,D]. */
  forward(x: tf.Tensor3D, memoryKV: readonly KV[], mask: tf.Tensor2D): tf.Tensor3D {
    return tf.tidy(() => {
      let h = x;
      this.layers.forEach((l, i) => { h = l.forward(h, memoryKV[i]!, mask); });
      return this.norm.forward(h);
    });
  }
}
