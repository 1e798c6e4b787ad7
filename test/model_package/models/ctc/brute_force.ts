/** Reference CTC by enumerating all V^T frame paths (tiny T and V only). */
import { Rng } from '../../../../model_package/core/rng.js';
import { logSoftmaxRows } from '../../../../model_package/models/ctc/ctc_forward.js';

/** Collapse a path: merge repeats, drop blanks (0). */
export function collapse(path: readonly number[]): number[] {
  const out: number[] = [];
  let prev = 0;
  for (const v of path) {
    if (v !== 0 && v !== prev) out.push(v);
    prev = v;
  }
  return out;
}

/** Every path of length T over V tokens with its probability. */
export function allPaths(logProbs: ArrayLike<number>, T: number, V: number): Array<{ path: number[]; p: number }> {
  const out: Array<{ path: number[]; p: number }> = [];
  const n = V ** T;
  for (let i = 0; i < n; i++) {
    const path: number[] = [];
    let lp = 0;
    for (let t = 0, r = i; t < T; t++, r = Math.floor(r / V)) {
      const v = r % V;
      path.push(v);
      lp += logProbs[t * V + v] as number;
    }
    out.push({ path, p: Math.exp(lp) });
  }
  return out;
}

/** p(label) and the posterior of token v at frame t given the label, by enumeration. */
export function bruteForce(logProbs: ArrayLike<number>, T: number, V: number, label: readonly number[]) {
  const key = label.join(',');
  let total = 0;
  const occ = new Float64Array(T * V);
  for (const { path, p } of allPaths(logProbs, T, V)) {
    if (collapse(path).join(',') !== key) continue;
    total += p;
    path.forEach((v, t) => (occ[t * V + v] += p));
  }
  if (total > 0) for (let i = 0; i < occ.length; i++) occ[i] = (occ[i] as number) / total;
  return { p: total, occupancy: occ };
}

/** Probability of every label that some path produces, by enumeration. */
export function labelDistribution(logProbs: ArrayLike<number>, T: number, V: number): Map<string, number> {
  const dist = new Map<string, number>();
  for (const { path, p } of allPaths(logProbs, T, V)) {
    const key = collapse(path).join(',');
    dist.set(key, (dist.get(key) ?? 0) + p);
  }
  return dist;
}

/** Random log-softmax rows [T, V]: logits uniform in [-scale, scale). */
export function randomLogProbs(T: number, V: number, seed: number, scale = 2): Float64Array {
  const rng = new Rng(seed);
  const logits = Array.from({ length: T * V }, () => rng.uniform(-scale, scale));
  return logSoftmaxRows(logits, T, V);
}
