import { describe, expect, it } from 'vitest';
import {
  ctcExtendedLabel,
  ctcForwardBackward,
  ctcLogLikelihood,
  ctcMinFrames,
  logAddExp,
  logSoftmaxRows,
} from '../../../../model_package/models/ctc/ctc_forward.js';
import { bruteForce, randomLogProbs } from './brute_force.js';

// Labels over tokens 1..2 (0 = blank): repeats, skips, the empty label.
const LABELS: number[][] = [[], [1], [2], [1, 1], [1, 2], [2, 1, 2], [1, 1, 2]];

describe('ctcForwardBackward', () => {
  it('matches the sum over enumerated alignments for every label, T <= 4, V = 3', () => {
    let checked = 0;
    for (let T = 1; T <= 4; T++) {
      const lp = randomLogProbs(T, 3, 100 + T);
      for (const label of LABELS) {
        const ref = bruteForce(lp, T, 3, label);
        const ll = ctcLogLikelihood(lp, T, 3, label);
        if (ref.p === 0) {
          expect(ll, `T=${T} label=${label}`).toBe(-Infinity);
          continue;
        }
        expect(ll, `T=${T} label=${label}`).toBeCloseTo(Math.log(ref.p), 10);
        const fb = ctcForwardBackward(lp, T, 3, label);
        expect(fb.logLikelihood).toBeCloseTo(ll, 12);
        for (let i = 0; i < T * 3; i++) expect(fb.tokenOccupancy[i]).toBeCloseTo(ref.occupancy[i] as number, 10);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(15);
  });

  it('has state occupancies that sum to 1 per frame and fold into the token occupancies', () => {
    const T = 9;
    const V = 5;
    const label = [1, 3, 3, 2];
    const lp = randomLogProbs(T, V, 7);
    const { stateOccupancy, tokenOccupancy } = ctcForwardBackward(lp, T, V, label);
    const ext = ctcExtendedLabel(label);
    expect(Array.from(ext)).toEqual([0, 1, 0, 3, 0, 3, 0, 2, 0]);
    const S = ext.length;
    for (let t = 0; t < T; t++) {
      let rowSum = 0;
      const folded = new Float64Array(V);
      for (let s = 0; s < S; s++) {
        rowSum += stateOccupancy[t * S + s] as number;
        folded[ext[s] as number] += stateOccupancy[t * S + s] as number;
      }
      expect(rowSum).toBeCloseTo(1, 12);
      for (let v = 0; v < V; v++) expect(tokenOccupancy[t * V + v]).toBeCloseTo(folded[v] as number, 12);
    }
    // The first frame can only be the leading blank or the first token.
    for (let s = 2; s < S; s++) expect(stateOccupancy[s]).toBe(0);
  });

  it('returns -Infinity and zero occupancy when the label needs more frames than it has', () => {
    expect(ctcMinFrames([])).toBe(0);
    expect(ctcMinFrames([1, 1])).toBe(3);
    expect(ctcMinFrames([1, 2, 2, 1])).toBe(5);
    const lp = randomLogProbs(4, 3, 1);
    expect(ctcLogLikelihood(lp, 4, 3, [1, 2, 2, 1])).toBe(-Infinity);
    const fb = ctcForwardBackward(lp, 2, 3, [1, 1]);
    expect(fb.logLikelihood).toBe(-Infinity);
    expect(fb.tokenOccupancy.every((p) => p === 0)).toBe(true);
    // Exactly enough frames: the single alignment a, blank, a.
    const exact = ctcLogLikelihood(lp, 3, 3, [1, 1]);
    expect(exact).toBeCloseTo((lp[1] as number) + (lp[3] as number) + (lp[7] as number), 12);
  });

  it('stays finite where the probability underflows in linear space', () => {
    // 2000 frames with p(blank) = p(a) = 0.5: each path has p = 0.5^2000 ~ 1e-602.
    const T = 2000;
    const lp = new Float64Array(T * 2).fill(Math.log(0.5));
    expect(ctcLogLikelihood(lp, T, 2, [])).toBeCloseTo(T * Math.log(0.5), 8);
    // "a" = blank* a+ blank*: one path per choice of first and last a, T(T+1)/2 in all.
    const fb = ctcForwardBackward(lp, T, 2, [1]);
    expect(fb.logLikelihood).toBeCloseTo(Math.log((T * (T + 1)) / 2) + T * Math.log(0.5), 8);
    // Frame 0 is "a" on the T paths whose run starts there.
    expect(fb.tokenOccupancy[1]).toBeCloseTo(2 / (T + 1), 12);
  });

  it('ignores rows past T, so a view into a padded buffer works', () => {
    const lp = randomLogProbs(6, 4, 3);
    const padded = new Float64Array(10 * 4).fill(-1e9);
    padded.set(lp);
    expect(ctcLogLikelihood(padded, 6, 4, [2, 3])).toBe(ctcLogLikelihood(lp, 6, 4, [2, 3]));
  });

  it('rejects blanks and out-of-vocabulary ids in the label', () => {
    const lp = randomLogProbs(3, 3, 0);
    expect(() => ctcLogLikelihood(lp, 3, 3, [0])).toThrow(RangeError);
    expect(() => ctcLogLikelihood(lp, 3, 3, [3])).toThrow(RangeError);
    expect(() => ctcLogLikelihood(lp, 4, 3, [1])).toThrow(RangeError);
  });
});

describe('logAddExp and logSoftmaxRows', () => {
  it('are exact where naive exp would overflow or underflow', () => {
    expect(logAddExp(1000, 1000)).toBeCloseTo(1000 + Math.log(2), 12);
    expect(logAddExp(-1000, -Infinity)).toBe(-1000);
    expect(logAddExp(-Infinity, -Infinity)).toBe(-Infinity);
    const rows = logSoftmaxRows([1000, 1001, 1002, -5, 0, 5], 2, 3);
    for (let t = 0; t < 2; t++) {
      let s = 0;
      for (let v = 0; v < 3; v++) s += Math.exp(rows[t * 3 + v] as number);
      expect(s).toBeCloseTo(1, 12);
    }
    expect(rows[0]).toBeCloseTo(-Math.log(1 + Math.E + Math.E ** 2), 12);
    expect(rows[5]).toBeCloseTo(-Math.log(1 + Math.exp(-5) + Math.exp(-10)), 12);
  });
});
