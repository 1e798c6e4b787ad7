/** Recognition metrics: CER and WER over an epoch. */
export { levenshtein } from './levenshtein.js';
export { CharErrorRate, WordErrorRate, cer, wer, stripSpecialTokens, splitWords } from './error_rate.js';
