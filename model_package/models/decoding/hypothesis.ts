/** What every decode mode returns per line. */
import type { BeamHypothesis } from '../types.js';

/**
 * Token ids after <S> up to (excluding) <E>, the probability of each of those
 * tokens (`charProbs[i]` belongs to `tokens[i]`), and exp(mean log-prob) of the
 * tokens and <E>. A beam hypothesis is one, plus its decoded text.
 */
export type Hypothesis = Pick<BeamHypothesis, 'tokens' | 'charProbs' | 'confidence'>;
