/**
 * Decode modes that use the CTC head: `ctc_greedy` (one forward pass, best path),
 * `ctc_beam` (CTC prefix beam search) and `joint` (attention and CTC together:
 * candidates from the attention beam and the CTC prefix beam, each scored by both
 * models, `w·log p_ctc + (1 − w)·log p_att` with w = the model's ctc_weight).
 * Both beam modes take an optional character language model (shallow fusion).
 */
import * as tf from '@tensorflow/tfjs-core';
import { htrError } from '../../errors.js';
import { END_INDEX, START_INDEX } from '../../core/tokenizer.js';
import type { Recognizer } from '../types.js';
import { ctcGreedy, ctcPrefixBeam, ctcScore } from '../ctc/ctc_decode.js';
import type { Hypothesis } from './hypothesis.js';
import { lmLineScore, type LmFusion } from '../../lm/fusion.js';

export interface CtcModeOptions {
  readonly beamWidth: number;
  /** Each row's own width in pixels (frames past it are padding); default the batch width. */
  readonly widths?: readonly number[];
  /** CTC share of the joint score (default: defaultJointCtcWeight). */
  readonly jointCtcWeight?: number;
  /** A character language model fused into ctc_beam and joint. */
  readonly lm?: LmFusion;
}

/** Per-row log-probabilities of the CTC head, read back once. */
interface CtcFrames {
  readonly logProbs: Float32Array;
  readonly T: number;
  readonly V: number;
  /** Valid frames of row b. */
  readonly frames: (b: number) => number;
  /** Row b's [T, V] block. */
  readonly row: (b: number) => Float32Array;
}

async function ctcFrames(recognizer: Recognizer, x: tf.Tensor4D, widths: readonly number[] | undefined): Promise<CtcFrames> {
  const head = recognizer.ctcLogits?.bind(recognizer);
  if (!head || !(recognizer.ctcWeight && recognizer.ctcWeight > 0)) {
    throw htrError('HTR_ERR_CONFIG_INVALID', { key: 'decoding', reason: 'this model has no CTC head (trained with model.ctc_weight 0): use greedy or beam' });
  }
  const was = recognizer.training;
  recognizer.train(false);
  let lp: tf.Tensor3D;
  try {
    lp = tf.tidy(() => tf.logSoftmax(head(x), -1) as tf.Tensor3D);
  } finally {
    recognizer.train(was);
  }
  const [, T, V] = lp.shape;
  let logProbs: Float32Array;
  try {
    logProbs = (await lp.data()) as Float32Array;
  } finally {
    lp.dispose();
  }
  const frameCount = recognizer.ctcFrames?.bind(recognizer);
  return {
    logProbs,
    T,
    V,
    frames: (b) => (widths && frameCount ? Math.min(T, Math.max(1, frameCount(widths[b] as number))) : T),
    row: (b) => logProbs.subarray(b * T * V, (b + 1) * T * V),
  };
}

export async function ctcGreedyMode(recognizer: Recognizer, x: tf.Tensor4D, options: CtcModeOptions): Promise<Hypothesis[]> {
  const f = await ctcFrames(recognizer, x, options.widths);
  return Array.from({ length: x.shape[0] }, (_, b) => ctcGreedy(f.row(b), f.frames(b), f.V));
}

export async function ctcBeamMode(recognizer: Recognizer, x: tf.Tensor4D, options: CtcModeOptions): Promise<Hypothesis[]> {
  const f = await ctcFrames(recognizer, x, options.widths);
  return Array.from({ length: x.shape[0] }, (_, b) => {
    const best = ctcPrefixBeam(f.row(b), f.frames(b), f.V, options.beamWidth, options.lm)[0];
    const tokens = best?.tokens ?? [];
    // Per-character confidence from the best path where it spells the same label.
    const greedy = ctcGreedy(f.row(b), f.frames(b), f.V);
    const same = greedy.tokens.length === tokens.length && greedy.tokens.every((t, i) => t === tokens[i]);
    const perChar = Math.exp((best?.logScore ?? 0) / Math.max(1, tokens.length));
    return { tokens, charProbs: same ? greedy.charProbs : tokens.map(() => perChar), confidence: Math.exp((best?.logScore ?? -Infinity) / Math.max(1, tokens.length)) };
  });
}

/** The joint score's CTC share when the caller gives none: the model's training weight. */
export function defaultJointCtcWeight(recognizer: Recognizer): number {
  return recognizer.ctcWeight ?? 0.5;
}

