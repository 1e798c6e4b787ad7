/** Scores found line boxes against known ones: one-to-one matches at IoU >= 0.5, best first. */
import type { LineBox } from '../../model_package/inference/segment_lines.js';

export function iou(a: LineBox, b: LineBox): number {
  const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
  const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  const area = (x: LineBox): number => (x.right - x.left) * (x.bottom - x.top);
  return inter / (area(a) + area(b) - inter);
}

export interface LineMatch {
  readonly truth: number;
  readonly found: number;
  /** Truth lines matched by exactly one found line. */
  readonly matched: number;
}

export function matchLines(truth: readonly LineBox[], found: readonly LineBox[], minIou = 0.5): LineMatch {
  const pairs: Array<[number, number, number]> = [];
  truth.forEach((t, i) => found.forEach((f, j) => {
    const v = iou(t, f);
    if (v >= minIou) pairs.push([v, i, j]);
  }));
  pairs.sort((a, b) => b[0] - a[0]);
  const usedT = new Set<number>();
  const usedF = new Set<number>();
  for (const [, i, j] of pairs) {
    if (usedT.has(i) || usedF.has(j)) continue;
    usedT.add(i);
    usedF.add(j);
  }
  return { truth: truth.length, found: found.length, matched: usedT.size };
}
