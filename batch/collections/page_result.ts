/**
 * What recognizing one page yields, and what the store keeps: the page's size
 * and each line's box, text, per-character confidences and the model that read it.
 */
import type { LineBox } from '../../model_package/inference/segment_lines.js';
import type { CharProb } from '../../model_package/inference/line_recognizer.js';

export interface LineResult {
  readonly box: LineBox;
  /** Outline when the segmenter gives one: [x, y] points, clockwise. */
  readonly polygon?: ReadonlyArray<readonly [number, number]>;
  readonly text: string;
  readonly confidence: number;
  readonly chars: readonly CharProb[];
}

export interface PageResult {
  readonly width: number;
  readonly height: number;
  readonly lines: readonly LineResult[];
}

/** One page to recognize: the job's data, the same in-process and on the queue. */
export interface PageJob {
  readonly collection: string;
  /** Where to read the page: a path, or `archive.zip:inner/path.png`. */
  readonly file: string;
  /** sha256 of the page's bytes (hex). */
  readonly pageHash: string;
  readonly modelId: string;
}
