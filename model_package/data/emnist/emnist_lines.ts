/**
 * EMNISTLines: synthetic lines of EMNIST characters, as in fsdl. Text comes from
 * the offline corpus (SentenceGenerator, restricted to EMNIST's 62 classes and
 * space); each character is a random EMNIST sample of that class from the
 * matching split (train/val lines use NIST-train characters of their split,
 * test lines NIST-test ones), placed left to right with a per-line overlap of
 * 0-0.33 of a character width. Lines are 28 px high. A space is a blank cell.
 *
 * EMNISTLines2 (fsdl's harder variant): taller lines (56 px) with characters
 * scaled and shifted up and down, more overlap (0-0.5), and train-only
 * augmentation.
 *
 * Line i of a split is a pure function of (seed, split, i), composed on demand.
 */
import { z } from 'zod';
import { htrError } from '../../errors.js';
import { Rng } from '../../core/rng.js';
import { AugmentConfig } from '../augment/config.js';
import { AugmentPool } from '../augment/augment_pool.js';
import { BaseDataConfig, BaseDataModule } from '../base_data_module.js';
import { EMNIST_CLASSES, EMNIST_SIZE, EmnistSourceShape, loadEmnistSplits, type CharSet, type EmnistSplit } from './emnist.js';
import { mixSeed } from '../synthetic/render/synthetic_line_source.js';
import { SentenceGenerator } from '../synthetic/sentence_generator.js';
import { buildMapping, DEFAULT_CHARACTERS } from '../../core/tokenizer.js';
import type { DataConfig, Dataset, Sample, Stage } from '../../core/data_types.js';

const pair = (lo: number, hi: number, what: string) =>
  z
    .tuple([z.number().min(0), z.number().min(0)])
    .default([lo, hi])
    .refine(([a, b]) => a <= b, 'first value must not exceed the second')
    .describe(`${what}: [min, max]`);

const linesShape = {
  ...EmnistSourceShape,
  max_length: z.number().int().min(1).default(32).describe('most characters per line (labels hold max_length + 2 tokens)'),
  height: z.number().int().min(EMNIST_SIZE).default(EMNIST_SIZE).describe('line height in pixels'),
  width: z.number().int().min(EMNIST_SIZE).optional().describe('line width in pixels; default: max_length characters at the largest scale and least overlap'),
  overlap: pair(0, 0.33, 'overlap of neighbouring characters as a fraction of their width, drawn per line'),
  char_scale: pair(1, 1, 'character size relative to 28 px, drawn per character'),
  vertical_jitter: z.number().min(0).max(1).default(0).describe('std of each character\'s vertical offset as a fraction of the free height'),
  num_train: z.number().int().min(1).default(10000).describe('training lines'),
  num_val: z.number().int().min(1).default(2000).describe('validation lines'),
  num_test: z.number().int().min(1).default(2000).describe('test lines'),
  lines_seed: z.number().int().default(0).describe('seed of line texts, character choices and placement'),
  corpus_dir: z.string().optional().describe('directory of *.txt English text; default data/corpus'),
};

export const EMNISTLinesConfig = BaseDataConfig.extend({
  ...linesShape,
  augment: AugmentConfig.prefault({ enabled: false }).describe('train-only augmentation (off for EMNISTLines)'),
});
export type EMNISTLinesConfig = z.infer<typeof EMNISTLinesConfig>;

export const EMNISTLines2Config = BaseDataConfig.extend({
  ...linesShape,
  height: z.number().int().min(EMNIST_SIZE).default(56).describe('line height in pixels'),
  overlap: pair(0, 0.5, 'overlap of neighbouring characters as a fraction of their width, drawn per line'),
  char_scale: pair(0.8, 1.5, 'character size relative to 28 px, drawn per character'),
  vertical_jitter: z.number().min(0).max(1).default(0.3).describe('std of each character\'s vertical offset as a fraction of the free height'),
  augment: AugmentConfig.prefault({}).describe('train-only augmentation'),
});
export type EMNISTLines2Config = z.infer<typeof EMNISTLines2Config>;

const SPLIT_SALT: Readonly<Record<EmnistSplit, number>> = { train: 0x1b873593, val: 0x5c4bcea9, test: 0x7feb352d };
/** Characters a line may hold: EMNIST's classes and the space between words. */
export const EMNIST_LINE_CHARACTERS: readonly string[] = [...EMNIST_CLASSES, ' '];

export class EMNISTLines extends BaseDataModule {
  protected readonly config: EMNISTLinesConfig;
  private sets: Record<EmnistSplit, CharSet> | undefined;
  private byClass: Record<EmnistSplit, number[][]> | undefined;
  private readonly sentences: SentenceGenerator;
  private readonly pool: AugmentPool;

  constructor(config: EMNISTLinesConfig) {
    super(config);
    this.config = config;
    const width = this.width();
    const maxScale = config.char_scale[1];
    if (EMNIST_SIZE * maxScale > config.height) {
      throw htrError('HTR_ERR_CONFIG_INVALID', { key: 'data.char_scale', reason: `characters up to ${EMNIST_SIZE * maxScale} px do not fit a ${config.height} px line` });
    }
    if (config.overlap[1] >= 1) throw htrError('HTR_ERR_CONFIG_INVALID', { key: 'data.overlap', reason: 'overlap must stay below 1' });
    if (width < this.neededWidth()) {
      throw htrError('HTR_ERR_CONFIG_INVALID', { key: 'data.width', reason: `${config.max_length} characters need up to ${this.neededWidth()} px, width is ${width}` });
    }
    this.sentences = new SentenceGenerator({ maxLength: config.max_length, rng: new Rng(0), characters: EMNIST_LINE_CHARACTERS, ...(config.corpus_dir ? { corpusDir: config.corpus_dir } : {}) });
    this.pool = new AugmentPool(config.augment, config.num_workers);
    if (config.augment.enabled) this.augment = this.pool.augment;
  }