export async function jointMode(recognizer: Recognizer, x: tf.Tensor4D, options: CtcModeOptions): Promise<Hypothesis[]> {
  const f = await ctcFrames(recognizer, x, options.widths);
  const rows = x.shape[0];
  // Teacher forcing reads <S> + tokens within the model's positions.
  const maxTokens = recognizer.dataConfig.outputDims[0] - 1;
  const attention = await recognizer.beamSearch(x, options.beamWidth);
  // Candidates per row: the attention beam's best, the CTC prefix beam's n-best.
  const candidates: number[][][] = [];
  for (let b = 0; b < rows; b++) {
    const seen = new Set<string>();
    const list: number[][] = [];
    const add = (tokens: readonly number[]) => {
      const key = tokens.join(',');
      if (tokens.length <= maxTokens && !seen.has(key)) {
        seen.add(key);
        list.push([...tokens]);
      }
    };
    add((attention[b]?.tokens ?? []).filter((t) => t !== END_INDEX));
    for (const h of ctcPrefixBeam(f.row(b), f.frames(b), f.V, options.beamWidth, options.lm)) add(h.tokens);
    // Every candidate too long to score (an untrained model): keep the attention one, cut to fit.
    if (list.length === 0) list.push((attention[b]?.tokens ?? []).filter((t) => t !== END_INDEX).slice(0, maxTokens));
    candidates.push(list);
  }
  const att = await attentionScores(recognizer, x, candidates);
  const w = options.jointCtcWeight ?? defaultJointCtcWeight(recognizer);
  return candidates.map((list, b) => {
    let best: Hypothesis | undefined;
    let bestScore = -Infinity;
    list.forEach((tokens, k) => {
      const a = att[b]?.[k] as { total: number; perToken: number[] };
      const score = w * ctcScore(f.row(b), f.frames(b), f.V, tokens) + (1 - w) * a.total + (options.lm ? lmLineScore(options.lm, tokens) : 0);
      if (score > bestScore || !best) {
        bestScore = score;
        best = { tokens, charProbs: a.perToken.slice(0, tokens.length).map(Math.exp), confidence: Math.exp(a.total / (tokens.length + 1)) };
      }
    });
    return best ?? { tokens: [], charProbs: [], confidence: 0 };
  });
}

/**
 * Attention log-probabilities of every candidate (tokens then <E>), by one
 * teacher-forced pass over all candidates of all rows.
 */
async function attentionScores(recognizer: Recognizer, x: tf.Tensor4D, candidates: number[][][]): Promise<Array<Array<{ total: number; perToken: number[] }>>> {
  const flat: Array<{ row: number; tokens: number[] }> = [];
  candidates.forEach((list, row) => list.forEach((tokens) => flat.push({ row, tokens })));
  const steps = Math.max(...flat.map((c) => c.tokens.length + 1));
  const was = recognizer.training;
  recognizer.train(false);
  let scored: tf.Tensor2D;
  try {
    scored = tf.tidy(() => {
      const yIn = tf.tensor2d(flat.map((c) => pad([START_INDEX, ...c.tokens], steps)), [flat.length, steps], 'int32');
      const target = tf.tensor2d(flat.map((c) => pad([...c.tokens, END_INDEX], steps)), [flat.length, steps], 'int32');
      const xs = tf.gather(x, tf.tensor1d(flat.map((c) => c.row), 'int32')) as tf.Tensor4D;
      const logits = recognizer.logits(xs, yIn);
      return tf.sum(tf.mul(tf.logSoftmax(logits, -1), tf.oneHot(target, logits.shape[2])), -1) as tf.Tensor2D;
    });
  } finally {
    recognizer.train(was);
  }
  let lp: number[][];
  try {
    lp = (await scored.array()) as number[][];
  } finally {
    scored.dispose();
  }
  const out: Array<Array<{ total: number; perToken: number[] }>> = candidates.map(() => []);
  flat.forEach((c, i) => {
    const perToken = (lp[i] as number[]).slice(0, c.tokens.length + 1);
    out[c.row]?.push({ total: perToken.reduce((s, v) => s + v, 0), perToken });
  });
  return out;
}

function pad(ids: number[], length: number): number[] {
  return ids.length >= length ? ids.slice(0, length) : [...ids, ...new Array<number>(length - ids.length).fill(END_INDEX)];
}
