/**
 * Decode modes by name: the HTTP `decoding` option and the batch CLI's
 * `--decoding` resolve here. Adding a mode is one function
 * `(recognizer, x, options) => hypotheses` and one line in `DECODE_MODES`.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { Recognizer } from '../types.js';
import type { Hypothesis } from './hypothesis.js';
import type { LmFusion } from '../../lm/fusion.js';
import { greedyMode } from './greedy.js';
import { ctcBeamMode, ctcGreedyMode, jointMode } from './ctc_modes.js';

export interface ModeOptions {
  /** Beams kept per line (modes with `usesBeamWidth`). */
  readonly beamWidth: number;
  /** Each row's own width in pixels before padding (CTC modes skip the padded frames). */
  readonly widths?: readonly number[];
  /** CTC share w of the `joint` score w·log p_ctc + (1 − w)·log p_att (default in ctc_modes.ts). */
  readonly jointCtcWeight?: number;
  /** A character language model fused into the CTC beam modes (ctc_beam, joint). */
  readonly lm?: LmFusion;
}

export interface DecodeModeEntry {
  /** Decodes x [B,H,W,1] to one hypothesis per row; owns no tensor it returns. */
  readonly decode: (recognizer: Recognizer, x: tf.Tensor4D, options: ModeOptions) => Promise<Hypothesis[]>;
  /** Whether `beamWidth` changes the result (callers batch requests that differ only in it otherwise). */
  readonly usesBeamWidth: boolean;
  /** Needs the model's CTC head (model.ctc_weight > 0). */
  readonly needsCtc: boolean;
}

export const DECODE_MODES = {
  greedy: { decode: greedyMode, usesBeamWidth: false, needsCtc: false },
  beam: { decode: (recognizer, x, o) => recognizer.beamSearch(x, o.beamWidth), usesBeamWidth: true, needsCtc: false },
  ctc_greedy: { decode: ctcGreedyMode, usesBeamWidth: false, needsCtc: true },
  ctc_beam: { decode: ctcBeamMode, usesBeamWidth: true, needsCtc: true },
  joint: { decode: jointMode, usesBeamWidth: true, needsCtc: true },
} as const satisfies Record<string, DecodeModeEntry>;

export type DecodeMode = keyof typeof DECODE_MODES;

/** Mode names for schemas (`z.enum(DECODE_MODE_NAMES)`). */
export const DECODE_MODE_NAMES = Object.keys(DECODE_MODES) as [DecodeMode, ...DecodeMode[]];

/** What a `decoding` option accepts: a mode, or `auto` for the fastest the model supports. */
export const DECODING_CHOICES = ['auto', ...DECODE_MODE_NAMES] as [DecodeMode | 'auto', ...Array<DecodeMode | 'auto'>];
export type Decoding = DecodeMode | 'auto';

/** `auto`: one CTC forward pass when the model has a CTC head, else attention greedy. */
export function resolveDecoding(recognizer: Recognizer, decoding: Decoding): DecodeMode {
  if (decoding !== 'auto') return decoding;
  return (recognizer.ctcWeight ?? 0) > 0 ? 'ctc_greedy' : 'greedy';
}

/** Modes this model can run (CTC modes need its CTC head). */
export function supportedModes(recognizer: Recognizer): DecodeMode[] {
  const ctc = (recognizer.ctcWeight ?? 0) > 0;
  return DECODE_MODE_NAMES.filter((m) => ctc || !(DECODE_MODES[m] as DecodeModeEntry).needsCtc);
}

export function decode(recognizer: Recognizer, x: tf.Tensor4D, mode: Decoding, options: ModeOptions): Promise<Hypothesis[]> {
  return (DECODE_MODES[resolveDecoding(recognizer, mode)] as DecodeModeEntry).decode(recognizer, x, options);
}
