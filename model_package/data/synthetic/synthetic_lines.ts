/**
 * SyntheticLines: lines of English prose and form-like text (names, dates,
 * amounts, addresses) rendered in 34 handwriting fonts, each at the line
 * height and its own natural width like a real line crop, with varied size,
 * slant, stroke, baseline, per-glyph jitter, per-word tilt, elastic warp, ink
 * and paper texture, noise, blur and JPEG. The framework's offline default: no
 * downloads, deterministic from `seed`, split by font (val and test fonts never
 * appear in training, like IAM's writer-independent split), rendered on worker
 * threads and cached in `data/processed/synthetic_lines/<key>/`.
 */
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import sharp from 'sharp';
import { z } from 'zod';
import { htrError } from '../../errors.js';
import { toFloatCanvas } from '../../preprocess/line_image.js';
import { AugmentConfig } from '../augment/config.js';
import { AugmentPool } from '../augment/augment_pool.js';
import { BaseDataConfig, BaseDataModule } from '../base_data_module.js';
import { DEFAULT_FONT_ROOT, discoverFonts, missingGlyphs, selectFonts, type FontFace } from './fonts.js';
import { cacheKey, withProcessedCache } from '../sources/processed_cache.js';
import { HandwritingStyleShape, type HandwritingStyleRanges } from './render/handwriting_style.js';
import { readLineStore, writeLineStore } from '../sources/line_store.js';
import { renderLines } from './render/render_pool.js';
import type { RenderedLine, SyntheticLineSpec } from './render/synthetic_line_source.js';
import { DEFAULT_CORPUS_DIR, loadCorpus } from './sentence_generator.js';
import { buildMapping, DEFAULT_CHARACTERS } from '../../core/tokenizer.js';
import type { DataConfig, Dataset, Stage } from '../../core/data_types.js';

/** Bump when rendering changes in a way the cache key cannot see. */
const RENDER_VERSION = 2;

// The font split is fixed (chosen before any tuning; do not move fonts between
// splits to improve numbers): val and test fonts are writers the model never
// sees in training, like IAM's writer-independent split. Old val/test fonts kept
// their roles; the new ones cover each style: cursive, condensed, round print.
// Rock Salt stays out: its lower-case letters are small capitals, so lower-case
// labels would teach upper-case shapes (Just Me Again Down Here, not installed,
// has the same problem with "r").
export const DEFAULT_TRAIN_FONTS = [
  'Annie Use Your Telescope', 'Architects Daughter', 'Caveat', 'Caveat Brush', 'Cedarville Cursive', 'Dancing Script', 'Dawning of a New Day',
  'Delius', 'Gloria Hallelujah', 'Handlee', 'Homemade Apple', 'Itim', 'Loved by the King', 'Mali', 'Nanum Pen', 'Neucha', 'Nothing You Could Do',
  'Reenie Beanie', 'Schoolbell', 'Shadows Into Light', 'Short Stack', 'Sriracha', 'Sue Ellen Francisco', 'The Girl Next Door', 'Zeyada',
];
export const DEFAULT_VAL_FONTS = ['Covered By Your Grace', 'Gochi Hand', 'Kalam', 'Marck Script'];
export const DEFAULT_TEST_FONTS = ['Coming Soon', 'Indie Flower', 'Just Another Hand', 'La Belle Aurore', 'Patrick Hand'];

