/**
 * Image bytes (or a path) -> text, in line or paragraph mode: the one pipeline
 * behind the HTTP route and the batch CLI. Preprocessing is the shared training
 * path (`decodeGray` + `grayToLineImage`); paragraph mode first cuts the image
 * into lines. Recognition goes through a pluggable `BatchRecognizer` (the
 * server's micro-batcher, the CLI's plain loop), called once per call.
 */
import type { LmFusion } from '../lm/fusion.js';
import { checkImageHeader, decodeGray, grayToLineImage } from '../preprocess/line_image.js';
import { htrError } from '../errors.js';
import type { GrayImage } from '../core/data_types.js';
import type { Recognizer } from '../models/types.js';
import { resolveDecoding } from '../models/decoding/index.js';
import { LineRecognizer, type CharProb, type LinePrediction, type RecognizeOptions } from './line_recognizer.js';
import { cropLine, segmentLines, type LineBox } from './segment_lines.js';

export type Mode = 'line' | 'paragraph';

export interface PrepareOptions {
  readonly mode?: Mode;
  /** Names the image in errors (file name, "request body"). */
  readonly label?: string;
  /** sharp's `limitInputPixels`: larger images are an HTR_ERR_IMAGE_TOO_LARGE. */
  readonly limitInputPixels?: number;
  /** Widest and tallest image accepted (checked from the header, before decoding): HTR_ERR_IMAGE_TOO_LARGE. */
  readonly maxImageWidth?: number;
  readonly maxImageHeight?: number;
  /** Paragraph mode: most lines one image may yield (HTR_ERR_TOO_MANY_LINES past it). */
  readonly maxLines?: number;
  /** Checked before decoding and before each line crop: abandoned work stops early. */
  readonly signal?: AbortSignal;
}

/** Recognizes model-sized line images, results in order. */
export type BatchRecognizer = (images: readonly GrayImage[], options: Required<RecognizeOptions>) => Promise<LinePrediction[]>;

export interface PredictionOptions extends Omit<PrepareOptions, 'label'>, RecognizeOptions {
  /** Recognition of all lines of the call (default: the model directly, all at once). */
  readonly recognize?: BatchRecognizer;
  /** `performance.now()` when the work began (default: the call); latency counts from here. */
  readonly startedAt?: number;
}

/** One image for `predictBatch`: bytes, a path, or a lazy read (timed as part of the image's latency). */
export interface PredictInput {
  readonly image: Buffer | string | (() => Promise<Buffer>);
  /** Names the image in errors. */
  readonly label?: string;
}

/** Lines joined into one result. */
export interface CombinedLines extends LinePrediction {
  /** One entry per recognized line (a single one in line mode). */
  readonly lines: readonly LinePrediction[];
}

export interface Prediction extends CombinedLines {
  /** This image's reading and preprocessing time plus its share (by lines) of the recognition time, in ms. */
  readonly latencyMs: number;
  /** Source image size and each line's box in it (for PAGE-XML). */
  readonly layout: { readonly width: number; readonly height: number; readonly boxes: readonly LineBox[] };
}

