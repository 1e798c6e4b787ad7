/**
 * Beam search over a StepDecoder whose rows are `batch x width` beam slots
 * (slot = row * width + j). Scores are summed log-probabilities. As in Hugging
 * Face's BeamSearchScorer, <E> only finishes a hypothesis when it ranks within
 * the top `width` candidates, so width 1 reproduces greedy decoding exactly.
 * A row stops once its best finished hypothesis scores at least its best live beam
 * (scores only fall as beams grow).
 */
import * as tf from '@tensorflow/tfjs-core';
import { END_INDEX, PAD_INDEX, START_INDEX } from '../../core/tokenizer.js';
import type { BeamHypothesis } from '../types.js';
import type { StepDecoder } from '../types.js';

interface Beam {
  tokens: number[];
  probs: number[];
  score: number;
}

interface Finished extends Beam {
  ended: boolean;
}

interface Candidate {
  slot: number;
  token: number;
  score: number;
  logProb: number;
}

const DEAD: Beam = { tokens: [], probs: [], score: -Infinity };

export async function beamSearchLoop(
  dec: StepDecoder,
  batch: number,
  width: number,
  maxLength: number,
  decodeText: (tokens: readonly number[]) => string,
): Promise<BeamHypothesis[]> {
  if (dec.rows !== batch * width) throw new RangeError(`decoder has ${dec.rows} rows, expected ${batch}x${width}`);
  let beams: Beam[] = [];
  for (let s = 0; s < batch * width; s++) beams.push(s % width === 0 ? { tokens: [], probs: [], score: 0 } : DEAD);
  const finished: Finished[][] = Array.from({ length: batch }, () => []);
  const done = new Uint8Array(batch);
  const next = new Int32Array(batch * width).fill(START_INDEX);

  for (let t = 1; t < maxLength; t++) {
    const logits = dec.step(next);
    const logProbs = tf.tidy(() => tf.logSoftmax(logits));
    const lp = await logProbs.data(); // async: a server keeps answering between steps
    const vocab = logits.shape[1];
    logits.dispose();
    logProbs.dispose();

    const parents = new Int32Array(batch * width);
    const newBeams: Beam[] = new Array<Beam>(batch * width);
    for (let b = 0; b < batch; b++) {
      const base = b * width;
      if (done[b]) {
        for (let j = 0; j < width; j++) {
          parents[base + j] = base + j;
          newBeams[base + j] = DEAD;
          next[base + j] = PAD_INDEX;
        }
        continue;
      }
      const cands = topCandidates(beams, lp, base, width, vocab, 2 * width);
      const live: Candidate[] = [];
      cands.forEach((c, rank) => {
        if (live.length >= width) return;
        if (c.token === END_INDEX) {
          if (rank < width) {
            const p = beams[c.slot]!;
            finished[b]!.push({ tokens: p.tokens, probs: [...p.probs, Math.exp(c.logProb)], score: c.score, ended: true });
          }
          return;
        }
        live.push(c);
      });
      for (let j = 0; j < width; j++) {
        const c = live[j];
        if (!c) {
          parents[base + j] = base;
          newBeams[base + j] = DEAD;
          next[base + j] = PAD_INDEX;
          continue;
        }
        const p = beams[c.slot]!;
        parents[base + j] = c.slot;
        newBeams[base + j] = { tokens: [...p.tokens, c.token], probs: [...p.probs, Math.exp(c.logProb)], score: c.score };
        next[base + j] = c.token;
      }
      const bestLive = live[0]?.score ?? -Infinity;
      const bestDone = Math.max(-Infinity, ...finished[b]!.map((f) => f.score));
      if (bestLive === -Infinity || bestDone >= bestLive) done[b] = 1;
    }
    beams = newBeams;
    if (done.every((d) => d === 1)) break;
    dec.reorder(parents);
  }
  // Rows still running at maxLength keep their live beams as unfinished hypotheses.
  for (let b = 0; b < batch; b++) {
    if (done[b]) continue;
    for (let j = 0; j < width; j++) {
      const beam = beams[b * width + j]!;
      if (beam.score > -Infinity) finished[b]!.push({ ...beam, ended: false });
    }
  }
  return finished.map((hyps) => toHypothesis(best(hyps), decodeText));
}

/** The k best (slot, token) extensions of a row's live beams, best first, stable on ties. */
function topCandidates(beams: Beam[], lp: Float32Array | Int32Array | Uint8Array, base: number, width: number,
  vocab: number, k: number): Candidate[] {
  const top: Candidate[] = [];
  for (let j = 0; j < width; j++) {
    const slot = base + j;
    const beam = beams[slot]!;
    if (beam.score === -Infinity) continue;
    for (let v = 0; v < vocab; v++) {
      const logProb = lp[slot * vocab + v] as number;
      const score = beam.score + logProb;
      if (top.length === k && score <= top[k - 1]!.score) continue;
      let i = Math.min(top.length, k - 1);
      if (top.length < k) top.push(undefined as unknown as Candidate);
      while (i > 0 && top[i - 1]!.score < score) {
        top[i] = top[i - 1]!;
        i--;
      }
      top[i] = { slot, token: v, score, logProb };
    }
  }
  return top;
}

function best(hyps: Finished[]): Finished {
  let out: Finished = { tokens: [], probs: [], score: -Infinity, ended: false };
  for (const h of hyps) if (h.score > out.score) out = h;
  return out;
}

function toHypothesis(h: Finished, decodeText: (tokens: readonly number[]) => string): BeamHypothesis {
  const n = h.probs.length;
  return {
    tokens: h.tokens,
    text: decodeText(h.tokens),
    charProbs: h.probs.slice(0, h.tokens.length),
    confidence: n > 0 ? Math.exp(h.score / n) : 0,
  };
}
