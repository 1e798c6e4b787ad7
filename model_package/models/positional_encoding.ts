/**
 * Position information for image and text tokens.
 * - 'learned' (default, as the torch reference): image tokens get row + column
 *   embeddings, text tokens a 1-D embedding (GPT-2 style).
 * - 'sinusoidal': fixed Vaswani encodings; images use row sinusoids in the first
 *   half of the channels and column sinusoids in the second (DETR style).
 */
import * as tf from '@tensorflow/tfjs-core';
import { BaseModule } from './module.js';
import { Embedding } from './layers/embedding.js';
import { htrError } from '../errors.js';
import type { Rng } from '../core/rng.js';

export type PosEncodingKind = 'learned' | 'sinusoidal';

/** Table [n, d]: sin on even channels, cos on odd ones. */
export function sinusoidTable(n: number, d: number, start = 0): Float32Array {
  const out = new Float32Array(n * d);
  for (let p = 0; p < n; p++) {
    for (let i = 0; i < d; i += 2) {
      const angle = (start + p) / Math.pow(10000, i / d);
      out[p * d + i] = Math.sin(angle);
      if (i + 1 < d) out[p * d + i + 1] = Math.cos(angle);
    }
  }
  return out;
}

export interface ImagePositionsOptions {
  readonly kind: PosEncodingKind;
  readonly dim: number;
  readonly maxRows: number;
  readonly maxCols: number;
  readonly rng: Rng;
}

export class ImagePositions extends BaseModule {
  private readonly row: Embedding | null;
  private readonly col: Embedding | null;

  constructor(private readonly o: ImagePositionsOptions) {
    super();
    const learned = o.kind === 'learned';
    this.row = learned ? this.registerModule('row', new Embedding({ num: o.maxRows, dim: o.dim, rng: o.rng })) : null;
    this.col = learned ? this.registerModule('col', new Embedding({ num: o.maxCols, dim: o.dim, rng: o.rng })) : null;
  }

  /** Encodings [h*w, dim] for a feature map of h rows and w columns, row-major. */
  forward(h: number, w: number): tf.Tensor2D {
    if (h > this.o.maxRows || w > this.o.maxCols) {
      throw htrError('HTR_ERR_SHAPE_MISMATCH', {
        key: 'image feature map', expected: `at most ${this.o.maxRows}x${this.o.maxCols} (max_rows x max_cols)`, actual: `${h}x${w}`,
      });
    }
    const d = this.o.dim;
    return tf.tidy(() => {
      if (this.row && this.col) {
        const r = tf.reshape(this.row.rows(h), [h, 1, d]);
        const c = tf.reshape(this.col.rows(w), [1, w, d]);
        return tf.reshape(tf.add(r, c), [h * w, d]) as tf.Tensor2D;
      }
      const half = Math.floor(d / 2);
      const rows = sinusoidTable(h, half);
      const cols = sinusoidTable(w, d - half);
      const out = new Float32Array(h * w * d);
      for (let i = 0; i < h; i++) {
        for (let j = 0; j < w; j++) {
          const o = (i * w + j) * d;
          out.set(rows.subarray(i * half, (i + 1) * half), o);
          out.set(cols.subarray(j * (d - half), (j + 1) * (d - half)), o + half);
        }
      }
      return tf.tensor2d(out, [h * w, d]);
    });
  }
}

export interface TextPositionsOptions {
  readonly kind: PosEncodingKind;
  readonly dim: number;
  readonly maxLength: number;
  readonly rng: Rng;
}

export class TextPositions extends BaseModule {
  private readonly table: Embedding | null;

  constructor(private readonly o: TextPositionsOptions) {
    super();
    this.table = o.kind === 'learned'
      ? this.registerModule('pos', new Embedding({ num: o.maxLength, dim: o.dim, rng: o.rng }))
      : null;
  }

  /** Encodings [n, dim] of positions start..start+n-1. */
  forward(n: number, start = 0): tf.Tensor2D {
    if (start + n > this.o.maxLength) {
      throw htrError('HTR_ERR_SHAPE_MISMATCH', { key: 'text length', expected: `at most ${this.o.maxLength}`, actual: start + n });
    }
    if (this.table) return this.table.rows(n, start);
    return tf.tensor2d(sinusoidTable(n, this.o.dim, start), [n, this.o.dim]);
  }
}
