import { describe, expect, it } from 'vitest';
import { ctcGreedy, ctcPrefixBeam, ctcScore } from '../../../../model_package/models/ctc/ctc_decode.js';
import { bruteForce, labelDistribution, randomLogProbs } from './brute_force.js';

const A = 1;
const B = 2;

/** Log-probs [T, V] where frame t puts `p` on token frames[t] and spreads the rest evenly. */
function peaked(frames: readonly number[], V: number, p = 0.9): Float64Array {
  const out = new Float64Array(frames.length * V).fill(Math.log((1 - p) / (V - 1)));
  frames.forEach((v, t) => (out[t * V + v] = Math.log(p)));
  return out;
}

describe('ctcGreedy', () => {
  it('merges repeats only when no blank separates them', () => {
    expect(ctcGreedy(peaked([A, A, 0, A], 3), 4, 3).tokens).toEqual([A, A]);
    expect(ctcGreedy(peaked([A, A, A], 3), 3, 3).tokens).toEqual([A]);
    expect(ctcGreedy(peaked([0, A, B, B, 0, B, A], 3), 7, 3).tokens).toEqual([A, B, B, A]);
  });

  it('gives an empty label for blanks only, and for no frames', () => {
    const r = ctcGreedy(peaked([0, 0, 0], 3), 3, 3);
    expect(r.tokens).toEqual([]);
    expect(r.charProbs).toEqual([]);
    expect(r.confidence).toBeCloseTo(0.9, 12);
    expect(ctcGreedy(new Float64Array(0), 0, 3)).toEqual({ tokens: [], charProbs: [], confidence: 0 });
  });

  it('reports each character as its most confident frame, and the best path as a geometric mean', () => {
    const lp = peaked([A, A, 0, B], 3, 0.6);
    lp[1 * 3 + A] = Math.log(0.8); // second frame of the "a" run is surer
    lp[1 * 3 + 0] = Math.log(0.1);
    lp[1 * 3 + B] = Math.log(0.1);
    const r = ctcGreedy(lp, 4, 3);
    expect(r.tokens).toEqual([A, B]);
    expect(r.charProbs[0]).toBeCloseTo(0.8, 12);
    expect(r.charProbs[1]).toBeCloseTo(0.6, 12);
    expect(r.confidence).toBeCloseTo((0.6 * 0.8 * 0.6 * 0.6) ** (1 / 4), 12);
  });
});

describe('ctcPrefixBeam', () => {
  it('finds the label whose alignments add up past the single best path', () => {
    // Two frames, p(blank) = 0.6, p(a) = 0.4. Best path: blank blank -> "" with 0.36.
    // "a" has three alignments (a a, a -, - a): 0.16 + 0.24 + 0.24 = 0.64.
    const lp = new Float64Array([0.6, 0.4, 0.6, 0.4].map(Math.log));
    expect(ctcGreedy(lp, 2, 2).tokens).toEqual([]);
    const [best, second] = ctcPrefixBeam(lp, 2, 2, 4);
    expect(best?.tokens).toEqual([A]);
    expect(best?.logScore).toBeCloseTo(Math.log(0.64), 12);
    expect(second?.tokens).toEqual([]);
    expect(second?.logScore).toBeCloseTo(Math.log(0.36), 12);
  });

  it('with a beam wide enough is exact: the n-best equal the enumerated label distribution', () => {
    const T = 4;
    const V = 3;
    const lp = randomLogProbs(T, V, 42, 1.5);
    const exact = [...labelDistribution(lp, T, V)].sort((a, b) => b[1] - a[1]);
    const nbest = ctcPrefixBeam(lp, T, V, 100);
    expect(nbest.length).toBe(exact.length);
    nbest.forEach((h, i) => {
      expect(h.tokens.join(',')).toBe(exact[i]?.[0]);
      expect(h.logScore).toBeCloseTo(Math.log(exact[i]?.[1] as number), 10);
    });
  });

  it('keeps at most beamWidth hypotheses, best first, and agrees with greedy on a peaked input', () => {
    const lp = peaked([A, A, 0, A, B, B, 0], 3, 0.95);
    const nbest = ctcPrefixBeam(lp, 7, 3, 3);
    expect(nbest.length).toBe(3);
    expect(nbest[0]?.tokens).toEqual([A, A, B]);
    for (let i = 1; i < nbest.length; i++) expect(nbest[i]!.logScore).toBeLessThanOrEqual(nbest[i - 1]!.logScore);
    // A narrow beam's score of a hypothesis is at most its exact probability.
    for (const h of nbest) expect(h.logScore).toBeLessThanOrEqual(ctcScore(lp, 7, 3, h.tokens) + 1e-12);
    expect(() => ctcPrefixBeam(lp, 7, 3, 0)).toThrow(RangeError);
  });
});

describe('ctcScore', () => {
  it('is log of the summed probability of all alignments (enumerated, T <= 4, V <= 3)', () => {
    for (const [T, V] of [[1, 2], [3, 2], [4, 3]] as const) {
      const lp = randomLogProbs(T, V, T * 10 + V);
      for (const label of [[], [1], [1, 1], [V - 1, 1]]) {
        const { p } = bruteForce(lp, T, V, label);
        const score = ctcScore(lp, T, V, label);
        if (p === 0) expect(score).toBe(-Infinity);
        else expect(score, `T=${T} V=${V} label=${label}`).toBeCloseTo(Math.log(p), 10);
      }
    }
  });
});