export const SyntheticLinesConfig = BaseDataConfig.extend({
  num_workers: z.number().int().min(0).default(2).describe('worker threads that render lines on first use (0 = main thread)'),
  seed: z.number().int().default(0).describe('seed of texts, fonts and styles; the same seed renders the same pixels'),
  height: z.number().int().min(8).default(32).describe('line height in pixels; every line is rendered at this height'),
  max_width: z.number().int().min(16).default(1024).describe('widest line in pixels; each line keeps its natural width (never squeezed), a longer text loses words at its end'),
  min_length: z.number().int().min(1).default(1).describe('fewest characters per line'),
  max_length: z.number().int().min(1).default(100).describe('most characters per line (labels hold max_length + 2 tokens with <S> and <E>)'),
  num_train: z.number().int().min(1).default(5000).describe('training lines'),
  num_val: z.number().int().min(1).default(500).describe('validation lines'),
  num_test: z.number().int().min(1).default(500).describe('test lines'),
  train_fonts: z.array(z.string()).min(1).default(DEFAULT_TRAIN_FONTS).describe('font families of the training split'),
  val_fonts: z.array(z.string()).min(1).default(DEFAULT_VAL_FONTS).describe('font families of the validation split'),
  test_fonts: z.array(z.string()).min(1).default(DEFAULT_TEST_FONTS).describe('font families of the test split (never in training)'),
  font_dir: z.string().optional().describe('directory of font packages (<pkg>/400Regular/*.ttf, or a .ttf at the package root); default node_modules/@expo-google-fonts'),
  corpus_dir: z.string().optional().describe('directory of *.txt English text; default data/corpus'),
  held_out_text: z.boolean().default(true).describe('val/test lines use sentences and names never used for training (the corpus and name lists are split)'),
  structured_text_fraction: z.number().min(0).max(1).default(0.25).describe('share of lines of names, dates, amounts, addresses and other numbers'),
  mixed_text_fraction: z.number().min(0).max(1).default(0.15).describe('share of prose lines with numbers, capitals and symbols mixed in'),
  processed_dir: z.string().default('data/processed').describe('root of the processed-data cache'),
  // Rendering already varies slant, stroke, blur and paper, so augmentation adds mostly geometry (milder shear, less blur).
  augment: AugmentConfig.prefault({ shear_deg: [-8, 8], blur_p: 0.1 }).describe('train-only augmentation applied on top of the rendered lines, new each epoch'),
  ...HandwritingStyleShape,
});
export type SyntheticLinesConfig = z.infer<typeof SyntheticLinesConfig>;

export type SplitName = 'train' | 'val' | 'test';
export const SPLIT_SALT: Readonly<Record<SplitName, number>> = { train: 0x9e3779b1, val: 0x85ebca77, test: 0xc2b2ae3d };

/** Style ranges of a config (the HandwritingStyleShape keys). */
export function styleRanges(c: SyntheticLinesConfig): HandwritingStyleRanges {
  const keys = Object.keys(HandwritingStyleShape) as (keyof HandwritingStyleRanges)[];
  return Object.fromEntries(keys.map((k) => [k, c[k]])) as unknown as HandwritingStyleRanges;
}

/** Characters a synthetic line may contain: the default vocabulary without the newline. */
export const LINE_CHARACTERS: readonly string[] = DEFAULT_CHARACTERS.filter((c) => c !== '\n');

export class SyntheticLines extends BaseDataModule {
  protected readonly config: SyntheticLinesConfig;
  private readonly fonts: Readonly<Record<SplitName, FontFace[]>>;
  protected lines: Record<SplitName, RenderedLine[]> | undefined;
  private cacheDir: string | undefined;
  private renderSeconds: number | undefined;
  private readonly pool: AugmentPool;

  constructor(config: SyntheticLinesConfig) {
    super(config);
    this.config = config;
    if (config.min_length > config.max_length) throw htrError('HTR_ERR_CONFIG_INVALID', { key: 'data.min_length', reason: `min_length ${config.min_length} > max_length ${config.max_length}` });
    this.pool = new AugmentPool(config.augment, config.num_workers);
    if (config.augment.enabled) this.augment = this.pool.augment;
    const all = discoverFonts(config.font_dir ?? DEFAULT_FONT_ROOT);
    this.fonts = {
      train: selectFonts(all, config.train_fonts, 'data.train_fonts'),
      val: selectFonts(all, config.val_fonts, 'data.val_fonts'),
      test: selectFonts(all, config.test_fonts, 'data.test_fonts'),
    };
    for (const split of ['train', 'val', 'test'] as const) {
      for (const face of this.fonts[split]) {
        const missing = missingGlyphs(face.file, LINE_CHARACTERS);
        if (missing.length > 0) {
          throw htrError('HTR_ERR_CONFIG_INVALID', { key: `data.${split}_fonts`, reason: `font "${face.family}" has no glyph for ${missing.map((c) => JSON.stringify(c)).join(' ')}; they would be drawn in a fallback font` });
        }
      }
    }
    const train = new Set(this.fonts.train.map((f) => f.family));
    for (const split of ['val', 'test'] as const) {
      const leaked = this.fonts[split].filter((f) => train.has(f.family)).map((f) => f.family);
      if (leaked.length > 0) {
        throw htrError('HTR_ERR_CONFIG_INVALID', { key: `data.${split}_fonts`, reason: `${leaked.join(', ')} also in train_fonts; splits must not share fonts` });
      }
    }
  }

