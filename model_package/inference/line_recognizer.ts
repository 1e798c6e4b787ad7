/**
 * Batched recognition of preprocessed line images with any `Recognizer`, in any
 * decode mode of `models/decoding`, with a probability for every emitted
 * character. `Predictor` calls it (directly, or through the server's micro-batcher).
 */
import * as tf from '@tensorflow/tfjs-core';
import { htrError } from '../errors.js';
import { SPECIAL_TOKENS, Tokenizer } from '../core/tokenizer.js';
import type { GrayImage } from '../core/data_types.js';
import type { Recognizer } from '../models/types.js';
import { decode, type Decoding, type Hypothesis } from '../models/decoding/index.js';
import { WIDTH_QUANTUM } from '../core/data_types.js';
import type { LmFusion } from '../lm/fusion.js';

export interface RecognizeOptions {
  /** Decode mode (default auto: the fastest the model supports). */
  readonly decoding?: Decoding;
  /** Beams kept per line (beam decoding only; default 5). */
  readonly beamWidth?: number;
}

export interface CharProb {
  readonly char: string;
  /** Model probability of this character at its position. */
  readonly p: number;
}

export interface LinePrediction {
  readonly text: string;
  /** exp(mean log-prob) of the characters and the end token, in (0, 1]. */
  readonly confidence: number;
  readonly chars: readonly CharProb[];
}

export class LineRecognizer {
  readonly tokenizer: Tokenizer;
  readonly height: number;
  /** Widest line the model takes (its inputDims width). */
  readonly width: number;

  /** `lm`: a character language model fused into the CTC beam modes of every call. */
  constructor(readonly recognizer: Recognizer, readonly lm?: LmFusion) {
    recognizer.train(false);
    this.tokenizer = new Tokenizer(recognizer.dataConfig.mapping);
    const [, height, width] = recognizer.dataConfig.inputDims;
    this.height = height;
    this.width = width;
  }

  /** Recognizes lines of the model's height and any width up to its input width. */
  async recognize(images: readonly GrayImage[], options: RecognizeOptions = {}): Promise<LinePrediction[]> {
    if (images.length === 0) return [];
    const x = this.stack(images);
    try {
      const widths = images.map((img) => img.width);
      const hyps = await decode(this.recognizer, x, options.decoding ?? 'auto', { beamWidth: options.beamWidth ?? 5, widths, ...(this.lm ? { lm: this.lm } : {}) });
      return hyps.map((h) => this.toPrediction(h));
    } finally {
      x.dispose();
    }
  }

  /**
   * [B, H, W, 1] input tensor, zero padded on the right to the widest line rounded
   * up to WIDTH_QUANTUM (as training batches are); the caller owns it.
   */
  stack(images: readonly GrayImage[]): tf.Tensor4D {
    for (const img of images) {
      if (img.height !== this.height || img.width < 1 || img.width > this.width) {
        throw htrError('HTR_ERR_SHAPE_MISMATCH', {
          key: 'image',
          expected: `[${this.height}, 1..${this.width}]`,
          actual: [img.height, img.width],
        });
      }
    }
    const widest = Math.max(...images.map((img) => img.width));
    const width = Math.min(this.width, Math.ceil(widest / WIDTH_QUANTUM) * WIDTH_QUANTUM);
    const data = new Float32Array(images.length * this.height * width);
    images.forEach((img, i) => {
      for (let r = 0; r < this.height; r++) {
        data.set(img.data.subarray(r * img.width, (r + 1) * img.width), (i * this.height + r) * width);
      }
    });
    return tf.tensor4d(data, [images.length, this.height, width, 1]);
  }

  /** A hypothesis as text and per-character probabilities; special tokens mid-line count for confidence but are not text. */
  private toPrediction(h: Hypothesis): LinePrediction {
    const chars: CharProb[] = [];
    h.tokens.forEach((id, i) => {
      if (id >= SPECIAL_TOKENS.length) chars.push({ char: this.tokenizer.mapping[id] ?? '', p: h.charProbs[i] ?? 0 });
    });
    return { text: chars.map((c) => c.char).join(''), confidence: h.confidence, chars };
  }
}
