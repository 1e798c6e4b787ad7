/**
 * IAMSyntheticParagraphs: random stacks of 1..max_lines IAM line crops (from
 * IAMLines' cache at `line_height`), labels joined by "\n", within the label
 * and canvas limits. Sample i of a split is a pure function of (seed, split, i).
 * Train stacks use only train-split lines; val/test stacks use their own
 * split's lines, so writers never cross splits.
 */
import { z } from 'zod';
import { AugmentConfig } from '../augment/config.js';
import { AugmentPool } from '../augment/augment_pool.js';
import { BaseDataConfig, BaseDataModule } from '../base_data_module.js';
import type { IamSplit } from './iam_folder.js';
import { IAMLines, IAMLinesConfig } from './iam_lines.js';
import { paragraphDataConfig, ParagraphShape } from './iam_paragraphs.js';
import { IamSourceShape } from './iam_source.js';
import type { StoredCrop } from './iam_store.js';
import { buildMapping, DEFAULT_CHARACTERS } from '../../core/tokenizer.js';
import { Rng } from '../../core/rng.js';
import type { DataConfig, Dataset, Sample, Stage } from '../../core/data_types.js';

export const SyntheticParagraphShape = {
  seed: z.number().int().default(0).describe('seed of the line choices; the same seed gives the same paragraphs'),
  min_synthetic_lines: z.number().int().min(1).default(1).describe('fewest lines in a synthetic paragraph'),
};

export const IAMSyntheticParagraphsConfig = BaseDataConfig.extend({
  ...IamSourceShape,
  ...ParagraphShape,
  ...SyntheticParagraphShape,
  num_train: z.number().int().min(1).default(5000).describe('synthetic training paragraphs'),
  num_val: z.number().int().min(0).default(200).describe('synthetic validation paragraphs (from validation-split lines)'),
  num_test: z.number().int().min(0).default(200).describe('synthetic test paragraphs (from test-split lines)'),
  augment: AugmentConfig.prefault({}).describe('train-only augmentation'),
});
export type IAMSyntheticParagraphsConfig = z.infer<typeof IAMSyntheticParagraphsConfig>;

export interface StackOptions {
  lineHeight: number;
  maxLines: number;
  minLines: number;
  maxWidth: number;
  maxLabelLength: number;
}

const SPLIT_SALT: Readonly<Record<IamSplit, number>> = { train: 0x2545f491, val: 0x9e3779b9, test: 0x6a09e667 };

/**
 * Stacks randomly chosen crops (each `lineHeight` tall) top to bottom on a
 * `maxWidth` canvas; drops trailing lines until the label fits.
 */
export function stackLines(crops: readonly StoredCrop[], rng: Rng, o: StackOptions, id: string): Sample {
  const want = rng.int(Math.min(o.minLines, o.maxLines), o.maxLines);
  const chosen: StoredCrop[] = [];
  for (let k = 0; k < want; k++) chosen.push(crops[rng.int(0, crops.length - 1)] as StoredCrop);
  const label = (cs: readonly StoredCrop[]) => cs.map((c) => c.text).join('\n');
  while (chosen.length > 1 && [...label(chosen)].length > o.maxLabelLength) chosen.pop();
  const height = chosen.length * o.lineHeight;
  const data = new Float32Array(height * o.maxWidth);
  chosen.forEach((c, row) => {
    const w = Math.min(c.image.width, o.maxWidth);
    const x0 = rng.int(0, Math.min(8, o.maxWidth - w)); // writers do not start every line at the same x
    const rows = Math.min(c.image.height, o.lineHeight);
    for (let y = 0; y < rows; y++) {
      for (let x = 0; x < w; x++) {
        data[(row * o.lineHeight + y) * o.maxWidth + x0 + x] = 1 - (c.image.data[y * c.image.width + x] as number) / 255;
      }
    }
  });
  return { id, text: label(chosen), image: { data, width: o.maxWidth, height } };
}

/** A split of `count` synthetic paragraphs drawn from `crops`. */
export function syntheticParagraphDataset(crops: readonly StoredCrop[], count: number, seed: number, split: IamSplit, o: StackOptions): Dataset {
  const usable = crops.filter((c) => [...c.text].length <= o.maxLabelLength);
  return {
    length: usable.length === 0 ? 0 : count,
    get(i: number): Sample {
      const rng = new Rng((Math.imul(seed ^ SPLIT_SALT[split], 0x85ebca6b) + Math.imul(i + 1, 0xc2b2ae35)) >>> 0);
      return stackLines(usable, rng, o, `synthetic-${split}-${i}`);
    },
  };
}

/** An IAMLines module cropping lines at paragraph line height (shares its cache). */
export function linesForParagraphs(c: z.infer<typeof BaseDataConfig> & Record<string, unknown> & { line_height: number; max_width: number }): IAMLines {
  const source = Object.fromEntries(Object.keys(IamSourceShape).filter((k) => c[k] !== undefined).map((k) => [k, c[k]]));
  return new IAMLines(IAMLinesConfig.parse({ ...source, batch_size: c.batch_size, num_workers: 0, height: c.line_height, max_width: c.max_width, max_label_length: 10_000, augment: { enabled: false } }));
}

export function stackOptions(c: { line_height: number; max_lines: number; min_synthetic_lines: number; max_width: number; max_label_length: number }): StackOptions {
  return { lineHeight: c.line_height, maxLines: c.max_lines, minLines: c.min_synthetic_lines, maxWidth: c.max_width, maxLabelLength: c.max_label_length };
}

export class IAMSyntheticParagraphs extends BaseDataModule {
  protected readonly config: IAMSyntheticParagraphsConfig;
  readonly mapping: readonly string[] = buildMapping(DEFAULT_CHARACTERS);
  private readonly lines: IAMLines;
  private readonly pool: AugmentPool;

  constructor(config: IAMSyntheticParagraphsConfig) {
    super(config);
    this.config = config;
    this.lines = linesForParagraphs(config);
    this.pool = new AugmentPool(config.augment, config.num_workers);
    if (config.augment.enabled) this.augment = this.pool.augment;
  }

  dataConfig(): DataConfig {
    return paragraphDataConfig(this.config, this.mapping);
  }

  async prepareData(): Promise<void> {
    await this.lines.prepareData();
  }

  async setup(stage: Stage): Promise<void> {
    if (this.splits) return;
    await this.lines.setup(stage);
    const crops = this.lines.crops as Record<IamSplit, StoredCrop[]>;
    const c = this.config;
    const o = stackOptions(c);
    this.splits = {
      train: syntheticParagraphDataset(crops.train, c.num_train, c.seed, 'train', o),
      val: syntheticParagraphDataset(crops.val, c.num_val, c.seed, 'val', o),
      test: syntheticParagraphDataset(crops.test, c.num_test, c.seed, 'test', o),
    };
  }

  override properties(): Record<string, unknown> {
    const l = this.lines.properties();
    return { ...super.properties(), line_cache_dir: l.cache_dir, skipped_forms: l.skipped_forms, split_violations: l.split_violations };
  }

  async close(): Promise<void> {
    await Promise.all([this.pool.close(), this.lines.close()]);
  }
}
