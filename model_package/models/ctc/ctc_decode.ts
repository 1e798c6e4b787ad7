/**
 * Decoding a CTC head's output: best path, prefix beam search, and the exact
 * score of a given label (for rescoring an attention decoder's n-best).
 * Inputs are log-softmax outputs [T, V] row-major with blank = token 0, as in
 * ctc_forward.ts.
 */
import { BLANK_INDEX, END_INDEX } from '../../core/tokenizer.js';
import type { LmFusion } from '../../lm/fusion.js';
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
  /** What the beam ranks by: logScore, plus the language model's share with fusion. */
  readonly score: number;
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

/** With a language model, characters below this frame log-probability are not tried (pyctcdecode's token_min_logp). */
const LM_MIN_TOKEN_LOG_PROB = -10;

/**
 * CTC prefix beam search (Hannun et al. 2014): each hypothesis is a label prefix
 * with the log-probability of all kept alignments ending in a blank and in its
 * last token, so alignments of the same label add up instead of competing.
 * With `fusion`, prefixes are ranked by that plus the language model's weighted
 * score (shallow fusion; the end of the line is scored after the last frame).
 * Returns at most `beamWidth` hypotheses, best first.
 */
export function ctcPrefixBeam(logProbs: LogProbs, T: number, V: number, beamWidth: number, fusion?: LmFusion): CtcHypothesis[] {
  checkLogProbsShape(logProbs, T, V);
  if (!Number.isInteger(beamWidth) || beamWidth < 1) throw new RangeError(`beam width must be a positive integer, got ${beamWidth}`);
  const lmScore = (p: Prefix, v: number): number => (fusion ? p.lm + fusion.weight * fusion.lm.logProb(p.tokens, v) + fusion.bonus : 0);
  const minTokenLogProb = fusion ? LM_MIN_TOKEN_LOG_PROB : -Infinity;
  let beams = new Map<string, Prefix>([['', { tokens: [], blank: 0, token: -Infinity, lm: 0 }]]);
  for (let t = 0; t < T; t++) {
    const o = t * V;
    const next = new Map<string, Prefix>();
    const entry = (key: string, tokens: () => number[], lm: () => number): Prefix => {
      let p = next.get(key);
      if (!p) next.set(key, (p = { tokens: tokens(), blank: -Infinity, token: -Infinity, lm: lm() }));
      return p;
    };
    for (const [key, p] of beams) {
      const total = logAddExp(p.blank, p.token);
      // Blank: the prefix stays, now ending in a blank.
      const stay = entry(key, () => p.tokens, () => p.lm);
      stay.blank = logAddExp(stay.blank, total + (logProbs[o + BLANK_INDEX] as number));
      const last = p.tokens.length > 0 ? (p.tokens[p.tokens.length - 1] as number) : -1;
      for (let v = 1; v < V; v++) {
        const lp = logProbs[o + v] as number;
        if (lp === -Infinity || (lp < minTokenLogProb && v !== last)) continue;
        const grown = entry(key === '' ? String(v) : `${key},${v}`, () => [...p.tokens, v], () => lmScore(p, v));
        if (v === last) {
          // Repeating the last token merges into it unless a blank separates them.
          stay.token = logAddExp(stay.token, p.token + lp);
          grown.token = logAddExp(grown.token, p.blank + lp);
        } else {
          grown.token = logAddExp(grown.token, total + lp);
        }
      }
    }
    const ranked = [...next].map(([k, p]) => ({ k, p, score: logAddExp(p.blank, p.token) + p.lm }));
    ranked.sort((a, b) => b.score - a.score);
    beams = new Map(ranked.slice(0, beamWidth).map(({ k, p }) => [k, p]));
  }
  return [...beams.values()]
    .map((p) => {
      const logScore = logAddExp(p.blank, p.token);
      return { tokens: p.tokens, logScore, score: fusion ? logScore + p.lm + fusion.weight * fusion.lm.logProb(p.tokens, END_INDEX) : logScore };
    })
    .filter((h) => h.logScore > -Infinity)
    .sort((a, b) => b.score - a.score);
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
  /** The language model's weighted score of `tokens` (0 without fusion). */
  readonly lm: number;
}

