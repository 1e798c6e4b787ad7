/**
 * The public recognizer API, the same in Node and in the browser: only the image
 * and model-source types differ (node.ts, browser.ts).
 */
import type { Decoding, DecodeMode } from '../models/decoding/registry.js';

export type { Decoding, DecodeMode };

export interface RecognizeOptions {
  /** Decode mode; `auto` (the default) is the fastest the model supports. */
  readonly decoding?: Decoding;
  /** Beams kept (beam modes only; default 5). */
  readonly beamWidth?: number;
}

export interface CharProbability {
  readonly char: string;
  /** Model probability of this character at its position, in (0, 1]. */
  readonly p: number;
}

export interface Recognition {
  readonly text: string;
  /** exp(mean log-probability) of the characters and the end token, in (0, 1]. */
  readonly confidence: number;
  /** One entry per character of `text`. */
  readonly chars: readonly CharProbability[];
}

export interface ModelInfo {
  /** Line height the model reads; images are scaled to it, keeping their aspect ratio. */
  readonly height: number;
  /** Widest line (after scaling) the model reads; a wider one is HTR_ERR_IMAGE_TOO_WIDE. */
  readonly maxWidth: number;
  /** Characters the model can write. */
  readonly vocabulary: readonly string[];
  /** Decode modes this model supports (CTC modes need its CTC head). */
  readonly decodeModes: readonly DecodeMode[];
  /** What `auto` resolves to for this model. */
  readonly autoDecoding: DecodeMode;
  /** The tfjs backend running it (wasm, cpu, tensorflow...). */
  readonly backend: string;
}

/** A loaded model. `Image` is what `recognize` reads on this platform. */
export interface TextRecognizer<Image> {
  readonly info: ModelInfo;
  /** Recognizes one line image. */
  recognize(image: Image, options?: RecognizeOptions): Promise<Recognition>;
  /** Frees the model's weights; the recognizer is unusable afterwards. */
  dispose(): void;
}
