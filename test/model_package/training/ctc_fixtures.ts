/** The PyTorch CTC fixtures (test/fixtures/ctc/ctc_cases.json) and their tolerance, for every CTC loss route. */
import * as tf from '@tensorflow/tfjs-core';
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';

/** One batch from bench/make_ctc_fixtures.py (PyTorch's F.ctc_loss, float64). */
export interface Case {
  name: string;
  shape: [number, number, number];
  logits: number[];
  input_lengths: number[];
  labels: number[][];
  loss_none: number[];
  loss_none_raw: Array<number | null>;
  loss_mean: number;
  loss_sum: number;
  grad_mean: number[];
  grad_sum: number[];
}

export const CASES = (
  JSON.parse(readFileSync(new URL('../../fixtures/ctc/ctc_cases.json', import.meta.url), 'utf8')) as { cases: Case[] }
).cases;

/** Error in units of the tolerance: 1e-4, relative where the value is above 1 (NaN if either is NaN). */
export function excess(actual: number, expected: number): number {
  return Math.abs(actual - expected) / (1e-4 * Math.max(1, Math.abs(expected)));
}

export function expectNear(actual: number, expected: number, what: string): void {
  expect(excess(actual, expected), `${what}: ${actual} vs ${expected}`).toBeLessThanOrEqual(1);
}

/** The worst element (NaN counts as worst) must be within tolerance; reports which one it was. */
export function expectAllNear(actual: ArrayLike<number>, expected: readonly number[], what: string): void {
  expect(actual.length).toBe(expected.length);
  let worst = -1;
  let worstExcess = -1;
  for (let i = 0; i < expected.length; i++) {
    const e = excess(actual[i] as number, expected[i] as number);
    if (!(e <= worstExcess)) [worst, worstExcess] = [i, Number.isNaN(e) ? Infinity : e];
  }
  if (worst >= 0) expectNear(actual[worst] as number, expected[worst] as number, `${what}[${worst}]`);
}

export function logitsOf(c: Case): tf.Tensor3D {
  return tf.tensor3d(c.logits, c.shape);
}
