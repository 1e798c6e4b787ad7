/**
 * CTC forward-backward in log space for one sequence (Graves et al. 2006).
 *
 * Inputs are log-probabilities laid out [T, V] row-major (row t starts at t * V;
 * extra rows past T are ignored, so a view into a padded [Tmax, V] buffer works).
 * Token 0 is the blank (`BLANK_INDEX`). A label is a list of token ids without
 * blanks. The extended label puts a blank before, between and after the tokens
 * (length 2L + 1); a path may skip a blank only between two different tokens.
 * Work is O(T * (2L + 1)); sums run in float64.
 */
import { BLANK_INDEX } from '../../core/tokenizer.js';

/** Log-probabilities [T, V] row-major (log-softmax over V in each row). */
export type LogProbs = Float32Array | Float64Array;

/** What the backward pass adds to the likelihood. */
export interface CtcPosteriors {
  /** log p(label | x); -Infinity when no alignment fits in T frames. */
  readonly logLikelihood: number;
  /**
   * Posterior occupancy [T, 2L + 1] of each extended-label state: the probability,
   * given the label, that frame t is aligned to state k. Rows sum to 1 (all zero
   * when the label is infeasible).
   */
  readonly stateOccupancy: Float64Array;
  /**
   * The same summed per token: [T, V]. The gradient of -log p w.r.t. the logits
   * of frame t is softmax(t) - tokenOccupancy(t).
   */
  readonly tokenOccupancy: Float64Array;
}

/** Blank, l1, blank, l2, ..., lL, blank. */
export function ctcExtendedLabel(label: ArrayLike<number>): Int32Array {
  const ext = new Int32Array(2 * label.length + 1).fill(BLANK_INDEX);
  for (let i = 0; i < label.length; i++) ext[2 * i + 1] = label[i] as number;
  return ext;
}

/**
 * Fewest frames that can emit `label`: one per token plus one blank between
 * each pair of equal neighbours ("aa" needs a, blank, a).
 */
export function ctcMinFrames(label: ArrayLike<number>): number {
  let n = label.length;
  for (let i = 1; i < label.length; i++) if (label[i] === label[i - 1]) n++;
  return n;
}

/** log(exp(a) + exp(b)) without overflow; -Infinity is the identity. */
export function logAddExp(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  return a > b ? a + Math.log1p(Math.exp(b - a)) : b + Math.log1p(Math.exp(a - b));
}

/** Row-wise log-softmax of logits [T, V] in float64. */
export function logSoftmaxRows(logits: ArrayLike<number>, T: number, V: number): Float64Array {
  const out = new Float64Array(T * V);
  for (let t = 0; t < T; t++) {
    const o = t * V;
    let max = -Infinity;
    for (let v = 0; v < V; v++) max = Math.max(max, logits[o + v] as number);
    let sum = 0;
    for (let v = 0; v < V; v++) sum += Math.exp((logits[o + v] as number) - max);
    const lse = max + Math.log(sum);
    for (let v = 0; v < V; v++) out[o + v] = (logits[o + v] as number) - lse;
  }
  return out;
}

/** log p(label | x): the alpha recursion alone. */
export function ctcLogLikelihood(logProbs: LogProbs, T: number, V: number, label: ArrayLike<number>): number {
  checkInputs(logProbs, T, V, label);
  if (ctcMinFrames(label) > T) return -Infinity;
  if (T === 0) return 0; // empty label, no frames: the empty alignment
  return finalLogLikelihood(alphas(logProbs, T, V, ctcExtendedLabel(label)), T, 2 * label.length + 1);
}

