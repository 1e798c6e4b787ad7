/**
 * Batched recognition of preprocessed line images with any `Recognizer`:
 * greedy or beam decoding, with a probability for every emitted character.
 * Used by the HTTP server (through its micro-batcher) and the batch CLI.
 */
import * as tf from '@tensorflow/tfjs-core';
import { htrError } from '../errors.js';
import { END_INDEX, PAD_INDEX, SPECIAL_TOKENS, START_INDEX, Tokenizer } from '../core/tokenizer.js';
import type { GrayImage } from '../core/data_types.js';
import type { Recognizer } from '../models/types.js';

export type Decoding = 'greedy' | 'beam';

export interface RecognizeOptions {
  readonly decoding?: Decoding;
  /** Beams kept per line (beam decoding only). */
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
  readonly width: number;

  constructor(readonly recognizer: Recognizer) {
    recognizer.train(false);
    this.tokenizer = new Tokenizer(recognizer.dataConfig.mapping);
    const [, height, width] = recognizer.dataConfig.inputDims;
    this.height = height;
    this.width = width;
  }

  /** Recognizes images of exactly the model's input size ([H, W] of inputDims). */
  async recognize(images: readonly GrayImage[], options: RecognizeOptions = {}): Promise<LinePrediction[]> {
    if (images.length === 0) return [];
    const x = this.stack(images);
    try {
      if ((options.decoding ?? 'greedy') === 'beam') return await this.beam(x, options.beamWidth ?? 5);
      if (this.recognizer.stepDecoder) return await this.greedySteps(x);
      return await this.greedy(x);
    } finally {
      x.dispose();
    }
  }

  /** [B, H, W, 1] input tensor; the caller owns it. */
  stack(images: readonly GrayImage[]): tf.Tensor4D {
    const size = this.height * this.width;
    const data = new Float32Array(images.length * size);
    images.forEach((img, i) => {
      if (img.height !== this.height || img.width !== this.width) {
        throw htrError('HTR_ERR_SHAPE_MISMATCH', {
          key: 'image',
          expected: [this.height, this.width],
          actual: [img.height, img.width],
        });
      }
      data.set(img.data, i * size);
    });
    return tf.tensor4d(data, [images.length, this.height, this.width, 1]);
  }

  /**
   * Greedy decoding over the model's step decoder, keeping the probability of
   * each chosen token: one pass, the same tokens as `greedyDecode`.
   */
  private async greedySteps(x: tf.Tensor4D): Promise<LinePrediction[]> {
    const rows = x.shape[0];
    const maxLength = this.recognizer.dataConfig.outputDims[0];
    const dec = (this.recognizer.stepDecoder as NonNullable<Recognizer['stepDecoder']>).call(this.recognizer, x, 1, true);
    const chars: CharProb[][] = Array.from({ length: rows }, () => []);
    const logSum = new Float64Array(rows);
    const steps = new Int32Array(rows);
    const done = new Uint8Array(rows);
    const next = new Int32Array(rows).fill(START_INDEX);
    let remaining = rows;
    try {
      for (let t = 1; t < maxLength && remaining > 0; t++) {
        const logits = dec.step(next);
        const best = tf.tidy(() => tf.topk(tf.logSoftmax(logits, -1), 1));
        logits.dispose();
        const [lp, ids] = await Promise.all([best.values.data(), best.indices.data()]);
        tf.dispose([best.values, best.indices]);
        for (let r = 0; r < rows; r++) {
          if (done[r]) {
            next[r] = PAD_INDEX; // finished rows keep decoding in the batch; their output is ignored
            continue;
          }
          const id = ids[r] as number;
          const l = lp[r] as number;
          logSum[r] += l;
          steps[r]++;
          next[r] = id;
          if (id === END_INDEX) {
            done[r] = 1;
            remaining--;
          } else if (id >= SPECIAL_TOKENS.length) {
            (chars[r] as CharProb[]).push({ char: this.tokenizer.mapping[id] ?? '', p: Math.exp(l) });
          }
        }
      }
    } finally {
      dec.dispose();
    }
    return chars.map((cs, r) => ({
      text: cs.map((c) => c.char).join(''),
      confidence: steps[r] ? Math.exp((logSum[r] as number) / (steps[r] as number)) : 0,
      chars: cs,
    }));
  }

  /**
   * Fallback for models without a step decoder: greedy ids, then one teacher-forced pass over those ids for per-character
   * probabilities (equal to the decoder's own step probabilities in eval mode).
   */
  private async greedy(x: tf.Tensor4D): Promise<LinePrediction[]> {
    const ids = this.recognizer.greedyDecode(x);
    let rows: number[][];
    try {
      rows = (await ids.array()) as number[][];
    } finally {
      ids.dispose();
    }
    const length = rows[0]?.length ?? 0;
    // Position of <E> per row (or the last position when the line never ended).
    const ends = rows.map((r) => {
      const e = r.indexOf(END_INDEX, 1);
      return e === -1 ? length - 1 : e;
    });
    const steps = Math.max(1, ...ends);
    const logProbs = tf.tidy(() => {
      const yIn = tf.tensor2d(rows.map((r) => r.slice(0, steps)), [rows.length, steps], 'int32');
      const target = tf.tensor2d(rows.map((r) => r.slice(1, steps + 1)), [rows.length, steps], 'int32');
      const logits = this.recognizer.logits(x, yIn);
      const lp = tf.logSoftmax(logits, -1);
      return tf.sum(tf.mul(lp, tf.oneHot(target, logits.shape[2])), -1) as tf.Tensor2D;
    });
    let lp: number[][];
    try {
      lp = (await logProbs.array()) as number[][];
    } finally {
      logProbs.dispose();
    }
    return rows.map((row, b) => {
      const end = ends[b] as number;
      const chars: CharProb[] = [];
      let sum = 0;
      // Target position t predicts row[t + 1]: the characters, then <E> if the line ended.
      for (let t = 0; t < end; t++) {
        const l = (lp[b] as number[])[t] as number;
        sum += l;
        const id = row[t + 1] as number;
        if (id >= SPECIAL_TOKENS.length) chars.push({ char: this.tokenizer.mapping[id] ?? '', p: Math.exp(l) });
      }
      const text = chars.map((c) => c.char).join('');
      return { text, confidence: end > 0 ? Math.exp(sum / end) : 0, chars };
    });
  }

  private async beam(x: tf.Tensor4D, beamWidth: number): Promise<LinePrediction[]> {
    const hyps = await this.recognizer.beamSearch(x, beamWidth);
    return hyps.map((h) => {
      const chars = h.tokens
        .filter((id) => id >= SPECIAL_TOKENS.length)
        .map((id, i) => ({ char: this.tokenizer.mapping[id] ?? '', p: h.charProbs[i] ?? 0 }));
      return { text: chars.map((c) => c.char).join(''), confidence: h.confidence, chars };
    });
  }
}
