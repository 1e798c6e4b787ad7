/** The candidate closest to a misspelt name, if it is close enough to be a likely typo. */
import { levenshtein } from '../metrics/levenshtein.js';

export function nearest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  const w = word.toLowerCase();
  for (const c of candidates) {
    const d = levenshtein(w, c.toLowerCase());
    if (d < bestD) [best, bestD] = [c, d];
  }
  // Allow about a third of the word to differ: "max_epoch" -> "max_epochs", not "lr" -> "name".
  return best !== undefined && bestD <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}