/** log p(label | x) and the posterior occupancy of every (frame, state). */
export function ctcForwardBackward(logProbs: LogProbs, T: number, V: number, label: ArrayLike<number>): CtcPosteriors {
  checkInputs(logProbs, T, V, label);
  const ext = ctcExtendedLabel(label);
  const S = ext.length;
  const stateOccupancy = new Float64Array(T * S);
  const tokenOccupancy = new Float64Array(T * V);
  if (ctcMinFrames(label) > T) return { logLikelihood: -Infinity, stateOccupancy, tokenOccupancy };
  if (T === 0) return { logLikelihood: 0, stateOccupancy, tokenOccupancy };

  const alpha = alphas(logProbs, T, V, ext);
  const logLikelihood = finalLogLikelihood(alpha, T, S);
  // Feasible in length but every path hits a zero-probability frame (log-probs of -Infinity).
  if (logLikelihood === -Infinity) return { logLikelihood, stateOccupancy, tokenOccupancy };
  // beta[s] at frame t: log-probability of emitting frames t+1..T-1 from state s
  // (emission of frame t excluded), so alpha + beta - logLikelihood is the posterior.
  let beta = new Float64Array(S).fill(-Infinity);
  let next = new Float64Array(S);
  beta[S - 1] = 0;
  if (S > 1) beta[S - 2] = 0;
  for (let t = T - 1; ; t--) {
    const row = t * S;
    for (let s = 0; s < S; s++) {
      const lg = (alpha[row + s] as number) + (beta[s] as number) - logLikelihood;
      if (lg === -Infinity) continue;
      const p = Math.exp(lg);
      stateOccupancy[row + s] = p;
      tokenOccupancy[t * V + (ext[s] as number)] += p;
    }
    if (t === 0) break;
    const lp = t * V; // emissions of frame t feed beta at frame t - 1
    for (let s = 0; s < S; s++) {
      let acc = (beta[s] as number) + (logProbs[lp + (ext[s] as number)] as number);
      if (s + 1 < S) acc = logAddExp(acc, (beta[s + 1] as number) + (logProbs[lp + (ext[s + 1] as number)] as number));
      if (canSkip(ext, s + 2)) acc = logAddExp(acc, (beta[s + 2] as number) + (logProbs[lp + (ext[s + 2] as number)] as number));
      next[s] = acc;
    }
    [beta, next] = [next, beta];
  }
  return { logLikelihood, stateOccupancy, tokenOccupancy };
}

/** A path may jump from state s - 2 to s when s is a token differing from token s - 2. */
function canSkip(ext: Int32Array, s: number): boolean {
  return s < ext.length && s >= 2 && ext[s] !== BLANK_INDEX && ext[s] !== ext[s - 2];
}

/** alpha [T, S]: log-probability of frames 0..t ending in state s (emission of t included). */
function alphas(logProbs: LogProbs, T: number, V: number, ext: Int32Array): Float64Array {
  const S = ext.length;
  const alpha = new Float64Array(T * S).fill(-Infinity);
  alpha[0] = logProbs[ext[0] as number] as number;
  if (S > 1) alpha[1] = logProbs[ext[1] as number] as number;
  for (let t = 1; t < T; t++) {
    const row = t * S;
    const prev = row - S;
    const lp = t * V;
    for (let s = 0; s < S; s++) {
      let acc = alpha[prev + s] as number;
      if (s >= 1) acc = logAddExp(acc, alpha[prev + s - 1] as number);
      if (canSkip(ext, s)) acc = logAddExp(acc, alpha[prev + s - 2] as number);
      alpha[row + s] = acc + (logProbs[lp + (ext[s] as number)] as number);
    }
  }
  return alpha;
}

/** Paths end in the last token or the trailing blank. */
function finalLogLikelihood(alpha: Float64Array, T: number, S: number): number {
  const row = (T - 1) * S;
  return S > 1 ? logAddExp(alpha[row + S - 1] as number, alpha[row + S - 2] as number) : (alpha[row] as number);
}

/** Throws a RangeError unless `logProbs` holds at least T rows of V. */
export function checkLogProbsShape(logProbs: LogProbs, T: number, V: number): void {
  if (!Number.isInteger(T) || T < 0 || !Number.isInteger(V) || V < 1) throw new RangeError(`bad CTC shape T=${T} V=${V}`);
  if (logProbs.length < T * V) throw new RangeError(`CTC log-probs hold ${logProbs.length} values, need T*V = ${T * V}`);
}

function checkInputs(logProbs: LogProbs, T: number, V: number, label: ArrayLike<number>): void {
  checkLogProbsShape(logProbs, T, V);  for (let i = 0; i < label.length; i++) {
    const id = label[i] as number;
    if (!Number.isInteger(id) || id <= BLANK_INDEX || id >= V) {
      throw new RangeError(`CTC label token ${id} at ${i} must be in 1..${V - 1} (0 is the blank)`);
    }
  }
}
