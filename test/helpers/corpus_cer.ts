/**
 * Corpus CER of (prediction, ground truth) rows computed from scratch, to check the
 * CER a run reports against the predictions it logged: total edit distance over
 * total reference characters (code points), not a mean of per-row rates.
 */
import { levenshtein } from '../../model_package/metrics/levenshtein.js';

export function corpusCer(rows: ReadonlyArray<{ readonly prediction: string; readonly groundTruth: string }>): number {
  let edits = 0;
  let chars = 0;
  for (const r of rows) {
    const ref = Array.from(r.groundTruth);
    edits += levenshtein(Array.from(r.prediction), ref);
    chars += ref.length;
  }
  if (chars === 0) throw new Error('corpusCer: no reference characters');
  return edits / chars;
}
