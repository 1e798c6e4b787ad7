/**
 * Context for the CTC head: pre-norm transformer encoder layers over the encoder's
 * columns (x += SelfAttn(LN1(x)); x += FF(LN2(x)), then a final LayerNorm). The
 * ResNet alone sees a few characters around each column; reading a cursive line
 * frame by frame needs more, which the attention decoder gets from its
 * cross-attention and CTC gets from these layers.
 */
import * as tf from '@tensorflow/tfjs-core';
import { BaseModule } from './module.js';
import { LayerNorm } from './layers/layer_norm.js';
import { Linear } from './layers/linear.js';
import { MultiHeadAttention } from './layers/multi_head_attention.js';
import type { Rng } from '../core/rng.js';

export interface ColumnEncoderOptions {
  readonly dim: number;
  readonly ffDim: number;
  readonly heads: number;
  readonly layers: number;
  readonly rng: Rng;
}

class EncoderLayer extends BaseModule {
  private readonly norm1: LayerNorm;
  private readonly selfAttn: MultiHeadAttention;
  private readonly norm2: LayerNorm;
  private readonly ff1: Linear;
  private readonly ff2: Linear;

  constructor(o: ColumnEncoderOptions) {
    super();
    const { dim, rng } = o;
    this.norm1 = this.registerModule('norm1', new LayerNorm(dim));
    this.selfAttn = this.registerModule('self_attn', new MultiHeadAttention({ dim, heads: o.heads, kind: 'self', dropout: 0, rng }));
    this.norm2 = this.registerModule('norm2', new LayerNorm(dim));
    this.ff1 = this.registerModule('ff1', new Linear({ inFeatures: dim, outFeatures: o.ffDim, rng }));
    this.ff2 = this.registerModule('ff2', new Linear({ inFeatures: o.ffDim, outFeatures: dim, rng }));
  }

  forward(x: tf.Tensor3D): tf.Tensor3D {
    return tf.tidy(() => {
      const h = tf.add(x, this.selfAttn.forward(this.norm1.forward(x))) as tf.Tensor3D;
      return tf.add(h, this.ff2.forward(this.ff1.forward(this.norm2.forward(h), 'relu'))) as tf.Tensor3D;
    });
  }
}

export class ColumnEncoder extends BaseModule {
  private readonly layers: EncoderLayer[] = [];
  private readonly norm: LayerNorm;

  constructor(o: ColumnEncoderOptions) {
    super();
    for (let i = 0; i < o.layers; i++) this.layers.push(this.registerModule(`layers.${i}`, new EncoderLayer(o)));
    this.norm = this.registerModule('norm', new LayerNorm(o.dim));
  }

  /** Columns [B, W', D] -> contextual columns [B, W', D]. */
  forward(x: tf.Tensor3D): tf.Tensor3D {
    return tf.tidy(() => {
      let h = x;
      for (const l of this.layers) h = l.forward(h);
      return this.norm.forward(h);
    });
  }
}
