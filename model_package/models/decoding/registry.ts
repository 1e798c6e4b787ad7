/**
 * Decode modes by name: the HTTP `decoding` option and the batch CLI's
 * `--decoding` resolve here. Adding a mode is one function
 * `(recognizer, x, options) => hypotheses` and one line in `DECODE_MODES`.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { Recognizer } from '../types.js';
import type { Hypothesis } from './hypothesis.js';
import { greedyMode } from './greedy.js';

export interface ModeOptions {
  /** Beams kept per line (modes with `usesBeamWidth`). */
  readonly beamWidth: number;
}

export interface DecodeModeEntry {
  /** Decodes x [B,H,W,1] to one hypothesis per row; owns no tensor it returns. */
  readonly decode: (recognizer: Recognizer, x: tf.Tensor4D, options: ModeOptions) => Promise<Hypothesis[]>;
  /** Whether `beamWidth` changes the result (callers batch requests that differ only in it otherwise). */
  readonly usesBeamWidth: boolean;
}

export const DECODE_MODES = {
  greedy: { decode: greedyMode, usesBeamWidth: false },
  beam: { decode: (recognizer, x, o) => recognizer.beamSearch(x, o.beamWidth), usesBeamWidth: true },
} as const satisfies Record<string, DecodeModeEntry>;

export type DecodeMode = keyof typeof DECODE_MODES;

/** Mode names for schemas (`z.enum(DECODE_MODE_NAMES)`). */
export const DECODE_MODE_NAMES = Object.keys(DECODE_MODES) as [DecodeMode, ...DecodeMode[]];

export function decode(recognizer: Recognizer, x: tf.Tensor4D, mode: DecodeMode, options: ModeOptions): Promise<Hypothesis[]> {
  return (DECODE_MODES[mode] as DecodeModeEntry).decode(recognizer, x, options);
}
