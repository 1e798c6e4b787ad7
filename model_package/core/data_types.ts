/**
 * The contract between data modules, the Trainer and the model. Images are
 * grayscale float32 in [0, 1] with ink high (1) and paper low (0), row-major.
 * Tensors built from batches are NHWC: [batch, height, width, 1].
 */
import type { Rng } from './rng.js';

/**
 * Batch widths are rounded up to this many pixels: few distinct shapes (kernel and
 * shape caches stay small) and widths divisible by every encoder stride. Training
 * batches and inference batches pad the same way.
 */
export const WIDTH_QUANTUM = 32;

export interface GrayImage {
  readonly data: Float32Array;
  readonly height: number;
  readonly width: number;
}

/** An 8-bit grayscale image as decoded or rendered (0-255, row-major, one byte a pixel), before it becomes a GrayImage. */
export interface Gray8 {
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
}

export interface Sample {
  readonly image: GrayImage;
  readonly text: string;
  /** Stable identifier (file name, form-line id, synthetic index) for reports. */
  readonly id: string;
}

/** What the runner links into the model (Lightning's `config()` in fsdl). */
export interface DataConfig {
  /** [channels, height, width] of one model input, as fsdl writes it. */
  readonly inputDims: readonly [number, number, number];
  /** [max sequence length including <S> and <E>]. */
  readonly outputDims: readonly [number];
  /** idx -> token; starts with <B> <S> <E> <P>. */
  readonly mapping: readonly string[];
}

/** Random access to samples; `get` may be async (decoding, worker augmentation). */
export interface Dataset {
  readonly length: number;
  get(index: number): Sample | Promise<Sample>;
  /**
   * Width of sample `index` without loading it, when the dataset knows it
   * (natural-width lines): loaders then batch lines of similar width together.
   */
  widthOf?(index: number): number;
}

/** A collated batch as plain arrays; the Trainer owns the tensors it makes from it. */
export interface Batch {
  /** [batch, height, width] floats in [0, 1], row-major. */
  readonly x: Float32Array;
  /** [batch, maxSeqLength] token ids: <S> text <E> <P>... */
  readonly y: Int32Array;
  readonly batchSize: number;
  readonly height: number;
  /** Batch width: the widest image, rounded up (see `collate`), at most the data's inputDims width. */
  readonly width: number;
  /** Each image's own width before padding (CTC frames are counted from it). */
  readonly widths: Int32Array;
  readonly seqLength: number;
  readonly texts: readonly string[];
  readonly ids: readonly string[];
}

export interface DataLoader extends AsyncIterable<Batch> {
  /** Batches one pass yields. */
  readonly numBatches: number;
  readonly numSamples: number;
}

export type Stage = 'fit' | 'validate' | 'test' | 'predict';

/** Train-only augmentation: a pure function of the sample and a seeded RNG. */
export type Augment = (image: GrayImage, rng: Rng) => GrayImage | Promise<GrayImage>;

export interface DataModule {
  /** Download or build raw data and caches; idempotent. */
  prepareData(): Promise<void>;
  /** Load splits for a stage; call after prepareData. */
  setup(stage: Stage): Promise<void>;
  dataConfig(): DataConfig;
  trainDataloader(epoch: number): DataLoader;
  valDataloader(): DataLoader;
  testDataloader(): DataLoader;
  /** Facts worth logging (split sizes, fonts per split, skipped samples). */
  properties(): Record<string, unknown>;
}
