/** Decoding over a model's step decoder: the greedy loop, beam search and the decode-mode registry. */
export { greedyLoop, greedyHypotheses, greedyMode } from './greedy.js';
export { beamSearchLoop } from './beam_search.js';
export type { Hypothesis } from './hypothesis.js';
export { DECODE_MODES, DECODE_MODE_NAMES, DECODING_CHOICES, decode, resolveDecoding, supportedModes, type Decoding, type DecodeMode, type DecodeModeEntry, type ModeOptions } from './registry.js';