  /** The plain-data render spec shared with worker threads. */
  spec(): SyntheticLineSpec {
    const c = this.config;
    return {
      seed: c.seed,
      height: c.height,
      maxWidth: c.max_width,
      minLength: c.min_length,
      maxLength: c.max_length,
      mixedFraction: c.mixed_text_fraction,
      structuredFraction: c.structured_text_fraction,
      characters: LINE_CHARACTERS,
      style: styleRanges(c),
      heldOutText: c.held_out_text,
      ...(c.corpus_dir ? { corpusDir: c.corpus_dir } : {}),
    };
  }

  /** Hash of everything the rendered pixels depend on. */
  key(): string {
    const c = this.config;
    const corpus = createHash('sha256').update(loadCorpus(c.corpus_dir ?? DEFAULT_CORPUS_DIR)).digest('hex');
    const fonts = Object.fromEntries(
      (Object.keys(this.fonts) as SplitName[]).map((s) => [s, this.fonts[s].map((f) => ({ family: f.family, size: statSync(f.file).size }))]),
    );
    const spec = { ...this.spec(), corpusDir: undefined };
    return cacheKey({ v: RENDER_VERSION, spec, fonts, counts: [c.num_train, c.num_val, c.num_test], corpus, libs: { vips: sharp.versions.vips, pango: sharp.versions.pango } });
  }

  async prepareData(): Promise<void> {
    if (this.cacheDir) return;
    const c = this.config;
    this.cacheDir = await withProcessedCache(
      this.cacheName(),
      this.key(),
      async (tmp) => {
        const started = performance.now();
        const counts: Record<SplitName, number> = { train: c.num_train, val: c.num_val, test: c.num_test };
        const splits = ['train', 'val', 'test'] as const;
        const jobs = splits.map((split) => ({ fonts: this.fonts[split], salt: SPLIT_SALT[split], part: split, count: counts[split] }));
        const rendered = await renderLines(this.spec(), jobs, c.num_workers);
        for (const [k, split] of splits.entries()) await writeLineStore(tmp, split, rendered[k] as RenderedLine[]);
        this.renderSeconds = (performance.now() - started) / 1000;
      },
      { root: c.processed_dir, verify: 'size' },
    );
  }

  async setup(_stage: Stage): Promise<void> {
    if (this.splits) return;
    await this.prepareData();
    const dir = this.cacheDir as string;
    const lines = {
      train: await readLineStore<RenderedLine>(dir, 'train'),
      val: await readLineStore<RenderedLine>(dir, 'val'),
      test: await readLineStore<RenderedLine>(dir, 'test'),
    };
    this.lines = lines;
    this.splits = { train: this.dataset('train', lines.train), val: this.dataset('val', lines.val), test: this.dataset('test', lines.test) };
  }

  dataConfig(): DataConfig {
    const c = this.config;
    // Lines come at their own widths up to max_width; the loader pads each batch.
    return { inputDims: [1, c.height, c.max_width], outputDims: [c.max_length + 2], mapping: buildMapping(DEFAULT_CHARACTERS) };
  }

  override properties(): Record<string, unknown> {
    return {
      ...super.properties(),
      train_fonts: this.fonts.train.map((f) => f.family),
      val_fonts: this.fonts.val.map((f) => f.family),
      test_fonts: this.fonts.test.map((f) => f.family),
      ...(this.cacheDir ? { cache_dir: this.cacheDir } : {}),
      ...(this.renderSeconds !== undefined ? { render_seconds: Number(this.renderSeconds.toFixed(2)) } : {}),
      augment: this.config.augment.enabled,
    };
  }

  /** Ends augmentation worker threads (they never keep the process alive). */
  async close(): Promise<void> {
    await this.pool.close();
  }

  /** Rendered lines of a split (after setup): text, font and the 8-bit scan. */
  renderedLines(split: SplitName): readonly RenderedLine[] {
    if (!this.lines) throw new Error('SyntheticLines: call setup() before asking for lines');
    return this.lines[split];
  }

  protected cacheName(): string {
    return 'synthetic_lines';
  }

  private dataset(split: SplitName, lines: readonly RenderedLine[]): Dataset {
    return {
      length: lines.length,
      // The same last step as preprocessLineImage: 8-bit scan -> [0,1] ink-high, here at the line's own width.
      get: (i) => {
        const line = lines[i] as RenderedLine;
        return { image: toFloatCanvas(line.image, line.image.width, true), text: line.text, id: `synthetic-${split}-${i}` };
      },
      // Known without decoding: the loader batches similar widths together.
      widthOf: (i) => (lines[i] as RenderedLine).image.width,
    };
  }
}
