/**
 * Greedy (argmax) decoding over a StepDecoder. One loop, two drivers: the model's
 * synchronous `greedyDecode` reads ids only; inference reads each chosen token's
 * log-probability too, asynchronously, so a server keeps answering between steps.
 */
import * as tf from '@tensorflow/tfjs-core';
import { END_INDEX, PAD_INDEX, START_INDEX } from '../../core/tokenizer.js';
import type { StepDecoder } from '../types.js';
import type { Recognizer } from '../types.js';
import type { Hypothesis } from './hypothesis.js';

interface GreedyOutput {
  /** [rows * maxLength] row-major: <S>, argmax tokens, <P> after a row's <E>. */
  readonly ids: Int32Array;
  /** Log-probability of the token at each position (same layout), when asked for. */
  readonly logProbs: Float32Array | undefined;
}

/** Host copies of the tensors a step yields, in the same order. */
type HostData = ReadonlyArray<ArrayLike<number>>;

/**
 * The greedy loop. Each step yields the tensors it needs on the host (argmax ids,
 * and their log-probabilities when `withProbs`); the driver reads, disposes and
 * resumes it with the data. Finished rows keep decoding in the batch as <P>.
 */
function* greedySteps(dec: StepDecoder, maxLength: number, earlyStop: boolean, withProbs: boolean): Generator<tf.Tensor[], GreedyOutput, HostData> {
  const rows = dec.rows;
  const ids = new Int32Array(rows * maxLength).fill(PAD_INDEX);
  const logProbs = withProbs ? new Float32Array(rows * maxLength) : undefined;
  const done = new Uint8Array(rows);
  const next = new Int32Array(rows).fill(START_INDEX);
  for (let r = 0; r < rows; r++) ids[r * maxLength] = START_INDEX;
  let remaining = rows;
  for (let t = 1; t < maxLength; t++) {
    const logits = dec.step(next);
    const wanted = tf.tidy(() => {
      const arg = tf.argMax(logits, 1);
      // max(logSoftmax) is the log-probability of the argmax token.
      return withProbs ? [arg, tf.max(tf.logSoftmax(logits, -1), 1)] : [arg];
    });
    logits.dispose();
    const [chosen, lp] = (yield wanted) as [ArrayLike<number>, ArrayLike<number> | undefined];
    for (let r = 0; r < rows; r++) {
      if (done[r]) {
        next[r] = PAD_INDEX;
        continue;
      }
      const id = chosen[r] as number;
      ids[r * maxLength + t] = id;
      if (logProbs && lp) logProbs[r * maxLength + t] = lp[r] as number;
      next[r] = id;
      if (id === END_INDEX) {
        done[r] = 1;
        remaining--;
      }
    }
    if (earlyStop && remaining === 0) break;
  }
  return { ids, logProbs };
}

function runSync<R>(steps: Generator<tf.Tensor[], R, HostData>): R {
  let it = steps.next();
  while (!it.done) {
    const tensors = it.value;
    let data: HostData;
    try {
      data = tensors.map((t) => t.dataSync());
    } finally {
      tf.dispose(tensors);
    }
    it = steps.next(data);
  }
  return it.value;
}

async function runAsync<R>(steps: Generator<tf.Tensor[], R, HostData>): Promise<R> {
  let it = steps.next();
  while (!it.done) {
    const tensors = it.value;
    let data: HostData;
    try {
      data = await Promise.all(tensors.map((t) => t.data()));
    } finally {
      tf.dispose(tensors);
    }
    it = steps.next(data);
  }
  return it.value;
}

/**
 * Ids [rows * maxLength] row-major: <S>, then argmax tokens; everything after a
 * row's <E> is <P>. With `earlyStop` the loop ends once every row has emitted <E>.
 */
export function greedyLoop(dec: StepDecoder, maxLength: number, earlyStop = true): Int32Array {
  return runSync(greedySteps(dec, maxLength, earlyStop, false)).ids;
}

/** Greedy hypotheses with the probability of every emitted token (stops once every row has ended). */
export async function greedyHypotheses(dec: StepDecoder, maxLength: number): Promise<Hypothesis[]> {
  const { ids, logProbs } = await runAsync(greedySteps(dec, maxLength, true, true));
  return Array.from({ length: dec.rows }, (_, r) => {
    const row = ids.subarray(r * maxLength, (r + 1) * maxLength);
    const lp = (logProbs as Float32Array).subarray(r * maxLength, (r + 1) * maxLength);
    return hypothesisFromRow(row, (t) => lp[t + 1] as number);
  });
}

/**
 * The `greedy` decode mode: the model's step decoder when it has one; otherwise
 * its `greedyDecode` ids, then one teacher-forced pass over them for the token
 * probabilities (equal to the step probabilities in eval mode).
 */
export async function greedyMode(recognizer: Recognizer, x: tf.Tensor4D): Promise<Hypothesis[]> {
  const maxLength = recognizer.dataConfig.outputDims[0];
  if (recognizer.stepDecoder) {
    const dec = recognizer.stepDecoder(x, 1, true);
    try {
      return await greedyHypotheses(dec, maxLength);
    } finally {
      dec.dispose();
    }
  }
  const idsTensor = recognizer.greedyDecode(x);
  let rows: number[][];
  try {
    rows = (await idsTensor.array()) as number[][];
  } finally {
    idsTensor.dispose();
  }
  // Teacher-forced positions needed: up to the latest <E> (or the whole row when a line never ended).
  const steps = Math.max(1, ...rows.map((r) => lastScored(r)));
  const logProbs = tf.tidy(() => {
    const yIn = tf.tensor2d(rows.map((r) => r.slice(0, steps)), [rows.length, steps], 'int32');
    const target = tf.tensor2d(rows.map((r) => r.slice(1, steps + 1)), [rows.length, steps], 'int32');
    const logits = recognizer.logits(x, yIn);
    return tf.sum(tf.mul(tf.logSoftmax(logits, -1), tf.oneHot(target, logits.shape[2])), -1) as tf.Tensor2D;
  });
  let lp: number[][];
  try {
    lp = (await logProbs.array()) as number[][];
  } finally {
    logProbs.dispose();
  }
  // Teacher-forced position t predicts row[t + 1].
  return rows.map((row, b) => hypothesisFromRow(row, (t) => (lp[b] as number[])[t] as number));
}

/** Positions scored in a row of ids: up to and including <E>, or all after <S> when it never ended. */
function lastScored(row: ArrayLike<number>): number {
  for (let t = 1; t < row.length; t++) if (row[t] === END_INDEX) return t;
  return row.length - 1;
}

/**
 * A row of ids (<S> first) as a hypothesis; `logProbAt(t)` is the log-probability
 * of `row[t + 1]`. Confidence is exp(mean log-prob) over the tokens and <E>.
 */
function hypothesisFromRow(row: ArrayLike<number>, logProbAt: (t: number) => number): Hypothesis {
  const scored = lastScored(row);
  const ended = row[scored] === END_INDEX;
  const tokens: number[] = [];
  const charProbs: number[] = [];
  let sum = 0;
  for (let t = 0; t < scored; t++) {
    const l = logProbAt(t);
    sum += l;
    if (!ended || t + 1 < scored) {
      tokens.push(row[t + 1] as number);
      charProbs.push(Math.exp(l));
    }
  }
  return { tokens, charProbs, confidence: scored > 0 ? Math.exp(sum / scored) : 0 };
}
