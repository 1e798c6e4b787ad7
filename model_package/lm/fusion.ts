import { END_INDEX } from '../core/tokenizer.js';
import type { CharNgramLm } from './char_ngram.js';

/**
 * Shallow fusion of a language model into CTC prefix beam search: each emitted
 * character adds `weight`·ln p_lm(char | line so far) + `bonus` (the bonus offsets
 * the LM's pull towards short lines), and the end of the line adds weight·ln p_lm(<E>).
 */
export interface LmFusion {
  readonly lm: CharNgramLm;
  readonly weight: number;
  readonly bonus: number;
}

/** The fused score of a whole line: each character's weighted log-probability and bonus, then the end of the line. */
export function lmLineScore(fusion: LmFusion, tokens: readonly number[]): number {
  let score = 0;
  for (let i = 0; i < tokens.length; i++) score += fusion.weight * fusion.lm.logProb(tokens.slice(0, i), tokens[i] as number) + fusion.bonus;
  return score + fusion.weight * fusion.lm.logProb(tokens, END_INDEX);
}
