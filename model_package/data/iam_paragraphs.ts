/**
 * IAMParagraphs: the region of each IAM form from its first to its last kept
 * line, resized so every line gets `line_height` pixels (n lines -> n x
 * line_height tall, aspect kept, width capped at `max_width`), labels the line
 * texts joined by "\n". Cached in `data/processed/iam_paragraphs/<key>/`.
 */
import path from 'node:path';
import { z } from 'zod';
import { resizeGray } from '../preprocess/line_image.js';
import { AugmentConfig } from './augment/config.js';
import { AugmentPool } from './augment/augment_pool.js';
import { BaseDataConfig, BaseDataModule, type Splits } from './base_data_module.js';
import { paragraphBox, scaleBox, type IamSplit } from './iam.js';
import { cropsDataset, type CropFilterReport } from './iam_crops_dataset.js';
import { cropGray, IamSourceShape } from './iam_source.js';
import { loadCropStore, prepareCropStore, type IamBuildInfo, type StoredCrop } from './iam_store.js';
import { buildMapping, DEFAULT_CHARACTERS, Tokenizer } from './tokenizer.js';
import type { DataConfig, Stage } from './types.js';

const PARAGRAPHS_VERSION = 1;

/** Paragraph geometry shared by the real and synthetic paragraph modules. */
export const ParagraphShape = {
  line_height: z.number().int().min(8).default(28).describe('pixels per text line; a paragraph of n lines is n x line_height tall'),
  max_lines: z.number().int().min(1).default(13).describe('most lines per paragraph (canvas height = max_lines x line_height); taller paragraphs are dropped and counted'),
  max_width: z.number().int().min(16).default(640).describe('canvas width; narrower paragraphs are padded with paper, wider ones squeezed'),
  max_label_length: z.number().int().min(1).default(682).describe('longest paragraph label in characters, newlines included'),
};

export const IAMParagraphsConfig = BaseDataConfig.extend({
  ...IamSourceShape,
  ...ParagraphShape,
  augment: AugmentConfig.prefault({}).describe('train-only augmentation'),
});
export type IAMParagraphsConfig = z.infer<typeof IAMParagraphsConfig>;

export function paragraphDataConfig(c: { line_height: number; max_lines: number; max_width: number; max_label_length: number }, mapping: readonly string[]): DataConfig {
  return { inputDims: [1, c.line_height * c.max_lines, c.max_width], outputDims: [c.max_label_length + 2], mapping };
}

export class IAMParagraphs extends BaseDataModule {
  protected readonly config: IAMParagraphsConfig;
  readonly mapping: readonly string[] = buildMapping(DEFAULT_CHARACTERS);
  private readonly tokenizer = new Tokenizer(this.mapping);
  private readonly pool: AugmentPool;
  cacheDir: string | undefined;
  crops: Record<IamSplit, StoredCrop[]> | undefined;
  private info: IamBuildInfo | undefined;
  private filtered: Partial<Record<IamSplit, CropFilterReport>> = {};

  constructor(config: IAMParagraphsConfig) {
    super(config);
    this.config = config;
    this.pool = new AugmentPool(config.augment, config.num_workers);
    if (config.augment.enabled) this.augment = this.pool.augment;
  }

  dataConfig(): DataConfig {
    return paragraphDataConfig(this.config, this.mapping);
  }

  async prepareData(): Promise<void> {
    if (this.cacheDir) return;
    const c = this.config;
    this.cacheDir = await prepareCropStore('iam_paragraphs', PARAGRAPHS_VERSION, c, { line_height: c.line_height, max_width: c.max_width }, async (form, image, ds) => {
      const crop = cropGray(image, scaleBox(paragraphBox(form.lines), ds, image.width, image.height));
      return [{
        id: form.id,
        text: form.lines.map((l) => l.text).join('\n'),
        image: await resizeGray(crop, form.lines.length * c.line_height, c.max_width),
      }];
    });
  }

  async setup(_stage: Stage): Promise<void> {
    if (this.splits) return;
    await this.prepareData();
    const c = this.config;
    const { info, crops, filtered } = await loadCropStore(this.cacheDir as string, this.tokenizer, c.max_label_length, c.max_lines * c.line_height);
    this.info = info;
    this.filtered = filtered;
    this.crops = crops;
    this.splits = { train: cropsDataset(crops.train, c.max_width), val: cropsDataset(crops.val, c.max_width), test: cropsDataset(crops.test, c.max_width) };
  }

  /** The loaded splits (after setup), for modules that combine them. */
  datasets(): Splits {
    return this.requireSplits();
  }

  override properties(): Record<string, unknown> {
    return {
      ...super.properties(),
      cache_dir: this.cacheDir,
      skipped_forms: this.info?.skipped_forms.map((s) => path.basename(s.file)),
      split_violations: this.info?.split_violations,
      label_filter: this.filtered,
      augment: this.config.augment.enabled ? { workers: this.config.num_workers } : false,
    };
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}