  async prepareData(): Promise<void> {
    if (this.sets) return;
    this.sets = (await loadEmnistSplits(this.config)).splits;
  }

  async setup(_stage: Stage): Promise<void> {
    if (this.splits) return;
    await this.prepareData();
    const sets = this.sets as Record<EmnistSplit, CharSet>;
    const index = (set: CharSet) => {
      const lists: number[][] = EMNIST_CLASSES.map(() => []);
      set.labels.forEach((l, i) => (lists[l] as number[]).push(i));
      return lists;
    };
    this.byClass = { train: index(sets.train), val: index(sets.val), test: index(sets.test) };
    const c = this.config;
    this.splits = { train: this.dataset('train', c.num_train), val: this.dataset('val', c.num_val), test: this.dataset('test', c.num_test) };
  }

  dataConfig(): DataConfig {
    return { inputDims: [1, this.config.height, this.width()], outputDims: [this.config.max_length + 2], mapping: buildMapping(DEFAULT_CHARACTERS) };
  }

  override properties(): Record<string, unknown> {
    return { ...super.properties(), overlap: this.config.overlap, augment: this.config.augment.enabled };
  }

  /** Ends augmentation worker threads. */
  async close(): Promise<void> {
    await this.pool.close();
  }

  /** Line `index` of `split`: the same text and pixels on every call. */
  line(split: EmnistSplit, index: number): Sample {
    if (!this.sets || !this.byClass) throw new Error(`${this.constructor.name}: call setup() first`);
    const c = this.config;
    const rng = new Rng(mixSeed(c.lines_seed, SPLIT_SALT[split], index));
    const text = this.sentences.generate(c.max_length, rng);
    const set = this.sets[split];
    const byClass = this.byClass[split];
    const width = this.width();
    const data = new Float32Array(c.height * width);
    const overlap = rng.uniform(c.overlap[0], c.overlap[1]);
    let x = 0;
    for (const ch of text) {
      const size = Math.round(EMNIST_SIZE * rng.uniform(c.char_scale[0], c.char_scale[1]));
      const free = c.height - size;
      const y = Math.max(0, Math.min(free, Math.round(free / 2 + rng.normal() * c.vertical_jitter * free)));
      const cls = EMNIST_CLASSES.indexOf(ch);
      if (cls >= 0) {
        // A small split may lack a class; its characters then come from the training split.
        const own = byClass[cls] as number[];
        const [from, members] = own.length > 0 ? [set, own] : [this.sets.train, this.byClass.train[cls] as number[]];
        if (members.length === 0) throw htrError('HTR_ERR_BAD_DATA_FILE', { file: `EMNIST ${split}`, reason: `no sample of class "${ch}" to draw` });
        pasteMax(data, width, c.height, scaleGlyph(from, rng.pick(members), size), size, x, y);
      }
      x += Math.max(1, Math.round(size * (1 - overlap)));
    }
    return { image: { data, width, height: c.height }, text, id: `emnist-lines-${split}-${index}` };
  }

  private width(): number {
    return this.config.width ?? this.neededWidth();
  }

  /** Widest possible line: every character at the largest scale with the least overlap. */
  private neededWidth(): number {
    const c = this.config;
    const size = Math.round(EMNIST_SIZE * c.char_scale[1]);
    const step = Math.max(1, Math.round(size * (1 - c.overlap[0])));
    return step * (c.max_length - 1) + size;
  }

  private dataset(split: EmnistSplit, length: number): Dataset {
    return { length, get: (i) => this.line(split, i) };
  }
}

/** fsdl's harder lines: taller, scaled and shifted characters, more overlap, augmentation. */
export class EMNISTLines2 extends EMNISTLines {
  constructor(config: EMNISTLines2Config) {
    super(config);
  }
}

/** An EMNIST character (ink high) resized bilinearly to size x size, values in [0, 1]. */
function scaleGlyph(set: CharSet, index: number, size: number): Float32Array {
  const n = EMNIST_SIZE;
  const src = set.images.subarray(index * n * n, (index + 1) * n * n);
  const out = new Float32Array(size * size);
  const scale = n / size;
  for (let r = 0; r < size; r++) {
    const sy = Math.min(n - 1, Math.max(0, (r + 0.5) * scale - 0.5));
    const y0 = Math.floor(sy);
    const y1 = Math.min(n - 1, y0 + 1);
    const fy = sy - y0;
    for (let col = 0; col < size; col++) {
      const sx = Math.min(n - 1, Math.max(0, (col + 0.5) * scale - 0.5));
      const x0 = Math.floor(sx);
      const x1 = Math.min(n - 1, x0 + 1);
      const fx = sx - x0;
      const top = (src[y0 * n + x0] as number) * (1 - fx) + (src[y0 * n + x1] as number) * fx;
      const bottom = (src[y1 * n + x0] as number) * (1 - fx) + (src[y1 * n + x1] as number) * fx;
      out[r * size + col] = (top * (1 - fy) + bottom * fy) / 255;
    }
  }
  return out;
}

/** Overlapping strokes keep the stronger ink, as pen strokes would. */
function pasteMax(canvas: Float32Array, width: number, height: number, glyph: Float32Array, size: number, x0: number, y0: number): void {
  for (let r = 0; r < size && y0 + r < height; r++) {
    for (let col = 0; col < size && x0 + col < width; col++) {
      const i = (y0 + r) * width + x0 + col;
      const v = glyph[r * size + col] as number;
      if (v > (canvas[i] as number)) canvas[i] = v;
    }
  }
}
