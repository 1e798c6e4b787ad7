/**
 * Decoding a CTC head's output: best path, prefix beam search, and the exact
 * score of a given label (for rescoring an attention decoder's n-best).
 * Inputs are log-softmax outputs [T, V] row-major with blank = token 0, as in
 * ctc_forward.ts.
 */
import { BLANK_INDEX } from '../../core/tokenizer.js';
import { checkLogProbsShape, ctcLogLikelihood, logAddExp, type LogProbs } from './ctc_forward.js';

export interface CtcGreedyResult {
  /** Token ids of the best path after merging repeats and dropping blanks. */
  readonly tokens: number[];
  /** Per token: its highest frame probability within the run of frames that emitted it. */
  readonly charProbs: number[];
  /** exp(mean log-probability) of the best path's frames; 0 when T = 0. */
  readonly confidence: number;
}

export interface CtcHypothesis {
  readonly tokens: number[];
  /** log p(tokens | x) summed over the alignments the beam kept. */
  readonly logScore: number;
}

/** Best path: argmax per frame, merge repeats, drop blanks ([a,a,-,a] -> "aa"). */
export function ctcGreedy(logProbs: LogProbs, T: number, V: number): CtcGreedyResult {
  checkLogProbsShape(logProbs, T, V);
  const tokens: number[] = [];
  const charProbs: number[] = [];
  let pathLogProb = 0;
  let prev = BLANK_INDEX;
  for (let t = 0; t < T; t++) {
    const o = t * V;
    let best = 0;
    for (let v = 1; v < V; v++) if ((logProbs[o + v] as number) > (logProbs[o + best] as number)) best = v;
    const lp = logProbs[o + best] as number;
    pathLogProb += lp;
    if (best !== BLANK_INDEX) {
      if (best !== prev) {
        tokens.push(best);
        charProbs.push(Math.exp(lp));
      } else {
        const last = charProbs.length - 1;
        charProbs[last] = Math.max(charProbs[last] as number, Math.exp(lp));
      }
    }
    prev = best;
  }
  return { tokens, charProbs, confidence: T > 0 ? Math.exp(pathLogProb / T) : 0 };
}

/**
 * CTC prefix beam search (Hannun et al. 2014): each hypothesis is a label prefix
 * with the log-probability of all kept alignments ending in a blank and in its
 * last token, so alignments of the same label add up instead of competing.
 * Returns at most `beamWidth` hypotheses, best first.
 */
export function ctcPrefixBeam(logProbs: LogProbs, T: number, V: number, beamWidth: number): CtcHypothesis[] {
  checkLogProbsShape(logProbs, T, V);
  if (!Number.isInteger(beamWidth) || beamWidth < 1) throw new RangeError(`beam width must be a positive integer, got ${beamWidth}`);
  let beams = new Map<string, Prefix>([['', { tokens: [], blank: 0, token: -Infinity }]]);
  for (let t = 0; t < T; t++) {
    const o = t * V;
    const next = new Map<string, Prefix>();
    const entry = (key: string, tokens: () => number[]): Prefix => {
      let p = next.get(key);
      if (!p) next.set(key, (p = { tokens: tokens(), blank: -Infinity, token: -Infinity }));
      return p;
    };
    for (const [key, p] of beams) {
      const total = logAddExp(p.blank, p.token);
      // Blank: the prefix stays, now ending in a blank.
      const stay = entry(key, () => p.tokens);
      stay.blank = logAddExp(stay.blank, total + (logProbs[o + BLANK_INDEX] as number));
      const last = p.tokens.length > 0 ? (p.tokens[p.tokens.length - 1] as number) : -1;
      for (let v = 1; v < V; v++) {
        const lp = logProbs[o + v] as number;
        if (lp === -Infinity) continue;
        const grown = entry(key === '' ? String(v) : `${key},${v}`, () => [...p.tokens, v]);
        if (v === last) {
          // Repeating the last token merges into it unless a blank separates them.
          stay.token = logAddExp(stay.token, p.token + lp);
          grown.token = logAddExp(grown.token, p.blank + lp);
        } else {
          grown.token = logAddExp(grown.token, total + lp);
        }
      }
    }
    const ranked = [...next].map(([k, p]) => ({ k, p, total: logAddExp(p.blank, p.token) }));
    ranked.sort((a, b) => b.total - a.total);
    beams = new Map(ranked.slice(0, beamWidth).map(({ k, p }) => [k, p]));
  }
  return [...beams.values()]
    .map((p) => ({ tokens: p.tokens, logScore: logAddExp(p.blank, p.token) }))
    .filter((h) => h.logScore > -Infinity)
    .sort((a, b) => b.logScore - a.logScore);
}

/**
 * log p(label | x) over all alignments (-Infinity if none fits): the score to add,
 * weighted, to an attention decoder's log-probability in joint decoding.
 */
export function ctcScore(logProbs: LogProbs, T: number, V: number, label: ArrayLike<number>): number {
  return ctcLogLikelihood(logProbs, T, V, label);
}

interface Prefix {
  readonly tokens: number[];
  /** log-probability of the kept alignments that end in a blank */
  blank: number;
  /** ... and of those that end in the prefix's last token */
  token: number;
}

