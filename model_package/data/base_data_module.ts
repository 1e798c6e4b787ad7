/**
 * Shared machinery for data modules: split storage, seeded shuffling, train-only
 * augmentation and collation into `Batch`es. Subclasses fill `splits` in `setup`
 * and report their dims; everything else is here once.
 */
import { z } from 'zod';
import { Rng } from '../core/rng.js';
import { Tokenizer } from '../core/tokenizer.js';
import { WIDTH_QUANTUM, type Augment, type Batch, type DataConfig, type DataLoader, type DataModule, type Dataset, type GrayImage, type Sample, type Stage } from '../core/data_types.js';

export const BaseDataConfig = z.object({
  batch_size: z.number().int().positive().default(16).describe('samples per batch'),
  num_workers: z.number().int().min(0).default(0).describe('worker threads for loading/augmentation (0 = main thread)'),
  shuffle_seed: z.number().int().default(0).describe('seed for the train-set order of each epoch'),
});
export type BaseDataConfig = z.infer<typeof BaseDataConfig>;

export interface Splits {
  train: Dataset;
  val: Dataset;
  test: Dataset;
}

export abstract class BaseDataModule implements DataModule {
  protected splits: Splits | undefined;
  protected augment: Augment | undefined;

  protected constructor(protected readonly base: BaseDataConfig) {}

  abstract prepareData(): Promise<void>;
  abstract setup(stage: Stage): Promise<void>;
  abstract dataConfig(): DataConfig;

  properties(): Record<string, unknown> {
    const s = this.splits;
    return s ? { train_size: s.train.length, val_size: s.val.length, test_size: s.test.length } : {};
  }

  trainDataloader(epoch: number): DataLoader {
    const rng = new Rng((this.base.shuffle_seed * 1_000_003 + epoch) >>> 0);
    return this.loader(this.requireSplits().train, { shuffle: rng, augment: this.augment });
  }

  valDataloader(): DataLoader {
    return this.loader(this.requireSplits().val, {});
  }

  testDataloader(): DataLoader {
    return this.loader(this.requireSplits().test, {});
  }

  protected requireSplits(): Splits {
    if (!this.splits) throw new Error(`${this.constructor.name}: call setup() before asking for data`);
    return this.splits;
  }

  protected loader(dataset: Dataset, opts: { shuffle?: Rng; augment?: Augment }): DataLoader {
    return makeDataLoader(dataset, this.dataConfig(), this.base.batch_size, opts);
  }
}


/** Train batches are drawn from pools of this many batches sorted by width. */
const BUCKET_POOL_BATCHES = 32;

/**
 * The order of a loader as batches of dataset indices. Without widths: in order,
 * or one seeded shuffle. With widths (natural-width lines), similar widths share
 * a batch so short lines do not pay for long ones: eval sorts by width; train
 * shuffles, sorts pools of BUCKET_POOL_BATCHES batches by width, and shuffles
 * the batches. Every index appears exactly once.
 */
export function batchOrder(length: number, batchSize: number, opts: { shuffle?: Rng; widthOf?: (i: number) => number } = {}): number[][] {
  const order = Array.from({ length }, (_, i) => i);
  if (opts.shuffle) opts.shuffle.shuffle(order);
  const widthOf = opts.widthOf;
  const cut = (ids: number[]): number[][] => {
    const out: number[][] = [];
    for (let b = 0; b < ids.length; b += batchSize) out.push(ids.slice(b, b + batchSize));
    return out;
  };
  if (!widthOf) return cut(order);
  const widths = new Float64Array(length);
  for (let i = 0; i < length; i++) widths[i] = widthOf(i);
  const byWidth = (a: number, b: number) => (widths[a] as number) - (widths[b] as number) || a - b;
  if (!opts.shuffle) return cut(order.sort(byWidth));
  const pool = batchSize * BUCKET_POOL_BATCHES;
  const batches: number[][] = [];
  for (let p = 0; p < length; p += pool) batches.push(...cut(order.slice(p, p + pool).sort(byWidth)));
  opts.shuffle.shuffle(batches);
  return batches;
}

/** Batches `dataset` in order (or in a seeded shuffled order), dims from `config`. */
export function makeDataLoader(
  dataset: Dataset,
  config: DataConfig,
  batchSize: number,
  opts: { shuffle?: Rng; augment?: Augment } = {},
): DataLoader {
  const tokenizer = new Tokenizer(config.mapping);
  const batches = batchOrder(dataset.length, batchSize, { shuffle: opts.shuffle, widthOf: dataset.widthOf?.bind(dataset) });
  const augRng = opts.shuffle?.fork();
  return {
    numBatches: batches.length,
    numSamples: dataset.length,
    async *[Symbol.asyncIterator](): AsyncIterator<Batch> {
      for (const idx of batches) {
        const samples = await Promise.all(idx.map((i) => dataset.get(i)));
        const images = opts.augment && augRng
          ? await Promise.all(samples.map((s) => opts.augment!(s.image, augRng)))
          : samples.map((s) => s.image);
        yield collate(samples, images, config, tokenizer);
      }
    },
  };
}

/**
 * Stacks images top-left aligned, zero padded to the widest image of the batch
 * (rounded up to WIDTH_QUANTUM, at most inputDims' width; fixed-width data thus
 * keeps its width), and encodes labels. Images are never resized here.
 */
export function collate(
  samples: readonly Sample[],
  images: readonly GrayImage[],
  config: DataConfig,
  tokenizer: Tokenizer,
): Batch {
  const [, height, maxWidth] = config.inputDims;
  const seqLength = config.outputDims[0];
  const n = samples.length;
  const widths = Int32Array.from(images, (img) => Math.min(maxWidth, img.width));
  const widest = widths.reduce((a, b) => Math.max(a, b), 1);
  const width = Math.min(maxWidth, Math.ceil(widest / WIDTH_QUANTUM) * WIDTH_QUANTUM);
  const x = new Float32Array(n * height * width);
  const y = new Int32Array(n * seqLength);
  images.forEach((img, i) => {
    const rows = Math.min(height, img.height);
    const cols = widths[i] as number;
    for (let r = 0; r < rows; r++) {
      const src = img.data.subarray(r * img.width, r * img.width + cols);
      x.set(src, i * height * width + r * width);
    }
  });
  samples.forEach((s, i) => y.set(tokenizer.encode(s.text, seqLength), i * seqLength));
  return {
    x,
    y,
    batchSize: n,
    height,
    width,
    widths,
    seqLength,
    texts: samples.map((s) => s.text),
    ids: samples.map((s) => s.id),
  };
}

/** A Dataset over an in-memory array. */
export function arrayDataset(samples: readonly Sample[]): Dataset {
  return { length: samples.length, get: (i) => samples[i] as Sample };
}