/** Per input of `predictBatch`: its prediction, or the error that stopped it (the others go on). */
export type PredictOutcome = { readonly prediction: Prediction; readonly error?: undefined } | { readonly prediction?: undefined; readonly error: unknown };

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

  /** `lm`: a character language model for the ctc_beam and joint modes. */
  constructor(recognizer: Recognizer, lm?: LmFusion) {
    this.lines = new LineRecognizer(recognizer, lm);
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
    const label = options.label ?? (typeof input === 'string' ? input : '<buffer>');
    const lineMode = (options.mode ?? 'line') === 'line';
    await checkImageHeader(input, label, {
      ...(options.maxImageWidth !== undefined ? { maxWidth: options.maxImageWidth } : {}),
      ...(options.maxImageHeight !== undefined ? { maxHeight: options.maxImageHeight } : {}),
      ...(lineMode ? { line: { height: this.lines.height, width: this.lines.width } } : {}),
    });
    options.signal?.throwIfAborted();
    const gray = await decodeGray(input, label, options.limitInputPixels ?? DEFAULT_PIXEL_LIMIT);
    const dims = { height: this.lines.height, width: this.lines.width, label };
    const size = { width: gray.width, height: gray.height };
    if (lineMode) {
      return { ...size, images: [await grayToLineImage(gray, dims)], boxes: [{ top: 0, bottom: gray.height, left: 0, right: gray.width }] };
    }
    const boxes = segmentLines(gray);
    // Checked before any line is cropped or queued: one image must not turn into unbounded work.
    if (options.maxLines !== undefined && boxes.length > options.maxLines) {
      throw htrError('HTR_ERR_TOO_MANY_LINES', { file: label, lines: boxes.length, limit: options.maxLines });
    }
    // One crop at a time: a 60-line page does not flood the decoder threads other requests share.
    const images: GrayImage[] = [];
    for (const box of boxes) {
      options.signal?.throwIfAborted();
      images.push(await grayToLineImage(cropLine(gray, box), dims));
    }
    return { ...size, images, boxes };
  }

  /** Recognizes model-sized line images directly with the model. */
  recognize(images: readonly GrayImage[], options: RecognizeOptions = {}): Promise<LinePrediction[]> {
    return this.lines.recognize(images, options);
  }

  /** One image; its error (unreadable, too large...) is thrown. */
  async predict(input: Buffer | string, options: PredictionOptions & { readonly label?: string } = {}): Promise<Prediction> {
    const [outcome] = await this.predictBatch([{ image: input, ...(options.label !== undefined ? { label: options.label } : {}) }], options);
    if (!outcome?.prediction) throw outcome?.error;
    return outcome.prediction;
  }

  /**
   * Several images: each is read and preprocessed concurrently, then the lines of
   * all of them go to one `recognize` call. An image that fails to read or decode
   * gets its error in its outcome; a recognition failure rejects the whole call.
   */
  async predictBatch(inputs: readonly PredictInput[], options: PredictionOptions = {}): Promise<PredictOutcome[]> {
    const prepared = await Promise.all(
      inputs.map(async (input) => {
        const t0 = options.startedAt ?? performance.now();
        try {
          const bytes = typeof input.image === 'function' ? await input.image() : input.image;
          const segmented = await this.segment(bytes, {
            mode: options.mode,
            label: input.label,
            limitInputPixels: options.limitInputPixels,
            maxImageWidth: options.maxImageWidth,
            maxImageHeight: options.maxImageHeight,
            maxLines: options.maxLines,
            signal: options.signal,
          });
          return { segmented, ms: performance.now() - t0 };
        } catch (error) {
          return { error };
        }
      }),
    );
    options.signal?.throwIfAborted();
    const images = prepared.flatMap((p) => p.segmented?.images ?? []);
    const recognize = options.recognize ?? ((imgs, o) => this.recognize(imgs, o));
    const t0 = performance.now();
    const results = await recognize(images, { decoding: resolveDecoding(this.recognizer, options.decoding ?? 'auto'), beamWidth: options.beamWidth ?? 5 });
    // Recognition is shared by the batch: each image is charged its share of lines.
    const perLine = images.length ? (performance.now() - t0) / images.length : 0;
    let k = 0;
    return prepared.map((p): PredictOutcome => {
      if (!p.segmented) return { error: p.error };
      const { width, height, boxes } = p.segmented;
      const lines = results.slice(k, k + boxes.length);
      k += boxes.length;
      return { prediction: { ...combineLines(lines), latencyMs: (p.ms as number) + perLine * lines.length, layout: { width, height, boxes } } };
    });
  }
}

/**
 * Joins line results with "\n". The newline entries in `chars` come from
 * segmentation, not the model, so they carry p = 1; confidence is the geometric
 * mean of the line confidences weighted by their length (+1 for the end token).
 */
export function combineLines(lines: readonly LinePrediction[]): CombinedLines {
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
