/**
 * Image bytes (or a path) -> text, in line or paragraph mode. Preprocessing is
 * the shared training path (`decodeGray` + `grayToLineImage`, i.e.
 * `preprocessLineImage`); paragraph mode first cuts the image into lines.
 */
import { decodeGray, grayToLineImage } from '../preprocess/line_image.js';
import type { GrayImage } from '../core/data_types.js';
import type { Recognizer } from '../models/types.js';
import { LineRecognizer, type CharProb, type LinePrediction, type RecognizeOptions } from './line_recognizer.js';
import { cropGray, segmentLines, type LineBox } from './segment_lines.js';

export type Mode = 'line' | 'paragraph';

export interface PrepareOptions {
  readonly mode?: Mode;
  /** Names the image in errors (file name, "request body"). */
  readonly label?: string;
  /** sharp's `limitInputPixels`: larger images are an HTR_ERR_IMAGE_TOO_LARGE. */
  readonly limitInputPixels?: number;
}

export interface Prediction extends LinePrediction {
  /** One entry per recognized line (a single one in line mode). */
  readonly lines: readonly LinePrediction[];
}

export interface SegmentedImage {
  /** Source image size in pixels. */
  readonly width: number;
  readonly height: number;
  /** Model-sized line images, top to bottom. */
  readonly images: GrayImage[];
  /** Each line's box in the source image. */
  readonly boxes: LineBox[];
}

export const DEFAULT_PIXEL_LIMIT = 50_000_000;

export class Predictor {
  readonly lines: LineRecognizer;

  constructor(recognizer: Recognizer) {
    this.lines = new LineRecognizer(recognizer);
  }

  get recognizer(): Recognizer {
    return this.lines.recognizer;
  }

  /** Decoded, model-sized line images: one in line mode, one per detected line in paragraph mode. */
  async prepare(input: Buffer | string, options: PrepareOptions = {}): Promise<GrayImage[]> {
    return (await this.segment(input, options)).images;
  }

  /** Like `prepare`, plus where each line sits in the source image (for PAGE-XML). */
  async segment(input: Buffer | string, options: PrepareOptions = {}): Promise<SegmentedImage> {
    const gray = await decodeGray(input, options.label, options.limitInputPixels ?? DEFAULT_PIXEL_LIMIT);
    const dims = { height: this.lines.height, width: this.lines.width };
    const size = { width: gray.width, height: gray.height };
    if ((options.mode ?? 'line') === 'line') {
      return { ...size, images: [await grayToLineImage(gray, dims)], boxes: [{ top: 0, bottom: gray.height, left: 0, right: gray.width }] };
    }
    const boxes = segmentLines(gray);
    const images = await Promise.all(boxes.map((box) => grayToLineImage(cropGray(gray, box), dims)));
    return { ...size, images, boxes };
  }

  recognize(images: readonly GrayImage[], options: RecognizeOptions = {}): Promise<LinePrediction[]> {
    return this.lines.recognize(images, options);
  }

  async predict(input: Buffer | string, options: PrepareOptions & RecognizeOptions = {}): Promise<Prediction> {
    const images = await this.prepare(input, options);
    return combineLines(await this.recognize(images, options));
  }
}

/**
 * Joins line results with "\n". The newline entries in `chars` come from
 * segmentation, not the model, so they carry p = 1; confidence is the geometric
 * mean of the line confidences weighted by their length (+1 for the end token).
 */
export function combineLines(lines: readonly LinePrediction[]): Prediction {
  if (lines.length === 1) return { ...(lines[0] as LinePrediction), lines };
  const chars: CharProb[] = [];
  let logSum = 0;
  let weight = 0;
  lines.forEach((line, i) => {
    if (i > 0) chars.push({ char: '\n', p: 1 });
    chars.push(...line.chars);
    const w = line.chars.length + 1;
    logSum += w * Math.log(Math.max(line.confidence, 1e-12));
    weight += w;
  });
  return {
    text: lines.map((l) => l.text).join('\n'),
    confidence: weight ? Math.exp(logSum / weight) : 0,
    chars,
    lines,
  };
}
